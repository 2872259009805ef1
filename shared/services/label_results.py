"""Per task type: stored answers in, the label attribute's value, its metadata and a confidence out.

The consolidation service hands a batch of objects with their answers; this module picks the domain consolidator
for the job's task type and algorithm, seeds it with the labelers' known skills, and shapes the result the way
Ground Truth's output manifest writes it. It also holds the two pieces of task-type knowledge the labeling path
needs beyond the domain's answer checks: decoding a submitted mask, and what a reviewer sees of a prior label.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from shared import imaging
from shared.domain.consolidation import Answer, MajorityVote, consolidate_objects
from shared.domain.consolidation.boxes import Box, BoxAnswer, BoxConsolidator
from shared.domain.consolidation.dawid_skene import DawidSkene
from shared.domain.consolidation.default import default_classifier
from shared.domain.consolidation.glad import GLAD
from shared.domain.consolidation.mace import MACE
from shared.domain.consolidation.multi_label import MultiLabelAnswer, MultiLabelConsolidator, consolidate_multi_label
from shared.domain.consolidation.segmentation import MaskAnswer, MaskConsolidator
from shared.domain.consolidation.spans import Span, SpanAnswer, SpanConsolidator
from shared.domain.consolidation.weighted_vote import WeightedVote
from shared.domain.errors import ValidationFailed
from shared.domain.labels import LabelConfig
from shared.domain.output import (
    adjustment_metadata,
    boxes_value,
    classification_value,
    multilabel_value,
    ner_value,
    segmentation_colors,
    segmentation_value,
    verification_value,
)
from shared.domain.task_types import AnswerKind, TaskTypeSpec
from shared.services.job_cache import JobFacts
from shared.services.skills_store import Skill


def _classifier(name: str, prior_confusions: Mapping[int, np.ndarray]) -> Any:
    """The single-label consolidator a job chose; the EM ones start from the labelers' kept confusion matrices."""
    if name == "majority-vote":
        return MajorityVote()
    if name == "weighted-vote":
        return WeightedVote()
    if name == "dawid-skene":  # the classic maximum-likelihood model
        return DawidSkene(prior_confusions=prior_confusions or None, pseudo_counts="none", init="majority_vote")
    if name == "ground-truth-dawid-skene":  # Ground Truth's own variant (ACSBlogPost), for comparison
        return DawidSkene(prior_confusions=prior_confusions or None)
    if name == "glad":
        return GLAD()
    if name == "mace":
        return MACE()
    return default_classifier(prior_confusions or None)


CONSOLIDATORS = frozenset({"default", "majority-vote", "weighted-vote", "dawid-skene", "ground-truth-dawid-skene",
                           "glad", "mace"})


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
    key = labels_key(labels)
    k = len(labels.labels)
    priors = {labeler: np.asarray(skill.confusion, dtype=float) for labeler, skill in skills.items()
              if skill.confusion is not None and skill.labels_key == key and np.shape(skill.confusion) == (k, k)}
    answers = [Answer(object_id=o.object_id, worker_id=labeler, label=labels.index_of(content["label"]))
               for o in inputs for labeler, content in o.answers]
    model = _classifier(facts.consolidator, priors)
    consolidated = consolidate_objects(model, answers, k)
    algorithm = facts.consolidator if facts.consolidator != "default" else "hierarchical-dawid-skene"
    if getattr(model, "collapsed_", False):
        algorithm = "weighted-vote (EM collapse guard)"
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
        results[o.object_id] = LabelResult(value, meta, c.confidence, c.votes, algorithm, c.label, name)
    return results, _learned_confusions(model, answers, skills, key)


def _learned_confusions(model: Any, answers: list[Answer], skills: Mapping[int, Skill], key: str) -> list[Skill]:
    """Each labeler's fitted confusion matrix (EM consolidators only), kept for their next batch or job."""
    confusions = getattr(model, "confusions_", None)
    prior = getattr(model, "class_prior_", None)
    if not isinstance(confusions, Mapping) or prior is None:
        return []
    counts = Counter(a.worker_id for a in answers)
    out = []
    for labeler, matrix in confusions.items():
        matrix = np.asarray(matrix, dtype=float)
        accuracy = float(np.diagonal(matrix) @ np.asarray(prior, dtype=float))
        before = skills[labeler].evidence if labeler in skills else 0.0
        out.append(Skill(int(labeler), "class", accuracy, before + counts.get(int(labeler), 0), key,
                         matrix.round(6).tolist()))
    return out


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
    return results, _learned("mask", model.worker_quality_, Counter(a.worker_id for a in answers), skills)


def _spans(facts: JobFacts, inputs: list[ObjectInput],
           skills: Mapping[int, Skill]) -> tuple[dict[int, LabelResult], list[Skill]]:
    answers = [SpanAnswer(o.object_id, labeler, tuple(
        Span(e["label"], int(e["startOffset"]), int(e["endOffset"])) for e in content.get("entities", [])))
        for o in inputs for labeler, content in o.answers]
    votes = {o.object_id: len(o.answers) for o in inputs}
    model = SpanConsolidator().fit(answers, facts.labels.labels, prior_quality=_qualities(skills))
    entries = facts.label_document.get("labels") or facts.labels.label_entries()
    results: dict[int, LabelResult] = {}
    for oid, spans in model.predict().items():
        value, meta = ner_value([(s.label, s.start, s.end) for s in spans], entries, [s.confidence for s in spans])
        confidence = min((s.confidence for s in spans), default=0.0)
        results[oid] = LabelResult(value, meta, confidence, votes[oid], "span-vote")
    return results, _learned("spans", model.worker_quality_, Counter(a.worker_id for a in answers), skills)


def _multi_label(facts: JobFacts, inputs: list[ObjectInput],
                 skills: Mapping[int, Skill]) -> tuple[dict[int, LabelResult], list[Skill]]:
    """Each label its own binary problem (ticked or not by each labeler who answered), through the default
    classifier; an object gets the labels whose posterior is at least 0.5, and always one."""
    labels = facts.labels
    answers = [MultiLabelAnswer(o.object_id, labeler, frozenset(labels.index_of(name) for name in content["labels"]))
               for o in inputs for labeler, content in o.answers]
    consolidated = consolidate_multi_label(MultiLabelConsolidator(), answers, len(labels.labels))
    results: dict[int, LabelResult] = {}
    for oid, c in consolidated.items():
        value, meta = multilabel_value(list(c.labels), labels.labels, c.confidence)
        results[int(oid)] = LabelResult(value, meta, min(c.confidence.values(), default=0.0), c.votes,
                                        "multi-label-dawid-skene")
    return results, []


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
           "labels_key", "prior_label_view"]
