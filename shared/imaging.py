"""Image adapter (Pillow): image sizes for bounding-box output, worker masks in, consolidated masks out.

Kept out of shared/domain so the domain stays stdlib + numpy; the domain checks an answer's structure and this
module reads its pixels.
"""

from __future__ import annotations

import base64
import binascii
import io
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from PIL import Image, UnidentifiedImageError

from shared.domain.errors import ValidationFailed
from shared.domain.labels import LabelConfig

# Ground Truth's per-image limit (doc §7.2): 100 megapixels. Pillow's own bomb check would stop at ~179 Mpx and
# only warn between 89 and 179 Mpx; we refuse past GT's limit and open anything below it quietly.
MAX_PIXELS = 100_000_000
_EXIF_ORIENTATION = 0x0112
_SWAPPING_ORIENTATIONS = frozenset({5, 6, 7, 8})  # rotated by 90° or 270°: the browser shows height × width
_MASK_FIELD = "answer.labeledImage.pngImageData"


def _open(data: bytes) -> Image.Image:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except Image.DecompressionBombError:
            raise ValueError(f"the image is larger than {MAX_PIXELS // 1_000_000} megapixels") from None
        except (UnidentifiedImageError, OSError) as exc:
            raise ValueError("not a PNG, JPEG, GIF, BMP or WebP image") from exc
    if image.width * image.height > MAX_PIXELS:
        raise ValueError(f"the image is larger than {MAX_PIXELS // 1_000_000} megapixels")
    return image


def _depth(image: Image.Image) -> int:
    if image.mode == "P":  # palette entries are RGB; a transparent entry makes it RGBA
        return 4 if "transparency" in image.info else 3
    return len(image.getbands())


def image_size(data: bytes, *, apply_exif_orientation: bool = True) -> tuple[int, int, int]:
    """(width, height, depth) read from the file's header, pixels left undecoded; depth is the channel count
    GT writes in `image_size` (3 for RGB JPEGs). With `apply_exif_orientation` a JPEG whose EXIF says it is
    rotated by 90° reports the size a browser shows, i.e. the one a labeler's boxes refer to (doc §6: browsers
    apply EXIF rotation). ValueError for data Pillow cannot identify."""
    image = _open(data)
    with image:
        width, height = image.size
        if apply_exif_orientation:
            try:
                orientation = image.getexif().get(_EXIF_ORIENTATION)
            except Exception:  # noqa: BLE001 - a malformed EXIF block must not hide the size
                orientation = None
            if orientation in _SWAPPING_ORIENTATIONS:
                width, height = height, width
        return width, height, _depth(image)


def _hex_rgb(color: str) -> tuple[int, int, int]:
    text = color.strip().lstrip("#").lower()
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    if len(text) != 6:
        raise ValueError(f"'{color}' is not a #rrggbb colour")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def _pack(rgb: np.ndarray) -> np.ndarray:
    return (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]


def decode_mask(png_b64: str, label_mappings: Mapping[str, Any], labels: LabelConfig | Sequence[str],
                width: int | None, height: int | None) -> np.ndarray:
    """A worker's `labeledImage.pngImageData` as a (height, width) array of class indices: 0 = background
    (transparent or white pixels), `k + 1` = the job's label `k`, found through the answer's `labelMappings`
    (`{"<label>": {"color": "#hex"}}`). Refused (ValidationFailed) when the PNG is not `width` × `height`, when
    a mapping names a label the job lacks, or when a painted pixel has a colour no mapping gives. A size given as
    None is not checked (the answer did not say which size the labeler saw)."""
    names = tuple(labels.labels if isinstance(labels, LabelConfig) else labels)
    try:
        data = base64.b64decode(png_b64.split(",", 1)[1] if png_b64.startswith("data:") else png_b64,
                                validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed("is not valid base64", _MASK_FIELD) from None
    try:
        image = _open(data)
    except ValueError as exc:
        raise ValidationFailed(str(exc), _MASK_FIELD) from None
    with image:
        if image.format != "PNG":
            raise ValidationFailed("is not a PNG image", _MASK_FIELD)
        if (width is not None and image.width != width) or (height is not None and image.height != height):
            expected = f"{image.width if width is None else width}x{image.height if height is None else height}"
            raise ValidationFailed(f"is {image.width}x{image.height} pixels but the image is {expected}", _MASK_FIELD)
        rgba = np.asarray(image.convert("RGBA"))
    keys: list[int] = [0xFFFFFF]
    classes: list[int] = [0]
    for label, mapping in label_mappings.items():
        if label not in names:
            raise ValidationFailed(f"'{label[:80]}' is not one of the job's label categories",
                                   f"answer.labelMappings.{label}")
        try:
            r, g, b = _hex_rgb(mapping["color"])
        except (KeyError, TypeError, ValueError):
            raise ValidationFailed("must be {\"color\": \"#rrggbb\"}", f"answer.labelMappings.{label}.color") from None
        keys.append((r << 16) | (g << 8) | b)
        classes.append(names.index(label) + 1)
    order = np.argsort(np.array(keys, dtype=np.uint32), kind="stable")
    sorted_keys = np.array(keys, dtype=np.uint32)[order]
    sorted_classes = np.array(classes, dtype=np.int64)[order]
    if len(np.unique(sorted_keys)) != len(sorted_keys):
        raise ValidationFailed("two labels share one colour (or one is white, the background)",
                               "answer.labelMappings")
    packed = _pack(rgba[..., :3])
    pos = np.clip(np.searchsorted(sorted_keys, packed), 0, len(sorted_keys) - 1)
    known = sorted_keys[pos] == packed
    transparent = rgba[..., 3] == 0
    unknown = ~known & ~transparent
    if unknown.any():
        ys, xs = np.nonzero(unknown)
        color = int(packed[ys[0], xs[0]])
        raise ValidationFailed(f"{int(unknown.sum())} pixels have colours no label is mapped to, e.g. #{color:06x} "
                               f"at x={int(xs[0])}, y={int(ys[0])}", _MASK_FIELD)
    dtype = np.uint8 if len(names) < 256 else np.uint16
    out = sorted_classes[pos].astype(dtype)
    out[transparent] = 0
    return out


def encode_label_map(label_map: np.ndarray, colors: Sequence[str]) -> bytes:
    """An RGB PNG with class `k` painted `colors[k]` (colors[0] is the background), the form of GT's
    consolidated mask; the colours are those of the output's `internal-color-map`."""
    if label_map.ndim != 2:
        raise ValueError("a label map is a 2-D array of class indices")
    if label_map.size and (int(label_map.min()) < 0 or int(label_map.max()) >= len(colors)):
        raise ValueError(f"class indices must lie in 0..{len(colors) - 1}")
    lut = np.array([_hex_rgb(c) for c in colors], dtype=np.uint8)
    rgb = lut[label_map.astype(np.intp)]
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return buffer.getvalue()
