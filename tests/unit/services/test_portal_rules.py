"""The pure rules behind the portal (issue 5): a qualification's checks, statuses and grading, and the agreement
of an answer with a consolidated label."""

from __future__ import annotations

from typing import Any

import pytest

from shared.domain import agreement, qualification
from shared.domain.errors import ValidationFailed
from shared.domain.task_types import AnswerKind

ITEMS: list[Any] = [{"source": "good", "answer": {"label": "pos"}}, {"source": "bad", "answer": {"label": "neg"}}]


def test_a_qualification_round_trips_through_json() -> None:
    built = qualification.build("text-classification", ["neg", "pos"], ITEMS, 0.5, 2)

    again = qualification.Qualification.from_json(built.to_json())

    assert again == built and again.items[0].known == {"label": "pos"} and again.items[1].source == "bad"


@pytest.mark.parametrize(("task_type", "labels", "items", "field"), [
    ("text-classification", ["neg", "pos"], [], "items"),
    ("text-classification", ["neg", "pos"], [{"source": "x"}], "items[0]"),
    ("text-classification", ["neg", "pos"], [{"source": "x", "answer": {"labels": ["pos"]}}], "items[0].answer.label"),
    ("named-entity-recognition", ["person", "place"],
     [{"source": "Ada", "answer": {"entities": [{"label": "person", "startOffset": 0, "endOffset": 9}]}}],
     "items[0].answer.entities[0].endOffset"),
    ("text-classification", ["pos", "pos"], ITEMS, "labels[1]"),
])
def test_a_bad_qualification_names_the_member(task_type: str, labels: list[str], items: list[Any],
                                              field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        qualification.build(task_type, labels, items)

    assert caught.value.field == field


def test_status_follows_the_workforce_and_the_attempts() -> None:
    q = qualification.build("text-classification", ["neg", "pos"], ITEMS, max_attempts=2)

    assert qualification.status(None, "public", False, 0) == "none"
    assert qualification.status(q, "private", False, 0) == "none"
    assert qualification.status(q, "public", False, 1) == "required"
    assert qualification.status(q, "public", False, 2) == "failed"
    assert qualification.status(q, "public", True, 2) == "passed"
    assert qualification.attempts_left(q, 1) == 1 and qualification.attempts_left(q, 5) == 0


def test_grading_counts_items_at_the_gold_match_threshold() -> None:
    assert qualification.grade([1.0, 0.5, 0.4, 0.0], 0.5) == qualification.Grade(2, 4, 0.475, True)
    assert qualification.grade([1.0, 0.0, 0.0], 0.8).passed is False
    assert qualification.grade([], 0.8).passed is False


def test_an_answer_error_is_renamed_to_its_item() -> None:
    renamed = qualification.answer_error(ValidationFailed("no", "answer.boundingBoxes[0].width"), 3)

    assert renamed.field == "answers[3].boundingBoxes[0].width"
    assert qualification.answer_error(ValidationFailed("no", "answer"), 0).field == "answers[0]"


LABELS = ["cat", "dog", "bird"]


@pytest.mark.parametrize(("kind", "value", "class_name", "expected"), [
    (AnswerKind.CLASS, 1, "dog", {"label": "dog"}),
    (AnswerKind.CLASS, 2, None, {"label": "bird"}),
    (AnswerKind.VERDICT, "0", None, {"label": "cat"}),
    (AnswerKind.MULTI, [2, 0], None, {"labels": ["bird", "cat"]}),
    (AnswerKind.BOXES, {"image_size": [{"width": 9, "height": 9, "depth": 3}],
                        "annotations": [{"class_id": 1, "left": 1, "top": 2, "width": 3, "height": 4}]}, None,
     {"boundingBoxes": [{"label": "dog", "left": 1, "top": 2, "width": 3, "height": 4}]}),
    (AnswerKind.SPANS, {"annotations": {"entities": [{"label": "cat", "startOffset": 0, "endOffset": 3}],
                                        "labels": [{"label": "cat"}]}}, None,
     {"entities": [{"label": "cat", "startOffset": 0, "endOffset": 3}]}),
    (AnswerKind.MASK, "file:///m.png", None, None),
    (AnswerKind.CLASS, 7, None, None),
])
def test_a_consolidated_label_reads_back_as_an_answer(kind: AnswerKind, value: Any, class_name: str | None,
                                                      expected: dict[str, Any] | None) -> None:
    assert agreement.consolidated_answer(kind, value, class_name, LABELS) == expected


def test_agreement_scores_with_the_gold_rules() -> None:
    assert agreement.agreement(AnswerKind.CLASS, {"label": "dog"}, {"label": "dog"}) == 1.0
    assert agreement.agreement(AnswerKind.CLASS, {"label": "cat"}, {"label": "dog"}) == 0.0
    assert agreement.agreement(AnswerKind.MULTI, {"labels": ["cat", "dog"]}, {"labels": ["dog"]}) == 0.5
    assert agreement.agreement(AnswerKind.MASK, {}, {}) is None
    assert agreement.agreement(AnswerKind.CLASS, {"label": "dog"}, None) is None
    assert agreement.mean([1.0, 0.0, 0.5]) == 0.5 and agreement.mean([]) is None
