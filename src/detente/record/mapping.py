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
    )


def read_event(event: Event, mapping: EventMapping) -> _Reading:
    """What one event is, before the round's rules of moves apply."""
    actors, targets = _parties(event.actors, mapping), _parties(event.targets, mapping)
    if not actors:
        return _Reading(reason=f"actor not a party: {';'.join(event.actors)}")
    if event.action is not None:
        return _Reading(takes=[(p, event.action) for p in actors])
    for rule in mapping.file.rules:
        if _matches(rule, event, actors, targets):
            if rule.none is not None:
                return _Reading(reason=f"not modelled: {rule.none}")
            return _Reading(
                takes=[(p, a) for a in rule.take for p in actors], deals=list(rule.deals)
            )
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
        for a in compiled.scenario.actions:
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


@dataclass
class _Round:
    """A round being assembled: per party, action -> events; offers -> events."""

    takes: dict[str, dict[str, list[Event]]] = field(default_factory=dict)
    offers: dict[str, dict[str, list[Event]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(
        self, kind: dict[str, dict[str, list[Event]]], party: str, name: str, event: Event
    ) -> None:
        kind.setdefault(party, {}).setdefault(name, []).append(event)


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
    cat = _Catalogue.of(compiled)
    members = {
        d.id: [(c, _commitment(compiled, c)) for c in d.commitments]
        for d in compiled.scenario.deals
    }
    unmapped: list[tuple[Event, str]] = []
    in_force: dict[tuple[str, str], tuple[str, datetime.date]] = {}
    rounds = []
    cursor = 0
    events = record.events
    while cursor < len(events) and events[cursor].date < periods[0][0]:
        unmapped.append((events[cursor], "outside the replayed period (before it)"))
        cursor += 1
    for index, (start, end) in enumerate(periods):
        batch = []
        while cursor < len(events) and events[cursor].date <= end:
            batch.append(events[cursor])
            cursor += 1
        rounds.append(
            _assemble(
                index,
                start,
                end,
                tuple(batch),
                compiled.parties,
                mapping,
                cat,
                members,
                in_force,
                unmapped,
            )
        )
    unmapped.extend((e, "outside the replayed period (after it)") for e in events[cursor:])
    unmapped.sort(key=lambda item: item[0].row)
    return MappedRecord(tuple(rounds), tuple(unmapped))


def _commitment(compiled: CompiledScenario, cid: str) -> tuple[str, str]:
    c = next(c for c in compiled.scenario.commitments if c.id == cid)
    return c.party, c.action


def _assemble(
    index: int,
    start: datetime.date,
    end: datetime.date,
    batch: tuple[Event, ...],
    parties: tuple[str, ...],
    mapping: EventMapping,
    cat: _Catalogue,
    members: dict[str, list[tuple[str, tuple[str, str]]]],
    in_force: dict[tuple[str, str], tuple[str, datetime.date]],
    unmapped: list[tuple[Event, str]],
) -> RecordedRound:
    r = _Round()
    dropped: dict[Event, list[str]] = {}
    used: set[Event] = set()
    for event in batch:
        reading = read_event(event, mapping)
        if reading.reason is not None:
            unmapped.append((event, reading.reason))
            continue
        for party, name in reading.takes:
            r.add(r.takes, party, name, event)
        for deal in reading.deals:
            for cid, (party, _) in members[deal]:
                r.add(r.offers, party, cid, event)
    started: dict[tuple[str, str], datetime.date] = {}
    for party, offers in r.offers.items():
        for cid, evs in offers.items():
            used.update(evs)
            action = next(a for c, (p, a) in _all(members) if c == cid)
            if cat.base[action] in cat.standing:
                started.setdefault((party, action), min(e.date for e in evs))
    for party, takes in r.takes.items():
        _strongest(party, takes, cat, r.notes, dropped)
        _standing(party, takes, cat, mapping, in_force, started, r.notes, dropped)
        for evs in takes.values():
            used.update(evs)
    for (party, action), since in started.items():
        held = in_force.get((party, cat.base[action]))
        if held is None or held[0] != action:
            in_force[(party, cat.base[action])] = (action, since)
    for event in batch:
        if event in dropped and event not in used:
            unmapped.append((event, "; ".join(dict.fromkeys(dropped[event]))))
    moves = {p: NamedMove(r.takes.get(p, {}), r.offers.get(p, {})) for p in parties}
    origins = {f"{p}.{a}": tuple(evs) for p, t in r.takes.items() for a, evs in t.items()}
    origins.update(
        {f"{p}.offer:{c}": tuple(evs) for p, o in r.offers.items() for c, evs in o.items()}
    )
    return RecordedRound(index, start, end, moves, batch, origins, tuple(r.notes))


def _all(
    members: dict[str, list[tuple[str, tuple[str, str]]]],
) -> list[tuple[str, tuple[str, str]]]:
    return [m for ms in members.values() for m in ms]


def _drop(
    takes: dict[str, list[Event]], name: str, why: str, dropped: dict[Event, list[str]]
) -> None:
    for e in takes.pop(name):
        dropped.setdefault(e, []).append(why)


def _strongest(
    party: str,
    takes: dict[str, list[Event]],
    cat: _Catalogue,
    notes: list[str],
    dropped: dict[Event, list[str]],
) -> None:
    """One level per move: keep the strongest level of each graded action."""
    by_base: dict[str, list[str]] = {}
    for name in takes:
        if name in cat.rank:
            by_base.setdefault(cat.base[name], []).append(name)
    for names in by_base.values():
        names.sort(key=cat.rank.__getitem__)
        for weaker in names[:-1]:
            notes.append(f"{party}: {names[-1]} kept over {weaker} (one level per move)")
            _drop(takes, weaker, f"superseded by {party}.{names[-1]} in its round", dropped)


def _standing(
    party: str,
    takes: dict[str, list[Event]],
    cat: _Catalogue,
    mapping: EventMapping,
    in_force: dict[tuple[str, str], tuple[str, datetime.date]],
    started: dict[tuple[str, str], datetime.date],
    notes: list[str],
    dropped: dict[Event, list[str]],
) -> None:
    """Standing policies: once in the round they start; revoked only while in force."""
    for pid, policy in mapping.file.policies.items():
        ender = next((n for n in policy.ended_by if n in takes), None)
        revocation = next((r for r, p in cat.revokes.items() if p == pid), None)
        if ender and (party, pid) in in_force and revocation and revocation not in takes:
            takes[revocation] = list(takes[ender])
            notes.append(f"{party}: {ender} while {pid} is in force ends it ({revocation})")
    for name in list(takes):
        base = cat.base[name]
        if base in cat.standing:
            held = in_force.get((party, base))
            if (party, name) in started:
                continue
            if held is not None and held[0] == name:
                since = held[1].isoformat()
                _drop(takes, name, f"{party}.{name} already in force since {since}", dropped)
            else:
                started[(party, name)] = min(e.date for e in takes[name])
        elif name in cat.revokes:
            ended = cat.revokes[name]
            if (party, ended) in in_force:
                del in_force[(party, ended)]
            else:
                _drop(
                    takes, name, f"{party}.{name} revokes {ended}, which is not in force", dropped
                )


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
