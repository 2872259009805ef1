"""shared/imaging.py: image sizes from headers, worker masks to class indices, class indices to GT's PNG masks."""

from __future__ import annotations

import base64
import io
import struct
import zlib
from typing import Any

import numpy as np
import pytest
from PIL import Image

from shared.domain.errors import ValidationFailed
from shared.domain.labels import LabelConfig
from shared.domain.output import segmentation_colors
from shared.imaging import decode_mask, encode_label_map, image_size

LABELS = LabelConfig(("road", "car", "person"))
MAPPINGS = {"road": {"color": "#2ca02c"}, "car": {"color": "#1F77B4"}}  # as the crowd element sends them


def encoded(image: Image.Image, fmt: str, **kw: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **kw)
    return buffer.getvalue()


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.parametrize(("fmt", "mode", "depth"), [
    ("PNG", "RGB", 3), ("PNG", "RGBA", 4), ("PNG", "L", 1), ("PNG", "LA", 2), ("PNG", "P", 3),
    ("JPEG", "RGB", 3), ("JPEG", "L", 1), ("JPEG", "CMYK", 4), ("GIF", "P", 3), ("BMP", "RGB", 3),
    ("WEBP", "RGB", 3), ("WEBP", "RGBA", 4),
])
def test_image_size_reads_width_height_and_channels(fmt: str, mode: str, depth: int) -> None:
    data = encoded(Image.new(mode, (37, 23)), fmt)
    assert image_size(data) == (37, 23, depth)


def test_a_palette_image_with_transparency_has_four_channels() -> None:
    assert image_size(encoded(Image.new("P", (5, 4)), "PNG", transparency=0)) == (5, 4, 4)


def chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_header(width: int, height: int) -> bytes:
    """A PNG whose pixel data is garbage: it can be sized, never decoded."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"garbage, not zlib")


def test_image_size_reads_only_the_header() -> None:
    data = png_header(4000, 3000)
    assert image_size(data) == (4000, 3000, 3)
    with Image.open(io.BytesIO(data)) as image, pytest.raises(OSError):
        image.load()  # the pixels really are undecodable


@pytest.mark.parametrize(("width", "height"), [(12_000, 9_000), (20_000, 20_000)])
def test_images_over_ground_truths_100_megapixels_are_refused(width: int, height: int) -> None:
    with pytest.raises(ValueError, match="100 megapixels"):
        image_size(png_header(width, height))


@pytest.mark.parametrize("data", [b"", b"not an image", b"\x89PNG\r\n\x1a\n"])
def test_unreadable_data_is_a_value_error(data: bytes) -> None:
    with pytest.raises(ValueError):
        image_size(data)


def jpeg_with_orientation(orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(Image.new("RGB", (40, 30)), "JPEG", exif=exif.tobytes())


@pytest.mark.parametrize(("orientation", "expected"), [(1, (40, 30, 3)), (3, (40, 30, 3)), (6, (30, 40, 3)),
                                                       (8, (30, 40, 3))])
def test_exif_rotation_gives_the_size_a_browser_shows(orientation: int, expected: tuple[int, int, int]) -> None:
    data = jpeg_with_orientation(orientation)
    assert image_size(data) == expected
    assert image_size(data, apply_exif_orientation=False) == (40, 30, 3)


# -- worker masks ------------------------------------------------------------------------------------------------

def worker_mask() -> tuple[Image.Image, np.ndarray]:
    """A 6x4 RGBA mask as the crowd element paints it: transparent background, a road stripe, a car, white."""
    rgba = np.zeros((4, 6, 4), dtype=np.uint8)
    expected = np.zeros((4, 6), dtype=np.uint8)
    rgba[3, :] = (0x2C, 0xA0, 0x2C, 255)
    expected[3, :] = 1
    rgba[0:2, 4:6] = (0x1F, 0x77, 0xB4, 255)
    expected[0:2, 4:6] = 2
    rgba[0, 0] = (255, 255, 255, 255)  # white is background too
    rgba[1, 1] = (12, 34, 56, 0)  # any colour fully transparent is background
    return Image.fromarray(rgba), expected


@pytest.mark.parametrize("labels", [LABELS, ["road", "car", "person"], ("road", "car", "person")])
def test_a_worker_mask_becomes_class_indices(labels: Any) -> None:
    image, expected = worker_mask()
    classes = decode_mask(b64(encoded(image, "PNG")), MAPPINGS, labels, 6, 4)
    assert classes.shape == (4, 6) and classes.dtype == np.uint8
    np.testing.assert_array_equal(classes, expected)


def test_an_rgb_or_palette_mask_decodes_the_same() -> None:
    image, expected = worker_mask()
    rgba = np.asarray(image)
    pixels = rgba[..., :3].copy()
    pixels[rgba[..., 3] == 0] = (255, 255, 255)  # without alpha the background is painted white
    rgb = Image.fromarray(pixels)
    for variant in (rgb, rgb.convert("P", palette=Image.Palette.ADAPTIVE, colors=8)):
        data = f"data:image/png;base64,{b64(encoded(variant, 'PNG'))}"
        np.testing.assert_array_equal(decode_mask(data, MAPPINGS, LABELS, 6, 4), expected)


def test_an_unknown_size_is_taken_from_the_mask() -> None:
    image, expected = worker_mask()
    np.testing.assert_array_equal(decode_mask(b64(encoded(image, "PNG")), MAPPINGS, LABELS, None, None), expected)
    with pytest.raises(ValidationFailed, match="is 6x4 pixels but the image is 6x5"):
        decode_mask(b64(encoded(image, "PNG")), MAPPINGS, LABELS, None, 5)


def test_an_empty_mask_is_all_background() -> None:
    data = b64(encoded(Image.new("RGBA", (3, 2)), "PNG"))
    np.testing.assert_array_equal(decode_mask(data, {}, LABELS, 3, 2), np.zeros((2, 3)))


@pytest.mark.parametrize(("data", "mappings", "size", "field", "reason"), [
    ("mask", {"road": {"color": "#2ca02c"}}, (6, 4), "answer.labeledImage.pngImageData", "#1f77b4"),
    ("mask", MAPPINGS, (6, 5), "answer.labeledImage.pngImageData", "6x4 pixels but the image is 6x5"),
    ("mask", {**MAPPINGS, "truck": {"color": "#123456"}}, (6, 4), "answer.labelMappings.truck", "truck"),
    ("mask", {**MAPPINGS, "person": {"color": "blue"}}, (6, 4), "answer.labelMappings.person.color", "#rrggbb"),
    ("mask", {**MAPPINGS, "person": {"color": "#ffffff"}}, (6, 4), "answer.labelMappings", "white"),
    ("mask", {**MAPPINGS, "person": {"color": "#2CA02C"}}, (6, 4), "answer.labelMappings", "share"),
    ("jpeg", MAPPINGS, (6, 4), "answer.labeledImage.pngImageData", "not a PNG"),
    ("garbage", MAPPINGS, (6, 4), "answer.labeledImage.pngImageData", "base64"),
    ("text", MAPPINGS, (6, 4), "answer.labeledImage.pngImageData", "not a PNG, JPEG"),
])
def test_a_bad_mask_is_refused_naming_the_member(data: str, mappings: dict[str, Any], size: tuple[int, int],
                                                 field: str, reason: str) -> None:
    image, _ = worker_mask()
    payload = {"mask": b64(encoded(image, "PNG")), "jpeg": b64(encoded(image.convert("RGB"), "JPEG")),
               "garbage": "%%%", "text": b64(b"hello world")}[data]
    with pytest.raises(ValidationFailed) as info:
        decode_mask(payload, mappings, LABELS, *size)
    assert info.value.field == field and reason in info.value.message


def test_an_unknown_colour_is_reported_with_its_count_and_place() -> None:
    image, _ = worker_mask()
    pixels = np.asarray(image).copy()
    pixels[2, 3] = (200, 10, 10, 255)
    with pytest.raises(ValidationFailed, match=r"1 pixels .* #c80a0a at x=3, y=2"):
        decode_mask(b64(encoded(Image.fromarray(pixels), "PNG")), MAPPINGS, LABELS, 6, 4)


# -- consolidated masks ------------------------------------------------------------------------------------------

def test_a_label_map_is_painted_with_the_class_colours_and_reads_back() -> None:
    colors = segmentation_colors(3)
    label_map = np.array([[0, 1, 2, 3], [3, 2, 1, 0], [0, 0, 0, 1]], dtype=np.uint8)
    png = encode_label_map(label_map, colors)
    with Image.open(io.BytesIO(png)) as image:
        assert (image.format, image.mode, image.size) == ("PNG", "RGB", (4, 3))
        pixels = np.asarray(image)
    assert tuple(pixels[0, 0]) == (255, 255, 255) and tuple(pixels[0, 1]) == (0x1F, 0x77, 0xB4)
    assert image_size(png) == (4, 3, 3)
    mappings = {label: {"color": colors[k + 1]} for k, label in enumerate(LABELS.labels)}
    np.testing.assert_array_equal(decode_mask(b64(png), mappings, LABELS, 4, 3), label_map)


def test_many_classes_get_distinct_colours_and_survive_the_round_trip() -> None:
    labels = [f"class-{i}" for i in range(300)]
    colors = segmentation_colors(len(labels))
    assert len(set(colors)) == 301 and colors[0] == "#ffffff"
    label_map = np.arange(301 * 2).reshape(2, 301) % 301
    mappings = {label: {"color": colors[k + 1]} for k, label in enumerate(labels)}
    decoded = decode_mask(b64(encode_label_map(label_map, colors)), mappings, labels, 301, 2)
    assert decoded.dtype == np.uint16
    np.testing.assert_array_equal(decoded, label_map)


@pytest.mark.parametrize("label_map", [np.array([[0, 4]]), np.array([[-1, 0]]), np.zeros((2, 2, 3), dtype=int)])
def test_a_label_map_outside_the_colours_is_refused(label_map: np.ndarray) -> None:
    with pytest.raises(ValueError):
        encode_label_map(label_map, segmentation_colors(3))
