"""A new labeler signs in from an invitation link and labels every built-in task type in the worker portal, then
the test reads what reached the output manifest: the class picked with the keyboard, the box drawn (within 2
pixels), the painted mask's pixel count, the tagged span's offsets, the multi-label set, the verdict and the
adjusted box."""

from __future__ import annotations

import base64
import io
import json
import time
from typing import Any

import pytest
from PIL import Image

from tests.browser.driver import (
    click_polygon,
    create_job,
    image_point,
    labels_of,
    make_image,
    open_task,
    output_records,
    select_text,
    write_manifest,
)
from tests.browser.driver import (
    sign_in as sign_in_from,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SIZE = (200, 150)


@pytest.fixture(scope="module")
def crew(live: Any) -> dict[str, Any]:
    """One private team with one labeler, invited by link."""
    wf, team = live.team()
    labeler_id, token, invite = live.labeler(wf, [team], name="Grace")
    return {"team": team, "token": token, "invite": invite or f"{live.url}/portal/signin#token={token}"}


def sign_in(page: Any, crew: dict[str, Any], shot: Any) -> None:
    sign_in_from(page, crew["invite"])
    page.get_by_text("Grace").first.wait_for(timeout=10_000)
    shot(page, "home")


def test_three_images_with_the_keyboard_only(page: Any, live: Any, crew: dict[str, Any], shot: Any) -> None:
    refs = [make_image(live.inputs / f"kb-{i}.png", SIZE, color) for i, color in
            enumerate(["#d62728", "#2ca02c", "#1f77b4"])]
    job = create_job(live, name=live.unique("keyboard"), task_type="image-classification",
                     labels=["red", "green", "blue"], workteam_id=crew["team"], title="Which colour?",
                     manifest_uri=write_manifest(live.inputs / "kb.manifest", [{"source-ref": r} for r in refs]),
                     instructions={"short": "Pick the colour of the rectangle."})
    sign_in(page, crew, shot)
    page.evaluate("window.__sameDocument = true")
    frame = open_task(page, live, job["id"])
    page.evaluate("window.__sameDocument = true")  # set on the workspace's own document
    picked: dict[str, str] = {}
    shown = ""
    for n in range(3):
        shown = _next_image(frame, shown)
        shot(page, f"image-{n}")
        # The task's own image decides the right key: the signed link names the file it shows.
        line = next(i for i, r in enumerate(refs) if r == _source_of(shown))
        page.keyboard.press(str(line + 1))
        page.keyboard.press("Enter")
        picked[refs[line]] = ["red", "green", "blue"][line]
    page.get_by_text("No more tasks").wait_for(timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True, "the workspace reloaded the page between tasks"
    shot(page, "done")
    records = output_records(live, job["name"])
    got = {r["source-ref"]: labels_of([r], job["label_attribute_name"])[0].class_name for r in records}
    assert got == picked


def _source_of(src: str) -> str:
    """The file a signed task link shows: the link names it in its `ref`."""
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(src).query)["ref"][0]


def _next_image(frame: Any, previous: str, timeout: float = 15) -> str:
    """Wait until the task frame shows an image other than `previous`; return its link."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        element = frame.locator("crowd-image-classifier")
        if element.count():
            src = element.first.get_attribute("src") or ""
            if src and src != previous:
                frame.locator("crowd-image-classifier img").first.wait_for(state="visible")
                return src
        time.sleep(0.1)
    raise AssertionError("the next task never appeared")


def test_draw_a_box(page: Any, live: Any, crew: dict[str, Any], shot: Any) -> None:
    ref = make_image(live.inputs / "box.png", SIZE)
    job = create_job(live, name=live.unique("boxes"), task_type="bounding-box", labels=["block", "hole"],
                     workteam_id=crew["team"], manifest_uri=write_manifest(live.inputs / "box.manifest",
                                                                           [{"source-ref": ref}]))
    sign_in(page, crew, shot)
    frame = open_task(page, live, job["id"])
    frame.locator(".crowd-canvas").first.wait_for()
    shot(page, "bounding-box")
    start = image_point(page, frame, 50, 40, SIZE)
    end = image_point(page, frame, 121, 101, SIZE)
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move((start[0] + end[0]) / 2, (start[1] + end[1]) / 2, steps=4)
    page.mouse.move(*end, steps=4)
    page.mouse.up()
    shot(page, "box-drawn")
    page.keyboard.press("Enter")
    page.get_by_text("No more tasks").wait_for(timeout=15_000)
    [label] = labels_of(output_records(live, job["name"]), job["label_attribute_name"])
    [(class_id, left, top, width, height)] = label.boxes
    assert class_id == 0
    assert abs(left - 50) <= 2 and abs(top - 40) <= 2
    assert abs(left + width - 121) <= 2 and abs(top + height - 101) <= 2


def test_paint_a_mask(page: Any, live: Any, crew: dict[str, Any], shot: Any) -> None:
    ref = make_image(live.inputs / "mask.png", SIZE)
    job = create_job(live, name=live.unique("masks"), task_type="semantic-segmentation", labels=["block"],
                     label_attribute_name="block-ref", workteam_id=crew["team"],
                     manifest_uri=write_manifest(live.inputs / "mask.manifest", [{"source-ref": ref}]))
    sign_in(page, crew, shot)
    frame = open_task(page, live, job["id"])
    frame.locator(".crowd-canvas").first.wait_for()
    click_polygon(page, frame, [(10, 10), (40, 10), (40, 30), (10, 30)], SIZE)
    shot(page, "mask-painted")
    with page.expect_request(lambda r: r.method == "POST" and r.url.endswith("/submit")) as submitted:
        page.keyboard.press("Enter")
    answer = json.loads(submitted.value.post_data or "{}")["answer"]["crowd-semantic-segmentation"]
    painted = Image.open(io.BytesIO(base64.b64decode(answer["labeledImage"]["pngImageData"]))).convert("RGBA")
    assert sum(1 for p in painted.getdata() if p[3] == 255) == 30 * 20
    page.get_by_text("No more tasks").wait_for(timeout=15_000)
    [label] = labels_of(output_records(live, job["name"]), job["label_attribute_name"])
    mask = Image.open(io.BytesIO(live.read_blob(label.mask_uri))).convert("RGB")
    colours = {hex_colour for _, (_, hex_colour) in label.color_map.items()}
    block = next(c for i, (name, c) in label.color_map.items() if name == "block")
    pixels = list(mask.getdata())
    assert sum(1 for p in pixels if _hex(p) == block.lower()) == 30 * 20
    assert colours


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


def test_tag_an_entity(page: Any, live: Any, crew: dict[str, Any], shot: Any) -> None:
    text = "Ada Lovelace wrote the first program in London."
    job = create_job(live, name=live.unique("entities"), task_type="named-entity-recognition",
                     labels=["person", "place"], workteam_id=crew["team"],
                     manifest_uri=write_manifest(live.inputs / "ner.manifest", [{"source": text}]))
    sign_in(page, crew, shot)
    frame = open_task(page, live, job["id"])
    select_text(page, frame, 0, len("Ada Lovelace"))
    page.keyboard.press("1")
    shot(page, "entity-tagged")
    page.keyboard.press("Enter")
    page.get_by_text("No more tasks").wait_for(timeout=15_000)
    [label] = labels_of(output_records(live, job["name"]), job["label_attribute_name"])
    assert label.entities == (("person", 0, 12),)



def test_text_classification_and_multi_label(page: Any, live: Any, crew: dict[str, Any], shot: Any) -> None:
    text = write_manifest(live.inputs / "txt.manifest", [{"source": "The plot drags but the acting is superb."}])
    single = create_job(live, name=live.unique("sentiment"), task_type="text-classification",
                        labels=["negative", "positive", "mixed"], workteam_id=crew["team"], manifest_uri=text)
    multi = create_job(live, name=live.unique("topics"), task_type="image-classification-multilabel",
                       labels=["red", "green", "blue"], workteam_id=crew["team"],
                       manifest_uri=write_manifest(live.inputs / "multi.manifest", [
                           {"source-ref": make_image(live.inputs / "multi.png", SIZE, "#2ca02c")}]))
    sign_in(page, crew, shot)
    open_task(page, live, single["id"])
    shot(page, "text-classification")
    page.keyboard.press("3")
    page.keyboard.press("Enter")
    page.get_by_text("No more tasks").wait_for(timeout=15_000)
    open_task(page, live, multi["id"])
    page.keyboard.press("1")
    page.keyboard.press("2")
    page.keyboard.press("1")  # toggled off again
    shot(page, "multi-label")
    page.keyboard.press("Enter")
    page.get_by_text("No more tasks").wait_for(timeout=15_000)
    [one] = labels_of(output_records(live, single["name"]), single["label_attribute_name"])
    assert one.class_name == "mixed"
    [many] = labels_of(output_records(live, multi["name"]), multi["label_attribute_name"])
    assert [many.class_map[i] for i in many.class_indices] == ["green"]


def _prior_boxes_line(ref: str) -> dict[str, Any]:
    return {"source-ref": ref,
            "boxes": {"image_size": [{"width": SIZE[0], "height": SIZE[1], "depth": 3}],
                      "annotations": [{"class_id": 0, "left": 50, "top": 40, "width": 70, "height": 60}]},
            "boxes-metadata": {"objects": [{"confidence": 0.9}], "class-map": {"0": "block"},
                               "type": "groundtruth/object-detection", "human-annotated": "yes",
                               "creation-date": "2026-11-01T10:11:12.123456", "job-name": "labeling-job/boxes-v1"}}


def test_verify_with_a_comment_and_adjust_a_box(page: Any, live: Any, crew: dict[str, Any], shot: Any) -> None:
    ref = make_image(live.inputs / "prior.png", SIZE)
    manifest = write_manifest(live.inputs / "prior.manifest", [_prior_boxes_line(ref)])
    verify = create_job(live, name=live.unique("verify"), task_type="verification-bounding-box",
                        label_attribute_name="verdict", labels=["correct", "wrong"],
                        prior_label_attribute_name="boxes", workteam_id=crew["team"], manifest_uri=manifest)
    adjust = create_job(live, name=live.unique("adjust"), task_type="adjustment-bounding-box",
                        label_attribute_name="boxes-fixed", labels=["block"], prior_label_attribute_name="boxes",
                        workteam_id=crew["team"], manifest_uri=manifest)
    sign_in(page, crew, shot)
    frame = open_task(page, live, verify["id"])
    shot(page, "verification")
    page.keyboard.press("2")
    frame.locator("textarea").first.fill("the box misses the right edge")
    frame.get_by_role("button", name="Submit").click()
    page.get_by_text("No more tasks").wait_for(timeout=15_000)

    frame = open_task(page, live, adjust["id"])
    frame.locator(".crowd-canvas").first.wait_for()
    shot(page, "adjustment-prior-drawn")
    inside = image_point(page, frame, 85, 70, SIZE)
    page.mouse.click(*inside)  # select the prior box
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    shot(page, "adjustment-moved")
    page.keyboard.press("Enter")
    page.get_by_text("No more tasks").wait_for(timeout=15_000)

    [verdict] = labels_of(output_records(live, verify["name"]), "verdict")
    assert verdict.class_name == "wrong"
    assert verdict.worker_feedback == ("the box misses the right edge",)
    [fixed] = labels_of(output_records(live, adjust["name"]), "boxes-fixed")
    assert fixed.adjustment_status == "adjusted"
    assert [b[1:] for b in fixed.boxes] == [(54, 40, 70, 60)]


def _prior_mask_manifest(live: Any, colour: str) -> str:
    """One image whose prior segmentation job painted 20 x 10 = 200 pixels of `block`."""
    prior = Image.new("RGB", SIZE, "#ffffff")
    prior.paste(colour, (10, 10, 30, 20))
    prior_path = live.inputs / "prior-mask.png"
    prior.save(prior_path)
    line = {"source-ref": make_image(live.inputs / "seg-prior.png", SIZE), "seg-ref": prior_path.resolve().as_uri(),
            "seg-ref-metadata": {
                "internal-color-map": {"0": {"class-name": "BACKGROUND", "hex-color": "#ffffff"},
                                       "1": {"class-name": "block", "hex-color": colour}},
                "type": "groundtruth/semantic-segmentation", "human-annotated": "yes",
                "creation-date": "2026-11-01T10:11:12.123456", "job-name": "labeling-job/seg"}}
    return write_manifest(live.inputs / "seg.manifest", [line])


def test_adjust_a_prior_mask(page: Any, live: Any, crew: dict[str, Any], shot: Any) -> None:
    """The prior mask is pre-drawn in the (sandboxed) task frame, which reads its pixels through a signed link,
    and what the labeler adds is kept with it."""
    job = create_job(live, name=live.unique("seg-adjust"), task_type="adjustment-semantic-segmentation",
                     label_attribute_name="seg2-ref", labels=["block"], prior_label_attribute_name="seg-ref",
                     workteam_id=crew["team"], manifest_uri=_prior_mask_manifest(live, "#1f77b4"))
    sign_in(page, crew, shot)
    frame = open_task(page, live, job["id"])
    frame.locator(".crowd-canvas").first.wait_for()
    shot(page, "prior-mask")
    click_polygon(page, frame, [(100, 100), (120, 100), (120, 110), (100, 110)], SIZE)  # 20 x 10 more
    shot(page, "mask-extended")
    page.keyboard.press("Enter")
    page.get_by_text("No more tasks").wait_for(timeout=15_000)
    [label] = labels_of(output_records(live, job["name"]), "seg2-ref")
    assert label.adjustment_status == "adjusted"
    block = next(c for _, (name, c) in label.color_map.items() if name == "block")
    mask = Image.open(io.BytesIO(live.read_blob(label.mask_uri))).convert("RGB")
    assert sum(1 for p in mask.getdata() if _hex(p) == block.lower()) == 200 + 200


def test_verify_a_prior_mask_and_tag_text_topics(page: Any, live: Any, crew: dict[str, Any], shot: Any) -> None:
    """The two built-in types the other tests do not open in the portal: a mask verification (the prior mask
    drawn over the image, approved with a key) and text multi-label (keys toggle)."""
    verify = create_job(live, name=live.unique("seg-verify"), task_type="verification-semantic-segmentation",
                        label_attribute_name="seg-verdict", labels=["correct", "wrong"],
                        prior_label_attribute_name="seg-ref", workteam_id=crew["team"],
                        manifest_uri=_prior_mask_manifest(live, "#ff7f0e"))
    topics = create_job(live, name=live.unique("text-topics"), task_type="text-classification-multilabel",
                        labels=["acting", "plot", "music"], workteam_id=crew["team"],
                        manifest_uri=write_manifest(live.inputs / "topics.manifest",
                                                    [{"source": "The plot drags but the acting is superb."}]))
    sign_in(page, crew, shot)
    frame = open_task(page, live, verify["id"])
    frame.locator("crowd-image-classifier img").first.wait_for()
    shot(page, "mask-verification")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.get_by_text("No more tasks").wait_for(timeout=15_000)
    open_task(page, live, topics["id"])
    page.keyboard.press("1")
    page.keyboard.press("2")
    shot(page, "text-multi-label")
    page.keyboard.press("Enter")
    page.get_by_text("No more tasks").wait_for(timeout=15_000)
    [verdict] = labels_of(output_records(live, verify["name"]), "seg-verdict")
    assert verdict.class_name == "correct"
    [tags] = labels_of(output_records(live, topics["name"]), topics["label_attribute_name"])
    assert sorted(tags.class_map[i] for i in tags.class_indices) == ["acting", "plot"]
