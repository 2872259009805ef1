"""Ingest benchmark: objects/s for a 100,000-line manifest, stored until claimable, beside a psycopg COPY of the
same rows into the same table in the same run. Prints the median of interleaved runs and the ratio.

    .venv/bin/python bench/ingest.py [--lines 100000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import multiprocessing.pool
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import deps_for, fresh_postgres, median, team_with_labelers  # noqa: E402
from shared.bootstrap import Deps  # noqa: E402
from shared.messaging import TaskNames  # noqa: E402
from shared.services import ingest, jobs  # noqa: E402

TEXT = "An honest, funny and quietly moving film about a family that runs a small bakery in {i}."


def write_manifest(path: Path, lines: int) -> None:
    with path.open("w", encoding="utf-8") as out:
        for i in range(lines):
            out.write(json.dumps({"source": TEXT.format(i=i), "id": i}) + "\n")


_CHILD: dict[str, Deps] = {}


def _child_chunk(args: tuple[str, str, int, int]) -> None:
    """One chunk in a pool process, with Deps built after fork as a Celery worker child builds them."""
    url, data_dir, job_id, chunk_no = args
    if "deps" not in _CHILD:
        _CHILD["deps"] = deps_for(url, Path(data_dir))
    ingest.ingest_chunk(_CHILD["deps"], job_id, chunk_no)


def run_groundwork(deps: Deps, team: int, requester_id: int, manifest: Path, tag: str,
                   pool: multiprocessing.pool.Pool | None = None) -> float:
    """Create the job and run its ingest (plan + every chunk); seconds until claimable.

    With `pool`, chunks run in parallel processes, as a Celery worker with that concurrency runs them.
    """
    spec = jobs.JobSpec(name=f"bench-{tag}", task_type="text-classification", label_attribute_name="label",
                        labels=["neg", "pos"], label_category_config_uri=None, manifest_uri=manifest.as_uri(),
                        output_uri=None, workteam_id=team, workers_per_object=1, price_per_task_micros=0,
                        task_time_limit_seconds=300, task_availability_lifetime_seconds=86400,
                        max_concurrent_task_count=1000)
    started = time.perf_counter()
    with deps.sessions.begin() as session:
        job_id = jobs.create_job(deps, session, requester_id, spec, None).id
    ingest.plan_ingest(deps, job_id)
    sent = deps.queue.sent  # type: ignore[attr-defined]
    chunks = [kwargs for name, kwargs in sent if name == TaskNames.INGEST_CHUNK]
    sent.clear()
    if pool is None:
        for kwargs in chunks:
            ingest.ingest_chunk(deps, **kwargs)
    else:
        url = deps.settings.database_url
        pool.map(_child_chunk, [(url, str(deps.settings.data_dir), k["job_id"], k["chunk_no"]) for k in chunks])
    return time.perf_counter() - started


def run_copy(deps: Deps, manifest: Path, job_id: int) -> float:
    """The baseline: the same rows, already parsed, COPYed into data_object in one transaction."""
    rows = []
    with manifest.open(encoding="utf-8") as fh:
        for n, line in enumerate(fh):
            text = line.rstrip("\n")
            rows.append((job_id, n, text, json.loads(text)["source"], None, "queued", 0, 0, None))
    started = time.perf_counter()
    with deps.engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY data_object ({', '.join(ingest.COLUMNS)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1,
                        help="ingest chunks in this many processes (a Celery worker's concurrency)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, fresh_postgres() as url:
        manifest = Path(tmp) / "bench.manifest"
        write_manifest(manifest, args.lines)
        deps = deps_for(url, Path(tmp) / "var")
        team, key, _ = team_with_labelers(deps, 1)
        from shared.services.accounts import requester_for_token

        with deps.sessions() as session:
            requester_id = requester_for_token(session, key)
        assert requester_id is not None
        ours, copies = [], []
        pool = multiprocessing.get_context("fork").Pool(args.workers) if args.workers > 1 else None
        for run in range(args.runs):  # interleaved: ours, COPY, ours, COPY...
            ours.append(args.lines / run_groundwork(deps, team, requester_id, manifest, f"r{run}", pool))
            with deps.sessions.begin() as session:
                baseline_job = jobs.create_job(deps, session, requester_id, jobs.JobSpec(
                    name=f"copy-{run}", task_type="text-classification", label_attribute_name="label",
                    labels=["neg", "pos"], label_category_config_uri=None, manifest_uri=manifest.as_uri(),
                    output_uri=None, workteam_id=team, workers_per_object=1, price_per_task_micros=0,
                    task_time_limit_seconds=300, task_availability_lifetime_seconds=86400,
                    max_concurrent_task_count=1000), None).id
            copies.append(args.lines / run_copy(deps, manifest, baseline_job))
            print(f"run {run + 1}: groundwork {ours[-1]:,.0f} objects/s, COPY {copies[-1]:,.0f} rows/s", flush=True)
        if pool is not None:
            pool.close()
            pool.join()
        deps.engine.dispose()
    ours_m, copy_m = median(ours), median(copies)
    print(f"ingest {args.lines:,} lines on PostgreSQL, median of {args.runs} interleaved runs:")
    print(f"  groundwork ingest (parse, check, store, release; {args.workers} process(es)): {ours_m:,.0f} objects/s")
    print(f"  psycopg COPY of the same rows (baseline):          {copy_m:,.0f} rows/s")
    print(f"  ratio groundwork / COPY: {ours_m / copy_m:.2f}")


if __name__ == "__main__":
    main()
