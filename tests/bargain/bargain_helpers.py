"""Shared hypothesis strategies and naive reference code for the bargaining tests.

Utilities are drawn on a grid of quarters: sums of such numbers are exact in floating
point, so "identical within 1e-9" compares true values, not round-off.
"""

from __future__ import annotations

import itertools
import subprocess
import sys

import numpy as np
from hypothesis import strategies as st
from typer.testing import CliRunner

from detente.bargain import REL_TOL, BargainProblem, is_feasible, solve, utilities
from detente.bargain.brute import brute_solve
from detente.bargain.enumeration import feasible_packages
from detente.bargain.results import Concept
from detente.cli import app

#: A scenario small enough to value by hand: discount 1/2 over 3 rounds, so a flow
#: counts 1 + 1/2 + 1/4 = 7/4 times its per-round value and a one-off act once; A's
#: default move is to test.
TRUCE = """
id: truce
title: A truce
rounds: 3
parties:
  - {id: A, default_move: [test]}
  - {id: B}
actions:
  - {id: test, actors: [A], category: provocation, intensity: -5, breaks: [pause]}
  - {id: pause, actors: [A], category: restraint, intensity: 5}
  - {id: aid, actors: [B], category: concession, intensity: 5}
  - {id: treaty, actors: [A, B], category: initiative, intensity: 8, repeatable: false}
  - {id: visit, actors: [B], category: dialogue, intensity: 3}
utilities:
  discount: 0.5
  parties:
    A:
      linear: {A.test: 2, A.pause: -1, B.aid: 3, A.treaty: 4, B.treaty: 1}
      pairwise: [{slots: [A.pause, B.aid], value: 0.5}]
    B:
      linear: {A.test: -6, A.pause: 2, B.aid: -1, A.treaty: 2, B.treaty: 1, B.visit: 0.5}
      pairwise: [{slots: [A.treaty, B.aid], value: 1}]
commitments:
  - {id: a_pause, party: A, action: pause, if: [B.aid]}
  - {id: b_aid, party: B, action: aid, if: [A.pause]}
  - {id: a_treaty, party: A, action: treaty, if: [B.treaty]}
  - {id: b_treaty, party: B, action: treaty, if: [A.treaty]}
deals:
  - {id: pause_for_aid, commitments: [a_pause, b_aid]}
  - {id: peace, commitments: [a_treaty, b_treaty]}
roadmap:
  stages:
    - {id: talks, title: Talks}
  success:
    hold_rounds: 1
    criteria: {deals_in_force: [peace]}
"""


def detente(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a subprocess, as a user does: start-up, exit code, no traceback."""
    return subprocess.run(
        [sys.executable, "-m", "detente", *args], capture_output=True, text=True, check=False
    )


def detente_here(*args: str) -> subprocess.CompletedProcess[str]:
    """Run a command of the CLI in this process: what it prints and its exit code, less the
    interpreter's start-up (:func:`detente` runs it as a user does)."""
    result = CliRunner().invoke(app, list(args))
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


_QUARTERS = st.integers(-12, 12).map(lambda n: n / 4)


@st.composite
def problems(
    draw: st.DrawFn,
    max_slots: int = 16,
    max_parties: int = 6,
    with_pairwise: bool = True,
    with_conflicts: bool = True,
    with_deals: bool = False,
) -> BargainProblem:
    """Random problems; large ones are rarer, so most examples stay cheap.

    ``with_deals`` adds structure: up to four deals of one to four slots (they may
    overlap), some of their slots bound to them, and sometimes a forbidden slot.
    """
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
    deals: dict[str, tuple[int, ...]] = {}
    bound: tuple[int, ...] = ()
    forbidden: tuple[int, ...] = ()
    if with_deals:
        members = st.lists(slot, min_size=1, max_size=4, unique=True).map(tuple)
        drawn = draw(st.lists(members, min_size=1, max_size=4))
        deals = {f"deal{d}": ks for d, ks in enumerate(drawn)}
        in_deals = sorted({k for ks in drawn for k in ks})
        bound = tuple(draw(st.lists(st.sampled_from(in_deals), unique=True)))
        if n_slots >= 2 and draw(st.booleans()):
            forbidden = (draw(slot),)
    return BargainProblem(
        deals=deals,
        bound=bound,
        forbidden=forbidden,
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


def naive_whole_deals(problem: BargainProblem, package: tuple[int, ...]) -> list[str]:
    """The deals all of whose slots are in ``package``."""
    return [name for name, ks in problem.deals.items() if all(package[k] for k in ks)]


def naive_structured(problem: BargainProblem, package: tuple[int, ...]) -> bool:
    """Every bound slot of ``package`` comes with a deal that is whole in it."""
    whole = naive_whole_deals(problem, package)
    return all(any(k in problem.deals[name] for name in whole) for k in problem.bound if package[k])


def naive_feasible(problem: BargainProblem) -> list[tuple[int, ...]]:
    """All feasible packages, from itertools and the constraint definitions."""
    return [
        package
        for package in itertools.product((0, 1), repeat=problem.n_slots)
        if all(package[k] for k in problem.required)
        and not any(package[k] for k in problem.forbidden)
        and not any(package[k] and package[m] for k, m in problem.conflicts)
        and naive_structured(problem, package)
    ]


def naive_frontier(points: list[tuple[float, ...]]) -> set[tuple[float, ...]]:
    """Non-dominated points by the definition, comparing every pair."""
    distinct = set(points)
    return {
        u
        for u in distinct
        if not any(v != u and all(a >= b for a, b in zip(v, u, strict=True)) for v in distinct)
    }


def close(a: float, b: float) -> bool:
    """Equal within 1e-9, relative above 1."""
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def assert_efficient(problem: BargainProblem, point: np.ndarray) -> None:
    """No feasible package dominates the utility vector ``point``."""
    table = utilities(problem, feasible_packages(problem))
    better = np.all(table >= point, axis=1) & np.any(table > point, axis=1)
    assert not better.any(), f"{point} is dominated by {table[better][0]}"


def check_reported(problem: BargainProblem, package: np.ndarray, utils: np.ndarray) -> None:
    """``package`` is feasible, by the code and by the definition of deals, and ``utils``
    are its utilities, exactly."""
    assert is_feasible(problem, package).all()
    assert naive_structured(problem, tuple(int(v) for v in package)), "a deal taken in part"
    np.testing.assert_array_equal(utils, utilities(problem, package))


def assert_matches_brute_force(problem: BargainProblem, concept: Concept) -> None:
    """``solve`` agrees with brute force: status, objective, gains, ideal, efficiency."""
    tol = REL_TOL * problem.scale
    ours = solve(problem, concept)
    theirs = brute_solve(problem, concept)
    if theirs is None:
        assert ours.status == "no_agreement", (concept, ours.message)
        assert ours.package is None
        return
    if concept in ("nash", "kalai") or theirs.objective > tol or concept == "utilitarian":
        assert ours.status == "optimal", (concept, ours.message)
    else:
        assert ours.status == "no_agreement", (concept, ours.message)
    assert ours.package is not None
    assert ours.utilities is not None
    assert ours.gains is not None
    assert ours.objective is not None
    check_reported(problem, ours.package, ours.utilities)
    assert close(ours.objective, theirs.objective), (concept, ours.objective, theirs)
    assert_efficient(problem, ours.utilities)
    if concept == "egalitarian":
        np.testing.assert_allclose(np.sort(ours.gains), np.sort(theirs.gains), atol=1e-9)
    if concept == "kalai":
        assert ours.ideal is not None
        assert theirs.ideal is not None
        np.testing.assert_allclose(ours.ideal, theirs.ideal, atol=1e-9)
        ratios = np.sort(ours.gains / ours.ideal)
        np.testing.assert_allclose(ratios, np.sort(theirs.gains / theirs.ideal), atol=1e-9)
