"""Clopper-Pearson bounds: closed forms by hand, scipy as the reference (the test may use scipy, the code may not)."""

from __future__ import annotations

import math
import time

import pytest
from scipy import special, stats

from shared.domain.automated_labeling import (
    binomial_upper_tail,
    clopper_pearson_interval,
    clopper_pearson_lower,
    clopper_pearson_upper,
    min_items_for,
    regularized_incomplete_beta,
)


def test_all_correct_has_the_closed_form_lower_bound() -> None:
    # P(X >= 59; p) = p**59 = 0.05
    assert clopper_pearson_lower(59, 59, 0.95) == pytest.approx(0.05 ** (1 / 59), abs=1e-12)
    assert clopper_pearson_lower(59, 59, 0.95) == pytest.approx(0.950492390, abs=1e-9)
    assert clopper_pearson_lower(58, 58, 0.95) < 0.95 <= clopper_pearson_lower(59, 59, 0.95)


def test_one_of_two_by_hand() -> None:
    # lower: 1 - (1 - L)**2 = 0.05 -> L = 1 - sqrt(0.95); upper: 1 - U**2 = 0.05 -> U = sqrt(0.95)
    assert clopper_pearson_lower(1, 2, 0.95) == pytest.approx(1 - math.sqrt(0.95), abs=1e-10)
    assert clopper_pearson_upper(1, 2, 0.95) == pytest.approx(math.sqrt(0.95), abs=1e-10)


def test_edges() -> None:
    assert clopper_pearson_lower(0, 0, 0.95) == 0.0
    assert clopper_pearson_upper(0, 0, 0.95) == 1.0
    assert clopper_pearson_interval(0, 0, 0.95) == (0.0, 1.0)
    assert clopper_pearson_lower(0, 10, 0.95) == 0.0
    # 0 of 10: (1 - U)**10 = 0.05
    assert clopper_pearson_upper(0, 10, 0.95) == pytest.approx(1 - 0.05 ** 0.1, abs=1e-12)
    assert clopper_pearson_upper(10, 10, 0.95) == 1.0
    # two-sided: 0.025 in each tail
    lower, upper = clopper_pearson_interval(0, 10, 0.95)
    assert lower == 0.0 and upper == pytest.approx(1 - 0.025 ** 0.1, abs=1e-12)
    lower, upper = clopper_pearson_interval(10, 10, 0.95)
    assert lower == pytest.approx(0.025 ** 0.1, abs=1e-12) and upper == 1.0


def test_tiny_upper_bound_keeps_its_relative_precision() -> None:
    # 0 of 1e6: U = 1 - 0.05**(1e-6) ~ 3.0e-6; a naive 1 - x loses ~6 digits here
    assert clopper_pearson_upper(0, 10**6, 0.95) == pytest.approx(-math.expm1(math.log(0.05) / 1e6), rel=1e-12)


CASES = [(1, 1), (3, 10), (9, 10), (1, 59), (57, 59), (95, 100), (500, 1000), (950, 1000), (9_999, 10_000),
         (1, 100_000), (95_000, 100_000), (99_999, 100_000), (7, 300_000)]


@pytest.mark.parametrize(("successes", "n"), CASES)
@pytest.mark.parametrize("confidence", [0.6, 0.9, 0.95, 0.99, 0.9999])
def test_matches_scipy_beta_quantiles(successes: int, n: int, confidence: float) -> None:
    alpha = 1 - confidence
    expected_lower = stats.beta.ppf(alpha, successes, n - successes + 1)
    expected_upper = 1.0 if successes == n else stats.beta.ppf(confidence, successes + 1, n - successes)
    lower = clopper_pearson_lower(successes, n, confidence)
    upper = clopper_pearson_upper(successes, n, confidence)
    # the bisection stops within 1e-10 of the distance to the nearer end of [0, 1]
    assert lower == pytest.approx(expected_lower, rel=1e-8, abs=1e-12)
    assert upper == pytest.approx(expected_upper, rel=1e-8, abs=1e-12)
    assert lower <= successes / n <= upper


@pytest.mark.parametrize(("successes", "n"), [(3, 10), (95, 100), (9_999, 10_000)])
def test_the_interval_puts_half_the_miss_in_each_tail(successes: int, n: int) -> None:
    lower, upper = clopper_pearson_interval(successes, n, 0.9)
    assert lower == pytest.approx(stats.beta.ppf(0.05, successes, n - successes + 1), rel=1e-8)
    assert upper == pytest.approx(stats.beta.ppf(0.95, successes + 1, n - successes), rel=1e-8)


def test_bounds_err_on_the_safe_side() -> None:
    # the lower bound's tail is at most alpha (it never claims more than the data show)
    for successes, n in [(57, 59), (950, 1000), (95_000, 100_000)]:
        assert binomial_upper_tail(successes, n, clopper_pearson_lower(successes, n, 0.95)) <= 0.05 * (1 + 1e-9)


def test_lower_bound_grows_with_successes_and_shrinks_with_confidence() -> None:
    bounds = [clopper_pearson_lower(k, 100, 0.95) for k in range(101)]
    assert all(a < b for a, b in zip(bounds, bounds[1:], strict=False))
    assert clopper_pearson_lower(90, 100, 0.99) < clopper_pearson_lower(90, 100, 0.9)


@pytest.mark.parametrize(("successes", "n", "p"), [(1, 1, 0.3), (3, 10, 0.2), (8, 10, 0.9), (50, 60, 0.95)])
def test_binomial_tail_matches_the_sum_of_terms(successes: int, n: int, p: float) -> None:
    exact = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(successes, n + 1))
    assert binomial_upper_tail(successes, n, p) == pytest.approx(exact, rel=1e-12)
    assert binomial_upper_tail(0, n, p) == 1.0


@pytest.mark.parametrize(("x", "a", "b"), [(0.3, 2, 5), (0.9, 50, 3), (0.5, 0.5, 0.5), (0.95, 9_000, 500),
                                           (0.001, 1, 1000)])
def test_incomplete_beta_matches_scipy(x: float, a: float, b: float) -> None:
    assert regularized_incomplete_beta(x, a, b) == pytest.approx(special.betainc(a, b, x), rel=1e-11)


def test_large_n_is_fast() -> None:
    start = time.perf_counter()
    clopper_pearson_interval(95_123, 100_000, 0.95)
    assert time.perf_counter() - start < 1.0  # ~5 ms here; a per-term pmf sum in Python would take seconds


@pytest.mark.parametrize(("target", "confidence", "expected"), [
    (0.95, 0.95, 59),  # log(0.05) / log(0.95) = 58.4
    (0.99, 0.95, 299),  # log(0.05) / log(0.99) = 298.07
    (0.9, 0.9, 22),  # log(0.1) / log(0.9) = 21.85
    (0.5, 0.75, 2),  # 0.25 ** (1/2) = 0.5 exactly
])
def test_min_items_for(target: float, confidence: float, expected: int) -> None:
    assert min_items_for(target, confidence) == expected
    assert clopper_pearson_lower(expected, expected, confidence) >= target
    assert clopper_pearson_lower(expected - 1, expected - 1, confidence) < target


@pytest.mark.parametrize(("successes", "n", "confidence"), [
    (5, 4, 0.95), (-1, 4, 0.95), (0, -1, 0.95), (1, 4, 0.0), (1, 4, 1.0), (1, 4, 1.5), (1, 4, float("nan")),
    (1.5, 4, 0.95), (True, 4, 0.95),
])
def test_bad_arguments(successes: int, n: int, confidence: float) -> None:
    for function in (clopper_pearson_lower, clopper_pearson_upper, clopper_pearson_interval):
        with pytest.raises(ValueError):
            function(successes, n, confidence)


def test_min_items_for_rejects_bad_levels() -> None:
    for target, confidence in [(0.0, 0.95), (1.0, 0.95), (0.95, 0.0), (0.95, 1.0)]:
        with pytest.raises(ValueError):
            min_items_for(target, confidence)
