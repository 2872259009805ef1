"""Task UIs from Liquid templates, rendered the way Ground Truth renders its worker templates.

A job's template (a custom one, or the built-in template of its task type in `task_templates/`) is Liquid over
HTML with Crowd HTML Elements. It sees one variable, `task.input`, and Ground Truth's filters: `grant_read_access`
(a stored file's URI becomes a short-lived signed link), `to_json`, `escape`, `escape_once` and `skip_autoescape`,
with every output HTML-escaped unless a filter says otherwise (autoescape), so a manifest's text cannot inject
markup into the task page.

The rendered page is a whole HTML document that loads Groundwork's own crowd elements from
`/crowd-html-elements.js`: the Ground Truth script tag (`https://assets.crowd.aws/crowd-html-elements.js`) is
dropped from the template, because nothing here may reach the internet and the elements must load exactly once.

Parsed templates are cached by their source's digest (bounded), so a busy job parses its template once.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

import markupsafe
from liquid import BoundTemplate, Environment, FileSystemLoader, Markup, Token, TokenStream, is_undefined
from liquid.exceptions import LiquidError
from liquid.parser import get_parser

from shared.bootstrap import Deps
from shared.domain.errors import DomainError
from shared.domain.task_types import TaskType
from shared.services.media import blob_url

log = logging.getLogger(__name__)

CROWD_SCRIPT = "/crowd-html-elements.js"
TEMPLATES = Path(__file__).resolve().parent / "task_templates"
PARTIALS = TEMPLATES / "partials"
MAX_TEMPLATE_CHARS = 128_000
CACHE_SIZE = 256

# Ground Truth's crowd-elements script tag, in any quoting and with any extra attributes.
_GT_SCRIPT = re.compile(
    r"<script\b[^>]*?\bsrc\s*=\s*[\"']?https?://assets\.crowd\.aws/crowd-html-elements\.js[\"']?[^>]*>\s*</script\s*>",
    re.IGNORECASE)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
_HTML = re.compile(r"<html\b[^>]*>", re.IGNORECASE)
_DOCTYPE = re.compile(r"^\s*<!doctype", re.IGNORECASE)


class TemplateInvalid(DomainError):
    """A template that does not parse, or that uses a filter Groundwork does not have: the requester's error."""

    status = 400
    code = "invalid_template"


class TemplateFailed(DomainError):
    """A stored template failed while rendering a task: not the labeler's fault, so a server-side error."""

    status = 500
    code = "template_failed"


class _TaskEnvironment(Environment):
    """Bounds a template's work: templates come from requesters and run on the API's threads."""

    loop_iteration_limit = 100_000
    output_stream_limit = 8_000_000
    local_namespace_limit = 2_000_000


# A URI -> signed URL function for the render in progress (None: leave the URI as it is). A context variable,
# not a template variable, so a template can neither read nor replace it.
Signer = Callable[[str], str | None]
_SIGNER: ContextVar[Signer | None] = ContextVar("groundwork_task_ui_signer", default=None)


def _plain(value: Any) -> Any:
    """Template values as JSON-able Python values (undefined is null, Markup a plain string)."""
    if is_undefined(value):
        return None
    if isinstance(value, Markup):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def grant_read_access(value: Any) -> str:
    """Ground Truth's filter: a stored file's URI (s3:// or file://) becomes a short-lived signed link a browser
    can open; an http(s) URL passes through unchanged."""
    if value is None or is_undefined(value):
        return ""
    uri = str(value).strip()
    if uri.startswith(("http://", "https://", "data:")):
        return uri
    signer = _SIGNER.get()
    signed = signer(uri) if signer is not None else None
    return signed if signed is not None else uri


def to_json(value: Any) -> str:
    """JSON text of a value (plain text: autoescape still escapes it for the attribute it lands in)."""
    return json.dumps(_plain(value), ensure_ascii=False)


def escape(value: Any) -> Markup:
    if value is None or is_undefined(value):
        return Markup("")
    return markupsafe.escape(str(value))


def escape_once(value: Any) -> Markup:
    """Escape, leaving entities that are already escaped as they are (`&amp;` stays `&amp;`)."""
    if value is None or is_undefined(value):
        return Markup("")
    return markupsafe.escape(html.unescape(str(value)))


def skip_autoescape(value: Any) -> Markup:
    """Emit the value as raw HTML (Ground Truth's escape hatch for instructions; the template's author owns it)."""
    if value is None or is_undefined(value):
        return Markup("")
    return Markup(str(value))


def _environment() -> Environment:
    # The loader serves only the built-in partials (the good/bad examples block every built-in template renders).
    env = _TaskEnvironment(autoescape=True, strict_filters=True,
                           loader=FileSystemLoader(PARTIALS, ext=".liquid", reject_symlinks=True))
    env.filters.update({"grant_read_access": grant_read_access, "to_json": to_json, "escape": escape,
                        "escape_once": escape_once, "skip_autoescape": skip_autoescape})
    return env


ENV = _environment()
_cache: OrderedDict[str, BoundTemplate] = OrderedDict()
_cache_lock = threading.Lock()


def _without_gt_script(source: str) -> str:
    """Drop Ground Truth's script tag, keeping its line breaks so error line numbers still match the source."""
    return _GT_SCRIPT.sub(lambda m: "\n" * m.group(0).count("\n"), source)


def _where(source: str, index: int) -> str:
    if index < 0 or index >= len(source):
        return " (at the end of the template)"
    line = source.count("\n", 0, index) + 1
    column = index - (source.rfind("\n", 0, index) + 1) + 1
    return f" (line {line}, column {column})"


def _last_token_index(source: str) -> int:
    """Where parsing stopped: parse again, recording the last markup token the parser took. Liquid reports some
    syntax errors (a bad filter expression, a block never closed) with no position of their own."""
    last = -1

    def tracked(tokens: Iterator[Token]) -> Iterator[Token]:
        nonlocal last
        for token in tokens:
            if token.start_index >= 0 and token.kind != "content":
                last = token.start_index
            yield token

    with suppress(Exception):  # the error itself is already known; only its place is wanted
        get_parser(ENV).parse(TokenStream(tracked(ENV.tokenizer()(source))))
    return last


def _message(exc: LiquidError, source: str) -> str:
    token = exc.token
    first = str(exc.message if exc.message is not None else type(exc).__name__).splitlines()[0]
    if token is not None and token.start_index >= 0:
        return first + _where(token.source or source, token.start_index)
    unclosed = re.search(r"expected tag end(\w+)", first)
    if unclosed is not None:  # name the block that is never closed: the last opener without its end tag
        name, opened = unclosed.group(1), []
        for tok in ENV.tokenizer()(source):
            if tok.kind == "tag" and tok.value == name:
                opened.append(tok.start_index)
            elif tok.kind == "tag" and tok.value == f"end{name}" and opened:
                opened.pop()
        if opened:
            return f"{first}: the '{name}' block{_where(source, opened[-1])} is never closed"
    index = _last_token_index(source)
    return first + _where(source, index) if index >= 0 else first


def parse_template(source: str, field: str = "ui_template") -> BoundTemplate:
    """The parsed template (cached by digest), or TemplateInvalid naming `field` with the Liquid message and the
    line. Unknown filters are refused here too, so a stored template rarely fails later while rendering."""
    if len(source) > MAX_TEMPLATE_CHARS:
        raise TemplateInvalid(f"at most {MAX_TEMPLATE_CHARS} characters", field)
    key = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    rewritten = _without_gt_script(source)
    try:
        template = ENV.from_string(rewritten)
        filters = template.analyze().filters
    except LiquidError as exc:
        raise TemplateInvalid(f"the template does not parse: {_message(exc, rewritten)}", field) from None
    except (RecursionError, ValueError, TypeError) as exc:
        raise TemplateInvalid(f"the template does not parse: {exc}", field) from None
    for name, spans in filters.items():
        if name not in ENV.filters:
            raise TemplateInvalid(f"unknown filter '{name}'{_where(rewritten, spans[0].index)}", field)
    with _cache_lock:
        _cache[key] = template
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return template


def check_template(source: str | None, field: str = "ui_template") -> None:
    """At job creation: refuse a template that would not render (400 naming the field)."""
    if source is not None:
        parse_template(source, field)


@cache
def builtin_template(task_type: str) -> str:
    """The built-in template of a task type (Ground Truth's built-in UIs, written with the same elements)."""
    return (TEMPLATES / f"{TaskType(task_type).value}.liquid").read_text(encoding="utf-8")


def document(body: str) -> str:
    """The rendered template as a whole HTML document whose head loads the crowd elements once."""
    head = f'<meta charset="utf-8"><script src="{CROWD_SCRIPT}"></script>'
    opened = _HEAD.search(body)
    if opened is not None:
        page = body[:opened.end()] + head + body[opened.end():]
    elif (root := _HTML.search(body)) is not None:
        page = body[:root.end()] + f"<head>{head}</head>" + body[root.end():]
    else:
        return f"<!doctype html><html><head>{head}</head><body>{body}</body></html>"
    return page if _DOCTYPE.match(page) else "<!doctype html>" + page


@contextmanager
def _signing(signer: Signer | None) -> Iterator[None]:
    token = _SIGNER.set(signer)
    try:
        yield
    finally:
        _SIGNER.reset(token)


def render(source: str, task_input: Mapping[str, Any], signer: Signer | None = None,
           field: str = "ui_template") -> str:
    """Render a template with `task.input` into a whole document. A template that fails while rendering raises
    TemplateFailed (500: a stored template is not the labeler's fault); callers previewing a template map it
    to a 400."""
    template = parse_template(source, field)
    try:
        with _signing(signer):
            body = template.render(task={"input": dict(task_input)})
    except LiquidError as exc:
        message = _message(exc, _without_gt_script(source))
        log.warning("task template failed to render: %s", message)
        raise TemplateFailed(f"the task's template failed to render: {message}", field) from None
    except (RecursionError, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.warning("task template failed to render: %r", exc)
        raise TemplateFailed(f"the task's template failed to render: {exc}", field) from None
    return document(body)


def blob_signer(deps: Deps, base_url: str, *, readable_only: bool = False) -> Signer:
    """grant_read_access for one request: `s3://`/`file://` URIs become `blob_url` links made absolute on
    `base_url`; a server path (`/...`) is made absolute; anything else is left alone. `readable_only` signs only
    what the blob store can read (the preview endpoint: it never hands out a link to nothing)."""
    base = base_url.rstrip("/")

    def sign(uri: str) -> str | None:
        if uri.startswith("/"):
            return base + uri
        if not uri.startswith(("s3://", "file://")):
            return None
        if readable_only and not deps.blobs.exists(uri):
            return None
        url = blob_url(deps, uri)
        return url if url.startswith(("http://", "https://")) else base + url

    return sign


def render_task(deps: Deps, template_source: str, task_input: Mapping[str, Any], base_url: str) -> str:
    """A task's page: the template rendered with `task.input`, URIs signed for this request's host."""
    return render(template_source, task_input, blob_signer(deps, base_url))


# ---- task.input -------------------------------------------------------------------------------------------------

DEFAULT_HEADERS = {
    TaskType.IMAGE_CLASSIFICATION: "Choose the category that best describes the image",
    TaskType.IMAGE_MULTILABEL: "Choose every category that applies to the image",
    TaskType.TEXT_CLASSIFICATION: "Choose the category that best describes the text",
    TaskType.TEXT_MULTILABEL: "Choose every category that applies to the text",
    TaskType.BOUNDING_BOX: "Draw a box around each object of the listed categories",
    TaskType.SEMANTIC_SEGMENTATION: "Paint every object of the listed categories",
    TaskType.NAMED_ENTITY_RECOGNITION: "Highlight the entities in the text",
    TaskType.VERIFICATION_BOUNDING_BOX: "Are these boxes correct?",
    TaskType.VERIFICATION_SEMANTIC_SEGMENTATION: "Is this segmentation correct?",
    TaskType.ADJUSTMENT_BOUNDING_BOX: "Correct the boxes: move, resize, add or delete them",
    TaskType.ADJUSTMENT_SEMANTIC_SEGMENTATION: "Correct the painted areas",
}
_BOX_REVIEWS = (TaskType.VERIFICATION_BOUNDING_BOX, TaskType.ADJUSTMENT_BOUNDING_BOX)
_MASK_REVIEWS = (TaskType.VERIFICATION_SEMANTIC_SEGMENTATION, TaskType.ADJUSTMENT_SEMANTIC_SEGMENTATION)
_LABEL_KEYS = ("label", "shortDisplayName", "fullDisplayName")


def _signed(sign: Signer, uri: Any) -> str | None:
    if not isinstance(uri, str) or not uri:
        return None
    if uri.startswith(("http://", "https://")):
        return uri
    return sign(uri) or uri


def _prior_boxes(value: Any, metadata: Mapping[str, Any], labels: list[str]) -> tuple[list[str], list[dict[str, Any]]]:
    """The reviewed job's boxes in the crowd elements' shape, named through its `class-map`."""
    class_map = metadata.get("class-map") if isinstance(metadata.get("class-map"), Mapping) else {}
    names = [str(class_map[k]) for k in sorted(class_map, key=lambda k: (not str(k).isdigit(), str(k).zfill(9)))]
    boxes: list[dict[str, Any]] = []
    annotations = value.get("annotations") if isinstance(value, Mapping) else None
    for box in annotations if isinstance(annotations, list) else []:
        if not isinstance(box, Mapping):
            continue
        cid = box.get("class_id")
        name = class_map.get(str(cid))
        if name is None:
            name = labels[cid] if isinstance(cid, int) and 0 <= cid < len(labels) else str(cid)
        boxes.append({"label": str(name), **{k: box.get(k, 0) for k in ("left", "top", "width", "height")}})
        if str(name) not in names:
            names.append(str(name))
    return names, boxes


def _prior_mask(value: Any, metadata: Mapping[str, Any], sign: Signer) -> dict[str, Any]:
    """The reviewed job's mask as `{src, labelMappings}` (Ground Truth's initial-value shape)."""
    colors = metadata.get("internal-color-map") if isinstance(metadata.get("internal-color-map"), Mapping) else {}
    mappings = {str(entry["class-name"]): {"color": entry.get("hex-color")}
                for key, entry in colors.items()
                if isinstance(entry, Mapping) and "class-name" in entry and str(key) != "0"}
    return {"src": _signed(sign, value) or "", "labelMappings": mappings}


def prior_for_template(task_type: str, prior: Mapping[str, Any], labels: list[str],
                       sign: Signer) -> dict[str, Any]:
    """The task view's prior label plus what the built-in templates draw: `overlay` (verification, the
    crowd-image-classifier attribute) and `initialValue` (adjustment, the drawing element's attribute)."""
    value = prior.get("value")
    metadata = prior.get("metadata") if isinstance(prior.get("metadata"), Mapping) else {}
    out = dict(prior)
    if task_type in _BOX_REVIEWS:
        names, boxes = _prior_boxes(value, metadata, labels)
        out["overlay"] = {"bounding-box": {"labels": names, "value": boxes}}
        out["initialValue"] = boxes
    elif task_type in _MASK_REVIEWS:
        mask = _prior_mask(value, metadata, sign)
        out["overlay"] = {"semantic-segmentation": mask}
        out["initialValue"] = mask
    return out


def example_for_template(example: Mapping[str, Any], sign: Signer) -> dict[str, Any]:
    """An instructions example; an image example gains `url`, a signed link to its image."""
    out = dict(example)
    if example.get("source_ref"):
        out["url"] = _signed(sign, example["source_ref"])
    return out


def task_input(view: Mapping[str, Any], examples: list[dict[str, Any]], sign: Signer,
               builtin: bool = False) -> dict[str, Any]:
    """`task.input` for a leased task (see labeling.lease_view for `view`).

    A pre-annotation hook's taskInput is what Ground Truth gives templates; otherwise the manifest line is, with
    `taskObject` (the text, or the raw `source-ref` URI: templates pass it through grant_read_access). Members a
    taskInput lacks are filled in: `taskObject`, `labels` (label names; for named entities the label entries with
    their short names, as crowd-entity-annotation takes them), `instructions` {short, full}, `examples`, `header`
    (the job title or a default), and for verification and adjustment `prior` and `manifestLine`. For a built-in
    template without a hook these members are the job's even where the manifest line has a key of that name (a
    line's own `labels` must not become the job's categories); a custom template sees the line's value first.
    """
    given = view["input"]
    line = view.get("manifest_line") or {}
    hooked = isinstance(given.get("taskInput"), dict)
    data: dict[str, Any] = dict(given["taskInput"]) if hooked else dict(line)
    if builtin and not hooked:
        for key in ("taskObject", "labels", "instructions", "examples", "header", "prior", "manifestLine"):
            data.pop(key, None)
    data.setdefault("taskObject", given["source"] if "source" in given else view.get("source_ref"))
    task_type = view["task_type"]
    labels = list(view["labels"])
    if task_type == TaskType.NAMED_ENTITY_RECOGNITION:
        entries = [e for e in view.get("label_categories") or [] if isinstance(e, Mapping) and "label" in e]
        data.setdefault("labels", [{k: e[k] for k in _LABEL_KEYS if k in e} for e in entries]
                        or [{"label": name} for name in labels])
    else:
        data.setdefault("labels", labels)
    data.setdefault("instructions", dict(view["instructions"]))
    data.setdefault("examples", [example_for_template(e, sign) for e in examples])
    data.setdefault("header", view.get("title") or DEFAULT_HEADERS[TaskType(task_type)])
    prior = given.get("prior")
    if isinstance(prior, Mapping):
        data.setdefault("prior", prior_for_template(task_type, prior, labels, sign))
        data.setdefault("manifestLine", line)
    return data


def preview_input(sample: Mapping[str, Any]) -> dict[str, Any]:
    """`task.input` for a preview: the sample manifest line, with `taskObject` taken from `source` or
    `source-ref` when the sample has none (as a task without a pre-annotation hook would have it)."""
    data = dict(sample)
    if "taskObject" not in data:
        for key in ("source", "source-ref"):
            if key in data:
                data["taskObject"] = data[key]
                break
    return data
