"""Numbers as a reader sees them: rounded to what the simulation can tell, one interval style.

An estimate is shown as ``0.415 (0.405 to 0.425)``: its mean and 95% Monte
Carlo interval, to the decimal of the first significant digit of its tighter side
(its second when the first is 1 or 2, as 0.012 or 0.25), so ``0.8000000000000002`` and
``-2.842e-18`` never reach a table. JSON output keeps full precision.
"""

from __future__ import annotations

import math

from detente.simulate.summary import MONTE_CARLO_ONLY, Estimate

MOST = 6  # decimals, at most
INTERVALS = f"(a to b): the 95% interval of {MONTE_CARLO_ONLY}"


def decimals(half: float) -> int:
    """Decimals that show a number whose uncertainty is ``half`` down to its first digit."""
    if not half > 0 or not math.isfinite(half):
        return 3
    first = -math.floor(math.log10(half))
    leading = half * 10.0**first  # 1 <= leading < 10
    return min(MOST, max(0, first + (leading < 3)))


def fixed(x: float, places: int) -> str:
    """``x`` with ``places`` decimals, never ``-0.00``."""
    text = f"{x:.{places}f}"
    return text[1:] if text.startswith("-") and float(text) == 0 else text


def places_of(e: Estimate) -> int | None:
    """The decimals ``e`` is shown with: its tighter side's; None when it has no spread."""
    if e.low is None or e.high is None:
        return None
    sides = [d for d in (e.high - e.mean, e.mean - e.low) if d > 0]  # the tighter side
    if not sides and e.low == e.high:
        return None
    return decimals(min(sides) if sides else 0.0)


def estimate(e: Estimate, signed: bool = False) -> str:
    """``mean (low to high)`` rounded to the interval's precision; the mean alone without one."""
    sign = "+" if signed else ""
    if e.low is None or e.high is None:
        return f"{e.mean:{sign}.4g}"
    places = places_of(e)
    if places is None:  # no spread at all: the numbers as they are
        return f"{e.mean:{sign}g} ({e.low:g} to {e.high:g})"
    return (
        f"{sign if e.mean > 0 else ''}{fixed(e.mean, places)} "
        f"({fixed(e.low, places)} to {fixed(e.high, places)})"
    )


def share(p: float, episodes: int) -> str:
    """A share observed over ``episodes`` episodes, to the precision that many can give."""
    return fixed(p, decimals(0.98 / math.sqrt(max(episodes, 1))))
