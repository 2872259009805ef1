"""Per task type: stored answers in, the label attribute's value, its metadata and a confidence out.

The consolidation service hands a batch of objects with their answers; this module picks the domain consolidator
for the job's task type and algorithm, seeds it with the labelers' known skills, and shapes the result the way
Ground Truth's output manifest writes it. It also holds the two pieces of task-type knowledge the labeling path
needs beyond the domain's answer checks: decoding a submitted mask, and what a reviewer sees of a prior label.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shared import imaging
from shared.domain.consolidation import Answer, MajorityVote, consolidate_objects
from shared.domain.consolidation.base import ground_truth_confidence
from shared.domain.consolidation.boxes import Box, BoxAnswer, BoxConsolidator
from shared.domain.consolidation.segmentation import MaskAnswer, MaskConsolidator
from shared.domain.consolidation.spans import Span, SpanAnswer, SpanConsolidator
from shared.domain.errors import ValidationFailed
from shared.domain.labels import LabelConfig
from shared.domain.output import (
    adjustment_metadata,
    boxes_value,
    classification_value,
    ner_value,
    segmentation_colors,
    segmentation_value,
    verification_value,
)
from shared.domain.task_types import AnswerKind, TaskTypeSpec
from shared.services.job_cache import JobFacts
from shared.services.skills_store import Skill

CONSOLIDATORS = frozenset({"default", "majority-vote"})


def family_of(spec: TaskTypeSpec) -> str:
    """Skills are kept per family of answers: a labeler's class confusions say nothing about their boxes."""
    return {AnswerKind.CLASS: "class", AnswerKind.VERDICT: "class", AnswerKind.MULTI: "multi",
            AnswerKind.BOXES: "boxes", AnswerKind.MASK: "mask", AnswerKind.SPANS: "spans"}[spec.answer_kind]


@dataclass
class ObjectInput:
    object_id: int
    line_no: int
    raw: str
    source: str | None
    source_ref: str | None
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)  # (labeler id, stored content)


@dataclass
class LabelResult:
    value: Any
    meta: dict[str, Any]
    confidence: float
    votes: int
    algorithm: str
    class_index: int | None = None
    class_name: str | None = None
    mask_png: bytes | None = None  # segmentation: the service stores it and sets `value` to its URI


def labels_key(labels: LabelConfig) -> str:
    """A confusion matrix is only reusable over the same label list: this digest says which list it was."""
    return hashlib.sha256(json.dumps(list(labels.labels)).encode()).hexdigest()[:64]


def consolidate_batch(
    facts: JobFacts, inputs: list[ObjectInput], skills: Mapping[int, Skill], read_image: Callable[[str], bytes]
) -> tuple[dict[int, LabelResult], list[Skill]]:
    kind = facts.spec.answer_kind
    if kind in (AnswerKind.CLASS, AnswerKind.VERDICT):
        results, learned = _classification(facts, inputs, skills)
    elif kind == AnswerKind.BOXES:
        results, learned = _boxes(facts, inputs, skills, read_image)
    elif kind == AnswerKind.MASK:
        results, learned = _masks(facts, inputs, skills)
    elif kind == AnswerKind.SPANS:
        results, learned = _spans(facts, inputs, skills)
    else:
        results, learned = _multi_label(facts, inputs, skills)
    if facts.task_type.startswith("adjustment-"):
        for obj in inputs:
            if obj.object_id in results:
                modified = any(bool(content.get("initialValueModified")) for _, content in obj.answers)
                results[obj.object_id].meta.update(adjustment_metadata(modified))
    return results, learned


def _classification(facts: JobFacts, inputs: list[ObjectInput],
                    skills: Mapping[int, Skill]) -> tuple[dict[int, LabelResult], list[Skill]]:
    labels = facts.labels
    answers = [Answer(object_id=o.object_id, worker_id=labeler, label=labels.index_of(content["label"]))
               for o in inputs for labeler, content in o.answers]
    consolidated = consolidate_objects(MajorityVote(), answers, len(labels.labels))
    results: dict[int, LabelResult] = {}
    for o in inputs:
        c = consolidated.get(o.object_id)
        if c is None:
            continue
        name = labels.labels[c.label]
        if facts.spec.answer_kind == AnswerKind.VERDICT:
            comments = [content.get("workerComment", "") for _, content in o.answers]
            value, meta = verification_value(c.label, name, c.confidence, comments)
        else:
            value, meta = classification_value(c.label, name, c.confidence)
        results[o.object_id] = LabelResult(value, meta, c.confidence, c.votes, "majority-vote", c.label, name)
    return results, []


def _qualities(skills: Mapping[int, Skill]) -> dict[int, float]:
    return {labeler: skill.accuracy for labeler, skill in skills.items()}


def _learned(family: str, quality: Mapping[int, float], observations: Mapping[int, float],
             skills: Mapping[int, Skill]) -> list[Skill]:
    """New estimates with their evidence: what this batch saw added to what earlier ones had seen."""
    out = []
    for labeler, q in quality.items():
        seen = float(observations.get(labeler, 0))
        if not seen:
            continue
        before = skills[labeler].evidence if labeler in skills else 0.0
        out.append(Skill(labeler, family, float(q), before + seen))
    return out


def _image_size(o: ObjectInput, read_image: Callable[[str], bytes]) -> tuple[int, int, int] | None:
    """Ground Truth writes the image's own size; when the image cannot be read, the size labelers reported."""
    if o.source_ref:
        try:
            return imaging.image_size(read_image(o.source_ref))
        except Exception:  # noqa: BLE001 - an unreadable or vanished image must not stop the batch
            pass
    for _, content in o.answers:
        size = content.get("inputImageProperties") or {}
        if size.get("width") and size.get("height"):
            return int(size["width"]), int(size["height"]), 3
    return None


def _boxes(facts: JobFacts, inputs: list[ObjectInput], skills: Mapping[int, Skill],
           read_image: Callable[[str], bytes]) -> tuple[dict[int, LabelResult], list[Skill]]:
    labels = facts.labels
    answers = [BoxAnswer(o.object_id, labeler, tuple(
        Box(labels.index_of(b["label"]), float(b["left"]), float(b["top"]), float(b["width"]), float(b["height"]))
        for b in content.get("boundingBoxes", [])))
        for o in inputs for labeler, content in o.answers]
    model = BoxConsolidator().fit(answers, prior_quality=_qualities(skills))
    fused = model.predict()
    results: dict[int, LabelResult] = {}
    for o in inputs:
        boxes = fused.get(o.object_id, [])
        size = _image_size(o, read_image) or (0, 0, 3)
        annotations = [box.annotation() for box in boxes]
        value, meta = boxes_value(size[0], size[1], size[2],
                                  [(a["class_id"], a["left"], a["top"], a["width"], a["height"]) for a in annotations],
                                  [box.confidence for box in boxes], labels.labels)
        confidence = min((box.confidence for box in boxes), default=0.0)
        results[o.object_id] = LabelResult(value, meta, confidence, len(o.answers), "box-fusion")
    return results, _learned("boxes", model.worker_quality_, model.worker_observations_, skills)


def _masks(facts: JobFacts, inputs: list[ObjectInput],
           skills: Mapping[int, Skill]) -> tuple[dict[int, LabelResult], list[Skill]]:
    labels = facts.labels
    answers = [MaskAnswer(o.object_id, labeler, check_mask_answer(content, labels))
               for o in inputs for labeler, content in o.answers]
    shapes: dict[int, set[tuple[int, ...]]] = {}
    for a in answers:
        shapes.setdefault(a.object_id, set()).add(a.mask.shape)
    mixed = {oid for oid, seen in shapes.items() if len(seen) > 1}
    if mixed:  # labelers saw different sizes: keep the most common size for that image
        keep: dict[int, tuple[int, ...]] = {}
        for oid in mixed:
            sizes = [a.mask.shape for a in answers if a.object_id == oid]
            keep[oid] = max(set(sizes), key=sizes.count)
        answers = [a for a in answers if a.object_id not in keep or a.mask.shape == keep[a.object_id]]
    model = MaskConsolidator().fit(answers, prior_quality=_qualities(skills), n_classes=len(labels.labels) + 1)
    colors = segmentation_colors(len(labels.labels) + 1)
    results: dict[int, LabelResult] = {}
    for oid, mask in model.predict().items():
        value, meta = segmentation_value("", labels.labels, colors, mask.confidence)
        results[oid] = LabelResult(value, meta, mask.confidence, mask.votes, "pixel-vote",
                                   mask_png=imaging.encode_label_map(mask.label_map, colors))
    seen = {labeler: sum(1 for a in answers if a.worker_id == labeler) for labeler in model.worker_quality_}
    return results, _learned("mask", model.worker_quality_, seen, skills)


def _spans(facts: JobFacts, inputs: list[ObjectInput],
           skills: Mapping[int, Skill]) -> tuple[dict[int, LabelResult], list[Skill]]:
    answers = [SpanAnswer(o.object_id, labeler, tuple(
        Span(e["label"], int(e["startOffset"]), int(e["endOffset"])) for e in content.get("entities", [])))
        for o in inputs for labeler, content in o.answers]
    model = SpanConsolidator().fit(answers, facts.labels.labels, prior_quality=_qualities(skills))
    entries = facts.label_document.get("labels") or facts.labels.label_entries()
    results: dict[int, LabelResult] = {}
    for oid, spans in model.predict().items():
        value, meta = ner_value([(s.label, s.start, s.end) for s in spans], entries, [s.confidence for s in spans])
        confidence = min((s.confidence for s in spans), default=0.0)
        results[oid] = LabelResult(value, meta, confidence, sum(1 for o in inputs if o.object_id == oid
                                                                 for _ in o.answers), "span-vote")
    seen = {labeler: sum(1 for a in answers if a.worker_id == labeler) for labeler in model.worker_quality_}
    return results, _learned("spans", model.worker_quality_, seen, skills)


def _multi_label(facts: JobFacts, inputs: list[ObjectInput],
                 skills: Mapping[int, Skill]) -> tuple[dict[int, LabelResult], list[Skill]]:
    raise ValueError("multi-label consolidation is not wired yet")


def check_mask_answer(content: dict[str, Any], labels: LabelConfig) -> np.ndarray:
    """Decode a submitted mask against the job's labels; a mask that cannot be read is the labeler's error."""
    size = content.get("inputImageProperties") or {}
    try:
        return imaging.decode_mask(content["labeledImage"]["pngImageData"], content.get("labelMappings") or {},
                                   labels, int(size.get("width", 0)) or None, int(size.get("height", 0)) or None)
    except ValidationFailed:
        raise
    except (ValueError, KeyError, TypeError) as exc:
        raise ValidationFailed(f"the mask cannot be read: {exc}", "answer.labeledImage.pngImageData") from None


def prior_label_view(record: dict[str, Any], attribute: str) -> dict[str, Any]:
    """What a verification or adjustment task shows of the reviewed job's label: its value and metadata as the
    manifest line holds them (Ground Truth templates read `task.input.manifestLine.<attr>` the same way)."""
    return {"attribute": attribute, "value": record.get(attribute), "metadata": record.get(f"{attribute}-metadata")}


__all__ = ["CONSOLIDATORS", "LabelResult", "ObjectInput", "check_mask_answer", "consolidate_batch", "family_of",
           "ground_truth_confidence", "labels_key", "prior_label_view"]
