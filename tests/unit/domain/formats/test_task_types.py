"""Every built-in task type's spec against doc §1.11 (types, elements, Lambdas), §2 (label counts), §7.3 (prices)
and the `-ref` attribute rules of §1.1."""

from __future__ import annotations

import pytest

from shared.domain.errors import ValidationFailed
from shared.domain.money import micros_to_usd
from shared.domain.naming import check_label_attribute_name
from shared.domain.task_types import SPECS, AnswerKind, TaskType, check_attribute_name, spec_for

# (type, GT `type` string, element, data key, answer kind, Lambda suffix) — doc §1.11 and §6.
TABLE = [
    (TaskType.IMAGE_CLASSIFICATION, "groundtruth/image-classification", "crowd-image-classifier", "source-ref",
     AnswerKind.CLASS, "ImageMultiClass"),
    (TaskType.IMAGE_MULTILABEL, "groundtruth/image-classification-multilabel", "crowd-image-classifier-multi-select",
     "source-ref", AnswerKind.MULTI, "ImageMultiClassMultiLabel"),
    (TaskType.TEXT_CLASSIFICATION, "groundtruth/text-classification", "crowd-classifier", "source",
     AnswerKind.CLASS, "TextMultiClass"),
    (TaskType.TEXT_MULTILABEL, "groundtruth/text-classification-multilabel", "crowd-classifier-multi-select",
     "source", AnswerKind.MULTI, "TextMultiClassMultiLabel"),
    (TaskType.BOUNDING_BOX, "groundtruth/object-detection", "crowd-bounding-box", "source-ref", AnswerKind.BOXES,
     "BoundingBox"),
    (TaskType.SEMANTIC_SEGMENTATION, "groundtruth/semantic-segmentation", "crowd-semantic-segmentation",
     "source-ref", AnswerKind.MASK, "SemanticSegmentation"),
    (TaskType.NAMED_ENTITY_RECOGNITION, "groundtruth/text-span", "crowd-entity-annotation", "source",
     AnswerKind.SPANS, "NamedEntityRecognition"),
    (TaskType.VERIFICATION_BOUNDING_BOX, "groundtruth/label-verification", "crowd-image-classifier", "source-ref",
     AnswerKind.VERDICT, "VerificationBoundingBox"),
    (TaskType.VERIFICATION_SEMANTIC_SEGMENTATION, "groundtruth/label-verification", "crowd-image-classifier",
     "source-ref", AnswerKind.VERDICT, "VerificationSemanticSegmentation"),
    (TaskType.ADJUSTMENT_BOUNDING_BOX, "groundtruth/object-detection", "crowd-bounding-box", "source-ref",
     AnswerKind.BOXES, "AdjustmentBoundingBox"),
    (TaskType.ADJUSTMENT_SEMANTIC_SEGMENTATION, "groundtruth/semantic-segmentation", "crowd-semantic-segmentation",
     "source-ref", AnswerKind.MASK, "AdjustmentSemanticSegmentation"),
]
CLASSIFICATION_USD = ["0.012", "0.024", "0.036", "0.048", "0.060", "0.072", "0.120", "0.240", "0.360", "0.480",
                      "0.600", "0.720", "0.840", "0.960", "1.080", "1.200"]
BOX_USD = CLASSIFICATION_USD[2:]
SEGMENTATION_USD = ["0.840", "0.960", "1.080", "1.200"]


def test_the_table_covers_every_task_type_and_the_wire_strings_are_grounds_truths() -> None:
    assert {row[0] for row in TABLE} == set(TaskType) == set(SPECS)
    assert [t.value for t in TaskType] == [
        "image-classification", "image-classification-multilabel", "text-classification",
        "text-classification-multilabel", "bounding-box", "semantic-segmentation", "named-entity-recognition",
        "verification-bounding-box", "verification-semantic-segmentation", "adjustment-bounding-box",
        "adjustment-semantic-segmentation"]


@pytest.mark.parametrize(("task_type", "gt_type", "element", "source_key", "kind", "suffix"), TABLE,
                         ids=[row[0].value for row in TABLE])
def test_each_spec_matches_the_docs_table(task_type: TaskType, gt_type: str, element: str, source_key: str,
                                          kind: AnswerKind, suffix: str) -> None:
    spec = spec_for(task_type.value)
    assert (spec.output_type, spec.element, spec.source_key, spec.answer_kind, spec.lambda_suffix) == (
        gt_type, element, source_key, kind, suffix)
    assert (spec.pre_lambda, spec.acs_lambda) == (f"PRE-{suffix}", f"ACS-{suffix}")


@pytest.mark.parametrize("task_type", list(TaskType))
def test_label_counts_follow_the_label_category_rules(task_type: TaskType) -> None:
    spec = SPECS[task_type]
    classification = task_type in (TaskType.IMAGE_CLASSIFICATION, TaskType.TEXT_CLASSIFICATION,
                                   TaskType.IMAGE_MULTILABEL, TaskType.TEXT_MULTILABEL)
    assert spec.min_labels == (2 if classification else 1)
    if task_type in (TaskType.IMAGE_MULTILABEL, TaskType.TEXT_MULTILABEL, TaskType.BOUNDING_BOX,
                     TaskType.ADJUSTMENT_BOUNDING_BOX):
        assert spec.max_labels == 50
    else:
        assert spec.max_labels > 50


@pytest.mark.parametrize("task_type", list(TaskType))
def test_prices_are_the_mturk_table_of_the_tasks_kind(task_type: TaskType) -> None:
    spec = SPECS[task_type]
    usd = [micros_to_usd(p) for p in spec.public_prices_micros]
    if spec.answer_kind == AnswerKind.BOXES:
        assert usd == BOX_USD
    elif spec.answer_kind == AnswerKind.MASK:
        assert usd == SEGMENTATION_USD
    else:
        assert usd == CLASSIFICATION_USD


@pytest.mark.parametrize("task_type", list(TaskType))
def test_prior_labels_and_reviewed_types(task_type: TaskType) -> None:
    spec = SPECS[task_type]
    audit = task_type.value.startswith(("verification-", "adjustment-"))
    assert spec.needs_prior is audit
    if audit:
        reviewed = TaskType(task_type.value.split("-", 1)[1])
        assert spec.reviewed_type is reviewed
        if task_type.value.startswith("adjustment-"):  # same output as the original task
            assert spec.output_type == SPECS[reviewed].output_type
            assert spec.answer_kind == SPECS[reviewed].answer_kind
    else:
        assert spec.reviewed_type is None


def test_auto_labeling_exists_for_the_four_types_of_the_docs() -> None:
    assert {t for t, s in SPECS.items() if s.supports_auto_labeling} == {
        TaskType.IMAGE_CLASSIFICATION, TaskType.TEXT_CLASSIFICATION, TaskType.BOUNDING_BOX,
        TaskType.SEMANTIC_SEGMENTATION}


MUST_END_REF = {TaskType.SEMANTIC_SEGMENTATION, TaskType.ADJUSTMENT_SEMANTIC_SEGMENTATION}


@pytest.mark.parametrize("task_type", list(TaskType))
def test_the_ref_suffix_rule(task_type: TaskType) -> None:
    spec = SPECS[task_type]
    assert spec.attribute_must_end_ref is spec.needs_ref_suffix is (task_type in MUST_END_REF)
    good, bad = ("road-ref", "road") if task_type in MUST_END_REF else ("road", "road-ref")
    check_attribute_name(good, spec)
    check_label_attribute_name(good, spec.needs_ref_suffix)
    with pytest.raises(ValidationFailed) as info:
        check_attribute_name(bad, spec)
    assert info.value.field == "label_attribute_name" and "-ref" in info.value.message


def test_segmentation_verification_must_not_end_in_ref() -> None:
    with pytest.raises(ValidationFailed, match="must not end"):
        check_attribute_name("verify-ref", spec_for("verification-semantic-segmentation"))


def test_an_audit_job_writes_a_new_attribute() -> None:
    spec = spec_for("adjustment-bounding-box")
    check_attribute_name("boxes-chain", spec, prior_attribute="boxes")
    with pytest.raises(ValidationFailed, match="different attribute") as info:
        check_attribute_name("boxes", spec, field="x", prior_attribute="boxes")
    assert info.value.field == "x"
