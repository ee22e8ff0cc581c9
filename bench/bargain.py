"""Time to the proven Nash and egalitarian packages, beside brute force.

Run as ``.venv/bin/python bench/bargain.py [--quick] [--structure plain|deals|both]``.
Six parties, random normal linear utilities, 20/40/100/200 binary actions, with and
without pairwise terms (one term per three slots), without and with deals (one deal of
three to five slots per five slots, overlapping; two slots in three of the deals bound
to them, as a scenario's commitments are); each cell is the median over a few seeds. Brute force
(all ``2**K`` packages) runs where it can, at ``K = 20``, in the same run, and the
ratio column is brute-force time over MILP time. Every MILP answer is checked against
brute force where both exist.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np

from detente.bargain import BargainProblem, Concept, Solution, solve
from detente.bargain.brute import BruteResult, brute_solve
from detente.bargain.problem import FloatArray

T = TypeVar("T")

N_PARTIES = 6
BRUTE_MAX_SLOTS = 20


def instance(n_slots: int, pairwise: bool, seed: int, deals: bool = False) -> BargainProblem:
    """Random linear utilities, optionally with pairwise terms and deals."""
    rng = np.random.default_rng(seed)
    terms: tuple[tuple[int, int, FloatArray], ...] = ()
    if pairwise:
        terms = tuple(
            (k, k + 1, 0.5 * rng.normal(size=N_PARTIES)) for k in range(0, n_slots - 1, 3)
        )
    groups: dict[str, tuple[int, ...]] = {}
    bound: tuple[int, ...] = ()
    if deals:
        groups = {
            f"deal{d}": tuple(int(k) for k in rng.choice(n_slots, rng.integers(3, 6), False))
            for d in range(n_slots // 5)
        }
        members = sorted({k for ks in groups.values() for k in ks})
        bound = tuple(k for k in members if rng.random() < 2 / 3)
    return BargainProblem(
        deals=groups,
        bound=bound,
        parties=tuple(f"P{p}" for p in range(N_PARTIES)),
        slots=tuple(f"P{k % N_PARTIES}:a{k}" for k in range(n_slots)),
        base=np.zeros(N_PARTIES),
        linear=rng.normal(size=(n_slots, N_PARTIES)),
        pairwise=terms,
    )


def timed(run: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[float, T]:
    """Wall-clock seconds of one call and its result."""
    start = time.perf_counter()
    result = run(*args, **kwargs)
    return time.perf_counter() - start, result


def check(found: Solution, best: BruteResult | None) -> None:
    """The proven MILP answer must equal brute force."""
    if best is None:
        assert found.status == "no_agreement", found.message
        return
    assert found.objective is not None
    assert abs(found.objective - best.objective) <= 1e-9 * max(1.0, abs(best.objective))


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and seeds")
    parser.add_argument("--time-limit", type=float, default=120.0, help="per solve, seconds")
    parser.add_argument(
        "--concepts", default="nash,egalitarian", help="comma-separated: nash, egalitarian"
    )
    parser.add_argument(
        "--structure", choices=("plain", "deals", "both"), default="both", help="deals or not"
    )
    args = parser.parse_args()
    sizes = (20, 40, 100) if args.quick else (20, 40, 100, 200)
    seeds = range(3 if args.quick else 5)
    structures = {"plain": (False,), "deals": (True,), "both": (False, True)}[args.structure]
    print(
        f"{'concept':<12}{'K':>5} {'pairwise':<9}{'deals':<6}{'MILP median s':>14}"
        f"{'brute median s':>16}{'brute/MILP':>12}  statuses"
    )
    concepts = [cast(Concept, name) for name in args.concepts.split(",")]
    cells = [(p, d, n) for d in structures for p in (False, True) for n in sizes]
    for concept in concepts:
        for pairwise, deals, n_slots in cells:
            milp_times, brute_times, statuses = [], [], []
            for seed in seeds:
                problem = instance(n_slots, pairwise, seed, deals)
                seconds, found = timed(solve, problem, concept, time_limit=args.time_limit)
                milp_times.append(seconds)
                statuses.append(found.status)
                if n_slots <= BRUTE_MAX_SLOTS:
                    brute_seconds, best = timed(brute_solve, problem, concept)
                    brute_times.append(brute_seconds)
                    check(found, best)
            milp = statistics.median(milp_times)
            brute = statistics.median(brute_times) if brute_times else None
            brute_text = f"{brute:16.3f}" if brute is not None else f"{'-':>16}"
            ratio_text = f"{brute / milp:12.1f}" if brute is not None else f"{'-':>12}"
            counts = {s: statuses.count(s) for s in sorted(set(statuses))}
            print(
                f"{concept:<12}{n_slots:>5} {'yes' if pairwise else 'no':<9}"
                f"{'yes' if deals else 'no':<6}{milp:14.3f}{brute_text}{ratio_text}  {counts}",
                flush=True,
            )


if __name__ == "__main__":
    main()
