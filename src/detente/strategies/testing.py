"""Testing a strategy as axelrod tests its players: one episode against scripted opponents.

A test of a strategy's logic plays it for a few rounds against opponents
whose moves are known, and compares what it played with what it should have
played, round by round::

    from detente.strategies.testing import versus

    versus("tit_for_tat", ["C", "D", "D", "C"], 5).assert_plays(["C", "C", "D", "D", "C"])

:func:`versus` plays one episode through the simulator's own runner, so a
strategy plays here exactly what it plays in ``simulate``; on ``ipd`` unless
told otherwise, and with the scenario's monitoring noise and trembles off
unless ``noise=True``: a test of logic must not hinge on a misperception.
Vectorised and per-episode strategies are played alike, registered or not.

A :class:`Scripted` opponent plays a fixed sequence: ``"C"`` (cooperate, as
the library means it: no provocation, attend talks, offer everything),
``"D"`` (defect: every provocation, offer nothing), the name of one of its
party's actions (that action alone, nothing offered), or a
:class:`~detente.scenario.moves.NamedMove`; then it cycles through the
sequence again, or holds its last move. A list given as an opponent is a
script. On a scenario of more than two parties the opponents are a mapping
party -> opponent; the parties named nowhere play ``others`` (cooperate)::

    dprk = {"DPRK": ["missile_test.icbm", "C"]}
    jpn = versus("tit_for_tat", dprk, 3, scenario="korea", party="JPN")
    jpn.assert_actions([{"multilateral_meeting"}, set(), {"multilateral_meeting"}])

This module plays episodes with :mod:`detente.simulate`, which builds on
the strategies: ``detente.strategies`` does not import it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import EllipsisType
from typing import Any, cast

import numpy as np

from detente.engine import Event, EventType, StepEvents
from detente.scenario import load_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.moves import NamedMove
from detente.scenario.schema import Noise
from detente.simulate.narrate import play_episode
from detente.simulate.profile import resolve_profile
from detente.strategies import (
    Classifier,
    EpisodeStrategy,
    Move,
    StanceStrategy,
    Strategy,
    StrategyError,
    StrategyFactory,
    View,
    get_strategy,
)
from detente.strategies.episode import EpisodeLoop

COOPERATE = "C"
DEFECT = "D"
LETTERS = (COOPERATE, DEFECT)
OUTRIGHT = frozenset({"unconditional", "tremble"})  # how an action executed outright

Entry = str | NamedMove  # one move of a script
Player = str | StrategyFactory | type[Strategy] | type[EpisodeStrategy] | Sequence[Entry]
Expected = str | NamedMove | EllipsisType  # one round of assert_plays


class Scripted:
    """An opponent that plays ``moves`` in order, then again (``then="cycle"``) or its last
    move for ever (``then="hold"``); a :class:`~detente.strategies.StrategyFactory`, so also
    a profile entry for ``simulate``.

    A move is ``"C"``, ``"D"``, an action name of the party it plays, or a
    :class:`~detente.scenario.moves.NamedMove`. A named action or offer must be
    available when it is played: the engine refuses it otherwise, naming the round.
    """

    def __init__(self, moves: Iterable[Entry], *, then: str = "cycle") -> None:
        self.moves = tuple(moves)
        if not self.moves:
            raise StrategyError("a script needs at least one move")
        if then not in ("cycle", "hold"):
            raise StrategyError(f"a script's then must be cycle or hold, got {then!r}")
        for entry in self.moves:
            if not isinstance(entry, str | NamedMove):
                raise StrategyError(f"a scripted move is C, D, an action or a NamedMove: {entry!r}")
        self.then = then

    def __str__(self) -> str:
        moves = ", ".join(_show(m) for m in self.moves)
        return f"scripted({moves}; {self.then})"

    def __repr__(self) -> str:
        return f"Scripted({list(self.moves)!r}, then={self.then!r})"

    def index(self, rnd: int) -> int:
        """The position in the script of the move played in round ``rnd + 1``."""
        n = len(self.moves)
        return rnd % n if self.then == "cycle" else min(rnd, n - 1)

    def build(self, compiled: CompiledScenario, party: int) -> Strategy:
        return ScriptedStrategy(compiled, party, self)


class ScriptedStrategy(StanceStrategy):
    """Plays a :class:`Scripted` sequence for one party, in every episode of a batch alike."""

    name = "scripted"
    classifier = Classifier(memory_depth=0)

    def __init__(self, compiled: CompiledScenario, party: int, script: Scripted) -> None:
        super().__init__(compiled, party)
        self.script = script
        seat = compiled.seat(party)
        self.named: dict[int, Move] = {}  # script position -> the named move, as flags
        for i, entry in enumerate(script.moves):
            if entry in LETTERS:
                continue
            move = NamedMove(actions={entry}) if isinstance(entry, str) else entry
            wrong = seat.unknown(move)
            if wrong is not None:
                raise StrategyError(f"scripted move {_show(entry)}: {wrong}")
            self.named[i] = Move(*seat.flags(move))

    def move(self, view: View) -> Move:
        i = self.script.index(view.round)
        entry = self.script.moves[i]
        if entry == COOPERATE:
            return self.playbook.realise(view, self.playbook.peaceful(view.batch))
        if entry == DEFECT:
            defect = np.ones(view.batch, dtype=bool)
            return self.playbook.realise(view, self.playbook.choose(defect))
        actions, offers = self.named[i]
        return Move(np.tile(actions, (view.batch, 1)), np.tile(offers, (view.batch, 1)))


@dataclass(frozen=True)
class ClassFactory:
    """A strategy class, registered or not, with parameters: a
    :class:`~detente.strategies.StrategyFactory` (see :func:`factory`)."""

    cls: type[Strategy] | type[EpisodeStrategy]
    params: tuple[tuple[str, Any], ...] = ()

    def __str__(self) -> str:
        return ":".join([self.cls.name, *(f"{k}={v}" for k, v in self.params)])

    def build(self, compiled: CompiledScenario, party: int) -> Strategy:
        kwargs = dict(self.params)
        if issubclass(self.cls, Strategy):
            return self.cls(compiled, party, **kwargs)
        per_episode = self.cls
        per_episode(compiled, party, **kwargs)  # fail now on bad values, not mid-episode
        return EpisodeLoop(compiled, party, lambda: per_episode(compiled, party, **kwargs))


def factory(cls: type[Strategy] | type[EpisodeStrategy], **params: Any) -> ClassFactory:
    """Play ``cls`` with these keyword parameters, whether it is registered or not."""
    if not (isinstance(cls, type) and issubclass(cls, Strategy | EpisodeStrategy)):
        raise StrategyError(f"{cls!r} is neither a Strategy nor an EpisodeStrategy subclass")
    return ClassFactory(cls, tuple(params.items()))


def player(who: Player) -> StrategyFactory:
    """A profile entry from a spec, a strategy class, a factory or a script (a list of moves)."""
    if isinstance(who, str):
        return get_strategy(who)
    if isinstance(who, type):
        return factory(who)
    if hasattr(who, "build"):
        return cast(StrategyFactory, who)
    if isinstance(who, Sequence):
        return Scripted(who)
    raise StrategyError(f"cannot play {who!r}: give a spec, a strategy class, a factory or a list")


@dataclass(frozen=True)
class Turn:
    """One party in one round: what its strategy chose, what was played, what it then saw."""

    party: str
    chosen: NamedMove  # what its strategy submitted
    played: NamedMove  # actions executed outright (a tremble flips them) and offers submitted
    executed: frozenset[str]  # own actions executed, those through cleared commitments too
    cleared: frozenset[str]  # own commitments that cleared
    perceived: frozenset[str]  # "PARTY.action" it perceived of this round (its own exactly)
    payoff: float
    letter: str  # "D" when it took one of its provocations outright, else "C"


@dataclass(frozen=True)
class Round:
    """One round of the episode: the stage it was played in, every party's turn, the events."""

    number: int  # from 1
    stage: str  # before the round
    stalled: bool  # before the round
    turns: Mapping[str, Turn]
    events: tuple[Event, ...]


@dataclass(frozen=True)
class Match:
    """The episode :func:`versus` played: round by round, for every party."""

    compiled: CompiledScenario
    party: str  # the party of the strategy under test
    profile: Mapping[str, str]
    rounds: tuple[Round, ...]

    def turns(self, party: str | None = None) -> list[Turn]:
        """The turns of ``party`` (default: the tested one), round by round."""
        who = self.party if party is None else party
        if who not in self.compiled.parties:
            raise StrategyError(f"no party {who} in scenario {self.compiled.scenario.id}")
        return [r.turns[who] for r in self.rounds]

    def letters(self, party: str | None = None) -> list[str]:
        """ "C" or "D" a round: whether it took one of its provocations outright."""
        return [t.letter for t in self.turns(party)]

    def moves(self, party: str | None = None) -> list[NamedMove]:
        """What was played: actions executed outright, and offers."""
        return [t.played for t in self.turns(party)]

    def actions(self, party: str | None = None) -> list[set[str]]:
        """The actions executed outright, round by round."""
        return [set(t.played.actions) for t in self.turns(party)]

    def offers(self, party: str | None = None) -> list[set[str]]:
        """The commitments offered, round by round."""
        return [set(t.played.offers) for t in self.turns(party)]

    def assert_plays(self, expected: Sequence[Expected], party: str | None = None) -> Match:
        """Fail, showing every round, unless ``party`` (default: the tested one) played
        ``expected``: one entry a round, each ``"C"`` or ``"D"`` (whether it took a
        provocation outright), a :class:`NamedMove` (exactly those actions outright and
        those offers) or ``...`` (anything)."""
        who = self.party if party is None else party
        for e in expected:
            if not (e is ... or isinstance(e, NamedMove) or e in LETTERS):
                raise StrategyError(f"expected moves are C, D, NamedMoves or ..., got {e!r}")
        if any(isinstance(e, str) for e in expected) and not self._provocations(who):
            raise StrategyError(
                f"{who} has no provocation, so C and D cannot tell its moves apart: "
                "expect NamedMoves, or use assert_actions and assert_offers"
            )
        turns = self.turns(who)
        played = [
            _show(t.played) if isinstance(e, NamedMove) else t.letter
            for e, t in zip(expected, turns, strict=False)
        ]
        default = self._played(who)
        played += default[len(played) :]
        same = [
            e is ... or e == (t.played if isinstance(e, NamedMove) else t.letter)
            for e, t in zip(expected, turns, strict=False)
        ]
        return self._verify(who, "moves", [_show(e) for e in expected], same, played)

    def assert_actions(
        self, expected: Sequence[Iterable[str] | EllipsisType], party: str | None = None
    ) -> Match:
        """Fail, showing every round, unless ``party`` took exactly these actions outright
        (a set of names a round, or ``...`` for anything)."""
        return self._verify_sets(
            party, "actions", expected, [t.played.actions for t in self.turns(party)]
        )

    def assert_offers(
        self, expected: Sequence[Iterable[str] | EllipsisType], party: str | None = None
    ) -> Match:
        """Fail, showing every round, unless ``party`` offered exactly these commitments."""
        return self._verify_sets(
            party, "offers", expected, [t.played.offers for t in self.turns(party)]
        )

    def table(
        self,
        party: str | None = None,
        expected: Sequence[str] | None = None,
        played: Sequence[str] | None = None,
        wrong: Iterable[int] = (),
    ) -> str:
        """The rounds as text: stage, the others' provocations ``party`` saw before the round,
        what it played (by default as C/D when it has provocations, else as moves), and
        ``expected`` beside it; rounds (from 1) in ``wrong`` are marked."""
        who = self.party if party is None else party
        turns = self.turns(who)
        if played is None:
            played = self._played(who)
        saw = ["-"] + [self._provoked(who, t.perceived) for t in turns[:-1]]
        header = [
            "round",
            "stage",
            "saw",
            *(["expected"] if expected is not None else []),
            "played",
        ]
        rows = [header]
        marks = set(wrong)
        count = max(len(turns), len(expected or ()))
        for i in range(count):
            r = self.rounds[i] if i < len(self.rounds) else None
            stage = "-" if r is None else r.stage + (" (stalled)" if r.stalled else "")
            cells = [str(i + 1), stage, saw[i] if i < len(saw) else "-"]
            if expected is not None:
                cells.append(expected[i] if i < len(expected) else "(nothing)")
            cells.append(played[i] if i < len(played) else "(not played)")
            rows.append(cells)
        widths = [max(len(row[c]) for row in rows) for c in range(len(header))]
        lines = []
        for n, row in enumerate(rows):
            mark = "> " if n in marks else "  "
            lines.append(mark + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))
        return "\n".join(line.rstrip() for line in lines)

    def __str__(self) -> str:
        return self.table()

    def _played(self, party: str) -> list[str]:
        """What ``party`` played, as C/D when it has provocations, else as moves."""
        letters = bool(self._provocations(party))
        return [t.letter if letters else _show(t.played) for t in self.turns(party)]

    def _verify_sets(
        self,
        party: str | None,
        what: str,
        expected: Sequence[Iterable[str] | EllipsisType],
        got: list[tuple[str, ...]],
    ) -> Match:
        want = [e if isinstance(e, EllipsisType) else frozenset(_listed(e)) for e in expected]
        same = [e is ... or e == frozenset(g) for e, g in zip(want, got, strict=False)]
        labels = [e if isinstance(e, EllipsisType) else _names(e) for e in want]
        return self._verify(
            self.party if party is None else party,
            what,
            ["..." if e is ... else str(e) for e in labels],
            same,
            [_names(g) for g in got],
        )

    def _verify(
        self, who: str, what: str, expected: list[str], same: list[bool], played: list[str]
    ) -> Match:
        """Raise an AssertionError with the table unless every round is the ``same``."""
        rounds = len(self.rounds)
        wrong = [i + 1 for i, ok in enumerate(same) if not ok]
        if len(expected) == rounds and not wrong:
            return self
        headline = f"{who} ({self.profile[who]}) did not play the expected {what}"
        if len(expected) != rounds:
            headline += f": {len(expected)} expected, {rounds} rounds played"
            wrong += list(range(min(len(expected), rounds) + 1, max(len(expected), rounds) + 1))
        else:
            headline += " in round" + ("s " if len(wrong) > 1 else " ")
            headline += ", ".join(map(str, wrong))
        against = ", ".join(f"{p}={s}" for p, s in self.profile.items() if p != who)
        table = self.table(who, expected, played, wrong)
        raise AssertionError(f"{headline} (against {against}):\n{table}")

    def _provocations(self, party: str) -> frozenset[str]:
        c = self.compiled
        return frozenset(
            c.actions[c.slots[k][1]]
            for k in c.party_slots(c.parties.index(party))
            if c.slot_provocation[k]
        )

    def _provoked(self, party: str, perceived: frozenset[str]) -> str:
        """The others' provocations among ``perceived``, or "-"."""
        c = self.compiled
        seen = [
            label
            for label in sorted(perceived)
            if not label.startswith(party + ".")
            and c.slot_provocation[c.slot_of(*label.split(".", 1))]
        ]
        return ", ".join(seen) or "-"


def versus(
    strategy: Player,
    opponents: Player | Mapping[str, Player],
    rounds: int,
    *,
    scenario: str | CompiledScenario = "ipd",
    party: str | None = None,
    seed: int = 0,
    noise: bool = False,
    episode: int = 0,
    others: Player | None = "cooperate",
) -> Match:
    """Play ``strategy`` for ``party`` against ``opponents`` for ``rounds`` rounds: one episode.

    ``strategy`` and each opponent are a spec (``"grit:patience=2"``), a strategy
    class (registered or not; :func:`factory` gives it parameters), a factory
    (:class:`Scripted`, a parsed spec, ...) or a list of scripted moves.
    ``opponents`` is one opponent on a two-party scenario, else a mapping party ->
    opponent; parties named nowhere play ``others`` (``None``: their default in
    ``simulate``). ``party`` defaults to the first party not among the opponents.
    ``noise``: keep the scenario's monitoring noise and trembles (off by default).
    ``seed`` and ``episode`` address the random draws, as in ``simulate``.
    """
    compiled = _scenario(scenario, noise)
    parties = compiled.parties
    named = dict(opponents) if isinstance(opponents, Mapping) else None
    if party is None:
        free = [p for p in parties if p not in (named or {})]
        if not free:
            raise StrategyError("every party is an opponent: say which party the strategy plays")
        party = free[0]
    if party not in parties:
        raise StrategyError(f"no party {party} in scenario {compiled.scenario.id} ({parties})")
    if named is None:
        rest = [p for p in parties if p != party]
        if len(rest) != 1:
            raise StrategyError(
                f"scenario {compiled.scenario.id} has {len(parties)} parties: give the "
                "opponents as a mapping party -> opponent"
            )
        named = {rest[0]: cast(Player, opponents)}
    if party in named:
        raise StrategyError(f"{party} is both the party under test and an opponent")
    profile = {party: player(strategy), **{q: player(o) for q, o in named.items()}}
    if others is not None:
        profile |= {q: player(others) for q in parties if q not in profile}
    steps = play_episode(compiled, profile, rounds, seed, episode)
    labels = {q: str(f) for q, f in resolve_profile(compiled, profile).items()}
    return Match(compiled, party, labels, tuple(_round(compiled, s) for s in steps))


@functools.lru_cache(maxsize=32)
def _scenario(scenario: str | CompiledScenario, noise: bool) -> CompiledScenario:
    compiled = compile_scenario(load_scenario(scenario)) if isinstance(scenario, str) else scenario
    if noise:
        return compiled
    return compile_scenario(compiled.scenario.model_copy(update={"noise": Noise()}))


def _round(compiled: CompiledScenario, events: StepEvents) -> Round:
    records = events.records(0)
    outright: dict[str, set[str]] = {p: set() for p in compiled.parties}
    executed: dict[str, set[str]] = {p: set() for p in compiled.parties}
    cleared: dict[str, set[str]] = {p: set() for p in compiled.parties}
    for e in records:
        party = str(e.party)
        if e.type == EventType.ACTION_EXECUTED:
            executed[party].add(e.payload["action"])
            if e.payload["via"] in OUTRIGHT:  # not a commitment's, nor a policy carried over
                outright[party].add(e.payload["action"])
        elif e.type == EventType.COMMITMENT_CLEARED:
            cleared[party].add(e.payload["commitment"])
    turns = {}
    for p, name in enumerate(compiled.parties):
        seat = compiled.seat(p)
        chosen = seat.named(
            events.submissions.actions[0, seat.slots],
            events.submissions.offers[0, seat.commitments],
        )
        perceived = events.after.perceived_by(p)[0]
        provoked = any(compiled.slot_provocation[seat.action_slot[a]] for a in outright[name])
        turns[name] = Turn(
            party=name,
            chosen=chosen,
            played=NamedMove(outright[name], chosen.offers),
            executed=frozenset(executed[name]),
            cleared=frozenset(cleared[name]),
            perceived=frozenset(compiled.slot_label(int(k)) for k in np.flatnonzero(perceived)),
            payoff=float(events.payoff[0, p]),
            letter=DEFECT if provoked else COOPERATE,
        )
    before = events.before
    return Round(
        number=events.round,
        stage=compiled.stages[int(before.stage[0])],
        stalled=bool(before.stalled[0]),
        turns=turns,
        events=tuple(records),
    )


def _listed(names: Iterable[str]) -> Iterable[str]:
    """A name alone stands for the set of that one name."""
    return [names] if isinstance(names, str) else names


def _names(names: Iterable[str]) -> str:
    return "{" + ", ".join(sorted(names)) + "}"


def _show(move: Entry | EllipsisType) -> str:
    """A scripted or expected move as text: C, D, an action, or actions and offers."""
    if move is ...:
        return "..."
    if isinstance(move, str):
        return move
    offers = f" offers {_names(move.offers)}" if move.offers else ""
    return _names(move.actions) + offers
