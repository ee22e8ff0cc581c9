"""Shared hypothesis strategies and naive reference code for the bargaining tests.

Utilities are drawn on a grid of quarters: sums of such numbers are exact in floating
point, so "identical within 1e-9" compares true values, not round-off.
"""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import strategies as st

from detente.bargain import BargainProblem

_QUARTERS = st.integers(-12, 12).map(lambda n: n / 4)


@st.composite
def problems(
    draw: st.DrawFn,
    max_slots: int = 16,
    max_parties: int = 6,
    with_pairwise: bool = True,
    with_conflicts: bool = True,
) -> BargainProblem:
    """Random problems; large ones are rarer, so most examples stay cheap."""
    n_parties = draw(st.integers(2, max_parties))
    n_slots = draw(st.integers(1, max_slots))
    grid = st.lists(_QUARTERS, min_size=n_parties, max_size=n_parties)
    linear = np.array(draw(st.lists(grid, min_size=n_slots, max_size=n_slots)))
    base = np.array(draw(grid))
    slot = st.integers(0, n_slots - 1)
    pairwise = ()
    conflicts = ()
    if n_slots >= 2 and with_pairwise:
        pairs = draw(st.lists(st.tuples(slot, slot, grid), max_size=4))
        pairwise = tuple((k, m, np.array(v)) for k, m, v in pairs if k != m)
    if n_slots >= 2 and with_conflicts:
        pairs_c = draw(st.lists(st.tuples(slot, slot), max_size=3))
        conflicts = tuple((k, m) for k, m in pairs_c if k != m)
    disagreement = None
    if draw(st.booleans()):
        disagreement = base + np.array(draw(grid)) / 4
    return BargainProblem(
        parties=tuple(f"P{p}" for p in range(n_parties)),
        slots=tuple(f"P{k % n_parties}:a{k}" for k in range(n_slots)),
        base=base,
        linear=linear,
        pairwise=pairwise,
        disagreement=disagreement,
        conflicts=conflicts,
    )


def naive_utility(problem: BargainProblem, package: tuple[int, ...]) -> tuple[float, ...]:
    """Utility vector of one package, term by term in plain Python."""
    values = []
    for p in range(problem.n_parties):
        total = float(problem.base[p])
        total += sum(float(problem.linear[k, p]) for k in range(problem.n_slots) if package[k])
        total += sum(float(v[p]) for k, m, v in problem.pairwise if package[k] and package[m])
        values.append(total)
    return tuple(values)


def naive_feasible(problem: BargainProblem) -> list[tuple[int, ...]]:
    """All feasible packages, from itertools and the constraint definitions."""
    return [
        package
        for package in itertools.product((0, 1), repeat=problem.n_slots)
        if all(package[k] for k in problem.required)
        and not any(package[k] for k in problem.forbidden)
        and not any(package[k] and package[m] for k, m in problem.conflicts)
    ]


def naive_frontier(points: list[tuple[float, ...]]) -> set[tuple[float, ...]]:
    """Non-dominated points by the definition, comparing every pair."""
    distinct = set(points)
    return {
        u
        for u in distinct
        if not any(v != u and all(a >= b for a, b in zip(v, u, strict=True)) for v in distinct)
    }
