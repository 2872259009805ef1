"""The requester console in a real browser: sign in with an API key, create a job by uploading a manifest (the
API's validation errors shown next to their fields), watch it on the jobs list and the job page while a labeler
answers through the REST API, see the consolidated labels in the gallery, download the output manifest, and stop
a job."""

from __future__ import annotations

import base64
import json
import re
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Live

pytestmark = [pytest.mark.browser]

LABELS = ["Positive", "Negative", "Neutral"]
REVIEWS = ["Loved it, would buy again.", "Broke after two days.", "It is a phone case."]
ANSWERS = {REVIEWS[0]: "Positive", REVIEWS[1]: "Negative", REVIEWS[2]: "Neutral"}
# Chromium logs every failed request as a console error; the tests that provoke an API error on purpose accept
# exactly those and nothing else.
EXPECTED_HTTP_ERROR = re.compile(r"Failed to load resource: the server responded with a status of (401|409|422)")


def _manifest(live: Live, name: str, lines: list[str]) -> Path:
    path = live.inputs / f"{name}.manifest"
    path.write_text("".join(json.dumps({"source": line}) + "\n" for line in lines), encoding="utf-8")
    return path


def _api_job(live: Live, name: str, team_id: int, lines: list[str]) -> dict[str, Any]:
    """A job created straight through the API (multipart upload), for tests that start from an existing job."""
    manifest = _manifest(live, name, lines)
    job = {"name": name, "task_type": "text-classification", "labels": LABELS, "workteam_id": team_id,
           "workers_per_object": 1, "title": "Sentiment"}
    r = live.api("POST", "/api/v1/jobs", data={"job": json.dumps(job)},
                 files={"manifest": (manifest.name, manifest.read_bytes(), "application/octet-stream")})
    assert r.status_code == 201, r.text
    return r.json()


def _sign_in(page: Any, live: Live, shot: Any) -> None:
    page.goto(f"{live.url}/console/")
    page.wait_for_url("**/console/signin**")
    shot(page, "signin")
    page.fill("#api-key", live.api_key)
    page.click("#signin-submit")
    page.wait_for_url(f"{live.url}/console/")
    assert page.evaluate("localStorage.getItem('gw.requester')") == live.api_key


def _only_expected_errors(page: Any) -> None:
    unexpected = [e for e in page.gw_errors if not EXPECTED_HTTP_ERROR.search(e)]
    assert not unexpected, unexpected


def _field_error(page: Any, field: str) -> Any:
    return page.locator(f'.field[data-field="{field}"] .field-error')


def test_signin_rejects_a_bad_key_and_signs_out(page: Any, live: Live, shot: Any) -> None:
    page.gw_allow_console_errors = True  # the rejected key is a 401, which Chromium logs
    page.goto(f"{live.url}/console/signin")
    page.fill("#api-key", "gw_not-a-real-key")
    page.click("#signin-submit")
    error = page.locator("#key-error")
    error.wait_for(state="visible")
    assert "not accepted" in error.inner_text()
    shot(page, "signin-rejected")
    page.fill("#api-key", live.api_key)
    page.click("#signin-submit")
    page.wait_for_url(f"{live.url}/console/")
    page.locator("#jobs-summary").filter(has_not_text="Loading").wait_for()
    shot(page, "jobs")
    page.click("#gw-signout")
    page.wait_for_url("**/console/signin")
    assert page.evaluate("localStorage.getItem('gw.requester')") is None
    # Signed out, a console page sends the browser back to sign-in, remembering where it was going.
    page.goto(f"{live.url}/console/new")
    page.wait_for_url("**/console/signin?next=%2Fconsole%2Fnew")
    _only_expected_errors(page)


def test_create_watch_complete_and_download(page: Any, live: Live, shot: Any) -> None:
    page.gw_allow_console_errors = True  # the two rejected submissions are 422/409s; checked at the end
    wf_id, team_id = live.team()
    taken = live.unique("taken")
    _api_job(live, taken, team_id, ["x"])
    name = live.unique("reviews")
    manifest = _manifest(live, name, REVIEWS)

    _sign_in(page, live, shot)
    page.click("#new-job")
    page.wait_for_url("**/console/new")
    page.locator(f'#f-workteam option[value="{team_id}"]').wait_for(state="attached")

    # Nothing filled in: the required checks answer without asking the API.
    page.click("#create-job")
    for field in ("name", "labels", "manifest"):
        assert _field_error(page, field).is_visible(), field
    shot(page, "new-required")

    page.fill("#f-name", taken)
    page.select_option("#f-task-type", "text-classification")
    page.fill("#f-title", "Is this review positive, negative or neutral?")
    page.set_input_files("#f-manifest-file", str(manifest))
    page.locator("#manifest-info").filter(has_text="3 lines").wait_for()
    page.fill("#f-labels", "Positive\nNegative\nPositive")  # a duplicate: the API names labels[2]
    page.select_option("#f-workteam", str(team_id))
    page.fill("#f-price", "0.05")
    page.fill("#f-workers", "1")
    page.fill("#f-short", "Pick the sentiment of the review.")
    page.fill("#f-full", "<p>Neutral means the review states facts only.</p>")
    page.click("#add-example")
    row = page.locator(".example-row").first
    row.locator(".ex-kind").select_option("good")
    row.locator(".ex-content").fill("Five stars, great value.")
    row.locator(".ex-label").fill("Positive")
    row.locator(".ex-expl").fill("Clear praise.")

    page.click("#create-job")
    labels_error = _field_error(page, "labels")
    labels_error.wait_for(state="visible")
    assert "Line 3" in labels_error.inner_text() and "twice" in labels_error.inner_text()
    assert not _field_error(page, "name").is_visible()
    assert "invalid" in page.locator('.field[data-field="labels"]').get_attribute("class")
    shot(page, "new-error-labels")

    # Labels fixed; the name is taken (a 409 naming `name`), shown next to the name.
    page.fill("#f-labels", "\n".join(LABELS))
    page.click("#create-job")
    name_error = _field_error(page, "name")
    name_error.wait_for(state="visible")
    assert "exists already" in name_error.inner_text()
    assert not labels_error.is_visible()
    shot(page, "new-error-name")

    page.fill("#f-name", name)
    page.click("#create-job")
    page.wait_for_url(re.compile(r".*/console/jobs/\d+$"))
    job_id = int(page.url.rsplit("/", 1)[1])
    page.locator("#job-root[data-loaded='1']").wait_for()
    assert page.inner_text("#job-name") == name
    page.locator("#label-counters [data-counter='Unlabeled'] dd").filter(has_text="3").wait_for()
    view = live.api("GET", f"/api/v1/jobs/{job_id}").json()
    assert view["labels"] == LABELS and view["workers_per_object"] == 1
    assert float(view["price_per_task_usd"]) == 0.05
    assert page.locator("#download-output").is_disabled()
    shot(page, "job-created")

    # The jobs list: status, progress and cost of the new job.
    page.goto(f"{live.url}/console/")
    row = page.locator(f'tr[data-job="{name}"]')
    row.wait_for()
    row.locator(".gw-badge[data-status='InProgress']").wait_for()
    assert "0 / 3" in row.locator(".progress-cell").inner_text()
    assert row.locator(".cost-cell").inner_text().startswith("$")
    shot(page, "jobs-in-progress")

    # A labeler answers every task through the REST API.
    _, token, _ = live.labeler(wf_id, [team_id], name="Grace")
    def answer(task: dict[str, Any]) -> dict[str, str]:
        return {"label": ANSWERS[task["input"]["source"]]}

    _label_all(live, token, job_id, answer, 1)
    row.locator(".progress-cell").filter(has_text="1 / 3").wait_for(timeout=15000)  # the list refreshes itself
    shot(page, "jobs-progress")
    _label_all(live, token, job_id, answer, 2)
    assert live.api("POST", "/api/v1/work/next", token=token, json={"job_id": job_id}).status_code == 204
    done = live.wait_job(name)

    # The list shows Completed and the cost the ledger holds.
    row.locator(".gw-badge[data-status='Completed']").wait_for(timeout=15000)
    assert "3 / 3" in row.locator(".progress-cell").inner_text()
    expected_cost = f"${float(done['cost']['total_usd']):.2f}"
    assert row.locator(".cost-cell").inner_text() == expected_cost
    shot(page, "jobs-completed")

    # The job page: Completed, counters, cost, the labeler, the gallery with the labels.
    row.locator("a.job-link").click()
    page.wait_for_url(f"**/console/jobs/{job_id}")
    page.locator("#job-status .gw-badge[data-status='Completed']").wait_for()
    page.locator("#label-counters [data-counter='TotalLabeled'] dd").filter(has_text="3").wait_for()
    assert page.locator("#stop-job").is_hidden()
    assert page.inner_text("#cost-total") == expected_cost
    assert "Grace" in page.inner_text("#labelers-table")
    assert "Grace" in page.inner_text("#cost-by-labeler")
    cards = page.locator("#gallery .g-card")
    cards.first.wait_for()
    assert cards.count() == 3
    for review, label in ANSWERS.items():
        card = cards.filter(has_text=review)
        assert card.count() == 1, review
        assert card.locator(f'.chip[data-label="{label}"]').count() == 1, (review, label)
    assert page.locator("#failed-card").is_hidden()
    page.locator("#download-output:not([disabled])").wait_for()
    shot(page, "job-completed")

    # Download the output manifest.
    with page.expect_download() as info:
        page.click("#download-output")
    download = info.value
    assert download.suggested_filename == f"{name}.output.manifest"
    lines = [json.loads(line) for line in Path(download.path()).read_text(encoding="utf-8").splitlines() if line]
    assert len(lines) == 3
    by_source = {line["source"]: line for line in lines}
    for review, label in ANSWERS.items():
        assert by_source[review][name] == LABELS.index(label)
        assert by_source[review][f"{name}-metadata"]["class-name"] == label
    _only_expected_errors(page)


def test_bad_manifest_lines_are_listed(page: Any, live: Live, shot: Any) -> None:
    _, team_id = live.team()
    name = live.unique("badlines")
    path = live.inputs / f"{name}.manifest"
    path.write_text(json.dumps({"source": "fine"}) + "\nnot json at all\n" + json.dumps({"other": 1}) + "\n",
                    encoding="utf-8")
    job = {"name": name, "task_type": "text-classification", "labels": LABELS, "workteam_id": team_id,
           "workers_per_object": 1}
    r = live.api("POST", "/api/v1/jobs", data={"job": json.dumps(job)},
                 files={"manifest": (path.name, path.read_bytes(), "application/octet-stream")})
    assert r.status_code == 201, r.text
    job_id = r.json()["id"]
    page.add_init_script(f"localStorage.setItem('gw.requester', {json.dumps(live.api_key)})")
    page.goto(f"{live.url}/console/jobs/{job_id}")
    failed = page.locator("#failed-table tbody tr")
    failed.first.wait_for(timeout=20000)
    assert failed.count() == 2
    assert page.locator('#failed-table tr[data-line="1"] td').first.inner_text() == "2"
    assert page.locator('#failed-table tr[data-line="1"] td').nth(1).inner_text().strip()
    shot(page, "job-bad-lines")


def test_stop_a_job(page: Any, live: Live, shot: Any) -> None:
    _, team_id = live.team()
    name = live.unique("stopme")
    job = _api_job(live, name, team_id, REVIEWS)
    page.add_init_script(f"localStorage.setItem('gw.requester', {json.dumps(live.api_key)})")
    page.goto(f"{live.url}/console/jobs/{job['id']}")
    stop = page.locator("#stop-job")
    stop.wait_for()
    # Cancel first: nothing happens.
    stop.click()
    page.locator("#stop-dialog[open]").wait_for()
    shot(page, "stop-confirm")
    page.click("#stop-cancel")
    page.wait_for_timeout(300)
    assert live.api("GET", f"/api/v1/jobs/{job['id']}").json()["status"] in ("Initializing", "InProgress")
    stop.click()
    page.click("#stop-confirm")
    page.locator("#job-status .gw-badge[data-status='Stopped']").wait_for(timeout=30000)
    assert live.api("GET", f"/api/v1/jobs/{job['id']}").json()["status"] == "Stopped"
    assert stop.is_hidden()
    page.locator("#download-output:not([disabled])").wait_for(timeout=30000)
    shot(page, "job-stopped")


def _png(width: int, height: int, pixel: Any = None) -> bytes:
    """A PNG written by hand (no imaging library): plain blue RGB, or RGBA from `pixel(x, y)` -> 4 bytes."""
    if pixel is None:
        raw = b"".join(b"\x00" + bytes([40, 120, 200]) * width for _ in range(height))
    else:
        raw = b"".join(b"\x00" + b"".join(pixel(x, y) for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2 if pixel is None else 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def _label_all(live: Live, token: str, job_id: int, answer: Any, count: int) -> None:
    """Answer `count` tasks of the job (waiting for the ingest to open them)."""
    deadline = time.monotonic() + 60
    while count:
        assert time.monotonic() < deadline, f"{count} tasks never came"
        r = live.api("POST", "/api/v1/work/next", token=token, json={"job_id": job_id})
        if r.status_code == 204:
            time.sleep(0.3)
            continue
        assert r.status_code == 200, r.text
        task = r.json()
        s = live.api("POST", f"/api/v1/work/{task['assignment_id']}/submit", token=token,
                     json={"answer": answer(task)})
        assert s.status_code in (200, 201), s.text
        count -= 1


def test_gallery_draws_boxes_masks_and_entities(page: Any, live: Live, shot: Any) -> None:
    wf_id, team_id = live.team()
    _, token, _ = live.labeler(wf_id, [team_id], name="Lin")
    image = live.inputs / f"{live.unique('street')}.png"
    image.write_bytes(_png(320, 200))
    boxes_name = live.unique("boxes")
    boxes_manifest = live.inputs / f"{boxes_name}.manifest"
    boxes_manifest.write_text(json.dumps({"source-ref": image.as_uri()}) + "\n", encoding="utf-8")
    boxes_job = {"name": boxes_name, "task_type": "bounding-box", "labels": ["Car", "Tree"], "workteam_id": team_id,
                 "workers_per_object": 1}
    r = live.api("POST", "/api/v1/jobs", data={"job": json.dumps(boxes_job)},
                 files={"manifest": (boxes_manifest.name, boxes_manifest.read_bytes(), "application/octet-stream")})
    assert r.status_code == 201, r.text
    boxes_id = r.json()["id"]
    text = "Ada Lovelace met Charles Babbage in London."
    ner_name = live.unique("people")
    ner_manifest = _manifest(live, ner_name, [text])
    ner_job = {"name": ner_name, "task_type": "named-entity-recognition", "labels": ["Person", "Place"],
               "workteam_id": team_id, "workers_per_object": 1}
    r = live.api("POST", "/api/v1/jobs", data={"job": json.dumps(ner_job)},
                 files={"manifest": (ner_manifest.name, ner_manifest.read_bytes(), "application/octet-stream")})
    assert r.status_code == 201, r.text
    ner_id = r.json()["id"]

    seg_name = live.unique("masks")
    seg_manifest = live.inputs / f"{seg_name}.manifest"
    seg_manifest.write_text(json.dumps({"source-ref": image.as_uri()}) + "\n", encoding="utf-8")
    seg_job = {"name": seg_name, "task_type": "semantic-segmentation", "labels": ["Car", "Road"],
               "label_attribute_name": f"{seg_name}-ref", "workteam_id": team_id, "workers_per_object": 1}
    r = live.api("POST", "/api/v1/jobs", data={"job": json.dumps(seg_job)},
                 files={"manifest": (seg_manifest.name, seg_manifest.read_bytes(), "application/octet-stream")})
    assert r.status_code == 201, r.text
    seg_id = r.json()["id"]
    car = bytes([0x2C, 0xA0, 0x2C, 255])
    mask = _png(320, 200, lambda x, y: car if 20 <= x < 140 and 30 <= y < 110 else bytes(4))

    _label_all(live, token, seg_id, lambda task: {
        "labeledImage": {"pngImageData": base64.b64encode(mask).decode()},
        "labelMappings": {"Car": {"color": "#2ca02c"}}, "inputImageProperties": {"width": 320, "height": 200}}, 1)
    _label_all(live, token, boxes_id, lambda task: {
        "boundingBoxes": [{"label": "Car", "left": 20, "top": 30, "width": 120, "height": 80},
                          {"label": "Tree", "left": 200, "top": 40, "width": 60, "height": 140}],
        "inputImageProperties": {"width": 320, "height": 200}}, 1)
    _label_all(live, token, ner_id, lambda task: {"entities": [
        {"label": "Person", "startOffset": 0, "endOffset": 12},
        {"label": "Place", "startOffset": text.index("London"), "endOffset": text.index("London") + 6}]}, 1)
    for job_name in (boxes_name, ner_name, seg_name):
        live.wait_job(job_name)

    page.add_init_script(f"localStorage.setItem('gw.requester', {json.dumps(live.api_key)})")
    page.goto(f"{live.url}/console/jobs/{boxes_id}")
    canvas = page.locator("#gallery canvas.g-boxes[data-boxes='2']")
    canvas.wait_for()
    page.wait_for_function("""() => {
        const c = document.querySelector('#gallery canvas.g-boxes');
        return c && c.width > 0 && c.getContext('2d').getImageData(0, 0, c.width, c.height).data.some(v => v > 0);
    }""")
    # The Car box's left edge is drawn where the image's pixel (20, 70) is shown.
    drawn = page.evaluate("""() => {
        const img = document.querySelector('#gallery .g-frame img');
        const c = document.querySelector('#gallery canvas.g-boxes');
        const k = c.width / img.naturalWidth;
        const px = c.getContext('2d').getImageData(Math.round(20 * k), Math.round(70 * k), 1, 1).data;
        return Array.from(px);
    }""")
    assert drawn[3] > 0, drawn
    shot(page, "gallery-boxes")

    page.goto(f"{live.url}/console/jobs/{ner_id}")
    person = page.locator("#gallery mark.entity[data-label='Person']")
    person.wait_for()
    assert person.inner_text().startswith("Ada Lovelace")
    assert page.locator("#gallery mark.entity[data-label='Place']").inner_text().startswith("London")
    shot(page, "gallery-entities")

    page.goto(f"{live.url}/console/jobs/{seg_id}")
    page.locator("#gallery img.g-mask").wait_for()
    page.wait_for_function("() => document.querySelector('#gallery img.g-mask').naturalWidth === 320")
    assert page.locator("#gallery .chip[data-label='Car']").count() == 1
    shot(page, "gallery-mask")


def test_custom_template_preview(page: Any, live: Live, shot: Any) -> None:
    name = live.unique("preview")
    manifest = _manifest(live, name, ["The battery lasts all day."])
    page.add_init_script(f"localStorage.setItem('gw.requester', {json.dumps(live.api_key)})")
    page.goto(f"{live.url}/console/new")
    page.set_input_files("#f-manifest-file", str(manifest))
    page.locator("#manifest-info").filter(has_text="1 line").wait_for()
    page.click("#template-details summary")
    page.fill("#f-template", '<p id="shown">Review: {{ task.input.source }}</p>')
    page.locator("#preview-btn:not([disabled])").wait_for()
    page.click("#preview-btn")
    frame = page.frame_locator("#preview-frame")
    frame.locator("#shown").wait_for()
    assert frame.locator("#shown").inner_text() == "Review: The battery lasts all day."
    shot(page, "template-preview")


AUTO_REPORT = {
    "settings": {"target_accuracy": 0.95, "confidence": 0.95, "audit_rate": 0.02, "strategy": "least-confidence"},
    "machine_labeled": 40,
    "rounds": [
        {"round": 1, "state": "done", "attempts": 1, "device": "cpu", "compute_seconds": 12.5, "train_items": 80,
         "validation_items": 20, "validation_accuracy": 0.97, "machine_labeled": 40, "sent_to_humans": 10,
         "audit_sent": 1, "model_uri": "file:///models/r1", "threshold": {"global": 0.91}, "error": None}],
    "audit": {"checked": 1, "agreed": 1, "verdict": "kept"},
    "human_answers_avoided": 40, "worker_pay_avoided_usd": "1.20", "compute_usd": "0.05", "money_saved_usd": "1.15",
    "final_model_uri": "file:///models/final",
}


def test_automated_labeling_block(page: Any, live: Live, shot: Any) -> None:
    """The trainer needs a model run to fill this block; the page's rendering of the job view's report is checked
    with the view's `automated_labeling` filled in on the way to the browser."""
    _, team_id = live.team()
    job = _api_job(live, live.unique("auto"), team_id, ["a", "b"])

    def with_report(route: Any) -> None:
        response = route.fetch()
        view = response.json()
        view["automated_labeling"] = AUTO_REPORT
        route.fulfill(response=response, json=view)

    page.route(f"{live.url}/api/v1/jobs/{job['id']}", with_report)
    page.add_init_script(f"localStorage.setItem('gw.requester', {json.dumps(live.api_key)})")
    page.goto(f"{live.url}/console/jobs/{job['id']}")
    block = page.locator("#auto-card")
    block.wait_for()
    text = block.inner_text()
    for expected in ("Machine labels", "40", "95.0%", "$1.15", "0.97", "Audit of machine labels", "kept"):
        assert expected in text, expected
    shot(page, "job-automated-labeling")
