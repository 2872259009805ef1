"""A guard on any posterior-producing consolidator: an object's label is one that some labeler gave it.

EM models can swap classes where the data cannot tell them apart: with one labeler per object, or a few labelers
who always agree, "the truth is `apple` and everyone says `mango`" fits as well as the plain reading, and a
hierarchical prior can tip it there (seen: four objects all labeled `mango` by one labeler came out `zebra`). No
requester wants a label nobody chose, so the posterior is restricted to the classes that received at least one
vote for that object and renormalised. Where EM's choice was voted for (almost every object with several
answers) nothing changes.
"""

from __future__ import annotations

import numpy as np

from shared.domain.consolidation.array_model import ArrayConsolidator
from shared.domain.consolidation.encoding import EncodedAnswers


class VotedClassesOnly(ArrayConsolidator):
    """Fit `model`, then zero each object's posterior on classes nobody answered. Fitted attributes of the inner
    model (`confusions_`, `class_prior_`, `collapsed_`, ...) are reachable through this wrapper."""

    def __init__(self, model: ArrayConsolidator) -> None:
        self.model = model

    def _fit_encoded(self, enc: EncodedAnswers) -> np.ndarray:
        posterior = np.asarray(self.model.fit_encoded(enc).proba_, dtype=float)
        voted = np.zeros((enc.n_objects, enc.n_classes), dtype=bool)
        voted[enc.objects, enc.labels] = True
        masked = np.where(voted, posterior, 0.0)
        total = masked.sum(axis=1, keepdims=True)
        # Where EM put (numerically) no mass on any voted class, fall back to the vote shares.
        shares = np.zeros_like(masked)
        np.add.at(shares, (enc.objects, enc.labels), 1.0)
        shares /= np.maximum(shares.sum(axis=1, keepdims=True), 1.0)
        return np.where(total > 1e-12, masked / np.maximum(total, 1e-300), shares)

    def __getattr__(self, name: str) -> object:
        if name.endswith("_") and not name.startswith("__") and "model" in self.__dict__:
            return getattr(self.__dict__["model"], name)
        raise AttributeError(name)
