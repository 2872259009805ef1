"""Run one active-learning round by hand, for debugging: `python -m services.trainer round --job ID`.

Without --round it runs the job's pending round, or (with --force) makes the next one due first. Uses the same
settings (GW_* variables) as the services, so it reads the same database and blob store.
"""

from __future__ import annotations

import json
import sys

import click
from sqlalchemy import select

from services.trainer.active import run_round
from shared.bootstrap import build_deps
from shared.config import from_env
from shared.messaging import RecordingTaskQueue
from shared.persistence.tables import Job, TrainingRound
from shared.services import automated_labeling


@click.group()
def main() -> None:
    """Groundwork's trainer, by hand."""


@main.command("round")
@click.option("--job", "job_ref", required=True, help="job id or name")
@click.option("--round", "round_no", type=int, default=None, help="round number (default: the job's due round)")
@click.option("--epochs", type=int, default=None, help="override the number of training epochs")
@click.option("--device", default=None, help="cpu, cuda, cuda:1 ... (default: cuda when available)")
def round_command(job_ref: str, round_no: int | None, epochs: int | None, device: str | None) -> None:
    """Run one round and print what it did as JSON."""
    deps = build_deps(from_env(), queue=RecordingTaskQueue())
    with deps.sessions() as session:
        query = select(Job.id).where(Job.id == int(job_ref)) if job_ref.isdigit() else select(Job.id).where(
            Job.name_key == job_ref.lower())
        job_id = session.scalar(query)
    if job_id is None:
        raise click.ClickException(f"no job {job_ref}")
    if round_no is None:
        due = dict(automated_labeling.due_rounds(deps))
        with deps.sessions() as session:
            round_no = due.get(job_id, session.scalar(
                select(TrainingRound.round_no).where(TrainingRound.job_id == job_id,
                                                     TrainingRound.state.in_(("pending", "running")))
                .order_by(TrainingRound.round_no.desc()).limit(1)))
        if round_no is None:
            raise click.ClickException("no round is due for this job (its human batch may still be in progress)")
    result = run_round(deps, job_id, round_no, epochs=epochs, device=device)
    if result is None:
        click.echo(json.dumps({"job_id": job_id, "round": round_no, "ran": False}))
        sys.exit(1)
    click.echo(json.dumps({"ran": True, **result.__dict__}, indent=2))


if __name__ == "__main__":
    main()
