"""Job names and label attribute names: botocore's patterns plus Ground Truth's reserved names and suffix rules."""

from __future__ import annotations

import pytest

from shared.domain.errors import ValidationFailed
from shared.domain.naming import check_job_name, check_label_attribute_name


@pytest.mark.parametrize("name", ["a", "A1", "reviews-1", "a--b", "x" * 63, "9-lives", "Job-" + "z" * 59])
def test_a_good_job_name_is_returned_unchanged(name: str) -> None:
    assert check_job_name(name) == name


@pytest.mark.parametrize("name", [
    "", "x" * 64, "-leading", "trailing-", "under_score", "dot.ted", "spa ce", "ünïcode", "a/b", "-",
])
def test_a_bad_job_name_is_refused_naming_the_field(name: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        check_job_name(name, field="name")
    assert info.value.field == "name" and info.value.status == 422


def test_a_job_name_with_a_trailing_newline_is_refused() -> None:
    # `$` in a Python regex matches before a final newline; the name must still be refused.
    with pytest.raises(ValidationFailed):
        check_job_name("reviews\n")


@pytest.mark.parametrize(("name", "needs_ref"), [
    ("sentiment", False),
    ("x" * 127, False),
    ("my-label-2", False),
    ("mask-ref", True),
    ("a-ref", True),
    ("reference", False),
    ("metadata", False),
    ("source-x", False),
])
def test_a_good_label_attribute_name_is_accepted(name: str, needs_ref: bool) -> None:
    assert check_label_attribute_name(name, needs_ref) == name


@pytest.mark.parametrize(("name", "needs_ref", "reason"), [
    ("", False, "1-127"),
    ("x" * 128, False, "1-127"),
    ("-x", False, "1-127"),
    ("x_y", False, "1-127"),
    ("source", False, "reserved"),
    ("source-ref", False, "reserved"),
    ("source-ref", True, "reserved"),
    ("sentiment-metadata", False, "-metadata"),
    ("masks-metadata", True, "-metadata"),
    ("mask", True, "must end with '-ref'"),
    ("sentiment-ref", False, "must not end with '-ref'"),
])
def test_a_bad_label_attribute_name_is_refused_with_its_reason(name: str, needs_ref: bool, reason: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        check_label_attribute_name(name, needs_ref)
    assert reason in info.value.message
    assert info.value.field == "label_attribute_name"


def test_a_label_attribute_name_with_a_trailing_newline_is_refused() -> None:
    with pytest.raises(ValidationFailed):
        check_label_attribute_name("sentiment\n", False)
