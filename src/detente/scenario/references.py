"""Cross-reference checks on a raw scenario document.

These run on the plain YAML data, tolerating sections that fail type
validation, so that one run reports every broken reference together with
every type error. Each check names the path of the offending value.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from detente.scenario.errors import ScenarioIssue, format_path
from detente.scenario.initial import check_initial
from detente.scenario.institutions import check_in_force, check_institutions, vote_actions
from detente.scenario.schema import VOTES

Path = tuple[str | int, ...]

COUNTERS = ("revoked_by", "reversed_by")
"""The fields of an action that declare a counter-action (an action of its own)."""


def _items(data: Any, key: str, base: Path = ()) -> Iterator[tuple[Path, Mapping[str, Any]]]:
    """The mapping elements of list ``data[key]`` with their paths; others are skipped."""
    seq = data.get(key) if isinstance(data, Mapping) else None
    if isinstance(seq, list):
        for i, item in enumerate(seq):
            if isinstance(item, Mapping):
                yield (*base, key, i), item


def _strings(data: Any, key: str, base: Path) -> Iterator[tuple[Path, str]]:
    """The string elements of list ``data[key]`` with their paths."""
    seq = data.get(key) if isinstance(data, Mapping) else None
    if isinstance(seq, list):
        for i, item in enumerate(seq):
            if isinstance(item, str):
                yield (*base, key, i), item


def _join(choices: list[str]) -> str:
    return ", ".join(choices) if choices else "(none defined)"


@dataclass
class _Index:
    """The ids a document defines, collected leniently."""

    parties: list[str] = field(default_factory=list)
    actors: dict[str, set[str]] = field(default_factory=dict)
    vague_actors: set[str] = field(default_factory=set)
    """Actions whose ``actors`` is not a list, so who may take them is unknown."""
    has_parties: bool = False
    has_actions: bool = False
    has_stages: bool = False
    """Whether each defining section is a list. References into a section that is
    absent or malformed are not reported one by one: that section's own error says it."""
    action_stages: dict[str, set[str] | None] = field(default_factory=dict)
    levels: dict[str, list[str]] = field(default_factory=dict)
    """Graded actions: their level ids, mildest first."""
    counters: dict[str, str] = field(default_factory=dict)
    """Counter-actions (revocations, reversals): the action each one undoes."""
    institutions: set[str] = field(default_factory=set)
    votes: set[str] = field(default_factory=set)
    """Resolutions: each is its members' vote, an action with the levels of ``VOTES``."""
    commitments: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    deals: dict[str, list[str]] = field(default_factory=dict)
    stages: list[str] = field(default_factory=list)
    track_levels: dict[str, list[str]] = field(default_factory=dict)


def _ids(data: Any, key: str, base: Path = ()) -> list[tuple[Path, str]]:
    return [((*p, "id"), str(item["id"])) for p, item in _items(data, key, base) if "id" in item]


class _Checker:
    def __init__(self, doc: Mapping[str, Any]) -> None:
        self.doc = doc
        self.issues: list[ScenarioIssue] = []
        self.ix = self._index()

    def add(self, path: Path, message: str, value: Any) -> None:
        self.issues.append(ScenarioIssue(format_path(path), message, value))

    def _index(self) -> _Index:
        ix = _Index()
        ix.parties = [v for _, v in _ids(self.doc, "parties")]
        ix.has_parties = isinstance(self.doc.get("parties"), list)
        ix.has_actions = isinstance(self.doc.get("actions"), list)
        declared = {str(action.get("id")) for _, action in _items(self.doc, "actions")}
        for _, action in _items(self.doc, "actions"):
            aid = str(action.get("id"))
            actors = action.get("actors")
            ix.actors.setdefault(aid, set())  # a duplicate id adds its actors, not replaces them
            if isinstance(actors, list):
                ix.actors[aid] |= {a for a in actors if isinstance(a, str)}
            else:
                ix.vague_actors.add(aid)
            stages = action.get("stages")
            ix.action_stages[aid] = (
                {s for s in stages if isinstance(s, str)} if isinstance(stages, list) else None
            )
            levels = [v for _, v in _ids(action, "levels")]
            if levels:
                ix.levels[aid] = levels
            for key in COUNTERS:
                counter = action.get(key)
                clash = isinstance(counter, Mapping) and counter.get("id") in declared
                if (
                    isinstance(counter, Mapping)
                    and isinstance(counter.get("id"), str)
                    and not clash
                ):
                    ix.counters.setdefault(counter["id"], aid)
                    ix.actors.setdefault(counter["id"], set()).update(ix.actors[aid])
                    if aid in ix.vague_actors:
                        ix.vague_actors.add(counter["id"])
        ix.institutions = {str(i.get("id")) for _, i in _items(self.doc, "institutions")}
        for _, vote, members in vote_actions(self.doc):
            ix.actors.setdefault(vote, set()).update(members)
            ix.levels[vote] = list(VOTES)
            ix.votes.add(vote)
        for _, com in _items(self.doc, "commitments"):
            ix.commitments[str(com.get("id"))] = com
        for _, deal in _items(self.doc, "deals"):
            coms = deal.get("commitments")
            ix.deals[str(deal.get("id"))] = (
                [c for c in coms if isinstance(c, str)] if isinstance(coms, list) else []
            )
        roadmap = self.doc.get("roadmap")
        ix.stages = [v for _, v in _ids(roadmap, "stages")]
        ix.has_stages = isinstance(roadmap, Mapping) and isinstance(roadmap.get("stages"), list)
        for _, track in _items(self.doc, "tracks"):
            levels = ix.track_levels.setdefault(str(track.get("id")), [])
            levels += [v for _, v in _ids(track, "levels")]  # a duplicate track adds its levels
        return ix

    # --- reference kinds -------------------------------------------------
    def party(self, path: Path, value: Any) -> bool:
        if isinstance(value, str) and value not in self.ix.parties and self.ix.has_parties:
            self.add(path, f"unknown party (expected one of: {_join(self.ix.parties)})", value)
            return False
        return isinstance(value, str)

    def action(self, path: Path, value: Any) -> bool:
        if isinstance(value, str) and value not in self.ix.actors and self.ix.has_actions:
            self.add(
                path, f"unknown action (expected one of: {_join(sorted(self.ix.actors))})", value
            )
            return False
        return isinstance(value, str)

    def graded(self, path: Path, action: str, level: str | None, exact: bool, value: Any) -> None:
        """Report a level named on an ungraded action, an unknown level, or (``exact``) a
        graded action named without a level."""
        levels = self.ix.levels.get(action)
        if level is not None and levels is None and action in self.ix.actors:
            self.add(path, f"action {action} has no levels (it is not a graded action)", value)
        elif level is not None and levels is not None and level not in levels:
            self.add(path, f"unknown level of {action} (expected one of: {_join(levels)})", value)
        elif level is None and levels is not None and exact:
            self.add(
                path,
                f"{action} is a graded action: name a level ({action}.LEVEL, one of: "
                f"{_join(levels)})",
                value,
            )

    def action_ref(self, path: Path, value: Any, exact: bool, counters: bool) -> str | None:
        """Check ``action`` or ``action.level``; the declared action's id when it is known.

        ``exact``: a graded action must be named with a level; ``counters``:
        a counter-action may be named.
        """
        if not isinstance(value, str):
            return None
        action, _, level = value.partition(".")
        if not self.action(path, action):
            return None
        if action in self.ix.counters and not counters:
            self.add(
                path,
                f"{action} undoes {self.ix.counters[action]} (a revocation or reversal): it is "
                "taken outright, not promised",
                value,
            )
            return None
        self.graded(path, action, level or None, exact, value)
        return action

    def can_take(self, path: Path, party: str, action: str, value: Any) -> None:
        """Report ``value``, found at ``path``, if ``party`` cannot take ``action``."""
        actors = self.ix.actors.get(action, set())
        known = party in self.ix.parties and action in self.ix.actors
        if known and action not in self.ix.vague_actors and party not in actors:
            allowed = _join(sorted(actors))
            self.add(
                path,
                f"party {party} cannot take action {action} (its actors are: {allowed})",
                value,
            )

    def slot(self, path: Path, value: Any, exact: bool = False) -> None:
        """Check ``PARTY.action`` or ``PARTY.action.level``; ``exact``: a graded action needs
        its level (utilities value exact levels)."""
        if not isinstance(value, str) or value.count(".") not in (1, 2):
            return
        party, action, *level = value.split(".")
        if party in self.ix.institutions:
            self.add(
                path,
                f"{party} is an institution: its policies are read by criteria's in_force "
                "(not by commitments, triggers or utilities)",
                value,
            )
            return
        if action in self.ix.actors:
            self.graded(path, action, level[0] if level else None, exact, value)
        known_party = party in self.ix.parties or not self.ix.has_parties
        known_action = action in self.ix.actors or not self.ix.has_actions
        if not known_party:
            self.add(
                path, f"unknown party {party!r} (expected one of: {_join(self.ix.parties)})", value
            )
        if not known_action:
            self.add(
                path,
                f"unknown action {action!r} (expected one of: {_join(sorted(self.ix.actors))})",
                value,
            )
        if known_party and known_action:
            self.can_take(path, party, action, value)

    def stage(self, path: Path, value: Any) -> None:
        if isinstance(value, str) and value not in self.ix.stages and self.ix.has_stages:
            self.add(path, f"unknown stage (expected one of: {_join(self.ix.stages)})", value)

    def deal(self, path: Path, value: Any) -> None:
        if isinstance(value, str) and value not in self.ix.deals:
            self.add(path, f"unknown deal (expected one of: {_join(sorted(self.ix.deals))})", value)

    def pair(self, path: Path, value: Any) -> None:
        if not isinstance(value, list):
            return
        for i, p in enumerate(value):
            self.party((*path, i), p)
        if len(value) == 2 and value[0] == value[1] and isinstance(value[0], str):
            self.add(path, "a trust pair needs two different parties", value)

    def criteria(self, path: Path, crit: Any) -> None:
        if not isinstance(crit, Mapping):
            return
        for key in ("trust",):
            for p, item in _items(crit, key, path):
                self.pair((*p, "pair"), item.get("pair"))
        for p, value in _strings(crit, "deals_in_force", path):
            self.deal(p, value)
        for p, item in _items(crit, "tracks", path):
            track = item.get("track")
            if isinstance(track, str) and track not in self.ix.track_levels:
                self.add(
                    (*p, "track"),
                    f"unknown track (expected one of: {_join(sorted(self.ix.track_levels))})",
                    track,
                )
            elif isinstance(track, str):
                levels = self.ix.track_levels[track]
                level = item.get("level")
                if isinstance(level, str) and level not in levels:
                    self.add(
                        (*p, "level"),
                        f"unknown level of track {track} (expected one of: {_join(levels)})",
                        level,
                    )
        for key in ("taken", "executed", "succeeded"):
            for p, value in _strings(crit, key, path):
                self.slot(p, value)
        for p, value in _strings(crit, "in_force", path):
            self.issues += check_in_force(self.doc, p, value)
        for p, alternative in _items(crit, "any_of", path):
            self.criteria(p, alternative)

    def trigger(self, path: Path, trig: Any) -> None:
        if not isinstance(trig, Mapping):
            return
        for p, value in _strings(trig, "executed", path):
            self.slot(p, value)
        for p, item in _items(trig, "trust_below", path):
            self.pair((*p, "pair"), item.get("pair"))

    # --- sections ----------------------------------------------------------
    def duplicates(self) -> None:
        roadmap = self.doc.get("roadmap")
        counter_ids = [
            ((*p, key, "id"), str(action[key]["id"]))
            for p, action in _items(self.doc, "actions")
            for key in COUNTERS
            if isinstance(action.get(key), Mapping) and "id" in action[key]
        ]
        groups: list[list[tuple[Path, str]]] = [
            _ids(self.doc, "parties"),
            _ids(self.doc, "actions")
            + counter_ids
            + [(p, v) for p, v, _ in vote_actions(self.doc)],  # one namespace for all
            _ids(self.doc, "commitments"),
            _ids(self.doc, "deals"),
            _ids(self.doc, "tracks"),
            _ids(roadmap, "stages", ("roadmap",)),
        ]
        for p, stage in _items(roadmap, "stages", ("roadmap",)):
            groups.append(_ids(stage, "breakdown", p))
        for p, track in _items(self.doc, "tracks"):
            groups.append(_ids(track, "levels", p))
        for p, action in _items(self.doc, "actions"):
            groups.append(_ids(action, "levels", p))
        for group in groups:
            counts = Counter(v for _, v in group)
            seen: set[str] = set()
            for path, value in group:
                if counts[value] > 1 and value in seen:
                    self.add(path, "duplicate id", value)
                seen.add(value)

    def actions(self) -> None:
        for p, action in _items(self.doc, "actions"):
            for q, actor in _strings(action, "actors", p):
                self.party(q, actor)
            for q, stage in _strings(action, "stages", p):
                self.stage(q, stage)
            if action.get("stages") == []:
                self.add(
                    (*p, "stages"),
                    "an action available in no stage can never be taken "
                    "(omit stages to make it available in all)",
                    [],
                )
            self.policy(p, action)
            for q, broken in _strings(action, "breaks", p):
                self.action_ref(q, broken, exact=False, counters=False)
            outcome = action.get("outcome")
            when = outcome.get("succeeds_if") if isinstance(outcome, Mapping) else None
            for q, deal in _strings(when, "any_deal_cleared", (*p, "outcome", "succeeds_if")):
                self.deal(q, deal)
            for q, slot in _strings(when, "any_executed", (*p, "outcome", "succeeds_if")):
                self.slot(q, slot)
            for q, level in _items(action, "levels", p):
                for r, stage in _strings(level, "stages", q):
                    self.stage(r, stage)
                if level.get("stages") == []:
                    self.add((*q, "stages"), "a level available in no stage can never be taken", [])
                for r, broken in _strings(level, "breaks", q):
                    self.action_ref(r, broken, exact=False, counters=False)

    def policy(self, path: Path, action: Mapping[str, Any]) -> None:
        """The standing, revocation and reversal fields of one action, and their ids."""
        standing = action.get("standing") is True
        repeatable = action.get("repeatable", True) is not False
        if standing and not repeatable:
            self.add(
                (*path, "repeatable"),
                "a standing policy is repeatable (it can be taken again once revoked); "
                "drop repeatable: false, or standing: true for a one-off act",
                False,
            )
        if isinstance(action.get("revoked_by"), Mapping) and not standing:
            self.add(
                (*path, "revoked_by"),
                "only a standing policy (standing: true) can be revoked; a per-round action "
                "ends when it is not taken",
                action.get("id"),
            )
        if isinstance(action.get("reversed_by"), Mapping) and repeatable:
            self.add(
                (*path, "reversed_by"),
                "only a one-off act (repeatable: false) can be reversed",
                action.get("id"),
            )

    def parties(self) -> None:
        for p, party in _items(self.doc, "parties"):
            pid = party.get("id")
            taken: dict[str, str] = {}  # declared action -> the first of its refs in the move
            for q, ref in _strings(party, "default_move", p):
                action = self.action_ref(q, ref, exact=True, counters=True)
                if action is not None and isinstance(pid, str):
                    self.can_take(q, pid, action, ref)
                own = self.ix.counters.get(action, action) if action is not None else None
                if own is not None and own in taken and taken[own] != ref:
                    self.add(
                        q,
                        f"a move takes at most one level of {own} (or it or its "
                        f"counter-action), and this default move also takes {taken[own]}",
                        ref,
                    )
                elif own is not None:
                    taken[own] = ref

    def utilities(self) -> None:
        utilities = self.doc.get("utilities")
        per_party = utilities.get("parties") if isinstance(utilities, Mapping) else None
        if not isinstance(per_party, Mapping):
            return
        base: Path = ("utilities", "parties")
        for pid, util in per_party.items():
            self.party((*base, pid), pid)
            if not isinstance(util, Mapping):
                continue
            linear = util.get("linear")
            if isinstance(linear, Mapping):
                for slot in linear:
                    self.slot((*base, pid, "linear", slot), slot, exact=True)
            for q, term in _items(util, "pairwise", (*base, pid)):
                slots = term.get("slots")
                if isinstance(slots, list):
                    for i, slot in enumerate(slots):
                        self.slot((*q, "slots", i), slot, exact=True)

    def commitments(self) -> None:
        for p, com in _items(self.doc, "commitments"):
            party, ref = com.get("party"), com.get("action")
            ok_party = self.party((*p, "party"), party)
            action = self.action_ref((*p, "action"), ref, exact=True, counters=False)
            if action in self.ix.votes:
                self.add((*p, "action"), f"{action} is a vote: votes are cast outright", ref)
            elif ok_party and action is not None:
                self.can_take((*p, "action"), str(party), action, ref)
            for key in ("if", "conditions"):  # the field's alias, and its name
                for q, cond in _strings(com, key, p):
                    self.slot(q, cond)
        owner: dict[str, str] = {}
        for p, deal in _items(self.doc, "deals"):
            for q, cid in _strings(deal, "commitments", p):
                if cid not in self.ix.commitments:
                    known = _join(sorted(self.ix.commitments))
                    self.add(q, f"unknown commitment (expected one of: {known})", cid)
                elif cid in owner:
                    self.add(q, f"commitment already belongs to deal {owner[cid]}", cid)
                else:
                    owner[cid] = str(deal.get("id"))

    def tracks(self) -> None:
        for p, track in _items(self.doc, "tracks"):
            for q, party in _strings(track, "parties", p):
                self.party(q, party)
            for q, level in _items(track, "levels", p):
                self.criteria((*q, "criteria"), level.get("criteria"))

    def noise_and_trust(self) -> None:
        noise = self.doc.get("noise")
        observers = noise.get("observers") if isinstance(noise, Mapping) else None
        if isinstance(observers, Mapping):
            for pid in observers:
                self.party(("noise", "observers", pid), pid)
        for p, prior in _items(self.doc.get("trust"), "priors", ("trust",)):
            self.pair((*p, "pair"), prior.get("pair"))

    def readings(self) -> None:
        """Who reads whose act: known parties, an actor who can take the action, one reading
        per (observer, slot), a failed reading only for an action that can fail."""
        can_fail = {
            str(a.get("id")) for _, a in _items(self.doc, "actions") if a.get("outcome") is not None
        }
        read: dict[tuple[str, str, str], Path] = {}
        for p, reading in _items(self.doc, "readings"):
            observer, actor, action = (reading.get(k) for k in ("observer", "actor", "action"))
            ok_observer = self.party((*p, "observer"), observer)
            ok_actor = actor is None or self.party((*p, "actor"), actor)
            if not (self.action((*p, "action"), action) and ok_observer and ok_actor):
                continue
            if actor is not None:
                self.can_take((*p, "actor"), str(actor), str(action), actor)
            others = {str(actor)} if actor is not None else self.ix.actors.get(str(action), set())
            others = others - {observer}
            if not others and str(action) not in self.ix.vague_actors:
                self.add(
                    (*p, "observer"),
                    f"{observer} would read only its own act (a party's trust in itself is 1)",
                    observer,
                )
            if "failed" in reading and action in self.ix.actors and action not in can_fail:
                self.add(
                    (*p, "failed"),
                    f"action {action} has no outcome, so it never fails",
                    reading["failed"],
                )
            level = reading.get("level")
            if isinstance(level, str) and level not in self.ix.levels.get(str(action), [level]):
                self.graded((*p, "level"), str(action), level, False, level)
            elif isinstance(level, str) and str(action) not in self.ix.levels:
                self.add((*p, "level"), f"action {action} has no levels", level)
            for who in sorted(others):
                key = (str(observer), who, f"{action}.{level}" if level else str(action))
                if key in read:
                    first = format_path(read[key])
                    self.add(p, f"{observer} already reads {who}.{action} at {first}", reading)
                read.setdefault(key, p)

    def roadmap(self) -> None:
        roadmap = self.doc.get("roadmap")
        stalls = False
        for p, stage in _items(roadmap, "stages", ("roadmap",)):
            self.criteria((*p, "entry"), stage.get("entry"))
            self.criteria((*p, "exit"), stage.get("exit"))
            for q, rule in _items(stage, "breakdown", p):
                self.trigger((*q, "when"), rule.get("when"))
                stalls = stalls or rule.get("then") == "stall"
                if rule.get("then") == "back" and p[-1] == 0:
                    self.add((*q, "then"), "the first stage has no stage to fall back to", "back")
        for p, crit in _items(roadmap, "resume", ("roadmap",)):
            self.criteria(p, crit)
        success = roadmap.get("success") if isinstance(roadmap, Mapping) else None
        if isinstance(success, Mapping):
            self.criteria(("roadmap", "success", "criteria"), success.get("criteria"))
        resume = roadmap.get("resume") if isinstance(roadmap, Mapping) else None
        if stalls and not resume:
            self.add(
                ("roadmap", "resume"),
                "breakdown rules can stall the process but no resume criteria are given "
                "(stalled is not dead: say when talks resume)",
                resume,
            )

    def run(self) -> list[ScenarioIssue]:
        self.duplicates()
        self.parties()
        self.actions()
        self.utilities()
        self.commitments()
        self.tracks()
        self.noise_and_trust()
        self.readings()
        self.roadmap()
        check_initial(self)
        self.issues += check_institutions(self.doc, self.ix.stages)
        return self.issues


def check_references(doc: Mapping[str, Any]) -> list[ScenarioIssue]:
    """Every broken cross reference in a raw scenario document."""
    return _Checker(doc).run()
