"""One active-learning round: claim it, train on the human labels, predict, let the domain rule decide, write it.

    claim (shared.services.automated_labeling) -> features -> fit -> predict validation and pool
      -> shared.domain.automated_labeling.round.decide_round -> checkpoint -> finish_round

Round 0 has no labels yet: a random batch goes to people. A round whose human labels cannot train a model (fewer
than two objects or one class) sends another random batch. Anything that raises marks the round failed (the sweep
retries it, then fails the job with the reason) and is re-raised for the worker's log.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass

import numpy as np
import torch

from services.trainer import checkpoint
from services.trainer.features import Features, image_features, image_model_spec, text_features, text_model_spec
from services.trainer.loop import FitSettings, fit, pick_device, predict_proba, seed_everything
from services.trainer.models import ModelSpec
from shared.bootstrap import Deps
from shared.domain.automated_labeling.round import RoundDecision, decide_round, first_round
from shared.domain.task_types import TaskType
from shared.services import automated_labeling as al
from shared.storage import BlobNotFound

log = logging.getLogger(__name__)
TRAIN_SPLITS = ("train", "retired", "audit", None)
# Members of the seed ensemble per architecture: averaging a few independently seeded networks ranks objects by
# confidence more reliably than one (on digits the certified share of the pool rose from 95-99% to 99%), which is
# what the threshold rule rewards. The n-gram bag is slow to fit on a CPU and gains little: one member.
ENSEMBLE = {"small-cnn": 3, "resnet18": 3, "embedding-mlp": 3, "minilm-layers-mlp": 3, "ngram-bag": 1}


@dataclass(frozen=True)
class RoundResult:
    job_id: int
    round_no: int
    device: str
    seconds: float
    machine_labeled: int
    audits: int
    sent_to_humans: int
    threshold: dict | None
    validation_accuracy: float | None
    note: str


def _features(deps: Deps, rin: al.RoundInput, items: list[al.Item], spec: ModelSpec, device: torch.device) -> Features:
    if rin.task_type == TaskType.TEXT_CLASSIFICATION.value:
        return text_features([i.source or "" for i in items], spec, device.type)
    return image_features([i.source_ref or "" for i in items], deps.blobs.read_bytes, spec)


def _spec(deps: Deps, rin: al.RoundInput) -> ModelSpec:
    if rin.task_type == TaskType.TEXT_CLASSIFICATION.value:
        return text_model_spec(len(rin.labels), deps.settings.trainer_text_model)
    first = next(i.source_ref for i in [*rin.labeled, *rin.pool] if i.source_ref)
    return image_model_spec(first, deps.blobs.read_bytes, len(rin.labels))


def _seed_bytes(deps: Deps, uri: str | None) -> bytes | None:
    if not uri:
        return None
    try:
        return deps.blobs.read_bytes(uri)
    except BlobNotFound:
        return None


def _trained_round(deps: Deps, rin: al.RoundInput, device: torch.device, epochs: int | None,
                   rng: np.random.Generator) -> tuple[RoundDecision, al.RoundStats, str]:
    train = [i for i in rin.labeled if i.split in TRAIN_SPLITS]
    validation = [i for i in rin.labeled if i.split == "validation"]
    spec = _spec(deps, rin)
    y = np.array([i.class_index for i in train], dtype=np.int64)
    settings = FitSettings(epochs=epochs or rin.settings.epochs, seed=rin.settings.seed + rin.round_no,
                           augment=spec.arch in ("small-cnn", "resnet18"),
                           learning_rate=1e-2 if spec.arch == "ngram-bag" else 3e-3)
    train_x = _features(deps, rin, train, spec, device)
    val_x = _features(deps, rin, validation, spec, device)
    pool_x = _features(deps, rin, rin.pool, spec, device)
    seed_bytes = _seed_bytes(deps, rin.seed_model_uri)
    models, val_parts, pool_parts = [], [], []
    for member in range(ENSEMBLE.get(spec.arch, 1)):
        member_settings = dataclasses.replace(settings, seed=settings.seed + 1000 * member)
        seed_everything(member_settings.seed, device)  # before the weights are drawn: the same round, the same model
        model, note = checkpoint.seeded_model(spec, rin.labels, seed_bytes, member)
        models.append(fit(model, train_x, y, device, member_settings))
        val_parts.append(predict_proba(model, val_x, device))
        pool_parts.append(predict_proba(model, pool_x, device))
    val_proba, pool_proba = np.mean(val_parts, axis=0), np.mean(pool_parts, axis=0)
    val_labels = np.array([i.class_index for i in validation], dtype=np.int64)
    val_ids = np.array([i.object_id for i in validation], dtype=np.int64)
    pool_ids = np.array([i.object_id for i in rin.pool], dtype=np.int64)
    if not validation:
        val_proba = np.zeros((0, len(rin.labels)))
    decision = decide_round(rin.settings, rin.progress, pool_ids, pool_proba.reshape(len(pool_ids), -1),
                            val_ids, val_proba, val_labels, rng, rin.round_no, rin.audit_below_target)
    checkpoint.save(models, spec, rin.labels, deps.blobs.write_bytes, rin.model_uri)
    accuracy = float(np.mean(val_proba.argmax(axis=1) == val_labels)) if validation else None
    stats = al.RoundStats(compute_seconds=0.0, device=device.type, train_items=len(train),
                          validation_items=len(validation), validation_accuracy=accuracy, model_saved=True)
    return decision, stats, f"{spec.arch} x{len(models)} {note}"


def run_round(deps: Deps, job_id: int, round_no: int, epochs: int | None = None,
              device: str | None = None) -> RoundResult | None:
    """Run round `round_no` of `job_id` if it is still to do; None when there was nothing to do."""
    rin = al.claim_round(deps, job_id, round_no)
    if rin is None:
        return None
    start = time.perf_counter()
    chosen = pick_device(device)
    rng = np.random.default_rng([rin.settings.seed, job_id, round_no])
    try:
        trainable = [i for i in rin.labeled if i.split in TRAIN_SPLITS]
        if len(trainable) >= 2 and len({i.class_index for i in trainable}) >= 2 and rin.pool:
            decision, stats, note = _trained_round(deps, rin, chosen, epochs, rng)
        else:
            decision = first_round(np.array([i.object_id for i in rin.pool], dtype=np.int64), rin.settings,
                                   rin.progress, rng)
            stats, note = al.RoundStats(compute_seconds=0.0, device=chosen.type), "random batch (no model yet)"
        seconds = time.perf_counter() - start
        stats = dataclasses.replace(stats, compute_seconds=seconds, note=note)
        al.finish_round(deps, rin, decision, stats)
    except Exception as exc:
        al.fail_round(deps, rin, f"{type(exc).__name__}: {exc}")
        raise
    log.info("job %s round %s: %s, %d machine-labeled, %d audits, %d to people, %.1f s on %s", job_id, round_no,
             note, len(decision.machine), len(decision.audits), len(decision.to_humans), seconds, chosen.type)
    return RoundResult(job_id, round_no, chosen.type, seconds, len(decision.machine), len(decision.audits),
                       len(decision.to_humans), decision.plan.as_dict() if decision.plan else None,
                       stats.validation_accuracy, note)
