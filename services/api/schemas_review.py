"""Request models for real-time human review (Augmented AI's flow definitions and human loops).

Limits follow CreateFlowDefinition and StartHumanLoop (doc §3.9, §3.10); names are checked against A2I's pattern in
the domain, so the message names the field either way.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import Field

from services.api.schemas import MAX_ID, Page, Strict
from shared.domain.task_types import TaskType


class FlowInstructions(Strict):
    full: str = Field("", max_length=65536)


class FlowDefinitionCreate(Strict):
    name: str = Field(min_length=1, max_length=63, description="FlowDefinitionName: ^[a-z0-9](-*[a-z0-9])*$")
    task_type: TaskType = Field(description="a built-in task type (verification and adjustment excepted)")
    workteam_id: int = Field(ge=1, le=MAX_ID)
    labels: list[str] | None = Field(None, min_length=1, max_length=1000)
    label_category_config: dict[str, Any] | None = Field(
        None, description="a Ground Truth label-category file, inline")
    label_category_config_uri: str | None = Field(None, max_length=1024)
    task_count: int = Field(1, ge=1, le=3, description="TaskCount: how many labelers answer each loop")
    title: str = Field(min_length=1, max_length=128, description="TaskTitle")
    description: str = Field(min_length=1, max_length=255, description="TaskDescription (the short instruction)")
    instructions: FlowInstructions = Field(default_factory=FlowInstructions)
    price_per_task_usd: Decimal | None = Field(None, ge=0, le=100, max_digits=12, decimal_places=6)
    task_time_limit_seconds: int = Field(3600, ge=30, le=28800, description="TaskTimeLimitInSeconds")
    task_availability_lifetime_seconds: int = Field(864000, ge=60, le=2592000,
                                                    description="TaskAvailabilityLifetimeInSeconds")
    max_concurrent_task_count: int = Field(1000, ge=1, le=5000,
                                           description="loops open to labelers at once; the rest wait their turn")
    activation_conditions: dict[str, Any] | None = Field(
        None, description='when loops go to people, e.g. {"confidence_below": 0.8} and/or {"predicted_in": '
                          '["cat"]} (with "combine": "or" | "and"); absent: always')
    output_path: str | None = Field(None, max_length=1024, description="S3OutputPath: s3:// or file://")
    ui_template: str | None = Field(None, min_length=1, max_length=128000,
                                    description="a custom Liquid task template, kept for the worker portal")
    consolidator: str = Field("default", max_length=32)


class Prediction(Strict):
    label: Any = Field(None, description="the model's answer (a class name for classification)")
    confidence: float | None = Field(None, ge=0, le=1)


class HumanLoopStart(Strict):
    flow_definition_name: str = Field(min_length=1, max_length=63)
    human_loop_name: str = Field(min_length=1, max_length=63, description="^[a-z0-9](-*[a-z0-9])*$, unique")
    input: dict[str, Any] = Field(
        description='InputContent: {"source": text} or {"source-ref": uri}, as the task type reads, plus anything '
                    'else')
    prediction: Prediction | None = None


class HumanLoopsQuery(Page):
    flow_definition_name: str | None = Field(None, min_length=1, max_length=63)
