"""Ground Truth's output formats: output manifest lines, worker-response files and the artefact layout."""

from __future__ import annotations

import colorsys
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Self


def _utc(moment: datetime) -> datetime:
    """Naive datetimes are UTC throughout Groundwork; `astimezone` alone would read them as local time."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def gt_creation_date(moment: datetime) -> str:
    """`YYYY-MM-DDTHH:MM:SS.ffffff` in UTC with no zone suffix, as Ground Truth writes `creation-date`."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%S.%f")


def gt_worker_time(moment: datetime) -> str:
    """Worker-response timestamps: `YYYY-MM-DDTHH:MM:SS.mmmZ`."""
    return _utc(moment).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def worker_answer(content: dict[str, Any], accepted: datetime, submitted: datetime, labeler_id: int) -> dict[str, Any]:
    """One labeler's answer as Ground Truth's worker-response file and Augmented AI's `humanAnswers` both write it
    (A2I adds `workerMetadata`)."""
    return {
        "acceptanceTime": gt_worker_time(accepted),
        "submissionTime": gt_worker_time(submitted),
        "timeSpentInSeconds": round(max(0.0, (submitted - accepted).total_seconds()), 3),
        "workerId": f"{labeler_id:016x}",
        "answerContent": content,
    }


def gt_file_stamp(moment: datetime) -> str:
    """File names under annotations/worker-response: `YYYY-MM-DD_HH:MM:SS`."""
    return _utc(moment).strftime("%Y-%m-%d_%H:%M:%S")


def gt_job_name(job_name: str) -> str:
    return f"labeling-job/{job_name.lower()}"


@dataclass(frozen=True)
class JobLayout:
    """Paths under `<output>/<job-name>/`, as Ground Truth lays them out."""

    root: str

    @classmethod
    def for_job(cls, output_uri: str, job_name: str) -> Self:
        return cls(root=f"{output_uri.rstrip('/')}/{job_name}")

    @property
    def output_manifest(self) -> str:
        return f"{self.root}/manifests/output/output.manifest"

    @property
    def failures(self) -> str:
        return f"{self.root}/manifests/output/failures.jsonl"

    def consolidated_mask(self, dataset_object_id: int | str, moment: datetime) -> str:
        """`<root>/annotations/consolidated-annotation/output/<id>_<YYYY-MM-DDTHH:MM:SS.ffffff>.png`, the name a
        real GT job gave its consolidated mask (groundtruth_manifests/semantic-segmentation)."""
        stamp = gt_creation_date(moment)
        return f"{self.root}/annotations/consolidated-annotation/output/{dataset_object_id}_{stamp}.png"

    def worker_response(self, dataset_object_id: int, moment: datetime, iteration: int = 1) -> str:
        return (
            f"{self.root}/annotations/worker-response/iteration-{iteration}/"
            f"{dataset_object_id}/{gt_file_stamp(moment)}.json"
        )


def classification_line(
    record: dict[str, Any],
    attribute: str,
    class_index: int,
    class_name: str,
    confidence: float,
    output_type: str,
    job_name: str,
    human: bool,
    created: datetime,
) -> dict[str, Any]:
    """The input line plus `<attr>` (class index) and `<attr>-metadata`; an existing key is overwritten."""
    value, extra = classification_value(class_index, class_name, confidence)
    return label_line(record, attribute, value, extra, output_type, job_name, human, created)


# -- every task type: value + type-specific metadata, then one line ----------------------------------------------

Metadata = dict[str, Any]

# Key order of GT's recent (2022+) files: classification-like metadata starts with class-name, job-name,
# confidence; every other type puts its own keys first and ends with type, human-annotated, creation-date,
# job-name (then adjustment-status). Readers must not rely on order (README variant 1); we match it anyway.
_CLASSIFICATION_ORDER = ("class-name", "job-name", "confidence", "type", "human-annotated", "creation-date")
_COMMON_TAIL = ("type", "human-annotated", "creation-date", "job-name")


def label_line(
    record: dict[str, Any],
    attribute: str,
    value: Any,
    metadata_extra: Metadata,
    output_type: str,
    job_name: str,
    human: bool,
    created: datetime,
) -> dict[str, Any]:
    """The input line + `<attr>` + `<attr>-metadata` (existing keys of those names are overwritten, every other
    key passes through unchanged and in place). `metadata_extra` holds only the type-specific keys from one of
    the `*_value` builders; the common keys type / job-name / human-annotated / creation-date are added here."""
    common = {
        "job-name": gt_job_name(job_name),
        "type": output_type,
        "human-annotated": "yes" if human else "no",
        "creation-date": gt_creation_date(created),
    }
    merged = {**metadata_extra, **common}
    if "class-name" in metadata_extra:
        order = [k for k in _CLASSIFICATION_ORDER if k in merged]
    else:
        order = [k for k in metadata_extra if k != "adjustment-status"] + list(_COMMON_TAIL)
    order += [k for k in merged if k not in order]
    out = dict(record)
    out.pop(attribute, None)
    out.pop(f"{attribute}-metadata", None)
    out[attribute] = value
    out[f"{attribute}-metadata"] = {k: merged[k] for k in order}
    return out


def _number(value: float) -> int | float:
    """Integral coordinates as ints (single-worker GT output), others as floats (merged boxes)."""
    return int(value) if float(value).is_integer() else float(value)


def classification_value(index: int, class_name: str, confidence: float) -> tuple[int, Metadata]:
    """Single-label image/text classification: the class index, `class-name` and `confidence`."""
    return int(index), {"class-name": class_name, "confidence": confidence}


def multilabel_value(indices: Sequence[int], labels: Sequence[str],
                     confidences: Sequence[float] | Mapping[int, float]) -> tuple[list[int], Metadata]:
    """Multi-label: the chosen indices as given (GT's list is unsorted), `class-map` and `confidence-map` with
    string keys for the chosen classes only. `confidences` runs parallel to `indices` or maps index → value."""
    chosen = [int(i) for i in indices]
    if len(set(chosen)) != len(chosen):
        raise ValueError(f"a class appears twice in {chosen}")
    if isinstance(confidences, Mapping):
        by_index = {int(k): v for k, v in confidences.items()}
    else:
        if len(confidences) != len(chosen):
            raise ValueError("one confidence per chosen class")
        by_index = dict(zip(chosen, confidences, strict=True))
    ordered = sorted(chosen)
    return chosen, {
        "class-map": {str(i): labels[i] for i in ordered},
        "confidence-map": {str(i): by_index[i] for i in ordered},
    }


Box = tuple[int, float, float, float, float]  # (class_id, left, top, width, height) in pixels


def boxes_value(image_width: int, image_height: int, depth: int, boxes: Sequence[Box], confidences: Sequence[float],
                labels: Sequence[str]) -> tuple[dict[str, Any], Metadata]:
    """Bounding boxes: `image_size` (a one-element list) and `annotations`; metadata `objects` (one confidence per
    box, same order) and `class-map` for the classes present, in first-use order as GT's recent files have it.
    No boxes ⇒ empty `annotations`, `objects` and `class-map`, the attribute still written (README variant 4)."""
    if len(confidences) != len(boxes):
        raise ValueError("one confidence per box")
    annotations = []
    class_map: dict[str, str] = {}
    for class_id, left, top, width, height in boxes:
        annotations.append({"class_id": int(class_id), "top": _number(top), "left": _number(left),
                            "height": _number(height), "width": _number(width)})
        class_map.setdefault(str(int(class_id)), labels[int(class_id)])
    value = {"image_size": [{"width": int(image_width), "height": int(image_height), "depth": int(depth)}],
             "annotations": annotations}
    return value, {"objects": [{"confidence": c} for c in confidences], "class-map": class_map}


BACKGROUND = "BACKGROUND"
BACKGROUND_COLOR = "#ffffff"
# The console's default palette, in the order GT's own output shows it (matplotlib's tab10, then tab20's light
# shades); later colours are generated. Index 0 of segmentation_colors() is the white background.
_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22",
            "#17becf", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2", "#c7c7c7",
            "#dbdb8d", "#9edae5")


def segmentation_colors(n_labels: int) -> list[str]:
    """`n_labels + 1` distinct lower-case hex colours: `#ffffff` for class 0 (BACKGROUND), then one per label."""
    colors = [BACKGROUND_COLOR, *_PALETTE[:n_labels]]
    seen = set(colors)
    step = 0
    while len(colors) < n_labels + 1:
        step += 1
        hue = (step * 0.618033988749895) % 1.0
        sat = 0.55 + 0.4 * ((step * 7) % 5) / 4
        val = 0.45 + 0.5 * ((step * 3) % 4) / 3
        r, g, b = colorsys.hsv_to_rgb(hue, sat, val)
        color = f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"
        if color not in seen:
            seen.add(color)
            colors.append(color)
    return colors


def segmentation_value(mask_uri: str, labels: Sequence[str], colors: Sequence[str],
                       confidence: float) -> tuple[str, Metadata]:
    """Semantic segmentation: the consolidated mask's URI and `internal-color-map` with `"0"` BACKGROUND and
    class `k + 1` for label `k`, each painted with `colors[k + 1]`; one confidence per image, on every entry."""
    if len(colors) < len(labels) + 1:
        raise ValueError(f"{len(labels) + 1} colours needed (background first), {len(colors)} given")
    color_map = {"0": {"class-name": BACKGROUND, "hex-color": colors[0], "confidence": confidence}}
    for k, label in enumerate(labels, start=1):
        color_map[str(k)] = {"class-name": label, "hex-color": colors[k], "confidence": confidence}
    return mask_uri, {"internal-color-map": color_map}


Entity = tuple[str, int, int]  # (label, startOffset, endOffset), end exclusive, character offsets


def ner_value(entities: Sequence[Entity], label_entries: Sequence[dict[str, Any]],
              confidences: Sequence[float]) -> tuple[dict[str, Any], Metadata]:
    """Named entity recognition: `{"annotations": {"entities": [...], "labels": [...]}}` echoing the job's label
    list (`shortDisplayName` only where the label file had one); metadata `entities`, one confidence per span."""
    if len(confidences) != len(entities):
        raise ValueError("one confidence per entity")
    labels = []
    for entry in label_entries:
        echoed = {"label": entry["label"]}
        if entry.get("shortDisplayName"):
            echoed["shortDisplayName"] = entry["shortDisplayName"]
        labels.append(echoed)
    spans = [{"endOffset": int(end), "startOffset": int(start), "label": label} for label, start, end in entities]
    return {"annotations": {"entities": spans, "labels": labels}}, {
        "entities": [{"confidence": c} for c in confidences]}


def verification_value(index: int, class_name: str, confidence: float,
                       comments: Iterable[str | None]) -> tuple[str, Metadata]:
    """Label verification: the chosen category's index AS A STRING (doc §1.8), `class-name`, `confidence` and
    `worker-feedback` with the workers' non-empty comments (the key is kept, possibly empty)."""
    feedback = [{"comment": c} for c in comments if c and c.strip()]
    return str(int(index)), {"class-name": class_name, "confidence": confidence, "worker-feedback": feedback}


def adjustment_metadata(adjusted: bool) -> Metadata:
    """Merge into an adjustment job's metadata: `adjusted` when at least one worker changed the prior label."""
    return {"adjustment-status": "adjusted" if adjusted else "unadjusted"}


def worker_response_document(answers: list[dict[str, Any]]) -> str:
    """`{"answers": [{acceptanceTime, submissionTime, timeSpentInSeconds, workerId, answerContent, ...}]}`."""
    return json.dumps({"answers": answers}, ensure_ascii=False)


def dump_line(record: dict[str, Any]) -> str:
    """Compact JSON, non-ASCII kept raw as Ground Truth writes it."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))
