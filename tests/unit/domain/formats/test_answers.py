"""What labelers may submit for each task type: the crowd element's output shape, wrapped or bare, and every
refusal naming the member at fault."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from shared.domain.answers import normalize_answer, normalize_classification_answer
from shared.domain.errors import ValidationFailed
from shared.domain.labels import LabelConfig
from shared.domain.task_types import SPECS, AnswerKind, TaskType, spec_for

PETS = LabelConfig(("cat", "dog", "bird"))
VERDICTS = LabelConfig(("good", "bad"))
ENTITIES = LabelConfig(("ORG", "LOC", "DATE"))
TEXT = "Acme opened a lab in Oslo in 2021."
# A 1x1 PNG: signature and enough of a file for the structural check (pixels are the imaging adapter's job).
PNG_B64 = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()


def refused(task_type: str, answer: Any, labels: LabelConfig = PETS, **kw: Any) -> ValidationFailed:
    with pytest.raises(ValidationFailed) as info:
        normalize_answer(spec_for(task_type), answer, labels, **kw)
    return info.value


# -- single label and verification -------------------------------------------------------------------------------

@pytest.mark.parametrize("task_type", ["image-classification", "text-classification"])
def test_a_class_answer_is_accepted_wrapped_or_bare(task_type: str) -> None:
    spec = spec_for(task_type)
    for answer in ({"label": "dog"}, {spec.element: {"label": "dog"}}, {"category": {"label": "dog"}}):
        assert normalize_answer(spec, answer, PETS) == {"label": "dog"}
    assert normalize_answer(spec, {"label": "dog", "workerComment": "fur"}, PETS) == {
        "label": "dog", "workerComment": "fur"}
    assert normalize_answer(spec, {"label": "dog", "workerComment": ""}, PETS) == {"label": "dog"}
    # The old entry point gives the same content.
    assert normalize_classification_answer({spec.element: {"label": "dog"}}, spec, PETS) == {"label": "dog"}


@pytest.mark.parametrize(("answer", "field"), [
    ("dog", "answer"),
    ([{"label": "dog"}], "answer"),
    ({"label": "horse"}, "answer.label"),
    ({"label": 1}, "answer.label"),
    ({"labels": ["dog"]}, "answer.label"),
    ({"label": "dog", "workerComment": 3}, "answer.workerComment"),
    ({"label": "dog", "initialValueModified": "yes"}, "answer.initialValueModified"),
])
def test_a_bad_class_answer_names_the_member(answer: Any, field: str) -> None:
    assert refused("image-classification", answer).field == field


@pytest.mark.parametrize("task_type", ["verification-bounding-box", "verification-semantic-segmentation"])
def test_a_verdict_is_one_of_the_verification_categories_with_an_optional_comment(task_type: str) -> None:
    spec = spec_for(task_type)
    assert normalize_answer(spec, {"crowd-image-classifier": {"label": "bad", "workerComment": "box too wide"}},
                            VERDICTS) == {"label": "bad", "workerComment": "box too wide"}
    assert refused(task_type, {"label": "cat"}, VERDICTS).field == "answer.label"


# -- multi-label -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("task_type", ["image-classification-multilabel", "text-classification-multilabel"])
def test_a_multilabel_answer_keeps_each_category_once(task_type: str) -> None:
    spec = spec_for(task_type)
    assert normalize_answer(spec, {spec.element: {"labels": ["dog", "cat", "dog"]}}, PETS) == {
        "labels": ["dog", "cat"]}
    assert normalize_answer(spec, {"labels": ["bird"]}, PETS) == {"labels": ["bird"]}
    # "None of the above" (the element's exclusion category) answers no label at all.
    assert normalize_answer(spec, {"animals": {"labels": []}}, PETS) == {"labels": []}


@pytest.mark.parametrize(("answer", "field", "reason"), [
    ({"labels": "cat"}, "answer.labels", "list"),
    ({"labels": ["cat", "horse"]}, "answer.labels[1]", "horse"),
    ({"labels": ["cat", None]}, "answer.labels[1]", "not one of"),
    ({"label": "cat"}, "answer.labels", "labels"),
])
def test_a_bad_multilabel_answer_names_the_member(answer: Any, field: str, reason: str) -> None:
    error = refused("text-classification-multilabel", answer)
    assert error.field == field and reason in error.message


# -- bounding boxes ----------------------------------------------------------------------------------------------

def box(label: str = "cat", left: Any = 10, top: Any = 20, width: Any = 30, height: Any = 40) -> dict[str, Any]:
    return {"label": label, "left": left, "top": top, "width": width, "height": height}


def boxes(*items: dict[str, Any], width: int = 640, height: int = 480) -> dict[str, Any]:
    return {"boundingBoxes": list(items), "inputImageProperties": {"width": width, "height": height}}


@pytest.mark.parametrize("task_type", ["bounding-box", "adjustment-bounding-box"])
def test_boxes_are_accepted_wrapped_under_any_element_name_or_bare(task_type: str) -> None:
    spec = spec_for(task_type)
    answer = boxes(box(), box("dog", 0.5, 1.25, 2.0, 3))
    expected = {"boundingBoxes": [box(), {"label": "dog", "left": 0.5, "top": 1.25, "width": 2, "height": 3}],
                "inputImageProperties": {"width": 640, "height": 480}}
    for wrapped in (answer, {"crowd-bounding-box": answer}, {"annotatedResult": answer}):
        assert normalize_answer(spec, wrapped, PETS) == expected
    assert normalize_answer(spec, wrapped, PETS, image_size=(640, 480)) == expected


def test_zero_boxes_is_an_answer() -> None:
    assert normalize_answer(spec_for("bounding-box"), boxes(), PETS) == {
        "boundingBoxes": [], "inputImageProperties": {"width": 640, "height": 480}}


def test_the_image_size_fills_in_missing_image_properties() -> None:
    assert normalize_answer(spec_for("bounding-box"), {"boundingBoxes": [box()]}, PETS, image_size=(64, 48)) == {
        "boundingBoxes": [box(width=30, height=28)], "inputImageProperties": {"width": 64, "height": 48}}


def test_a_box_past_the_right_or_bottom_edge_is_clipped_to_the_image() -> None:
    content = normalize_answer(spec_for("bounding-box"), boxes(box(left=600, top=450, width=100, height=100.5)),
                               PETS)
    assert content["boundingBoxes"] == [{"label": "cat", "left": 600, "top": 450, "width": 40, "height": 30}]


def test_an_adjustment_keeps_whether_the_worker_changed_the_prior_boxes() -> None:
    spec = spec_for("adjustment-bounding-box")
    assert normalize_answer(spec, {**boxes(box()), "initialValueModified": True}, PETS)["initialValueModified"]
    assert normalize_answer(spec, {**boxes(box()), "initialValueModified": False},
                            PETS)["initialValueModified"] is False
    assert "initialValueModified" not in normalize_answer(spec, boxes(box()), PETS)


@pytest.mark.parametrize(("answer", "field", "reason"), [
    ({"boundingBoxes": {}}, "answer.boundingBoxes", "list"),
    ({"boundingBoxes": []}, "answer.inputImageProperties", "width"),
    ({"boundingBoxes": [], "inputImageProperties": {"width": 0, "height": 4}}, "answer.inputImageProperties.width",
     "greater than 0"),
    ({"boundingBoxes": [], "inputImageProperties": {"width": 4.5, "height": 4}},
     "answer.inputImageProperties.width", "whole"),
    ({"boundingBoxes": [], "inputImageProperties": []}, "answer.inputImageProperties", "object"),
    (boxes(box(), box(), box(width=0)), "answer.boundingBoxes[2].width", "greater than 0"),
    (boxes(box(height=-1)), "answer.boundingBoxes[0].height", "greater than 0"),
    (boxes(box(left=-1)), "answer.boundingBoxes[0].left", "negative"),
    (boxes(box(top="5")), "answer.boundingBoxes[0].top", "number"),
    (boxes(box(top=True)), "answer.boundingBoxes[0].top", "number"),
    (boxes(box(top=float("nan"))), "answer.boundingBoxes[0].top", "number"),
    (boxes(box(left=640)), "answer.boundingBoxes[0].left", "outside"),
    (boxes(box(top=480)), "answer.boundingBoxes[0].top", "outside"),
    (boxes(box("horse")), "answer.boundingBoxes[0].label", "horse"),
    (boxes(["cat", 1, 2, 3, 4]), "answer.boundingBoxes[0]", "object"),
    ({"boxes": []}, "answer.boundingBoxes", "boundingBoxes"),
])
def test_a_bad_box_answer_names_the_member(answer: Any, field: str, reason: str) -> None:
    error = refused("bounding-box", answer)
    assert error.field == field and reason in error.message


def test_image_properties_must_agree_with_the_image() -> None:
    error = refused("bounding-box", boxes(box()), image_size=(480, 640))
    assert error.field == "answer.inputImageProperties.width" and "480x640" in error.message


# -- semantic segmentation ---------------------------------------------------------------------------------------

def mask(data: str = PNG_B64, **mappings: str) -> dict[str, Any]:
    return {"labeledImage": {"pngImageData": data},
            "labelMappings": {label: {"color": color} for label, color in mappings.items()}}


@pytest.mark.parametrize("task_type", ["semantic-segmentation", "adjustment-semantic-segmentation"])
def test_a_mask_answer_keeps_its_png_and_lower_cased_colours(task_type: str) -> None:
    spec = spec_for(task_type)
    answer = {**mask(cat="#2CA02C", dog="#1f77b4"), "inputImageProperties": {"width": 4, "height": 3}}
    expected = {**mask(cat="#2ca02c", dog="#1f77b4"), "inputImageProperties": {"width": 4, "height": 3}}
    assert normalize_answer(spec, {"crowd-semantic-segmentation": answer}, PETS) == expected
    assert normalize_answer(spec, mask(f"data:image/png;base64,{PNG_B64}", cat="#f00"), PETS) == mask(
        cat="#ff0000")
    assert normalize_answer(spec, {**mask(), "initialValueModified": True}, PETS)["initialValueModified"] is True


@pytest.mark.parametrize(("answer", "field", "reason"), [
    ({"labeledImage": "x"}, "answer.labeledImage", "pngImageData"),
    ({"labeledImage": {}}, "answer.labeledImage.pngImageData", "base64"),
    (mask("not base64!"), "answer.labeledImage.pngImageData", "base64"),
    (mask(base64.b64encode(b"GIF89a....").decode()), "answer.labeledImage.pngImageData", "PNG"),
    ({**mask(), "labelMappings": []}, "answer.labelMappings", "color"),
    (mask(horse="#123456"), "answer.labelMappings.horse", "horse"),
    (mask(cat="red"), "answer.labelMappings.cat.color", "#rrggbb"),
    ({**mask(), "labelMappings": {"cat": "#123456"}}, "answer.labelMappings.cat.color", "#rrggbb"),
    (mask(cat="#ffffff"), "answer.labelMappings.cat.color", "background"),
    (mask(cat="#123456", dog="#123456"), "answer.labelMappings.dog.color", "cat"),
])
def test_a_bad_mask_answer_names_the_member(answer: Any, field: str, reason: str) -> None:
    error = refused("semantic-segmentation", answer)
    assert error.field == field and reason in error.message


# -- named entities ----------------------------------------------------------------------------------------------

def span(label: str = "ORG", start: Any = 0, end: Any = 4) -> dict[str, Any]:
    return {"label": label, "startOffset": start, "endOffset": end}


def test_spans_are_accepted_overlapping_and_deduplicated() -> None:
    spec = spec_for("named-entity-recognition")
    answer = {"crowd-entity-annotation": {"entities": [span(), span("LOC", 21, 25), span("DATE", 29, 33),
                                                       span(), span("LOC", 0, 4)]}}
    assert normalize_answer(spec, answer, ENTITIES, text=TEXT) == {
        "entities": [span(), span("LOC", 21, 25), span("DATE", 29, 33), span("LOC", 0, 4)]}
    assert normalize_answer(spec, {"entities": []}, ENTITIES, text=TEXT) == {"entities": []}
    # Without the text only the offsets' own order is checked.
    assert normalize_answer(spec, {"entities": [span(end=999)]}, ENTITIES) == {"entities": [span(end=999)]}


def test_spans_from_ground_truths_ner_template_whose_element_is_named_entities() -> None:
    spec = spec_for("named-entity-recognition")
    wrapped = {"entities": {"entities": [span("LOC", 21, 25)]}}
    assert normalize_answer(spec, wrapped, ENTITIES, text=TEXT) == {"entities": [span("LOC", 21, 25)]}


def test_offsets_count_characters_not_bytes() -> None:
    text = "Zürich 東京"
    assert normalize_answer(spec_for("named-entity-recognition"), {"entities": [span("LOC", 7, 9)]}, ENTITIES,
                            text=text) == {"entities": [span("LOC", 7, 9)]}


@pytest.mark.parametrize(("answer", "field", "reason"), [
    ({"entities": {}}, "answer.entities", "list"),
    ({"entities": [span(), "x"]}, "answer.entities[1]", "object"),
    ({"entities": [span("PERSON")]}, "answer.entities[0].label", "PERSON"),
    ({"entities": [span(start=-1)]}, "answer.entities[0].startOffset", "0 or more"),
    ({"entities": [span(start=1.0)]}, "answer.entities[0].startOffset", "whole"),
    ({"entities": [span(start=False)]}, "answer.entities[0].startOffset", "whole"),
    ({"entities": [span(end="4")]}, "answer.entities[0].endOffset", "whole"),
    ({"entities": [span(start=4, end=4)]}, "answer.entities[0].endOffset", "greater than startOffset"),
    ({"entities": [span(), span(start=30, end=35)]}, "answer.entities[1].endOffset", "past the end"),
])
def test_a_bad_span_answer_names_the_member(answer: Any, field: str, reason: str) -> None:
    error = refused("named-entity-recognition", answer, ENTITIES, text=TEXT)
    assert error.field == field and reason in error.message


def test_every_answer_kind_has_a_case_here() -> None:
    assert {s.answer_kind for s in SPECS.values()} == set(AnswerKind)
    assert set(SPECS) == set(TaskType)
