"""Reading the public crowd datasets under REFERENCE_DIR/datasets for the real-data tests.

Skipped when the reference directory is missing on a developer machine; under CI=true a missing directory fails,
because then the suite would not test what it claims.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass

import numpy as np
import pytest

from tests.conftest import REFERENCE_DIR

DATASETS = REFERENCE_DIR / "datasets"


@dataclass(frozen=True)
class CrowdData:
    tasks: np.ndarray  # str ids, one per answer, file order
    workers: np.ndarray
    labels: np.ndarray
    gold: dict[str, int]
    n_classes: int

    def accuracy(self, predicted: dict) -> float:
        return sum(predicted[t] == g for t, g in self.gold.items()) / len(self.gold)


def require_datasets() -> None:
    if not DATASETS.is_dir():
        message = f"reference datasets not found at {DATASETS}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)


def read(name: str, dedupe: bool = True) -> CrowdData:
    """labels.csv and gold.csv; with `dedupe`, only the first answer of each (task, worker) pair is kept."""
    require_datasets()
    folder = DATASETS / name
    rows: list[tuple[str, str, int]] = []
    seen: set[tuple[str, str]] = set()
    with (folder / "labels.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            key = (row["task"], row["worker"])
            if dedupe and key in seen:
                continue
            seen.add(key)
            rows.append((row["task"], row["worker"], int(row["label"])))
    with (folder / "gold.csv").open(newline="", encoding="utf-8") as fh:
        gold = {row["task"]: int(row["label"]) for row in csv.DictReader(fh)}
    labels = np.array([r[2] for r in rows], dtype=np.int64)
    return CrowdData(tasks=np.array([r[0] for r in rows]), workers=np.array([r[1] for r in rows]), labels=labels,
                     gold=gold, n_classes=int(max(labels.max(), max(gold.values())) + 1))
