"""A record as the rounds of a scenario: each party's move per period, and what maps to nothing.

Each event is read by its ``action`` column when it has one, else by the
first rule of the mapping that matches it (rules.py). The reading then meets
the scenario's rules of moves, in date order:

- one level per move: of several levels of one action a party takes in a
  round, the strongest is kept (the others' events are listed as superseded);
- a standing policy is ONE action in the round it starts: taking it again
  while in force is no move (listed), and its revocation is a move only while
  it is in force; a policy's ``ended_by`` acts in the mapping add the
  revocation (full-scale drills during a suspension end the suspension);
- a deal announced is the offer of every commitment of the deal by its party,
  and its standing policies are in force from that round (they cleared in
  reality).

Whether an action is available at the state the replay reaches (stage
gating) is the replay's question; :class:`RecordedRound` keeps, for every
action and offer, the events it comes from, so that a refusal can be
explained.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from detente.record.errors import RecordError, RecordIssue, cell
from detente.record.events import Event, EventRecord
from detente.record.rules import EventMapping, Rule, action_problem
from detente.scenario.compiled import CompiledScenario
from detente.scenario.moves import NamedMove

UNITS = ("month", "week", "quarter")


@dataclass(frozen=True)
class RecordedRound:
    """One period of the record as a round: each party's move and the events behind it."""

    index: int
    start: datetime.date
    end: datetime.date
    moves: Mapping[str, NamedMove]
    events: tuple[Event, ...]
    origins: Mapping[str, tuple[Event, ...]] = field(default_factory=dict)
    """``PARTY.action`` or ``PARTY.offer:commitment`` -> the events it comes from."""
    notes: tuple[str, ...] = ()
    """Choices made in this round (a level kept over another, a revocation added)."""


@dataclass(frozen=True)
class MappedRecord:
    rounds: tuple[RecordedRound, ...]
    unmapped: tuple[tuple[Event, str], ...]

    def mapped_events(self) -> tuple[Event, ...]:
        """The events that became (part of) a move: those of the rounds not listed as unmapped."""
        left = {e for e, _ in self.unmapped}
        return tuple(e for r in self.rounds for e in r.events if e not in left)


def period_start(day: datetime.date, unit: str) -> datetime.date:
    if unit == "week":
        return day - datetime.timedelta(days=day.weekday())
    if unit == "quarter":
        return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)
    return day.replace(day=1)


def next_period(start: datetime.date, unit: str) -> datetime.date:
    if unit == "week":
        return start + datetime.timedelta(days=7)
    months = 3 if unit == "quarter" else 1
    m = start.month - 1 + months
    return start.replace(year=start.year + m // 12, month=m % 12 + 1, day=1)


def _periods(
    record: EventRecord, unit: str, since: datetime.date | None, until: datetime.date | None
) -> list[tuple[datetime.date, datetime.date]]:
    if unit not in UNITS:
        raise RecordError(
            record.path, [RecordIssue("round", f"the unit is one of {', '.join(UNITS)}", unit)]
        )
    first, last = record.events[0].date, record.events[-1].date
    issues = []
    if until is not None and until < first:
        issues.append(
            RecordIssue(
                "until", f"before the record's first event ({first.isoformat()})", until.isoformat()
            )
        )
    if since is not None and since > last:
        issues.append(
            RecordIssue(
                "from", f"after the record's last event ({last.isoformat()})", since.isoformat()
            )
        )
    if since is not None and until is not None and since > until:
        issues.append(
            RecordIssue("from", f"after --until ({until.isoformat()})", since.isoformat())
        )
    if issues:
        raise RecordError(record.path, issues)
    start, stop = period_start(since or first, unit), until or last
    out = []
    while start <= stop:
        nxt = next_period(start, unit)
        out.append((start, nxt - datetime.timedelta(days=1)))
        start = nxt
    return out


def _parties(codes: tuple[str, ...], mapping: EventMapping) -> tuple[str, ...]:
    return tuple(mapping.codes[c] for c in codes if c in mapping.codes)


def check_record(compiled: CompiledScenario, record: EventRecord, mapping: EventMapping) -> None:
    """Refuse codes neither parties nor the mapping's ``others``, and actions actors cannot take."""
    known = set(mapping.codes) | set(mapping.file.others)
    issues = []
    for e in record.events:
        for column, codes in (("actor", e.actors), ("target", e.targets)):
            for code in codes:
                if code not in known:
                    issues.append(
                        RecordIssue(
                            cell(e.row, column),
                            f"unknown actor: not a party of {compiled.scenario.id} nor one of its "
                            f"mapping's others ({', '.join(sorted(known))})",
                            code,
                        )
                    )
        if e.action is not None:
            parties = list(_parties(e.actors, mapping))
            problem = (
                action_problem(compiled, e.action, parties) if parties else "no actor is a party"
            )
            if problem:
                issues.append(RecordIssue(cell(e.row, "action"), problem, e.action))
    if issues:
        raise RecordError(record.path, issues)


@dataclass
class _Reading:
    """An event as moves: (party, action) taken and deals announced; or why it is none."""

    takes: list[tuple[str, str]] = field(default_factory=list)
    deals: list[str] = field(default_factory=list)
    reason: str | None = None


def _matches(rule: Rule, event: Event, actors: tuple[str, ...], targets: tuple[str, ...]) -> bool:
    w = rule.when
    return (
        (w.actors is None or set(w.actors) == set(actors))
        and (w.cameo is None or event.cameo.startswith(w.cameo))
        and (w.target is None or w.target in targets)
        and (w.date is None or w.date == event.date)
        and (w.body is None or w.body in event.actors)
    )


def read_event(event: Event, mapping: EventMapping) -> _Reading:
    """What one event is, before the round's rules of moves apply."""
    actors, targets = _parties(event.actors, mapping), _parties(event.targets, mapping)
    rules = mapping.file.rules
    if not actors:  # a body's act (the Security Council's): only its own rules read it
        rules = [r for r in rules if r.when.body is not None]
    if event.action is not None and actors:
        return _Reading(takes=[(p, event.action) for p in actors])
    for rule in rules:
        if _matches(rule, event, actors, targets):
            if rule.none is not None:
                return _Reading(reason=f"not modelled: {rule.none}")
            named = [(p, a) for p, acts in rule.moves.items() for a in acts]
            return _Reading(
                takes=[(p, a) for a in rule.take for p in actors] + named, deals=list(rule.deals)
            )
    if not actors:
        return _Reading(reason=f"actor not a party: {';'.join(event.actors)}")
    shown = f"{'+'.join(actors)} {event.cameo}" + (f" -> {'+'.join(targets)}" if targets else "")
    return _Reading(reason=f"no rule for {shown}")


@dataclass(frozen=True)
class _Catalogue:
    """What the rules of moves need to know of the scenario's actions."""

    base: dict[str, str]  # action name -> its action id (a level's action)
    rank: dict[str, int]  # level name -> its place, mildest first
    standing: set[str]  # action ids of standing policies
    revokes: dict[str, str]  # revocation id -> the policy it ends

    @staticmethod
    def of(compiled: CompiledScenario) -> _Catalogue:
        base, rank, revokes = {}, {}, {}
        for a in compiled.scenario.declared_actions:
            base[a.id] = a.id
            for i, level in enumerate(a.levels):
                base[f"{a.id}.{level.id}"] = a.id
                rank[f"{a.id}.{level.id}"] = i
            if a.revoked_by is not None:
                base[a.revoked_by.id] = a.revoked_by.id
                revokes[a.revoked_by.id] = a.id
            if a.reversed_by is not None:
                base[a.reversed_by.id] = a.reversed_by.id
        standing = {a.id for a in compiled.scenario.actions if a.standing}
        return _Catalogue(base, rank, standing, revokes)


Takes = dict[str, list[Event]]
"""A party's actions in a round being assembled: action name -> the events behind it."""


def map_record(
    compiled: CompiledScenario,
    record: EventRecord,
    mapping: EventMapping,
    *,
    unit: str = "month",
    since: datetime.date | None = None,
    until: datetime.date | None = None,
) -> MappedRecord:
    """The record as rounds of ``compiled`` (one per ``unit`` from ``since`` to ``until``)."""
    check_record(compiled, record, mapping)
    periods = _periods(record, unit, since, until)
    mapper = _Mapper.of(compiled, mapping)
    events = record.events
    cursor = 0
    while cursor < len(events) and events[cursor].date < periods[0][0]:
        mapper.unmapped.append((events[cursor], "outside the replayed period (before it)"))
        cursor += 1
    rounds = []
    for index, (start, end) in enumerate(periods):
        first = cursor
        while cursor < len(events) and events[cursor].date <= end:
            cursor += 1
        rounds.append(mapper.round(index, start, end, events[first:cursor]))
    mapper.unmapped += [(e, "outside the replayed period (after it)") for e in events[cursor:]]
    return MappedRecord(tuple(rounds), tuple(sorted(mapper.unmapped, key=lambda u: u[0].row)))


@dataclass
class _Mapper:
    """Walks the record's periods in order, carrying the standing policies in force."""

    parties: tuple[str, ...]
    mapping: EventMapping
    cat: _Catalogue
    deal_offers: dict[str, list[tuple[str, str]]]  # deal -> (party, commitment) of its members
    commitment_action: dict[str, str]
    unmapped: list[tuple[Event, str]] = field(default_factory=list)
    in_force: dict[tuple[str, str], tuple[str, datetime.date]] = field(default_factory=dict)
    """(party, policy) -> the action or level in force and the day it started."""

    @staticmethod
    def of(compiled: CompiledScenario, mapping: EventMapping) -> _Mapper:
        s = compiled.scenario
        party = {c.id: c.party for c in s.commitments}
        return _Mapper(
            compiled.parties,
            mapping,
            _Catalogue.of(compiled),
            {d.id: [(party[c], c) for c in d.commitments] for d in s.deals},
            {c.id: c.action for c in s.commitments},
        )

    def round(
        self, index: int, start: datetime.date, end: datetime.date, batch: tuple[Event, ...]
    ) -> RecordedRound:
        takes: dict[str, Takes] = {}
        offers: dict[str, Takes] = {}
        for event in batch:
            reading = read_event(event, self.mapping)
            if reading.reason is not None:
                self.unmapped.append((event, reading.reason))
            for party, name in reading.takes:
                takes.setdefault(party, {}).setdefault(name, []).append(event)
            for deal in reading.deals:
                for party, cid in self.deal_offers[deal]:
                    offers.setdefault(party, {}).setdefault(cid, []).append(event)
        notes: list[str] = []
        dropped: dict[Event, list[str]] = {}
        started = self._offered_policies(offers)
        for party, own in takes.items():
            notes += self._strongest(party, own, dropped)
            notes += self._standing(party, own, started, dropped)
        for (party, name), day in started.items():
            held = self.in_force.get((party, self.cat.base[name]))
            if held is None or held[0] != name:
                self.in_force[(party, self.cat.base[name])] = (name, day)
        used = {
            e for kind in (takes, offers) for own in kind.values() for v in own.values() for e in v
        }
        for e in batch:
            if e in dropped and e not in used:
                self.unmapped.append((e, "; ".join(dict.fromkeys(dropped[e]))))
        moves = {p: NamedMove(takes.get(p, {}), offers.get(p, {})) for p in self.parties}
        origins = {f"{p}.{a}": tuple(v) for p, own in takes.items() for a, v in own.items()}
        origins |= {f"{p}.offer:{c}": tuple(v) for p, own in offers.items() for c, v in own.items()}
        return RecordedRound(index, start, end, moves, batch, origins, tuple(notes))

    def _offered_policies(self, offers: dict[str, Takes]) -> dict[tuple[str, str], datetime.date]:
        """Standing policies committed in deals announced this round: they start (or carry on)."""
        started: dict[tuple[str, str], datetime.date] = {}
        for party, own in offers.items():
            for cid, events in own.items():
                action = self.commitment_action[cid]
                if self.cat.base[action] in self.cat.standing:
                    started.setdefault((party, action), min(e.date for e in events))
        return started

    def _strongest(self, party: str, own: Takes, dropped: dict[Event, list[str]]) -> list[str]:
        """One level per move: keep the strongest level of each graded action."""
        by_base: dict[str, list[str]] = {}
        for name in own:
            if name in self.cat.rank:
                by_base.setdefault(self.cat.base[name], []).append(name)
        notes = []
        for names in by_base.values():
            names.sort(key=self.cat.rank.__getitem__)
            for weaker in names[:-1]:
                notes.append(f"{party}: {names[-1]} kept over {weaker} (one level per move)")
                _drop(own, weaker, f"superseded by {party}.{names[-1]} in its round", dropped)
        return notes

    def _standing(
        self,
        party: str,
        own: Takes,
        started: dict[tuple[str, str], datetime.date],
        dropped: dict[Event, list[str]],
    ) -> list[str]:
        """Standing policies: once in the round they start; revoked only while in force."""
        notes = []
        for pid, policy in self.mapping.file.policies.items():
            ender = next((n for n in policy.ended_by if n in own), None)
            revocation = next((r for r, p in self.cat.revokes.items() if p == pid), None)
            if ender and (party, pid) in self.in_force and revocation and revocation not in own:
                own[revocation] = list(own[ender])
                notes.append(f"{party}: {ender} while {pid} is in force ends it ({revocation})")
        for name in list(own):
            base = self.cat.base[name]
            if base in self.cat.standing and (party, name) not in started:
                held = self.in_force.get((party, base))
                if held is not None and held[0] == name:
                    since = held[1].isoformat()
                    _drop(own, name, f"{party}.{name} already in force since {since}", dropped)
                else:
                    started[(party, name)] = min(e.date for e in own[name])
            elif name in self.cat.revokes:
                ended = self.cat.revokes[name]
                if self.in_force.pop((party, ended), None) is None:
                    why = f"{party}.{name} revokes {ended}, which is not in force"
                    _drop(own, name, why, dropped)
        return notes


def _drop(own: Takes, name: str, why: str, dropped: dict[Event, list[str]]) -> None:
    for e in own.pop(name):
        dropped.setdefault(e, []).append(why)


def mapping_rows(mapped: MappedRecord) -> list[dict[str, Any]]:
    """The mapping table: one row per round and party with a move (events -> round -> move)."""
    rows = []
    for rnd in mapped.rounds:
        for party, move in rnd.moves.items():
            if not (move.actions or move.offers):
                continue
            keys = [f"{party}.{a}" for a in move.actions] + [
                f"{party}.offer:{c}" for c in move.offers
            ]
            evs = dict.fromkeys(e for k in keys for e in rnd.origins.get(k, ()))
            rows.append(
                {
                    "round": rnd.index,
                    "start": rnd.start.isoformat(),
                    "end": rnd.end.isoformat(),
                    "party": party,
                    "actions": list(move.actions),
                    "offers": list(move.offers),
                    "events": [e.label() for e in evs],
                }
            )
    return rows


def mapped_payload(mapped: MappedRecord) -> dict[str, Any]:
    """The mapped record as JSON-ready data (the rounds' moves, notes, and the unmapped events)."""
    return {
        "moves": mapping_rows(mapped),
        "notes": [{"round": r.index, "note": n} for r in mapped.rounds for n in r.notes],
        "unmapped": [
            {"row": e.row, "event": e.label(), "description": e.description, "reason": why}
            for e, why in mapped.unmapped
        ],
    }
