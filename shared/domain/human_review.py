"""Real-time human review (Augmented AI): names, activation conditions, and the output document and its key.

Pure rules only. The names, statuses and the output object follow Augmented AI's runtime (doc §3.9, §3.10), so a
later boto3 front door maps one to one: a flow definition is A2I's FlowDefinition, a human loop its HumanLoop, and
a finished loop's `output.json` lists every labeler's answer as A2I does, plus Groundwork's consolidated answer
(A2I itself does not consolidate).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from shared.domain.errors import ValidationFailed
from shared.domain.output import worker_answer

# FlowDefinitionName, HumanLoopName: lower case, 1-63 characters (botocore's pattern).
_NAME = re.compile(r"^[a-z0-9](-*[a-z0-9]){0,62}$")
MAX_TASK_COUNT = 3  # TaskCount: 1-3 answers per loop
CONDITION_KEYS = frozenset({"confidence_below", "predicted_in", "combine"})
MAX_PREDICTED_IN = 1000


class HumanLoopStatus(StrEnum):
    IN_PROGRESS = "InProgress"
    COMPLETED = "Completed"
    STOPPING = "Stopping"
    STOPPED = "Stopped"
    FAILED = "Failed"


class FlowDefinitionStatus(StrEnum):
    ACTIVE = "Active"
    FAILED = "Failed"


class FailureCode(StrEnum):
    """DescribeHumanLoop's FailureCode values."""

    VALIDATION_ERROR = "ValidationError"
    EXPIRED = "Expired"
    INTERNAL_ERROR = "InternalError"


# A loop in these states may be deleted (A2I: stop an InProgress loop first).
DELETABLE_LOOP_STATES = frozenset({HumanLoopStatus.COMPLETED, HumanLoopStatus.STOPPED, HumanLoopStatus.FAILED})
LIVE_LOOP_STATES = frozenset({HumanLoopStatus.IN_PROGRESS, HumanLoopStatus.STOPPING})


def check_review_name(name: str, field: str) -> str:
    """A flow definition's or human loop's name: A2I's `^[a-z0-9](-*[a-z0-9])*$`, 1-63 characters."""
    if not isinstance(name, str) or not _NAME.fullmatch(name):  # fullmatch: `$` alone admits a trailing newline
        raise ValidationFailed("must be 1-63 lower-case letters, digits or hyphens, starting and ending with a "
                               "letter or digit", field)
    return name


def flow_definition_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:sagemaker:{region}:{account}:flow-definition/{name}"


def human_loop_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:sagemaker:{region}:{account}:human-loop/{name}"


@dataclass(frozen=True)
class ActivationCondition:
    """When a loop goes to people. Each given clause is a reason to ask them; `combine` says whether any one
    clause is enough ("or", the default) or all must hold ("and")."""

    confidence_below: float | None = None
    predicted_in: tuple[str, ...] | None = None
    combine: str = "or"

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.confidence_below is not None:
            out["confidence_below"] = self.confidence_below
        if self.predicted_in is not None:
            out["predicted_in"] = list(self.predicted_in)
        out["combine"] = self.combine
        return out


def parse_condition(raw: Any, field: str = "activation_conditions") -> ActivationCondition | None:
    """None (or an absent setting) means every loop goes to people, as in A2I without HumanLoopActivationConfig."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValidationFailed("must be an object such as {\"confidence_below\": 0.8}", field)
    unknown = sorted(set(raw) - CONDITION_KEYS)
    if unknown:
        raise ValidationFailed(f"unknown key '{str(unknown[0])[:40]}'; the keys are confidence_below, predicted_in "
                               "and combine", f"{field}.{str(unknown[0])[:40]}")
    below = raw.get("confidence_below")
    if below is not None:
        if isinstance(below, bool) or not isinstance(below, int | float) or not math.isfinite(below) \
                or not 0 < below <= 1:
            raise ValidationFailed("must be a number in (0, 1]", f"{field}.confidence_below")
        below = float(below)
    predicted = raw.get("predicted_in")
    if predicted is not None:
        if (not isinstance(predicted, list) or not predicted or len(predicted) > MAX_PREDICTED_IN
                or not all(isinstance(p, str) and p for p in predicted)):
            raise ValidationFailed(f"must be a list of 1-{MAX_PREDICTED_IN} non-empty label names",
                                   f"{field}.predicted_in")
        predicted = tuple(dict.fromkeys(predicted))
    if below is None and predicted is None:
        raise ValidationFailed("give confidence_below, predicted_in or both", field)
    combine = raw.get("combine", "or")
    if combine not in ("or", "and"):
        raise ValidationFailed("must be 'or' or 'and'", f"{field}.combine")
    return ActivationCondition(below, predicted, combine)


def needs_humans(condition: ActivationCondition | None, label: Any, confidence: float | None,
                 has_prediction: bool) -> bool:
    """Whether a loop goes to people. Without a condition, always. A condition with nothing to judge (no
    prediction, or no confidence for a confidence clause) errs toward people: a clause that cannot be checked
    holds."""
    if condition is None or not has_prediction:
        return True
    clauses: list[bool] = []
    if condition.confidence_below is not None:
        clauses.append(confidence is None or confidence < condition.confidence_below)
    if condition.predicted_in is not None:
        clauses.append(isinstance(label, str) and label in condition.predicted_in)
    return all(clauses) if condition.combine == "and" else any(clauses)


def output_key(output_path: str, flow_name: str, created_at: datetime, loop_name: str) -> str:
    """`<S3OutputPath>/<flow-def-name>/YYYY/MM/DD/hh/mm/ss/<human-loop-name>/output.json`, from the loop's
    creation time, so the key is known when the loop starts and a repeated write lands on the same object."""
    return (f"{output_path.rstrip('/')}/{flow_name}/{created_at:%Y/%m/%d/%H/%M/%S}/{loop_name}/output.json")


@dataclass(frozen=True)
class HumanAnswer:
    """One labeler's submitted answer to a loop's task."""

    content: dict[str, Any]
    accepted_at: datetime
    submitted_at: datetime
    labeler_id: int


def human_answer_entry(answer: HumanAnswer, issuer: str) -> dict[str, Any]:
    """One `humanAnswers` entry in A2I's shape: the worker-response fields plus `workerMetadata`."""
    return {
        **worker_answer(answer.content, answer.accepted_at, answer.submitted_at, answer.labeler_id),
        "workerMetadata": {"identityData": {"identityProviderType": "Groundwork", "issuer": issuer,
                                            "sub": str(answer.labeler_id)}},
    }


def output_document(flow_arn: str, loop_name: str, input_content: dict[str, Any], answers: list[HumanAnswer],
                    consolidated: dict[str, Any], issuer: str) -> dict[str, Any]:
    """A finished loop's output.json: A2I's keys, then `groundworkConsolidatedAnswer`."""
    return {
        "flowDefinitionArn": flow_arn,
        "humanLoopName": loop_name,
        "inputContent": input_content,
        "humanAnswers": [human_answer_entry(a, issuer) for a in answers],
        "groundworkConsolidatedAnswer": consolidated,
    }


def output_bytes(document: dict[str, Any]) -> bytes:
    """Deterministic bytes: the same loop always serialises to the same object (a repeated sweep rewrites it
    identically)."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def model_answer(label: Any, confidence: float | None) -> dict[str, Any]:
    """The consolidated answer of a loop that did not need people: the model's own prediction."""
    return {"label": label, "confidence": confidence, "source": "model"}


def human_consolidated_answer(label: Any, confidence: float, votes: int, algorithm: str,
                              metadata: dict[str, Any] | None = None) -> dict[str, Any]:
    """Groundwork's consolidated answer over the loop's human answers; `metadata` is the task type's own keys
    (a class map, per-object confidences), as the job's output manifest writes them."""
    return {"label": label, "confidence": confidence, "votes": votes, "algorithm": algorithm, "source": "humans",
            "metadata": metadata or {}}
