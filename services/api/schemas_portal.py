"""Request models of the worker portal's and the console's endpoints (issue 5)."""

from __future__ import annotations

from typing import Any

from pydantic import EmailStr, Field

from services.api.schemas import Page, Strict
from shared.domain import qualification
from shared.domain.task_types import TaskType


class VendorSignin(Strict):
    vendor_key: str = Field(min_length=1, max_length=200, description="the vendor workforce's key (gwv_...)")
    name: str = Field(min_length=1, max_length=128)
    email: EmailStr = Field(description="identifies the vendor's labeler: the same email finds the same labeler")


class QualificationSet(Strict):
    task_type: TaskType
    labels: list[str] = Field(min_length=1, max_length=1000)
    items: list[dict[str, Any]] = Field(
        min_length=qualification.MIN_ITEMS, max_length=qualification.MAX_ITEMS,
        description='gold items: {"source" or "source-ref": ..., "answer": <the answer a labeler would submit>}')
    pass_ratio: float = Field(qualification.DEFAULT_PASS_RATIO, ge=0.01, le=1,
                              description="the share of items a labeler must answer correctly")
    max_attempts: int = Field(qualification.DEFAULT_MAX_ATTEMPTS, ge=1, le=20)


class QualificationAnswers(Strict):
    answers: list[Any] = Field(max_length=qualification.MAX_ITEMS,
                               description="one answer per item, in item order, each as a task answer")


class GalleryQuery(Page):
    limit: int = Field(24, ge=1, le=200)
    state: str | None = Field(None, pattern=r"^(pool|queued|open|answered|labeled|failed|unlabeled)$")
