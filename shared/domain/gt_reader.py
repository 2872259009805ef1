"""Reading labels out of real Ground Truth output manifests (a prior job's line, an imported labeled data set).

Tolerant by design: groundtruth_manifests/README.md lists what real files vary in (key order, number types,
indices as strings, unsorted class maps, job names with and without `labeling-job/`, several date formats,
`job_name`/`creation_date` spellings, empty results, unknown keys). Structure that cannot be read as the
declared type is refused with ValidationFailed naming the member, since a wrong prior label is worse than none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.domain.errors import ValidationFailed

CLASSIFICATION_TYPES = frozenset({"groundtruth/image-classification", "groundtruth/text-classification"})
MULTILABEL_TYPES = frozenset({"groundtruth/image-classification-multilabel",
                              "groundtruth/text-classification-multilabel"})
OBJECT_DETECTION = "groundtruth/object-detection"
SEMANTIC_SEGMENTATION = "groundtruth/semantic-segmentation"
TEXT_SPAN = "groundtruth/text-span"
LABEL_VERIFICATION = "groundtruth/label-verification"
CUSTOM = "groundtruth/custom"
JOB_PREFIX = "labeling-job/"


@dataclass(frozen=True)
class PriorLabel:
    """One label attribute of one manifest line, decoded by its metadata `type`.

    `kind` is the metadata `type` lower-cased (`groundTruth/custom` → `groundtruth/custom`), or inferred from the
    value's shape when the metadata is missing. Numbers keep their JSON type except where noted: class indices
    are ints (strings such as `"0"` are converted), confidences are floats. Fields that do not apply to a kind
    keep their empty defaults.
    """

    attribute: str
    kind: str
    value: Any
    metadata: dict[str, Any]
    human: bool = True
    job_name: str = ""  # without `labeling-job/`, as written (GT lower-cases it)
    created: datetime | None = None  # naive UTC, like every datetime in Groundwork
    confidence: float | None = None  # classification/verification; segmentation: the per-image value
    class_index: int | None = None
    class_name: str | None = None
    class_indices: tuple[int, ...] = ()  # multi-label, in the value's (unsorted) order
    class_map: dict[int, str] = field(default_factory=dict)
    confidence_map: dict[int, float] = field(default_factory=dict)  # may have fewer keys than class_map
    image_size: tuple[int, int, int] | None = None  # (width, height, depth)
    boxes: tuple[tuple[int, int | float, int | float, int | float, int | float], ...] = ()  # (class_id, l, t, w, h)
    box_confidences: tuple[float, ...] = ()
    entities: tuple[tuple[str, int, int], ...] = ()  # (label, startOffset, endOffset)
    entity_confidences: tuple[float, ...] = ()
    label_entries: tuple[dict[str, Any], ...] = ()  # NER's echoed label list
    mask_uri: str | None = None  # semantic segmentation's consolidated PNG
    ref_uri: str | None = None  # any string value of a `-ref` attribute (mask, video SeqLabel.json, ...)
    color_map: dict[int, tuple[str, str]] = field(default_factory=dict)  # index → (class-name, hex-color)
    adjustment_status: str | None = None
    worker_feedback: tuple[str, ...] = ()


def iter_manifest(text: str) -> Iterator[dict[str, Any]]:
    """The JSON objects of a JSON Lines manifest; blank lines (seen in hand-edited real files) are skipped and a
    leading BOM is ignored. A line that is not a JSON object is refused naming its 1-based number."""
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            raise ValidationFailed("is not valid JSON", f"line {number}") from None
        if not isinstance(record, dict):
            raise ValidationFailed("must be a JSON object", f"line {number}")
        yield record


def read_label(record: dict[str, Any], attribute: str) -> PriorLabel | None:
    """The label stored under `attribute` (the job's LabelAttributeName: never found by suffix matching), or None
    when the line has no value for it (an object that was not labeled, or a metadata-only failure entry)."""
    if attribute not in record or record[attribute] is None:
        return None
    value = record[attribute]
    raw_meta = record.get(f"{attribute}-metadata")
    if raw_meta is not None and not isinstance(raw_meta, dict):
        raise ValidationFailed("must be an object", f"{attribute}-metadata")
    meta: dict[str, Any] = raw_meta or {}
    kind = str(meta.get("type") or _infer_kind(attribute, value)).lower()
    job = str(meta.get("job-name", meta.get("job_name", "")) or "")
    common: dict[str, Any] = {
        "attribute": attribute, "kind": kind, "value": value, "metadata": meta,
        "human": _human(meta.get("human-annotated", "yes")),
        "job_name": job.removeprefix(JOB_PREFIX),
        "created": parse_gt_date(meta.get("creation-date", meta.get("creation_date"))),
        "adjustment_status": meta.get("adjustment-status") if isinstance(meta.get("adjustment-status"), str)
        else None,
    }
    if isinstance(value, str) and attribute.endswith("-ref"):
        common["ref_uri"] = value
    reader = _READERS.get(kind)
    extra = reader(attribute, value, meta) if reader else {}
    return PriorLabel(**{**common, **extra})


def _infer_kind(attribute: str, value: Any) -> str:
    """For lines whose metadata is missing or mismatched (script-made look-alikes)."""
    if isinstance(value, bool):
        return ""
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return "groundtruth/image-classification"
    if isinstance(value, list):
        return "groundtruth/image-classification-multilabel"
    if isinstance(value, dict) and "image_size" in value and "annotations" in value:
        return OBJECT_DETECTION
    if isinstance(value, dict) and isinstance(value.get("annotations"), dict):
        return TEXT_SPAN
    if isinstance(value, str) and attribute.endswith("-ref"):
        return SEMANTIC_SEGMENTATION
    return ""


def parse_gt_date(text: Any) -> datetime | None:
    """`creation-date` in any form seen in real files (microseconds, milliseconds, `+0000`, `Z`), as naive UTC;
    None when absent or unreadable (the date is informative, never worth refusing a label for)."""
    if not isinstance(text, str) or not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _human(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() != "no"


def _index(value: Any, field: str) -> int:
    if isinstance(value, bool):
        raise ValidationFailed("must be a class index", field)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValidationFailed("must be a class index", field)


def _confidence(value: Any, field: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValidationFailed("must be a number", field)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            pass
    raise ValidationFailed("must be a number", field)


def _coordinate(value: Any, field: str) -> int | float:
    if isinstance(value, bool):
        raise ValidationFailed("must be a number", field)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            return int(number) if number.is_integer() else number
    raise ValidationFailed("must be a number", field)


def _index_map(raw: Any, field: str) -> dict[int, Any]:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ValidationFailed("must be an object keyed by class index", field)
    return {_index(k, f"{field}.{k}"): v for k, v in raw.items()}


def _read_classification(attribute: str, value: Any, meta: dict[str, Any]) -> dict[str, Any]:
    name = meta.get("class-name")
    return {"class_index": _index(value, attribute), "class_name": name if isinstance(name, str) else None,
            "confidence": _confidence(meta.get("confidence"), f"{attribute}-metadata.confidence")}


def _read_verification(attribute: str, value: Any, meta: dict[str, Any]) -> dict[str, Any]:
    out = _read_classification(attribute, value, meta)
    feedback = meta.get("worker-feedback") or []
    if not isinstance(feedback, list):
        raise ValidationFailed("must be a list", f"{attribute}-metadata.worker-feedback")
    out["worker_feedback"] = tuple(str(f["comment"]) for f in feedback if isinstance(f, dict) and f.get("comment"))
    return out


def _read_multilabel(attribute: str, value: Any, meta: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(value, list):
        raise ValidationFailed("must be a list of class indices", attribute)
    class_map = _index_map(meta.get("class-map"), f"{attribute}-metadata.class-map")
    confidences = _index_map(meta.get("confidence-map"), f"{attribute}-metadata.confidence-map")
    return {
        "class_indices": tuple(_index(v, f"{attribute}[{i}]") for i, v in enumerate(value)),
        "class_map": {k: str(v) for k, v in class_map.items()},
        "confidence_map": {k: _confidence(v, f"{attribute}-metadata.confidence-map.{k}") or 0.0
                           for k, v in confidences.items()},
    }


def _read_boxes(attribute: str, value: Any, meta: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValidationFailed("must be an object with 'annotations' and 'image_size'", attribute)
    size = value.get("image_size")
    if isinstance(size, list):
        size = size[0] if size else None
    image_size = None
    if isinstance(size, dict):
        image_size = tuple(int(_coordinate(size.get(k, 0 if k == "depth" else None), f"{attribute}.image_size.{k}"))
                           for k in ("width", "height", "depth"))
    annotations = value.get("annotations")
    annotations = [] if annotations is None else annotations
    if not isinstance(annotations, list):
        raise ValidationFailed("must be a list", f"{attribute}.annotations")
    boxes = []
    for i, box in enumerate(annotations):
        where = f"{attribute}.annotations[{i}]"
        if not isinstance(box, dict):
            raise ValidationFailed("must be an object", where)
        boxes.append((_index(box.get("class_id"), f"{where}.class_id"),
                      *(_coordinate(box.get(k), f"{where}.{k}") for k in ("left", "top", "width", "height"))))
    objects = meta.get("objects")
    objects = [] if objects is None else objects
    if not isinstance(objects, list):
        raise ValidationFailed("must be a list", f"{attribute}-metadata.objects")
    confidences = tuple(_confidence(o.get("confidence") if isinstance(o, dict) else o,
                                    f"{attribute}-metadata.objects[{i}]") or 0.0 for i, o in enumerate(objects))
    class_map = _index_map(meta.get("class-map"), f"{attribute}-metadata.class-map")
    return {"image_size": image_size, "boxes": tuple(boxes), "box_confidences": confidences,
            "class_map": {k: str(v) for k, v in class_map.items()}}


def _read_segmentation(attribute: str, value: Any, meta: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(value, str):
        raise ValidationFailed("must be the URI of the consolidated mask", attribute)
    raw = _index_map(meta.get("internal-color-map"), f"{attribute}-metadata.internal-color-map")
    color_map: dict[int, tuple[str, str]] = {}
    confidence = None
    for k, entry in sorted(raw.items()):
        where = f"{attribute}-metadata.internal-color-map.{k}"
        if not isinstance(entry, dict):
            raise ValidationFailed("must be an object", where)
        color_map[k] = (str(entry.get("class-name", "")), str(entry.get("hex-color", "")).lower())
        if confidence is None:
            confidence = _confidence(entry.get("confidence"), f"{where}.confidence")
    return {"mask_uri": value, "color_map": color_map, "confidence": confidence,
            "class_map": {k: name for k, (name, _) in color_map.items()}}


def _read_spans(attribute: str, value: Any, meta: dict[str, Any]) -> dict[str, Any]:
    annotations = value.get("annotations") if isinstance(value, dict) else None
    if not isinstance(annotations, dict):
        raise ValidationFailed("must be {\"annotations\": {\"entities\": [...], \"labels\": [...]}}", attribute)
    raw = annotations.get("entities") or []
    if not isinstance(raw, list):
        raise ValidationFailed("must be a list", f"{attribute}.annotations.entities")
    entities = []
    for i, entity in enumerate(raw):
        where = f"{attribute}.annotations.entities[{i}]"
        if not isinstance(entity, dict) or not isinstance(entity.get("label"), str):
            raise ValidationFailed("must be an object with a string 'label'", where)
        entities.append((entity["label"], _index(entity.get("startOffset"), f"{where}.startOffset"),
                         _index(entity.get("endOffset"), f"{where}.endOffset")))
    labels = annotations.get("labels") or []
    objects = meta.get("entities") or []
    return {
        "entities": tuple(entities),
        "label_entries": tuple(dict(e) for e in labels if isinstance(e, dict)) if isinstance(labels, list) else (),
        "entity_confidences": tuple(
            _confidence(o.get("confidence") if isinstance(o, dict) else o, f"{attribute}-metadata.entities[{i}]")
            or 0.0 for i, o in enumerate(objects if isinstance(objects, list) else [])),
    }


def _read_video(attribute: str, value: Any, meta: dict[str, Any]) -> dict[str, Any]:
    class_map = _index_map(meta.get("class-map"), f"{attribute}-metadata.class-map")
    out: dict[str, Any] = {"class_map": {k: str(v) for k, v in class_map.items()}}
    if isinstance(value, str):
        out["ref_uri"] = value
    return out


_READERS = {
    **dict.fromkeys(CLASSIFICATION_TYPES, _read_classification),
    **dict.fromkeys(MULTILABEL_TYPES, _read_multilabel),
    OBJECT_DETECTION: _read_boxes,
    SEMANTIC_SEGMENTATION: _read_segmentation,
    TEXT_SPAN: _read_spans,
    LABEL_VERIFICATION: _read_verification,
    "groundtruth/video-object-detection": _read_video,
    "groundtruth/video-object-tracking": _read_video,
}
