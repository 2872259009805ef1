"""Box consolidation on crowdseg_boxes (47 COCO objects, ~41 MTurk workers each, one box per worker, gold box per
object): mean IoU to gold of one worker alone, the per-corner median, and Groundwork's BoxConsolidator.

    .venv/bin/python bench/consolidation_boxes.py [reference_dir]

Each mean IoU is printed with its 95% bootstrap interval over the scored boxes.

`report()` is also called by bench/consolidation.py. Gold is read only to score; the consolidator never sees it.

Reading the numbers: gold is, on 35 of its 43 tasks, exactly worker 3's box (the gold author also answered as a
worker), and the rest of the crowd sits about 1-2 px up and left of it. A consolidator that scores well here by
trusting worker 3 is reading gold; check a change with worker 3's answers removed as well.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from shared.domain.consolidation.boxes import Box, BoxAnswer, BoxConsolidator, FusedBox, pairwise_iou  # noqa: E402

COORDS = ("xmin", "ymin", "xmax", "ymax")


def read_crowdseg_boxes(folder: Path) -> tuple[list[BoxAnswer], dict[int, np.ndarray]]:
    """boxes.csv -> one BoxAnswer per (task, worker); gold_boxes.csv -> task -> corners (x1, y1, x2, y2)."""
    labels: dict[str, int] = {}
    answers: list[BoxAnswer] = []
    with (folder / "boxes.csv").open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            x1, y1, x2, y2 = (float(row[k]) for k in COORDS)
            label = labels.setdefault(row["label"], len(labels))
            answers.append(BoxAnswer(int(row["task"]), int(row["worker"]), (Box(label, x1, y1, x2 - x1, y2 - y1),)))
    with (folder / "gold_boxes.csv").open(newline="", encoding="utf-8") as fh:
        gold = {int(row["task"]): np.array([float(row[k]) for k in COORDS]) for row in csv.DictReader(fh)}
    return answers, gold


def corners(box: Box | FusedBox) -> np.ndarray:
    return np.array([box.left, box.top, box.left + box.width, box.top + box.height])


def scores(predicted: Mapping[int, np.ndarray | None], gold: Mapping[int, np.ndarray]) -> np.ndarray:
    """IoU to gold per task; a task without a predicted box scores 0."""
    return np.array([0.0 if predicted.get(t) is None else float(pairwise_iou(predicted[t][None], g[None])[0, 0])
                     for t, g in sorted(gold.items())])


def bootstrap_interval(iou: np.ndarray, draws: int = 10_000, seed: int = 0) -> tuple[float, float]:
    """95% bootstrap interval of the mean IoU, resampling the scored items: with 47 objects the mean moves by about
    0.02 from one sample of objects to another, so a gap of a few thousandths to a target is inside it."""
    rng = np.random.default_rng(seed)
    means = np.concatenate([iou[rng.integers(0, iou.size, size=(min(1000, draws - start), iou.size))].mean(axis=1)
                            for start in range(0, draws, 1000)])  # in blocks: 1,947 single boxes x 10,000 draws
    low, high = np.percentile(means, [2.5, 97.5])
    return float(low), float(high)


def line(name: str, iou: np.ndarray, extra: str = "") -> str:
    low, high = bootstrap_interval(iou)
    return (f"{name:<44} mean IoU {iou.mean():.3f} [{low:.3f}, {high:.3f}]  median {np.median(iou):.3f}  "
            f">=0.5 {np.mean(iou >= 0.5):.3f}  >=0.7 {np.mean(iou >= 0.7):.3f}  >=0.9 {np.mean(iou >= 0.9):.3f}"
            + (f"  {extra}" if extra else ""))


def report(reference_dir: Path) -> list[str]:
    folder = Path(reference_dir) / "datasets" / "crowdseg_boxes"
    answers, gold = read_crowdseg_boxes(folder)
    by_task: dict[int, list[np.ndarray]] = {}
    for a in answers:
        by_task.setdefault(a.object_id, []).append(corners(a.boxes[0]))
    single = np.array([float(pairwise_iou(b[None], gold[t][None])[0, 0]) for t, bs in by_task.items() for b in bs])
    median = scores({t: np.median(np.array(bs), axis=0) for t, bs in by_task.items()}, gold)

    lines = [f"crowdseg_boxes: {len(gold)} objects, {len({a.worker_id for a in answers})} workers, "
             f"{len(answers)} boxes (one per worker and object)",
             line("single worker (every box)", single),
             line("per-corner median of all workers", median)]
    for name, model in (("Groundwork BoxConsolidator, equal weights", BoxConsolidator(max_rounds=0)),
                        ("Groundwork BoxConsolidator (skill EM)", BoxConsolidator())):
        start = time.perf_counter()
        model.fit(answers)
        wall = time.perf_counter() - start
        fused = model.predict()
        # one object per task: score the best-supported fused box
        best = {t: corners(max(bs, key=lambda b: (b.support, b.confidence))) if bs else None for t, bs in fused.items()}
        iou = scores(best, gold)
        lines.append(line(name, iou, f"rounds {model.n_rounds_}  wall {wall * 1000:.0f} ms"))
    return lines


def main() -> None:
    default = Path(os.environ.get("GW_REFERENCE_DIR", Path(__file__).resolve().parents[2] / "shared"))
    reference_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    print("\n".join(report(reference_dir)))


if __name__ == "__main__":
    main()
