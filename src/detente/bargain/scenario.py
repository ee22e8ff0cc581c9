"""From a scenario to a bargaining problem: the initiatives on the table at a stage.

The candidate slots are the actions available at the chosen stage to the
chosen parties, provocations excluded by default (a mediator's package is
made of steps, not threats). Each party's value of a package is the engine's
per-round utility of executing exactly those slots, so a package solved here
pays in simulation what it promised in bargaining. Pairwise terms with a slot
outside the candidates drop out (that slot is not executed in any package).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from detente.bargain.errors import EmptyActionSetError, InvalidInputError
from detente.bargain.problem import BargainProblem
from detente.scenario.compiled import CompiledScenario


def stage_index(compiled: CompiledScenario, stage: str | int | None) -> int:
    """A stage by id or 1-based number; default the second stage (simultaneous actions)."""
    stages = compiled.stages
    if stage is None:
        return min(1, len(stages) - 1)
    if isinstance(stage, int) or stage.isdigit():
        number = int(stage)
        if not 1 <= number <= len(stages):
            raise InvalidInputError(
                f"stage {number} does not exist: the roadmap has stages 1..{len(stages)} "
                f"({', '.join(stages)})"
            )
        return number - 1
    if stage not in stages:
        raise InvalidInputError(f"unknown stage {stage!r} (stages: {', '.join(stages)})")
    return stages.index(stage)


def _party_indices(compiled: CompiledScenario, parties: Sequence[str] | None) -> list[int]:
    if not parties:
        return list(range(len(compiled.parties)))
    unknown = [p for p in parties if p not in compiled.parties]
    if unknown:
        raise InvalidInputError(
            f"unknown part{'ies' if len(unknown) > 1 else 'y'} {', '.join(unknown)} "
            f"(parties: {', '.join(compiled.parties)})"
        )
    return [compiled.parties.index(p) for p in dict.fromkeys(parties)]


def parse_disagreement(text: str, parties: Sequence[str]) -> np.ndarray | None:
    """``status_quo``, ``v1,v2,...`` in party order, or ``PARTY=v,...`` (others: status quo).

    Returns ``None`` for the status quo, else one value per party with NaN
    for "status quo" entries, to be filled by :func:`problem_from_scenario`.
    """
    if text.strip() in ("", "status_quo"):
        return None
    items = [item.strip() for item in text.split(",") if item.strip()]
    values = np.full(len(parties), np.nan)
    try:
        if all("=" in item for item in items):
            for item in items:
                party, value = item.split("=", 1)
                if party.strip() not in parties:
                    raise InvalidInputError(
                        f"--disagreement {text!r}: unknown party {party.strip()!r} "
                        f"(parties: {', '.join(parties)})"
                    )
                values[list(parties).index(party.strip())] = float(value)
            return values
        if len(items) != len(parties):
            raise InvalidInputError(
                f"--disagreement {text!r}: expected {len(parties)} values, one per party "
                f"({', '.join(parties)}), or PARTY=VALUE pairs, or status_quo"
            )
        return np.array([float(item) for item in items])
    except ValueError as e:
        if isinstance(e, InvalidInputError):
            raise
        raise InvalidInputError(f"--disagreement {text!r}: not a number ({e})") from None


def problem_from_scenario(
    compiled: CompiledScenario,
    stage: str | int | None = None,
    parties: Sequence[str] | None = None,
    disagreement: np.ndarray | None = None,
    include_provocations: bool = False,
) -> BargainProblem:
    """The bargaining problem among ``parties`` over their slots available at ``stage``."""
    s = stage_index(compiled, stage)
    who = _party_indices(compiled, parties)
    c, u = compiled, compiled.utilities
    candidates = [
        k
        for k in range(c.n_slots)
        if c.slot_available[s, k]
        and int(c.slot_party[k]) in who
        and (include_provocations or not c.slot_provocation[k])
    ]
    position = {k: i for i, k in enumerate(candidates)}
    pairwise = tuple(
        (position[int(k)], position[int(k2)], u.pair_value[q, who])
        for q, (k, k2) in enumerate(zip(u.pair_k, u.pair_l, strict=True))
        if int(k) in position and int(k2) in position
    )
    conflicts = tuple(
        (position[k], position[int(b)])
        for k in candidates
        for b in c.breakers(k)
        if int(b) in position
    )
    conflicts += tuple(  # one level of a party's action per round
        (position[int(k)], position[int(j)])
        for group in c.exclusive
        for i, k in enumerate(group)
        for j in group[i + 1 :]
        if int(k) in position and int(j) in position
    )
    base = u.base[who]
    point = None
    if disagreement is not None:
        point = np.where(np.isnan(disagreement), u.base, disagreement)[who]
    names = tuple(compiled.parties[p] for p in who)
    if not candidates:
        raise EmptyActionSetError(
            f"no actions available to bargain over: {', '.join(names)} have no "
            f"{'' if include_provocations else 'non-provocative '}action available in stage "
            f"{compiled.stages[s]}"
        )
    return BargainProblem(
        parties=names,
        slots=tuple(compiled.slot_label(k) for k in candidates),
        base=base,
        linear=u.linear[np.ix_(candidates, who)],
        pairwise=pairwise,
        disagreement=point,
        conflicts=conflicts,
    )
