"""Serve benchmark: pull+submit pairs/s and p50/p99 with 32 concurrent HTTP labelers against the production
endpoints (auth, ledger, audit and metrics on), beside a bare pair of endpoints (one UPDATE ... RETURNING claim,
one plain UPDATE) under the same gunicorn settings and load generator, in the same run, on PostgreSQL.
Also checks that no slot was served twice and reports the peak resident memory of one API worker.

    .venv/bin/python bench/serve.py [--seconds 15] [--runs 3] [--labelers 32]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import sqlalchemy as sa  # noqa: E402

from bench.common import deps_for, fresh_postgres, median, team_with_labelers  # noqa: E402
from demo.processes import free_port, groundwork_env, stop, wait_for_port  # noqa: E402
from shared.bootstrap import Deps  # noqa: E402
from shared.messaging import TaskNames  # noqa: E402
from shared.services import accounts, ingest, jobs  # noqa: E402

BIN = Path(sys.executable).parent


def make_job(deps: Deps, team: int, requester_id: int, name: str, objects: int, tmp: Path) -> int:
    manifest = tmp / f"{name}.manifest"
    manifest.write_text("".join(json.dumps({"source": f"review {i}: it was fine"}) + "\n" for i in range(objects)))
    spec = jobs.JobSpec(name=name, task_type="text-classification", label_attribute_name="label",
                        labels=["neg", "pos"], label_category_config_uri=None, manifest_uri=manifest.as_uri(),
                        output_uri=None, workteam_id=team, workers_per_object=3, price_per_task_micros=12_000,
                        task_time_limit_seconds=300, task_availability_lifetime_seconds=86400,
                        max_concurrent_task_count=5000)
    with deps.sessions.begin() as session:
        job_id = jobs.create_job(deps, session, requester_id, spec, None).id
    ingest.plan_ingest(deps, job_id)
    for name_, kwargs in list(deps.queue.sent):  # type: ignore[attr-defined]
        if name_ == TaskNames.INGEST_CHUNK:
            ingest.ingest_chunk(deps, **kwargs)
    deps.queue.sent.clear()  # type: ignore[attr-defined]
    return job_id


def start_gunicorn(env: dict[str, str], target: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen([str(BIN / "gunicorn"), "-c", str(REPO / "deploy" / "gunicorn.conf.py"),
                             "-b", f"127.0.0.1:{port}", target], env=env, cwd=REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for_port(port, 60, proc)
    time.sleep(1.0)  # let every worker finish booting
    return proc, port


def worker_peak_rss_mib(master: subprocess.Popen[bytes]) -> float:
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    peaks = []
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peaks.append(int(line.split()[1]) / 1024)
    return max(peaks)


def load(port: int, mode: str, seconds: float, tokens: list[str], threads: int) -> dict[str, Any]:
    args = [sys.executable, str(REPO / "bench" / "loadgen.py"), f"http://127.0.0.1:{port}", "--mode", mode,
            "--seconds", str(seconds), "--threads", str(threads)]
    if tokens:
        args += ["--tokens", ",".join(tokens)]
    out = subprocess.run(args, capture_output=True, text=True, check=True, cwd=REPO)
    return json.loads(out.stdout)


def summarize(result: dict[str, Any]) -> dict[str, float]:
    lat = sorted(result["latencies"])
    pick = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000) if lat else (lambda q: float("nan"))
    return {"pairs_per_s": result["pairs"] / result["seconds"], "p50_ms": pick(0.50), "p99_ms": pick(0.99),
            "errors": len(result["errors"])}


def slots_served_twice(deps: Deps, job_id: int, ids: list[int]) -> int:
    with deps.engine.connect() as conn:
        pairs = conn.execute(sa.text("SELECT count(*) - count(DISTINCT (object_id, labeler_id)) FROM assignment "
                                     "WHERE job_id = :j AND state <> 'expired'"), {"j": job_id}).scalar_one()
        over = conn.execute(sa.text("SELECT count(*) FROM (SELECT object_id FROM assignment WHERE job_id = :j "
                                    "GROUP BY object_id HAVING count(*) > 3) x"), {"j": job_id}).scalar_one()
    return int(pairs) + int(over) + (len(ids) - len(set(ids)))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--labelers", type=int, default=32)
    parser.add_argument("--objects", type=int, default=6000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name, fresh_postgres() as url:
        tmp = Path(tmp_name)
        deps = deps_for(url, tmp / "var")
        with deps.engine.begin() as conn:
            from bench.bare_app import SCHEMA

            conn.exec_driver_sql(SCHEMA)
        env = groundwork_env(tmp / "var", GW_DATABASE_URL=url, GW_FILE_ROOTS=str(tmp))
        ours, bare, twice, rss = [], [], 0, []
        for run in range(args.runs):
            # A fresh requester, team and labelers per run, so no run's labelers see an earlier run's job.
            team, key, tokens = team_with_labelers(deps, args.labelers)
            with deps.sessions() as session:
                requester_id = accounts.requester_for_token(session, key)
            assert requester_id is not None
            job_id = make_job(deps, team, requester_id, f"serve-{run}", args.objects, tmp)
            proc, port = start_gunicorn(env, "services.api.wsgi:app")
            try:
                result = load(port, "groundwork", args.seconds, tokens, args.labelers)
                rss.append(worker_peak_rss_mib(proc))
            finally:
                stop(proc)
            twice += slots_served_twice(deps, job_id, result["ids"])
            ours.append(summarize(result))
            with deps.engine.begin() as conn:
                conn.exec_driver_sql("TRUNCATE bare_slot")
                conn.exec_driver_sql(f"INSERT INTO bare_slot (taken_by) SELECT NULL FROM generate_series(1, "
                                     f"{args.objects * 3})")
            proc, port = start_gunicorn({**env, "GW_BARE_APP": "1"}, "bench.bare_app:app")
            try:
                bare.append(summarize(load(port, "bare", args.seconds, [], args.labelers)))
            finally:
                stop(proc)
            print(f"run {run + 1}: groundwork {ours[-1]['pairs_per_s']:.0f} pairs/s p99 {ours[-1]['p99_ms']:.0f} ms; "
                  f"bare {bare[-1]['pairs_per_s']:.0f} pairs/s p99 {bare[-1]['p99_ms']:.0f} ms", flush=True)
        deps.engine.dispose()
    m = {k: median([r[k] for r in ours]) for k in ours[0]}
    b = {k: median([r[k] for r in bare]) for k in bare[0]}
    print(f"serve, {args.labelers} concurrent HTTP labelers, PostgreSQL, gunicorn "
          f"({os.environ.get('GW_API_WORKERS', '2')} workers), median of {args.runs} interleaved runs:")
    print(f"  groundwork /work/next + /submit: {m['pairs_per_s']:.0f} pairs/s, p50 {m['p50_ms']:.1f} ms, "
          f"p99 {m['p99_ms']:.1f} ms, errors {m['errors']:.0f}")
    print(f"  bare UPDATE..RETURNING + UPDATE:  {b['pairs_per_s']:.0f} pairs/s, p50 {b['p50_ms']:.1f} ms, "
          f"p99 {b['p99_ms']:.1f} ms")
    print(f"  ratio groundwork / bare: {m['pairs_per_s'] / b['pairs_per_s']:.2f}")
    print(f"  slots served twice: {twice}")
    print(f"  peak RSS of one API worker: {max(rss):.0f} MiB")


if __name__ == "__main__":
    main()
