"""Label categories: inline lists and Ground Truth's label-category files, including the real ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.domain.errors import ValidationFailed
from shared.domain.labels import MAX_LABEL_LENGTH, LabelConfig, check_labels, parse_label_category_file
from tests.conftest import REFERENCE_DIR

GT_DIR = REFERENCE_DIR / "datasets" / "groundtruth_manifests"


def real_label_files() -> list[Path]:
    """Every label-category file in the fixtures (a JSON object with a 'labels' list), video configs left out."""
    found = []
    for path in sorted(GT_DIR.rglob("*.json")):
        if "video" in path.relative_to(GT_DIR).parts:
            continue
        doc = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and isinstance(doc.get("labels"), list):
            found.append(path)
    return found


LABEL_FILES = real_label_files()


def test_the_fixtures_hold_real_label_category_files() -> None:
    names = {p.name for p in LABEL_FILES}
    assert "twitter-test-3.label-categories.json" in names, f"no label files under {GT_DIR}"


@pytest.mark.parametrize("path", LABEL_FILES, ids=lambda p: p.name)
def test_every_real_label_category_file_parses_in_order(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    parsed = parse_label_category_file(doc, min_labels=2)
    assert parsed.labels == tuple(entry["label"] for entry in doc["labels"])


def test_the_twitter_label_file_gives_the_class_indices_of_its_jobs_output() -> None:
    doc = json.loads((GT_DIR / "text-classification" / "twitter-test-3.label-categories.json").read_text("utf-8"))
    parsed = parse_label_category_file(doc, min_labels=2)
    assert doc["document-version"] == "2021-05-13"
    output = GT_DIR / "text-classification" / "twitter-test-3.notebook-output.manifest"
    for text in output.read_text("utf-8").splitlines():
        rec = json.loads(text)
        assert parsed.labels[rec["twitter-test-3"]] == rec["twitter-test-3-metadata"]["class-name"]
        assert parsed.index_of(rec["twitter-test-3-metadata"]["class-name"]) == rec["twitter-test-3"]


@pytest.mark.parametrize("version", [None, "2018-11-28", "2020-08-15", "2021-05-13"])
def test_any_document_version_or_none_is_accepted(version: str | None) -> None:
    doc: dict[str, Any] = {"labels": [{"label": "cat"}, {"label": "dog"}]}
    if version:
        doc["document-version"] = version
    assert parse_label_category_file(doc, 2).labels == ("cat", "dog")


def test_instructions_are_read_from_the_file() -> None:
    doc = {"labels": [{"label": "a"}, {"label": "b"}],
           "instructions": {"shortInstruction": "Pick one", "fullInstruction": "<p>Long</p>"}}
    assert parse_label_category_file(doc, 2) == LabelConfig(("a", "b"), "Pick one", "<p>Long</p>")


@pytest.mark.parametrize(("doc", "field"), [
    ([{"label": "a"}], "label_category_config"),
    ({"document-version": "2018-11-28"}, "label_category_config"),
    ({"labels": "a,b"}, "label_category_config"),
    ({"labels": [{"label": "a"}, {"name": "b"}]}, "label_category_config.labels[1]"),
    ({"labels": [{"label": "a"}, "b"]}, "label_category_config.labels[1]"),
    ({"labels": [{"label": "a"}, {"label": 2}]}, "label_category_config.labels[1]"),
    ({"labels": [{"label": "a"}, {"label": "a"}]}, "label_category_config.labels[1]"),
    ({"labels": [{"label": "a"}]}, "label_category_config.labels"),
    ({"labels": [{"label": "a"}, {"label": " "}]}, "label_category_config.labels[1]"),
])
def test_a_bad_label_category_file_is_refused_naming_the_member(doc: Any, field: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_label_category_file(doc, min_labels=2)
    assert info.value.field == field


@pytest.mark.parametrize(("labels", "min_labels", "field", "reason"), [
    (["cat", "dog", "cat"], 2, "labels[2]", "appears twice"),
    (["cat"], 2, "labels", "at least 2"),
    ([], 1, "labels", "at least 1"),
    (["cat", ""], 2, "labels[1]", "non-empty"),
    (["cat", "   "], 2, "labels[1]", "non-empty"),
    (["x" * (MAX_LABEL_LENGTH + 1), "y"], 2, "labels[0]", "at most"),
])
def test_a_bad_inline_label_list_is_refused(labels: list[str], min_labels: int, field: str, reason: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        check_labels(labels, min_labels)
    assert info.value.field == field and reason in info.value.message


@pytest.mark.parametrize("labels", [["cat", "dog"], ["Cat", "cat"], ["x" * MAX_LABEL_LENGTH, "y"], ["é", "中文"]])
def test_a_good_inline_label_list_keeps_its_order(labels: list[str]) -> None:
    assert check_labels(labels, 2) == tuple(labels)
