"""Reading scenarios: YAML files, built-in names, and in-memory documents."""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from detente.scenario.distributions import refuse_distributions
from detente.scenario.errors import ScenarioError, ScenarioIssue, bounded_repr, clip, format_path
from detente.scenario.limits import (
    FILE_LIMITS,
    NESTING_PROBLEM,
    Loader,
    ScenarioLimits,
    check_counts,
    check_size,
    check_structure,
    depth_error,
)
from detente.scenario.provenance import check_provenance
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


class _UniqueKeys(yaml.constructor.SafeConstructor):
    """Safe construction that rejects a key given twice in one mapping.

    Plain YAML loading keeps the last of two equal keys and silently drops the
    first (a second ``exit:`` in a stage, a slot listed twice in ``linear``).
    A value its tag cannot hold (``!!int abc``, ``0000-01-01``, an integer of
    5,000 digits) is a YAML error at its place, not a ``ValueError``.
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, KeyError, ArithmeticError) as err:
            kind = node.tag.rsplit(":", 1)[-1]
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"cannot read this value as {kind} ({clip(str(err), 120)})",
                node.start_mark,
            ) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                continue
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping",
                    node.start_mark,
                    f"found duplicate key {bounded_repr(key, 100)}",
                    key_node.start_mark,
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _UniqueKeyLoader(_UniqueKeys, yaml.SafeLoader):
    """The pure-Python safe loader, with :class:`_UniqueKeys`."""


_FAST_LOADER: Loader = _UniqueKeyLoader
if yaml.__with_libyaml__:

    class _UniqueKeyCLoader(_UniqueKeys, yaml.CSafeLoader):
        """The safe loader in C (libyaml; about 6x faster), with :class:`_UniqueKeys`."""

    _FAST_LOADER = _UniqueKeyCLoader


def _document_loc(doc: Any, loc: Sequence[str | int], missing: bool) -> list[str | int]:
    """``loc`` without the parts that are not in the document.

    Pydantic adds the tag of a union member (``str``, ``float``, ...), ``[key]``
    for a dict key and ``function-...`` for validators; none of them is a place
    in the file. A ``missing`` error's last part is the absent field itself.
    """
    out: list[str | int] = []
    node: Any = doc
    for i, part in enumerate(loc):
        in_list = isinstance(part, int) and isinstance(node, list) and 0 <= part < len(node)
        if in_list or (isinstance(node, Mapping) and part in node):
            node = node[part]
        elif isinstance(part, str) and not (missing and i == len(loc) - 1):
            continue
        else:
            node = None
        out.append(part)
    return out


def _pydantic_issues(doc: Any, err: ValidationError) -> list[ScenarioIssue]:
    """One issue per place in the document; a union's alternatives are merged into one."""
    issues: list[ScenarioIssue] = []
    for e in err.errors():
        missing = e["type"] == "missing"
        path = format_path(_document_loc(doc, e["loc"], missing))
        message = e["msg"].removeprefix("Value error, ")
        value = e.get("input")
        last = issues[-1] if issues else None
        if last is not None and last.path == path and last.value is value and not missing:
            lead = "Input should be "
            if last.message.startswith(lead) and message.startswith(lead):
                message = f"{last.message} or {message.removeprefix(lead)}"
            else:
                message = f"{last.message}; {message}"
            issues[-1] = ScenarioIssue(path, message, value)
        else:
            issues.append(ScenarioIssue(path, message, value, not missing))
    return issues


def parse_scenario(doc: Any, source: str = "<scenario>") -> Scenario:
    """Validate a scenario document, raising :class:`ScenarioError` with every issue.

    A document with distributions (:mod:`detente.scenario.distributions`) is refused
    in one line naming them: only :func:`detente.scenario.uncertain.load_uncertain` reads it.
    """
    if isinstance(doc, Mapping):
        refuse_distributions(doc, source)
    return validate_document(doc, source)


def validate_document(doc: Any, source: str = "<scenario>") -> Scenario:
    """:func:`parse_scenario` without the check for distributions (values written as
    ``NAME(...)`` are then invalid numbers, reported as such)."""
    if doc is None:
        issue = ScenarioIssue("<root>", "the scenario is empty", None, has_value=False)
        raise ScenarioError(source, [issue])
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
        issues.extend(_pydantic_issues(doc, err))
    issues.extend(check_references(doc))
    issues.extend(check_provenance(doc))
    if scenario is not None:
        issues.extend(check_semantics(scenario))
    if issues or scenario is None:
        raise ScenarioError(source, issues)
    return scenario


def _yaml_issue(err: yaml.YAMLError) -> ScenarioIssue:
    mark = getattr(err, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "<root>"
    problem = getattr(err, "problem", None) or str(err)
    return ScenarioIssue(where, f"invalid YAML: {problem}", None, False)


def load_yaml(
    text: str,
    source: str = "<scenario>",
    limits: ScenarioLimits = FILE_LIMITS,
    *,
    accelerated: bool = True,
) -> Any:
    """The raw document of scenario YAML text, within ``limits``' bytes, nodes and depth.

    The size is checked first, then the structure on the parser's event
    stream (:func:`~detente.scenario.limits.check_structure`), and only then is
    the document composed and constructed. ``accelerated`` uses libyaml's C
    parser where PyYAML has it (False: the pure-Python one; both give the same
    documents). Raises :class:`ScenarioError` for invalid YAML (with line and
    column), a key given twice in a mapping, or a limit exceeded.
    """
    check_size(text, source, limits)
    loader = _FAST_LOADER if accelerated else _UniqueKeyLoader
    try:
        check_structure(text, source, limits, loader)
        return yaml.load(text, Loader=loader)  # a safe loader
    except yaml.YAMLError as err:
        if getattr(err, "problem", None) == NESTING_PROBLEM:  # libyaml's own depth limit
            raise depth_error(source, limits, getattr(err, "problem_mark", None)) from None
        raise ScenarioError(source, [_yaml_issue(err)]) from None


def parse_yaml(
    text: str, source: str = "<scenario>", limits: ScenarioLimits = FILE_LIMITS
) -> Scenario:
    """Parse and validate scenario YAML text, refusing what exceeds ``limits``.

    :data:`~detente.scenario.limits.FILE_LIMITS` (the default) bound only the
    structure; the server passes
    :data:`~detente.scenario.limits.UPLOAD_LIMITS`, which also bound the counts
    of parties, actions, slots, ... (checked on the raw document, before
    validation).
    """
    doc = load_yaml(text, source, limits)
    check_counts(doc, source, limits)
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
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        issue = ScenarioIssue("<root>", f"cannot read the file: {err}", None, has_value=False)
        raise ScenarioError(str(path), [issue]) from None
    return parse_yaml(text, str(path))
