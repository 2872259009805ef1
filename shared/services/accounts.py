"""Requesters and their API keys; workforces, workteams and labelers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shared.clock import Clock
from shared.domain import arns
from shared.domain.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed
from shared.domain.money import micros_to_usd
from shared.domain.naming import check_job_name
from shared.domain.pricing import WorkforceKind
from shared.domain.states import TERMINAL_JOB_STATES
from shared.persistence.tables import ApiKey, Job, Labeler, Requester, Workforce, Workteam, WorkteamMember
from shared.services.tokens import LABELER_PREFIX, REQUESTER_PREFIX, VENDOR_PREFIX, digest, new_token

# The public crowd's workforce and team: shown under this name, keyed so no user-chosen name (letters, digits,
# hyphens) can collide with them.
PUBLIC_CROWD_NAME = "public-crowd"
PUBLIC_CROWD_KEY = "~public-crowd"


@dataclass(frozen=True)
class IssuedKey:
    requester_id: int
    requester_name: str
    token: str


def ensure_requester(session: Session, clock: Clock, requester_name: str) -> int:
    """The requester's id, creating the requester if new."""
    requester = session.scalar(select(Requester).where(Requester.name == requester_name))
    if requester is None:
        requester = Requester(name=requester_name, created_at=clock.now())
        session.add(requester)
        session.flush()
    return requester.id


def create_api_key(session: Session, clock: Clock, requester_name: str, key_name: str = "default") -> IssuedKey:
    """Create the requester if new, then a key for it; the token is returned once and never stored."""
    requester_id = ensure_requester(session, clock, requester_name)
    token = new_token(REQUESTER_PREFIX)
    session.add(ApiKey(requester_id=requester_id, digest=digest(token), name=key_name, created_at=clock.now()))
    session.flush()
    return IssuedKey(requester_id, requester_name, token)


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
    """The requester's workforce; a deleted one is gone (no new team, labeler or job can use it)."""
    wf = session.get(Workforce, workforce_id)
    if wf is None or wf.requester_id != requester_id or wf.deleted_at is not None:
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
    """The requester's workteam; a deleted one is gone (no new job can use it)."""
    team = session.get(Workteam, workteam_id)
    if team is None or team.requester_id != requester_id or team.deleted_at is not None:
        raise NotFound(f"no workteam {workteam_id}", field)
    return team


def find_workforce(session: Session, requester_id: int, name: str) -> Workforce | None:
    """The requester's live workforce of this name (names ignore case)."""
    return session.scalar(select(Workforce).where(Workforce.requester_id == requester_id,
                                                  Workforce.name_key == name.lower(), Workforce.deleted_at.is_(None)))


def find_workteam(session: Session, requester_id: int, name: str) -> Workteam | None:
    """The requester's live workteam of this name (names ignore case)."""
    return session.scalar(select(Workteam).where(Workteam.requester_id == requester_id,
                                                 Workteam.name_key == name.lower(), Workteam.deleted_at.is_(None)))


def live_workforces(session: Session, requester_id: int) -> list[Workforce]:
    return list(session.scalars(select(Workforce).where(Workforce.requester_id == requester_id,
                                                        Workforce.deleted_at.is_(None)).order_by(Workforce.id)))


def live_workteams(session: Session, requester_id: int, workforce_id: int | None = None) -> list[Workteam]:
    query = select(Workteam).where(Workteam.requester_id == requester_id, Workteam.deleted_at.is_(None))
    if workforce_id is not None:
        query = query.where(Workteam.workforce_id == workforce_id)
    return list(session.scalars(query.order_by(Workteam.id)))


def _free_name(row: Workforce | Workteam) -> None:
    """A deleted row keeps its name for history but gives up its key, so the name can be used again."""
    row.name_key = f"~deleted-{row.id}"


def delete_workteam(session: Session, clock: Clock, team: Workteam) -> None:
    """Delete a team that no running job uses; the row stays (ended jobs still point at it) and its name is freed.
    Its labelers keep their accounts (they may belong to other teams of the workforce)."""
    busy = session.scalar(select(Job.name).where(Job.workteam_id == team.id,
                                                 Job.status.not_in(TERMINAL_JOB_STATES))
                          .order_by(Job.id).limit(1))  # the oldest, on every database
    if busy is not None:
        raise Conflict(f"workteam '{team.name}' is in use by job '{busy}', which has not ended", "name")
    team.deleted_at = team.updated_at = clock.now()
    _free_name(team)
    session.flush()


def delete_workforce(session: Session, clock: Clock, wf: Workforce) -> None:
    """Delete a workforce with no live team; the row stays for its labelers' history and its name is freed."""
    teams = live_workteams(session, wf.requester_id, wf.id)
    if teams:
        raise Conflict(f"workforce '{wf.name}' still has {len(teams)} workteam(s), e.g. '{teams[0].name}'; "
                       "delete them first", "name")
    wf.deleted_at = wf.updated_at = clock.now()
    _free_name(wf)
    session.flush()


def public_crowd_team(session: Session, clock: Clock, requester_id: int) -> Workteam:
    """The requester's stand-in for Ground Truth's public crowd (`.../workteam/public-crowd/default`): a public
    workforce with one team, made on first use. Both carry a key no user name can take, so they never clash with
    the requester's own names; labelers join through the workforce's sign-up link."""
    team = session.scalar(select(Workteam).where(Workteam.requester_id == requester_id,
                                                 Workteam.name_key == PUBLIC_CROWD_KEY))
    if team is not None:
        return team
    now = clock.now()
    try:
        with session.begin_nested():
            wf = Workforce(requester_id=requester_id, name=PUBLIC_CROWD_NAME, name_key=PUBLIC_CROWD_KEY,
                           kind=WorkforceKind.PUBLIC, created_at=now)
            session.add(wf)
            session.flush()
            team = Workteam(requester_id=requester_id, workforce_id=wf.id, name=PUBLIC_CROWD_NAME,
                            name_key=PUBLIC_CROWD_KEY, description="The public crowd (Ground Truth's Mechanical Turk)",
                            created_at=now)
            session.add(team)
            session.flush()
    except IntegrityError:  # another request made them first
        team = session.scalar(select(Workteam).where(Workteam.requester_id == requester_id,
                                                     Workteam.name_key == PUBLIC_CROWD_KEY))
        if team is None:
            raise
    return team


def create_labeler(
    session: Session, clock: Clock, workforce_id: int, name: str, email: str | None, workteam_ids: list[int],
    *, vouched: bool = False, groups: list[str] | None = None,
) -> tuple[Labeler, str]:
    """Create a labeler in a workforce and add it to teams of that workforce, by hand (`workteam_ids`) and by
    identity-provider group (`groups`: every live team whose member definitions name one); returns the token once.

    `vouched`: the requester added this labeler themselves, so a public workforce's qualification never gates
    them (it is recorded as passed at creation); only labelers who sign up on their own must pass it."""
    token = new_token(LABELER_PREFIX)
    now = clock.now()
    labeler = Labeler(workforce_id=workforce_id, name=name, email=email, token_digest=digest(token),
                      active=True, created_at=now, qualified_at=now if vouched else None,
                      qualification_attempts=0, groups_json=json.dumps(sorted(set(groups))) if groups else None)
    session.add(labeler)
    session.flush()
    for i, team_id in enumerate(dict.fromkeys(workteam_ids)):
        team = session.get(Workteam, team_id)
        if team is None or team.workforce_id != workforce_id or team.deleted_at is not None:
            raise ValidationFailed(f"workteam {team_id} is not a team of this workforce", f"workteam_ids[{i}]")
        session.add(WorkteamMember(workteam_id=team_id, labeler_id=labeler.id))
    session.flush()
    if groups:
        by_hand = set(workteam_ids)
        for team in session.scalars(select(Workteam).where(Workteam.workforce_id == workforce_id,
                                                           Workteam.deleted_at.is_(None),
                                                           Workteam.sagemaker_json.is_not(None))):
            if team.id not in by_hand and _team_groups(team) & set(groups):
                session.add(WorkteamMember(workteam_id=team.id, labeler_id=labeler.id, via_groups=True))
        session.flush()
    return labeler, token


def _team_groups(team: Workteam) -> frozenset[str]:
    return arns.member_groups(json.loads(team.sagemaker_json or "{}").get("MemberDefinitions"))


def sync_group_members(session: Session, team: Workteam) -> None:
    """After a team's member definitions change: the labelers of its workforce in one of the groups they name are
    members by group; members by group no longer in any are removed. Members added by hand stay."""
    groups = _team_groups(team)
    current = {lab_id: via for lab_id, via in session.execute(
        select(WorkteamMember.labeler_id, WorkteamMember.via_groups).where(WorkteamMember.workteam_id == team.id))}
    wanted = {lab.id for lab in session.scalars(select(Labeler).where(
        Labeler.workforce_id == team.workforce_id, Labeler.groups_json.is_not(None)))
        if groups & set(json.loads(lab.groups_json or "[]"))}
    gone = [lab_id for lab_id, via in current.items() if via and lab_id not in wanted]
    if gone:
        session.execute(delete(WorkteamMember).where(WorkteamMember.workteam_id == team.id,
                                                     WorkteamMember.labeler_id.in_(gone)))
    for lab_id in sorted(wanted - set(current)):
        session.add(WorkteamMember(workteam_id=team.id, labeler_id=lab_id, via_groups=True))
    session.flush()


def labeler_team_ids(session: Session, labeler_id: int) -> list[int]:
    return list(session.scalars(select(WorkteamMember.workteam_id).where(WorkteamMember.labeler_id == labeler_id)))


def count_members(session: Session, team_ids: list[int]) -> dict[int, int]:
    rows = session.execute(
        select(WorkteamMember.workteam_id, func.count())
        .where(WorkteamMember.workteam_id.in_(team_ids)).group_by(WorkteamMember.workteam_id)
    )
    return {team: n for team, n in rows}


def labeler_view(lab: Labeler, teams: list[int]) -> dict[str, Any]:
    return {"id": lab.id, "name": lab.name, "email": lab.email, "workforce_id": lab.workforce_id,
            "workteam_ids": teams, "groups": json.loads(lab.groups_json) if lab.groups_json else [],
            "active": lab.active, "created_at": lab.created_at.isoformat() + "Z"}


def issue_vendor_key(session: Session, wf: Workforce) -> str:
    """A new credential for a vendor workforce, returned once; only its digest is kept, and issuing another
    revokes the previous one (the digest is replaced)."""
    if wf.kind != WorkforceKind.VENDOR:
        raise ValidationFailed("only a vendor workforce has a vendor key", "workforce_id")
    key = new_token(VENDOR_PREFIX)
    wf.vendor_key_digest = digest(key)
    session.flush()
    return key


def vendor_signin(session: Session, clock: Clock, vendor_key: str, name: str,
                  email: str) -> tuple[Labeler, list[int], str, bool]:
    """A vendor's labeler signs in with the vendor's key: the labeler of that workforce with this email (ignoring
    case) is found, or created and added to every team of the workforce. Either way a NEW labeler token is
    issued and returned once: the stored digest is rotated, so the labeler's previous token stops working (an API
    process that authenticated it recently keeps accepting it for up to GW_AUTH_CACHE_SECONDS). Teams are joined
    only on creation: an existing labeler keeps the teams the requester chose. Returns (labeler, its team ids,
    token, created)."""
    wf = None
    if vendor_key.startswith(VENDOR_PREFIX):
        wf = session.scalar(select(Workforce).where(Workforce.vendor_key_digest == digest(vendor_key),
                                                    Workforce.kind == WorkforceKind.VENDOR,
                                                    Workforce.deleted_at.is_(None)))
    if wf is None:
        raise Unauthorized("unknown or revoked vendor key", "vendor_key")
    lab = session.scalar(select(Labeler).where(Labeler.workforce_id == wf.id,
                                               func.lower(Labeler.email) == email.lower())
                         .order_by(Labeler.id).limit(1))
    if lab is None:
        teams = [t.id for t in live_workteams(session, wf.requester_id, wf.id)]
        lab, token = create_labeler(session, clock, wf.id, name, email, teams, vouched=True)
        return lab, teams, token, True
    if not lab.active:
        raise Forbidden("this labeler has been deactivated by the requester", "email")
    token = new_token(LABELER_PREFIX)
    lab.token_digest = digest(token)
    session.flush()
    return lab, labeler_team_ids(session, lab.id), token, False
