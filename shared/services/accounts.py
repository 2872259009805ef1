"""Requesters and their API keys; workforces, workteams and labelers."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.clock import Clock
from shared.domain.errors import Conflict, NotFound, ValidationFailed
from shared.domain.money import micros_to_usd
from shared.domain.naming import check_job_name
from shared.domain.pricing import WorkforceKind
from shared.persistence.tables import ApiKey, Labeler, Requester, Workforce, Workteam, WorkteamMember
from shared.services.tokens import LABELER_PREFIX, REQUESTER_PREFIX, digest, new_token


@dataclass(frozen=True)
class IssuedKey:
    requester_id: int
    requester_name: str
    token: str


def create_api_key(session: Session, clock: Clock, requester_name: str, key_name: str = "default") -> IssuedKey:
    """Create the requester if new, then a key for it; the token is returned once and never stored."""
    now = clock.now()
    requester = session.scalar(select(Requester).where(Requester.name == requester_name))
    if requester is None:
        requester = Requester(name=requester_name, created_at=now)
        session.add(requester)
        session.flush()
    token = new_token(REQUESTER_PREFIX)
    session.add(ApiKey(requester_id=requester.id, digest=digest(token), name=key_name, created_at=now))
    session.flush()
    return IssuedKey(requester.id, requester.name, token)


def requester_for_token(session: Session, token: str) -> int | None:
    return session.scalar(select(ApiKey.requester_id).where(ApiKey.digest == digest(token)))


def labeler_for_token(session: Session, token: str) -> int | None:
    return session.scalar(select(Labeler.id).where(Labeler.token_digest == digest(token), Labeler.active))


def workforce_view(wf: Workforce) -> dict[str, object]:
    return {
        "id": wf.id, "name": wf.name, "kind": wf.kind,
        "vendor_price_usd": None if wf.vendor_price_micros is None else micros_to_usd(wf.vendor_price_micros),
        "created_at": wf.created_at.isoformat() + "Z",
    }


def create_workforce(
    session: Session, clock: Clock, requester_id: int, name: str, kind: str, vendor_price_micros: int | None
) -> Workforce:
    check_job_name(name, "name")
    if kind == WorkforceKind.VENDOR and vendor_price_micros is None:
        raise ValidationFailed("a vendor workforce needs its agreed price per task", "vendor_price_usd")
    if kind != WorkforceKind.VENDOR and vendor_price_micros is not None:
        raise ValidationFailed("only a vendor workforce has an agreed price", "vendor_price_usd")
    wf = Workforce(requester_id=requester_id, name=name, name_key=name.lower(), kind=kind,
                   vendor_price_micros=vendor_price_micros, created_at=clock.now())
    session.add(wf)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a workforce named '{name}' exists already", "name") from None
    return wf


def get_workforce(session: Session, requester_id: int, workforce_id: int, field: str = "workforce_id") -> Workforce:
    wf = session.get(Workforce, workforce_id)
    if wf is None or wf.requester_id != requester_id:
        raise NotFound(f"no workforce {workforce_id}", field)
    return wf


def create_workteam(
    session: Session, clock: Clock, requester_id: int, name: str, workforce_id: int, description: str
) -> Workteam:
    check_job_name(name, "name")
    get_workforce(session, requester_id, workforce_id)
    team = Workteam(requester_id=requester_id, workforce_id=workforce_id, name=name, name_key=name.lower(),
                    description=description, created_at=clock.now())
    session.add(team)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict(f"a workteam named '{name}' exists already", "name") from None
    return team


def get_workteam(session: Session, requester_id: int, workteam_id: int, field: str = "workteam_id") -> Workteam:
    team = session.get(Workteam, workteam_id)
    if team is None or team.requester_id != requester_id:
        raise NotFound(f"no workteam {workteam_id}", field)
    return team


def create_labeler(
    session: Session, clock: Clock, workforce_id: int, name: str, email: str | None, workteam_ids: list[int]
) -> tuple[Labeler, str]:
    """Create a labeler in a workforce and add it to teams of that workforce; returns the token once."""
    token = new_token(LABELER_PREFIX)
    labeler = Labeler(workforce_id=workforce_id, name=name, email=email, token_digest=digest(token),
                      active=True, created_at=clock.now())
    session.add(labeler)
    session.flush()
    for i, team_id in enumerate(dict.fromkeys(workteam_ids)):
        team = session.get(Workteam, team_id)
        if team is None or team.workforce_id != workforce_id:
            raise ValidationFailed(f"workteam {team_id} is not a team of this workforce", f"workteam_ids[{i}]")
        session.add(WorkteamMember(workteam_id=team_id, labeler_id=labeler.id))
    session.flush()
    return labeler, token


def labeler_team_ids(session: Session, labeler_id: int) -> list[int]:
    return list(session.scalars(select(WorkteamMember.workteam_id).where(WorkteamMember.labeler_id == labeler_id)))


def count_members(session: Session, team_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(WorkteamMember.workteam_id, func.count())
        .where(WorkteamMember.workteam_id.in_(team_ids)).group_by(WorkteamMember.workteam_id)
    )
    return {team: n for team, n in rows}
