"""HTML pages of the worker portal and the requester console, and the crowd-elements script.

The pages are thin shells: their JavaScript is a client of the REST API like any external portal, so nothing a
browser can do bypasses the API's checks.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request

WEB = Path(__file__).resolve().parent
CROWD_SCRIPTS = WEB / "static" / "crowd"

bp = Blueprint("web", __name__, template_folder="templates", static_folder="static", static_url_path="/static")


@cache
def _crowd_bundle(stamp: tuple[tuple[str, float], ...]) -> str:
    parts = [f"/* {name} */\n" + (CROWD_SCRIPTS / name).read_text(encoding="utf-8") for name, _ in stamp]
    return "\n".join(parts)


@bp.get("/crowd-html-elements.js")
def crowd_elements() -> Response:
    """Groundwork's own Crowd HTML Elements, one script as Ground Truth's templates expect (they load
    https://assets.crowd.aws/crowd-html-elements.js; the template renderer points that tag here)."""
    stamp = tuple((p.name, p.stat().st_mtime) for p in sorted(CROWD_SCRIPTS.glob("*.js")))
    return Response(_crowd_bundle(stamp), mimetype="application/javascript",
                    headers={"Cache-Control": "public, max-age=300"})


@bp.get("/")
def index() -> Any:
    return redirect("/portal/")


_PORTAL = {"": "home", "signin": "signin", "qualification": "qualification", "work": "work"}
_CONSOLE = {"": "jobs", "signin": "signin", "new": "new"}


@bp.get("/portal/")
@bp.get("/portal/<page>")
def portal(page: str = "") -> str:
    if page not in _PORTAL:
        abort(404)
    return render_template(f"portal/{_PORTAL[page]}.html")


@bp.get("/console/")
@bp.get("/console/<page>")
def console(page: str = "") -> str:
    if page not in _CONSOLE:
        abort(404)
    return render_template(f"console/{_CONSOLE[page]}.html")


@bp.get("/console/jobs/<job_ref>")
def console_job(job_ref: str) -> str:
    return render_template("console/job.html", job_ref=job_ref)


@bp.get("/__test__/page")
def test_page() -> Any:
    """A page holding the crowd script and an HTML snippet, for the browser tests of the elements alone. It exists
    only when GW_TEST_PAGES=1 (the test fixtures set it), never in a deployment."""
    if os.environ.get("GW_TEST_PAGES") != "1":
        abort(404)
    html = request.args.get("html", "")
    return ("<!doctype html><html><head><meta charset='utf-8'><script src='/crowd-html-elements.js'></script>"
            "<script>window.__submitted = [];addEventListener('crowd-submit', e => "
            "window.__submitted.push(e.detail.answer));</script></head><body>" + html + "</body></html>")
