"""Greedy seeding of one-per-labeler clusters, shared by box and span consolidation.

Both match several labelers' marks (boxes by IoU, spans by Jaccard) into clusters that hold at most one mark per
labeler. The seeds must not depend on the order answers arrive in, so the mark that most other labelers agree with
starts the first cluster: marks are taken by support (how many other labelers drew something at similarity >=
threshold to it), then by the summed similarity of those matches (weighted by the matching labelers' weights,
when given), then by index. Each seed takes, from every other labeler, their closest free mark at similarity >=
threshold (a mark the caller prefers, e.g. the same entity label, first).
"""

from __future__ import annotations

import numpy as np


def seed_clusters(similarity: np.ndarray, workers: np.ndarray, pool: np.ndarray, threshold: float,
                  worker_weight: np.ndarray | None = None, prefer: np.ndarray | None = None) -> list[np.ndarray]:
    """Clusters over the marks in `pool` (indices into `similarity` (n, n), `workers` (n,), `worker_weight` (n,),
    `prefer` (n, n) bool), each an ascending array of those indices."""
    if len(pool) == 0:
        return []
    sub = similarity[np.ix_(pool, pool)]
    ws = workers[pool]
    others = np.unique(ws)
    # best[i, v]: the highest similarity between mark i and any mark of labeler v (0 for i's own labeler)
    best = np.stack([np.where(ws == v, sub, 0.0).max(axis=1) for v in others], axis=1)
    best[ws[:, None] == others[None, :]] = 0.0
    hit = best >= threshold
    support = hit.sum(axis=1)
    score = best * hit
    if worker_weight is not None:
        wp = worker_weight[pool]
        score = score * np.array([wp[ws == v][0] for v in others])[None, :]
    order = np.lexsort((np.arange(len(pool)), -score.sum(axis=1), -support))
    preferred = None if prefer is None else prefer[np.ix_(pool, pool)]
    free = np.ones(len(pool), dtype=bool)
    clusters: list[np.ndarray] = []
    for i in order:
        if not free[i]:
            continue
        members = [i]
        free[i] = False
        for v in others:
            if v == ws[i]:
                continue
            cand = np.flatnonzero(free & (ws == v) & (sub[i] >= threshold))
            if len(cand):
                keys = (cand, -sub[i, cand]) if preferred is None else (cand, -sub[i, cand], ~preferred[i, cand])
                j = cand[np.lexsort(keys)[0]]
                members.append(j)
                free[j] = False
        clusters.append(np.sort(pool[np.array(members)]))
    return clusters
