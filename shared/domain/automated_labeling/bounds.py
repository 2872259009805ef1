"""Exact binomial (Clopper-Pearson) confidence bounds, without scipy.

The auto-labeling guarantee is only as good as these bounds, so they are exact (not the normal approximation, which
is badly anti-conservative at the accuracies we care about, 0.9-0.99, and for small n). scipy is not a core
dependency, so the regularized incomplete beta function is computed here: Lentz's continued fraction with
`math.lgamma` for the prefactor (relative error ~1e-14, and O(sqrt(n)) terms, so it stays fast for n of 1e5 and
more), and the bounds are the beta quantiles found by bisection.

Facts used (X ~ Binomial(n, p), 1 <= x <= n):
    P(X >= x; p) = I_p(x, n - x + 1)          (increasing in p)
    lower bound L at confidence c solves P(X >= x; L) = 1 - c, i.e. L = BetaQuantile(1 - c; x, n - x + 1)
    upper bound U at confidence c solves P(X <= x; U) = 1 - c, i.e. U = BetaQuantile(c; x + 1, n - x)
with the closed forms L = (1 - c) ** (1 / n) when x == n and U = 1 - (1 - c) ** (1 / n) when x == 0.
"""

from __future__ import annotations

import math
from numbers import Integral

_TINY = 1e-300  # keeps Lentz's denominators off zero
_CF_EPS = 1e-15
_CF_MAX_TERMS = 1_000_000  # never reached in practice: the fraction needs O(sqrt(max(a, b))) terms
_BISECT_REL_TOL = 1e-10  # relative to the distance of the bound from the nearer end of [0, 1]
_BISECT_MAX_STEPS = 200


def _lentz_step(aa: float, c: float, d: float) -> tuple[float, float, float]:
    """One term of the modified Lentz recurrence: the new (c, d) and the factor the fraction's value takes."""
    d = 1.0 + aa * d
    if abs(d) < _TINY:
        d = _TINY
    c = 1.0 + aa / c
    if abs(c) < _TINY:
        c = _TINY
    d = 1.0 / d
    return c, d, d * c


def _check_counts(successes: int, n: int) -> None:
    for name, value in (("successes", successes), ("n", n)):
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise ValueError(f"{name} must be an integer, got {value!r}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {successes}")


def _check_probability(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 < value < 1.0:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value!r}")


def _beta_continued_fraction(x: float, a: float, b: float) -> float:
    """Continued fraction of I_x(a, b) (Numerical Recipes' betacf, modified Lentz).

    It converges fast for x < (a + 1) / (a + b + 2); the caller uses the symmetry I_x(a, b) = 1 - I_(1-x)(b, a)
    otherwise.
    """
    qab = a + b
    qap = a + 1.0
    qam = a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    if abs(d) < _TINY:
        d = _TINY
    d = 1.0 / d
    h = d
    for m in range(1, _CF_MAX_TERMS + 1):
        m2 = 2 * m
        c, d, even = _lentz_step(m * (b - m) * x / ((qam + m2) * (a + m2)), c, d)
        h *= even
        c, d, delta = _lentz_step(-(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)), c, d)
        h *= delta
        if abs(delta - 1.0) < _CF_EPS:
            return h
    raise ArithmeticError(f"incomplete beta continued fraction did not converge (x={x}, a={a}, b={b})")


def _regularized_beta_pair(x: float, a: float, b: float) -> tuple[float, float]:
    """(I_x(a, b), 1 - I_x(a, b)), each computed so that a small value keeps its relative precision.

    The fraction is evaluated on whichever side converges; that side is accurate even when tiny, and the other is
    1 minus it. Returning both lets callers compare the small tail directly instead of 1 - (something near 1).
    """
    if x <= 0.0:
        return 0.0, 1.0
    if x >= 1.0:
        return 1.0, 0.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1.0) / (a + b + 2.0):
        value = math.exp(log_front) * _beta_continued_fraction(x, a, b) / a
        value = min(max(value, 0.0), 1.0)
        return value, 1.0 - value
    complement = math.exp(log_front) * _beta_continued_fraction(1.0 - x, b, a) / b
    complement = min(max(complement, 0.0), 1.0)
    return 1.0 - complement, complement


def regularized_incomplete_beta(x: float, a: float, b: float) -> float:
    """I_x(a, b), the beta distribution's CDF; exposed for tests and for the binomial tail below."""
    if not (a > 0.0 and b > 0.0):
        raise ValueError(f"a and b must be > 0, got a={a}, b={b}")
    return _regularized_beta_pair(x, a, b)[0]


def binomial_upper_tail(successes: int, n: int, p: float) -> float:
    """P(X >= successes) for X ~ Binomial(n, p): the one-sided p-value of "accuracy >= p" being too optimistic.

    `clopper_pearson_lower(successes, n, c) >= p` exactly when this is <= 1 - c (for successes >= 1), so a single
    tail evaluation decides a test without inverting it.
    """
    _check_counts(successes, n)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be between 0 and 1, got {p!r}")
    if successes == 0:
        return 1.0
    return _regularized_beta_pair(p, successes, n - successes + 1)[0]


def _beta_quantile(q: float, a: float, b: float) -> tuple[float, float]:
    """Bracket [lo, hi] of the x with I_x(a, b) = q, by bisection.

    I_x is increasing in x, so bisection is robust where Newton steps are not (the density is very peaked for large
    n). The bracket is shrunk until its width is within 1e-10 of the bound's distance from the nearer end of [0, 1]
    (so a bound of 5e-7 still gets ~10 significant digits) or until floating point cannot split it. Callers take lo
    for a lower bound and hi for an upper bound, so rounding only ever makes a bound more conservative.
    """
    # Compare on the smaller tail so that q close to 1 keeps its precision.
    use_lower_tail = q <= 0.5
    target = q if use_lower_tail else 1.0 - q
    lo, hi = 0.0, 1.0
    for _ in range(_BISECT_MAX_STEPS):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        lower_tail, upper_tail = _regularized_beta_pair(mid, a, b)
        below = lower_tail < target if use_lower_tail else upper_tail > target
        if below:
            lo = mid
        else:
            hi = mid
        if hi - lo <= _BISECT_REL_TOL * min(lo + (hi - lo), 1.0 - lo):
            break
    return lo, hi


def clopper_pearson_lower(successes: int, n: int, confidence: float) -> float:
    """One-sided lower confidence bound for a binomial proportion (0.0 when n == 0 or successes == 0).

    With probability at least `confidence` (over the sample) the true proportion is >= this value.
    """
    _check_counts(successes, n)
    _check_probability("confidence", confidence)
    if n == 0 or successes == 0:
        return 0.0
    alpha = 1.0 - confidence
    if successes == n:
        return alpha ** (1.0 / n)
    return _beta_quantile(alpha, successes, n - successes + 1)[0]


def clopper_pearson_upper(successes: int, n: int, confidence: float) -> float:
    """One-sided upper confidence bound for a binomial proportion (1.0 when n == 0 or successes == n)."""
    _check_counts(successes, n)
    _check_probability("confidence", confidence)
    if n == 0 or successes == n:
        return 1.0
    alpha = 1.0 - confidence
    if successes == 0:
        return -math.expm1(math.log(alpha) / n)  # 1 - alpha ** (1/n), without cancellation for large n
    return _beta_quantile(confidence, successes + 1, n - successes)[1]


def clopper_pearson_interval(successes: int, n: int, confidence: float) -> tuple[float, float]:
    """Two-sided interval with (1 - confidence) / 2 in each tail ((0.0, 1.0) when n == 0)."""
    _check_counts(successes, n)
    _check_probability("confidence", confidence)
    one_sided = 1.0 - (1.0 - confidence) / 2.0
    return clopper_pearson_lower(successes, n, one_sided), clopper_pearson_upper(successes, n, one_sided)


def min_items_for(target: float, confidence: float) -> int:
    """Smallest n for which n correct out of n has a lower bound >= target (59 for 0.95 / 0.95).

    Fewer items can never demonstrate the target, however accurate the model is: the threshold search uses this to
    skip candidates that would be hopeless tests.
    """
    _check_probability("target", target)
    _check_probability("confidence", confidence)
    # (1 - c) ** (1/n) >= t  <=>  n >= log(1 - c) / log(t); then fix any floating-point off-by-one against the
    # very function the threshold search uses, so the two can never disagree.
    n = max(1, math.ceil(math.log1p(-confidence) / math.log(target)))
    while n > 1 and clopper_pearson_lower(n - 1, n - 1, confidence) >= target:
        n -= 1
    while clopper_pearson_lower(n, n, confidence) < target:
        n += 1
    return n
