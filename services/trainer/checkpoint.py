"""Model checkpoints in the blob store: the round's model, the job's final model, a requester's initial model.

A checkpoint is `torch.save` of {"format", "spec", "labels", "state_dicts"} (one per member of a seed ensemble);
loading uses `weights_only=True`, so a checkpoint file cannot run code. A seed checkpoint whose architecture or
label list differs from the job's is ignored (with the reason), since its last layer would answer a different
question.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import nn

from services.trainer.models import ModelSpec, build

FORMAT = "groundwork-checkpoint/2"


def save(models: Sequence[nn.Module], spec: ModelSpec, labels: Sequence[str],
         write: Callable[[str, bytes, str], None], uri: str) -> None:
    buffer = io.BytesIO()
    states = [{k: v.detach().cpu() for k, v in model.state_dict().items()} for model in models]
    torch.save({"format": FORMAT, "spec": spec.as_dict(), "labels": list(labels), "state_dicts": states}, buffer)
    write(uri, buffer.getvalue(), "application/octet-stream")


def load(data: bytes) -> tuple[ModelSpec, list[str], list[dict[str, Any]]]:
    payload = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"not a Groundwork checkpoint ({FORMAT})")
    return ModelSpec(**payload["spec"]), list(payload["labels"]), list(payload["state_dicts"])


def seeded_model(spec: ModelSpec, labels: Sequence[str], seed_bytes: bytes | None,
                 member: int = 0) -> tuple[nn.Module, str]:
    """A fresh network for `spec`, starting from the seed checkpoint's weights (its `member`-th, cycling) when
    they fit; (model, note)."""
    model = build(spec)
    if seed_bytes is None:
        return model, "from scratch"
    try:
        seed_spec, seed_labels, states = load(seed_bytes)
    except (ValueError, RuntimeError, KeyError, TypeError, EOFError, pickle.UnpicklingError) as exc:
        return model, f"from scratch (seed model unreadable: {exc})"
    if seed_spec != spec or list(seed_labels) != list(labels):
        return model, "from scratch (seed model has another architecture or label list)"
    model.load_state_dict(states[member % len(states)])
    return model, "from the seed model"
