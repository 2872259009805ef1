"""Object mothers for integration and end-to-end tests: a requester with a team of labelers, and a job."""

from __future__ import annotations

from dataclasses import dataclass

from shared.bootstrap import Deps
from shared.domain.money import usd_to_micros
from shared.services import accounts, jobs


@dataclass(frozen=True)
class Crew:
    requester_id: int
    requester_token: str
    workforce_id: int
    team_id: int
    labeler_ids: list[int]
    labeler_tokens: list[str]


def make_crew(deps: Deps, n_labelers: int, requester: str = "acme") -> Crew:
    """A requester with an API key, a private workforce and one team of `n_labelers` labelers."""
    with deps.sessions.begin() as session:
        key = accounts.create_api_key(session, deps.clock, requester)
        wf = accounts.create_workforce(session, deps.clock, key.requester_id, "staff", "private", None)
        team = accounts.create_workteam(session, deps.clock, key.requester_id, "team-a", wf.id, "")
        made = [accounts.create_labeler(session, deps.clock, wf.id, f"lab{i}", None, [team.id])
                for i in range(n_labelers)]
        return Crew(key.requester_id, key.token, wf.id, team.id, [lab.id for lab, _ in made],
                    [token for _, token in made])


def start_job(
    deps: Deps, crew: Crew, manifest_uri: str, name: str, labels: tuple[str, ...] = ("negative", "positive"),
    workers_per_object: int = 3, price_usd: str = "0.036", task_type: str = "text-classification",
    max_concurrent: int = 1000,
) -> int:
    """Create the job as the API does and announce it (the planner message goes to `deps.queue`)."""
    spec = jobs.JobSpec(
        name=name, task_type=task_type, label_attribute_name="label", labels=list(labels),
        label_category_config_uri=None, manifest_uri=manifest_uri, output_uri=None, workteam_id=crew.team_id,
        workers_per_object=workers_per_object, price_per_task_micros=usd_to_micros(price_usd),
        task_time_limit_seconds=300, task_availability_lifetime_seconds=864_000,
        max_concurrent_task_count=max_concurrent,
    )
    with deps.sessions.begin() as session:
        job_id = jobs.create_job(deps, session, crew.requester_id, spec, None).id
    jobs.announce_job(deps, job_id)
    return job_id
