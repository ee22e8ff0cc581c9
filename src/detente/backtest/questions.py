"""Yes/no questions over a window of rounds, read from YAML and checked against the scenario.

A question file is a mapping with one key, ``questions``: a list of

* ``id`` (an identifier, unique in the file) and ``title`` (text);
* exactly one of
  - ``any: [REF, ...]``: some listed act in some round of the window;
  - ``all: [REF, ...]``: every listed act in one and the same round;
  - ``stage: up | down | stall | resume``: the roadmap advances, goes back,
    stalls, or resumes in some round of the window.

``REF`` is ``PARTY.action`` or ``PARTY.action.level`` as in the scenario's
conditions: a level is met by that level or a stronger one, a bare graded
action by any level; counter-actions (``DPRK.end_moratorium``) are actions
of their own. Every problem of a file is reported at once, with the file,
the path inside it and the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from detente.backtest.paths import Paths
from detente.dtypes import B8
from detente.scenario.compiled import CompiledScenario
from detente.scenario.errors import ScenarioError, ScenarioIssue, format_path
from detente.scenario.load import load_yaml

ACTS = ("any", "all")
CHANGES = ("up", "down", "stall", "resume")
FIELDS = ("id", "title", *ACTS, "stage")
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_BUILTIN = "detente.backtest.builtin"


class QuestionError(ScenarioError):
    """A question file that cannot be used: every problem, with file, path and value."""

    def __init__(self, source: str, issues: list[ScenarioIssue]) -> None:
        super().__init__(source, issues, what="question file")


@dataclass(frozen=True)
class Question:
    """One yes/no question; ``slots[i]`` are the slots that meet ``refs[i]``."""

    id: str
    title: str
    kind: str  # "any", "all" or "stage"
    refs: tuple[str, ...] = ()
    change: str = ""  # for kind "stage": one of CHANGES
    slots: tuple[tuple[int, ...], ...] = ()

    @property
    def needs_stages(self) -> bool:
        """Whether the record answers it only as replayed (stage questions)."""
        return self.kind == "stage"

    def happened(self, paths: Paths, first: int, length: int) -> B8:
        """``[N]``: whether it happened in rows ``first .. first + length - 1`` of ``paths``.

        ``first`` is at least 1: a change is judged against the row before.
        """
        rows = slice(first, first + length)
        if self.kind != "stage":
            window = paths.acts[:, rows]
            met = np.stack([np.any(np.take(window, s, axis=2), axis=2) for s in self.slots])
            per_round = np.any(met, axis=0) if self.kind == "any" else np.all(met, axis=0)
            return np.asarray(np.any(per_round, axis=1))
        before = slice(first - 1, first - 1 + length)
        if self.change in ("up", "down"):
            now, then = paths.stage[:, rows], paths.stage[:, before]
            moved = now > then if self.change == "up" else now < then
        else:
            now_s, then_s = paths.stalled[:, rows], paths.stalled[:, before]
            moved = now_s & ~then_s if self.change == "stall" else then_s & ~now_s
        return np.asarray(moved.any(axis=1))


def _ref_slots(compiled: CompiledScenario, ref: str) -> tuple[tuple[int, ...] | None, str]:
    """The slots meeting ``ref``, or None and why it names nothing."""
    party, dot, name = ref.partition(".")
    if not dot or not name:
        return None, "an act is written PARTY.action or PARTY.action.level"
    if party not in compiled.parties:
        return None, f"no party {party!r} (parties: {', '.join(compiled.parties)})"
    own = compiled.seat(party).action_slot
    bare = {a.split(".", 1)[0] for a in own}
    if name not in own and name not in bare:
        known = ", ".join(sorted(own.keys() | bare))
        return None, f"{party} has no action {name!r} (its actions: {known})"
    return tuple(compiled.condition_slots(ref)), ""


def _question(
    compiled: CompiledScenario, item: Any, at: tuple[str | int, ...], issues: list[ScenarioIssue]
) -> Question | None:
    def problem(where: tuple[str | int, ...], message: str, value: Any = None) -> None:
        issues.append(ScenarioIssue(format_path(where), message, value))

    if not isinstance(item, Mapping):
        problem(at, "a question is a mapping with id, title and one of any, all, stage", item)
        return None
    found = len(issues)
    for key in item:
        if key not in FIELDS:
            problem((*at, str(key)), f"unknown field (fields: {', '.join(FIELDS)})", key)
    qid, title = item.get("id"), item.get("title")
    if not isinstance(qid, str) or not _IDENT.match(qid):
        problem((*at, "id"), "an id is an identifier (letters, digits, _)", qid)
    if not isinstance(title, str) or not title.strip():
        problem((*at, "title"), "a title is a non-empty text", title)
    kinds = [k for k in (*ACTS, "stage") if k in item]
    if len(kinds) != 1:
        problem(at, "a question has exactly one of any, all, stage", sorted(kinds))
        return None
    kind = kinds[0]
    value = item[kind]
    slots: list[tuple[int, ...]] = []
    if kind == "stage":
        if value not in CHANGES:
            problem((*at, kind), f"stage is one of {', '.join(CHANGES)}", value)
    elif not isinstance(value, list) or not value:
        problem((*at, kind), "a non-empty list of acts, PARTY.action[.level]", value)
    else:
        for i, ref in enumerate(value):
            met, why = _ref_slots(compiled, ref) if isinstance(ref, str) else (None, "not a text")
            if met is None:
                problem((*at, kind, i), why, ref)
            else:
                slots.append(met)
    if len(issues) > found:
        return None
    if kind == "stage":
        return Question(str(qid), str(title), kind, change=str(value))
    return Question(str(qid), str(title), kind, refs=tuple(value), slots=tuple(slots))


def parse_questions(
    compiled: CompiledScenario, doc: Any, source: str = "<questions>"
) -> tuple[Question, ...]:
    """The questions of a loaded document; :class:`QuestionError` lists every problem."""
    issues: list[ScenarioIssue] = []
    items = doc.get("questions") if isinstance(doc, Mapping) else None
    if not isinstance(doc, Mapping) or set(doc) != {"questions"}:
        keys = sorted(map(str, doc)) if isinstance(doc, Mapping) else doc
        issues.append(ScenarioIssue("<root>", "a question file has one key, questions", keys))
    if not isinstance(items, list) or not items:
        if isinstance(doc, Mapping) and "questions" in doc:
            issues.append(ScenarioIssue("questions", "a non-empty list of questions", items))
        raise QuestionError(source, issues)
    questions = []
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        q = _question(compiled, item, ("questions", i), issues)
        if q is None:
            continue
        if q.id in seen:
            where = format_path(("questions", i, "id"))
            twice = f"given twice (first at questions[{seen[q.id]}])"
            issues.append(ScenarioIssue(where, twice, q.id))
        seen.setdefault(q.id, i)
        questions.append(q)
    if issues:
        raise QuestionError(source, issues)
    return tuple(questions)


def _read(text: str, source: str) -> Any:
    try:
        return load_yaml(text, source)
    except ScenarioError as err:  # invalid YAML or a limit: the same issues, for a question file
        raise QuestionError(source, list(err.issues)) from None


def load_questions(compiled: CompiledScenario, path: str | Path) -> tuple[Question, ...]:
    """The questions of a YAML file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        issue = ScenarioIssue("<root>", f"cannot read the file: {err}", None, has_value=False)
        raise QuestionError(str(path), [issue]) from None
    return parse_questions(compiled, _read(text, str(path)), str(path))


def builtin_questions(compiled: CompiledScenario) -> tuple[Question, ...]:
    """The question set shipped for the scenario (by its id); QuestionError when there is none."""
    name = f"{compiled.scenario.id}.yaml"
    found = resources.files(_BUILTIN).joinpath(name)
    if not found.is_file():
        issue = ScenarioIssue(
            "<root>",
            "no built-in questions for this scenario: give a question file (--questions)",
            compiled.scenario.id,
        )
        raise QuestionError(compiled.scenario.id, [issue])
    source = f"{name} (built-in questions)"
    return parse_questions(compiled, _read(found.read_text(encoding="utf-8"), source), source)
