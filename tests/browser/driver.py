"""What the browser tests do over and over: make images and manifests, create jobs over REST, open a task in the
portal's workspace, and read the output manifest back."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from shared.domain.gt_reader import PriorLabel, read_label

TASK_FRAME = "iframe"


def make_image(path: Path, size: tuple[int, int] = (200, 150), color: str = "#3a7bd5",
               shape: tuple[int, int, int, int] | None = (50, 40, 120, 100)) -> str:
    """A PNG with a filled rectangle on a light background; returns its file:// URI."""
    image = Image.new("RGB", size, "#f4f4f4")
    if shape:
        ImageDraw.Draw(image).rectangle(shape, fill=color)
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path)
    return path.resolve().as_uri()


def write_manifest(path: Path, lines: list[dict[str, Any]]) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path.resolve().as_uri()


def create_job(live: Any, **spec: Any) -> dict[str, Any]:
    body = {"workers_per_object": 1, "price_per_task_usd": "0.036", **spec}
    r = live.api("POST", "/api/v1/jobs", json=body)
    assert r.status_code == 201, r.text
    job = r.json()
    wait_ready(live, job["name"])
    return job


def wait_ready(live: Any, job: str, timeout: float = 30) -> None:
    """Until the manifest is ingested and tasks are open."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        view = live.api("GET", f"/api/v1/jobs/{job}").json()
        if view["status"] == "InProgress" and view["objects_by_state"].get("open", 0):
            return
        time.sleep(0.2)
    raise AssertionError(f"job {job} never opened tasks: {view}")


def sign_in(page: Any, invite_url: str) -> None:
    """Open the invitation link and wait for the home page (the sign-in page itself is under /portal/ too)."""
    page.goto(invite_url)
    page.wait_for_url(re.compile(r"/portal/$"))


def open_task(page: Any, live: Any, job_id: int) -> Any:
    """The workspace for one job, once its first task's element is on screen; returns the task frame."""
    page.goto(f"{live.url}/portal/work?job={job_id}")
    return next_task(page)


def next_task(page: Any, element: str = "[name]") -> Any:
    frame = page.frame_locator(TASK_FRAME)
    try:
        frame.locator(element).first.wait_for(state="visible", timeout=15_000)
    except Exception as exc:
        raise AssertionError(f"the task never showed: {_workspace_state(page, element)}") from exc
    # The workspace moves the keyboard focus into the frame once it has loaded; keys pressed before that would
    # go to the workspace page instead of the task.
    deadline = time.monotonic() + 10
    while not frame.locator("html").evaluate("() => document.hasFocus()"):
        assert time.monotonic() < deadline, "the task frame never received the keyboard focus"
        time.sleep(0.05)
    return frame


def _workspace_state(page: Any, element: str) -> str:
    """What the workspace looked like when a task did not show, for the failure message."""
    outer = page.evaluate("""() => {
        const f = document.querySelector('iframe'); const r = f ? f.getBoundingClientRect() : null;
        return {frame: f ? {hidden: f.hidden, w: r.width, h: r.height, srcdoc: (f.srcdoc || '').length} : null,
                text: document.body.innerText.slice(0, 300)};
    }""")
    inner = [f.evaluate(f"""() => {{ const e = document.querySelector({element!r});
        const r = e ? e.getBoundingClientRect() : null;
        return {{url: location.href, ready: document.readyState, element: !!e, w: r && r.width, h: r && r.height,
                 body: document.body ? document.body.innerHTML.length : -1,
                 defined: !!customElements.get('crowd-form')}}; }}""") for f in page.frames[1:]]
    return f"{outer} {inner}"


def output_records(live: Any, job: str) -> list[dict[str, Any]]:
    live.wait_job(job, timeout=90)
    r = live.api("GET", f"/api/v1/jobs/{job}/output")
    assert r.status_code == 200, r.text
    return [json.loads(line) for line in r.text.splitlines() if line.strip()]


def labels_of(records: list[dict[str, Any]], attribute: str) -> list[PriorLabel]:
    found = [read_label(record, attribute) for record in records]
    assert all(found), f"a line lacks {attribute}: {records}"
    return found  # type: ignore[return-value]


def image_point(page: Any, frame: Any, x: float, y: float, natural: tuple[int, int]) -> tuple[float, float]:
    """Image pixel (x, y) → a page coordinate over the element's `.crowd-canvas`."""
    box = frame.locator(".crowd-canvas").first.bounding_box()
    assert box, "the drawing surface is not visible"
    return box["x"] + x * box["width"] / natural[0], box["y"] + y * box["height"] / natural[1]


def text_range_rect(frame: Any, selector: str, start: int, end: int) -> dict[str, float]:
    """The page rectangle of characters [start, end) of the text under `selector` (walking its text nodes)."""
    rect = frame.locator(selector).first.evaluate(
        """(root, [start, end]) => {
            const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
            let pos = 0, range = document.createRange(), startSet = false, node;
            while ((node = walker.nextNode())) {
                const len = node.data.length;
                if (!startSet && start < pos + len) { range.setStart(node, start - pos); startSet = true; }
                if (startSet && end <= pos + len) { range.setEnd(node, end - pos); break; }
                pos += len;
            }
            const r = range.getBoundingClientRect();
            return {x: r.left, y: r.top, width: r.width, height: r.height};
        }""", [start, end])
    offset = frame.locator(":root").bounding_box() or {"x": 0, "y": 0}
    return {**rect, "x": rect["x"] + offset["x"], "y": rect["y"] + offset["y"]}


def select_text(page: Any, frame: Any, start: int, end: int, selector: str = "crowd-entity-annotation .crowd-ner-text"
                ) -> None:
    """Drag the mouse across characters [start, end) of an entity-annotation text, as a labeler selects words."""
    rect = text_range_rect(frame, selector, start, end)
    middle = rect["y"] + rect["height"] / 2
    page.mouse.move(rect["x"] + 1, middle)
    page.mouse.down()
    page.mouse.move(rect["x"] + rect["width"] - 1, middle, steps=5)
    page.mouse.up()


def click_polygon(page: Any, frame: Any, corners: list[tuple[int, int]], size: tuple[int, int]) -> None:
    """The segmentation tool's polygon: P, a click on each corner, and a click on the first one to close it."""
    page.keyboard.press("p")
    for x, y in [*corners, corners[0]]:
        page.mouse.click(*image_point(page, frame, x, y, size))
