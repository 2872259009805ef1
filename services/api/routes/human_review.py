"""Requester endpoints for real-time human review: flow definitions and human loops (Augmented AI's model)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, g

from services.api.auth import deps, requester_required
from services.api.registry import registry
from services.api.schemas import Page
from services.api.schemas_review import FlowDefinitionCreate, HumanLoopsQuery, HumanLoopStart
from services.api.web import task_ui
from shared.domain.money import usd_to_micros
from shared.services import human_review

bp = Blueprint("human_review", __name__, url_prefix="/api/v1")


def _flow_spec(body: FlowDefinitionCreate) -> human_review.FlowSpec:
    task_ui.check_template(body.ui_template, "ui_template")  # labelers see it: a syntax error is a 400 now
    return human_review.FlowSpec(
        name=body.name, task_type=body.task_type.value, workteam_id=body.workteam_id, title=body.title,
        description=body.description, labels=body.labels, label_category_config=body.label_category_config,
        label_category_config_uri=body.label_category_config_uri, task_count=body.task_count,
        full_instruction=body.instructions.full,
        price_per_task_micros=None if body.price_per_task_usd is None else usd_to_micros(body.price_per_task_usd),
        task_time_limit_seconds=body.task_time_limit_seconds,
        task_availability_lifetime_seconds=body.task_availability_lifetime_seconds,
        max_concurrent_task_count=body.max_concurrent_task_count,
        activation_conditions=body.activation_conditions, output_path=body.output_path,
        ui_template=body.ui_template, consolidator=body.consolidator,
    )


@registry.route(bp, "/flow-definitions", "POST", "Create a flow definition: how human loops become human tasks",
                auth="requester", body=FlowDefinitionCreate, responses={201: "Created (Active)", 409: "Name taken"})
@requester_required
def create_flow(body: FlowDefinitionCreate) -> Any:
    d = deps()
    with d.sessions.begin() as session:
        flow = human_review.create_flow(d, session, g.requester_id, _flow_spec(body))
        return human_review.flow_view(d, session, flow), 201


@registry.route(bp, "/flow-definitions", "GET", "List your flow definitions (cursor pagination)",
                auth="requester", query=Page)
@requester_required
def list_flows(query: Page) -> Any:
    d = deps()
    with d.sessions() as session:
        rows = human_review.list_flows(session, g.requester_id, int(query.cursor or 0), query.limit)
        items = [human_review.flow_view(d, session, flow) for flow in rows]
    return {"items": items, "next_cursor": str(rows[-1].id) if len(rows) == query.limit else None}


@registry.route(bp, "/flow-definitions/<flow_definition_name>", "GET", "A flow definition and its status",
                auth="requester", responses={200: "OK", 404: "No such flow definition"})
@requester_required
def get_flow(flow_definition_name: str) -> Any:
    d = deps()
    with d.sessions() as session:
        flow = human_review.get_flow(session, g.requester_id, flow_definition_name, "flow_definition_name")
        return human_review.flow_view(d, session, flow)


@registry.route(bp, "/flow-definitions/<flow_definition_name>", "DELETE",
                "Delete a flow definition with no loop in progress; its labeling job is stopped",
                auth="requester", responses={204: "Deleted", 404: "No such flow definition",
                                             409: "Loops in progress"})
@requester_required
def delete_flow(flow_definition_name: str) -> Any:
    d = deps()
    with d.sessions.begin() as session:
        human_review.delete_flow(d, session, g.requester_id, flow_definition_name)
    return Response(status=204)


@registry.route(bp, "/human-loops", "POST",
                "Start a human loop: people label the input unless the activation condition says the model is sure",
                auth="requester", body=HumanLoopStart,
                responses={201: "Started (InProgress), or Completed at once without people", 404: "No such flow",
                           409: "Name taken, or the flow is not Active"})
@requester_required
def start_loop(body: HumanLoopStart) -> Any:
    d = deps()
    spec = human_review.LoopSpec(
        flow_definition_name=body.flow_definition_name, human_loop_name=body.human_loop_name, input=body.input,
        prediction_label=body.prediction.label if body.prediction else None,
        prediction_confidence=body.prediction.confidence if body.prediction else None,
        has_prediction=body.prediction is not None)
    with d.sessions.begin() as session:
        loop = human_review.start_loop(d, session, g.requester_id, spec)
        return human_review.loop_view(d, loop, body.flow_definition_name), 201


@registry.route(bp, "/human-loops", "GET", "List your human loops, optionally of one flow (cursor pagination)",
                auth="requester", query=HumanLoopsQuery, responses={200: "OK", 404: "No such flow definition"})
@requester_required
def list_loops(query: HumanLoopsQuery) -> Any:
    d = deps()
    with d.sessions() as session:
        rows = human_review.list_loops(session, g.requester_id, query.flow_definition_name,
                                       int(query.cursor or 0), query.limit)
        items = [human_review.loop_view(d, loop, flow_name) for loop, flow_name in rows]
    return {"items": items, "next_cursor": str(rows[-1][0].id) if len(rows) == query.limit else None}


@registry.route(bp, "/human-loops/<human_loop_name>", "GET",
                "A human loop: status, failure, and output.json's URI once Completed", auth="requester",
                responses={200: "OK", 404: "No such human loop"})
@requester_required
def get_loop(human_loop_name: str) -> Any:
    d = deps()
    with d.sessions() as session:
        loop = human_review.get_loop(session, g.requester_id, human_loop_name)
        return human_review.loop_view(d, loop, human_review.flow_name_of(session, loop))


@registry.route(bp, "/human-loops/<human_loop_name>/stop", "POST",
                "Stop a human loop: Stopping while a labeler holds its task, then Stopped",
                auth="requester", responses={200: "Stopping or Stopped", 404: "No such human loop",
                                             409: "Already ended"})
@requester_required
def stop_loop(human_loop_name: str) -> Any:
    d = deps()
    with d.sessions.begin() as session:
        loop = human_review.stop_loop(d, session, g.requester_id, human_loop_name)
        return human_review.loop_view(d, loop, human_review.flow_name_of(session, loop))


@registry.route(bp, "/human-loops/<human_loop_name>", "DELETE",
                "Delete an ended human loop (Completed, Stopped or Failed)", auth="requester",
                responses={204: "Deleted", 404: "No such human loop", 409: "Still in progress"})
@requester_required
def delete_loop(human_loop_name: str) -> Any:
    d = deps()
    with d.sessions.begin() as session:
        human_review.delete_loop(d, session, g.requester_id, human_loop_name)
    return Response(status=204)
