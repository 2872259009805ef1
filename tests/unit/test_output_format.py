"""Our output lines against real Ground Truth image- and text-classification output, and the artefact layout."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from shared.domain.consolidation.base import ground_truth_confidence
from shared.domain.output import (
    JobLayout,
    adjustment_metadata,
    boxes_value,
    classification_line,
    classification_value,
    dump_line,
    gt_creation_date,
    gt_file_stamp,
    gt_job_name,
    gt_worker_time,
    label_line,
)
from shared.domain.task_types import TaskType, spec_for
from tests.conftest import REFERENCE_DIR

GT_DIR = REFERENCE_DIR / "datasets" / "groundtruth_manifests"
CREATION_DATE = "%Y-%m-%dT%H:%M:%S.%f"

# Each real file with its job's LabelAttributeName (README: find it from the job, never by suffix matching).
REAL_FILES: dict[str, str] = {
    "image-classification/birds-open-images-clone/output.manifest": "birds-open-images-clone",
    "image-classification/coral.test-label-dianthus.output.manifest": "test-label-dianthus",
    "image-classification/banana-1.output.manifest": "banana-1",
    "image-classification/lab1-labeling-job.output.manifest": "lab1-labeling-job",
    "image-classification/vehicle-labeling-demo.output.manifest": "vehicle-labeling-demo",
    "image-classification/mammography-views.output.manifest": "mammography-views",
    "text-classification/twitter-test-3.notebook-output.manifest": "twitter-test-3",
    "text-classification/hashtag-positivity-label-clone.blog-excerpt.manifest": "hashtag-positivity-label-clone",
    "text-classification/cutomdocclassification-multi-class.readme-excerpt.manifest":
        "cutomDocClassification-multi-class",
}


def real_lines(relative: str) -> Iterator[dict[str, Any]]:
    for text in (GT_DIR / relative).read_text(encoding="utf-8").splitlines():
        if text.strip():
            yield json.loads(text)


def kind(value: Any) -> str:
    """A JSON type; int and float are one kind ("number") since GT writes `confidence` as `0` or `0.95`."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", dict: "object", list: "array", type(None): "null"}[type(value)]


def ours_for(real: dict[str, Any], attribute: str) -> dict[str, Any]:
    """Rebuild a real line from its input part and consolidated values with `classification_line`."""
    meta = real[f"{attribute}-metadata"]
    record = {k: v for k, v in real.items() if k not in (attribute, f"{attribute}-metadata")}
    created = datetime.strptime(meta["creation-date"], CREATION_DATE).replace(tzinfo=UTC)
    task_type = TaskType(meta["type"].removeprefix("groundtruth/"))
    return classification_line(record, attribute, real[attribute], meta["class-name"],
                               ground_truth_confidence(meta["confidence"], 5), spec_for(task_type).output_type,
                               attribute, meta["human-annotated"] == "yes", created)


def test_the_table_names_every_real_classification_output_file() -> None:
    found = {str(p.relative_to(GT_DIR)) for folder in ("image-classification", "text-classification")
             for p in (GT_DIR / folder).rglob("*.manifest") if not p.name.endswith(".input.manifest")}
    assert found == set(REAL_FILES)


@pytest.mark.parametrize(("relative", "attribute"), REAL_FILES.items(), ids=lambda v: Path(v).name)
def test_our_line_has_the_keys_and_value_types_of_real_ground_truth_output(relative: str, attribute: str) -> None:
    lines = list(real_lines(relative))
    assert lines
    for real in lines:
        ours = ours_for(real, attribute)
        assert set(ours) == set(real)
        assert {k: kind(v) for k, v in ours.items()} == {k: kind(v) for k, v in real.items()}
        assert type(ours[attribute]) is type(real[attribute]) is int
        meta, real_meta = ours[f"{attribute}-metadata"], real[f"{attribute}-metadata"]
        assert set(meta) == set(real_meta) == {"class-name", "job-name", "confidence", "type", "human-annotated",
                                               "creation-date"}
        assert {k: kind(v) for k, v in meta.items()} == {k: kind(v) for k, v in real_meta.items()}
        # The values too: the job name lower-cased behind "labeling-job/", the date to the microsecond.
        assert meta["job-name"] == real_meta["job-name"] == gt_job_name(attribute)
        assert meta["creation-date"] == real_meta["creation-date"]
        assert meta["type"] == real_meta["type"] and meta["class-name"] == real_meta["class-name"]
        # Pass-through keys stay before the label attribute, as in the real files.
        assert list(ours) == list(real)


@pytest.mark.parametrize("relative", REAL_FILES)
def test_real_creation_dates_and_ours_share_one_format(relative: str) -> None:
    pattern = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}")
    for real in real_lines(relative):
        date = real[f"{REAL_FILES[relative]}-metadata"]["creation-date"]
        assert pattern.fullmatch(date)
        assert gt_creation_date(datetime.strptime(date, CREATION_DATE)) == date


def a_line(record: dict[str, Any], attribute: str = "sentiment", created: datetime | None = None) -> dict[str, Any]:
    return classification_line(record, attribute, 1, "positive", 0.67, "groundtruth/text-classification",
                               "Reviews-1", True, created or datetime(2024, 5, 2, 10, 11, 12, 123456))


def test_a_classification_line_has_exactly_ground_truths_shape() -> None:
    assert a_line({"source": "a great film"}) == {
        "source": "a great film",
        "sentiment": 1,
        "sentiment-metadata": {"class-name": "positive", "job-name": "labeling-job/reviews-1", "confidence": 0.67,
                               "type": "groundtruth/text-classification", "human-annotated": "yes",
                               "creation-date": "2024-05-02T10:11:12.123456"},
    }


def test_a_machine_label_says_it_was_not_human_annotated() -> None:
    line = classification_line({"source-ref": "s3://b/k.jpg"}, "pets", 0, "cat", 0.91,
                               "groundtruth/image-classification", "Pets", False, datetime(2024, 1, 1))
    assert line["pets-metadata"]["human-annotated"] == "no"
    assert line["pets-metadata"]["creation-date"] == "2024-01-01T00:00:00.000000"


def test_pass_through_keys_keep_their_values_types_and_order() -> None:
    record = {"source": "x", "tweet_id": 13085, "page": "1", "use-textract-only": False, "score": 0.5,
              "tags": ["a", 1], "nested": {"k": [None]}, "annotator-metadata": {"who": "me"}, "nothing": None}
    line = a_line(record)
    assert list(line) == [*record, "sentiment", "sentiment-metadata"]
    for key, value in record.items():
        assert line[key] == value and type(line[key]) is type(value)
    assert record == {"source": "x", "tweet_id": 13085, "page": "1", "use-textract-only": False, "score": 0.5,
                      "tags": ["a", 1], "nested": {"k": [None]}, "annotator-metadata": {"who": "me"},
                      "nothing": None}, "the input record must not be changed"


def test_an_existing_label_attribute_and_its_metadata_are_overwritten() -> None:
    record = {"source": "x", "sentiment": 0, "sentiment-metadata": {"class-name": "negative", "old": True},
              "other": 1, "other-metadata": {"class-name": "kept"}}
    line = a_line(record)
    assert line["sentiment"] == 1
    assert line["sentiment-metadata"]["class-name"] == "positive" and "old" not in line["sentiment-metadata"]
    assert line["other-metadata"] == {"class-name": "kept"}
    assert list(line) == ["source", "other", "other-metadata", "sentiment", "sentiment-metadata"]


@pytest.mark.parametrize(("name", "expected"), [
    ("Reviews-1", "labeling-job/reviews-1"), ("S10-label3", "labeling-job/s10-label3"),
    ("EntityRecognizerPOC-1", "labeling-job/entityrecognizerpoc-1"), ("pets", "labeling-job/pets"),
])
def test_the_job_name_is_prefixed_and_lower_cased(name: str, expected: str) -> None:
    assert gt_job_name(name) == expected


def test_an_aware_time_is_written_in_utc() -> None:
    moment = datetime(2024, 5, 2, 12, 11, 12, 123456, tzinfo=timezone(timedelta(hours=2)))
    assert gt_creation_date(moment) == "2024-05-02T10:11:12.123456"
    assert gt_file_stamp(moment) == "2024-05-02_10:11:12"
    assert gt_worker_time(moment) == "2024-05-02T10:11:12.123Z"


@pytest.fixture
def berlin_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX-only")
    monkeypatch.setenv("TZ", "Europe/Berlin")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("berlin_time")
def test_a_naive_time_is_read_as_utc_whatever_the_machines_zone() -> None:
    moment = datetime(2024, 5, 2, 10, 11, 12, 123456)  # the clock's naive UTC
    assert gt_creation_date(moment) == "2024-05-02T10:11:12.123456"
    assert gt_file_stamp(moment) == "2024-05-02_10:11:12"
    assert gt_worker_time(moment) == "2024-05-02T10:11:12.123Z"


def test_dump_line_is_compact_and_keeps_non_ascii_raw() -> None:
    record = {"source": "zero\u200bwidth 한국어 it's", "n": 1}
    text = dump_line(record)
    assert text == '{"source":"zero\u200bwidth 한국어 it\'s","n":1}'
    assert json.loads(text) == record


@pytest.mark.parametrize("output", ["s3://bucket/out", "s3://bucket/out/", "file:///srv/gw/out"])
def test_the_job_layout_follows_ground_truths_documented_paths(output: str) -> None:
    layout = JobLayout.for_job(output, "Reviews-1")
    root = output.rstrip("/") + "/Reviews-1"
    assert layout.root == root
    assert layout.output_manifest == f"{root}/manifests/output/output.manifest"
    assert layout.failures == f"{root}/manifests/output/failures.jsonl"


def test_worker_response_files_are_named_by_iteration_object_and_second() -> None:
    layout = JobLayout.for_job("s3://b/out", "birds")
    moment = datetime(2019, 4, 18, 16, 13, 5, 999999)
    assert layout.worker_response(95, moment, iteration=2) == (
        "s3://b/out/birds/annotations/worker-response/iteration-2/95/2019-04-18_16:13:05.json")
    path = layout.worker_response(0, datetime(2024, 12, 31, 23, 59, 59))
    assert re.fullmatch(r".*/annotations/worker-response/iteration-1/0/\d{4}-\d{2}-\d{2}_\d{2}:\d{2}:\d{2}\.json",
                        path)
    assert path.endswith("/2024-12-31_23:59:59.json")


def test_the_consolidated_mask_is_named_as_in_the_real_segmentation_job() -> None:
    real = next(real_lines("semantic-segmentation/s10-label3.output.manifest"))
    layout = JobLayout.for_job("s3://pcbtest22/label", "S10-label3")
    assert layout.consolidated_mask(0, datetime(2022, 9, 9, 17, 25, 31, 918770)) == real["S10-label3-ref"]
    assert layout.consolidated_mask("12", datetime(2024, 1, 2, 3, 4, 5)) == (
        "s3://pcbtest22/label/S10-label3/annotations/consolidated-annotation/output/12_2024-01-02T03:04:05.000000.png")


def test_classification_line_is_label_line_with_classification_value() -> None:
    value, extra = classification_value(1, "positive", 0.67)
    assert a_line({"source": "x"}) == label_line({"source": "x"}, "sentiment", value, extra,
                                                 "groundtruth/text-classification", "Reviews-1", True,
                                                 datetime(2024, 5, 2, 10, 11, 12, 123456))


def test_label_line_puts_common_keys_after_the_type_specific_ones_and_adjustment_status_last() -> None:
    value, extra = boxes_value(4, 3, 3, [(1, 0, 0, 2, 2)], [0.5], ["a", "b"])
    line = label_line({"source-ref": "s3://b/k.jpg", "boxes": "old"}, "boxes", value,
                      {**adjustment_metadata(False), **extra}, "groundtruth/object-detection", "Boxes", False,
                      datetime(2024, 1, 1))
    assert list(line) == ["source-ref", "boxes", "boxes-metadata"]
    assert list(line["boxes-metadata"]) == ["objects", "class-map", "type", "human-annotated", "creation-date",
                                            "job-name", "adjustment-status"]
    assert line["boxes-metadata"]["human-annotated"] == "no" and line["boxes-metadata"]["job-name"] == (
        "labeling-job/boxes")
