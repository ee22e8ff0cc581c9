"""The mapping file: rules from (actors, CAMEO code or prefix, target) to a scenario's moves.

A mapping belongs to one scenario: ``korea``'s is shipped in the package
(``record/data/korea.mapping.yaml``); a scenario file ``X.yaml`` has its
mapping beside it as ``X.mapping.yaml``. It is checked against the compiled
scenario when loaded, every problem reported at once with its path.
docs/record.md documents the format.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from detente.record.errors import MappingError, RecordIssue
from detente.scenario import ScenarioError, builtin_names
from detente.scenario.compiled import CompiledScenario
from detente.scenario.errors import format_path
from detente.scenario.load import load_yaml

_DATA = "detente.record.data"
_PREFIX = re.compile(r"^\d{2,4}$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class When(_Model):
    """Which events a rule matches: all of what is given must hold."""

    actors: list[str] | None = Field(
        default=None,
        min_length=1,
        description="The event's actors that are parties, exactly; any if absent.",
    )
    cameo: str | None = Field(
        default=None,
        description="A CAMEO code, or the prefix of codes (2 to 4 digits); any if absent.",
    )
    target: str | None = Field(default=None, description="A party among the event's targets.")
    date: datetime.date | None = Field(default=None, description="Only events of this day.")
    body: str | None = Field(
        default=None,
        description="A non-party actor the event must have (a code of `others:`, e.g. UNSC): "
        "only such rules read events without a party among their actors.",
    )


class Rule(_Model):
    """The matched events as moves: actions taken, deals announced, or nothing (and why)."""

    when: When
    take: list[str] = Field(default_factory=list, description="Actions each actor takes.")
    deals: list[str] = Field(default_factory=list, description="Deals whose commitments all offer.")
    moves: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Actions named parties take, whoever the event's actors (members' votes).",
    )
    none: str | None = Field(default=None, description="Why these events are no move.")
    why: str = ""

    @model_validator(mode="after")
    def _one_outcome(self) -> Rule:
        if (self.none is None) == (not (self.take or self.deals or self.moves)):
            raise ValueError(
                "give `take`, `deals` and/or `moves`, or `none` with the reason, not both"
            )
        if self.take and self.when.actors is None:
            raise ValueError("a rule that takes actions names its `when.actors`")
        return self


class Policy(_Model):
    """A standing policy ended, in the record, by acts of its party that contradict it."""

    ended_by: list[str] = Field(min_length=1)


class MappingFile(_Model):
    scenario: str
    others: dict[str, str] = Field(
        default_factory=dict, description="Codes of actors that are not parties, with their names."
    )
    policies: dict[str, Policy] = Field(default_factory=dict)
    rules: list[Rule] = Field(min_length=1)


@dataclass(frozen=True)
class EventMapping:
    """A checked mapping file, with the codes that name each party."""

    source: str
    file: MappingFile
    codes: dict[str, str]
    """Actor codes (party ids and their ``cameo`` attributes) -> party id."""


def mapping_path(scenario: str | Path) -> str | Path:
    """Where the mapping of ``scenario`` (a built-in name or a YAML path) is."""
    path = Path(scenario)
    if isinstance(scenario, str) and scenario in builtin_names() and not path.exists():
        return f"{scenario}.mapping.yaml"
    return path.with_name(path.name.removesuffix(".yaml").removesuffix(".yml") + ".mapping.yaml")


def load_mapping(path: str | Path, compiled: CompiledScenario) -> EventMapping:
    """Read a mapping file (or a bundled one by its file name) and check it against ``compiled``."""
    p = Path(path)
    if p.is_file():
        text, source = p.read_text(encoding="utf-8"), str(p)
    else:
        bundled = resources.files(_DATA).joinpath(p.name)
        if p.parent != Path() or not bundled.is_file():
            raise MappingError(str(p), [RecordIssue("", "no such mapping file", has_value=False)])
        text, source = bundled.read_text(encoding="utf-8"), f"{p.name} (bundled)"
    return parse_mapping(text, source, compiled)


def parse_mapping(text: str, source: str, compiled: CompiledScenario) -> EventMapping:
    try:
        doc = load_yaml(text, source)
    except ScenarioError as err:
        raise MappingError(source, [RecordIssue("", str(err), has_value=False)]) from None
    try:
        file = MappingFile.model_validate(doc)
    except ValidationError as err:
        issues = [
            RecordIssue(format_path(e["loc"]), e["msg"], e.get("input"), "input" in e)
            for e in err.errors()
        ]
        raise MappingError(source, issues) from None
    codes = _codes(compiled)
    issues = list(_check(file, compiled, codes))
    if issues:
        raise MappingError(source, issues)
    return EventMapping(source, file, codes)


def _codes(compiled: CompiledScenario) -> dict[str, str]:
    codes = {p: p for p in compiled.parties}
    for party in compiled.scenario.parties:
        code = party.attributes.get("cameo")
        if isinstance(code, str):
            codes[code] = party.id
    return codes


def takers(compiled: CompiledScenario, action: str) -> set[str]:
    """The parties that can take ``action`` (an action id or ``action.level``)."""
    found = set()
    for p in compiled.parties:
        try:
            compiled.slot_of(p, action)
        except KeyError:
            continue
        found.add(p)
    return found


def graded_bases(compiled: CompiledScenario) -> set[str]:
    return {a.id for a in compiled.scenario.declared_actions if a.levels}


def action_problem(compiled: CompiledScenario, action: str, parties: list[str]) -> str | None:
    """Why ``parties`` cannot each take ``action`` in ``compiled``, or None."""
    if action in graded_bases(compiled):
        return "a graded action: name a level (action.level)"
    if action not in compiled.actions:
        return f"not an action of the scenario (known: {', '.join(compiled.actions)})"
    cannot = [p for p in parties if p not in takers(compiled, action)]
    if cannot:
        return f"{', '.join(cannot)} cannot take it"
    return None


def _check(
    file: MappingFile, compiled: CompiledScenario, codes: dict[str, str]
) -> Iterator[RecordIssue]:
    if file.scenario != compiled.scenario.id:
        yield RecordIssue(
            "scenario",
            f"the mapping is for another scenario than {compiled.scenario.id!r}",
            file.scenario,
        )
    for code in file.others:
        if code in codes:
            yield RecordIssue(
                f"others.{code}", "a party's code: only codes of non-parties go here", code
            )
    policies = {a.id for a in compiled.scenario.actions if a.standing}
    for pid, policy in file.policies.items():
        if pid not in policies:
            yield RecordIssue(
                f"policies.{pid}",
                f"not a standing policy (known: {', '.join(sorted(policies))})",
                pid,
            )
        for j, name in enumerate(policy.ended_by):
            if name not in compiled.actions:
                yield RecordIssue(
                    f"policies.{pid}.ended_by[{j}]", "not an action of the scenario", name
                )
    for i, rule in enumerate(file.rules):
        at = f"rules[{i}]"
        if rule.when.cameo is not None and not _PREFIX.match(rule.when.cameo):
            yield RecordIssue(
                f"{at}.when.cameo",
                "a CAMEO code or prefix is 2 to 4 digits, as text",
                rule.when.cameo,
            )
        for j, party in enumerate(rule.when.actors or ()):
            if party not in compiled.parties:
                yield RecordIssue(
                    f"{at}.when.actors[{j}]",
                    f"not a party (known: {', '.join(compiled.parties)})",
                    party,
                )
        if rule.when.target is not None and rule.when.target not in compiled.parties:
            yield RecordIssue(f"{at}.when.target", "not a party", rule.when.target)
        for j, name in enumerate(rule.take):
            problem = action_problem(
                compiled, name, [p for p in rule.when.actors or () if p in compiled.parties]
            )
            if problem:
                yield RecordIssue(f"{at}.take[{j}]", problem, name)
        if rule.when.body is not None and rule.when.body not in file.others:
            yield RecordIssue(
                f"{at}.when.body", "not a code of `others:` (non-party actors)", rule.when.body
            )
        for party, names in rule.moves.items():
            for j, name in enumerate(names):
                problem = action_problem(compiled, name, [party])
                if problem:
                    yield RecordIssue(f"{at}.moves.{party}[{j}]", problem, name)
        for j, deal in enumerate(rule.deals):
            if deal not in compiled.deals:
                yield RecordIssue(
                    f"{at}.deals[{j}]", f"not a deal (known: {', '.join(compiled.deals)})", deal
                )
