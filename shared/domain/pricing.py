"""Who is paid what: Ground Truth's MTurk price table for public crowds, a vendor's agreed price, private teams
at any price including zero; plus the service fee per labeled object."""

from __future__ import annotations

from enum import StrEnum

from shared.domain.errors import ValidationFailed
from shared.domain.money import micros_to_usd
from shared.domain.task_types import TaskTypeSpec

PUBLIC_MAX_LIFETIME_S = 43_200  # MTurk keeps a task available for at most 12 hours


class WorkforceKind(StrEnum):
    PUBLIC = "public"
    VENDOR = "vendor"
    PRIVATE = "private"


def price_for_job(
    kind: str, requested_micros: int | None, vendor_price_micros: int | None, spec: TaskTypeSpec
) -> int:
    """The price per task a job pays its labelers, or ValidationFailed naming `price_per_task_usd`."""
    field = "price_per_task_usd"
    if kind == WorkforceKind.PUBLIC:
        allowed = spec.public_prices_micros
        if requested_micros not in allowed:
            shown = ", ".join(micros_to_usd(p) for p in allowed)
            raise ValidationFailed(f"a public workforce accepts only Ground Truth's MTurk prices: {shown}", field)
        return requested_micros
    if kind == WorkforceKind.VENDOR:
        assert vendor_price_micros is not None
        if requested_micros is not None and requested_micros != vendor_price_micros:
            raise ValidationFailed(
                f"this vendor's agreed price is {micros_to_usd(vendor_price_micros)} per task", field
            )
        return vendor_price_micros
    if requested_micros is None:
        return 0
    if requested_micros < 0:
        raise ValidationFailed("must not be negative", field)
    return requested_micros


def expected_cost_micros(answers: int, price_micros: int, labeled_objects: int, fee_micros: int) -> int:
    """What the ledger must add up to: every accepted answer paid once, every labeled object charged once."""
    return answers * price_micros + labeled_objects * fee_micros
