"""The serve benchmark's baseline: the least a pull/submit pair can do on the same stack.

One `UPDATE ... RETURNING` claim and one plain `UPDATE` submit, on Flask + SQLAlchemy + PostgreSQL under the same
gunicorn settings as the real API: no auth, no ledger, no audit, no metrics, no validation.
"""

from __future__ import annotations

import os

from flask import Flask, Response, request
from sqlalchemy import text

from shared.persistence.engine import make_engine

SCHEMA = """
CREATE TABLE IF NOT EXISTS bare_slot (
    id BIGSERIAL PRIMARY KEY, taken_by INTEGER, answer TEXT
);
CREATE INDEX IF NOT EXISTS bare_slot_free ON bare_slot (id) WHERE taken_by IS NULL;
"""

CLAIM = text("""
UPDATE bare_slot SET taken_by = :who WHERE id = (
    SELECT id FROM bare_slot WHERE taken_by IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED
) RETURNING id
""")
SUBMIT = text("UPDATE bare_slot SET answer = :answer WHERE id = :id AND taken_by = :who")


def create_app() -> Flask:
    engine = make_engine(os.environ["GW_DATABASE_URL"])
    app = Flask("bare")

    @app.post("/claim")
    def claim() -> object:
        who = int(request.headers.get("X-Who", "0"))
        with engine.begin() as conn:
            row = conn.execute(CLAIM, {"who": who}).first()
        return Response(status=204) if row is None else {"assignment_id": row[0]}

    @app.post("/submit/<int:slot>")
    def submit(slot: int) -> object:
        who = int(request.headers.get("X-Who", "0"))
        body = request.get_json()
        with engine.begin() as conn:
            conn.execute(SUBMIT, {"answer": body["answer"]["label"], "id": slot, "who": who})
        return {"ok": True}

    return app


app = create_app() if "GW_BARE_APP" in os.environ else None
