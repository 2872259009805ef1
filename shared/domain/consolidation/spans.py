"""Named-entity consolidation: several labelers' entity spans per text in, one list of entities out.

Ground Truth (§5.1): "clusters spans by Jaccard similarity; boundaries = mode of worker boundaries (median if no
clear mode); label = most frequent in cluster", confidence per entity, and 0 for every entity when one worker
answered (§1.7). Here:

1. Clustering. Spans are compared by the Jaccard index of their character ranges (|A n B| / |A u B|, end
   exclusive). A cluster holds at most one span per worker. Seeds are taken in order of support (how many other
   workers marked a span with Jaccard >= `jaccard_threshold`, 0.5 by default), then every span is matched again,
   greedily, to the consolidated spans: a span prefers a cluster whose current label equals its own, then the
   higher Jaccard. That preference is what lets overlapping entities with different labels stand side by side
   ("Bank of Oslo" ORG and "Oslo" LOC, or the same range marked twice with two labels by every worker: two
   clusters). Leftover spans seed new clusters until the membership is stable.
2. Boundaries. start and end are each the skill-weighted mode of the members' values when one value has strictly
   the most weight; otherwise (all values differ, or a tie) the weighted lower median, which is always one of
   the values a worker chose, so the span never cuts between two workers' characters.
3. Label. Skill-weighted vote among the members; a tie goes to the label listed first in the job's categories, so
   the result never depends on answer order (Ground Truth breaks ties at random).
4. Support rule. A cluster is kept when at least `min_support` (half) of the workers who answered the text marked
   it (2 of 3, 2 of 4). An empty answer counts as an answer.
5. Confidence = (members who gave the winning label / workers who answered) x mean Jaccard of the members to the
   consolidated span, two decimals; 0.00 when one worker answered (`base.ground_truth_confidence`).
6. Worker skill, EM-style over the batch: quality = mean over kept entities of the texts a worker answered of
   Jaccard(their span, consolidated span) when their label agrees, else 0 (also 0 for a missed entity and for a
   span of theirs that no kept cluster holds; 1 for an empty answer on a text whose consensus is empty), shrunk
   toward `prior_quality` or the batch mean with `prior_strength` pseudo-observations. Vote weight =
   log((K - 1) q / (1 - q)) with K the number of categories (Dawid-Skene one-coin log odds), floored at a small
   positive value. Texts answered by one worker carry no evidence and are left out of the qualities. Fusion and
   qualities alternate until the qualities move less than `tol`, at most `max_rounds` re-weightings after the
   first pass (`max_rounds=0`: one pass with the prior weights, or equal ones).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from shared.domain.consolidation.base import ground_truth_confidence
from shared.domain.consolidation.labeler_quality import (
    by_object,
    largest_shift,
    log_odds_weight,
    mean_known,
    shrunk_qualities,
)
from shared.domain.consolidation.seed_clusters import seed_clusters


@dataclass(frozen=True)
class Span:
    """One entity as the NER answer gives it: label name, Unicode character offsets, end exclusive."""

    label: str
    start: int
    end: int


@dataclass(frozen=True)
class SpanAnswer:
    """One worker's entities for one text; an empty tuple is a valid answer meaning "no entity"."""

    object_id: int
    worker_id: int
    entities: tuple[Span, ...] = ()


@dataclass(frozen=True)
class ConsolidatedSpan:
    label: str
    start: int
    end: int
    confidence: float
    support: int
    workers: tuple[int, ...] = field(default=(), compare=False)

    def annotation(self) -> dict[str, object]:
        """The output-manifest entry (§1.7)."""
        return {"label": self.label, "startOffset": self.start, "endOffset": self.end}


def jaccard(a: tuple[int, int], b: tuple[int, int]) -> float:
    """Jaccard index of two half-open character ranges; 0 when both are empty."""
    inter = max(0, min(a[1], b[1]) - max(a[0], b[0]))
    union = (a[1] - a[0]) + (b[1] - b[0]) - inter
    return inter / union if union > 0 else 0.0


def pairwise_jaccard(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Jaccard of every range in `a` (n, 2) with every range in `b` (m, 2)."""
    a = np.asarray(a, dtype=np.float64).reshape(-1, 2)
    b = np.asarray(b, dtype=np.float64).reshape(-1, 2)
    inter = np.clip(np.minimum(a[:, None, 1], b[None, :, 1]) - np.maximum(a[:, None, 0], b[None, :, 0]), 0, None)
    union = (a[:, 1] - a[:, 0])[:, None] + (b[:, 1] - b[:, 0])[None, :] - inter
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


def mode_or_median(values: np.ndarray, weights: np.ndarray) -> int:
    """The value with strictly the largest total weight; without one, the weighted lower median."""
    values = np.asarray(values, dtype=np.int64)
    weights = np.asarray(weights, dtype=np.float64)
    uniq, inverse = np.unique(values, return_inverse=True)
    totals = np.bincount(inverse, weights=weights)
    top = totals.max()
    winners = np.flatnonzero(np.isclose(totals, top))
    if len(winners) == 1 and len(uniq) < len(values):
        return int(uniq[winners[0]])
    cum = np.cumsum(totals)
    return int(uniq[np.searchsorted(cum, cum[-1] / 2 - 1e-9 * cum[-1])])


@dataclass
class _Group:
    """The spans of one text, canonically ordered (worker, start, end, category order)."""

    ranges: np.ndarray  # (n, 2)
    labels: np.ndarray  # (n,) category indices
    workers: np.ndarray  # (n,) worker ids


class SpanConsolidator:
    """Cluster, vote and score entity spans over a batch of texts, estimating each worker's quality.

    sklearn-style: `fit` returns self; `predict()` gives each text's entities. Fitted: `objects_` (text id ->
    entities), `worker_quality_` (worker id -> quality; carry it to the next batch as `prior_quality`),
    `worker_weight_` (the vote weights of the final pass), `categories_`, `n_rounds_` (re-weightings after the
    first pass).
    """

    def __init__(self, jaccard_threshold: float = 0.5, min_support: float = 0.5, prior_strength: float = 5.0,
                 max_rounds: int = 10, tol: float = 1e-4, max_iterations: int = 10) -> None:
        if not 0 < jaccard_threshold <= 1:
            raise ValueError("jaccard_threshold must be in (0, 1]")
        if not 0 <= min_support <= 1:
            raise ValueError("min_support must be in [0, 1]")
        if prior_strength < 0 or max_rounds < 0:
            raise ValueError("prior_strength and max_rounds must be >= 0")
        self.jaccard_threshold = jaccard_threshold
        self.min_support = min_support
        self.prior_strength = prior_strength
        self.max_rounds = max_rounds
        self.tol = tol
        self.max_iterations = max_iterations

    def fit(self, answers: Iterable[SpanAnswer], categories: Sequence[str],
            prior_quality: Mapping[int, float] | None = None) -> SpanConsolidator:
        """`categories`: the job's labels in the order of its label-category file (the tie rule uses it);
        `prior_quality`: worker id -> quality carried from earlier batches (e.g. a previous `worker_quality_`)."""
        categories = list(categories)
        if not categories or len(set(categories)) != len(categories):
            raise ValueError("categories must be a non-empty list of distinct labels")
        self.categories_ = categories
        k = max(len(categories), 2)
        objects = self._read(answers, {c: i for i, c in enumerate(categories)})
        workers = sorted({w for answered, _ in objects.values() for w in answered})
        prior = {w: float(prior_quality[w]) for w in workers if prior_quality and w in prior_quality}
        quality = dict(prior)
        results: dict[int, list[ConsolidatedSpan]] = {}
        weight: dict[int, float] = {}
        rounds = 0
        for rounds in range(self.max_rounds + 1):  # noqa: B007 - reported as n_rounds_
            default = mean_known(quality)
            weight = {w: log_odds_weight(quality.get(w, default), k) for w in workers}
            observations: dict[int, list[float]] = {}
            results = {oid: self._consolidate(answered, group, weight, observations)
                       for oid, (answered, group) in objects.items()}
            new_quality = shrunk_qualities(observations, prior, self.prior_strength)
            shift = largest_shift(new_quality, quality)
            quality = new_quality
            if shift < self.tol:
                break
        self.objects_ = results
        self.worker_quality_ = quality
        self.worker_weight_ = weight
        self.n_rounds_ = rounds
        return self

    def predict(self) -> dict[int, list[ConsolidatedSpan]]:
        return {oid: list(spans) for oid, spans in self.objects_.items()}

    # -- internals -----------------------------------------------------------------------------------------------

    @staticmethod
    def _read(answers: Iterable[SpanAnswer], index: Mapping[str, int]) -> dict[int, tuple[list[int], _Group]]:
        rows = by_object(answers, lambda a: tuple(a.entities))
        objects: dict[int, tuple[list[int], _Group]] = {}
        for oid, by_worker in rows.items():
            items: list[tuple[int, int, int, int]] = []
            for wid, spans in by_worker.items():
                for s in spans:
                    if s.label not in index:
                        raise ValueError(f"label {s.label!r} from worker {wid} on object {oid} is not a category")
                    if not 0 <= s.start < s.end:
                        raise ValueError(f"malformed span {s} from worker {wid} on object {oid}")
                    items.append((wid, s.start, s.end, index[s.label]))
            items = sorted(set(items))  # the same span with the same label twice from one worker is one mark
            arr = np.array(items, dtype=np.int64).reshape(-1, 4)
            objects[oid] = (sorted(by_worker), _Group(arr[:, 1:3], arr[:, 3], arr[:, 0]))
        return objects

    def _consolidate(self, answered: list[int], group: _Group, weight: Mapping[int, float],
                     observations: dict[int, list[float]]) -> list[ConsolidatedSpan]:
        n_answered = len(answered)
        w = np.array([weight[x] for x in group.workers], dtype=np.float64)
        per_worker: dict[int, list[float]] = {x: [] for x in answered}
        placed = np.zeros(len(group.workers), dtype=bool)
        out: list[ConsolidatedSpan] = []
        for members, (start, end, label) in self._cluster(group, w):
            support = len(members)
            if support < self.min_support * n_answered - 1e-9:
                continue
            placed[members] = True
            overlap = pairwise_jaccard(group.ranges[members], np.array([[start, end]]))[:, 0]
            agreeing = group.labels[members] == label
            for m, value, ok in zip(members, overlap, agreeing, strict=True):
                per_worker[int(group.workers[m])].append(float(value) if ok else 0.0)
            for x in set(answered) - {int(group.workers[m]) for m in members}:
                per_worker[x].append(0.0)
            share = int(agreeing.sum()) / n_answered * float(overlap.mean())
            out.append(ConsolidatedSpan(
                label=self.categories_[label], start=start, end=end, support=support,
                confidence=ground_truth_confidence(share, n_answered),
                workers=tuple(sorted(int(group.workers[m]) for m in members))))
        for m in np.flatnonzero(~placed):
            per_worker[int(group.workers[m])].append(0.0)
        if n_answered >= 2:  # one worker always agrees with themself: no evidence of skill
            for x, obs in per_worker.items():
                observations.setdefault(x, []).extend(obs if obs else [1.0])
        out.sort(key=lambda s: (s.start, s.end, self.categories_.index(s.label)))
        return out

    def _centre(self, members: np.ndarray, group: _Group, w: np.ndarray) -> tuple[int, int, int]:
        """Consolidated (start, end, label index) of a cluster: boundary modes, weighted label vote."""
        start = mode_or_median(group.ranges[members, 0], w[members])
        end = mode_or_median(group.ranges[members, 1], w[members])
        if end <= start:  # boundaries from different workers crossed: take the best-supported member's span
            pair = pairwise_jaccard(group.ranges[members], group.ranges[members]) @ w[members]
            start, end = (int(v) for v in group.ranges[members[int(np.argmax(pair))]])
        votes = np.bincount(group.labels[members], weights=w[members])
        label = int(np.flatnonzero(np.isclose(votes, votes.max()))[0])  # tie: the category listed first
        return start, end, label

    def _cluster(self, group: _Group, w: np.ndarray) -> list[tuple[np.ndarray, tuple[int, int, int]]]:
        ranges, workers, thr = group.ranges, group.workers, self.jaccard_threshold
        n = len(workers)
        if n == 0:
            return []
        pair = pairwise_jaccard(ranges, ranges)
        same = group.labels[:, None] == group.labels[None, :]
        clusters = seed_clusters(pair, workers, np.arange(n), thr, prefer=same)
        for _ in range(self.max_iterations):
            centres = [self._centre(c, group, w) for c in clusters]
            overlap = pairwise_jaccard(ranges, np.array([[s, e] for s, e, _ in centres]))
            label_match = group.labels[:, None] == np.array([lab for _, _, lab in centres])[None, :]
            flat_overlap, flat_match = overlap.ravel(), label_match.ravel()
            order = np.lexsort((np.arange(overlap.size), -flat_overlap, ~flat_match))
            assigned = np.full(n, -1)
            taken: list[set[int]] = [set() for _ in clusters]
            for flat in order:
                if flat_overlap[flat] < thr:
                    continue
                i, k = divmod(int(flat), len(clusters))
                if assigned[i] >= 0 or workers[i] in taken[k]:
                    continue
                assigned[i] = k
                taken[k].add(int(workers[i]))
            new = [np.flatnonzero(assigned == k) for k in range(len(clusters))]
            new = [c for c in new if len(c)]
            new += seed_clusters(pair, workers, np.flatnonzero(assigned < 0), thr, prefer=same)
            if len(new) == len(clusters) and all(np.array_equal(a, b) for a, b in zip(new, clusters, strict=True)):
                break
            clusters = new
        return [(c, self._centre(c, group, w)) for c in clusters]
