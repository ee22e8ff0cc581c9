"""Fingerprints of what detente computes, to keep refactors of the engine's contract honest.

Runs fixed simulations (korea under the default profile and under strategies
that read perception, trust and agreements; a user's korea file in the format
of December 2026, which must keep its results as the format grows; ipd with a
trembling hand; a noisy round-robin tournament of every two-party strategy),
the bargaining solutions of korea, and a PettingZoo episode, and records a
SHA-256 of every array they produce (and of their summaries).
``tests/test_fingerprints.py`` recomputes them and compares: a change of
layout, names or code paths that is meant to change nothing must leave every
fingerprint as it is.

    python scripts/results_fingerprints.py          # rewrite tests/golden/fingerprints.json

Rewrite the file only for a change that is meant to change results, and say
so in the commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "tests" / "golden" / "fingerprints.json"
#: A user's file in the scenario format of December 2026: it must keep its results.
KOREA_V1 = ROOT / "tests" / "scenario" / "legacy" / "korea_v1.yaml"
TOURNAMENT = (  # the library's two-party strategies (named: tests register others)
    "action_for_action",
    "alternator",
    "cooperate",
    "defect",
    "dove",
    "generous_tit_for_tat",
    "grim_trigger",
    "grit",
    "hawk",
    "random",
    "suspicious_tit_for_tat",
    "tit_for_tat",
    "tit_for_two_tats",
    "win_stay_lose_shift",
)


def digest(value: Any) -> str:
    """SHA-256 of an array's dtype, shape and bytes, or of a value's canonical JSON."""
    h = hashlib.sha256()
    if isinstance(value, np.ndarray):
        h.update(f"{value.dtype.str}{value.shape}".encode())
        h.update(np.ascontiguousarray(value).tobytes())
    else:
        h.update(json.dumps(value, sort_keys=True, default=str).encode())
    return h.hexdigest()


def _arrays(prefix: str, obj: Any) -> Iterator[tuple[str, Any]]:
    for f in fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, np.ndarray):
            yield f"{prefix}{f.name}", value
        elif is_dataclass(value):
            yield from _arrays(f"{prefix}{f.name}.", value)


LASTING = ("reached", "held_to_end", "success_counts", "hold_rounds", "definitions")
"""The summary's fields on lasting success (added later), fingerprinted apart from the rest."""
HORIZON = ("horizon", "notes")
ATTRIBUTION = "attribution"
"""Who triggered each breakdown (added later), fingerprinted apart from the rest."""
"""The summary's horizon view and notes (added later), fingerprinted apart from the rest."""


def _results(results: Any) -> dict[str, str]:
    out = {name: digest(a) for name, a in _arrays("", results)}
    summary = results.summary().to_dict()
    out["summary.lasting"] = digest({key: summary.pop(key) for key in LASTING})
    out["summary.horizon"] = digest({key: summary.pop(key) for key in HORIZON})
    out["summary.attribution"] = digest(summary.pop(ATTRIBUTION))
    out["summary"] = digest(summary)
    return out


def fingerprints() -> dict[str, dict[str, str]]:
    """Every fingerprint, by run."""
    from detente.bargain import pareto_frontier, solve
    from detente.bargain.scenario import problem_from_scenario
    from detente.envs import parallel_env
    from detente.scenario import load_scenario
    from detente.scenario.compiled import compile_scenario
    from detente.simulate import simulate
    from detente.simulate.tournament import round_robin

    korea = compile_scenario(load_scenario("korea"))
    ipd = compile_scenario(load_scenario("ipd"))
    out: dict[str, dict[str, str]] = {}
    out["korea_default"] = _results(
        simulate(korea, {}, episodes=600, rounds=30, seed=3, trajectories=True)
    )
    korea_v1 = compile_scenario(load_scenario(KOREA_V1))
    out["korea_v1"] = _results(simulate(korea_v1, {}, episodes=600, rounds=30, seed=3))
    readers = {
        "US": "big_deal_first:deal=big_deal",
        "DPRK": "grim_trigger",
        "JPN": "generous_tit_for_tat",
        "CHN": "win_stay_lose_shift",
    }
    out["korea_readers"] = _results(simulate(korea, readers, episodes=600, rounds=30, seed=5))
    ipd_noisy = ipd.scenario.model_copy(
        update={"noise": ipd.scenario.noise.model_copy(update={"tremble": 0.05, "miss": 0.05})}
    )
    ipd_noisy_c = compile_scenario(ipd_noisy)
    out["ipd_tremble"] = _results(
        simulate(ipd_noisy_c, {"A": "tit_for_tat", "B": "random"}, episodes=300, rounds=50, seed=7)
    )
    two_party = list(TOURNAMENT)
    tournament = round_robin(ipd_noisy_c, two_party, repetitions=3, rounds=40, seed=11)
    out["tournament"] = _results(tournament.results) | {
        "mean_scores": digest(tournament.mean_scores())
    }
    problem = problem_from_scenario(korea, stage="simultaneous_actions", parties=["US", "DPRK"])
    out["bargain"] = {
        concept: digest(
            {
                "status": s.status,
                "slots": list(s.slots),
                "gains": np.round(s.gains, 9).tolist(),
                "objective": round(float(s.objective), 6),
            }
        )
        for concept in ("nash", "egalitarian", "utilitarian")
        for s in [solve(problem, concept)]
    }
    out["bargain"]["frontier"] = digest(
        sorted(
            (list(p.slots), np.round(p.utilities, 9).tolist())
            for p in pareto_frontier(problem).points
        )
    )
    env = parallel_env(scenario="korea", agents=["DPRK", "US"], opponents={"ROK": "tit_for_tat"})
    obs, _ = env.reset(seed=7)
    steps: list[Any] = []
    rng = np.random.default_rng(1)
    while env.agents:
        actions = {
            a: (rng.random(obs[a]["action_mask"].shape) < 0.3) & obs[a]["action_mask"].astype(bool)
            for a in env.agents
        }
        actions = {a: v.astype(np.int8) for a, v in actions.items()}
        obs, rewards, _, _, _ = env.step(actions)
        steps.append({a: {k: np.asarray(v).tolist() for k, v in o.items()} for a, o in obs.items()})
        steps.append(rewards)
    out["env"] = {"episode": digest(steps)}
    return out


def main() -> None:
    OUTPUT.write_text(json.dumps(fingerprints(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
