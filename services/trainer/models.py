"""The networks the trainer fits, chosen by the data: torch and torchvision live only in services/trainer.

Images: small images (at most 48 pixels a side, say digits or icons) are scaled to 16 or 32 pixels and go through
a compact convolutional network built from torchvision's `Conv2dNormActivation` blocks: on a few hundred labels it
trains in seconds on a CPU, and a residual network's stride-4 stem would throw most of such an image away. Larger
images are scaled to 64 pixels and go through torchvision's ResNet-18, trained from scratch (no weights can be
downloaded). Text: a two-layer head over all-MiniLM-L6-v2's per-layer mean-pooled features (or over its sentence
embeddings), or, when the embedding package is absent, a bag of hashed word and character n-grams (`EmbeddingBag`)
— all small enough to retrain every round; the transformer itself stays frozen (fine-tuning it takes minutes a
round on a CPU).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn
from torchvision.models import resnet18
from torchvision.ops import Conv2dNormActivation


@dataclass(frozen=True)
class ModelSpec:
    """Enough to rebuild a network from a checkpoint: its architecture, classes and input shape."""

    arch: str  # "small-cnn" | "resnet18" | "minilm-layers-mlp" | "embedding-mlp" | "ngram-bag"
    n_classes: int
    input_size: int = 0  # image side in pixels, or embedding width, or hash buckets

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def image_input_size(width: int, height: int) -> int:
    side = max(width, height)
    return 16 if side <= 16 else 32 if side <= 48 else 64


def image_spec(n_classes: int, width: int, height: int) -> ModelSpec:
    size = image_input_size(width, height)
    return ModelSpec("small-cnn" if size <= 32 else "resnet18", n_classes, size)


class SmallConvNet(nn.Sequential):
    """Two stages of 3x3 conv-BN-ReLU with pooling, then global average pooling: about 120k weights."""

    def __init__(self, n_classes: int) -> None:
        super().__init__(
            Conv2dNormActivation(3, 32, 3), Conv2dNormActivation(32, 32, 3), nn.MaxPool2d(2),
            Conv2dNormActivation(32, 64, 3), nn.MaxPool2d(2), Conv2dNormActivation(64, 128, 3),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(0.2), nn.Linear(128, n_classes),
        )


class EmbeddingHead(nn.Sequential):
    def __init__(self, width: int, n_classes: int) -> None:
        super().__init__(nn.Dropout(0.1), nn.Linear(width, 256), nn.ReLU(), nn.Dropout(0.2), nn.Linear(256, n_classes))


class NgramBag(nn.Module):
    """Mean of learned vectors of the text's hashed n-grams, then a linear layer (fastText's shape)."""

    def __init__(self, buckets: int, n_classes: int, width: int = 64) -> None:
        super().__init__()
        self.bag = nn.EmbeddingBag(buckets, width, mode="mean")
        self.out = nn.Linear(width, n_classes)

    def forward(self, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
        ids, offsets = batch
        return self.out(self.bag(ids, offsets))


def build(spec: ModelSpec) -> nn.Module:
    if spec.arch == "small-cnn":
        return SmallConvNet(spec.n_classes)
    if spec.arch == "resnet18":
        return resnet18(weights=None, num_classes=spec.n_classes)
    if spec.arch in ("minilm-layers-mlp", "embedding-mlp"):
        return EmbeddingHead(spec.input_size, spec.n_classes)
    if spec.arch == "ngram-bag":
        return NgramBag(spec.input_size, spec.n_classes)
    raise ValueError(f"unknown architecture {spec.arch!r}")
