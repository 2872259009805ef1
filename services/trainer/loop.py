"""Fitting and predicting: one short loop, seeded, mixed precision on CUDA, deterministic on the CPU."""

from __future__ import annotations

import math
import random
from contextlib import nullcontext
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from services.trainer.features import Features


@dataclass(frozen=True)
class FitSettings:
    epochs: int | None = None  # None: enough epochs for about MIN_STEPS optimiser steps, within the bounds below
    batch_size: int = 32
    learning_rate: float = 3e-3
    weight_decay: float = 5e-4
    seed: int = 0
    augment: bool = False  # images: random shifts of up to an eighth of the side


MIN_STEPS, MIN_EPOCHS, MAX_EPOCHS = 300, 15, 200


def pick_device(requested: str | None = None) -> torch.device:
    if requested:
        return torch.device(requested)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def seed_everything(seed: int, device: torch.device) -> None:
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)
    if device.type == "cpu":
        torch.use_deterministic_algorithms(True, warn_only=True)


def _epochs(settings: FitSettings, n: int) -> int:
    if settings.epochs:
        return settings.epochs
    steps_per_epoch = max(1, math.ceil(n / settings.batch_size))
    return max(MIN_EPOCHS, min(MAX_EPOCHS, math.ceil(MIN_STEPS / steps_per_epoch)))


def _shift(batch: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    limit = max(1, batch.shape[-1] // 8)
    dx, dy = (int(v) for v in torch.randint(-limit, limit + 1, (2,), generator=generator))
    return torch.roll(batch, shifts=(dy, dx), dims=(2, 3))


def fit(model: nn.Module, features: Features, labels: np.ndarray, device: torch.device,
        settings: FitSettings) -> nn.Module:
    """AdamW with a one-cycle schedule; on CUDA the forward pass runs in float16 under autocast with a scaler."""
    seed_everything(settings.seed, device)
    model.to(device).train()
    n = len(features)
    epochs = _epochs(settings, n)
    steps = epochs * max(1, math.ceil(n / settings.batch_size))
    optimiser = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=settings.learning_rate, total_steps=steps)
    cuda = device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=cuda)
    target = torch.as_tensor(labels, dtype=torch.long)
    generator = torch.Generator().manual_seed(settings.seed)
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator)
        for start in range(0, n, settings.batch_size):
            rows = order[start:start + settings.batch_size]
            if len(rows) < 2 and n >= 2:  # a batch of one breaks batch normalisation
                continue
            inputs = features.batch(rows, device)
            if settings.augment and isinstance(inputs, torch.Tensor):
                inputs = _shift(inputs, generator)
            with torch.autocast("cuda", dtype=torch.float16) if cuda else nullcontext():
                loss = F.cross_entropy(model(inputs), target[rows].to(device))
            optimiser.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(optimiser)
            scaler.update()
            schedule.step()
    return model


@torch.no_grad()
def predict_proba(model: nn.Module, features: Features, device: torch.device, batch_size: int = 512) -> np.ndarray:
    model.to(device).eval()
    out = []
    cuda = device.type == "cuda"
    for start in range(0, len(features), batch_size):
        rows = list(range(start, min(start + batch_size, len(features))))
        with torch.autocast("cuda", dtype=torch.float16) if cuda else nullcontext():
            logits = model(features.batch(rows, device))
        out.append(torch.softmax(logits.float(), dim=1).cpu().numpy())
    if not out:
        return np.zeros((0, 0), dtype=np.float64)
    return np.concatenate(out).astype(np.float64)
