"""What a labeler may submit, checked against the job's task type and label categories before anything is stored.

The stored content is the crowd element's own output shape (doc §1.10) without the element-name wrapper, so a
worker-response file can be rebuilt from it unchanged. Errors name the member at fault the way the API reports
it: `answer.boundingBoxes[2].width`.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable
from typing import Any

from shared.domain.errors import ValidationFailed
from shared.domain.labels import LabelConfig
from shared.domain.task_types import AnswerKind, TaskTypeSpec

MAX_COMMENT_LENGTH = 2000
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEX_COLOR = re.compile(r"#[0-9a-fA-F]{6}|#[0-9a-fA-F]{3}")
_DATA_URL_PREFIX = re.compile(r"data:image/png;base64,", re.IGNORECASE)


def canonical_answer(answer: Any, elements: tuple[str, ...]) -> dict[str, Any]:
    """Accept `{"label": "cat"}` or a crowd element's shape `{"crowd-classifier": {"label": "cat"}}` for one of
    `elements`; return `{"label": name}` (plus `workerComment`). Whether the label is the job's is checked apart."""
    if isinstance(answer, dict):
        for element in elements:
            if isinstance(answer.get(element), dict):
                answer = answer[element]
                break
    if not isinstance(answer, dict):
        raise ValidationFailed("must be an object like {\"label\": \"<category>\"}", "answer")
    label = answer.get("label")
    if not isinstance(label, str):
        raise ValidationFailed("must be one of the job's label categories", "answer.label")
    out: dict[str, Any] = {"label": label}
    comment = answer.get("workerComment")
    if isinstance(comment, str) and comment:
        out["workerComment"] = comment[:MAX_COMMENT_LENGTH]
    return out


def check_label(content: dict[str, Any], labels: LabelConfig) -> dict[str, Any]:
    _check_category(content["label"], labels, "answer.label")
    return content


def normalize_classification_answer(answer: Any, spec: TaskTypeSpec, labels: LabelConfig) -> dict[str, Any]:
    """The answer in canonical form, checked against the job's task type and label categories."""
    return check_label(canonical_answer(answer, (spec.element,)), labels)


# -- every task type ---------------------------------------------------------------------------------------------

_BARE_KEYS: dict[AnswerKind, str] = {
    AnswerKind.CLASS: "label",
    AnswerKind.VERDICT: "label",
    AnswerKind.MULTI: "labels",
    AnswerKind.BOXES: "boundingBoxes",
    AnswerKind.MASK: "labeledImage",
    AnswerKind.SPANS: "entities",
}


def normalize_answer(spec: TaskTypeSpec, answer: Any, labels: LabelConfig, *, text: str | None = None,
                     image_size: tuple[int, int] | None = None) -> dict[str, Any]:
    """One labeler's answer for a task of type `spec`, in canonical stored form, or ValidationFailed.

    Accepted wrapped (`{"<element name>": {...}}`, as a crowd-form posts it: the key is the element's `name`
    attribute, which templates choose freely, e.g. `annotatedResult`) or bare. `text` is the object's source text
    (span offsets are checked against it); `image_size` is `(width, height)` of the image the labeler saw.
    """
    body = _unwrap(answer, spec.element, _BARE_KEYS[spec.answer_kind])
    content = _NORMALIZERS[spec.answer_kind](body, labels, text, image_size)
    modified = body.get("initialValueModified")
    if modified is not None:
        if not isinstance(modified, bool):
            raise ValidationFailed("must be true or false", "answer.initialValueModified")
        content["initialValueModified"] = modified
    return content


def _unwrap(answer: Any, element: str, bare_key: str) -> dict[str, Any]:
    if not isinstance(answer, dict):
        raise ValidationFailed(f"must be an object with '{bare_key}' (or wrapped in '{element}')", "answer")
    inner = answer.get(bare_key)
    if len(answer) == 1 and isinstance(inner, dict) and bare_key in inner:
        # A template whose element is named like the bare key: Ground Truth's NER template names its element
        # "entities", so it posts {"entities": {"entities": [...]}}.
        return inner
    if bare_key in answer:
        return answer
    if isinstance(answer.get(element), dict):
        return answer[element]
    objects = [v for v in answer.values() if isinstance(v, dict)]
    if len(answer) == 1 and len(objects) == 1:  # keyed by a template's own element name
        return objects[0]
    raise ValidationFailed(f"must have '{bare_key}'", f"answer.{bare_key}")


def _check_category(label: Any, labels: LabelConfig, field: str) -> str:
    if not isinstance(label, str) or label not in labels.labels:
        shown = str(label)[:80] if isinstance(label, str) else repr(label)[:80]
        raise ValidationFailed(f"'{shown}' is not one of the job's label categories: {', '.join(labels.labels[:20])}",
                               field)
    return label


def _comment(body: dict[str, Any], out: dict[str, Any]) -> dict[str, Any]:
    comment = body.get("workerComment")
    if comment is not None and not isinstance(comment, str):
        raise ValidationFailed("must be a string", "answer.workerComment")
    if comment:
        out["workerComment"] = comment[:MAX_COMMENT_LENGTH]
    return out


def _class(body: dict[str, Any], labels: LabelConfig, text: str | None,
           image_size: tuple[int, int] | None) -> dict[str, Any]:
    return _comment(body, {"label": _check_category(body.get("label"), labels, "answer.label")})


def _multi(body: dict[str, Any], labels: LabelConfig, text: str | None,
           image_size: tuple[int, int] | None) -> dict[str, Any]:
    chosen = body.get("labels")
    if not isinstance(chosen, list):
        raise ValidationFailed("must be a list of the job's label categories", "answer.labels")
    # An empty list is an answer: nothing applies (the element's exclusion category, "None of the above").
    picked: list[str] = []
    for i, label in enumerate(chosen):
        _check_category(label, labels, f"answer.labels[{i}]")
        if label not in picked:
            picked.append(label)
    return _comment(body, {"labels": picked})


def _number(value: Any, field: str, *, positive: bool) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationFailed("must be a number", field)
    if positive and value <= 0:
        raise ValidationFailed("must be greater than 0", field)
    if value < 0:
        raise ValidationFailed("must not be negative", field)
    return int(value) if float(value).is_integer() else value


def _integral(value: int | float) -> int | float:
    return int(value) if float(value).is_integer() else value


def _image_properties(body: dict[str, Any], image_size: tuple[int, int] | None) -> dict[str, int] | None:
    """`inputImageProperties` as `{"width", "height"}` ints; the server's size wins and must agree when both are
    known, since the boxes are in the coordinates of the image the labeler saw."""
    props = body.get("inputImageProperties")
    if props is None:
        if image_size is None:
            return None
        return {"width": int(image_size[0]), "height": int(image_size[1])}
    if not isinstance(props, dict):
        raise ValidationFailed("must be an object with 'width' and 'height'", "answer.inputImageProperties")
    out: dict[str, int] = {}
    for i, key in enumerate(("width", "height")):
        value = _number(props.get(key), f"answer.inputImageProperties.{key}", positive=True)
        if not float(value).is_integer():
            raise ValidationFailed("must be a whole number of pixels", f"answer.inputImageProperties.{key}")
        if image_size is not None and int(value) != int(image_size[i]):
            raise ValidationFailed(f"is {int(value)} but the image is {image_size[0]}x{image_size[1]} pixels",
                                   f"answer.inputImageProperties.{key}")
        out[key] = int(value)
    return out


def _boxes(body: dict[str, Any], labels: LabelConfig, text: str | None,
           image_size: tuple[int, int] | None) -> dict[str, Any]:
    """Boxes in pixels, origin top-left. Negative coordinates and empty boxes are refused; a box reaching past
    the right or bottom edge is CLIPPED to the image (labelers are told to draw up to the edge, and a drag that
    overshoots by a pixel is the same intent), while a box that starts outside the image is refused."""
    raw = body.get("boundingBoxes")
    if not isinstance(raw, list):
        raise ValidationFailed("must be a list of boxes (an empty list when there is nothing to box)",
                               "answer.boundingBoxes")
    props = _image_properties(body, image_size)
    if props is None:
        raise ValidationFailed("must give the image's 'width' and 'height'", "answer.inputImageProperties")
    boxes: list[dict[str, Any]] = []
    for i, box in enumerate(raw):
        field = f"answer.boundingBoxes[{i}]"
        if not isinstance(box, dict):
            raise ValidationFailed("must be an object with label, left, top, width and height", field)
        label = _check_category(box.get("label"), labels, f"{field}.label")
        left = _number(box.get("left"), f"{field}.left", positive=False)
        top = _number(box.get("top"), f"{field}.top", positive=False)
        width = _number(box.get("width"), f"{field}.width", positive=True)
        height = _number(box.get("height"), f"{field}.height", positive=True)
        if left >= props["width"]:
            raise ValidationFailed(f"is outside the image ({props['width']} pixels wide)", f"{field}.left")
        if top >= props["height"]:
            raise ValidationFailed(f"is outside the image ({props['height']} pixels high)", f"{field}.top")
        width = _integral(min(width, props["width"] - left))
        height = _integral(min(height, props["height"] - top))
        boxes.append({"label": label, "left": left, "top": top, "width": width, "height": height})
    return {"boundingBoxes": boxes, "inputImageProperties": props}


def _mask(body: dict[str, Any], labels: LabelConfig, text: str | None,
          image_size: tuple[int, int] | None) -> dict[str, Any]:
    """Structure and base64 only: the PNG itself is decoded by shared.imaging.decode_mask outside the domain."""
    image = body.get("labeledImage")
    if not isinstance(image, dict):
        raise ValidationFailed("must be an object with 'pngImageData'", "answer.labeledImage")
    data = image.get("pngImageData")
    field = "answer.labeledImage.pngImageData"
    if not isinstance(data, str) or not data:
        raise ValidationFailed("must be a base64-encoded PNG", field)
    data = _DATA_URL_PREFIX.sub("", data, count=1).strip()
    try:
        png = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("is not valid base64", field) from None
    if not png.startswith(PNG_SIGNATURE):
        raise ValidationFailed("is not a PNG image", field)
    mappings = body.get("labelMappings", {})
    if not isinstance(mappings, dict):
        raise ValidationFailed("must map each label to {\"color\": \"#rrggbb\"}", "answer.labelMappings")
    clean: dict[str, dict[str, str]] = {}
    seen: dict[str, str] = {}
    for label, mapping in mappings.items():
        key = f"answer.labelMappings.{label}"
        _check_category(label, labels, key)
        color = mapping.get("color") if isinstance(mapping, dict) else None
        if not isinstance(color, str) or not _HEX_COLOR.fullmatch(color):
            raise ValidationFailed("must be {\"color\": \"#rrggbb\"}", f"{key}.color")
        color = _long_hex(color)
        if color == "#ffffff":
            raise ValidationFailed("white is the background colour", f"{key}.color")
        if color in seen:
            raise ValidationFailed(f"is also the colour of '{seen[color]}'", f"{key}.color")
        seen[color] = label
        clean[label] = {"color": color}
    out: dict[str, Any] = {"labeledImage": {"pngImageData": data}, "labelMappings": clean}
    props = _image_properties(body, image_size)
    if props is not None:
        out["inputImageProperties"] = props
    return out


def _long_hex(color: str) -> str:
    color = color.lower()
    return "#" + "".join(c * 2 for c in color[1:]) if len(color) == 4 else color


def _spans(body: dict[str, Any], labels: LabelConfig, text: str | None,
           image_size: tuple[int, int] | None) -> dict[str, Any]:
    """Character offsets into the source text, `endOffset` exclusive; overlapping spans and several labels on one
    span are allowed (doc §1.7); an exact repeat of a span is dropped."""
    raw = body.get("entities")
    if not isinstance(raw, list):
        raise ValidationFailed("must be a list of {label, startOffset, endOffset} (empty when there are none)",
                               "answer.entities")
    entities: list[dict[str, Any]] = []
    seen: set[tuple[str, int, int]] = set()
    for i, entity in enumerate(raw):
        field = f"answer.entities[{i}]"
        if not isinstance(entity, dict):
            raise ValidationFailed("must be an object with label, startOffset and endOffset", field)
        label = _check_category(entity.get("label"), labels, f"{field}.label")
        offsets: list[int] = []
        for key in ("startOffset", "endOffset"):
            value = entity.get(key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValidationFailed("must be a whole number of characters, 0 or more", f"{field}.{key}")
            offsets.append(value)
        start, end = offsets
        if end <= start:
            raise ValidationFailed(f"must be greater than startOffset ({start})", f"{field}.endOffset")
        if text is not None and end > len(text):
            raise ValidationFailed(f"is past the end of the text ({len(text)} characters)", f"{field}.endOffset")
        if (label, start, end) not in seen:
            seen.add((label, start, end))
            entities.append({"label": label, "startOffset": start, "endOffset": end})
    return {"entities": entities}


_NORMALIZERS: dict[AnswerKind, Callable[[dict[str, Any], LabelConfig, str | None, tuple[int, int] | None],
                                        dict[str, Any]]] = {
    AnswerKind.CLASS: _class,
    AnswerKind.VERDICT: _class,
    AnswerKind.MULTI: _multi,
    AnswerKind.BOXES: _boxes,
    AnswerKind.MASK: _mask,
    AnswerKind.SPANS: _spans,
}
