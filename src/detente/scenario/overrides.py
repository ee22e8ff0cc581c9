"""``--set PATH=VALUE``: change any number of a scenario by its path, then validate.

Overrides apply to the raw YAML document before validation, so an
overridden scenario is checked exactly like an edited file. Paths follow the
document: ``noise.miss``, ``utilities.discount``, ``trust.priors[0].trust``;
list items may also be picked by id (``roadmap.stages[trust_building]``) and
keys containing dots quoted (``utilities.parties.US.linear["DPRK.nuclear_test"]``).
A key the document lacks may be added where the schema has a field of that
name (``noise.tremble``); any other unknown step is an error naming the path
and what exists there.
"""

from __future__ import annotations

import copy
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from detente.scenario.fields import unwrap
from detente.scenario.load import (
    builtin_names,
    builtin_text,
    load_scenario,
    load_yaml,
    parse_scenario,
)
from detente.scenario.paths import PathError, Step, list_position, parse_path, render_path
from detente.scenario.schema import Scenario

__all__ = [
    "OverrideError",
    "apply_overrides",
    "load_with_overrides",
    "number_text",
    "parse_path",
    "unwrap",
]


class OverrideError(ValueError):
    """An override that cannot be applied: a malformed one, or a path that does not exist."""


def _child_type(tp: Any, step: Step) -> Any:
    """The schema type one step below ``tp``; None where the schema has no such step."""
    tp = unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, info in tp.model_fields.items():
            if step in (name, info.alias):
                return info.annotation
        return None
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin is dict:
        return args[1]
    if origin is list:
        return args[0]
    if origin is tuple and isinstance(step, int) and step < len(args):
        return args[step]
    return Any


def _fields(tp: Any) -> str:
    tp = unwrap(tp)
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return ", ".join(info.alias or name for name, info in tp.model_fields.items())
    return "none"


def _set(doc: dict[str, Any], steps: list[Step], value: Any) -> None:
    node: Any = doc
    tp: Any = Scenario
    where = "the scenario"
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        child = _child_type(tp, step)
        if isinstance(node, dict):
            if step not in node:
                if child is None:
                    raise OverrideError(f"{where} has no field {step!r} (fields: {_fields(tp)})")
                if not last:
                    node[step] = {}
        elif isinstance(node, list):
            step = list_position(node, step, where)
        else:
            raise OverrideError(f"{where} is a value ({node!r}), not a section: nothing below it")
        if last:
            node[step] = value
            return
        node, tp = node[step], child if child is not None else Any
        where = render_path(steps[: i + 1])


def number_text(x: float, integer: bool = False) -> str:
    """``x`` as the value of an override, read back exactly: rounded for an integer field; in
    exponent form with the point YAML 1.1 needs to read it as a number (``5.0e-324``)."""
    if integer:
        return str(round(x))
    text = repr(float(x))
    mantissa, e, exponent = text.partition("e")
    return f"{mantissa if '.' in mantissa else mantissa + '.0'}e{exponent}" if e else text


def apply_overrides(doc: Any, overrides: Iterable[str]) -> Any:
    """A copy of the raw scenario document with every ``PATH=VALUE`` applied in order.

    Values are read as YAML: ``0.1``, ``true``, ``[US, DPRK]``.
    """
    out = copy.deepcopy(doc)
    if not isinstance(out, dict):
        raise OverrideError("the scenario document is not a mapping; nothing to override")
    for text in overrides:
        path, sep, raw = text.partition("=")
        if not sep or not path.strip() or not raw.strip():
            raise OverrideError(f"--set {text!r}: expected PATH=VALUE, e.g. noise.miss=0.1")
        try:
            value = yaml.safe_load(raw)
            _set(out, parse_path(path.strip()), value)
        except yaml.YAMLError as err:
            raise OverrideError(f"--set {text}: the value is not valid YAML ({err})") from None
        except (OverrideError, PathError) as err:
            raise OverrideError(f"--set {text}: {err}") from None
    return out


def read_scenario_text(name_or_path: str | Path) -> tuple[str, str]:
    """The YAML text of a built-in or a file, and how to name it in errors."""
    path = Path(name_or_path)
    if isinstance(name_or_path, str) and name_or_path in builtin_names() and not path.exists():
        return builtin_text(name_or_path), f"{name_or_path} (built-in)"
    if not path.is_file():
        load_scenario(name_or_path)  # raises the loader's own error for a missing scenario
    return path.read_text(encoding="utf-8"), str(path)


def load_with_overrides(name_or_path: str | Path, overrides: Iterable[str] = ()) -> Scenario:
    """Load a scenario, apply ``--set`` overrides to its document, then validate it."""
    overrides = list(overrides)
    if not overrides:
        return load_scenario(name_or_path)
    return load_document(name_or_path, overrides)[1]


def load_document(name_or_path: str | Path, overrides: Iterable[str] = ()) -> tuple[Any, Scenario]:
    """The raw document (overrides applied) and the scenario it validates to.

    For tools that read what the author wrote rather than its meaning, such as the
    provenance of its numbers.
    """
    overrides = list(overrides)
    text, source = read_scenario_text(name_or_path)
    doc = load_yaml(text, source)  # the loader's limits and duplicate-key check, as without --set
    if overrides:
        doc = apply_overrides(doc, overrides)
        source = f"{source} with --set {' '.join(overrides)}"
    return doc, parse_scenario(doc, source)
