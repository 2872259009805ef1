"""Crash safety: SIGKILL a real process in the middle of the work, restart, and the job still comes out right.

Each scenario runs Groundwork as production does (gunicorn API, Celery worker with beat, PostgreSQL, a Redis
broker) and arms one fail point (shared.faults) through GW_CRASH_AT. The fail point SIGKILLs its own process once:
- a Celery worker (solo pool, so the task runs in the worker's own process) in the middle of an ingest chunk,
  a consolidation batch or an export; the test waits for it to die, then starts a normal worker. The killed
  message stays unacked in Redis; the sweep re-drives the chunk or the export after GW_REDRIVE_SECONDS.
- a gunicorn worker in the middle of a submit, before or after its commit; gunicorn starts a new worker by
  itself, and the simulated labelers retry the submit on the dropped connection.

Simulated labelers (demo.labelers) then finish the job over HTTP, and the database and the output are checked:
the job is Completed, no answer is lost, nobody answered an object twice or was paid twice, the ledger is
answers x price + labeled objects x fee, LabelCounters add up, and the output manifest has one line per input line.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from demo.labelers import LabelerStats, job_finished, run_crowd
from demo.processes import create_key, groundwork_env, migrate, start_api, start_worker, stop
from shared.domain.money import usd_to_micros
from shared.persistence.tables import AnswerRow, AuditEvent, ConsolidatedLabel, DataObject, IngestChunk, LedgerEntry
from tests.support.services import postgres_database, redis_db

pytestmark = [pytest.mark.integration, pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(180)]

PRICE_USD = "0.012"
FEE_USD = "0.08"
LABELS = ["negative", "positive"]
LABELERS = 4
BAD_EVERY = 500  # every 500th line has no "source": a failed object that still gets its output line


@dataclass(frozen=True)
class Scenario:
    crash_at: str
    victim: str  # "worker": a Celery worker; "api": a gunicorn worker
    lines: int
    workers_per_object: int
    redis_db: int


SCENARIOS = [
    Scenario("ingest.mid_chunk", "worker", 2100, 1, 6),  # three chunks: 1,000 + 1,000 + 100 lines
    Scenario("consolidate.mid_batch", "worker", 120, 3, 7),
    Scenario("export.mid_write", "worker", 300, 1, 8),
    Scenario("submit.mid_transaction", "api", 300, 1, 6),
    Scenario("submit.after_commit", "api", 300, 1, 7),
]


def manifest_lines(n: int) -> list[str]:
    return [json.dumps({"id": i} if i % BAD_EVERY == BAD_EVERY - 1 else {"source": f"review number {i}", "id": i})
            for i in range(n)]


def truth(line_no: int) -> str:
    return LABELS[line_no % 2]


class Api:
    def __init__(self, base: str, key: str) -> None:
        self.base, self.headers = base, {"Authorization": f"Bearer {key}"}

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        resp = requests.post(self.base + path, json=body, headers=self.headers, timeout=30)
        assert resp.status_code == 201, resp.text
        return resp.json()  # type: ignore[no-any-return]

    def get(self, path: str, tries: int = 20) -> dict[str, Any]:
        """GET, retried while an API worker is being killed and restarted (a GET is safe to repeat)."""
        for attempt in range(tries):
            try:
                resp = requests.get(self.base + path, headers=self.headers, timeout=30)
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                if attempt == tries - 1:
                    raise
                time.sleep(0.25)
                continue
            assert resp.status_code == 200, resp.text
            return resp.json()  # type: ignore[no-any-return]
        raise AssertionError("unreachable")


def children_of(pid: int) -> set[int]:
    """Direct children of `pid`, read from /proc (the embedded beat is the crashed worker's child)."""
    found: set[int] = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            after_name = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(after_name[1]) == pid:
            found.add(int(stat.parent.name))
    return found


def kill_strays(pids: set[int]) -> None:
    """SIGKILL processes we started that outlived their parent: celery's embedded beat survives a SIGKILLed worker."""
    for pid in pids:
        try:
            if b"celery" in Path(f"/proc/{pid}/cmdline").read_bytes():
                os.kill(pid, signal.SIGKILL)
        except (OSError, ProcessLookupError):
            pass


class Processes:
    """Every process a scenario starts, with their children, so none outlives the test."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.descendants: set[int] = set()

    def add(self, proc: subprocess.Popen[bytes]) -> subprocess.Popen[bytes]:
        self.procs.append(proc)
        return proc

    def note_children(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                self.descendants |= children_of(proc.pid)

    def wait_for_sigkill(self, proc: subprocess.Popen[bytes], timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            self.note_children()
            time.sleep(0.1)
        if proc.poll() is None:
            raise AssertionError(f"the armed worker did not crash within {timeout}s")
        kill_strays(self.descendants)
        return proc.returncode

    def stop_all(self) -> None:
        self.note_children()
        for proc in reversed(self.procs):
            stop(proc, grace=10)
        kill_strays(self.descendants)


def tail(path: Path, n: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-n:]) if path.exists() else "(no log)"


@pytest.fixture
def processes() -> Iterator[Processes]:
    procs = Processes()
    try:
        yield procs
    finally:
        procs.stop_all()


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.crash_at for s in SCENARIOS])
def test_a_job_survives_a_sigkill_with_no_answer_lost_or_paid_twice(
    scenario: Scenario, tmp_path: Path, processes: Processes
) -> None:
    broker = redis_db(scenario.redis_db)
    with postgres_database() as db_url:
        data_dir, logs, marker = tmp_path / "var", tmp_path / "logs", tmp_path / "crashed.pid"
        logs.mkdir()
        env = groundwork_env(data_dir, GW_DATABASE_URL=db_url, GW_BROKER_URL=broker, GW_CHUNK_LINES="1000",
                             GW_SWEEP_SECONDS="0.5", GW_REDRIVE_SECONDS="3", GW_SERVICE_FEE_USD=FEE_USD)
        armed = {**env, "GW_CRASH_AT": scenario.crash_at, "GW_CRASH_MARKER": str(marker)}
        migrate(env)
        key = create_key(env)
        on_worker = scenario.victim == "worker"
        api_proc, base = start_api(env if on_worker else armed, workers=2, log=logs / "api.log")
        processes.add(api_proc)
        first_worker = processes.add(start_worker(armed if on_worker else env, beat=True, log=logs / "worker-1.log",
                                                  pool="solo" if on_worker else "prefork"))
        try:
            view, stats = run_scenario(scenario, tmp_path, env, base, key, processes, first_worker, logs)
        except BaseException:
            for log in sorted(logs.iterdir()):
                print(f"--- {log.name}\n{tail(log)}")
            raise
        finally:
            processes.stop_all()  # before the database is dropped
            redis_db(scenario.redis_db)  # flush what the killed worker left unacked
        # The armed process really died by SIGKILL, at the fail point (the marker holds its pid).
        killed_pid = int(marker.read_text())
        if on_worker:
            assert (first_worker.returncode, killed_pid) == (-signal.SIGKILL, first_worker.pid)
        else:
            assert f"Worker (pid:{killed_pid}) was sent SIGKILL" in (logs / "api.log").read_text()
        check_outcome(scenario, db_url, view, stats)


def run_scenario(scenario: Scenario, tmp_path: Path, env: dict[str, str], base: str, key: str,
                 processes: Processes, first_worker: subprocess.Popen[bytes],
                 logs: Path) -> tuple[dict[str, Any], list[LabelerStats]]:
    api = Api(base, key)
    wf = api.post("/api/v1/workforces", {"name": "staff", "kind": "private"})
    team = api.post("/api/v1/workteams", {"name": "team", "workforce_id": wf["id"]})
    tokens = [api.post("/api/v1/labelers", {"name": f"labeler-{i}", "workforce_id": wf["id"],
                                            "workteam_ids": [team["id"]]})["token"] for i in range(LABELERS)]
    manifest = tmp_path / "input.manifest"
    manifest.write_text("".join(line + "\n" for line in manifest_lines(scenario.lines)), encoding="utf-8")
    job = api.post("/api/v1/jobs", {
        "name": "reviews", "task_type": "text-classification", "labels": LABELS,
        "manifest_uri": manifest.resolve().as_uri(), "workteam_id": team["id"],
        "workers_per_object": scenario.workers_per_object, "price_per_task_usd": PRICE_USD,
        # The shortest lease: a kill can also take down a claim in flight on another thread of the same API worker;
        # its lease is committed but never delivered, and only its expiry gives the object back to the crowd.
        "task_time_limit_seconds": 30})

    stats: list[LabelerStats] = []
    failure: list[BaseException] = []

    def crowd() -> None:
        try:
            stats.extend(run_crowd(base, tokens, lambda task: truth(int(task["input"]["datasetObjectId"])), LABELS,
                                   job_finished(base, key, job["name"]), accuracies=[0.9] * LABELERS,
                                   job_id=job["id"], deadline=150))
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            failure.append(exc)

    labelers = threading.Thread(target=crowd, daemon=True)
    labelers.start()
    if scenario.victim == "worker":
        assert processes.wait_for_sigkill(first_worker, timeout=90) == -signal.SIGKILL
        processes.add(start_worker(env, beat=True, log=logs / "worker-2.log"))
    labelers.join(160)
    assert not labelers.is_alive(), "the labelers did not finish"
    if failure:
        raise failure[0]
    return api.get(f"/api/v1/jobs/{job['id']}"), stats


def check_outcome(scenario: Scenario, db_url: str, view: dict[str, Any], stats: list[LabelerStats]) -> None:
    lines = scenario.lines
    bad = lines // BAD_EVERY
    good = lines - bad
    assert view["status"] == "Completed", view

    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            answers = conn.execute(sa.select(AnswerRow.assignment_id, AnswerRow.object_id, AnswerRow.labeler_id)).all()
            objects = conn.execute(sa.select(DataObject.id, DataObject.line_no, DataObject.state,
                                             DataObject.answers_count)).all()
            ledger = conn.execute(sa.select(LedgerEntry.key, LedgerEntry.kind, LedgerEntry.amount_micros)).all()
            labeled_ids = set(conn.scalars(sa.select(ConsolidatedLabel.object_id)))
            chunks = conn.execute(sa.select(IngestChunk.done, IngestChunk.good_lines, IngestChunk.bad_lines)).all()
            exports = conn.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                  .where(AuditEvent.kind == "exported"))
    finally:
        engine.dispose()

    # Ingest: every line stored once, every chunk done once, chunk counts adding up to the manifest.
    assert sorted(line_no for _, line_no, _, _ in objects) == list(range(lines))
    assert all(done for done, _, _ in chunks) and len(chunks) == -(-lines // 1000)
    assert (sum(g for _, g, _ in chunks), sum(b for _, _, b in chunks)) == (good, bad)

    # No answer lost: every submit a labeler saw acknowledged is stored, and every object got its answers.
    stored = {assignment for assignment, _, _ in answers}
    acknowledged = {a for s in stats for a in s.assignments}
    assert acknowledged <= stored
    per_object: dict[int, int] = {}
    pairs: set[tuple[int, int]] = set()
    for _, object_id, labeler_id in answers:
        assert (object_id, labeler_id) not in pairs, f"labeler {labeler_id} answered object {object_id} twice"
        pairs.add((object_id, labeler_id))
        per_object[object_id] = per_object.get(object_id, 0) + 1
    for object_id, _, state, answers_count in objects:
        assert per_object.get(object_id, 0) == answers_count
        assert answers_count == (scenario.workers_per_object if state == "labeled" else 0)
    assert len(answers) == good * scenario.workers_per_object

    # Paid once: one pay entry per stored answer, one fee per labeled object, nothing else.
    keys = [key for key, _, _ in ledger]
    assert len(keys) == len(set(keys))
    assert {k for k, kind, _ in ledger if kind == "worker_pay"} == {f"pay:{a}" for a in stored}
    assert {k for k, kind, _ in ledger if kind == "service_fee"} == {f"fee:{o}" for o in labeled_ids}
    expected_micros = len(answers) * usd_to_micros(PRICE_USD) + len(labeled_ids) * usd_to_micros(FEE_USD)
    assert sum(amount for _, _, amount in ledger) == expected_micros
    assert view["cost"]["total_micros"] == expected_micros

    # LabelCounters add up to the manifest's lines.
    counters = view["label_counters"]
    assert counters == {"TotalLabeled": good, "HumanLabeled": good, "MachineLabeled": 0,
                        "FailedNonRetryableError": bad, "Unlabeled": 0}
    assert len(labeled_ids) == good

    # Output: written once, exactly one line per input line, in order, labeled where the object was.
    assert exports == 1
    output = Path(view["output_manifest_uri"].removeprefix("file://"))
    rows = [json.loads(line) for line in output.read_text(encoding="utf-8").splitlines()]
    assert [row["id"] for row in rows] == list(range(lines))
    assert sum("reviews" in row for row in rows) == good
    failures = (output.parent / "failures.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(failures) == bad
    responses = output.parents[2] / "annotations" / "worker-response" / "iteration-1"
    assert len(list(responses.glob("*/*.json"))) == good
