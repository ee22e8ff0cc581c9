"""Limits on what reading a scenario may cost, checked before the cost is paid.

Scenario YAML comes from files an analyst wrote and from anonymous uploads to
the live server. Three things make reading it expensive, and each is checked
as early and as cheaply as it can be:

* the size of the text (checked first);
* its structure: YAML aliases repeat a node without repeating its text, so
  567 bytes can stand for 9**7 nodes that validation walks one by one, and deep
  nesting exhausts a recursive composer. :func:`check_structure` reads the
  parser's *event stream* (not recursive; in C when libyaml is there), counts
  nodes with every alias expanded and tracks the nesting depth, and stops at
  the first event past a limit: its work grows with the text, never with the
  expanded size;
* the counts that size the compiled scenario (parties, actions, slots,
  commitments, ...): :func:`check_counts` reads them on the raw document,
  before validation and compilation.

:data:`FILE_LIMITS` are for files and the command line (structure only, so no
real scenario is refused); :data:`UPLOAD_LIMITS` are what the server applies
to uploads. Every refusal is a :class:`ScenarioError` whose issue names the
limit (``ScenarioLimits.max_parties``) and what was found.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, Protocol

import yaml
from yaml.events import (
    AliasEvent,
    CollectionEndEvent,
    CollectionStartEvent,
    DocumentStartEvent,
    ScalarEvent,
)

from detente.scenario.errors import ScenarioError, ScenarioIssue, clip

DEPTH_CEILING = 200
"""The deepest ``max_depth`` may be: the pure-Python composer recurses twice per level."""


@dataclass(frozen=True)
class ScenarioLimits:
    """How much a scenario may ask of the machine that reads it; None is no limit.

    Attributes:
        max_bytes: UTF-8 bytes of the YAML text.
        max_nodes: YAML nodes (scalars, sequences and mappings), every alias
            counted as the full, expanded size of the node it refers to: what
            constructing and validating the document walks.
        max_depth: nesting of sequences and mappings (at most
            :data:`DEPTH_CEILING`, so that no composer runs out of stack).
        max_parties: entries of ``parties``; the engine's state holds P x P
            trust and evidence, and its perception P x K.
        max_actions: compiled actions: entries of ``actions``, each level of a
            graded action and each revocation or reversal counting one.
        max_slots: party-action slots, the actors of every compiled action
            added up (levels and counter-actions included): the engine's K.
            Compiling builds a (K + 1) x (K + 1) table of miss probabilities
            per distinct miss rate, in time and memory that grow with K squared.
        max_observers: entries of ``noise.observers``, parties with noise of
            their own: each may add a distinct miss rate, and so one more of
            those (K + 1) x (K + 1) tables.
        max_commitments: entries of ``commitments``.
        max_deals: entries of ``deals`` (checking reachability looks deals up
            once per reference).
        max_stages: entries of ``roadmap.stages`` (checking reachability
            compares every stage with every earlier one).
        max_tracks: entries of ``tracks`` (compiling looks tracks up once per
            reference).
        max_pairwise: pairwise utility terms, over all parties; the engine
            evaluates each, for each party, every round.
        max_any_of_depth: nesting of ``any_of`` alternatives in any criteria
            block (1: alternatives without alternatives of their own);
            validation and compilation recurse once per level.
        max_readings: entries of ``readings``. Valid readings are at most one
            per (observer, slot), and the engine's reading tables are P x K
            whatever their number, so the cap only bounds the list that
            validation walks (a reading naming no actor stands for each actor
            of its action).
        max_resolutions: resolutions of every institution, added up; each is
            an action of three levels (the votes) for each member, counted in
            ``max_actions`` and ``max_slots`` too, and a row of the tally.
        subject: who the limits are for, as refusals name them (``an upload
            may have at most 32``).
    """

    max_bytes: int | None = None
    max_nodes: int = 1_000_000
    max_depth: int = 100
    max_parties: int | None = None
    max_actions: int | None = None
    max_slots: int | None = None
    max_observers: int | None = None
    max_commitments: int | None = None
    max_deals: int | None = None
    max_stages: int | None = None
    max_tracks: int | None = None
    max_pairwise: int | None = None
    max_any_of_depth: int | None = None
    max_readings: int | None = None
    max_resolutions: int | None = None
    subject: str = "a scenario"

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name != "subject" and value is not None and value < 1:
                raise ValueError(f"ScenarioLimits.{f.name} must be at least 1, got {value}")
        if self.max_depth > DEPTH_CEILING:
            raise ValueError(
                f"ScenarioLimits.max_depth must be at most {DEPTH_CEILING}, got {self.max_depth}"
            )


FILE_LIMITS = ScenarioLimits(subject="a scenario file")
"""Files and the command line: structure only, no counts. A million expanded
nodes and 100 levels of nesting (korea has 1,283 nodes and 8 levels) refuse
alias bombs and runaway nesting, never a scenario someone wrote."""

UPLOAD_LIMITS = ScenarioLimits(
    max_bytes=256 * 1024,
    max_nodes=20_000,
    max_depth=32,
    max_parties=32,
    max_actions=64,
    max_slots=256,
    max_observers=8,
    max_commitments=256,
    max_deals=128,
    max_stages=32,
    max_tracks=32,
    max_pairwise=256,
    max_any_of_depth=4,
    max_readings=512,
    max_resolutions=32,
    subject="an upload",
)
"""What the server accepts from anonymous uploads.

Korea (6 parties, 13 actions, 32 slots, 2 observers, 26 commitments, 7 deals,
3 stages, 1 track, 3 pairwise terms; 1,283 nodes, 8 levels, 17.5 KB) is far
inside every limit. Measured (CPU time; tracemalloc peak): a scenario at every
limit at once (8,100 nodes, 49 KB) parses and validates in ~45 ms, compiles in
~55 ms and starts and steps a batch of one in ~1 ms, at 16 MB. Slots and
observers are the costly counts: compiling 256 slots takes ~50 ms and 15 MB
with 9 distinct miss rates but ~100 ms and 51 MB with 33, and 512 slots
~270 ms and 57 MB with 9. Without the counts, 20,000 nodes spent on stages
(quadratic reachability checks) cost ~0.3 s to validate and ~0.35 s to compile.
"""


def _refuse(source: str, where: str, message: str) -> ScenarioError:
    return ScenarioError(source, [ScenarioIssue(where, message, None, has_value=False)])


class _Mark(Protocol):
    """A place in the text: PyYAML's and libyaml's marks both have these."""

    line: int
    column: int


def _at(mark: _Mark | None) -> str:
    return "<root>" if mark is None else f"line {mark.line + 1}, column {mark.column + 1}"


def utf8_size(text: str) -> int:
    """Bytes of ``text`` in UTF-8 (a lone surrogate counted as three)."""
    return len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))


def check_size(text: str, source: str, limits: ScenarioLimits) -> None:
    """Refuse text longer than ``limits.max_bytes``."""
    cap = limits.max_bytes
    if cap is not None and (size := utf8_size(text)) > cap:
        raise _refuse(
            source,
            "<root>",
            f"the scenario is {size:,} bytes long; {limits.subject} may have at most "
            f"{cap:,} (ScenarioLimits.max_bytes)",
        )


_OPEN = -1
"""The size of an anchored collection that is still open: an alias to it is recursive."""

NESTING_PROBLEM = "exceeded maximum nesting depth"
"""libyaml's own limit (1,000 levels), which its scanner can reach before any event."""


def depth_error(source: str, limits: ScenarioLimits, mark: _Mark | None) -> ScenarioError:
    """The refusal of nesting deeper than ``limits.max_depth``, found at ``mark``."""
    return _refuse(
        source,
        _at(mark),
        f"nesting deeper than {limits.max_depth} levels; {limits.subject} may nest at most "
        f"{limits.max_depth} (ScenarioLimits.max_depth)",
    )


Loader = type[yaml.SafeLoader] | type[yaml.CSafeLoader]
"""A safe loader class, in Python or in C."""


def check_structure(
    text: str, source: str, limits: ScenarioLimits, loader: Loader = yaml.SafeLoader
) -> None:
    """Refuse too many nodes (aliases expanded), too deep nesting or a recursive alias.

    Reads ``loader``'s event stream once and keeps, per anchor, the expanded
    size of its node; an alias adds that size. The work is one step per event
    up to the first one past a limit, whatever the aliases expand to. YAML
    syntax errors are raised as they are (the caller reports them).
    """
    max_nodes, max_depth = limits.max_nodes, limits.max_depth
    nodes = 0
    aliased = False
    sizes: dict[str, int] = {}  # anchor -> expanded nodes (_OPEN while it is being read)
    open_: list[tuple[str | None, int]] = []  # (anchor, nodes before it) per open collection
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, ScalarEvent):
            nodes += 1
            if event.anchor is not None:
                sizes[event.anchor] = 1
        elif isinstance(event, CollectionStartEvent):
            nodes += 1
            open_.append((event.anchor, nodes - 1))
            if len(open_) > max_depth:
                raise depth_error(source, limits, event.start_mark)
            if event.anchor is not None:
                sizes[event.anchor] = _OPEN
        elif isinstance(event, CollectionEndEvent):
            anchor, before = open_.pop()
            if anchor is not None:
                sizes[anchor] = nodes - before
            continue
        elif isinstance(event, AliasEvent):
            name = event.anchor or ""
            size = sizes.get(name, 1)  # an undefined alias: the composer reports it
            if size == _OPEN:
                raise _refuse(
                    source,
                    _at(event.start_mark),
                    f"the alias *{clip(name, 40)} is inside the node it refers to: "
                    "it would repeat forever (a recursive structure; no scenario needs one)",
                )
            nodes += size
            aliased = True
        elif isinstance(event, DocumentStartEvent):
            sizes.clear()  # anchors belong to one document
            continue
        else:
            continue
        if nodes > max_nodes:
            what = "aliases expand to" if aliased else "the scenario has"
            raise _refuse(
                source,
                _at(event.start_mark),
                f"{what} more than {max_nodes:,} YAML nodes ({nodes:,} by here); "
                f"{limits.subject} may have at most {max_nodes:,} (ScenarioLimits.max_nodes)",
            )


# --- counts on the raw document --------------------------------------------------


def _get(doc: Any, *keys: str) -> Any:
    for key in keys:
        doc = doc.get(key) if isinstance(doc, Mapping) else None
    return doc


def _length(*keys: str) -> Callable[[Any], int]:
    def count(doc: Any) -> int:
        value = _get(doc, *keys)
        return len(value) if isinstance(value, list) else 0

    return count


def _compiled(action: Any) -> int:
    """How many actions one declared action compiles to: each level, each counter-action."""
    if not isinstance(action, Mapping):
        return 0
    own = max(1, _length("levels")(action))
    return own + sum(isinstance(action.get(key), Mapping) for key in ("revoked_by", "reversed_by"))


def _resolutions(doc: Any) -> list[tuple[int, Any]]:
    """``(members, resolution)`` of every resolution: each is its members' vote, an action
    of three levels (in favour, against, abstain)."""
    return [
        (_length("members")(inst), res)
        for inst in _list(_get(doc, "institutions"))
        for res in _list(_get(inst, "resolutions"))
    ]


def _actions(doc: Any) -> int:
    actions = _get(doc, "actions")
    declared = sum(_compiled(a) for a in actions) if isinstance(actions, list) else 0
    return declared + 3 * len(_resolutions(doc))


def _slots(doc: Any) -> int:
    actions = _list(_get(doc, "actions"))
    votes = sum(3 * members for members, _ in _resolutions(doc))
    return sum(_length("actors")(a) * _compiled(a) for a in actions) + votes


def _observers(doc: Any) -> int:
    observers = _get(doc, "noise", "observers")
    return len(observers) if isinstance(observers, Mapping) else 0


def _pairwise(doc: Any) -> int:
    parties = _get(doc, "utilities", "parties")
    if not isinstance(parties, Mapping):
        return 0
    return sum(_length("pairwise")(u) for u in parties.values())


def _any_of_depth(criteria: Any) -> int:
    """How deep ``any_of`` alternatives nest in a raw criteria block (0 without any)."""
    alternatives = _get(criteria, "any_of")
    if not isinstance(alternatives, list) or not alternatives:
        return 0
    return 1 + max(_any_of_depth(alternative) for alternative in alternatives)


def _criteria_blocks(doc: Any) -> list[Any]:
    """Every criteria block of a raw document: stages' entry and exit, resume, success, tracks."""
    roadmap = _get(doc, "roadmap")
    stages = _get(roadmap, "stages")
    resume = _get(roadmap, "resume")
    tracks = _get(doc, "tracks")
    blocks = [_get(roadmap, "success", "criteria")]
    blocks += [_get(stage, key) for stage in _list(stages) for key in ("entry", "exit")]
    blocks += _list(resume)
    blocks += [
        _get(level, "criteria") for track in _list(tracks) for level in _list(_get(track, "levels"))
    ]
    return blocks


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _any_of_nesting(doc: Any) -> int:
    return max((_any_of_depth(block) for block in _criteria_blocks(doc)), default=0)


_COUNTS: tuple[tuple[str, str, str, Callable[[Any], int]], ...] = (
    # (limit, path, what is counted, how)
    ("max_parties", "parties", "parties", _length("parties")),
    ("max_actions", "actions", "actions (each level and counter-action counts one)", _actions),
    ("max_slots", "actions", "slots (actors of its actions, added up)", _slots),
    ("max_observers", "noise.observers", "observers with noise of their own", _observers),
    ("max_commitments", "commitments", "commitments", _length("commitments")),
    ("max_deals", "deals", "deals", _length("deals")),
    ("max_stages", "roadmap.stages", "stages", _length("roadmap", "stages")),
    ("max_tracks", "tracks", "tracks", _length("tracks")),
    ("max_pairwise", "utilities.parties", "pairwise utility terms", _pairwise),
    (
        "max_any_of_depth",
        "roadmap",
        "levels of any_of nesting in a criteria block",
        _any_of_nesting,
    ),
    ("max_readings", "readings", "readings", _length("readings")),
    (
        "max_resolutions",
        "institutions",
        "resolutions of institutions",
        lambda doc: len(_resolutions(doc)),
    ),
)


def check_counts(doc: Any, source: str, limits: ScenarioLimits) -> None:
    """Refuse a raw document with more parties, actions, ... than ``limits`` allow.

    One issue per limit exceeded. Sections that are missing or of the wrong
    type count as empty (validation reports them).
    """
    issues: list[ScenarioIssue] = []
    for name, path, what, count in _COUNTS:
        cap = getattr(limits, name)
        if cap is None:
            continue
        found = count(doc)
        if found > cap:
            issues.append(
                ScenarioIssue(
                    path,
                    f"the scenario has {found:,} {what}; {limits.subject} may have at most "
                    f"{cap:,} (ScenarioLimits.{name})",
                    has_value=False,
                )
            )
    if issues:
        raise ScenarioError(source, issues)
