"""From a scenario to a bargaining problem: the initiatives on the table at a stage.

The candidate slots are the actions available at the chosen stage to the chosen
parties, provocations excluded by default (a mediator's package is made of steps, not
threats), and institutions' votes always (what a vote is worth depends on the tally, which
a package cannot promise: resolutions and their policies are not bargained over). The
package follows the scenario's structure:

* each deal (and each commitment outside every deal) becomes a deal of the problem:
  the slots of its commitments and of their conditions, in whole or not at all, with
  exactly its parties; a deal that needs a slot outside the candidates (another stage,
  a party not bargaining, a provocation left out) is not on the table;
* a slot that is the action of some commitment enters only through a deal containing
  it (unless named in ``free``); a slot offered only through deals that are not on the
  table is left out;
* every other candidate slot is an outright action, a free choice.

Deals are not mutually exclusive: the scenario says nothing against agreeing to two
at once. Overlapping deals (``small_deal`` inside ``big_deal``) share their slots, which
count once. Deals whose slots break each other's promises (a test and a freeze) are
exclusive through the slot conflicts (``breaks``), as any two such slots are.

Values are present values over the horizon (:mod:`detente.bargain.valuation`). In an
agreement the bargaining parties execute exactly the package and every other party
keeps to its default move; the disagreement point is, by default, every party's
default move continued to the horizon (the status quo, nobody acting, for parties
without one). With a horizon of one round every value is the engine's per-round
payoff of executing those slots, so a package pays in simulation what it promised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from detente.bargain.errors import EmptyActionSetError, InvalidInputError
from detente.bargain.problem import BargainProblem
from detente.bargain.valuation import Valuation, flow_slots, scenario_valuation
from detente.dtypes import F64
from detente.scenario.compiled import CompiledScenario
from detente.scenario.schema import Category
from detente.scenario.utility import UtilityModel

Fallback = Literal["default_moves", "status_quo"]


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


@dataclass(frozen=True, eq=False)
class DisagreementSpec:
    """What ``--disagreement`` asks for: a fallback, and values given for some parties.

    ``given`` holds one value per scenario party (present values, the units of the
    output), NaN where the fallback applies; ``None`` when no value is given.
    """

    fallback: Fallback = "default_moves"
    given: F64 | None = None


def parse_disagreement(text: str, parties: Sequence[str]) -> DisagreementSpec:
    """``default_moves``, ``status_quo``, ``v1,v2,...`` in party order, or ``PARTY=v,...``.

    Values are present values over the horizon; with ``PARTY=v`` pairs the other
    parties keep the default-moves value.
    """
    if text.strip() in ("", "default_moves", "status_quo"):
        return DisagreementSpec("status_quo" if text.strip() == "status_quo" else "default_moves")
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
            return DisagreementSpec(given=values)
        if len(items) != len(parties):
            raise InvalidInputError(
                f"--disagreement {text!r}: expected {len(parties)} values, one per party "
                f"({', '.join(parties)}), or PARTY=VALUE pairs, or default_moves or status_quo"
            )
        return DisagreementSpec(given=np.array([float(item) for item in items]))
    except ValueError as e:
        if isinstance(e, InvalidInputError):
            raise
        raise InvalidInputError(f"--disagreement {text!r}: not a number ({e})") from None


@dataclass(frozen=True, eq=False)
class Disagreement:
    """The disagreement point used, and how it was made.

    Attributes:
        source: ``default_moves``, ``status_quo`` or ``given`` (every value given).
        moves: each scenario party's default move, where it has one (empty for
            ``status_quo``: nobody acts).
        given: bargaining parties whose value was given on the command line.
        values: ``[P]`` the point, per bargaining party, in present values.
    """

    source: Literal["default_moves", "status_quo", "given"]
    moves: dict[str, tuple[str, ...]]
    given: tuple[str, ...]
    values: F64

    def describe(self) -> str:
        """One sentence naming the point, for the CLI."""
        if self.source == "given":
            return "given on the command line"
        if self.source == "status_quo" or not self.moves:
            text = "the status quo (nobody acts)"
            if self.source == "default_moves":
                text = f"every party's default move continued: none has one, so {text}"
        else:
            moves = "; ".join(f"{p}: {', '.join(acts)}" for p, acts in self.moves.items())
            text = f"every party's default move continued ({moves}; others: nothing)"
        if self.given:
            text += f", except {', '.join(self.given)} (given)"
        return text


@dataclass(frozen=True, eq=False)
class ScenarioBargain:
    """A scenario's bargaining problem at a stage and what it was built from.

    Attributes:
        problem: the bargaining problem (present values; deals and bound slots).
        stage: the stage's id.
        valuation: discount, horizon and starting round of the present values.
        flows: candidate slots valued as flows (every round to the horizon).
        one_off: candidate slots valued once.
        disagreement: the disagreement point used.
        left_out: slots offered only through deals that are not on the table here.
    """

    problem: BargainProblem
    stage: str
    valuation: Valuation
    flows: tuple[str, ...]
    one_off: tuple[str, ...]
    disagreement: Disagreement
    left_out: tuple[str, ...]


def scenario_deals(compiled: CompiledScenario) -> dict[str, frozenset[int]]:
    """Each deal, and each commitment outside every deal, with the slots it brings.

    A deal brings its commitments' slots and the slots their conditions need.
    """
    c = compiled

    def slots_of(members: Sequence[int]) -> frozenset[int]:
        found = {int(c.commitment_slot[m]) for m in members}
        for m in members:
            found.update(int(k) for k in c.commitment_conditions(m))
        return frozenset(found)

    deals = {name: slots_of(list(c.deal_members(d))) for d, name in enumerate(c.deals)}
    for m, name in enumerate(c.commitments):
        if c.commitment_deal[m] < 0:
            deals[name if name not in deals else f"commitment {name}"] = slots_of([m])
    return deals


def _free_slots(compiled: CompiledScenario, free: Sequence[str], candidates: list[int]) -> set[int]:
    found = set()
    for label in free:
        party, _, action = label.partition(".")
        try:
            k = compiled.slot_of(party, action)
        except KeyError as e:
            raise InvalidInputError(f"--free {label}: {e.args[0]}") from None
        if k not in candidates:
            raise InvalidInputError(f"--free {label}: not a candidate action at this stage")
        found.add(k)
    return found


def _disagreement(
    compiled: CompiledScenario, values: UtilityModel, who: list[int], spec: DisagreementSpec
) -> Disagreement:
    moves: dict[str, tuple[str, ...]] = {}
    if spec.fallback == "default_moves":
        for k in np.flatnonzero(compiled.default_move):
            party, action = compiled.slot_label(int(k)).split(".", 1)
            moves[party] = (*moves.get(party, ()), action)
        point = values.value(compiled.default_move)
    else:
        point = values.base
    given: tuple[str, ...] = ()
    source: Literal["default_moves", "status_quo", "given"] = spec.fallback
    if spec.given is not None:
        named = ~np.isnan(spec.given[who])
        given = tuple(compiled.parties[p] for p, on in zip(who, named, strict=True) if on)
        point = np.where(np.isnan(spec.given), point, spec.given)
        if named.all():
            source, moves, given = "given", {}, ()
    return Disagreement(source, moves, given, point[who])


def bargain_from_scenario(
    compiled: CompiledScenario,
    stage: str | int | None = None,
    parties: Sequence[str] | None = None,
    disagreement: DisagreementSpec | None = None,
    include_provocations: bool = False,
    horizon: int | None = None,
    from_round: int | None = None,
    free: Sequence[str] = (),
) -> ScenarioBargain:
    """The bargaining problem among ``parties`` over their slots available at ``stage``.

    Args:
        compiled: the scenario.
        stage: stage id or 1-based number (default the second).
        parties: the bargaining parties (default all).
        disagreement: the disagreement point (default: the default moves continued).
        include_provocations: let provocations be candidates.
        horizon: last round valued (default the scenario's rounds).
        from_round: first round valued (default 1).
        free: ``PARTY.action`` slots to allow outright although commitments offer them.
    """
    c = compiled
    s = stage_index(c, stage)
    who = _party_indices(c, parties)
    valuation = scenario_valuation(c, horizon, from_round)
    flows = flow_slots(c)
    values = valuation.present_values(c.utilities, flows)
    available = [
        k
        for k in range(c.n_slots)
        if c.slot_available[s, k]
        and int(c.slot_party[k]) in who
        and (include_provocations or not c.slot_provocation[k])
        and c.slot_category[k] != Category.VOTE  # a vote's worth is the tally's, not its own
    ]
    chosen_free = _free_slots(c, free, available)
    offered = {int(k) for k in c.commitment_slot} - chosen_free
    deals = {n: slots for n, slots in scenario_deals(c).items() if slots <= set(available)}
    in_deals = set().union(*deals.values())
    left_out = [k for k in available if k in offered and k not in in_deals]
    candidates = [k for k in available if k not in left_out]
    names = tuple(c.parties[p] for p in who)
    if not candidates:
        raise EmptyActionSetError(
            f"no actions available to bargain over: {', '.join(names)} have no "
            f"{'' if include_provocations else 'non-provocative '}action available in stage "
            f"{c.stages[s]}" + (" outside deals that are not on the table" if left_out else "")
        )
    position = {k: i for i, k in enumerate(candidates)}
    others = c.default_move & ~np.isin(c.slot_party, who)
    linear = values.linear[np.ix_(candidates, who)].copy()
    pairwise = []
    for q, (k, k2) in enumerate(zip(values.pair_k, values.pair_l, strict=True)):
        term = values.pair_value[q, who]
        if int(k) in position and int(k2) in position:
            pairwise.append((position[int(k)], position[int(k2)], term))
        elif int(k) in position and others[k2]:
            linear[position[int(k)]] += term
        elif int(k2) in position and others[k]:
            linear[position[int(k2)]] += term
    spec = disagreement if disagreement is not None else DisagreementSpec()
    point = _disagreement(c, values, who, spec)
    problem = BargainProblem(
        parties=names,
        slots=tuple(c.slot_label(k) for k in candidates),
        base=values.value(others)[who],
        linear=linear,
        pairwise=tuple(pairwise),
        disagreement=point.values,
        conflicts=tuple(
            (position[k], position[int(b)])
            for k in candidates
            for b in c.breakers(k)
            if int(b) in position
        )
        + tuple(  # one level of a party's action per round
            (position[int(k)], position[int(j)])
            for group in c.exclusive
            for i, k in enumerate(group)
            for j in group[i + 1 :]
            if int(k) in position and int(j) in position
        ),
        deals={n: tuple(position[k] for k in sorted(slots)) for n, slots in deals.items()},
        bound=tuple(position[k] for k in candidates if k in offered),
    )
    return ScenarioBargain(
        problem=problem,
        stage=c.stages[s],
        valuation=valuation,
        flows=tuple(c.slot_label(k) for k in candidates if flows[k]),
        one_off=tuple(c.slot_label(k) for k in candidates if not flows[k]),
        disagreement=point,
        left_out=tuple(c.slot_label(k) for k in left_out),
    )


def problem_from_scenario(
    compiled: CompiledScenario,
    stage: str | int | None = None,
    parties: Sequence[str] | None = None,
    disagreement: DisagreementSpec | None = None,
    include_provocations: bool = False,
    horizon: int | None = None,
    from_round: int | None = None,
    free: Sequence[str] = (),
) -> BargainProblem:
    """The problem of :func:`bargain_from_scenario` alone."""
    return bargain_from_scenario(
        compiled, stage, parties, disagreement, include_provocations, horizon, from_round, free
    ).problem
