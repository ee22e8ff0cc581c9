"""Generate tests/golden/negmas_bargain.json: negmas's answers on fixed random instances.

The committed file was generated with negmas 0.16.0 (the version is also recorded in
the JSON). Run it in an environment that has negmas, which is *not* a dependency of
detente (it is large)::

    python3 -m venv /tmp/negmas-venv && /tmp/negmas-venv/bin/pip install negmas
    /tmp/negmas-venv/bin/python scripts/negmas_golden.py

It does not import detente. Each instance has binary issues (one per slot), linear
additive utilities on a grid of quarters, optional conflicting slot pairs (negmas then
gets the list of feasible outcomes) and per-party reserved values, some below the
party's minimum utility (negmas then uses the minimum as the disagreement value). The
JSON records, per instance, negmas's Pareto frontier over all outcomes, its frontier
over the rational outcomes (utility at least the reserved value), and the points of
``max_welfare_points``, ``nash_points``, ``kalai_points`` and ``ks_points``, plus the
disagreement point negmas effectively uses. ``tests/bargain/test_bargain_negmas.py``
compares detente's solver to it; the same module runs a live comparison on fresh
instances where negmas is importable.
"""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

SEED = 20240601
N_INSTANCES = 30
OUTPUT = Path(__file__).resolve().parent.parent / "tests" / "golden" / "negmas_bargain.json"


def random_instance(rng: np.random.Generator) -> dict[str, Any]:
    """A small linear instance: 2 to 6 parties, 2 to 8 slots, maybe conflicts."""
    n_parties = int(rng.integers(2, 7))
    n_slots = int(rng.integers(2, 9))
    base = rng.integers(-4, 5, size=n_parties) / 4
    linear = rng.integers(-12, 13, size=(n_slots, n_parties)) / 4
    conflicts: list[tuple[int, int]] = []
    if rng.random() < 0.4:
        for _ in range(int(rng.integers(1, 3))):
            a, b = (int(i) for i in rng.choice(n_slots, size=2, replace=False))
            conflicts.append((a, b))
    kinds = rng.choice(["status_quo", "above", "below_min"], size=n_parties, p=[0.5, 0.3, 0.2])
    reserved = [
        float(base[p]) + (0.25 * int(rng.integers(1, 5)) if kind == "above" else 0.0)
        if kind != "below_min"
        else -100.0
        for p, kind in enumerate(kinds)
    ]
    return {
        "parties": [f"P{p}" for p in range(n_parties)],
        "slots": [f"P{k % n_parties}:a{k}" for k in range(n_slots)],
        "base": base.tolist(),
        "linear": linear.tolist(),
        "conflicts": conflicts,
        "reserved": reserved,
    }


def feasible_outcomes(instance: dict[str, Any]) -> list[tuple[int, ...]]:
    """All packages as 0/1 tuples that respect the conflicts."""
    return [
        outcome
        for outcome in itertools.product((0, 1), repeat=len(instance["slots"]))
        if not any(outcome[a] and outcome[b] for a, b in instance["conflicts"])
    ]


def _points(found: Any) -> list[list[float]]:
    return [[float(u) for u in point] for point, _ in found]


def negmas_answers(instance: dict[str, Any]) -> dict[str, Any]:
    """negmas's frontier and bargaining points for ``instance``."""
    from negmas import LinearAdditiveUtilityFunction, make_issue
    from negmas.preferences import (
        kalai_points,
        ks_points,
        max_welfare_points,
        nash_points,
        pareto_frontier,
    )
    from negmas.preferences.value_fun import LinearFun

    linear = np.array(instance["linear"])
    issues = [make_issue([0, 1], name=f"s{k}") for k in range(len(instance["slots"]))]
    outcomes = feasible_outcomes(instance)

    def ufuns(reserved: list[float]) -> list[Any]:
        return [
            LinearAdditiveUtilityFunction(
                values=[LinearFun(float(w)) for w in linear[:, p]],
                weights=[1.0] * len(issues),
                bias=float(instance["base"][p]),
                issues=issues,
                reserved_value=reserved[p],
            )
            for p in range(len(instance["parties"]))
        ]

    free = ufuns([-math.inf] * len(instance["parties"]))
    rational = ufuns(instance["reserved"])
    ranges = [u.minmax(outcomes=outcomes, above_reserve=False) for u in rational]
    disagreement = [
        r if r >= low else low for r, (low, _) in zip(instance["reserved"], ranges, strict=True)
    ]
    frontier, _ = pareto_frontier(free, outcomes=outcomes)
    rational_frontier, _ = pareto_frontier(rational, outcomes=outcomes)
    kwargs = {"outcomes": outcomes}
    return {
        "negmas_disagreement": [float(d) for d in disagreement],
        "ranges": [[float(low), float(high)] for low, high in ranges],
        "frontier": [list(map(float, u)) for u in frontier],
        "rational_frontier": [list(map(float, u)) for u in rational_frontier],
        "max_welfare": _points(max_welfare_points(free, list(frontier), **kwargs)),
        "nash": _points(nash_points(rational, list(rational_frontier), **kwargs)),
        "kalai": _points(kalai_points(rational, list(rational_frontier), **kwargs)),
        "ks": _points(ks_points(rational, list(rational_frontier), **kwargs)),
    }


def main() -> None:
    """Write the golden file."""
    import warnings

    import negmas

    warnings.simplefilter("ignore")
    rng = np.random.default_rng(SEED)
    instances = []
    for _ in range(N_INSTANCES):
        instance = random_instance(rng)
        instance.update(negmas_answers(instance))
        instances.append(instance)
    header = {
        "negmas_version": negmas.__version__,
        "generator": "scripts/negmas_golden.py",
        "seed": SEED,
    }
    body = ",\n  ".join(json.dumps(instance) for instance in instances)
    OUTPUT.write_text(f'{json.dumps(header)[:-1]}, "instances": [\n  {body}\n]}}\n')
    print(f"wrote {len(instances)} instances with negmas {negmas.__version__} to {OUTPUT}")


if __name__ == "__main__":
    main()
