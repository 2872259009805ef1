"""Ground Truth's naming rules for jobs and label attributes (botocore patterns plus the documented suffix rules)."""

from __future__ import annotations

import re

from shared.domain.errors import ValidationFailed

_NAME = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$")
_ATTRIBUTE = re.compile(r"^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,126}$")
RESERVED_ATTRIBUTES = frozenset({"source", "source-ref"})


def check_job_name(name: str, field: str = "name") -> str:
    if not _NAME.fullmatch(name):  # fullmatch: `$` alone lets a trailing newline through
        raise ValidationFailed(
            "must be 1-63 letters, digits or hyphens, start and end with a letter or digit", field
        )
    return name


def check_label_attribute_name(name: str, needs_ref_suffix: bool, field: str = "label_attribute_name") -> str:
    """Apply LabelAttributeName's pattern, the reserved names and the `-ref` rule for the task type."""
    if not _ATTRIBUTE.fullmatch(name):
        raise ValidationFailed("must be 1-127 letters, digits or hyphens, start and end with one", field)
    if name in RESERVED_ATTRIBUTES:
        raise ValidationFailed(f"'{name}' is reserved for the input data", field)
    if name.endswith("-metadata"):
        raise ValidationFailed("must not end with '-metadata'", field)
    if needs_ref_suffix and not name.endswith("-ref"):
        raise ValidationFailed("must end with '-ref' for this task type", field)
    if not needs_ref_suffix and name.endswith("-ref"):
        raise ValidationFailed("must not end with '-ref' for this task type", field)
    return name
