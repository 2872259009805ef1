"""The worker portal in a real browser: a private-workforce labeler signs in by invitation and labels text with
the keyboard alone (the next task arriving without a page reload), a public-workforce labeler signs up and passes
the qualification, and a vendor's labeler signs in with the vendor key. What the browser did is checked against
the API (the answers stored for each object), not only on the page."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from tests.browser.conftest import Live

pytestmark = [pytest.mark.browser]

LABELS = ["positive", "negative", "neutral"]
TEXTS = ["What a lovely morning.", "The parcel arrived broken.", "The meeting is at noon.", "I adore this song."]


def _text_job(live: Live, team_id: int, texts: list[str], title: str, price: str = "0.02",
              lease_seconds: int = 300) -> dict[str, Any]:
    """A running text-classification job over a file:// manifest, one labeler per object."""
    name = live.unique("portal-text")
    manifest = live.inputs / f"{name}.manifest"
    manifest.write_text("".join(json.dumps({"source": t}) + "\n" for t in texts), encoding="utf-8")
    r = live.api("POST", "/api/v1/jobs", json={
        "name": name, "task_type": "text-classification", "labels": LABELS, "manifest_uri": manifest.as_uri(),
        "workteam_id": team_id, "workers_per_object": 1, "task_time_limit_seconds": lease_seconds,
        "price_per_task_usd": price, "title": title,
        "instructions": {"short": "Pick the tone of the sentence.",
                         "full": "Positive: glad, pleased. Negative: unhappy, annoyed. Neutral: plain facts."}})
    assert r.status_code == 201, r.text
    live.wait_job(name, ("InProgress",))
    deadline = time.monotonic() + 30  # the manifest is read in the background: wait until every line is open
    while sum(o["state"] == "open" for o in _objects(live, name)) < len(texts):
        assert time.monotonic() < deadline, _objects(live, name)
        time.sleep(0.2)
    return r.json()


def _objects(live: Live, job: str) -> list[dict[str, Any]]:
    r = live.api("GET", f"/api/v1/jobs/{job}/objects")
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _audit(live: Live, job: str) -> list[dict[str, Any]]:
    r = live.api("GET", f"/api/v1/jobs/{job}/audit", params={"limit": 500})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def _leases(live: Live, job: str) -> list[int]:
    """The assignments of the job that were ever leased (from the audit trail)."""
    return [e["assignment_id"] for e in _audit(live, job) if e["kind"] == "assignment" and e["to_state"] == "leased"]


def _wait_task(page: Any, previous: str | None = None, timeout: float = 15) -> str:
    """Wait until the workspace's frame shows a task whose text differs from `previous`; return that text."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        frame = page.frame_locator("#task-frame")
        target = frame.locator(".crowd-cls-text")
        if page.locator("#task-frame").is_visible() and target.count():
            text = target.first.inner_text().strip()
            # A new task counts once the workspace has moved the keyboard focus into its frame.
            if text and text != previous and frame.locator("html").evaluate("() => document.hasFocus()"):
                return text
        time.sleep(0.05)
    stage = page.locator(".gw-stage").inner_text()
    raise AssertionError(f"no new task appeared (still {previous!r}); the workspace shows: {stage!r}")


def _invite(live: Live, token: str, invite_url: str) -> str:
    return invite_url or f"{live.url}/portal/signin#token={token}"


def test_invited_labeler_labels_with_the_keyboard_without_reloads(live: Live, page: Any, shot: Any) -> None:
    wf, team = live.team()
    _, token, invite_url = live.labeler(wf, [team], name="Grace")
    job = _text_job(live, team, TEXTS, "Tone of short sentences")

    page.goto(_invite(live, token, invite_url))
    page.wait_for_url(f"{live.url}/portal/")
    assert page.evaluate("localStorage.getItem('gw.labeler')") == token
    card = page.locator(f"[data-job-id='{job['id']}']")
    card.wait_for()
    assert "Tone of short sentences" in card.inner_text()
    assert page.locator("#hello").inner_text() == "Hello, Grace"
    shot(page, "home")

    card.get_by_role("link", name="Start working").click()
    page.wait_for_url(f"**/portal/work?job={job['id']}")
    first = _wait_task(page)
    page.evaluate("window.__marker = 'same-page'")
    assert page.locator("#job-title").inner_text() == "Tone of short sentences"
    assert page.locator("#instr-short").inner_text() == "Pick the tone of the sentence."
    lease = page.locator("#lease-time").inner_text()
    assert lease[:2] == "04" or lease[:2] == "05", lease  # the 300 s default lease, counting down
    shot(page, "workspace")

    seen, text = [], first
    for n in range(3):  # keyboard only: the frame has the focus after each load, no click needed
        seen.append(text)
        page.keyboard.press("1")
        page.keyboard.press("Enter")
        page.wait_for_function(f"document.getElementById('done-count').textContent === '{n + 1}'")
        text = _wait_task(page, previous=text) if n < 2 else text
    assert page.evaluate("window.__marker") == "same-page", "the page reloaded between tasks"
    skipped = _wait_task(page, previous=seen[-1])
    shot(page, "workspace-after-three")

    page.locator("#skip").click()
    page.get_by_text("No more tasks in this job").wait_for()
    assert page.evaluate("window.__marker") == "same-page"
    shot(page, "no-more-tasks")

    by_text = {o["source"]: o for o in _objects(live, job["name"])}
    for t in seen:  # each labeled object holds this labeler's one answer: the first label, picked by key "1"
        answers = by_text[t]["answers"]
        assert len(answers) == 1, by_text[t]
        assert "positive" in json.dumps(answers[0]["answer"]), answers
    assert by_text[skipped]["answers"] == [] and by_text[skipped]["state"] == "open", by_text[skipped]
    assert len(set(seen) | {skipped}) == 4

    page.goto(f"{live.url}/portal/")
    card = page.locator(f"[data-job-id='{job['id']}']")
    card.wait_for()
    page.wait_for_function("document.getElementById('stat-paid').textContent !== '–'")
    assert "3" in card.inner_text()
    shot(page, "home-after-work")

    page.get_by_text("Sign out").click()
    page.wait_for_url("**/portal/signin")
    assert page.evaluate("localStorage.getItem('gw.labeler')") is None
    shot(page, "signed-out")


def test_refused_answer_skip_reload_and_leave(live: Live, page: Any, shot: Any) -> None:
    wf, team = live.team()
    _, token, invite_url = live.labeler(wf, [team], name="Linus")
    job = _text_job(live, team, TEXTS[:3], "Leave early")
    page.goto(_invite(live, token, invite_url))
    page.wait_for_url(f"{live.url}/portal/")
    page.goto(f"{live.url}/portal/work?job={job['id']}")
    first = _wait_task(page)
    frame = page.locator("#task-frame").element_handle().content_frame()
    frame.wait_for_load_state("load")

    # An answer the API refuses: its message is shown and the task stays (the browser logs the 422 itself).
    page.gw_allow_console_errors = True
    frame = page.locator("#task-frame").element_handle().content_frame()
    frame.evaluate("parent.postMessage({type: 'crowd-submit', answer: {label: 'no-such-label'}}, '*')")
    page.locator("#task-error").wait_for()
    assert "no-such-label" in page.locator("#task-error").inner_text()
    assert _wait_task(page) == first
    shot(page, "refused-answer")

    page.locator("#skip").click()
    second = _wait_task(page, previous=first)
    assert second != first
    # While the second task is on screen, the third is already leased in the background (the prefetch).
    deadline = time.monotonic() + 10
    while len(_leases(live, job["name"])) < 3:
        assert time.monotonic() < deadline, _leases(live, job["name"])
        time.sleep(0.1)
    # A reload shows the same task again (its lease is kept) instead of leasing another one.
    page.reload()
    assert _wait_task(page) == second
    page.locator("#more-time").click()
    page.get_by_text("You have more time for this task.").wait_for()
    shot(page, "more-time")
    page.locator("#leave").click()
    page.wait_for_url(f"{live.url}/portal/")
    shot(page, "home-after-leaving")
    states = [e["to_state"] for e in _audit(live, job["name"]) if e["kind"] == "assignment"]
    # Declined: the skipped task and the one on screen when leaving. Released (the lease ends as an expired one,
    # so the task may come back to this labeler): the prefetched ones, at the reload and at leaving.
    assert states.count("declined") == 2 and states.count("expired") == 2, states
    # Nothing is left leased: another labeler can take both tasks this one did not skip.
    _, other = live.labeler(wf, [team], name="Other")[:2]
    got = []
    for _ in range(3):
        r = live.api("POST", "/api/v1/work/next", token=other, json={"job_id": job["id"]})
        if r.status_code == 204:
            break
        got.append(r.json()["input"]["source"])
    assert sorted(got) == sorted(TEXTS[:3]), got
    refused = [e for e in page.gw_errors if "status of 4" not in e]
    assert not refused and len(page.gw_errors) == 1, page.gw_errors


def test_next_image_is_leased_and_fetched_in_the_background(live: Live, page: Any, shot: Any) -> None:
    from PIL import Image

    wf, team = live.team()
    _, token, invite_url = live.labeler(wf, [team], name="Katherine")
    lines = []
    for n, color in enumerate([(200, 80, 60), (60, 120, 200)]):
        path = live.inputs / f"prefetch-{n}-{live.unique('img')}.png"
        Image.new("RGB", (320, 240), color).save(path)
        lines.append(json.dumps({"source-ref": path.as_uri()}) + "\n")
    name = live.unique("portal-images")
    manifest = live.inputs / f"{name}.manifest"
    manifest.write_text("".join(lines), encoding="utf-8")
    r = live.api("POST", "/api/v1/jobs", json={
        "name": name, "task_type": "image-classification", "labels": ["red", "blue"],
        "manifest_uri": manifest.as_uri(), "workteam_id": team, "workers_per_object": 1, "title": "Colours"})
    assert r.status_code == 201, r.text
    job = r.json()
    live.wait_job(name, ("InProgress",))
    deadline = time.monotonic() + 30
    while sum(o["state"] == "open" for o in _objects(live, name)) < 2:
        assert time.monotonic() < deadline
        time.sleep(0.2)

    media: list[str] = []
    page.on("request", lambda req: media.append(req.url)
            if req.resource_type == "image" and "/api/v1/" in req.url else None)
    page.goto(_invite(live, token, invite_url))
    page.wait_for_url(f"{live.url}/portal/")
    page.goto(f"{live.url}/portal/work?job={job['id']}")
    image = page.frame_locator("#task-frame").locator("img.crowd-cls-image")
    image.wait_for()
    first_src = image.get_attribute("src")
    # While the first image is on screen the second task is leased and its image requested: two distinct images.
    deadline = time.monotonic() + 10
    while len({u.split("?")[0] for u in media}) < 2:
        assert time.monotonic() < deadline, media
        time.sleep(0.1)
    shot(page, "image-task")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.wait_for_function("document.getElementById('done-count').textContent === '1'")
    deadline = time.monotonic() + 10
    while not image.count() or image.get_attribute("src") == first_src:
        assert time.monotonic() < deadline, "the second image did not appear"
        time.sleep(0.05)
    page.keyboard.press("2")
    page.keyboard.press("Enter")
    page.get_by_text("No more tasks in this job").wait_for()
    labels = sorted(json.dumps(o["answers"][0]["answer"]) for o in _objects(live, name))
    assert '"red"' in labels[1] and '"blue"' in labels[0], labels


def test_lease_renews_itself_while_the_worker_is_active(live: Live, page: Any, shot: Any) -> None:
    wf, team = live.team()
    _, token, invite_url = live.labeler(wf, [team], name="Barbara")
    job = _text_job(live, team, TEXTS[:1], "Short leases", lease_seconds=30)
    page.goto(_invite(live, token, invite_url))
    page.wait_for_url(f"{live.url}/portal/")
    page.goto(f"{live.url}/portal/work?job={job['id']}")
    _wait_task(page)
    # Idle: the countdown turns red when little time is left (half of this short lease) and nothing renews it.
    page.locator(".gw-lease-low").wait_for(timeout=25_000)
    shot(page, "lease-low")
    # Active again (the mouse moves over the task): the lease renews itself and the countdown starts over.
    page.mouse.move(700, 400)
    page.mouse.move(720, 410)
    page.locator(".gw-lease-low").wait_for(state="detached", timeout=10_000)
    minutes, seconds = page.locator("#lease-time").inner_text().split(":")
    assert int(minutes) * 60 + int(seconds) > 20


def test_public_signup_then_qualification(live: Live, page: Any, shot: Any) -> None:
    wf, team = live.team(kind="public")
    r = live.api("PUT", f"/api/v1/workforces/{wf}/qualification", json={
        "task_type": "text-classification", "labels": LABELS, "pass_ratio": 1.0, "max_attempts": 2,
        "items": [{"source": "Great job, thank you!", "answer": {"label": "positive"}},
                  {"source": "This is awful.", "answer": {"label": "negative"}}]})
    assert r.status_code in (200, 201), r.text

    page.goto(f"{live.url}/portal/signin?workforce={wf}")
    shot(page, "signup")
    page.locator("#signup-form [name=name]").fill("Hedy")
    page.locator("#signup-form [name=email]").fill("hedy@example.com")
    page.locator("#signup-form button").click()
    page.wait_for_url("**/portal/qualification")
    page.locator("#qual-quiz").wait_for()
    assert "Great job" in page.locator("#qual-item").inner_text()
    shot(page, "qualification")
    page.keyboard.press("1")
    page.keyboard.press("Enter")
    page.locator("#qual-item", has_text="This is awful.").wait_for()
    page.keyboard.press("2")
    shot(page, "qualification-last")
    page.keyboard.press("Enter")
    page.get_by_text("You passed").wait_for()
    shot(page, "qualification-passed")
    page.wait_for_url(f"{live.url}/portal/", timeout=10_000)
    page.locator("#stats").wait_for()
    assert page.locator("#qual-banner").is_hidden()
    me = live.api("GET", "/api/v1/work/me", token=page.evaluate("localStorage.getItem('gw.labeler')")).json()
    assert me["qualification"] == "passed" and me["labeler"]["name"] == "Hedy"
    shot(page, "home-qualified")


def test_vendor_labeler_signs_in_with_the_vendor_key(live: Live, page: Any, shot: Any) -> None:
    r = live.api("POST", "/api/v1/workforces", json={"name": live.unique("vendor"), "kind": "vendor",
                                                      "vendor_price_usd": "0.05"})
    assert r.status_code == 201, r.text
    key = r.json()["vendor_key"]
    team = live.api("POST", "/api/v1/workteams", json={"name": live.unique("vteam"), "workforce_id": r.json()["id"]})
    assert team.status_code == 201, team.text
    job = _text_job(live, team.json()["id"], TEXTS[:1], "Vendor job", price="0.05")

    page.goto(f"{live.url}/portal/signin?vendor")
    page.locator("#vendor-form [name=vendor_key]").fill(key)
    page.locator("#vendor-form [name=name]").fill("Alan")
    page.locator("#vendor-form [name=email]").fill("alan@vendor.example")
    shot(page, "vendor-signin")
    page.locator("#vendor-form button").click()
    page.wait_for_url(f"{live.url}/portal/")
    page.locator(f"[data-job-id='{job['id']}']").wait_for()
    assert page.locator("#hello").inner_text() == "Hello, Alan"
    shot(page, "vendor-home")


def test_bad_token_is_refused_on_the_signin_page(live: Live, page: Any, shot: Any) -> None:
    page.gw_allow_console_errors = True  # the refused token's 401 is logged by the browser
    page.goto(f"{live.url}/portal/signin")
    page.locator("#token-form [name=token]").fill("gwl_not-a-real-token")
    page.locator("#token-form button").click()
    page.get_by_text("This token was not accepted").wait_for()
    assert page.evaluate("localStorage.getItem('gw.labeler')") is None
    shot(page, "bad-token")
    page.goto(f"{live.url}/portal/")  # no token: straight to sign-in
    page.wait_for_url("**/portal/signin")
