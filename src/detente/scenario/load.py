"""Reading scenarios: YAML files, built-in names, and in-memory documents."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from detente.scenario.errors import ScenarioError, ScenarioIssue, format_path
from detente.scenario.references import check_references
from detente.scenario.schema import Scenario
from detente.scenario.semantics import check_semantics

_BUILTIN = "detente.scenario.builtin"


def builtin_names() -> list[str]:
    """Names of the scenarios shipped with the package."""
    files = resources.files(_BUILTIN).iterdir()
    return sorted(f.name.removesuffix(".yaml") for f in files if f.name.endswith(".yaml"))


def builtin_text(name: str) -> str:
    """The YAML text of a built-in scenario, comments included."""
    if name not in builtin_names():
        known = ", ".join(builtin_names())
        raise ScenarioError(
            name,
            [ScenarioIssue("<root>", f"no built-in scenario of this name (known: {known})", name)],
        )
    return resources.files(_BUILTIN).joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def _pydantic_issues(err: ValidationError) -> list[ScenarioIssue]:
    issues = []
    for e in err.errors():
        loc = [p for p in e["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
        missing = e["type"] == "missing"
        message = e["msg"].removeprefix("Value error, ")
        issues.append(ScenarioIssue(format_path(loc), message, e.get("input"), not missing))
    return issues


def parse_scenario(doc: Any, source: str = "<scenario>") -> Scenario:
    """Validate a scenario document, raising :class:`ScenarioError` with every issue."""
    if not isinstance(doc, Mapping):
        issue = ScenarioIssue(
            "<root>", "a scenario must be a mapping of sections", type(doc).__name__
        )
        raise ScenarioError(source, [issue])
    issues: list[ScenarioIssue] = []
    scenario: Scenario | None = None
    try:
        scenario = Scenario.model_validate(doc)
    except ValidationError as err:
        issues.extend(_pydantic_issues(err))
    issues.extend(check_references(doc))
    if scenario is not None and not issues:
        issues.extend(check_semantics(scenario))
    if issues or scenario is None:
        raise ScenarioError(source, issues)
    return scenario


def parse_yaml(text: str, source: str = "<scenario>") -> Scenario:
    """Parse and validate scenario YAML text."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "<root>"
        problem = getattr(err, "problem", None) or str(err)
        raise ScenarioError(
            source, [ScenarioIssue(where, f"invalid YAML: {problem}", None, False)]
        ) from None
    return parse_scenario(doc, source)


def load_scenario(name_or_path: str | Path) -> Scenario:
    """Load a built-in scenario by name, or a scenario file by path."""
    path = Path(name_or_path)
    if isinstance(name_or_path, str) and name_or_path in builtin_names() and not path.exists():
        return parse_yaml(builtin_text(name_or_path), f"{name_or_path} (built-in)")
    if not path.is_file():
        known = ", ".join(builtin_names())
        raise ScenarioError(
            str(name_or_path),
            [
                ScenarioIssue(
                    "<root>",
                    f"no such file, and not a built-in scenario (built-in: {known})",
                    str(name_or_path),
                )
            ],
        )
    return parse_yaml(path.read_text(encoding="utf-8"), str(path))
