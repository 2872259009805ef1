"""Calling pre-annotation and consolidation hooks: in-process Python functions or HTTP endpoints.

Ground Truth invokes Lambda; Groundwork calls `python:<module>:<function>` (operator-installed code, allow-listed
by module prefix in GW_HOOK_MODULES, because a requester names the hook and must not run arbitrary importable
code) or POSTs the event as JSON to an http(s) URL. Both kinds see the same event and their answers go through
the same JSON round trip, so a hook behaves the same whichever way it is deployed.

stdlib only (urllib, not requests): the API image does not carry an HTTP client library.
"""

from __future__ import annotations

import http.client
import importlib
import json
import threading
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from shared.domain.hooks import (
    ConsolidatedContent,
    HookError,
    HookLayout,
    HookRef,
    PayloadObject,
    PreAnnotation,
    consolidation_event,
    consolidation_payload,
    parse_consolidation_response,
    parse_pre_annotation_response,
    pre_annotation_event,
)
from shared.storage import BlobStore

# A synchronous Lambda answer is capped at 6 MB; a hook that sends more is refused rather than read into memory.
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
_EXCERPT = 200


def _name(ref: HookRef) -> str:
    """The hook as error messages show it: an HTTP hook without its query string (it may carry a token, and these
    messages end up in job failure reasons) and clipped."""
    text = ref.ref if ref.kind == "python" else ref.url.split("?", 1)[0].split("#", 1)[0]
    return text if len(text) <= 120 else text[:120] + "..."


def module_allowed(module: str, allowed_modules: Iterable[str]) -> bool:
    """`module` is one of the allowed prefixes or inside one, on package boundaries: `hooks` allows `hooks.acs`
    but not `hooks_evil`."""
    return any(p and (module == p or module.startswith(p + ".")) for p in (a.strip() for a in allowed_modules))


def check_allowed(ref: HookRef, allowed_modules: Iterable[str], allowed_hosts: Iterable[str]) -> None:
    """At call time too: an operator who narrows GW_HOOK_MODULES or GW_HOOK_HOSTS stops existing jobs' hooks."""
    if ref.kind == "http" and not host_allowed(ref.url, allowed_hosts):
        raise HookError(f"hook {ref.url.split('?')[0][:100]}: host not in GW_HOOK_HOSTS")
    if ref.kind == "python" and not module_allowed(ref.module, allowed_modules):
        raise HookError(f"hook {ref.ref[:100]}: module not in GW_HOOK_MODULES")


def host_allowed(url: str, allowed_hosts: Iterable[str]) -> bool:
    """`host` or `host:port` as the operator listed them (GW_HOOK_HOSTS); a listed bare host allows any port."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not host:
        return False
    with_port = f"{host}:{parts.port}" if parts.port else host
    return any(entry in (host, with_port) for entry in allowed_hosts)


def call_hook(ref: HookRef, event: dict[str, Any], *, timeout_s: float, allowed_modules: tuple[str, ...]) -> Any:
    """Send `event` to the hook and return its JSON answer (already decoded). Every failure is a HookError whose
    message names the hook: refused module, import error, exception in the hook, timeout, non-2xx, bad JSON."""
    if ref.kind == "python":
        return _call_python(ref, event, timeout_s, allowed_modules)
    if ref.kind == "http":
        return _call_http(ref, event, timeout_s)
    raise HookError(f"hook {_name(ref)}: unknown kind '{ref.kind}'")


def _json_round_trip(value: Any, what: str, ref: HookRef) -> Any:
    try:
        return json.loads(json.dumps(value, allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise HookError(f"hook {_name(ref)}: {what} is not JSON-serialisable ({exc})") from None


def _call_python(ref: HookRef, event: dict[str, Any], timeout_s: float, allowed_modules: tuple[str, ...]) -> Any:
    if not module_allowed(ref.module, allowed_modules):
        raise HookError(f"hook {_name(ref)}: module not allowed (the operator lists hook modules in GW_HOOK_MODULES)")
    try:
        module = importlib.import_module(ref.module)
    except Exception as exc:  # any import failure of operator code is the hook's fault
        raise HookError(f"hook {_name(ref)}: cannot import {ref.module}: {type(exc).__name__}: {exc}") from None
    function = getattr(module, ref.function, None)
    if not callable(function):
        raise HookError(f"hook {_name(ref)}: {ref.module} has no function '{ref.function}'")
    # The hook gets its own copy, exactly what an HTTP hook would decode, so it cannot change ours.
    argument = _json_round_trip(event, "the event", ref)
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = function(argument)
        except BaseException as exc:  # reported to the caller, never raised in this thread
            outcome["error"] = exc

    # A thread so the timeout holds for Python hooks too. A hook that overruns keeps running in the background
    # (Python cannot stop a thread); it is a daemon, so it never holds a worker process open at exit.
    thread = threading.Thread(target=run, name=f"hook-{ref.function}", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        raise HookError(f"hook {_name(ref)}: timed out after {timeout_s:g}s")
    if "error" in outcome:
        exc = outcome["error"]
        raise HookError(f"hook {_name(ref)} raised {type(exc).__name__}: {str(exc)[:_EXCERPT]}") from exc
    return _json_round_trip(outcome.get("value"), "its answer", ref)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect would turn the POST into a GET without the event; report it as the hook's answer instead."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


# No ProxyHandler from the environment: the only place Groundwork reads the environment is shared/config.py.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def _excerpt(body: bytes) -> str:
    text = body[:_EXCERPT].decode("utf-8", errors="replace").strip()
    return text + ("..." if len(body) > _EXCERPT else "")


def _refuse_constant(name: str) -> Any:
    """NaN/Infinity are not JSON; refused here as a Python hook's answer is, so both kinds agree."""
    raise ValueError(f"{name} is not JSON")


def _call_http(ref: HookRef, event: dict[str, Any], timeout_s: float) -> Any:
    try:
        data = json.dumps(event, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise HookError(f"hook {_name(ref)}: the event is not JSON-serialisable ({exc})") from None
    request = urllib.request.Request(ref.url, data=data, method="POST", headers={
        "Content-Type": "application/json", "Accept": "application/json"})
    try:
        with _OPENER.open(request, timeout=timeout_s) as response:
            status = response.status
            body = response.read(MAX_RESPONSE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        body = b""
        try:
            body = exc.read(_EXCERPT + 1)
        except (OSError, ValueError):
            pass
        finally:
            exc.close()
        raise HookError(f"hook {_name(ref)}: HTTP {exc.code}: {_excerpt(body)}") from None
    except TimeoutError:
        raise HookError(f"hook {_name(ref)}: timed out after {timeout_s:g}s") from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise HookError(f"hook {_name(ref)}: timed out after {timeout_s:g}s") from None
        raise HookError(f"hook {_name(ref)}: cannot reach it: {exc.reason}") from None
    except (OSError, http.client.HTTPException) as exc:  # connection reset mid-answer, a garbled status line
        raise HookError(f"hook {_name(ref)}: {type(exc).__name__}: {exc}") from None
    if not 200 <= status < 300:
        raise HookError(f"hook {_name(ref)}: HTTP {status}: {_excerpt(body)}")
    if len(body) > MAX_RESPONSE_BYTES:
        raise HookError(f"hook {_name(ref)}: answer larger than {MAX_RESPONSE_BYTES} bytes")
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except ValueError:
        raise HookError(f"hook {_name(ref)}: answer is not JSON: {_excerpt(body)}") from None


def run_pre_annotation(ref: HookRef, *, job_arn: str, data_object: dict[str, Any], timeout_s: float,
                       allowed_modules: tuple[str, ...]) -> PreAnnotation:
    """One object through a pre-annotation hook: its `task.input` and whether a human must label it."""
    answer = call_hook(ref, pre_annotation_event(job_arn, data_object), timeout_s=timeout_s,
                       allowed_modules=allowed_modules)
    try:
        return parse_pre_annotation_response(answer)
    except HookError as exc:
        raise HookError(f"hook {_name(ref)}: {exc}") from None


def _free_stamp(blobs: BlobStore, layout: HookLayout, moment: datetime, iteration: int) -> str:
    """The first suffix ("", "-2", "-3", ...) whose request file does not exist yet, so a second batch in the same
    second does not overwrite the first batch's record (or, worse, its payload before the hook reads it)."""
    suffix, n = "", 1
    while blobs.exists(layout.consolidation_request(moment, iteration, suffix)):
        n += 1
        suffix = f"-{n}"
    return suffix


def run_consolidation(blobs: BlobStore, layout_root: str, ref: HookRef, *, job_arn: str, label_attribute: str,
                      label_categories: Sequence[str] | None, role_arn: str, objects: Sequence[PayloadObject],
                      moment: datetime, timeout_s: float, allowed_modules: tuple[str, ...],
                      iteration: int = 1) -> dict[str, ConsolidatedContent]:
    """One batch through a consolidation hook, leaving Ground Truth's record of it under the job's output:

    1. the payload to `<root>/annotations/consolidated-annotation/consolidation-request/iteration-<n>/<stamp>.json`,
    2. the hook called with an event whose `payload.s3Uri` is that file,
    3. its raw answer to `.../consolidation-response/iteration-<n>/<stamp>.json` (before validation, so a bad
       answer is on record),
    4. the answer checked against the batch's ids: `{datasetObjectId: ConsolidatedContent}`.

    `layout_root` is `JobLayout.root` (`<output>/<job-name>`). Ids the hook left out are absent from the result.
    """
    payload = consolidation_payload(objects)
    expected = {entry["datasetObjectId"] for entry in payload}
    layout = HookLayout(layout_root)
    suffix = _free_stamp(blobs, layout, moment, iteration)
    request_uri = layout.consolidation_request(moment, iteration, suffix)
    blobs.write_bytes(request_uri, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json")
    event = consolidation_event(job_arn, label_categories, label_attribute, role_arn, request_uri)
    answer = call_hook(ref, event, timeout_s=timeout_s, allowed_modules=allowed_modules)
    blobs.write_bytes(layout.consolidation_response(moment, iteration, suffix),
                      json.dumps(answer, ensure_ascii=False).encode("utf-8"), "application/json")
    try:
        return parse_consolidation_response(answer, label_attribute, expected)
    except HookError as exc:
        raise HookError(f"hook {_name(ref)}: {exc}") from None
