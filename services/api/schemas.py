"""Request models. Limits follow Ground Truth's CreateLabelingJob constraints; messages name the field."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator, model_validator

from shared.domain.pricing import WorkforceKind
from shared.domain.task_types import TaskType


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


MAX_TEMPLATE_CHARS = 128_000
MAX_ID = 2**63 - 1  # ids are 64-bit columns; a larger number is no id (and must not reach the driver)


class Example(Strict):
    """A good or bad example shown in the task's full instructions: a text, or an image by URI."""

    kind: Literal["good", "bad"]
    text: str | None = Field(None, min_length=1, max_length=10_000, description="a text example")
    source_ref: str | None = Field(None, min_length=1, max_length=1024, pattern=r"^(s3|file|https?)://",
                                   description="an image example: s3://, file:// or http(s)://")
    label: str | None = Field(None, min_length=1, max_length=256, description="the label it shows (one of the job's)")
    explanation: str = Field(max_length=2000, description="why it is a good or a bad answer")

    @model_validator(mode="after")
    def _one_source(self) -> Example:
        if (self.text is None) == (self.source_ref is None):
            raise ValueError("give exactly one of 'text' and 'source_ref'")
        return self


class Instructions(Strict):
    short: str = Field("", max_length=2048)
    full: str = Field("", max_length=65536)
    examples: list[Example] = Field(default_factory=list, max_length=20)


class GoldSettings(Strict):
    items: list[dict[str, Any]] = Field(
        default_factory=list, max_length=1000,
        description='known answers: {"source" or "source-ref": ..., "answer": <the answer a labeler would submit>}')
    manifest_uri: str | None = Field(None, max_length=1024, description="the same items as JSON Lines")
    rate: float = Field(0.1, ge=0, le=1, description="the share of a labeler's tasks that are gold")
    min_accuracy: float | None = Field(None, ge=0, le=1,
                                       description="a labeler below this gold accuracy stops receiving the job")
    min_answers: int = Field(3, ge=1, le=1000, description="gold answers before a labeler is judged")


class DynamicOverlap(Strict):
    min_workers: int = Field(ge=1, le=9)
    target_confidence: float = Field(ge=0.51, le=0.999)


class AutomatedLabeling(Strict):
    """Ground Truth's automated data labeling, with the guarantee stated: machine labels are kept only where a
    one-sided Clopper-Pearson bound at `confidence` says their accuracy is at least `target_accuracy`."""

    target_accuracy: float = Field(0.95, ge=0.51, le=0.999, description="accuracy the machine labels must reach")
    confidence: float = Field(0.95, ge=0.51, le=0.999, description="one-sided confidence of that bound")
    audit_rate: float = Field(0.02, ge=0, le=0.5, description="share of machine labels sent to people to check")
    validation_share: float = Field(0.2, ge=0.01, le=0.5,
                                    description="share of each human batch drawn at random and held out")
    strategy: Literal["least-confidence", "margin", "entropy"] = "least-confidence"
    batch_size: int | None = Field(None, ge=1, le=5000,
                                   description="objects sent to people per round (default max_concurrent_task_count)")
    initial_batch_size: int | None = Field(None, ge=1, le=5000, description="the first, random batch")
    per_class_min_items: int = Field(100, ge=1, le=100000,
                                     description="validation items a class needs for a threshold of its own")
    max_human_labeled_object_count: int | None = Field(None, ge=1, description="stopping condition")
    max_percentage_of_input_dataset_labeled: float | None = Field(None, ge=0.01, le=100,
                                                                  description="stopping condition")
    epochs: int | None = Field(None, ge=1, le=1000, description="training epochs per round (default: by size)")
    seed: int = Field(0, ge=0, le=2**31 - 1)
    initial_model_uri: str | None = Field(None, max_length=1024,
                                          description="a Groundwork checkpoint to start from (a prior job's model)")


class JobCreate(Strict):
    name: str = Field(min_length=1, max_length=63, description="unique, ignoring case")
    task_type: TaskType
    label_attribute_name: str | None = Field(None, min_length=1, max_length=127,
                                             description="defaults to the job name")
    labels: list[str] | None = Field(None, min_length=1, max_length=1000)
    label_category_config: dict[str, Any] | None = Field(
        None, description="a Ground Truth label-category file, inline")
    label_category_config_uri: str | None = Field(None, max_length=1024)
    manifest_uri: str | None = Field(None, max_length=1024, description="s3:// or file://")
    output_uri: str | None = Field(None, max_length=1024)
    workteam_id: int = Field(ge=1, le=MAX_ID)
    workers_per_object: int = Field(3, ge=1, le=9)
    price_per_task_usd: Decimal | None = Field(None, ge=0, le=100, max_digits=12, decimal_places=6)
    task_time_limit_seconds: int = Field(300, ge=30, le=28800)
    task_availability_lifetime_seconds: int = Field(864000, ge=60, le=2592000)
    max_concurrent_task_count: int = Field(1000, ge=1, le=5000)
    title: str = Field("", max_length=128)
    instructions: Instructions = Field(default_factory=Instructions)
    prior_label_attribute_name: str | None = Field(
        None, min_length=1, max_length=127,
        description="verification and adjustment jobs: the label attribute of the job being reviewed")
    consolidator: str = Field("default", max_length=32,
                              description="the consolidation algorithm; 'default' picks the best built-in one")
    gold: GoldSettings | None = None
    dynamic_overlap: DynamicOverlap | None = Field(
        None, description="buy answers one at a time up to workers_per_object, stopping at the target confidence")
    pre_annotation_hook: str | None = Field(
        None, max_length=1024, description="python:<module>:<function> or an http(s) URL (Ground Truth's "
                                           "pre-annotation Lambda event and response)")
    automated_labeling: AutomatedLabeling | None = Field(
        None, description="single-label image or text classification: machine-label what a model is sure of")
    consolidation_hook: str | None = Field(
        None, max_length=1024, description="python:<module>:<function> or an http(s) URL (Ground Truth's "
                                           "annotation-consolidation Lambda event and response)")
    ui_template: str | None = Field(
        None, min_length=1, max_length=MAX_TEMPLATE_CHARS,
        description="a custom Liquid task template (Ground Truth's worker template); default: the built-in one")


class Page(Strict):
    limit: int = Field(50, ge=1, le=500)
    # 18 digits always fit a 64-bit integer column (SQLite and PostgreSQL BIGINT); longer cursors are no id.
    cursor: str | None = Field(None, max_length=18, pattern=r"^[0-9]+$")


class ObjectsQuery(Page):
    state: str | None = Field(None, pattern=r"^(pool|queued|open|answered|labeled|failed|unlabeled)$")


class WorkforceCreate(Strict):
    name: str = Field(min_length=1, max_length=63)
    kind: WorkforceKind
    vendor_price_usd: Decimal | None = Field(None, ge=0, le=100, max_digits=12, decimal_places=6)


class WorkteamCreate(Strict):
    name: str = Field(min_length=1, max_length=63)
    workforce_id: int = Field(ge=1, le=MAX_ID)
    description: str = Field("", max_length=200)


class LabelerCreate(Strict):
    name: str = Field(min_length=1, max_length=128)
    email: EmailStr | None = None
    workforce_id: int = Field(ge=1, le=MAX_ID)
    workteam_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(default_factory=list, max_length=25)
    groups: list[Annotated[str, Field(min_length=1, max_length=63)]] = Field(
        default_factory=list, max_length=10,
        description="identity-provider groups: the labeler joins every team whose SageMaker member definitions "
                    "(OIDC groups, Cognito user groups) name one")


class Signup(Strict):
    name: str = Field(min_length=1, max_length=128)
    email: EmailStr | None = None


class NextTask(Strict):
    job_id: int | None = Field(None, ge=1, le=MAX_ID)


class Submission(Strict):
    answer: dict[str, Any]

    @field_validator("answer")
    @classmethod
    def _not_empty(cls, value: dict[str, Any]) -> dict[str, Any]:
        if not value:
            raise ValueError("must not be empty")
        return value


class TemplatePreview(Strict):
    """A template (or a task type, for its built-in template) and a sample manifest line as task.input."""

    template: str | None = Field(None, min_length=1, max_length=MAX_TEMPLATE_CHARS)
    task_type: TaskType | None = None
    input: dict[str, Any] = Field(default_factory=dict, description="task.input: a sample manifest line")

    @model_validator(mode="after")
    def _one_template(self) -> TemplatePreview:
        if (self.template is None) == (self.task_type is None):
            raise ValueError("give exactly one of 'template' and 'task_type'")
        return self
