"""A small synthetic crowd with known truth: good workers, a constant-answer spammer, a random clicker."""

from __future__ import annotations

import numpy as np


def crowd(n_objects: int = 120, n_classes: int = 3, seed: int = 0) -> tuple[list, list, list, np.ndarray]:
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, n_classes, n_objects)
    objects, workers, labels = [], [], []
    for i, t in enumerate(truth):
        for w, acc in (("good1", 0.85), ("good2", 0.8), ("good3", 0.75)):
            objects.append(i), workers.append(w)
            labels.append(int(t) if rng.random() < acc else int(rng.integers(0, n_classes)))
        objects.append(i), workers.append("always0"), labels.append(0)
        objects.append(i), workers.append("random"), labels.append(int(rng.integers(0, n_classes)))
    return objects, workers, labels, truth
