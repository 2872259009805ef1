"""Bounding-box consolidation: several labelers' boxes per image in, one set of fused boxes with confidences out.

Ground Truth documents only "finds the most similar boxes across workers by IoU and averages them", plus "outliers
are dropped, reliable workers weigh more". This module is the clone recipe in ground-truth.md §5.1, made robust:

1. Matching. Within one image and one class, boxes are grouped into clusters holding at most one box per worker.
   Seeds are taken in order of support (how many other workers drew a box with IoU >= `iou_threshold` to it), so
   the box most workers agree with starts the first cluster and input order never matters. Then every box is
   matched again, greedily by descending IoU, to the fused centres of the clusters (a box joins a centre only at
   IoU >= `iou_threshold`, 0.5 by default: the usual detection threshold and Ground Truth's recipe). Boxes left
   over seed new clusters; this repeats until the membership is stable. Greedy matching gives the same answer as
   the Hungarian algorithm whenever the clusters are well separated, which is the case that matters; the
   threshold keeps the ambiguous rest apart. Boxes of different classes are never matched.
2. Fusion. Each coordinate (left, top, right, bottom) of a cluster is the skill-weighted median of its members.
   The median ignores the wild boxes that pull a mean (crowdseg_boxes: mean 0.793 vs median 0.890 IoU to gold),
   and the IoU threshold already drops members that outline something else.
3. Support rule. A cluster is kept when at least `min_support` (half) of the workers who answered the image drew
   it: 2 of 3, 2 of 4, 3 of 5. An empty answer counts as an answer ("nothing to box here").
4. Confidence = (support / workers who answered) x mean IoU of the members to the fused box, two decimals, and 0.00
   when one worker answered (Ground Truth's rule, `base.ground_truth_confidence`).
5. Worker skill, EM-style over the whole batch: a worker's quality is the mean IoU of their boxes to the fused
   boxes of every image they answered (0 for a fused box they missed and for a box of theirs that no kept cluster
   holds; 1 for an empty answer on an image whose consensus is empty). It is shrunk toward a prior with
   `prior_strength` pseudo-observations, and the prior is the value the caller carried over from earlier batches
   (`prior_quality`) or else the batch's pooled mean. A box's coordinate error grows with 1 - IoU, and for
   Laplace-distributed errors the maximum-likelihood location is the median weighted by 1 / scale, so the fusion
   weight is 1 / (1 - quality + 0.05): a worker at IoU 0.95 to consensus counts twice one at 0.85. (Inverse
   *squared* noise, right for a mean, lets one good worker outvote two others outright in a three-worker job.)
   Images answered by one worker carry no evidence and are left out. Fusion and qualities alternate until the
   qualities move less than `tol`, at most `max_rounds` re-weightings after the first pass (`max_rounds=0`: one
   fusion with the prior weights, or equal ones, and qualities estimated from it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np

from shared.domain.consolidation.base import ground_truth_confidence
from shared.domain.consolidation.labeler_quality import by_object, largest_shift, shrunk_qualities
from shared.domain.consolidation.seed_clusters import seed_clusters

NOISE_FLOOR = 0.05  # added to 1 - quality before inverting, so one perfect worker cannot take all the weight


@dataclass(frozen=True)
class Box:
    """One box as Ground Truth's crowd-bounding-box answer gives it: label index, pixels from the top-left."""

    label: int
    left: float
    top: float
    width: float
    height: float


@dataclass(frozen=True)
class BoxAnswer:
    """One worker's boxes for one image; an empty tuple is a valid answer meaning "no object"."""

    object_id: int
    worker_id: int
    boxes: tuple[Box, ...] = ()


@dataclass(frozen=True)
class FusedBox:
    """A consolidated box: coordinates may be fractional (a median of two values), `support` = workers in it."""

    label: int
    left: float
    top: float
    width: float
    height: float
    confidence: float
    support: int
    workers: tuple[int, ...] = field(default=(), compare=False)

    def annotation(self) -> dict[str, int]:
        """The output-manifest entry (§1.4): whole pixels, `class_id` = label index. Each edge is rounded half up
        on its own and the size taken between the rounded edges, so a half-pixel median never shifts one edge by
        the banker's rule and the other not."""
        left, top = _round_half_up(self.left), _round_half_up(self.top)
        right, bottom = _round_half_up(self.left + self.width), _round_half_up(self.top + self.height)
        return {"class_id": self.label, "left": left, "top": top, "width": right - left, "height": bottom - top}


def _round_half_up(x: float) -> int:
    return int(np.floor(x + 0.5))


def to_corners(boxes: np.ndarray) -> np.ndarray:
    """(n, 4) left, top, width, height -> (n, 4) x1, y1, x2, y2."""
    boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    return np.concatenate([boxes[:, :2], boxes[:, :2] + boxes[:, 2:]], axis=1)


def pairwise_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of every corner box in `a` (n, 4) with every one in `b` (m, 4); 0 where the union is empty."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 4)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 4)
    iw = np.clip(np.minimum(a[:, None, 2], b[None, :, 2]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    ih = np.clip(np.minimum(a[:, None, 3], b[None, :, 3]) - np.maximum(a[:, None, 1], b[None, :, 1]), 0, None)
    inter = iw * ih
    area_a = (a[:, 2] - a[:, 0]) * (a[:, 3] - a[:, 1])
    area_b = (b[:, 2] - b[:, 0]) * (b[:, 3] - b[:, 1])
    union = area_a[:, None] + area_b[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def iou(a: Box, b: Box) -> float:
    """IoU of two boxes given as left/top/width/height; the label is not compared."""
    corners = to_corners(np.array([[a.left, a.top, a.width, a.height], [b.left, b.top, b.width, b.height]]))
    return float(pairwise_iou(corners[:1], corners[1:])[0, 0])


def weighted_median(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Column-wise weighted median of `values` (n, d). When the cumulative weight reaches exactly half at one
    value, the midpoint with the next value is taken, so equal weights give the ordinary median."""
    values = np.asarray(values, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    cols = np.arange(values.shape[1])
    order = np.argsort(values, axis=0, kind="stable")
    v = values[order, cols]
    cum = np.cumsum(weights[order], axis=0)
    half = cum[-1] / 2
    tol = 1e-9 * cum[-1]
    idx = np.minimum((cum < half - tol).sum(axis=0), len(v) - 1)
    lower = v[idx, cols]
    exact = (np.abs(cum[idx, cols] - half) <= tol) & (idx + 1 < len(v))
    upper = v[np.minimum(idx + 1, len(v) - 1), cols]
    return np.where(exact, (lower + upper) / 2, lower)


def quality_weight(quality: np.ndarray | float) -> np.ndarray:
    """Fusion weight from a mean-IoU quality: inverse noise, noise = 1 - quality (+ a floor)."""
    noise = 1.0 - np.clip(np.asarray(quality, dtype=np.float64), 0.0, 1.0) + NOISE_FLOOR
    return 1.0 / noise


@dataclass
class _Group:
    """The boxes of one class in one image, in a canonical order (worker, then coordinates)."""

    label: int
    corners: np.ndarray  # (n, 4) x1, y1, x2, y2
    workers: np.ndarray  # (n,) worker ids


@dataclass
class _Cluster:
    label: int
    members: np.ndarray  # indices into the group's boxes
    centre: np.ndarray  # fused corners


class BoxConsolidator:
    """Match, fuse and score boxes over a batch of images, estimating each worker's quality along the way.

    sklearn-style: `fit` returns self; `predict()` gives each image's fused boxes. Fitted: `objects_` (image id ->
    fused boxes), `worker_quality_` (worker id -> mean IoU to consensus; carry it to the next batch as
    `prior_quality`), `worker_weight_` (the fusion weights of the final pass), `worker_observations_` (how many
    scores each quality averages), `n_rounds_` (re-weightings after the first pass).
    """

    def __init__(self, iou_threshold: float = 0.5, min_support: float = 0.5, prior_strength: float = 5.0,
                 max_rounds: int = 10, tol: float = 1e-4, max_iterations: int = 10) -> None:
        if not 0 < iou_threshold <= 1:
            raise ValueError("iou_threshold must be in (0, 1]")
        if not 0 <= min_support <= 1:
            raise ValueError("min_support must be in [0, 1]")
        if prior_strength < 0 or max_rounds < 0:
            raise ValueError("prior_strength and max_rounds must be >= 0")
        self.iou_threshold = iou_threshold
        self.min_support = min_support
        self.prior_strength = prior_strength
        self.max_rounds = max_rounds
        self.tol = tol
        self.max_iterations = max_iterations

    # -- fitting -------------------------------------------------------------------------------------------------

    def fit(self, answers: Iterable[BoxAnswer], prior_quality: Mapping[int, float] | None = None) -> BoxConsolidator:
        """Consolidate every image in `answers`; `prior_quality` (worker id -> mean IoU, e.g. a previous batch's
        `worker_quality_`) seeds the weights and the shrinkage target."""
        objects = self._read(answers)
        workers = sorted({w for answered, _ in objects.values() for w in answered})
        prior = {w: float(prior_quality[w]) for w in workers if prior_quality and w in prior_quality}
        quality = dict(prior)
        results: dict[int, list[FusedBox]] = {}
        observations: dict[int, list[float]] = {}
        weight: dict[int, float] = {}
        rounds = 0
        for rounds in range(self.max_rounds + 1):  # noqa: B007 - reported as n_rounds_
            # Workers without an estimate yet count as the average known worker (all equal in the first pass of
            # a batch without priors).
            default = float(np.mean(list(quality.values()))) if quality else 0.0
            weight = {w: float(quality_weight(quality.get(w, default))) for w in workers}
            observations = {}
            results = {oid: self._consolidate(answered, groups, weight, observations)
                       for oid, (answered, groups) in objects.items()}
            new_quality = shrunk_qualities(observations, prior, self.prior_strength)
            shift = largest_shift(new_quality, quality)
            quality = new_quality
            if shift < self.tol:
                break
        self.objects_ = results
        self.worker_quality_ = quality
        self.worker_weight_ = weight
        self.worker_observations_ = {w: len(obs) for w, obs in observations.items()}
        self.n_rounds_ = rounds
        return self

    def predict(self) -> dict[int, list[FusedBox]]:
        return {oid: list(boxes) for oid, boxes in self.objects_.items()}

    # -- internals -----------------------------------------------------------------------------------------------

    @staticmethod
    def _read(answers: Iterable[BoxAnswer]) -> dict[int, tuple[list[int], list[_Group]]]:
        """Per image: the workers who answered and the boxes grouped by class, in an order independent of input."""
        rows = by_object(answers, lambda a: tuple(a.boxes))
        objects: dict[int, tuple[list[int], list[_Group]]] = {}
        for oid, by_worker in rows.items():
            per_label: dict[int, list[tuple[int, float, float, float, float]]] = {}
            for wid, boxes in by_worker.items():
                for b in boxes:
                    values = (b.left, b.top, b.width, b.height)
                    if not all(np.isfinite(values)) or b.width < 0 or b.height < 0:
                        raise ValueError(f"malformed box {b} from worker {wid} on object {oid}")
                    if b.label < 0:
                        raise ValueError(f"negative label {b.label} from worker {wid} on object {oid}")
                    if b.width == 0 or b.height == 0:
                        continue  # no extent to fuse; a stray click
                    per_label.setdefault(b.label, []).append((wid, b.left, b.top, b.width, b.height))
            groups = []
            for label in sorted(per_label):
                rows_ = sorted(per_label[label])
                arr = np.array(rows_, dtype=np.float64)
                groups.append(_Group(label, to_corners(arr[:, 1:]), np.array([r[0] for r in rows_])))
            objects[oid] = (sorted(by_worker), groups)
        return objects

    def _consolidate(self, answered: list[int], groups: list[_Group], weight: Mapping[int, float],
                     observations: dict[int, list[float]]) -> list[FusedBox]:
        n_answered = len(answered)
        fused: list[FusedBox] = []
        per_worker: dict[int, list[float]] = {w: [] for w in answered}
        for group in groups:
            w = np.array([weight[x] for x in group.workers])
            placed = np.zeros(len(group.workers), dtype=bool)
            for cluster in self._cluster(group, w):
                members = cluster.members
                overlap = pairwise_iou(group.corners[members], cluster.centre[None])[:, 0]
                support = len(members)
                if support < self.min_support * n_answered - 1e-9:
                    continue
                placed[members] = True
                for m, value in zip(members, overlap, strict=True):
                    per_worker[int(group.workers[m])].append(float(value))
                for x in set(answered) - {int(group.workers[m]) for m in members}:
                    per_worker[x].append(0.0)  # missed a box the consensus keeps
                x1, y1, x2, y2 = cluster.centre
                agreement = float(overlap.mean())
                fused.append(FusedBox(
                    label=group.label, left=float(x1), top=float(y1), width=float(x2 - x1), height=float(y2 - y1),
                    confidence=ground_truth_confidence(support / n_answered * agreement, n_answered),
                    support=support, workers=tuple(sorted(int(group.workers[m]) for m in members))))
            for m in np.flatnonzero(~placed):
                per_worker[int(group.workers[m])].append(0.0)  # a box no kept cluster holds
        if n_answered >= 2:  # one worker always agrees with themself: no evidence of skill
            for x, obs in per_worker.items():
                # an empty answer on an image the consensus leaves empty is full agreement
                observations.setdefault(x, []).extend(obs if obs else [1.0])
        fused.sort(key=lambda b: (b.label, b.left, b.top, b.width, b.height))
        return fused

    def _cluster(self, group: _Group, weight: np.ndarray) -> list[_Cluster]:
        """Seed by support, then re-match every box to the fused centres until the membership is stable."""
        corners, workers, thr = group.corners, group.workers, self.iou_threshold
        pair = pairwise_iou(corners, corners)
        clusters = seed_clusters(pair, workers, np.arange(len(workers)), thr, weight)
        for _ in range(self.max_iterations):
            centres = np.array([self._fuse(corners[c], weight[c]) for c in clusters])
            overlap = pairwise_iou(corners, centres)
            order = np.lexsort((np.arange(overlap.size), -overlap.ravel()))
            assigned = np.full(len(workers), -1)
            taken: list[set[int]] = [set() for _ in clusters]
            for flat in order:
                box, k = divmod(int(flat), len(clusters))
                if overlap[box, k] < thr:
                    break
                if assigned[box] >= 0 or workers[box] in taken[k]:
                    continue
                assigned[box] = k
                taken[k].add(int(workers[box]))
            new = [np.flatnonzero(assigned == k) for k in range(len(clusters))]
            new = [c for c in new if len(c)]
            new += seed_clusters(pair, workers, np.flatnonzero(assigned < 0), thr, weight)
            if len(new) == len(clusters) and all(np.array_equal(a, b) for a, b in zip(new, clusters, strict=True)):
                break
            clusters = new
        return [_Cluster(group.label, c, self._fuse(corners[c], weight[c])) for c in clusters]

    @staticmethod
    def _fuse(corners: np.ndarray, weight: np.ndarray) -> np.ndarray:
        """Per-corner weighted median; should the medians cross (possible only for members that barely overlap),
        the member with the highest weighted IoU to the others stands in."""
        centre = weighted_median(corners, weight)
        if centre[2] > centre[0] and centre[3] > centre[1]:
            return centre
        return corners[int(np.argmax(pairwise_iou(corners, corners) @ weight))]
