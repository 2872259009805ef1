"""Prices: MTurk's table for public crowds, a vendor's agreed price, private teams at any price; money in micros."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shared.domain.errors import ValidationFailed
from shared.domain.money import micros_to_usd, usd_to_micros
from shared.domain.pricing import WorkforceKind, expected_cost_micros, price_for_job
from shared.domain.task_types import SPECS, TaskType, spec_for

TEXT = spec_for("text-classification")
MTURK_USD = ["0.012", "0.024", "0.036", "0.048", "0.060", "0.072", "0.120", "0.240", "0.360", "0.480", "0.600",
             "0.720", "0.840", "0.960", "1.080", "1.200"]


CLASSIFICATION_PRICED = [t for t in TaskType if "bounding-box" not in t and "segmentation" not in t]


@pytest.mark.parametrize("task_type", CLASSIFICATION_PRICED)
def test_the_public_price_table_is_ground_truths_mturk_table(task_type: TaskType) -> None:
    assert [micros_to_usd(p) for p in SPECS[task_type].public_prices_micros] == MTURK_USD


@pytest.mark.parametrize("usd", MTURK_USD)
def test_a_public_workforce_accepts_every_table_price(usd: str) -> None:
    assert price_for_job(WorkforceKind.PUBLIC, usd_to_micros(usd), None, TEXT) == usd_to_micros(usd)


@pytest.mark.parametrize("usd", ["0.035", "0.037", "0", "0.000", "1.300", "0.0361", "-0.036"])
def test_a_public_workforce_refuses_a_price_off_the_table(usd: str) -> None:
    with pytest.raises(ValidationFailed) as info:
        price_for_job(WorkforceKind.PUBLIC, usd_to_micros(usd), None, TEXT)
    assert info.value.field == "price_per_task_usd" and "0.036" in info.value.message


def test_a_public_workforce_needs_a_price() -> None:
    with pytest.raises(ValidationFailed):
        price_for_job(WorkforceKind.PUBLIC, None, None, TEXT)


@pytest.mark.parametrize("requested", [None, 50_000])
def test_a_vendor_job_pays_the_vendors_agreed_price(requested: int | None) -> None:
    assert price_for_job(WorkforceKind.VENDOR, requested, 50_000, TEXT) == 50_000


@pytest.mark.parametrize("requested", [0, 36_000, 50_001])
def test_a_vendor_job_refuses_any_other_price(requested: int) -> None:
    with pytest.raises(ValidationFailed) as info:
        price_for_job(WorkforceKind.VENDOR, requested, 50_000, TEXT)
    assert "0.050" in info.value.message


@pytest.mark.parametrize(("requested", "paid"), [(None, 0), (0, 0), (1, 1), (35_000, 35_000), (5_000_000, 5_000_000)])
def test_a_private_team_may_be_paid_anything_including_zero(requested: int | None, paid: int) -> None:
    assert price_for_job(WorkforceKind.PRIVATE, requested, None, TEXT) == paid


def test_a_private_team_price_must_not_be_negative() -> None:
    with pytest.raises(ValidationFailed, match="negative"):
        price_for_job(WorkforceKind.PRIVATE, -1, None, TEXT)


def test_the_expected_cost_pays_every_answer_once_and_charges_the_fee_per_labeled_object() -> None:
    # AWS's tutorial maths: one object, 5 MTurk workers at $0.036, fee $0.08 -> $0.26.
    assert micros_to_usd(expected_cost_micros(5, 36_000, 1, 80_000)) == "0.260"
    assert expected_cost_micros(30, 36_000, 10, 80_000) == 30 * 36_000 + 10 * 80_000


@pytest.mark.parametrize(("value", "micros"), [
    ("0.036", 36_000), ("0", 0), ("1", 1_000_000), ("0.000001", 1), ("100", 100_000_000), ("12.5", 12_500_000),
    (Decimal("0.120"), 120_000), (0.036, 36_000), (2, 2_000_000), ("-0.5", -500_000), ("1e-3", 1000),
])
def test_usd_becomes_exact_micros(value: str | int | float | Decimal, micros: int) -> None:
    assert usd_to_micros(value) == micros


@pytest.mark.parametrize("value", ["0.0000001", "abc", "", "1,5", "NaN", "Infinity", "-inf"])
def test_an_amount_that_is_not_whole_micros_is_refused(value: str) -> None:
    with pytest.raises(ValueError):
        usd_to_micros(value)


@pytest.mark.parametrize(("micros", "text"), [
    (0, "0.000"), (36_000, "0.036"), (120_000, "0.120"), (1_000_000, "1.000"), (1_234_567, "1.234567"),
    (1, "0.000001"), (10_500, "0.0105"), (80_000, "0.080"), (123_000_000, "123.000"), (-36_000, "-0.036"),
])
def test_micros_render_with_at_least_three_decimals(micros: int, text: str) -> None:
    assert micros_to_usd(micros) == text


@pytest.mark.parametrize("micros", [0, 1, 999, 36_000, 120_000, 1_000_000, 1_234_567, 99_999_999, 10**12])
def test_micros_round_trip_through_their_text(micros: int) -> None:
    assert usd_to_micros(micros_to_usd(micros)) == micros
