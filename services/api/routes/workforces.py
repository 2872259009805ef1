"""Workforces, workteams and labelers: created by requesters; public workforces also take sign-ups."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, request
from sqlalchemy import select

from services.api.auth import deps, requester_required
from services.api.registry import registry
from services.api.schemas import LabelerCreate, Page, Signup, WorkforceCreate, WorkteamCreate
from shared.domain.errors import NotFound
from shared.domain.money import usd_to_micros
from shared.domain.pricing import WorkforceKind
from shared.persistence.tables import Labeler, Workforce, Workteam
from shared.services import accounts

bp = Blueprint("workforces", __name__, url_prefix="/api/v1")


def _team_view(team: Workteam, members: int) -> dict[str, Any]:
    return {"id": team.id, "name": team.name, "workforce_id": team.workforce_id, "description": team.description,
            "members": members, "created_at": team.created_at.isoformat() + "Z"}


_labeler_view = accounts.labeler_view


def _invite_url(token: str) -> str:
    """The link a requester sends a new labeler: the portal's sign-in page reads the token from the fragment,
    which browsers never send to a server (so it stays out of access logs)."""
    base = deps().settings.public_base_url or request.host_url.rstrip("/")
    return f"{base}/portal/signin#token={token}"


def _page(rows: list[Any], limit: int) -> str | None:
    return str(rows[-1].id) if len(rows) == limit else None


@registry.route(bp, "/workforces", "POST", "Create a workforce (public, vendor or private); a vendor's key is "
                "returned once", auth="requester",
                body=WorkforceCreate, responses={201: "Created", 409: "Name taken"})
@requester_required
def create_workforce(body: WorkforceCreate) -> Any:
    d = deps()
    price = None if body.vendor_price_usd is None else usd_to_micros(body.vendor_price_usd)
    with d.sessions.begin() as session:
        wf = accounts.create_workforce(session, d.clock, g.requester_id, body.name, body.kind.value, price)
        view = accounts.workforce_view(wf)
        if wf.kind == WorkforceKind.VENDOR:  # shown once; the vendor's labelers sign in to the portal with it
            view["vendor_key"] = accounts.issue_vendor_key(session, wf)
        return view, 201


@registry.route(bp, "/workforces", "GET", "List your workforces (deleted ones are gone)", auth="requester", query=Page)
@requester_required
def list_workforces(query: Page) -> Any:
    with deps().sessions() as session:
        rows = list(session.scalars(select(Workforce).where(Workforce.requester_id == g.requester_id,
                                                            Workforce.deleted_at.is_(None),
                                                            Workforce.id > int(query.cursor or 0))
                                    .order_by(Workforce.id).limit(query.limit)))
        return {"items": [accounts.workforce_view(w) for w in rows], "next_cursor": _page(rows, query.limit)}


@registry.route(bp, "/workteams", "POST", "Create a workteam in one of your workforces", auth="requester",
                body=WorkteamCreate, responses={201: "Created", 404: "No such workforce", 409: "Name taken"})
@requester_required
def create_workteam(body: WorkteamCreate) -> Any:
    d = deps()
    with d.sessions.begin() as session:
        team = accounts.create_workteam(session, d.clock, g.requester_id, body.name, body.workforce_id,
                                        body.description)
        return _team_view(team, 0), 201


@registry.route(bp, "/workteams", "GET", "List your workteams (deleted ones are gone)", auth="requester", query=Page)
@requester_required
def list_workteams(query: Page) -> Any:
    with deps().sessions() as session:
        rows = list(session.scalars(select(Workteam).where(Workteam.requester_id == g.requester_id,
                                                           Workteam.deleted_at.is_(None),
                                                           Workteam.id > int(query.cursor or 0))
                                    .order_by(Workteam.id).limit(query.limit)))
        members = accounts.count_members(session, [t.id for t in rows])
        return {"items": [_team_view(t, members.get(t.id, 0)) for t in rows], "next_cursor": _page(rows, query.limit)}


@registry.route(bp, "/labelers", "POST",
                "Add a labeler to a workforce (and teams); returns its token and invitation link once",
                auth="requester", body=LabelerCreate, responses={201: "Created", 404: "No such workforce"})
@requester_required
def create_labeler(body: LabelerCreate) -> Any:
    d = deps()
    with d.sessions.begin() as session:
        accounts.get_workforce(session, g.requester_id, body.workforce_id)
        lab, token = accounts.create_labeler(session, d.clock, body.workforce_id, body.name, body.email,
                                             body.workteam_ids, vouched=True, groups=body.groups)
        by_hand = list(dict.fromkeys(body.workteam_ids))
        by_group = sorted(set(accounts.labeler_team_ids(session, lab.id)) - set(by_hand))
        return {**_labeler_view(lab, by_hand + by_group), "token": token,
                "invite_url": _invite_url(token)}, 201


@registry.route(bp, "/labelers", "GET", "List the labelers of your workforces", auth="requester", query=Page)
@requester_required
def list_labelers(query: Page) -> Any:
    with deps().sessions() as session:
        rows = list(session.scalars(
            select(Labeler).join(Workforce, Workforce.id == Labeler.workforce_id)
            .where(Workforce.requester_id == g.requester_id, Labeler.id > int(query.cursor or 0))
            .order_by(Labeler.id).limit(query.limit)))
        return {"items": [_labeler_view(lab, accounts.labeler_team_ids(session, lab.id)) for lab in rows],
                "next_cursor": _page(rows, query.limit)}


@registry.route(bp, "/workforces/<int:workforce_id>/signup", "POST",
                "Sign up to a public workforce; joins its teams and returns a labeler token once",
                body=Signup, responses={201: "Created", 404: "No such public workforce"})
def signup(workforce_id: int, body: Signup) -> Any:
    d = deps()
    with d.sessions.begin() as session:
        wf = session.get(Workforce, workforce_id)
        if wf is None or wf.kind != WorkforceKind.PUBLIC or wf.deleted_at is not None:
            raise NotFound(f"no public workforce {workforce_id}", "workforce_id")
        teams = [t.id for t in accounts.live_workteams(session, wf.requester_id, wf.id)]
        lab, token = accounts.create_labeler(session, d.clock, wf.id, body.name, body.email, teams)
        return {**_labeler_view(lab, teams), "token": token,
                "qualification_required": wf.qualification_json is not None}, 201
