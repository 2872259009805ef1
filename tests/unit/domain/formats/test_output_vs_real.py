"""For every task type, our output line against the real Ground Truth line(s) of that type: each real line is
read back (gt_reader), rebuilt with our writers (output.*_value + label_line) and compared — key sets and value
types per key (`shape`), and, since nothing is lost on the way, the parsed values themselves."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.domain.gt_reader import PriorLabel, read_label
from shared.domain.output import (
    adjustment_metadata,
    boxes_value,
    classification_value,
    label_line,
    multilabel_value,
    ner_value,
    segmentation_colors,
    segmentation_value,
    verification_value,
)
from shared.domain.task_types import SPECS, TaskType
from tests.unit.domain.formats.real_files import labelled_lines, shape

Builder = Callable[[PriorLabel], tuple[Any, dict[str, Any]]]


def names_by_index(class_map: dict[int, str]) -> list[str]:
    """A label list in which each index of `class_map` names its class (others are placeholders)."""
    names = [f"unused-{i}" for i in range(max(class_map, default=-1) + 1)]
    for index, name in class_map.items():
        names[index] = name
    return names


def classification(prior: PriorLabel) -> tuple[Any, dict[str, Any]]:
    assert prior.class_index is not None and prior.class_name is not None and prior.confidence is not None
    return classification_value(prior.class_index, prior.class_name, prior.confidence)


def multilabel(prior: PriorLabel) -> tuple[Any, dict[str, Any]]:
    return multilabel_value(prior.class_indices, names_by_index(prior.class_map), prior.confidence_map)


def boxes(prior: PriorLabel) -> tuple[Any, dict[str, Any]]:
    assert prior.image_size is not None
    return boxes_value(*prior.image_size, prior.boxes, prior.box_confidences, names_by_index(prior.class_map))


def segmentation(prior: PriorLabel) -> tuple[Any, dict[str, Any]]:
    assert prior.mask_uri is not None and prior.confidence is not None
    labels = [name for index, (name, _) in sorted(prior.color_map.items()) if index]
    colors = [color for _, (_, color) in sorted(prior.color_map.items())]
    return segmentation_value(prior.mask_uri, labels, colors, prior.confidence)


def entities(prior: PriorLabel) -> tuple[Any, dict[str, Any]]:
    return ner_value(prior.entities, list(prior.label_entries), prior.entity_confidences)


def adjusted(build: Builder) -> Builder:
    def run(prior: PriorLabel) -> tuple[Any, dict[str, Any]]:
        value, extra = build(prior)
        assert prior.adjustment_status in ("adjusted", "unadjusted")
        return value, {**extra, **adjustment_metadata(prior.adjustment_status == "adjusted")}
    return run


def rebuild(line: dict[str, Any], attribute: str, task_type: TaskType, build: Builder) -> dict[str, Any]:
    prior = read_label(line, attribute)
    assert prior is not None
    value, extra = build(prior)
    record = {k: v for k, v in line.items() if k not in (attribute, f"{attribute}-metadata")}
    assert prior.created is not None
    return label_line(record, attribute, value, extra, SPECS[task_type].output_type, prior.job_name, prior.human,
                      prior.created)


def check_same(ours: dict[str, Any], real: dict[str, Any], attribute: str, *, order: bool) -> None:
    meta = f"{attribute}-metadata"
    assert set(ours) == set(real)
    assert {k: shape(v) for k, v in ours.items()} == {k: shape(v) for k, v in real.items()}
    assert shape(ours[attribute]) == shape(real[attribute])
    assert shape(ours[meta]) == shape(real[meta])
    assert type(ours[attribute]) is type(real[attribute])
    assert ours == real  # as parsed JSON: 0 == 0.0, key order aside
    if order:  # files from 2022 on: our metadata keys come in GT's own order
        assert list(ours[meta]) == list(real[meta])


# (our task type, the real GT `type` to compare with, the writer, whether the real files are 2022+ only)
CASES: list[tuple[TaskType, str, Builder, bool]] = [
    (TaskType.IMAGE_CLASSIFICATION, "groundtruth/image-classification", classification, False),
    (TaskType.TEXT_CLASSIFICATION, "groundtruth/text-classification", classification, False),
    (TaskType.TEXT_MULTILABEL, "groundtruth/text-classification-multilabel", multilabel, False),
    (TaskType.BOUNDING_BOX, "groundtruth/object-detection", boxes, False),
    (TaskType.SEMANTIC_SEGMENTATION, "groundtruth/semantic-segmentation", segmentation, True),
    (TaskType.NAMED_ENTITY_RECOGNITION, "groundtruth/text-span", entities, False),
]


@pytest.mark.parametrize(("task_type", "gt_type", "build", "recent"), CASES, ids=[c[0].value for c in CASES])
def test_our_line_matches_every_real_line_of_the_type(task_type: TaskType, gt_type: str, build: Builder,
                                                      recent: bool) -> None:
    found = 0
    for _, attribute, real in labelled_lines(gt_type):
        if "adjustment-status" in real[f"{attribute}-metadata"]:
            continue  # the adjustment job's attribute: below
        ours = rebuild(real, attribute, task_type, build)
        year = int(real[f"{attribute}-metadata"]["creation-date"][:4])
        check_same(ours, real, attribute, order=recent or (year >= 2022 and task_type == TaskType.BOUNDING_BOX))
        found += 1
    assert found, f"no real {gt_type} line under the reference folder"


def test_our_adjusted_boxes_match_the_real_chained_adjustment_job() -> None:
    found = {"adjusted": 0, "unadjusted": 0}
    for _, attribute, real in labelled_lines("groundtruth/object-detection"):
        status = real[f"{attribute}-metadata"].get("adjustment-status")
        if status is None:
            continue
        ours = rebuild(real, attribute, TaskType.ADJUSTMENT_BOUNDING_BOX, adjusted(boxes))
        check_same(ours, real, attribute, order=True)
        assert list(ours[f"{attribute}-metadata"])[-1] == "adjustment-status"
        found[status] += 1
    assert found["adjusted"] and found["unadjusted"]


def test_image_multilabel_has_the_shape_of_the_real_text_multilabel_line() -> None:
    """No real image multi-label output exists (README); GT documents the same value and metadata keys."""
    (_, attribute, real), *_ = labelled_lines("groundtruth/text-classification-multilabel")
    ours = rebuild(real, attribute, TaskType.IMAGE_MULTILABEL, multilabel)
    assert ours[f"{attribute}-metadata"]["type"] == "groundtruth/image-classification-multilabel"
    assert shape(ours) == shape(real)
    assert ours[attribute] == real[attribute] == [5, 1]  # unsorted, as chosen


def test_segmentation_adjustment_is_segmentation_plus_adjustment_status() -> None:
    """No real segmentation adjustment output exists; the box adjustment job shows the rule (doc §1.8)."""
    (_, attribute, real), *_ = labelled_lines("groundtruth/semantic-segmentation")
    real = {**real, f"{attribute}-metadata": {**real[f"{attribute}-metadata"], "adjustment-status": "unadjusted"}}
    ours = rebuild(real, attribute, TaskType.ADJUSTMENT_SEMANTIC_SEGMENTATION, adjusted(segmentation))
    check_same(ours, real, attribute, order=True)
    assert ours[f"{attribute}-metadata"]["type"] == "groundtruth/semantic-segmentation"


# No real label-verification output exists (README): the documented example (doc §1.8) is the reference.
DOC_VERIFICATION = {
    "verify-boxes": "1",
    "verify-boxes-metadata": {"class-name": "bad", "confidence": 0.93, "type": "groundtruth/label-verification",
                              "job-name": "labeling-job/verify-v1", "human-annotated": "yes",
                              "creation-date": "2024-05-03T08:00:00.000000",
                              "worker-feedback": [{"comment": "box too wide"}]},
}


@pytest.mark.parametrize("task_type", [TaskType.VERIFICATION_BOUNDING_BOX, TaskType.VERIFICATION_SEMANTIC_SEGMENTATION])
def test_verification_has_the_documented_shape(task_type: TaskType) -> None:
    prior = read_label(DOC_VERIFICATION, "verify-boxes")
    assert prior is not None and prior.created is not None
    value, extra = verification_value(1, "bad", 0.93, ["box too wide", "", None, "  "])
    ours = label_line({}, "verify-boxes", value, extra, SPECS[task_type].output_type, "verify-v1", True,
                      prior.created)
    check_same(ours, DOC_VERIFICATION, "verify-boxes", order=False)
    assert ours["verify-boxes"] == "1"


def test_every_task_type_is_compared_here() -> None:
    covered = {c[0] for c in CASES} | {TaskType.ADJUSTMENT_BOUNDING_BOX, TaskType.IMAGE_MULTILABEL,
                                       TaskType.ADJUSTMENT_SEMANTIC_SEGMENTATION, TaskType.VERIFICATION_BOUNDING_BOX,
                                       TaskType.VERIFICATION_SEMANTIC_SEGMENTATION}
    assert covered == set(TaskType)


def test_our_palette_starts_like_ground_truths() -> None:
    """Background white, then the console palette: the doc's example order, the real line's three colours."""
    (_, attribute, real), *_ = labelled_lines("groundtruth/semantic-segmentation")
    real_colors = {entry["hex-color"] for entry in real[f"{attribute}-metadata"]["internal-color-map"].values()}
    colors = segmentation_colors(3)
    assert colors[:3] == ["#ffffff", "#1f77b4", "#ff7f0e"]
    assert set(colors) == real_colors
