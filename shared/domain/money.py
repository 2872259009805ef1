"""Money as integer micro-dollars: MTurk prices have tenths of a cent, and floats would drift in the ledger."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

MICROS_PER_USD = 1_000_000


def usd_to_micros(value: str | int | float | Decimal) -> int:
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"'{value}' is not an amount in USD") from None
    if not amount.is_finite():  # NaN and Infinity parse as Decimals but are no amount
        raise ValueError(f"'{value}' is not an amount in USD")
    micros = amount * MICROS_PER_USD
    if micros != micros.to_integral_value():
        raise ValueError(f"'{value}' has more precision than a micro-dollar")
    return int(micros)


def micros_to_usd(micros: int) -> str:
    """Render for people and JSON: at least 3 decimals (MTurk prices are in tenths of a cent)."""
    text = f"{Decimal(micros) / MICROS_PER_USD:.6f}".rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(3, '0')}"
