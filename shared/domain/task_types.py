"""Built-in task types: Ground Truth's `type` string, the crowd element whose answer shape labelers send, which
manifest key carries the data, and the per-type rules (label counts, `-ref` attribute names, prices, Lambdas)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from shared.domain.errors import ValidationFailed


class TaskType(StrEnum):
    IMAGE_CLASSIFICATION = "image-classification"
    IMAGE_MULTILABEL = "image-classification-multilabel"
    TEXT_CLASSIFICATION = "text-classification"
    TEXT_MULTILABEL = "text-classification-multilabel"
    BOUNDING_BOX = "bounding-box"
    SEMANTIC_SEGMENTATION = "semantic-segmentation"
    NAMED_ENTITY_RECOGNITION = "named-entity-recognition"
    VERIFICATION_BOUNDING_BOX = "verification-bounding-box"
    VERIFICATION_SEMANTIC_SEGMENTATION = "verification-semantic-segmentation"
    ADJUSTMENT_BOUNDING_BOX = "adjustment-bounding-box"
    ADJUSTMENT_SEMANTIC_SEGMENTATION = "adjustment-semantic-segmentation"


class AnswerKind(StrEnum):
    """The shape of one labeler's answer (see answers.normalize_answer)."""

    CLASS = "class"  # {"label": name}
    MULTI = "multi"  # {"labels": [names]}
    BOXES = "boxes"  # {"boundingBoxes": [...], "inputImageProperties": {...}}
    MASK = "mask"  # {"labeledImage": {"pngImageData": ...}, "labelMappings": {...}}
    SPANS = "spans"  # {"entities": [{label, startOffset, endOffset}]}
    VERDICT = "verdict"  # {"label": category}: a judgement on a prior job's label


# Ground Truth sets no API limit on the number of label categories for most task types (doc §2); this cap only
# keeps label files and task views bounded. Types with a real limit (multi-label, boxes: 50) use that instead.
NO_LABEL_LIMIT = 10_000
MULTILABEL_MAX_LABELS = 50
BOUNDING_BOX_MAX_LABELS = 50


def _micros(*usd: float) -> tuple[int, ...]:
    return tuple(int(round(u * 1_000_000)) for u in usd)


# MTurk price-per-task tables (doc §7.3): classification (and every type the table does not list separately),
# bounding box, semantic segmentation.
_CLASSIFICATION_PRICES = _micros(0.012, 0.024, 0.036, 0.048, 0.060, 0.072, 0.120, 0.240, 0.360, 0.480, 0.600,
                                 0.720, 0.840, 0.960, 1.080, 1.200)
_BOUNDING_BOX_PRICES = _CLASSIFICATION_PRICES[2:]
_SEGMENTATION_PRICES = _CLASSIFICATION_PRICES[-4:]


@dataclass(frozen=True)
class TaskTypeSpec:
    """Everything the format layer needs to know about one built-in task type.

    The first six fields predate multi-type support and keep their positions; the rest default to the
    single-label classification values so an old-style construction still means what it did.
    """

    output_type: str
    element: str
    source_key: str
    needs_ref_suffix: bool
    min_labels: int
    public_prices_micros: tuple[int, ...]
    answer_kind: AnswerKind = AnswerKind.CLASS
    max_labels: int = NO_LABEL_LIMIT
    attribute_must_end_ref: bool = False
    needs_prior: bool = False
    lambda_suffix: str = ""
    # The task type whose labels a verification/adjustment job reviews; None for the others.
    reviewed_type: TaskType | None = None
    # Ground Truth's automated data labeling exists only for these four types (doc §4).
    supports_auto_labeling: bool = False

    @property
    def pre_lambda(self) -> str:
        return f"PRE-{self.lambda_suffix}"

    @property
    def acs_lambda(self) -> str:
        return f"ACS-{self.lambda_suffix}"


SPECS: dict[TaskType, TaskTypeSpec] = {
    TaskType.IMAGE_CLASSIFICATION: TaskTypeSpec(
        output_type="groundtruth/image-classification", element="crowd-image-classifier", source_key="source-ref",
        needs_ref_suffix=False, min_labels=2, public_prices_micros=_CLASSIFICATION_PRICES,
        answer_kind=AnswerKind.CLASS, lambda_suffix="ImageMultiClass", supports_auto_labeling=True,
    ),
    TaskType.IMAGE_MULTILABEL: TaskTypeSpec(
        output_type="groundtruth/image-classification-multilabel", element="crowd-image-classifier-multi-select",
        source_key="source-ref", needs_ref_suffix=False, min_labels=2, public_prices_micros=_CLASSIFICATION_PRICES,
        answer_kind=AnswerKind.MULTI, max_labels=MULTILABEL_MAX_LABELS, lambda_suffix="ImageMultiClassMultiLabel",
    ),
    TaskType.TEXT_CLASSIFICATION: TaskTypeSpec(
        output_type="groundtruth/text-classification", element="crowd-classifier", source_key="source",
        needs_ref_suffix=False, min_labels=2, public_prices_micros=_CLASSIFICATION_PRICES,
        answer_kind=AnswerKind.CLASS, lambda_suffix="TextMultiClass", supports_auto_labeling=True,
    ),
    TaskType.TEXT_MULTILABEL: TaskTypeSpec(
        output_type="groundtruth/text-classification-multilabel", element="crowd-classifier-multi-select",
        source_key="source", needs_ref_suffix=False, min_labels=2, public_prices_micros=_CLASSIFICATION_PRICES,
        answer_kind=AnswerKind.MULTI, max_labels=MULTILABEL_MAX_LABELS, lambda_suffix="TextMultiClassMultiLabel",
    ),
    TaskType.BOUNDING_BOX: TaskTypeSpec(
        output_type="groundtruth/object-detection", element="crowd-bounding-box", source_key="source-ref",
        needs_ref_suffix=False, min_labels=1, public_prices_micros=_BOUNDING_BOX_PRICES,
        answer_kind=AnswerKind.BOXES, max_labels=BOUNDING_BOX_MAX_LABELS, lambda_suffix="BoundingBox",
        supports_auto_labeling=True,
    ),
    TaskType.SEMANTIC_SEGMENTATION: TaskTypeSpec(
        output_type="groundtruth/semantic-segmentation", element="crowd-semantic-segmentation",
        source_key="source-ref", needs_ref_suffix=True, min_labels=1, public_prices_micros=_SEGMENTATION_PRICES,
        answer_kind=AnswerKind.MASK, attribute_must_end_ref=True, lambda_suffix="SemanticSegmentation",
        supports_auto_labeling=True,
    ),
    TaskType.NAMED_ENTITY_RECOGNITION: TaskTypeSpec(
        output_type="groundtruth/text-span", element="crowd-entity-annotation", source_key="source",
        needs_ref_suffix=False, min_labels=1, public_prices_micros=_CLASSIFICATION_PRICES,
        answer_kind=AnswerKind.SPANS, lambda_suffix="NamedEntityRecognition",
    ),
    # Verification: workers judge the prior label with an image classifier showing it as an overlay.
    TaskType.VERIFICATION_BOUNDING_BOX: TaskTypeSpec(
        output_type="groundtruth/label-verification", element="crowd-image-classifier", source_key="source-ref",
        needs_ref_suffix=False, min_labels=1, public_prices_micros=_CLASSIFICATION_PRICES,
        answer_kind=AnswerKind.VERDICT, needs_prior=True, lambda_suffix="VerificationBoundingBox",
        reviewed_type=TaskType.BOUNDING_BOX,
    ),
    TaskType.VERIFICATION_SEMANTIC_SEGMENTATION: TaskTypeSpec(
        output_type="groundtruth/label-verification", element="crowd-image-classifier", source_key="source-ref",
        needs_ref_suffix=False, min_labels=1, public_prices_micros=_CLASSIFICATION_PRICES,
        answer_kind=AnswerKind.VERDICT, needs_prior=True, lambda_suffix="VerificationSemanticSegmentation",
        reviewed_type=TaskType.SEMANTIC_SEGMENTATION,
    ),
    # Adjustment: the original element pre-filled with the prior label; output keeps the original `type`.
    TaskType.ADJUSTMENT_BOUNDING_BOX: TaskTypeSpec(
        output_type="groundtruth/object-detection", element="crowd-bounding-box", source_key="source-ref",
        needs_ref_suffix=False, min_labels=1, public_prices_micros=_BOUNDING_BOX_PRICES,
        answer_kind=AnswerKind.BOXES, max_labels=BOUNDING_BOX_MAX_LABELS, needs_prior=True,
        lambda_suffix="AdjustmentBoundingBox", reviewed_type=TaskType.BOUNDING_BOX,
    ),
    TaskType.ADJUSTMENT_SEMANTIC_SEGMENTATION: TaskTypeSpec(
        output_type="groundtruth/semantic-segmentation", element="crowd-semantic-segmentation",
        source_key="source-ref", needs_ref_suffix=True, min_labels=1, public_prices_micros=_SEGMENTATION_PRICES,
        answer_kind=AnswerKind.MASK, attribute_must_end_ref=True, needs_prior=True,
        lambda_suffix="AdjustmentSemanticSegmentation", reviewed_type=TaskType.SEMANTIC_SEGMENTATION,
    ),
}


def spec_for(task_type: str) -> TaskTypeSpec:
    return SPECS[TaskType(task_type)]


def check_attribute_name(name: str, spec: TaskTypeSpec, field: str = "label_attribute_name",
                         prior_attribute: str | None = None) -> None:
    """The `-ref` rules of doc §1.1 for this task type.

    Segmentation and its adjustment job must end in `-ref` (the value is a mask URI); every other built-in type,
    segmentation *verification* included, must not. A verification or adjustment job must also write a new
    attribute, not the reviewed one (`prior_attribute`). The base pattern and reserved names stay in naming.py.
    """
    if spec.attribute_must_end_ref and not name.endswith("-ref"):
        raise ValidationFailed("must end with '-ref' for this task type (its value is a mask URI)", field)
    if not spec.attribute_must_end_ref and name.endswith("-ref"):
        raise ValidationFailed("must not end with '-ref' for this task type", field)
    if prior_attribute is not None and name == prior_attribute:
        raise ValidationFailed("a verification or adjustment job must write a different attribute than the job "
                               "it reviews", field)
