"""Input manifest lines: Ground Truth's rules, checked one line at a time so a bad line never stops good ones."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from shared.domain.errors import ValidationFailed
from shared.domain.gt_reader import read_label

MAX_LINE_CHARS = 100_000
MAX_ATTRIBUTE_CHARS = 20_000
MAX_DATASET_OBJECTS = 100_000
URI_SCHEMES = ("s3://", "file://")


class ParsedLine(NamedTuple):
    """A good line: its data (`source` text or `source-ref` URI) and the raw text kept for the output."""

    source: str | None
    source_ref: str | None


class BadLine(ValueError):
    """A manifest line that cannot become a task; the message is shown to the requester with its line number."""


def _check_attribute_sizes(record: dict[str, Any]) -> None:
    for key, value in record.items():
        if key.startswith("$"):
            raise BadLine(f"attribute name '{key[:40]}' must not start with '$'")
        # Compact, as a manifest line is written: default separators would add a space per item.
        compact = None if isinstance(value, str) else json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        size = len(value) if compact is None else len(compact)
        if size > MAX_ATTRIBUTE_CHARS:
            raise BadLine(f"attribute '{key[:40]}' is {size} characters; the limit is {MAX_ATTRIBUTE_CHARS}")


def _check_prior(record: dict[str, Any], attribute: str) -> None:
    """A verification or adjustment line carries an earlier job's label that Ground Truth's format allows."""
    try:
        prior = read_label(record, attribute)
    except ValidationFailed as exc:
        raise BadLine(f"the '{attribute[:80]}' label cannot be read: {exc.message}") from None
    if prior is None:
        raise BadLine(f"the line has no '{attribute[:80]}' label to review")


def parse_line(text: str, source_key: str, prior_attribute: str | None = None) -> ParsedLine:
    """Check one non-blank line against the task type's data key; raise BadLine with a reason."""
    if len(text) > MAX_LINE_CHARS:
        raise BadLine(f"line is {len(text)} characters; the limit is {MAX_LINE_CHARS}")
    try:
        record = json.loads(text)
    except ValueError as exc:
        raise BadLine(f"not valid JSON: {exc.msg} at column {exc.colno}") from None
    return check_record(record, text, source_key, prior_attribute)


def check_record(record: Any, text: str, source_key: str, prior_attribute: str | None = None) -> ParsedLine:
    """The checks after decoding, for callers that decode with a faster parser than the standard library's."""
    if len(text) > MAX_LINE_CHARS:
        raise BadLine(f"line is {len(text)} characters; the limit is {MAX_LINE_CHARS}")
    if type(record) is not dict:
        raise BadLine("each line must be a JSON object")
    has_ref, has_source = "source-ref" in record, "source" in record
    if has_ref == has_source:
        raise BadLine("a line needs exactly one of 'source-ref' and 'source'")
    # Fast path: a short line cannot hold an oversized attribute, and a key starting with "$" needs '"$'
    # (or its escape \u0024).
    if len(text) > MAX_ATTRIBUTE_CHARS or '"$' in text or "\\u0024" in text:
        _check_attribute_sizes(record)
    present = "source-ref" if has_ref else "source"
    if present != source_key:
        raise BadLine(f"this task type reads '{source_key}', but the line has '{present}'")
    if prior_attribute is not None:
        _check_prior(record, prior_attribute)
    value = record[present]
    if type(value) is not str or not value:
        raise BadLine(f"'{present}' must be a non-empty string")
    if has_ref:
        if not value.startswith(URI_SCHEMES):
            raise BadLine("'source-ref' must be an s3:// or file:// URI")
        return ParsedLine(None, value)
    return ParsedLine(value, None)
