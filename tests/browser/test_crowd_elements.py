"""Browser tests of Groundwork's Crowd HTML Elements (crowd-form, the classifiers, entity annotation and the simple
form elements), driven the way a worker drives them: keys for the classifiers, mouse selection plus a key for
entities. The pages hold Ground Truth's own template files with their Liquid replaced by concrete values, so the
elements are checked against markup exactly as requesters write it."""

from __future__ import annotations

import base64
import html
import io
import json
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from PIL import Image, ImageDraw

pytestmark = [pytest.mark.browser]

GT = Path("/work/shared/datasets/groundtruth_manifests")
if not GT.exists():
    GT = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "groundtruth_manifests"

SHELL = ("<!doctype html><html><head><meta charset='utf-8'><script src='/crowd-html-elements.js'></script>"
         "<script>window.__submitted = [];addEventListener('crowd-submit', e => "
         "window.__submitted.push(e.detail.answer));</script></head><body>{body}</body></html>")
MAX_URL = 3800  # gunicorn refuses request lines over 4094 bytes; longer pages are served by a route instead


def _png(width: int = 320, height: int = 240) -> str:
    """A small test image as a data: URL (a sky, grass and a 'dog' shape), so no image route is needed."""
    img = Image.new("P", (width, height), 0)
    img.putpalette([135, 185, 230, 90, 160, 70, 120, 80, 40, 250, 250, 250] + [0] * 756)
    draw = ImageDraw.Draw(img)
    draw.rectangle([0, height * 2 // 3, width, height], fill=1)
    draw.ellipse([width // 3, height // 3, width * 2 // 3, height * 3 // 4], fill=2)
    draw.ellipse([width // 2 + 10, height // 4, width // 2 + 60, height // 2], fill=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()


IMG = _png()


def _template(relative: str, **values: str) -> str:
    """A Ground Truth template file with its Liquid output tags replaced by the given (already escaped) values."""
    text = (GT / relative).read_text(encoding="utf-8")
    for tag, value in values.items():
        assert tag in text, f"{tag} not in {relative}"
        text = text.replace(tag, value)
    assert "{{" not in text, text
    return text


def _open(page: Any, live: Any, crowd_page: Any, body: str) -> Any:
    """Open a page holding `body` after the crowd script: the live test page when the URL fits, else a route on
    the live origin that serves the same shell (the crowd script still comes from the real API)."""
    if len(quote(body)) < MAX_URL:
        return crowd_page(page, body)
    path = f"{live.url}/__c1__/{uuid.uuid4().hex}.html"
    page.route(path, lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8",
                                                 body=SHELL.format(body=body)))
    page.goto(path)
    page.wait_for_load_state("load")
    return page


def _submitted(page: Any) -> list[dict[str, Any]]:
    return page.evaluate("window.__submitted")


def _pressed(page: Any) -> list[str]:
    return page.eval_on_selector_all("button.crowd-option[aria-pressed=true]",
                                     "els => els.map(e => e.querySelector('.crowd-option-text').textContent)")


# ---------------------------------------------------------------- classifiers


def test_image_classifier_keyboard(page: Any, live: Any, crowd_page: Any, shot: Any) -> None:
    body = _template("image-classification/templates/image-classification.liquid.html",
                     **{"{{ task.input.taskObject | grant_read_access }}": IMG})
    _open(page, live, crowd_page, body)
    page.wait_for_selector("crowd-image-classifier button.crowd-option")
    page.wait_for_function("document.querySelector('img.crowd-cls-image').naturalWidth > 0")
    options = page.eval_on_selector_all("button.crowd-option", "els => els.map(e => e.innerText.replace(/\\s+/g, ' '))")
    assert [o.strip() for o in options] == ["1 Cat", "2 Dog", "3 Bird", "4 Other"]
    # the image is scaled to fit (at most 800x600), keeping its aspect ratio
    w, h = page.eval_on_selector("img.crowd-cls-image", "i => [i.getBoundingClientRect().width, "
                                                        "i.getBoundingClientRect().height]")
    assert 0 < w <= 800 and 0 < h <= 600 and abs(w / h - 320 / 240) < 0.02
    assert page.locator(".crowd-side .crowd-short").inner_text().startswith("Read the task carefully")
    shot(page, "image-classifier")

    page.keyboard.press("1")
    page.keyboard.press("2")
    assert _pressed(page) == ["Dog"]
    assert page.locator("button.crowd-option.selected").count() == 1
    shot(page, "image-classifier-dog-chosen")
    page.keyboard.press("Enter")
    assert _submitted(page) == [{"crowd-image-classifier": {"label": "Dog"}}]
    # submitting twice is impossible: the form stays locked until the portal loads the next task
    page.keyboard.press("Enter")
    assert len(_submitted(page)) == 1
    assert page.locator("crowd-button[form-action=submit] button").is_disabled()


def test_image_classifier_requires_a_choice(page: Any, live: Any, crowd_page: Any, shot: Any) -> None:
    body = _template("image-classification/templates/image-classification.liquid.html",
                     **{"{{ task.input.taskObject | grant_read_access }}": IMG})
    _open(page, live, crowd_page, body)
    page.wait_for_selector("button.crowd-option")
    page.keyboard.press("Enter")
    banner = page.locator("crowd-form .crowd-form-errors")
    assert banner.is_visible() and "Choose a category" in banner.inner_text()
    assert _submitted(page) == []
    shot(page, "validation-banner")
    # clicking works as well as keys; choosing clears the banner
    page.get_by_role("button", name="Bird").click()
    assert banner.count() == 0
    page.locator("crowd-button[form-action=submit] button").click()
    assert _submitted(page) == [{"crowd-image-classifier": {"label": "Bird"}}]


def test_image_multi_select_toggles_in_category_order(page: Any, live: Any, crowd_page: Any, shot: Any) -> None:
    body = _template("multilabel/templates/image-classification-multiselect.liquid.html")
    body = body.replace("https://s3.amazonaws.com/cv-demo-images/two-birds.jpg", IMG)
    _open(page, live, crowd_page, body)
    page.wait_for_selector("crowd-image-classifier-multi-select button.crowd-option-exclusion")
    assert page.locator("button.crowd-option-exclusion").inner_text().replace("\n", " ").startswith("6")
    page.keyboard.press("Enter")
    assert "Choose at least one category, or None of the above" in page.locator(".crowd-form-errors").inner_text()
    assert _submitted(page) == []
    for key in ["4", "2", "1", "2"]:  # Pig, Dog, Cat, Dog again (toggled off)
        page.keyboard.press(key)
    assert _pressed(page) == ["Cat", "Pig"]
    shot(page, "multi-select")
    page.keyboard.press("Enter")
    assert _submitted(page) == [{"animals": {"labels": ["Cat", "Pig"]}}]


def test_image_multi_select_exclusion(page: Any, live: Any, crowd_page: Any, shot: Any) -> None:
    body = _template("multilabel/templates/image-classification-multiselect.liquid.html")
    _open(page, live, crowd_page, body)  # the real template's S3 image (answered by the test stub)
    page.wait_for_selector("button.crowd-option-exclusion")
    page.keyboard.press("1")
    page.keyboard.press("6")  # None of the above clears the others
    assert _pressed(page) == ["None of the above"]
    page.keyboard.press("3")  # a category clears None of the above
    assert _pressed(page) == ["Horse"]
    page.keyboard.press("6")
    shot(page, "multi-select-none")
    page.keyboard.press("Enter")
    assert _submitted(page) == [{"animals": {"labels": []}}]


def test_text_classifier(page: Any, live: Any, crowd_page: Any, shot: Any) -> None:
    text = "The delivery came a day late, but the <b>support</b> team refunded the shipping at once."
    body = _template("text-classification/templates/text-classification.liquid.html",
                     **{"{{ task.input.taskObject }}": html.escape(text)})
    _open(page, live, crowd_page, body)
    page.wait_for_selector("crowd-classifier button.crowd-option")
    assert page.locator(".crowd-cls-text").inner_text().strip() == text  # escaped text shows as text
    page.keyboard.press("3")
    shot(page, "text-classifier")
    page.keyboard.press("Enter")
    assert _submitted(page) == [{"category": {"label": "Neutral"}}]


def test_sentiment_tweet_template(page: Any, live: Any, crowd_page: Any, shot: Any) -> None:
    tweet = "Just got my new bike and the first ride along the river was amazing! #happy"
    body = _template("text-classification/templates/sentiment-analysis-tweet.liquid",
                     **{"{{ task.input.taskObject }}": html.escape(tweet)})
    _open(page, live, crowd_page, body)
    page.wait_for_selector("crowd-classifier button.crowd-option")
    assert page.locator(".crowd-cls-text blockquote.twitter-tweet").inner_text().strip() == tweet
    assert len(page.locator("button.crowd-option").all()) == 4
    page.keyboard.press("1")
    shot(page, "sentiment")
    page.keyboard.press("Enter")
    assert _submitted(page) == [{"sentiment": {"label": "Positive"}}]


def test_text_multi_select(page: Any, live: Any, crowd_page: Any, shot: Any) -> None:
    text = "Great food, terrible parking, and the restaurant opens at 9."
    body = _template("multilabel/templates/text-classification-multiselect.liquid.html",
                     **{"{{ task.input.taskObject }}": html.escape(text)})
    _open(page, live, crowd_page, body)
    page.wait_for_selector("crowd-classifier-multi-select button.crowd-option-exclusion")
    page.keyboard.press("3")
    page.keyboard.press("1")
    shot(page, "text-multi-select")
    page.keyboard.press("Enter")
    assert _submitted(page) == [{"category": {"labels": ["Positive", "Neutral"]}}]


def test_verification_overlay_and_worker_comment(page: Any, live: Any, crowd_page: Any, shot: Any) -> None:
    overlay = {"bounding-box": {"labels": ["dog", "cat"], "value": [
        {"label": "dog", "left": 100, "top": 80, "width": 120, "height": 100},
        {"label": "cat", "left": 10, "top": 170, "width": 60, "height": 50}]}}
    body = (
        "<crowd-form><crowd-image-classifier name=\"verify\" src=\"" + IMG + "\" header=\"Are the boxes right?\" "
        "categories=\"['Correct', 'Incorrect']\" overlay=\"" + html.escape(json.dumps(overlay)) + "\">"
        "<short-instructions>Check every box.</short-instructions>"
        "<worker-comment header=\"What is wrong?\" placeholder=\"Explain\"></worker-comment>"
        "</crowd-image-classifier></crowd-form>")
    _open(page, live, crowd_page, body)
    page.wait_for_selector("canvas.crowd-overlay-boxes")
    # the canvas is drawn in image pixels: the dog box's left edge is coloured with the first label's colour
    # the canvas covers the scaled image; the dog box's left edge (image x=100) has the first label's colour
    pixel = page.evaluate("""() => {
        const c = document.querySelector('canvas.crowd-overlay-boxes');
        const img = document.querySelector('img.crowd-cls-image').getBoundingClientRect();
        const cr = c.getBoundingClientRect();
        const s = c.width / 320, ctx = c.getContext('2d');
        const at = (x, y) => Array.from(ctx.getImageData(Math.floor(x * s), Math.floor(y * s), 1, 1).data);
        return [Math.abs(cr.width - img.width) < 1 && Math.abs(cr.height - img.height) < 1,
                Math.abs(c.height / c.width - 240 / 320) < 0.01, at(100, 130), at(160, 130)];
    }""")
    assert pixel[0] and pixel[1]
    assert pixel[2] == [0x2C, 0xA0, 0x2C, 255] and pixel[3][3] == 0
    page.keyboard.press("2")
    comment = page.locator("crowd-image-classifier textarea")
    comment.click()
    comment.type("Box 1 is too wide")  # the digit must not change the choice
    page.keyboard.press("Enter")  # Enter in the comment is a new line, not a submission
    assert _submitted(page) == []
    comment.type("really")
    assert _pressed(page) == ["Incorrect"]
    shot(page, "verification-overlay")
    page.locator("h2.crowd-cls-header").click()
    page.keyboard.press("Enter")
    assert _submitted(page) == [{"verify": {"label": "Incorrect", "workerComment": "Box 1 is too wide\nreally"}}]


def test_segmentation_overlay(page: Any, live: Any, crowd_page: Any, shot: Any) -> None:
    mask = Image.new("RGBA", (320, 240), (0, 0, 0, 0))
    ImageDraw.Draw(mask).ellipse([107, 80, 213, 180], fill=(255, 127, 14, 255))
    buf = io.BytesIO()
    mask.save(buf, format="PNG")
    src = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    overlay = {"semantic-segmentation": {"src": src}}
    body = ("<crowd-form><crowd-image-classifier name=\"verify\" src=\"" + IMG + "\" header=\"Is the mask right?\" "
            "categories='[\"Correct\", \"Incorrect\"]' overlay=\"" + html.escape(json.dumps(overlay)) + "\">"
            "</crowd-image-classifier></crowd-form>")
    _open(page, live, crowd_page, body)
    page.wait_for_selector("img.crowd-overlay-mask")
    box = page.eval_on_selector("img.crowd-overlay-mask", "m => { const r = m.getBoundingClientRect(); "
                                "const i = document.querySelector('img.crowd-cls-image').getBoundingClientRect(); "
                                "return [r.width - i.width, r.height - i.height, getComputedStyle(m).opacity]; }")
    assert box == [0, 0, "0.5"]
    page.keyboard.press("1")
    shot(page, "segmentation-overlay")
    page.keyboard.press("Enter")
    assert _submitted(page) == [{"verify": {"label": "Correct"}}]


# ---------------------------------------------------------------- entities

NER_TEXT = "😀 Ada met Ada Lovelace at Acme Corp in London.\nAda  Lovelace wrote notes."
NER_LABELS = [{"label": "Person", "shortDisplayName": "PER"}, {"label": "Organization", "shortDisplayName": "ORG"},
              {"label": "Location", "shortDisplayName": "LOC"}]


def _u16(text: str, index: int) -> int:
    """A Python (code point) index as a UTF-16 offset, the unit Ground Truth's offsets use."""
    return len(text[:index].encode("utf-16-le")) // 2


def _u16_span(text: str, needle: str, occurrence: int = 0) -> tuple[int, int]:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(needle, start + 1)
    return _u16(text, start), _u16(text, start + len(needle))


def _slice_u16(text: str, start: int, end: int) -> str:
    data = text.encode("utf-16-le")
    return data[start * 2:end * 2].decode("utf-16-le")


def _rects(page: Any, needle: str, occurrence: int = 0) -> dict[str, float]:
    """Where the worker must press the mouse to select `needle` (its n-th occurrence) in the rendered text."""
    return page.evaluate("""([needle, occurrence]) => {
        const box = document.querySelector('.crowd-ner-text');
        const walker = document.createTreeWalker(box, NodeFilter.SHOW_TEXT);
        let seen = 0;
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            let at = node.data.indexOf(needle);
            while (at >= 0) {
                if (seen++ === occurrence) {
                    const r = document.createRange();
                    r.setStart(node, at); r.setEnd(node, at + 1);
                    const first = r.getBoundingClientRect();
                    r.setStart(node, at + needle.length - 1); r.setEnd(node, at + needle.length);
                    const last = r.getBoundingClientRect();
                    return {x1: first.left + 1, y1: first.top + first.height / 2,
                            x2: last.right - 1, y2: last.top + last.height / 2};
                }
                at = node.data.indexOf(needle, at + 1);
            }
        }
        return null;
    }""", [needle, occurrence])


def _drag(page: Any, needle: str, occurrence: int = 0) -> None:
    r = _rects(page, needle, occurrence)
    assert r, needle
    page.mouse.move(r["x1"], r["y1"])
    page.mouse.down()
    page.mouse.move((r["x1"] + r["x2"]) / 2, r["y2"], steps=3)
    page.mouse.move(r["x2"], r["y2"], steps=3)
    page.mouse.up()


def _ner_page(page: Any, live: Any, crowd_page: Any, text: str = NER_TEXT, labels: Any = None) -> Any:
    body = _template("ner/templates/named-entity-recognition.liquid.html", **{
        "{{ task.input.labels | to_json | escape }}": html.escape(json.dumps(NER_LABELS if labels is None else labels)),
        "{{ task.input.taskObject }}": html.escape(text)})
    _open(page, live, crowd_page, body)
    page.wait_for_selector("crowd-entity-annotation .crowd-ner-text")
    return page


def test_entity_annotation_mouse_and_keys(page: Any, live: Any, crowd_page: Any, shot: Any) -> None:
    _ner_page(page, live, crowd_page)
    # Ground Truth's NER template has no crowd-form: one is wrapped around the page, with a submit button
    assert page.locator("crowd-form crowd-entity-annotation").count() == 1
    assert page.locator("crowd-form crowd-button[form-action=submit]").count() == 1
    shot(page, "ner-empty")

    r = _rects(page, "Ada", 1)  # the second "Ada", after an emoji (2 UTF-16 units) and a first "Ada"
    page.mouse.dblclick((r["x1"] + r["x2"]) / 2, r["y1"])
    page.keyboard.press("1")
    _drag(page, "Acme Corp")
    page.keyboard.press("2")
    _drag(page, " London")  # the leading space is trimmed
    page.locator("button.crowd-ner-label", has_text="Location").click()
    assert page.locator("mark.crowd-entity").count() == 3
    assert page.locator("mark.crowd-entity .crowd-entity-tag").all_inner_texts()[0].startswith("PER")
    shot(page, "ner-tagged")
    page.keyboard.press("Enter")
    got = _submitted(page)
    spans = [("Person", _u16_span(NER_TEXT, "Ada", 1)), ("Organization", _u16_span(NER_TEXT, "Acme Corp")),
             ("Location", _u16_span(NER_TEXT, "London"))]
    expected = [{"label": label, "startOffset": start, "endOffset": end} for label, (start, end) in spans]
    assert got == [{"entities": {"entities": expected}}]
    assert expected[0]["startOffset"] == 11  # 😀 is two UTF-16 code units
    assert [_slice_u16(NER_TEXT, e["startOffset"], e["endOffset"]) for e in expected] == ["Ada", "Acme Corp", "London"]


def test_entity_annotation_edit_and_remove(page: Any, live: Any, crowd_page: Any, shot: Any) -> None:
    _ner_page(page, live, crowd_page)
    # a selection across a line break and a double space, after tagged spans (their tags are not text)
    _drag(page, "Ada", 0)
    page.keyboard.press("1")
    _drag(page, "Ada  Lovelace")
    page.keyboard.press("1")
    _drag(page, "Ada Lovelace")
    page.keyboard.press("1")
    # overlapping an existing span replaces it: "Lovelace" alone as an organisation
    _drag(page, "Lovelace", 0)
    page.keyboard.press("2")
    assert page.locator("mark.crowd-entity").count() == 3
    # click a span, change its label with a key, then remove another with Delete and the third with its ✕
    page.locator("mark.crowd-entity").nth(0).click(position={"x": 3, "y": 8})
    assert page.locator("mark.crowd-entity.selected").count() == 1
    page.keyboard.press("3")
    value = page.evaluate("document.querySelector('crowd-entity-annotation').value")
    assert [e["label"] for e in value["entities"]] == ["Location", "Organization", "Person"]
    page.locator("mark.crowd-entity").nth(1).click(position={"x": 3, "y": 8})
    shot(page, "ner-span-selected")
    page.keyboard.press("Delete")
    page.locator("mark.crowd-entity").nth(1).locator("button.crowd-entity-remove").click()
    assert page.locator("mark.crowd-entity").count() == 1
    page.keyboard.press("Enter")
    start, end = _u16_span(NER_TEXT, "Ada", 0)
    assert _submitted(page) == [{"entities": {"entities": [{"label": "Location", "startOffset": start,
                                                              "endOffset": end}]}}]


def test_entity_annotation_initial_value(page: Any, live: Any, crowd_page: Any, shot: Any) -> None:
    text = "Grace Hopper joined Remington Rand in 1949."
    initial = [{"label": "Organization", "startOffset": 20, "endOffset": 34},
               {"label": "Person", "startOffset": 0, "endOffset": 12}]
    body = ("<crowd-entity-annotation name=\"ner\" header=\"Review the entities\" labels=\"" +
            html.escape(json.dumps(["Person", "Organization"])) + "\" text=\"" + html.escape(text) +
            "\" initial-value=\"" + html.escape(json.dumps(initial)) + "\"></crowd-entity-annotation>")
    _open(page, live, crowd_page, body)
    page.wait_for_selector("mark.crowd-entity")
    marks = page.eval_on_selector_all("mark.crowd-entity", "ms => ms.map(m => m.firstChild.data)")
    assert marks == ["Grace Hopper", "Remington Rand"]
    shot(page, "ner-initial-value")
    _drag(page, "1949")
    page.keyboard.press("2")  # label 2 of plain-string labels
    page.keyboard.press("Enter")
    assert _submitted(page) == [{"ner": {"entities": [
        {"label": "Person", "startOffset": 0, "endOffset": 12},
        {"label": "Organization", "startOffset": 20, "endOffset": 34},
        {"label": "Organization", "startOffset": 38, "endOffset": 42}]}}]



def _cursor(page: Any) -> dict[str, Any]:
    """What the keyboard cursor shows: the cursor word, the keyboard selection and the answer so far."""
    return page.evaluate("""() => ({
        cursor: Array.from(document.querySelectorAll('.crowd-ner-cursor'), e => e.textContent).join(''),
        selection: Array.from(document.querySelectorAll('.crowd-ner-kbsel'), e => e.textContent).join(''),
        entities: document.querySelector('crowd-entity-annotation').value.entities,
    })""")


def test_entity_annotation_keyboard_only(page: Any, live: Any, crowd_page: Any, shot: Any) -> None:
    text = "Ada Lovelace wrote the first program in London."
    _ner_page(page, live, crowd_page, text, labels=["person", "place"])
    hint = page.locator(".crowd-ner-hint").inner_text()
    assert "← → move" in hint and "Shift+← → extend" in hint and "1–9 tag" in hint and "Del remove" in hint
    assert _cursor(page) == {"cursor": "", "selection": "", "entities": []}  # no word until the first arrow

    page.keyboard.press("ArrowRight")
    assert _cursor(page)["cursor"] == "Ada"
    page.keyboard.press("Shift+ArrowRight")
    assert _cursor(page) == {"cursor": "Lovelace", "selection": "Ada Lovelace", "entities": []}
    shot(page, "ner-keyboard-selection")
    page.keyboard.press("1")
    person = {"label": "person", "startOffset": 0, "endOffset": 12}
    assert _cursor(page) == {"cursor": "Lovelace", "selection": "", "entities": [person]}

    for _ in range(6):
        page.keyboard.press("ArrowRight")
    assert _cursor(page)["cursor"] == "London."
    page.keyboard.press("2")  # the trailing period is not part of the place
    place = {"label": "place", "startOffset": 40, "endOffset": 46}
    assert _cursor(page)["entities"] == [person, place]
    marks = page.eval_on_selector_all("mark.crowd-entity", "ms => ms.map(m => m.textContent.slice(0, m.textContent"
                                      ".length - m.querySelector('.crowd-entity-tag').textContent.length))")
    assert marks == ["Ada Lovelace", "London"]
    shot(page, "ner-keyboard-tagged")

    page.keyboard.press("ArrowLeft")  # onto "in", which is not tagged: Delete there changes nothing
    assert _cursor(page) == {"cursor": "in", "selection": "", "entities": [person, place]}
    page.keyboard.press("Delete")
    page.keyboard.press("Backspace")
    assert _cursor(page) == {"cursor": "in", "selection": "", "entities": [person, place]}
    assert page.evaluate("[scrollX, scrollY]") == [0, 0]
    page.keyboard.press("Enter")
    assert _submitted(page) == [{"entities": {"entities": [person, place]}}]


def test_entity_annotation_keyboard_delete_and_guards(page: Any, live: Any, crowd_page: Any, shot: Any) -> None:
    text = "Grace Hopper met (Alan Turing) in Bletchley Park, England."
    body = ("<crowd-form><crowd-input name=\"note\" label=\"Note\"></crowd-input>"
            "<crowd-entity-annotation name=\"ner\" labels='[\"person\", \"place\"]' text=\"" + html.escape(text) +
            "\"></crowd-entity-annotation></crowd-form>"
            "<div style=\"width: 2400px; height: 2400px\"></div>")  # arrow keys would scroll this page
    _open(page, live, crowd_page, body)
    page.wait_for_selector("crowd-entity-annotation .crowd-ner-text")
    england = {"label": "place", "startOffset": 50, "endOffset": 57}
    alan = {"label": "person", "startOffset": 18, "endOffset": 29}
    page.keyboard.press("ArrowLeft")  # the first ← starts on the last word
    assert _cursor(page)["cursor"] == "England."
    page.keyboard.press("2")
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    page.keyboard.press("Shift+ArrowRight")
    assert _cursor(page)["selection"] == "(Alan Turing)"
    page.keyboard.press("1")  # the brackets around the name are trimmed
    assert _cursor(page) == {"cursor": "Turing)", "selection": "", "entities": [alan, england]}
    assert page.evaluate("[scrollX, scrollY]") == [0, 0]

    # Delete removes the span under the cursor; with none there, Backspace does nothing
    page.keyboard.press("Delete")
    assert _cursor(page)["entities"] == [england]
    page.keyboard.press("Backspace")
    assert _cursor(page)["entities"] == [england]
    page.keyboard.press("Shift+ArrowLeft")  # extends leftwards from the anchor
    assert _cursor(page)["selection"] == "(Alan Turing)"
    page.keyboard.press("1")
    assert _cursor(page)["entities"] == [alan, england]

    # a mouse selection wins over the keyboard cursor
    _drag(page, "Bletchley Park")
    page.keyboard.press("2")
    bletchley = {"label": "place", "startOffset": 34, "endOffset": 48}
    assert _cursor(page) == {"cursor": "(Alan", "selection": "", "entities": [alan, bletchley, england]}
    shot(page, "ner-keyboard-cursor-and-mouse")
    page.keyboard.press("Escape")  # clears the cursor
    assert _cursor(page)["cursor"] == ""

    # arrows and digits typed in a field are the field's
    page.locator("crowd-input input").click()
    page.keyboard.type("ab")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("1")
    page.keyboard.press("ArrowRight")
    assert _cursor(page) == {"cursor": "", "selection": "", "entities": [alan, bletchley, england]}
    assert page.evaluate("[scrollX, scrollY]") == [0, 0]
    page.keyboard.press("Enter")
    assert _submitted(page) == [{"note": "a1b", "ner": {"entities": [alan, bletchley, england]}}]

# ---------------------------------------------------------------- form elements


def test_form_elements(page: Any, live: Any, crowd_page: Any, shot: Any) -> None:
    body = """
    <crowd-form>
      <crowd-instructions link-text="View instructions" title="How to answer">
        <short-summary><p>Answer every question.</p></short-summary>
        <detailed-instructions><p>Read the text, then answer.</p></detailed-instructions>
        <positive-example><p>A full sentence.</p></positive-example>
        <negative-example><p>One word.</p></negative-example>
      </crowd-instructions>
      <crowd-alert type="info">Your answers are anonymous.</crowd-alert>
      <crowd-input name="title" label="Title" required></crowd-input>
      <crowd-text-area name="notes" label="Notes" rows="2" char-counter max-length="200"></crowd-text-area>
      <crowd-checkbox name="agree" required>I read the text</crowd-checkbox>
      <crowd-radio-group>
        <crowd-radio-button name="yes" value="yes">Yes</crowd-radio-button>
        <crowd-radio-button name="no" value="no">No</crowd-radio-button>
      </crowd-radio-group>
      <input type="hidden" name="source" value="test">
    </crowd-form>"""
    _open(page, live, crowd_page, body)
    page.wait_for_selector("crowd-button[form-action=submit] button")
    page.locator("crowd-instructions button").click()
    modal = page.locator(".crowd-modal")
    assert "Read the text, then answer." in modal.inner_text() and "One word." in modal.inner_text()
    shot(page, "instructions-modal")
    page.keyboard.press("Escape")
    assert modal.count() == 0

    page.locator("crowd-alert").click()  # the instructions link keeps the focus (Enter there reopens them)
    page.keyboard.press("Enter")
    errors = page.locator(".crowd-form-errors").inner_text()
    assert "Title" in errors and "I read the text" in errors
    assert _submitted(page) == []
    shot(page, "form-errors")

    page.locator("crowd-input input").fill("A title")
    page.locator("crowd-text-area textarea").fill("line 1")
    page.locator("crowd-checkbox input").check()
    page.locator("crowd-radio-button[name=no] input").check()
    page.locator("crowd-radio-button[name=yes] input").check()
    assert page.locator("crowd-radio-button[name=no] input").is_checked() is False
    shot(page, "form-filled")
    page.locator("crowd-input input").press("Enter")  # Enter in a one-line field submits
    assert _submitted(page) == [{
        "title": "A title", "notes": "line 1", "agree": {"on": True},
        "yes": {"yes": True}, "no": {"no": False}, "source": "test"}]


def test_submit_can_be_cancelled_and_posts_to_parent(page: Any, live: Any, crowd_page: Any) -> None:
    inner = ("<!doctype html><html><head><script src='/crowd-html-elements.js'></script></head><body>"
             "<crowd-form><crowd-classifier name='c' categories=\"['A', 'B']\">"
             "<classification-target>Pick one</classification-target></crowd-classifier></crowd-form></body></html>")
    # Activity pings (the portal keeps the lease alive with them) are not answers: only submissions are kept.
    body = ("<script>window.__messages = []; addEventListener('message', e => "
            "e.data.type !== 'crowd-activity' && window.__messages.push(e.data));"
            "</script><iframe id='task' style='width:900px;height:500px' srcdoc=\"" + html.escape(inner) + "\">"
            "</iframe>")
    _open(page, live, crowd_page, body)
    frame = page.frame_locator("#task")
    frame.locator("button.crowd-option").first.wait_for()
    task = page.frames[1]
    # a template's own onsubmit handler can veto the submission (Ground Truth's crowd-form is a form)
    task.evaluate("() => { document.querySelector('crowd-form').onsubmit = "
                  "e => { if (!window.ok) e.preventDefault(); }; }")
    task.locator(".crowd-cls-text").click()  # the worker clicks into the task frame: keys go there
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    page.wait_for_timeout(200)
    assert page.evaluate("window.__messages") == []
    assert task.locator(".crowd-form-errors").count() == 0
    task.evaluate("window.ok = true")
    page.keyboard.press("Enter")
    page.wait_for_function("window.__messages.length > 0")
    assert page.evaluate("window.__messages") == [{"type": "crowd-submit", "answer": {"c": {"label": "B"}}}]
