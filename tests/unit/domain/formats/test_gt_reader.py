"""Reading real Ground Truth output manifests: every line of every real file (and the look-alikes), each format
variant the README lists, and a round trip from our writers through the reader for every task type."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest

from shared.domain.errors import ValidationFailed
from shared.domain.gt_reader import iter_manifest, parse_gt_date, read_label
from shared.domain.labels import LabelConfig
from shared.domain.output import (
    adjustment_metadata,
    boxes_value,
    classification_value,
    dump_line,
    label_line,
    multilabel_value,
    ner_value,
    segmentation_colors,
    segmentation_value,
    verification_value,
)
from shared.domain.task_types import SPECS, AnswerKind, TaskType
from tests.unit.domain.formats.real_files import GT_DIR, INPUTS, LOOKALIKES, REAL, lines_of, text_of

CREATED = datetime(2024, 5, 2, 10, 11, 12, 123456)


def test_the_tables_name_every_manifest_under_the_reference_folder() -> None:
    found = {str(p.relative_to(GT_DIR)) for p in GT_DIR.rglob("*manifest") if p.is_file()}
    assert found == set(REAL) | set(INPUTS) | set(LOOKALIKES)


@pytest.mark.parametrize("relative", [*REAL, *INPUTS, *LOOKALIKES])
def test_iter_manifest_reads_every_line_and_skips_blank_ones(relative: str) -> None:
    text = text_of(relative)
    records = list(iter_manifest(text))
    assert len(records) == sum(1 for line in text.splitlines() if line.strip()) > 0
    assert records == list(lines_of(relative))


@pytest.mark.parametrize(("relative", "attributes"), REAL.items(), ids=list(REAL))
def test_every_real_line_reads_as_its_declared_type(relative: str, attributes: tuple[str, ...]) -> None:
    for line in iter_manifest(text_of(relative)):
        for attribute in attributes:
            prior = read_label(line, attribute)
            assert prior is not None, f"{relative}: {attribute} unreadable"
            meta = line[f"{attribute}-metadata"]
            assert prior.kind == meta["type"].lower() and prior.metadata is meta and prior.value is line[attribute]
            assert prior.human and prior.created is not None
            assert not prior.job_name.startswith("labeling-job/")
            job = meta.get("job-name", meta.get("job_name", ""))  # the video input's metadata has none
            assert job.endswith(prior.job_name) and bool(prior.job_name) is bool(job)
            check_kind(prior, line[attribute], meta)


def check_kind(prior: Any, value: Any, meta: dict[str, Any]) -> None:
    if prior.kind in ("groundtruth/image-classification", "groundtruth/text-classification"):
        assert prior.class_index == value and prior.class_name == meta["class-name"]
        assert isinstance(prior.confidence, float) and 0 <= prior.confidence <= 1
    elif prior.kind.endswith("-multilabel"):
        assert list(prior.class_indices) == value and set(prior.class_indices) == set(prior.class_map)
        assert all(isinstance(c, float) for c in prior.confidence_map.values())
    elif prior.kind == "groundtruth/object-detection":
        assert len(prior.boxes) == len(value["annotations"]) == len(prior.box_confidences)
        assert {b[0] for b in prior.boxes} == set(prior.class_map)
        size = value["image_size"][0]
        assert prior.image_size == (size["width"], size["height"], size["depth"])
        for (class_id, left, top, width, height), real in zip(prior.boxes, value["annotations"], strict=True):
            assert (class_id, left, top, width, height) == (real["class_id"], real["left"], real["top"],
                                                            real["width"], real["height"])
            assert left >= 0 and top >= 0 and left + width <= size["width"] + 1e-6
    elif prior.kind == "groundtruth/semantic-segmentation":
        assert prior.mask_uri == prior.ref_uri == value and prior.color_map[0] == ("BACKGROUND", "#ffffff")
        assert prior.confidence == 0.0
    elif prior.kind == "groundtruth/text-span":
        assert len(prior.entities) == len(prior.entity_confidences) == len(value["annotations"]["entities"])
        assert all(start < end for _, start, end in prior.entities)
        assert [e["label"] for e in prior.label_entries] == [e["label"] for e in value["annotations"]["labels"]]
    elif prior.kind == "groundtruth/custom":
        assert prior.value == value and isinstance(value, dict)
    elif prior.kind.startswith("groundtruth/video-"):
        assert prior.class_map == {0: "Helmet"} and prior.value.startswith("s3://")
    else:
        pytest.fail(f"unexpected type {prior.kind}")


@pytest.mark.parametrize(("relative", "attributes"), LOOKALIKES.items(), ids=list(LOOKALIKES))
def test_the_look_alikes_are_accepted_too(relative: str, attributes: tuple[str, ...]) -> None:
    read = 0
    for line in iter_manifest(text_of(relative)):
        for attribute in attributes:
            prior = read_label(line, attribute)
            read += prior is not None
    assert read >= len(list(lines_of(relative)))


# -- the README's variants one by one ----------------------------------------------------------------------------

def first(relative: str, number: int = 0) -> dict[str, Any]:
    return list(lines_of(relative))[number]


def test_indices_and_confidences_as_strings_and_job_names_without_the_prefix() -> None:
    species, mood = lines_of("_lookalikes/feature-store.docs-example.output.manifest")
    prior = read_label(species, "species")
    assert prior is not None and (prior.class_index, prior.class_name, prior.confidence) == (0, "dog", 0.0)
    assert prior.job_name == "identify-animal-species"
    assert read_label(species, "mood") is None
    prior = read_label(mood, "mood")
    assert prior is not None and prior.kind == "groundtruth/text-classification" and prior.class_index == 1
    line = {"a": "3", "a-metadata": {"type": "groundtruth/image-classification", "confidence": "0.5"}}
    assert read_label(line, "a").confidence == 0.5  # type: ignore[union-attr]


def test_a_label_without_its_metadata_and_metadata_without_its_label() -> None:
    """The Rekognition-style look-alike pairs `normal` with `auto-label-metadata`: never matched by suffix."""
    line = first("_lookalikes/auto-label.rekognition-style.manifest")
    assert read_label(line, "auto-label") is None
    prior = read_label(line, "normal")
    assert prior is not None and prior.kind == "groundtruth/image-classification" and prior.class_index == 0
    assert prior.metadata == {} and prior.confidence is None and prior.created is None


def test_no_confidence_at_all() -> None:
    prior = read_label(first("_lookalikes/bird-image-classification.simulated.output.manifest"), "label")
    assert prior is not None and prior.confidence is None and prior.class_name == "Cardinal"


def test_unsorted_class_maps_keep_their_names() -> None:
    prior = read_label(first("object-detection/dl-labelling-job-test.manifest"), "dl-labelling-job-test")
    assert prior is not None and prior.class_map == {2: "address", 1: "dl_number"}
    assert [b[0] for b in prior.boxes] == [2, 1] and prior.box_confidences == (0.0, 0.0)


def test_merged_boxes_keep_float_coordinates() -> None:
    prior = read_label(first("object-detection/bees-500.output.manifest"), "bees-500")
    assert prior is not None and prior.boxes == ((0, 177, 256.2, 95.39999999999998, 86.80000000000001),)
    assert prior.box_confidences == (0.75,) and prior.image_size == (500, 500, 3)


def test_empty_results_keep_the_attribute() -> None:
    prior = read_label(first("object-detection/cat-ground-truth.output.manifest"), "cat-ground-truth")
    assert prior is not None and prior.boxes == () and prior.class_map == {} and prior.box_confidences == ()
    assert prior.image_size == (601, 453, 3)


def test_two_label_attributes_on_one_line_and_the_adjustment_status() -> None:
    line = first("verification-adjustment/suneung-korean-layout-detection-v2-chain.output.manifest")
    original = read_label(line, "suneung-korean-layout-detection-v2")
    chained = read_label(line, "suneung-korean-layout-detection-v2-chain")
    assert original is not None and chained is not None
    assert original.adjustment_status is None and chained.adjustment_status in ("adjusted", "unadjusted")
    assert original.job_name == "suneung-korean-layout-detection-v2"
    assert chained.job_name == "suneung-korean-layout-detection-v2-chain"


def test_custom_metadata_spellings() -> None:
    line = {"source": "x", "c": {"annotation-ref": "s3://b/a.json"},
            "c-metadata": {"job_name": "Custom-1", "type": "groundTruth/custom", "human-annotated": "yes",
                           "creation_date": "2020-05-25T12:53:54+0000", "extra": [1]}}
    prior = read_label(line, "c")
    assert prior is not None and prior.kind == "groundtruth/custom" and prior.job_name == "Custom-1"
    assert prior.created == datetime(2020, 5, 25, 12, 53, 54) and prior.value == {"annotation-ref": "s3://b/a.json"}


@pytest.mark.parametrize(("text", "expected"), [
    ("2022-09-09T17:25:32.047919", datetime(2022, 9, 9, 17, 25, 32, 47919)),
    ("2021-08-04T17:02:49.583", datetime(2021, 8, 4, 17, 2, 49, 583000)),
    ("2020-05-25T12:53:54+0000", datetime(2020, 5, 25, 12, 53, 54)),
    ("2020-05-25T14:53:54+02:00", datetime(2020, 5, 25, 12, 53, 54)),
    ("2019-04-18T16:11:15Z", datetime(2019, 4, 18, 16, 11, 15)),
    ("yesterday", None), ("", None), (None, None), (1590000000, None),
])
def test_creation_dates_in_every_seen_format_are_naive_utc(text: Any, expected: datetime | None) -> None:
    assert parse_gt_date(text) == expected


def test_not_labeled_objects_and_failure_entries_read_as_no_label() -> None:
    assert read_label({"source-ref": "s3://b/k.jpg"}, "boxes") is None
    failed = {"source-ref": "s3://b/k.jpg",
              "boxes-metadata": {"failure-reason": "ClientError: timed out", "retry-count": 1}}
    assert read_label(failed, "boxes") is None
    assert read_label({"boxes": None, "boxes-metadata": {}}, "boxes") is None


def test_an_auto_labeled_line_says_so() -> None:
    line = {"a": 1, "a-metadata": {"class-name": "x", "confidence": 0.42, "type": "groundtruth/image-classification",
                                   "human-annotated": "no", "creation-date": "2024-01-01T00:00:00.000000",
                                   "job-name": "labeling-job/j"}}
    prior = read_label(line, "a")
    assert prior is not None and prior.human is False and prior.job_name == "j"


@pytest.mark.parametrize(("line", "field"), [
    ({"a": 1, "a-metadata": "x"}, "a-metadata"),
    ({"a": "cat", "a-metadata": {"type": "groundtruth/image-classification"}}, "a"),
    ({"a": [0, "x"], "a-metadata": {"type": "groundtruth/text-classification-multilabel"}}, "a[1]"),
    ({"a": {"annotations": [{"class_id": 0, "left": 1, "top": 1, "width": "w", "height": 1}],
            "image_size": [{"width": 5, "height": 5, "depth": 3}]},
      "a-metadata": {"type": "groundtruth/object-detection"}}, "a.annotations[0].width"),
    ({"a": {"annotations": {}}, "a-metadata": {"type": "groundtruth/object-detection"}}, "a.annotations"),
    ({"a": {"annotations": [], "image_size": []}, "a-metadata": {"type": "groundtruth/object-detection",
                                                                 "class-map": {"x": "cat"}}}, "a-metadata.class-map.x"),
    ({"a": 7, "a-metadata": {"type": "groundtruth/semantic-segmentation"}}, "a"),
    ({"a": {"annotations": {"entities": [{"label": "X", "startOffset": "a", "endOffset": 2}]}},
      "a-metadata": {"type": "groundtruth/text-span"}}, "a.annotations.entities[0].startOffset"),
    ({"a": 1, "a-metadata": {"type": "groundtruth/image-classification", "confidence": "high"}},
     "a-metadata.confidence"),
])
def test_a_line_that_contradicts_its_type_is_refused_naming_the_member(line: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        read_label(line, "a")
    assert info.value.field == field


def test_iter_manifest_takes_crlf_a_bom_and_blank_lines_and_names_a_bad_line() -> None:
    text = '\ufeff{"a":1}\r\n\r\n  \n{"b":"\u00e9"}\n'
    assert list(iter_manifest(text)) == [{"a": 1}, {"b": "é"}]
    with pytest.raises(ValidationFailed) as info:
        list(iter_manifest('{"a":1}\n\n{"a":\n'))
    assert info.value.field == "line 3"
    with pytest.raises(ValidationFailed, match="object") as info:
        list(iter_manifest('[1, 2]'))
    assert info.value.field == "line 1"


# -- round trip: our writers, then the reader --------------------------------------------------------------------

LABELS = ("car", "bike", "person")


def written(task_type: TaskType, value: Any, extra: dict[str, Any], attribute: str = "out") -> Any:
    line = label_line({SPECS[task_type].source_key: "s3://b/k.jpg", "out-old": 1}, attribute, value, extra,
                      SPECS[task_type].output_type, "Job-1", True, CREATED)
    (record,) = iter_manifest(dump_line(line) + "\n")
    prior = read_label(record, attribute)
    assert prior is not None and prior.kind == SPECS[task_type].output_type
    assert (prior.job_name, prior.created, prior.human) == ("job-1", CREATED, True)
    assert prior.value == value
    return prior


@pytest.mark.parametrize("task_type", [t for t, s in SPECS.items() if s.answer_kind == AnswerKind.CLASS])
def test_round_trip_classification(task_type: TaskType) -> None:
    prior = written(task_type, *classification_value(2, "person", 0.87))
    assert (prior.class_index, prior.class_name, prior.confidence) == (2, "person", 0.87)


@pytest.mark.parametrize("task_type", [t for t, s in SPECS.items() if s.answer_kind == AnswerKind.MULTI])
def test_round_trip_multilabel(task_type: TaskType) -> None:
    prior = written(task_type, *multilabel_value([2, 0], LABELS, [0.41, 0.93]))
    assert prior.class_indices == (2, 0) and prior.class_map == {0: "car", 2: "person"}
    assert prior.confidence_map == {0: 0.93, 2: 0.41}
    assert written(task_type, *multilabel_value([1], LABELS, {1: 0.0})).confidence_map == {1: 0.0}


@pytest.mark.parametrize("task_type", [TaskType.BOUNDING_BOX, TaskType.ADJUSTMENT_BOUNDING_BOX])
def test_round_trip_boxes(task_type: TaskType) -> None:
    boxes = [(2, 31, 40, 120, 88), (0, 300.5, 210.0, 44.25, 60)]
    value, extra = boxes_value(640, 480, 3, boxes, [0.82, 0.64], LABELS)
    if SPECS[task_type].needs_prior:
        extra = {**extra, **adjustment_metadata(True)}
    assert value["annotations"][1] == {"class_id": 0, "top": 210, "left": 300.5, "height": 60, "width": 44.25}
    assert type(value["annotations"][1]["top"]) is int
    prior = written(task_type, value, extra)
    assert prior.boxes == ((2, 31, 40, 120, 88), (0, 300.5, 210, 44.25, 60))
    assert prior.box_confidences == (0.82, 0.64) and prior.image_size == (640, 480, 3)
    assert list(prior.metadata["class-map"]) == ["2", "0"]  # first-use order, as GT writes it
    assert prior.adjustment_status == ("adjusted" if SPECS[task_type].needs_prior else None)
    empty = written(task_type, *boxes_value(10, 10, 1, [], [], LABELS))
    assert empty.boxes == () and empty.metadata["class-map"] == {} and empty.metadata["objects"] == []


@pytest.mark.parametrize("task_type", [TaskType.SEMANTIC_SEGMENTATION, TaskType.ADJUSTMENT_SEMANTIC_SEGMENTATION])
def test_round_trip_segmentation(task_type: TaskType) -> None:
    uri = "s3://out/Seg-1/annotations/consolidated-annotation/output/7_2024-05-02T10:11:12.123456.png"
    value, extra = segmentation_value(uri, LABELS, segmentation_colors(3), 0.71)
    prior = written(task_type, value, extra, attribute="out-ref")
    assert prior.mask_uri == prior.ref_uri == uri and prior.confidence == 0.71
    assert prior.color_map == {0: ("BACKGROUND", "#ffffff"), 1: ("car", "#1f77b4"), 2: ("bike", "#ff7f0e"),
                               3: ("person", "#2ca02c")}
    assert {e["confidence"] for e in prior.metadata["internal-color-map"].values()} == {0.71}


def test_round_trip_named_entities() -> None:
    labels = LabelConfig(("ORG", "LOC"), short_display_names=("org", None))
    value, extra = ner_value([("ORG", 0, 4), ("LOC", 21, 25)], labels.label_entries(), [0.66, 1.0])
    assert value["annotations"]["labels"] == [{"label": "ORG", "shortDisplayName": "org"}, {"label": "LOC"}]
    prior = written(TaskType.NAMED_ENTITY_RECOGNITION, value, extra)
    assert prior.entities == (("ORG", 0, 4), ("LOC", 21, 25)) and prior.entity_confidences == (0.66, 1.0)
    assert prior.label_entries == ({"label": "ORG", "shortDisplayName": "org"}, {"label": "LOC"})


@pytest.mark.parametrize("task_type", [t for t, s in SPECS.items() if s.answer_kind == AnswerKind.VERDICT])
def test_round_trip_verification(task_type: TaskType) -> None:
    value, extra = verification_value(1, "bad", 0.93, ["box too wide", ""])
    assert value == "1"
    prior = written(task_type, value, extra)
    assert (prior.class_index, prior.class_name, prior.confidence) == (1, "bad", 0.93)
    assert prior.worker_feedback == ("box too wide",)


def test_the_round_trips_cover_every_task_type() -> None:
    kinds = {AnswerKind.CLASS, AnswerKind.MULTI, AnswerKind.BOXES, AnswerKind.MASK, AnswerKind.SPANS,
             AnswerKind.VERDICT}
    assert {s.answer_kind for s in SPECS.values()} == kinds


def test_a_real_line_survives_our_dump_unchanged_after_parsing() -> None:
    for relative in REAL:
        for line in lines_of(relative):
            assert json.loads(dump_line(line)) == line
