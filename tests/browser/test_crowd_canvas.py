"""Browser tests of the drawing elements, crowd-bounding-box and crowd-semantic-segmentation: the worker draws with
the mouse and keyboard in Chromium, submits through crowd-form, and the answer is checked pixel for pixel and then
run through the server's own answer checks (normalize_answer, check_mask_answer), so what the UI sends is what the
API accepts."""

from __future__ import annotations

import base64
import io
import json
import math
from html import escape
from typing import Any

import pytest
from PIL import Image, ImageDraw

from shared.domain.answers import normalize_answer
from shared.domain.labels import LabelConfig
from shared.domain.task_types import spec_for
from shared.services.label_results import check_mask_answer

pytestmark = [pytest.mark.browser]

W, H = 200, 150
LABELS = ("Cat", "Dog")
CAT = (0x2C, 0xA0, 0x2C)  # Crowd.colorFor(0)
DOG = (0x1F, 0x77, 0xB4)  # Crowd.colorFor(1)


def _png(image: Image.Image) -> str:
    buf = io.BytesIO()
    image.save(buf, "PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode()


def scene_url() -> str:
    """A small flat-colour scene (the test page travels in a URL, so the image must stay a few hundred bytes)."""
    image = Image.new("P", (W, H))
    image.putpalette([214, 226, 238, 104, 150, 80, 196, 128, 70, 88, 84, 104] + [0] * 756)
    draw = ImageDraw.Draw(image)
    draw.rectangle([0, 105, W - 1, H - 1], fill=1)
    draw.ellipse([30, 40, 90, 100], fill=2)
    draw.rectangle([120, 30, 180, 110], fill=3)
    return "data:image/png;base64," + _png(image)


INSTRUCTIONS = ("<short-instructions><p>Box every cat and dog.</p></short-instructions>"
                "<full-instructions header='How to box'><p>Tight boxes.</p></full-instructions>")


def element_html(tag: str, name: str, initial: Any = None) -> str:
    attrs = f'name="{name}" src="{scene_url()}" labels="[\'Cat\', \'Dog\']" header="Label the animals"'
    if initial is not None:
        attrs += f' initial-value="{escape(json.dumps(initial, separators=(",", ":")))}"'
    return f"<crowd-form><{tag} {attrs}>{INSTRUCTIONS}</{tag}></crowd-form>"


def open_element(page: Any, crowd_page: Any, tag: str, name: str, initial: Any = None) -> Any:
    crowd_page(page, element_html(tag, name, initial))
    page.wait_for_function(f"() => document.querySelector('{tag}').natural && document.querySelector('{tag} "
                           f".crowd-canvas').isConnected && !document.querySelector('{tag}').initialPending")
    return page


def point(page: Any, x: float, y: float) -> tuple[float, float]:
    """Image pixel (x, y) → page point, through `.crowd-canvas`'s rect (the contract's test hook)."""
    r = page.evaluate("() => { const b = document.querySelector('.crowd-canvas').getBoundingClientRect();"
                      " return {left: b.left, top: b.top, width: b.width, height: b.height}; }")
    return r["left"] + x * r["width"] / W, r["top"] + y * r["height"] / H


def drag(page: Any, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*point(page, *start))
    page.mouse.down()
    sx, sy = start
    ex, ey = end
    for i in range(1, 6):
        page.mouse.move(*point(page, sx + (ex - sx) * i / 5, sy + (ey - sy) * i / 5))
    page.mouse.up()


def value(page: Any, tag: str) -> dict[str, Any]:
    return page.evaluate(f"() => document.querySelector('{tag}').value")


def submit(page: Any) -> dict[str, Any]:
    before = page.evaluate("() => window.__submitted.length")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => window.__submitted.length > {before}")
    return page.evaluate("() => window.__submitted[window.__submitted.length - 1]")


def close(box: dict[str, Any], expected: dict[str, Any]) -> bool:
    return box["label"] == expected["label"] and all(abs(box[k] - expected[k]) <= 1
                                                     for k in ("left", "top", "width", "height"))


def server_boxes(answer: dict[str, Any], task_type: str = "bounding-box") -> dict[str, Any]:
    return normalize_answer(spec_for(task_type), answer, LabelConfig(labels=LABELS), image_size=(W, H))


def server_mask(answer: dict[str, Any], task_type: str = "semantic-segmentation") -> Any:
    """The answer through the API's checks: normalize_answer, then check_mask_answer decodes the PNG against the
    labels → an (H, W) array of class indices (0 = background, k + 1 = label k)."""
    labels = LabelConfig(labels=LABELS)
    content = normalize_answer(spec_for(task_type), answer, labels, image_size=(W, H))
    return check_mask_answer(content, labels)


def mask_pixels(answer: dict[str, Any]) -> Image.Image:
    data = base64.b64decode(answer["labeledImage"]["pngImageData"])
    image = Image.open(io.BytesIO(data))
    assert image.format == "PNG" and image.size == (W, H)
    return image.convert("RGBA")


def colour_counts(image: Image.Image) -> dict[tuple[int, int, int, int], int]:
    return {colour: n for n, colour in image.getcolors(W * H)}


# -- crowd-bounding-box --------------------------------------------------------------------------------------


def test_draw_a_box_and_submit(page: Any, crowd_page: Any, shot: Any) -> None:
    open_element(page, crowd_page, "crowd-bounding-box", "annotatedResult")
    shot(page, "empty")
    drag(page, (30, 40), (90, 100))
    shot(page, "one box")
    answer = submit(page)
    assert list(answer) == ["annotatedResult"]
    body = answer["annotatedResult"]
    assert body["inputImageProperties"] == {"height": H, "width": W}
    assert len(body["boundingBoxes"]) == 1
    assert close(body["boundingBoxes"][0], {"label": "Cat", "left": 30, "top": 40, "width": 60, "height": 60})
    assert all(isinstance(v, int) for k, v in body["boundingBoxes"][0].items() if k != "label")
    assert "initialValueModified" not in body
    stored = server_boxes(answer)
    assert stored["boundingBoxes"] == body["boundingBoxes"]
    assert stored["inputImageProperties"] == {"width": W, "height": H}


def test_edit_boxes_with_keyboard_and_handles(page: Any, crowd_page: Any, shot: Any) -> None:
    open_element(page, crowd_page, "crowd-bounding-box", "boxes")
    page.keyboard.press("2")  # the active label: Dog
    drag(page, (120, 30), (180, 110))
    box = value(page, "crowd-bounding-box")["boundingBoxes"][0]
    assert close(box, {"label": "Dog", "left": 120, "top": 30, "width": 60, "height": 80})
    exact = dict(box)

    page.keyboard.press("ArrowLeft")
    page.keyboard.press("Shift+ArrowDown")
    moved = value(page, "crowd-bounding-box")["boundingBoxes"][0]
    assert moved == {**exact, "left": exact["left"] - 1, "top": exact["top"] + 10}

    page.keyboard.press("Alt+ArrowRight")
    page.keyboard.press("Alt+ArrowUp")
    resized = value(page, "crowd-bounding-box")["boundingBoxes"][0]
    assert resized == {**moved, "width": moved["width"] + 1, "height": moved["height"] - 1}

    page.keyboard.press("1")  # a box is selected: the key relabels it
    assert value(page, "crowd-bounding-box")["boundingBoxes"][0]["label"] == "Cat"

    # drag inside the selected box moves it; drag its south-east handle resizes it
    b = value(page, "crowd-bounding-box")["boundingBoxes"][0]
    cx, cy = b["left"] + b["width"] / 2, b["top"] + b["height"] / 2
    drag(page, (cx, cy), (cx - 20, cy - 10))
    dragged = value(page, "crowd-bounding-box")["boundingBoxes"][0]
    assert abs(dragged["left"] - (b["left"] - 20)) <= 1 and abs(dragged["top"] - (b["top"] - 10)) <= 1
    assert (dragged["width"], dragged["height"]) == (b["width"], b["height"])
    corner = (dragged["left"] + dragged["width"], dragged["top"] + dragged["height"])
    drag(page, corner, (corner[0] + 15, corner[1] + 5))
    grown = value(page, "crowd-bounding-box")["boundingBoxes"][0]
    assert (grown["left"], grown["top"]) == (dragged["left"], dragged["top"])
    assert abs(grown["width"] - (dragged["width"] + 15)) <= 1 and abs(grown["height"] - (dragged["height"] + 5)) <= 1
    shot(page, "edited")

    # a short drag makes no box; a click on empty ground deselects; a click on the box selects it again
    drag(page, (10, 10), (11, 11))
    assert len(value(page, "crowd-bounding-box")["boundingBoxes"]) == 1
    page.keyboard.press("Delete")  # nothing selected after the click on empty ground
    assert len(value(page, "crowd-bounding-box")["boundingBoxes"]) == 1
    page.mouse.click(*point(page, grown["left"] + 5, grown["top"] + 5))
    page.keyboard.press("Escape")
    page.keyboard.press("ArrowRight")  # deselected: arrows do nothing
    assert value(page, "crowd-bounding-box")["boundingBoxes"][0] == grown
    page.mouse.click(*point(page, grown["left"] + 5, grown["top"] + 5))
    page.keyboard.press("Delete")
    assert value(page, "crowd-bounding-box")["boundingBoxes"] == []

    # boxes are clamped to the image: a drag past the corner stops at the edge
    drag(page, (170, 120), (260, 200))
    edge = value(page, "crowd-bounding-box")["boundingBoxes"][0]
    assert close(edge, {"label": "Cat", "left": 170, "top": 120, "width": 30, "height": 30})
    assert edge["left"] + edge["width"] <= W and edge["top"] + edge["height"] <= H
    answer = submit(page)
    assert server_boxes(answer)["boundingBoxes"] == answer["boxes"]["boundingBoxes"]


def test_zoomed_drawing_keeps_image_coordinates(page: Any, crowd_page: Any, shot: Any) -> None:
    open_element(page, crowd_page, "crowd-bounding-box", "boxes")
    width_fit = page.evaluate("() => document.querySelector('.crowd-canvas').getBoundingClientRect().width")
    page.keyboard.press("+")
    page.keyboard.press("+")
    page.click(".crowd-zoom-in")
    width_zoomed = page.evaluate("() => document.querySelector('.crowd-canvas').getBoundingClientRect().width")
    assert width_zoomed == pytest.approx(width_fit * 1.25 ** 3, rel=0.01)
    # the view scrolled to keep the centre: draw in what is visible around the image's centre
    drag(page, (90, 65), (110, 80))
    shot(page, "zoomed")
    box = value(page, "crowd-bounding-box")["boundingBoxes"][0]
    assert close(box, {"label": "Cat", "left": 90, "top": 65, "width": 20, "height": 15})
    page.keyboard.press("-")
    page.click(".crowd-zoom-fit")
    width_back = page.evaluate("() => document.querySelector('.crowd-canvas').getBoundingClientRect().width")
    assert width_back == pytest.approx(width_fit, rel=0.01)
    drag(page, (10, 10), (40, 30))
    boxes = value(page, "crowd-bounding-box")["boundingBoxes"]
    assert close(boxes[1], {"label": "Cat", "left": 10, "top": 10, "width": 30, "height": 20})
    assert boxes[0] == box


def test_initial_value_is_drawn_and_edits_are_reported(page: Any, crowd_page: Any, shot: Any) -> None:
    initial = [{"label": "Dog", "left": 120, "top": 30, "width": 61, "height": 81},
               {"label": "Cat", "left": 30, "top": 40, "width": 61, "height": 61}]
    open_element(page, crowd_page, "crowd-bounding-box", "crowd-bounding-box", initial)
    shot(page, "pre-drawn")
    assert page.locator("crowd-bounding-box .crowd-box").count() == 2
    start = value(page, "crowd-bounding-box")
    assert start["boundingBoxes"] == initial and start["initialValueModified"] is False
    page.mouse.click(*point(page, 35, 45))
    page.keyboard.press("ArrowRight")
    changed = value(page, "crowd-bounding-box")
    assert changed["initialValueModified"] is True
    assert changed["boundingBoxes"][1] == {**initial[1], "left": 31}
    page.keyboard.press("ArrowLeft")
    assert value(page, "crowd-bounding-box")["initialValueModified"] is False
    page.keyboard.press("Backspace")
    answer = submit(page)
    body = answer["crowd-bounding-box"]
    assert body["boundingBoxes"] == initial[:1] and body["initialValueModified"] is True
    stored = server_boxes(answer, "adjustment-bounding-box")
    assert stored["initialValueModified"] is True and stored["boundingBoxes"] == initial[:1]


def test_an_image_with_no_object_is_a_valid_answer(page: Any, crowd_page: Any) -> None:
    open_element(page, crowd_page, "crowd-bounding-box", "boxes")
    answer = submit(page)
    assert answer == {"boxes": {"boundingBoxes": [], "inputImageProperties": {"height": H, "width": W}}}
    assert server_boxes(answer)["boundingBoxes"] == []


# -- crowd-semantic-segmentation -----------------------------------------------------------------------------


def polygon(page: Any, vertices: list[tuple[int, int]]) -> None:
    for x, y in vertices:
        page.mouse.click(*point(page, x, y))


def brush_point(page: Any, x: int, y: int) -> tuple[float, float, float, float]:
    """A page point whose image coordinate is exact: integral page coordinates, mapped back through the rect."""
    r = page.evaluate("() => { const b = document.querySelector('.crowd-canvas').getBoundingClientRect();"
                      " return {left: b.left, top: b.top, width: b.width, height: b.height}; }")
    px = round(r["left"] + x * r["width"] / W)
    py = round(r["top"] + y * r["height"] / H)
    return px, py, (px - r["left"]) * W / r["width"], (py - r["top"]) * H / r["height"]


def disc(cx: float, cy: float, r: float) -> set[tuple[int, int]]:
    return {(x, y) for y in range(H) for x in range(W) if (x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 <= r * r}


def painted(image: Image.Image, colour: tuple[int, int, int]) -> set[tuple[int, int]]:
    px = image.load()
    return {(x, y) for y in range(H) for x in range(W) if px[x, y] == (*colour, 255)}


def test_polygon_fill_is_exact_and_accepted_by_the_server(page: Any, crowd_page: Any, shot: Any) -> None:
    open_element(page, crowd_page, "crowd-semantic-segmentation", "crowd-semantic-segmentation")
    shot(page, "empty")
    page.keyboard.press("p")
    polygon(page, [(10, 10), (40, 10), (40, 30), (10, 30)])
    page.keyboard.press("Enter")  # closes the polygon (it does not submit while one is open)
    assert page.evaluate("() => window.__submitted.length") == 0
    shot(page, "rectangle")
    answer = submit(page)
    body = answer["crowd-semantic-segmentation"]
    assert body["labelMappings"] == {"Cat": {"color": "#2ca02c"}}
    assert body["inputImageProperties"] == {"height": H, "width": W}
    assert not body["labeledImage"]["pngImageData"].startswith("data:")
    image = mask_pixels(body)
    assert colour_counts(image) == {(*CAT, 255): 600, (0, 0, 0, 0): W * H - 600}
    assert painted(image, CAT) == {(x, y) for x in range(10, 40) for y in range(10, 30)}
    classes = server_mask(answer)
    assert classes.shape == (H, W) and int((classes == 1).sum()) == 600 and int((classes == 2).sum()) == 0


def test_polygon_closes_on_its_first_vertex_or_a_double_click(page: Any, crowd_page: Any) -> None:
    open_element(page, crowd_page, "crowd-semantic-segmentation", "seg")
    page.keyboard.press("p")
    polygon(page, [(100, 20), (140, 20), (100, 60), (100, 20)])  # a right triangle closed on its first vertex
    triangle = painted(mask_pixels(value(page, "crowd-semantic-segmentation")), CAT)
    expected = {(x, y) for y in range(20, 60) for x in range(100, 140) if (x + 0.5 - 100) + (y + 0.5 - 20) < 40}
    assert triangle == expected
    page.keyboard.press("2")
    polygon(page, [(150, 100), (190, 100), (190, 140)])
    page.mouse.dblclick(*point(page, 150, 140))
    image = mask_pixels(value(page, "crowd-semantic-segmentation"))
    assert painted(image, DOG) == {(x, y) for x in range(150, 190) for y in range(100, 140)}
    page.keyboard.press("Escape")
    polygon(page, [(10, 10), (50, 10), (50, 50)])
    page.keyboard.press("Escape")  # cancelled: nothing painted
    assert painted(mask_pixels(value(page, "crowd-semantic-segmentation")), DOG) == painted(image, DOG)


def test_brush_eraser_undo_redo_and_two_classes(page: Any, crowd_page: Any, shot: Any) -> None:
    open_element(page, crowd_page, "crowd-semantic-segmentation", "seg")
    radius = page.evaluate("() => document.querySelector('crowd-semantic-segmentation').radius")
    page.keyboard.press("]")
    page.keyboard.press("]")
    radius += 2
    assert page.evaluate("() => document.querySelector('crowd-semantic-segmentation').radius") == radius
    page.keyboard.press("b")
    px, py, cx, cy = brush_point(page, 60, 70)
    page.mouse.click(px, py)
    dot = disc(cx, cy, radius)
    image = mask_pixels(value(page, "crowd-semantic-segmentation"))
    assert painted(image, CAT) == dot
    assert colour_counts(image) == {(*CAT, 255): len(dot), (0, 0, 0, 0): W * H - len(dot)}

    # a stroke: every pixel centre within r of the path between pointer events, no gaps
    page.keyboard.press("2")
    ax, ay, sx, sy = brush_point(page, 120, 40)
    bx, by, ex, ey = brush_point(page, 180, 40)
    page.mouse.move(ax, ay)
    page.mouse.down()
    page.mouse.move(bx, by)  # one jump: the element interpolates
    page.mouse.up()
    stroke = {(x, y) for y in range(H) for x in range(W)
              if _segment_distance(x + 0.5, y + 0.5, (sx, sy), (ex, ey)) <= radius}
    image = mask_pixels(value(page, "crowd-semantic-segmentation"))
    assert painted(image, DOG) == stroke and painted(image, CAT) == dot
    shot(page, "two classes")
    two = value(page, "crowd-semantic-segmentation")
    assert two["labelMappings"] == {"Cat": {"color": "#2ca02c"}, "Dog": {"color": "#1f77b4"}}
    classes = server_mask({"seg": two})
    assert int((classes == 1).sum()) == len(dot) and int((classes == 2).sum()) == len(stroke)

    # the eraser clears a disc of the stroke
    page.keyboard.press("e")
    px, py, cx, cy = brush_point(page, 150, 40)
    page.mouse.click(px, py)
    erased = stroke - disc(cx, cy, radius)
    assert painted(mask_pixels(value(page, "crowd-semantic-segmentation")), DOG) == erased

    # undo the eraser, then the stroke; redo the stroke
    page.keyboard.press("Control+z")
    assert painted(mask_pixels(value(page, "crowd-semantic-segmentation")), DOG) == stroke
    page.click(".crowd-undo")
    after_undo = value(page, "crowd-semantic-segmentation")
    assert painted(mask_pixels(after_undo), DOG) == set() and after_undo["labelMappings"] == {
        "Cat": {"color": "#2ca02c"}}
    page.keyboard.press("Control+Shift+Z")
    assert painted(mask_pixels(value(page, "crowd-semantic-segmentation")), DOG) == stroke

    # painting one class over another replaces it
    page.keyboard.press("1")
    page.keyboard.press("p")
    polygon(page, [(130, 30), (140, 30), (140, 50), (130, 50)])
    page.keyboard.press("Enter")
    page.click(".crowd-zoom-in")
    shot(page, "zoomed")
    answer = submit(page)
    image = mask_pixels(answer["seg"])
    block = {(x, y) for x in range(130, 140) for y in range(30, 50)}
    assert painted(image, CAT) == dot | block and painted(image, DOG) == stroke - block
    assert set(colour_counts(image)) == {(*CAT, 255), (*DOG, 255), (0, 0, 0, 0)}
    classes = server_mask(answer)
    assert int((classes == 1).sum()) == len(dot | block)


def _segment_distance(px: float, py: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    length2 = dx * dx + dy * dy
    t = 0.0 if not length2 else max(0.0, min(1.0, ((px - a[0]) * dx + (py - a[1]) * dy) / length2))
    return math.hypot(px - (a[0] + t * dx), py - (a[1] + t * dy))


def test_segmentation_zoom_keeps_image_coordinates(page: Any, crowd_page: Any) -> None:
    open_element(page, crowd_page, "crowd-semantic-segmentation", "seg")
    for _ in range(3):
        page.keyboard.press("+")
    page.keyboard.press("p")
    polygon(page, [(90, 65), (110, 65), (110, 80), (90, 80)])
    page.keyboard.press("Enter")
    image = mask_pixels(value(page, "crowd-semantic-segmentation"))
    assert painted(image, CAT) == {(x, y) for x in range(90, 110) for y in range(65, 80)}


def test_segmentation_initial_value(page: Any, crowd_page: Any, shot: Any) -> None:
    """Adjustment: the prior mask (GT's consolidated form: RGB, white background) is pre-painted and editable."""
    prior = Image.new("RGB", (W, H), (255, 255, 255))
    draw = ImageDraw.Draw(prior)
    draw.rectangle([20, 20, 59, 49], fill=(0xFF, 0x7F, 0x0E))  # Cat, in the prior job's colour
    draw.rectangle([120, 30, 179, 109], fill=(0x1F, 0x77, 0xB4))  # Dog
    initial = {"src": "data:image/png;base64," + _png(prior.convert("P", palette=Image.Palette.ADAPTIVE, colors=4)),
               "labelMappings": {"Cat": {"color": "#ff7f0e"}, "Dog": {"color": "#1f77b4"}}}
    open_element(page, crowd_page, "crowd-semantic-segmentation", "crowd-semantic-segmentation", initial)
    shot(page, "prior mask")
    start = value(page, "crowd-semantic-segmentation")
    assert start["initialValueModified"] is False
    assert start["labelMappings"] == {"Cat": {"color": "#ff7f0e"}, "Dog": {"color": "#1f77b4"}}
    image = mask_pixels(start)
    assert painted(image, (0xFF, 0x7F, 0x0E)) == {(x, y) for x in range(20, 60) for y in range(20, 50)}
    assert len(painted(image, DOG)) == 60 * 80
    page.keyboard.press("e")
    px, py, _, _ = brush_point(page, 30, 30)
    page.mouse.click(px, py)
    assert value(page, "crowd-semantic-segmentation")["initialValueModified"] is True
    page.keyboard.press("Control+z")
    assert value(page, "crowd-semantic-segmentation")["initialValueModified"] is False
    page.keyboard.press("Control+Shift+z")
    answer = submit(page)
    body = answer["crowd-semantic-segmentation"]
    assert body["initialValueModified"] is True
    classes = server_mask(answer, "adjustment-semantic-segmentation")
    assert 0 < int((classes == 1).sum()) < 40 * 30 and int((classes == 2).sum()) == 60 * 80
