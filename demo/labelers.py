"""Simulated labelers that pull and submit over HTTP, as a real labeling client would.

Each labeler answers from an oracle with its own accuracy, retries a submit after a network error (submits are
idempotent), and stops when `done()` says the job needs no more answers.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests

Oracle = Callable[[dict[str, Any]], str]


@dataclass
class LabelerStats:
    submitted: int = 0
    duplicates: int = 0
    errors: int = 0
    assignments: list[int] = field(default_factory=list)
    latencies: list[float] = field(default_factory=list)


RETRY_STATUSES = (502, 503, 504)  # what a proxy answers while the API process behind it restarts


def _post(session: requests.Session, url: str, token: str, body: dict[str, Any], tries: int = 20) -> requests.Response:
    """POST, retrying a dropped connection or a gateway error: both mean "no answer", and every call is idempotent."""
    for attempt in range(tries):
        last = attempt == tries - 1
        try:
            resp = session.post(url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            if last:
                raise
        else:
            if resp.status_code not in RETRY_STATUSES or last:
                return resp
        time.sleep(0.25)
    raise AssertionError("unreachable")


def label_until_done(
    base_url: str, token: str, oracle: Oracle, accuracy: float, labels: list[str], done: Callable[[], bool],
    seed: int, job_id: int | None = None, stats: LabelerStats | None = None, deadline: float = 600.0,
) -> LabelerStats:
    stats = stats or LabelerStats()
    rng = random.Random(seed)
    session = requests.Session()
    give_up = time.monotonic() + deadline
    while time.monotonic() < give_up:
        started = time.perf_counter()
        resp = _post(session, f"{base_url}/api/v1/work/next", token, {"job_id": job_id} if job_id else {})
        if resp.status_code == 204:
            if done():
                return stats
            time.sleep(0.1)
            continue
        resp.raise_for_status()
        task = resp.json()
        truth = oracle(task)
        answer = truth if rng.random() < accuracy else rng.choice([lab for lab in labels if lab != truth] or labels)
        sub = _post(session, f"{base_url}/api/v1/work/{task['assignment_id']}/submit", token,
                    {"answer": {"label": answer}})
        if sub.status_code != 200:
            stats.errors += 1
            continue
        stats.latencies.append(time.perf_counter() - started)
        stats.assignments.append(task["assignment_id"])
        if sub.json().get("duplicate"):
            stats.duplicates += 1
        else:
            stats.submitted += 1
    raise TimeoutError("the job did not finish in time")


def run_crowd(
    base_url: str, tokens: list[str], oracle: Oracle, labels: list[str], done: Callable[[], bool],
    accuracies: list[float] | None = None, job_id: int | None = None, deadline: float = 600.0,
) -> list[LabelerStats]:
    """One thread per labeler; returns each labeler's stats once `done()` holds and no task is left."""
    stats = [LabelerStats() for _ in tokens]
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            label_until_done(base_url, tokens[i], oracle, (accuracies or [0.9] * len(tokens))[i], labels, done,
                             seed=1000 + i, job_id=job_id, stats=stats[i], deadline=deadline)
        except BaseException as exc:  # noqa: BLE001 - surfaced to the caller below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(tokens))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return stats


def job_finished(base_url: str, api_key: str, job: str) -> Callable[[], bool]:
    """True once the job is Completed/Stopped/Failed and its output manifest is written.

    A dropped connection or a gateway error (an API worker restarting) reads as "not yet".
    """
    def check() -> bool:
        try:
            resp = requests.get(f"{base_url}/api/v1/jobs/{job}", headers={"Authorization": f"Bearer {api_key}"},
                                timeout=30)
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
            return False
        if resp.status_code in RETRY_STATUSES:
            return False
        resp.raise_for_status()
        view = resp.json()
        return view["status"] in ("Completed", "Stopped", "Failed") and (
            view["status"] == "Failed" or view["output_manifest_uri"] is not None)

    return check
