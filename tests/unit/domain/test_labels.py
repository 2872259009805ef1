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


def test_ner_short_display_names_are_kept_and_echoed_only_where_given() -> None:
    doc = {"document-version": "2018-11-28",
           "labels": [{"label": "ORG", "shortDisplayName": "org"}, {"label": "LOC"},
                      {"label": "DATE", "shortDisplayName": "dt", "fullDisplayName": "Date or time"}],
           "instructions": {"shortInstruction": "<p>Tag</p>", "fullInstruction": "<ol><li>Span</li></ol>"}}
    parsed = parse_label_category_file(doc, 1, require_instructions=True)
    assert parsed.labels == ("ORG", "LOC", "DATE")
    assert parsed.short_display_names == ("org", None, "dt")
    assert parsed.full_display_names == (None, None, "Date or time")
    assert parsed.label_entries() == [{"label": "ORG", "shortDisplayName": "org"}, {"label": "LOC"},
                                      {"label": "DATE", "shortDisplayName": "dt"}]
    assert (parsed.short_instruction, parsed.full_instruction) == ("<p>Tag</p>", "<ol><li>Span</li></ol>")


def test_a_file_without_display_names_echoes_plain_labels_like_the_real_ner_output() -> None:
    parsed = parse_label_category_file({"labels": [{"label": "Date"}, {"label": "Location"}]}, 1)
    assert parsed.short_display_names == () and parsed.label_entries() == [{"label": "Date"}, {"label": "Location"}]
    assert LabelConfig(("a",)).label_entries() == [{"label": "a"}]


def test_the_audit_attribute_and_the_real_video_config_are_read() -> None:
    doc = json.loads((GT_DIR / "video" / "helmet-track.label-categories.notebook.json").read_text("utf-8"))
    parsed = parse_label_category_file(doc, 1)
    assert parsed.labels == ("Parcel",) and parsed.audit_label_attribute_name == "Person"
    assert parsed.short_instruction == "Draw boxes around all parcels in the pictures"


def test_ner_needs_instructions_in_the_file() -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_label_category_file({"labels": [{"label": "ORG"}]}, 1, require_instructions=True)
    assert info.value.field == "label_category_config.instructions"


@pytest.mark.parametrize(("doc", "field"), [
    ({"labels": [{"label": "a", "shortDisplayName": 3}]}, "label_category_config.labels[0].shortDisplayName"),
    ({"labels": [{"label": "a", "fullDisplayName": []}]}, "label_category_config.labels[0].fullDisplayName"),
    ({"labels": [{"label": "a"}], "instructions": "read me"}, "label_category_config.instructions"),
    ({"labels": [{"label": "a"}], "instructions": {"shortInstruction": 1}},
     "label_category_config.instructions.shortInstruction"),
    ({"labels": [{"label": "a"}], "auditLabelAttributeName": 5}, "label_category_config.auditLabelAttributeName"),
])
def test_bad_optional_members_are_refused_by_name(doc: Any, field: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        parse_label_category_file(doc, 1)
    assert info.value.field == field


def test_a_label_limit_is_applied_when_given() -> None:
    doc = {"labels": [{"label": f"l{i}"} for i in range(51)]}
    assert len(parse_label_category_file(doc, 2).labels) == 51
    with pytest.raises(ValidationFailed, match="at most 50") as info:
        parse_label_category_file(doc, 2, max_labels=50)
    assert info.value.field == "label_category_config.labels"
    with pytest.raises(ValidationFailed, match="at most 1"):
        check_labels(["a", "b"], 1, max_labels=1)
