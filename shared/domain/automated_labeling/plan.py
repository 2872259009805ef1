"""The automated-labeling job's settings, its validation split, round sizes and stopping conditions.

Mirrors SageMaker Ground Truth's LabelingJobStoppingConditions (MaxHumanLabeledObjectCount,
MaxPercentageOfInputDatasetLabeled) and adds what Groundwork promises on top: the requester's target accuracy and
confidence, and the share of machine labels people audit.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass
from fractions import Fraction
from numbers import Integral, Real

from shared.domain.automated_labeling.acquisition import STRATEGIES

STOP_MAX_HUMAN = "MaxHumanLabeledObjectCount reached"
STOP_MAX_PERCENT = "MaxPercentageOfInputDatasetLabeled reached"


def _is_int(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool)


def _is_real(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


@dataclass(frozen=True)
class AutoLabelingSettings:
    target_accuracy: float = 0.95  # accuracy the auto-labels must reach ...
    confidence: float = 0.95  # ... with this one-sided confidence
    audit_rate: float = 0.02  # share of machine labels people re-label to measure them
    validation_share: float = 0.2  # share of human-labeled objects held out to choose the threshold
    strategy: str = "least-confidence"  # acquisition function, one of STRATEGIES
    batch_size: int | None = None  # items sent to people per round; None -> the job's max concurrent task count
    initial_batch_size: int | None = None  # the first round (no human labels yet); None -> batch_size
    per_class_min_items: int = 100  # validation items a predicted class needs for a threshold of its own
    max_human_labeled: int | None = None  # MaxHumanLabeledObjectCount
    max_percent_labeled: float | None = None  # MaxPercentageOfInputDatasetLabeled, percent in (0, 100]
    epochs: int | None = None  # training epochs per round; None -> the trainer's default
    seed: int = 0  # validation split, audit sample and training are reproducible from it
    initial_model_uri: str | None = None  # start from this model instead of from scratch

    def __post_init__(self) -> None:
        self._check_open("target_accuracy", 0.5, 1.0)
        self._check_open("confidence", 0.5, 1.0)
        if not _is_real(self.audit_rate) or not 0.0 <= self.audit_rate <= 0.5:
            raise ValueError(f"audit_rate must be between 0 and 0.5, got {self.audit_rate!r}")
        if not _is_real(self.validation_share) or not 0.0 < self.validation_share <= 0.5:
            raise ValueError(f"validation_share must be in (0, 0.5], got {self.validation_share!r}")
        if self.strategy not in STRATEGIES:
            raise ValueError(f"strategy must be one of {', '.join(STRATEGIES)}, got {self.strategy!r}")
        for name in ("batch_size", "initial_batch_size", "max_human_labeled", "epochs"):
            value = getattr(self, name)
            if value is not None and (not _is_int(value) or value < 1):
                raise ValueError(f"{name} must be an integer >= 1 or null, got {value!r}")
        if not _is_int(self.per_class_min_items) or self.per_class_min_items < 1:
            raise ValueError(f"per_class_min_items must be an integer >= 1, got {self.per_class_min_items!r}")
        if self.max_percent_labeled is not None and (
            not _is_real(self.max_percent_labeled) or not 0.0 < self.max_percent_labeled <= 100.0
        ):
            raise ValueError(f"max_percent_labeled must be in (0, 100] or null, got {self.max_percent_labeled!r}")
        if not _is_int(self.seed):
            raise ValueError(f"seed must be an integer, got {self.seed!r}")
        if self.initial_model_uri is not None and (not isinstance(self.initial_model_uri, str)
                                                   or not self.initial_model_uri):
            raise ValueError(f"initial_model_uri must be a non-empty string or null, got {self.initial_model_uri!r}")

    def _check_open(self, name: str, low: float, high: float) -> None:
        value = getattr(self, name)
        if not _is_real(value) or not low < value < high:
            raise ValueError(f"{name} must be strictly between {low} and {high}, got {value!r}")

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> AutoLabelingSettings:
        """Parse settings; missing fields take their defaults, unknown fields are an error (likely a typo)."""
        try:
            data = json.loads(text)
        except (TypeError, json.JSONDecodeError) as exc:
            raise ValueError(f"automated labeling settings are not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise ValueError("automated labeling settings must be a JSON object")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown automated labeling settings: {', '.join(unknown)}")
        return cls(**data)


def is_validation(object_id: int, seed: int, share: float) -> bool:
    """Whether an object belongs to the validation split: a keyed hash, so the answer never changes.

    Python's hash() is salted per process, and a random draw per round would let an object move from training to
    validation between rounds (the model would then be validated on items it was trained on). A hash of (seed, id)
    is the same in every round, process and machine, and uniform, so the split is a random `share` of objects.
    """
    if not _is_int(object_id):
        raise ValueError(f"object_id must be an integer, got {object_id!r}")
    if not _is_int(seed):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    if not _is_real(share) or not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be between 0 and 1, got {share!r}")
    digest = hashlib.blake2b(f"groundwork-validation:{int(seed)}:{int(object_id)}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") < Fraction(repr(float(share))) * 2**64


def _percent_reached(settings: AutoLabelingSettings, labeled_total: int, dataset_size: int) -> bool:
    if settings.max_percent_labeled is None or dataset_size <= 0:
        return False  # an empty dataset has no percentage; there is nothing left to label anyway
    return labeled_total * 100 >= Fraction(repr(float(settings.max_percent_labeled))) * dataset_size


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if not _is_int(value) or value < 0:
            raise ValueError(f"{name} must be an integer >= 0, got {value!r}")


def human_batch_size(
    settings: AutoLabelingSettings,
    max_concurrent: int,
    pool_left: int,
    human_labeled: int,
    dataset_size: int,
    labeled_total: int,
) -> int:
    """How many objects to send to people this round.

    min(batch size, pool_left), where the batch size is `batch_size` or else `max_concurrent` (and, for the first
    round, when no object has a human label yet, `initial_batch_size` if set); further capped by what
    `max_human_labeled` leaves; 0 once `max_percent_labeled` of the dataset is labeled.
    """
    _check_counts(pool_left=pool_left, human_labeled=human_labeled, dataset_size=dataset_size,
                  labeled_total=labeled_total)
    if not _is_int(max_concurrent) or max_concurrent < 1:
        raise ValueError(f"max_concurrent must be an integer >= 1, got {max_concurrent!r}")
    if _percent_reached(settings, labeled_total, dataset_size):
        return 0
    size = settings.batch_size or max_concurrent
    if human_labeled == 0 and settings.initial_batch_size is not None:
        size = settings.initial_batch_size
    size = min(size, pool_left)
    if settings.max_human_labeled is not None:
        size = min(size, max(0, settings.max_human_labeled - human_labeled))
    return int(size)


def stopping_reason(
    settings: AutoLabelingSettings, human_labeled: int, labeled_total: int, dataset_size: int
) -> str | None:
    """Which stopping condition, if any, the job has hit (the human-count one is reported first)."""
    _check_counts(human_labeled=human_labeled, labeled_total=labeled_total, dataset_size=dataset_size)
    if settings.max_human_labeled is not None and human_labeled >= settings.max_human_labeled:
        return STOP_MAX_HUMAN
    if _percent_reached(settings, labeled_total, dataset_size):
        return STOP_MAX_PERCENT
    return None
