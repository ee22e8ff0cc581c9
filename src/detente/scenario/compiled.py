"""A scenario compiled once into integer indices, and the questions it answers by meaning.

Everything that happens in a round is about *slots* (one party taking one
action, index ``k``), *commitments* (``m``), *deals* (``d``), *stages*
(``s``) and *parties* (``p``). :class:`CompiledScenario` numbers them once
and answers what callers need to know of them: a party's own slots and
commitments (its :class:`Seat`), what a commitment's condition needs, a
deal's members, what breaks a promise, the utility of a set of executed
slots. How the engine's kernel lays these out for speed (bit words, CSR
lists, probability thresholds) is the engine's own business
(``engine/tables.py``), built from this and private to it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from types import MappingProxyType

import numpy as np

from detente.dtypes import B8, F64, I64
from detente.scenario.moves import NamedMove
from detente.scenario.outcomes import OutcomeModel
from detente.scenario.schema import Scenario
from detente.scenario.utility import UtilityModel


@dataclass(frozen=True, eq=False)
class Seat:
    """One party's own slots and commitments, by index and by name (built once per party).

    A party's move covers its own *columns*: column ``i`` of its actions is
    slot ``slots[i]`` (the action named ``actions[i]``), column ``j`` of its
    offers is commitment ``commitments[j]`` (named ``offers[j]``), whose
    action is slot ``commitment_slots[j]``, which is column
    ``offer_columns[j]`` of its actions. ``action_slot`` and
    ``commitment_index`` map names to scenario-wide indices.
    """

    party: int
    name: str
    slots: I64
    commitments: I64
    commitment_slots: I64
    offer_columns: I64
    action_slot: Mapping[str, int]
    commitment_index: Mapping[str, int]

    @property
    def actions(self) -> tuple[str, ...]:
        """The party's own action names, in column order."""
        return tuple(self.action_slot)

    @property
    def offers(self) -> tuple[str, ...]:
        """The party's own commitment ids, in column order."""
        return tuple(self.commitment_index)

    def unknown(self, move: NamedMove) -> str | None:
        """Why ``move`` names something that is not this party's own, or None when all are."""
        for kind, names, own in (
            ("action", move.actions, self.action_slot),
            ("commitment", move.offers, self.commitment_index),
        ):
            for name in names:
                if name not in own:
                    known = ", ".join(own) or "none"
                    return f"{self.name} has no {kind} {name!r} (its {kind}s: {known})"
        return None

    def flags(self, move: NamedMove) -> tuple[B8, B8]:
        """``move`` as flags over the party's action and offer columns; ValueError if not own."""
        wrong = self.unknown(move)
        if wrong is not None:
            raise ValueError(wrong)
        actions = np.isin(self.actions, move.actions)
        offers = np.isin(self.offers, move.offers)
        return actions, offers

    def named(self, actions: B8, offers: B8) -> NamedMove:
        """The move whose flags over the party's columns are ``actions`` and ``offers``."""
        return NamedMove(
            (a for a, on in zip(self.actions, actions, strict=True) if on),
            (m for m, on in zip(self.offers, offers, strict=True) if on),
        )


@dataclass(frozen=True, eq=False)
class CompiledScenario:
    """Names for every index, per-slot and per-commitment facts, and the utility model.

    Arrays are indexed by slot ``[K]``, commitment ``[M]``, or stage and slot
    ``[S, K]``; treat them as read-only. Lists of varying length (a deal's
    members, a commitment's conditions, a slot's breakers) are answered by
    methods.
    """

    scenario: Scenario
    parties: tuple[str, ...]
    actions: tuple[str, ...]
    slots: tuple[tuple[int, int], ...]  # (party index, action index)
    commitments: tuple[str, ...]
    deals: tuple[str, ...]
    stages: tuple[str, ...]
    tracks: tuple[str, ...]
    track_levels: tuple[tuple[str, ...], ...]
    rules: tuple[str, ...]  # "stage.rule"
    slot_party: I64  # [K] the party taking each slot
    slot_available: B8  # [S, K] slots available in each stage
    slot_repeatable: B8  # [K] False for one-off acts
    slot_provocation: B8  # [K] provocations (they break calm; observers read them as hostile)
    slot_intensity: F64  # [K] the action's signed intensity, -10..10
    commitment_party: I64  # [M]
    commitment_slot: I64  # [M] the slot a commitment executes
    commitment_deal: I64  # [M] its deal, -1 outside every deal
    default_move: B8  # [K] slots of each party's default move (live play)
    utilities: UtilityModel
    outcomes: OutcomeModel  # acts that can fail, and each observer's reading of each act
    _conditions: tuple[I64, ...]  # [M] slots each commitment's condition needs
    _members: tuple[I64, ...]  # [D] commitments of each deal
    _breakers: tuple[I64, ...]  # [K] slots whose execution breaks the promise of slot k

    @property
    def n_parties(self) -> int:
        return len(self.parties)

    @property
    def n_slots(self) -> int:
        return len(self.slots)

    def slot_label(self, k: int) -> str:
        p, a = self.slots[k]
        return f"{self.parties[p]}.{self.actions[a]}"

    def slot_of(self, party: str, action: str) -> int:
        """The slot index of ``party`` taking ``action``; KeyError names both when absent."""
        try:
            key = (self.parties.index(party), self.actions.index(action))
            return self.slots.index(key)
        except ValueError:
            raise KeyError(
                f"{party} cannot take action {action} in scenario {self.scenario.id}"
            ) from None

    def party_slots(self, party: int) -> I64:
        """The slots of party ``party`` (its own actions), in scenario order."""
        return self.seat(party).slots

    def party_commitments(self, party: int) -> I64:
        """The commitments party ``party`` may offer, in scenario order."""
        return self.seat(party).commitments

    def commitment_conditions(self, m: int) -> I64:
        """The slots commitment ``m``'s condition needs executed (all of them)."""
        return self._conditions[m]

    def deal_members(self, d: int) -> I64:
        """The commitments of deal ``d``: it clears only when all of them do."""
        return self._members[d]

    def package(self, m: int) -> I64:
        """The commitments that clear with ``m`` or not at all: its deal's, or ``m`` alone."""
        d = int(self.commitment_deal[m])
        return self._members[d] if d >= 0 else np.array([m], dtype=np.int64)

    def breakers(self, k: int) -> I64:
        """The slots whose execution breaks the promise of slot ``k`` (a test breaks a freeze)."""
        return self._breakers[k]

    def deal_breakers(self, d: int) -> I64:
        """The slots whose execution violates deal ``d`` while it is in force."""
        found = [self._breakers[int(self.commitment_slot[m])] for m in self._members[d]]
        return np.concatenate(found) if found else np.zeros(0, dtype=np.int64)

    def seat(self, party: int | str) -> Seat:
        """Party ``party``'s :class:`Seat` (by index or id), built once per scenario."""
        p = self.parties.index(party) if isinstance(party, str) else int(party)
        return self._seats[p]

    @cached_property
    def _seats(self) -> tuple[Seat, ...]:
        seats = []
        for p, name in enumerate(self.parties):
            slots = np.flatnonzero(self.slot_party == p)
            coms = np.flatnonzero(self.commitment_party == p)
            column = {int(k): i for i, k in enumerate(slots)}
            seats.append(
                Seat(
                    party=p,
                    name=name,
                    slots=slots,
                    commitments=coms,
                    commitment_slots=self.commitment_slot[coms],
                    offer_columns=np.array(
                        [column[int(k)] for k in self.commitment_slot[coms]], dtype=np.int64
                    ),
                    action_slot=MappingProxyType(
                        {self.actions[self.slots[k][1]]: int(k) for k in slots}
                    ),
                    commitment_index=MappingProxyType({self.commitments[m]: int(m) for m in coms}),
                )
            )
        return tuple(seats)


def _lists(rows: Sequence[Sequence[int]]) -> tuple[I64, ...]:
    return tuple(np.asarray(row, dtype=np.int64) for row in rows)


def compile_scenario(scenario: Scenario) -> CompiledScenario:
    """Compile a validated scenario into indices (done once per scenario)."""
    parties = tuple(p.id for p in scenario.parties)
    actions = tuple(a.id for a in scenario.actions)
    stages = tuple(s.id for s in scenario.roadmap.stages)
    pix = {p: i for i, p in enumerate(parties)}
    aix = {a: i for i, a in enumerate(actions)}
    six = {s: i for i, s in enumerate(stages)}
    slots = tuple((pix[actor], aix[a.id]) for a in scenario.actions for actor in a.actors)
    kix = {(parties[p], actions[a]): k for k, (p, a) in enumerate(slots)}

    def slot(ref: str) -> int:
        party, action = ref.split(".")
        return kix[(party, action)]

    K, S = len(slots), len(stages)
    slot_party = np.array([p for p, _ in slots], dtype=np.int64)
    slot_intensity = np.array([scenario.actions[a].intensity for _, a in slots], dtype=np.float64)
    by_action = {a.id: a for a in scenario.actions}
    slot_action = [by_action[actions[a]] for _, a in slots]
    available = np.zeros((S, K), dtype=bool)
    for k, act in enumerate(slot_action):
        for s in act.stages if act.stages is not None else stages:
            available[six[s], k] = True

    commitments = tuple(c.id for c in scenario.commitments)
    cix = {c: i for i, c in enumerate(commitments)}
    deals = tuple(d.id for d in scenario.deals)
    com_deal = np.full(len(commitments), -1, dtype=np.int64)
    members = []
    for d, deal in enumerate(scenario.deals):
        members.append([cix[c] for c in deal.commitments])
        com_deal[members[-1]] = d
    breakers = [
        [
            kix[(parties[p], b.id)]
            for b in scenario.actions
            if actions[a] in b.breaks and (parties[p], b.id) in kix
        ]
        for p, a in slots
    ]
    default_move = np.zeros(K, dtype=bool)
    for party in scenario.parties:
        for action in party.default_move:
            default_move[kix[(party.id, action)]] = True
    rules = tuple(
        f"{stage.id}.{rule.id}" for stage in scenario.roadmap.stages for rule in stage.breakdown
    )
    return CompiledScenario(
        scenario=scenario,
        parties=parties,
        actions=actions,
        slots=slots,
        commitments=commitments,
        deals=deals,
        stages=stages,
        tracks=tuple(t.id for t in scenario.tracks),
        track_levels=tuple(tuple(level.id for level in t.levels) for t in scenario.tracks),
        rules=rules,
        slot_party=slot_party,
        slot_available=available,
        slot_repeatable=np.array([a.repeatable for a in slot_action], dtype=bool),
        slot_provocation=np.array([a.category == "provocation" for a in slot_action], dtype=bool),
        slot_intensity=slot_intensity,
        commitment_party=np.array([pix[c.party] for c in scenario.commitments], dtype=np.int64),
        commitment_slot=np.array(
            [kix[(c.party, c.action)] for c in scenario.commitments], dtype=np.int64
        ),
        commitment_deal=com_deal,
        default_move=default_move,
        utilities=UtilityModel.of(scenario.utilities, pix, slot, K),
        outcomes=OutcomeModel.of(
            scenario,
            pix,
            slot,
            {d: i for i, d in enumerate(deals)},
            slot_party,
            np.array([a for _, a in slots], dtype=np.int64),
            slot_intensity,
        ),
        _conditions=_lists([[slot(ref) for ref in c.conditions] for c in scenario.commitments]),
        _members=_lists(members),
        _breakers=_lists(breakers),
    )
