"""Deleting workteams and workforces (SageMaker's DeleteWorkteam and DeleteWorkforce): refused while in use, then
gone for every new use, with the name free again; and the public crowd's stand-in, made once per requester."""

from __future__ import annotations

import pytest

from shared.domain.errors import Conflict, NotFound, ValidationFailed
from shared.persistence.tables import Workforce, Workteam
from shared.services import accounts, jobs
from tests.unit.services.world import World, settle


def _team(world: World) -> tuple[Workteam, Workforce]:
    with world.deps.sessions() as session:
        team = accounts.get_workteam(session, world.requester_id, world.team_id)
        return team, accounts.get_workforce(session, world.requester_id, team.workforce_id)


def test_a_team_a_running_job_uses_cannot_be_deleted_until_the_job_ends(world: World) -> None:
    job_id = world.create()
    name = world.job(job_id).name
    with world.deps.sessions.begin() as session:
        team = accounts.get_workteam(session, world.requester_id, world.team_id)
        with pytest.raises(Conflict) as info:
            accounts.delete_workteam(session, world.clock, team)
        assert name in info.value.message
    with world.deps.sessions.begin() as session:
        jobs.stop_job(world.deps, session, jobs.get_job(session, world.requester_id, str(job_id)), "test")
    assert settle(world, job_id).status == "Stopped"
    with world.deps.sessions.begin() as session:
        accounts.delete_workteam(session, world.clock, accounts.get_workteam(session, world.requester_id,
                                                                            world.team_id))


def test_a_deleted_team_is_not_found_takes_no_job_or_labeler_and_frees_its_name(world: World) -> None:
    team, wf = _team(world)
    with world.deps.sessions.begin() as session:
        accounts.delete_workteam(session, world.clock, session.get(Workteam, team.id))
    with world.deps.sessions.begin() as session:
        with pytest.raises(NotFound):
            accounts.get_workteam(session, world.requester_id, team.id)
        assert accounts.find_workteam(session, world.requester_id, team.name) is None
        assert team.id not in [t.id for t in accounts.live_workteams(session, world.requester_id)]
        with pytest.raises(ValidationFailed):
            accounts.create_labeler(session, world.clock, wf.id, "late", None, [team.id])
    with pytest.raises(NotFound):
        world.create()
    with world.deps.sessions.begin() as session:
        again = accounts.create_workteam(session, world.clock, world.requester_id, team.name.upper(), wf.id, "")
        assert again.id != team.id


def test_a_workforce_with_a_live_team_cannot_be_deleted_then_is_gone(world: World) -> None:
    team, wf = _team(world)
    with world.deps.sessions.begin() as session:
        with pytest.raises(Conflict) as info:
            accounts.delete_workforce(session, world.clock, session.get(Workforce, wf.id))
        assert team.name in info.value.message
        accounts.delete_workteam(session, world.clock, session.get(Workteam, team.id))
        accounts.delete_workforce(session, world.clock, session.get(Workforce, wf.id))
    with world.deps.sessions.begin() as session:
        with pytest.raises(NotFound):
            accounts.get_workforce(session, world.requester_id, wf.id)
        assert accounts.live_workforces(session, world.requester_id) == []
        assert accounts.create_workforce(session, world.clock, world.requester_id, wf.name, "private", None).id != wf.id


def test_the_public_crowd_team_is_made_once_and_never_takes_a_users_name(world: World) -> None:
    with world.deps.sessions.begin() as session:
        user_team = accounts.create_workteam(session, world.clock, world.requester_id, "public-crowd",
                                             _team(world)[1].id, "")
        first = accounts.public_crowd_team(session, world.clock, world.requester_id)
        assert first.id != user_team.id and first.name == "public-crowd"
        wf = session.get(Workforce, first.workforce_id)
        assert wf is not None and wf.kind == "public" and wf.requester_id == world.requester_id
    with world.deps.sessions.begin() as session:
        assert accounts.public_crowd_team(session, world.clock, world.requester_id).id == first.id
        assert accounts.find_workteam(session, world.requester_id, "public-crowd").id == user_team.id
