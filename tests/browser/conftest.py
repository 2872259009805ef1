"""Browser tests: Debian's Chromium driven by Playwright against the real API (gunicorn) and Celery worker on the
embedded default. Nothing reaches the internet: requests to other hosts get local stubs. Every test saves a
screenshot of each UI it visits into the run's folder (`GW_TEST_ARTIFACTS`, default var/test-artifacts/<time>)."""

from __future__ import annotations

import base64
import os
import re
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import pytest
import requests

from demo.processes import create_key, groundwork_env, migrate, start_api, start_worker, stop

pytestmark = [pytest.mark.browser]

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("GW_CHROMIUM", "/usr/bin/chromium")
# IsolateSandboxedIframes off: headless Chromium on this machine (no GPU) sometimes never paints a sandboxed task
# frame that runs in a process of its own, so its elements stay "not visible"; in-process, the frame paints.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
                 "--disable-features=IsolateSandboxedIframes",
                 "--no-first-run", "--disable-component-update", "--disable-sync"]
PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}


def _chromium_missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    return None


@pytest.fixture(scope="session")
def run_dir() -> Path:
    root = os.environ.get("GW_TEST_ARTIFACTS") or str(REPO / "var" / "test-artifacts" / time.strftime("%Y%m%d-%H%M%S"))
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    missing = _chromium_missing()
    if missing:
        if os.environ.get("CI") == "true":
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Live:
    """The running service: its URL, a requester key and shortcuts for the REST calls tests make."""

    url: str
    api_key: str
    data_dir: Path
    inputs: Path
    env: dict[str, str]
    _n: int = field(default=0)

    def api(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        headers["Authorization"] = f"Bearer {token or self.api_key}"
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def read_blob(self, uri: str) -> bytes:
        """A file the service wrote (an output mask), by its file:// URI."""
        from urllib.parse import unquote

        return Path(unquote(urlparse(uri).path)).read_bytes()

    def unique(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}-{self._n}-{int(time.time() * 1000) % 100000}"

    def team(self, kind: str = "private", vendor_price_usd: str | None = None) -> tuple[int, int]:
        body: dict[str, Any] = {"name": self.unique(f"wf-{kind}"), "kind": kind}
        if vendor_price_usd is not None:
            body["vendor_price_usd"] = vendor_price_usd
        wf = self.api("POST", "/api/v1/workforces", json=body)
        assert wf.status_code == 201, wf.text
        team = self.api("POST", "/api/v1/workteams", json={"name": self.unique("team"),
                                                           "workforce_id": wf.json()["id"]})
        assert team.status_code == 201, team.text
        return wf.json()["id"], team.json()["id"]

    def labeler(self, workforce_id: int, team_ids: list[int], name: str = "Ada") -> tuple[int, str, str]:
        r = self.api("POST", "/api/v1/labelers", json={"name": name, "workforce_id": workforce_id,
                                                        "workteam_ids": team_ids})
        assert r.status_code == 201, r.text
        body = r.json()
        return body["id"], body["token"], body.get("invite_url", "")

    def wait_job(self, job: str, status: tuple[str, ...] = ("Completed",), timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        view: dict[str, Any] = {}
        while time.monotonic() < deadline:
            view = self.api("GET", f"/api/v1/jobs/{job}").json()
            if view.get("status") in status and (view.get("status") != "Completed" or view.get("output_manifest_uri")):
                return view
            time.sleep(0.3)
        raise AssertionError(f"job {job} did not reach {status}: {view.get('status')} {view.get('label_counters')}")


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory, run_dir: Path) -> Iterator[Live]:
    root = tmp_path_factory.mktemp("browser")
    data_dir = root / "data"
    inputs = root / "inputs"
    inputs.mkdir()
    env = groundwork_env(data_dir, GW_TEST_PAGES="1", GW_MEDIA_URL_SECONDS="900",
                         GW_HOOK_MODULES="tests.browser.hooks")
    migrate(env)
    key = create_key(env)
    logs = run_dir / "logs"
    logs.mkdir(exist_ok=True)
    api, url = start_api(env, workers=2, log=logs / "api.log")
    worker = start_worker(env, log=logs / "worker.log")
    try:
        yield Live(url=url, api_key=key, data_dir=data_dir, inputs=inputs, env=env)
    finally:
        stop(worker)
        stop(api)


def _stub(route: Any) -> None:
    """Answer a request for another host locally: the test machine has no internet, and real templates point at
    public assets (an example image on S3, a tweet widget)."""
    kind = route.request.resource_type
    if kind == "image":
        route.fulfill(status=200, content_type="image/png", body=PIXEL_PNG)
    elif kind == "stylesheet":
        route.fulfill(status=200, content_type="text/css", body="")
    elif kind == "script":
        route.fulfill(status=200, content_type="application/javascript", body="")
    else:
        route.fulfill(status=204, body="")


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.gw_errors = []
    page.gw_allow_console_errors = False
    page.gw_external = []

    def on_route(route: Any) -> None:
        host = urlparse(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:", "about:")) or host in LOOPBACK:
            route.continue_()
        else:
            page.gw_external.append(route.request.url)
            _stub(route)

    context.route("**/*", on_route)
    page.on("console", lambda msg: page.gw_errors.append(f"console.{msg.type}: {msg.text}")
            if msg.type == "error" else None)
    page.on("pageerror", lambda exc: page.gw_errors.append(f"pageerror: {exc}"))
    yield page
    errors = list(page.gw_errors)
    context.close()
    if errors and not page.gw_allow_console_errors:
        pytest.fail("the browser reported errors:\n" + "\n".join(errors))


@pytest.fixture
def shot(run_dir: Path, request: pytest.FixtureRequest) -> Any:
    folder = run_dir / "screenshots" / re.sub(r"[^\w.-]+", "_", request.node.name)
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    counter = {"n": 0}

    def save(page: Any, name: str) -> Path:
        counter["n"] += 1
        safe = re.sub(r"[^\w.-]+", "_", name)
        path = folder / f"{counter['n']:02d}-{safe}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return save


@pytest.fixture
def crowd_page(live: Live) -> Any:
    """Open the test page holding the crowd script and `html`; answers a crowd-form submits land in
    `window.__submitted`."""

    def open_page(page: Any, html: str) -> Any:
        page.goto(f"{live.url}/__test__/page?html={quote(html)}")
        page.wait_for_load_state("load")
        return page

    return open_page
