"""Every Ground Truth template in ../shared/datasets/groundtruth_manifests/*/templates/, unmodified, as a custom
job's task UI: it renders in the worker portal with no console error (its https://assets.crowd.aws script tag
served by Groundwork's own crowd elements), a labeler answers it, and what the page submits is Ground Truth's
answer shape, keyed by the template's element name."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.browser.driver import (
    click_polygon,
    create_job,
    image_point,
    make_image,
    open_task,
    select_text,
    sign_in,
    write_manifest,
)
from tests.conftest import REFERENCE_DIR

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEMPLATES = REFERENCE_DIR / "datasets" / "groundtruth_manifests"
SIZE = (200, 150)
SENTENCE = "Ada Lovelace wrote the first program in London."


@dataclass
class Case:
    path: str
    task_type: str
    labels: list[str]
    act: Callable[[Any, Any], None]
    expect: Callable[[dict[str, Any]], None]
    source: str = "image"  # image | text | ner-review
    extra: dict[str, Any] = field(default_factory=dict)


def keys(*pressed: str) -> Callable[[Any, Any], None]:
    def act(page: Any, frame: Any) -> None:
        for key in pressed:
            page.keyboard.press(key)
        page.keyboard.press("Enter")

    return act


def draw_box(page: Any, frame: Any) -> None:
    frame.locator(".crowd-canvas").first.wait_for()
    start, end = image_point(page, frame, 50, 40, SIZE), image_point(page, frame, 121, 101, SIZE)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=6)
    page.mouse.up()
    page.keyboard.press("Enter")


def fill_polygon(page: Any, frame: Any) -> None:
    frame.locator(".crowd-canvas").first.wait_for()
    click_polygon(page, frame, [(10, 10), (40, 10), (40, 30), (10, 30)], SIZE)
    page.keyboard.press("Enter")


def tag_first_words(page: Any, frame: Any) -> None:
    select_text(page, frame, 0, len("Ada Lovelace"))
    page.keyboard.press("1")
    page.keyboard.press("Enter")


def is_label(name: str, label: str) -> Callable[[dict[str, Any]], None]:
    def check(answer: dict[str, Any]) -> None:
        assert answer == {name: {"label": label}}

    return check


def is_labels(name: str, labels: list[str]) -> Callable[[dict[str, Any]], None]:
    def check(answer: dict[str, Any]) -> None:
        assert answer == {name: {"labels": labels}}

    return check


def is_boxes(answer: dict[str, Any]) -> None:
    [(name, body)] = answer.items()
    assert name == "annotatedResult"
    assert body["inputImageProperties"] == {"height": SIZE[1], "width": SIZE[0]}
    [box] = body["boundingBoxes"]
    assert box["label"] == "Cat" and set(box) == {"label", "left", "top", "width", "height"}
    assert abs(box["left"] - 50) <= 2 and abs(box["top"] - 40) <= 2


def is_mask(answer: dict[str, Any]) -> None:
    body = answer["crowd-semantic-segmentation"]
    assert set(body) >= {"labeledImage", "labelMappings", "inputImageProperties"}
    assert body["labeledImage"]["pngImageData"].startswith("iVBOR")  # base64 of a PNG signature
    assert set(body["labelMappings"]) == {"Cat"}
    assert body["inputImageProperties"] == {"height": SIZE[1], "width": SIZE[0]}


def is_entities(name: str, expected: list[dict[str, Any]]) -> Callable[[dict[str, Any]], None]:
    def check(answer: dict[str, Any]) -> None:
        assert answer == {name: {"entities": expected}}

    return check


ADA = {"label": "person", "startOffset": 0, "endOffset": 12}
LONDON = {"label": "place", "startOffset": 40, "endOffset": 46}

CASES = [
    Case("image-classification/templates/image-classification.liquid.html", "image-classification",
         ["Cat", "Dog", "Bird", "Other"], keys("2"), is_label("crowd-image-classifier", "Dog")),
    Case("multilabel/templates/image-classification-multiselect.liquid.html", "image-classification-multilabel",
         ["Cat", "Dog", "Horse", "Pig", "Bird"], keys("1", "4"), is_labels("animals", ["Cat", "Pig"])),
    Case("multilabel/templates/text-classification-multiselect.liquid.html", "text-classification-multilabel",
         ["Positive", "Negative", "Neutral"], keys("1", "3"), is_labels("category", ["Positive", "Neutral"]),
         source="text"),
    Case("text-classification/templates/text-classification.liquid.html", "text-classification",
         ["Positive", "Negative", "Neutral"], keys("3"), is_label("category", "Neutral"), source="text"),
    Case("text-classification/templates/sentiment-analysis-tweet.liquid", "text-classification",
         ["Positive", "Negative", "Neutral", "Irrelevant"], keys("2"), is_label("sentiment", "Negative"),
         source="text"),
    Case("object-detection/templates/bounding-box.liquid.html", "bounding-box", ["Cat", "Dog"], draw_box, is_boxes),
    Case("semantic-segmentation/templates/semantic-segmentation.liquid.html", "semantic-segmentation",
         ["Cat", "Dog", "Bird"], fill_polygon, is_mask, extra={"label_attribute_name": "animal-ref"}),
    Case("ner/templates/named-entity-recognition.liquid.html", "named-entity-recognition", ["person", "place"],
         tag_first_words, is_entities("entities", [ADA]), source="text"),
    Case("ner/templates/ner-review-worker-template.html", "named-entity-recognition", ["person", "place"],
         keys(), is_entities("crowd-entity-annotation", [ADA, LONDON]), source="ner-review",
         extra={"pre_annotation_hook": "python:tests.browser.hooks:ner_review"}),
]


@pytest.fixture(scope="module")
def crew(live: Any) -> dict[str, Any]:
    wf, team = live.team()
    _, token, invite = live.labeler(wf, [team], name="Templar")
    return {"team": team, "token": token, "invite": invite or f"{live.url}/portal/signin#token={token}"}


def _manifest(live: Any, case: Case, stem: str) -> str:
    if case.source == "image":
        line: dict[str, Any] = {"source-ref": make_image(live.inputs / f"{stem}.png", SIZE)}
    elif case.source == "text":
        line = {"source": SENTENCE}
    else:
        line = {"source": SENTENCE, "entity-labels": case.labels, "draft-entities": [ADA, LONDON]}
    return write_manifest(live.inputs / f"{stem}.manifest", [line])


@pytest.mark.parametrize("case", CASES, ids=[Path(c.path).name for c in CASES])
def test_a_ground_truth_template_renders_and_submits_its_answer_shape(
        page: Any, live: Any, crew: dict[str, Any], shot: Any, case: Case) -> None:
    template = (TEMPLATES / case.path).read_text(encoding="utf-8")
    stem = live.unique("gt")
    job = create_job(live, name=stem, task_type=case.task_type, labels=case.labels, workteam_id=crew["team"],
                     manifest_uri=_manifest(live, case, stem), ui_template=template, **case.extra)
    sign_in(page, crew["invite"])
    frame = open_task(page, live, job["id"])
    shot(page, "rendered")
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/submit")) as submitted:
        case.act(page, frame)
    answer = json.loads(submitted.value.post_data or "{}")["answer"]
    case.expect(answer)
    response = submitted.value.response()
    assert response is not None and response.status == 200, response and response.text()
    shot(page, "submitted")


def test_every_reference_template_has_a_case() -> None:
    found = sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.glob("*/templates/*"))
    assert found == sorted(c.path for c in CASES)
