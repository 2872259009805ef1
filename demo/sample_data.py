"""Sample data the project makes itself: digit images rendered from scikit-learn's bundled `load_digits`,
and a few review lines written for the demo. Each comes with its true label, for the simulated labelers."""

from __future__ import annotations

import json
from pathlib import Path

REVIEWS = [
    ("A warm, funny film with a cast that clearly loved making it.", "positive"),
    ("Two hours I will never get back; the plot goes nowhere.", "negative"),
    ("Sharp writing and a terrific lead performance.", "positive"),
    ("The jokes land flat and the pacing drags.", "negative"),
    ("A beautiful, moving story told with real care.", "positive"),
    ("Loud, confused and far too long.", "negative"),
    ("I smiled all the way through; a small delight.", "positive"),
    ("Wooden acting sinks an already thin script.", "negative"),
    ("Clever, tender and surprisingly tense.", "positive"),
    ("A lazy sequel that forgets what made the first one fun.", "negative"),
    ("The best thing I have seen this year.", "positive"),
    ("Dull from the first scene to the last.", "negative"),
]


def write_reviews(folder: Path) -> tuple[Path, dict[str, str]]:
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "reviews.manifest"
    manifest.write_text("".join(json.dumps({"source": text, "review-id": i}) + "\n"
                                for i, (text, _) in enumerate(REVIEWS)), encoding="utf-8")
    return manifest, {text: label for text, label in REVIEWS}


def write_digits(folder: Path, count: int | None = 60, size: int = 64) -> tuple[Path, dict[str, str]]:
    """PNG images of handwritten digits (8x8 scans, dark ink on white, scaled to `size` pixels; `count=None`: all
    1,797) and a manifest of `file://` source-refs."""
    from PIL import Image
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    truth: dict[str, str] = {}
    lines = []
    for i in range(len(digits.images) if count is None else count):
        pixels = (digits.images[i] * (255 / 16)).astype("uint8")
        path = images / f"digit-{i:04d}.png"
        Image.fromarray(255 - pixels, mode="L").resize((size, size), Image.NEAREST).save(path)
        uri = path.resolve().as_uri()
        truth[uri] = str(int(digits.target[i]))
        lines.append(json.dumps({"source-ref": uri, "scan": i}))
    manifest = folder / "digits.manifest"
    manifest.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return manifest, truth


SENTENCES = [
    "Ada Lovelace wrote the first program in London.",
    "Grace Hopper built a compiler at Remington Rand in Philadelphia.",
    "Alan Turing worked at Bletchley Park near Milton Keynes.",
    "Katherine Johnson computed orbits for NASA in Hampton.",
]


def write_sentences(folder: Path) -> Path:
    """Sentences with people, organisations and places in them, for a named-entity job."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest = folder / "sentences.manifest"
    manifest.write_text("".join(json.dumps({"source": text}) + "\n" for text in SENTENCES), encoding="utf-8")
    return manifest
