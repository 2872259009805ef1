"""Items sent with a known answer (gold items, qualification tests): checked as a manifest line and as an answer,
every error naming the item and the member at fault."""

from __future__ import annotations

import json

import pytest

from shared.domain.errors import ValidationFailed
from shared.domain.known_answers import check_known_item
from shared.domain.labels import LabelConfig
from shared.domain.task_types import TaskType, spec_for

SPEC = spec_for(TaskType.TEXT_CLASSIFICATION)
LABELS = LabelConfig(["positive", "negative"])


def test_a_good_item_keeps_its_other_keys_and_gets_a_canonical_answer() -> None:
    known = check_known_item({"source": "fine film", "id": 7, "answer": {"label": "negative"}}, "gold.items[0]",
                             SPEC, LABELS, "a gold item")
    assert json.loads(known.text) == {"source": "fine film", "id": 7}
    assert (known.source, known.source_ref) == ("fine film", None)
    assert known.known["label"] == "negative"


@pytest.mark.parametrize(("item", "message", "field"), [
    ("fine film", "a gold item is an object with the data key and an 'answer'", "gold.items[2]"),
    ({"source": "fine film"}, "a gold item is an object with the data key and an 'answer'", "gold.items[2]"),
    ({"text": "fine film", "answer": {"label": "positive"}}, "source", "gold.items[2]"),
    ({"source": "fine film", "answer": {"label": "great"}}, "great", "gold.items[2].answer.label"),
])
def test_errors_name_the_item_and_the_member(item: object, message: str, field: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        check_known_item(item, "gold.items[2]", SPEC, LABELS, "a gold item")
    assert message in caught.value.message
    assert caught.value.field == field


def test_the_extra_check_sees_the_canonical_answer_and_its_error_is_placed_under_the_item() -> None:
    seen = []

    def refuse(known: dict, labels: LabelConfig) -> None:
        seen.append(known["label"])
        raise ValidationFailed("not today", "mask")

    with pytest.raises(ValidationFailed) as caught:
        check_known_item({"source": "x", "answer": {"label": "positive"}}, "items[0]", SPEC, LABELS, "an item",
                         refuse)
    assert seen == ["positive"]
    assert caught.value.field == "items[0].mask"
