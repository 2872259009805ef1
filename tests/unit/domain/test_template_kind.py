"""What a custom template labels, read from its Crowd element: the task type, literal labels, and the answer's
key."""

from __future__ import annotations

import pytest

from shared.domain.task_types import TaskType
from shared.domain.template_kind import answer_key, infer


@pytest.mark.parametrize("html, task_type, labels", [
    ('<crowd-image-classifier name="x" categories="[&quot;a&quot;,&quot;b&quot;]">', TaskType.IMAGE_CLASSIFICATION,
     ("a", "b")),
    ("<crowd-classifier-multi-select categories=\"['p', 'n']\">", TaskType.TEXT_MULTILABEL, ("p", "n")),
    ("<crowd-classifier categories=\"{{ task.input.labels | to_json | escape }}\">", TaskType.TEXT_CLASSIFICATION,
     None),
    ("<crowd-entity-annotation labels=\"[{label: 'person', shortDisplayName: 'per'}]\" text='x'>",
     TaskType.NAMED_ENTITY_RECOGNITION, ("person",)),
    ("<crowd-bounding-box name='b' labels=\"['Cat', 'Dog']\">", TaskType.BOUNDING_BOX, ("Cat", "Dog")),
    ("<CROWD-SEMANTIC-SEGMENTATION labels='[\"road\"]'>", TaskType.SEMANTIC_SEGMENTATION, ("road",)),
])
def test_the_labeling_element_says_the_type_and_literal_labels(html: str, task_type: TaskType,
                                                               labels: tuple[str, ...] | None) -> None:
    kind = infer(f"<crowd-form>{html}</crowd-form>")
    assert kind is not None and (kind.task_type, kind.labels) == (task_type, labels)


def test_a_template_without_a_labeling_element_is_none() -> None:
    assert infer("<crowd-form><crowd-input name='note'></crowd-input></crowd-form>") is None
    assert infer("<crowd-classifierx categories=\"['a']\">") is None  # a longer name is another element


def test_the_answer_key_is_the_elements_name_else_the_element() -> None:
    template = "<crowd-classifier name=\"sentiment\" categories=\"['p']\"></crowd-classifier>"
    assert answer_key("crowd-classifier", template) == "sentiment"
    assert answer_key("crowd-classifier", "<crowd-classifier name=\"{{ x }}\">") == "crowd-classifier"
    assert answer_key("crowd-classifier", None) == "crowd-classifier"
