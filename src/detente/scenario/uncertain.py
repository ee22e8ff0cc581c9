"""A scenario with uncertain numbers: its distributions, its nominal scenario, its realisations.

:func:`load_uncertain` reads a scenario (and ``--set`` overrides) whose numbers
may be distributions (:mod:`detente.scenario.distributions`), checks each one
where it stands, and validates the scenario at every distribution's median
(the *nominal* scenario), reporting every problem at once. A realisation puts
drawn values in their places and validates the result like any scenario.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.scenario.distributions import Distribution, DistributionError, parse_distribution
from detente.scenario.distributions import written as written_distributions
from detente.scenario.errors import ScenarioError, ScenarioIssue, format_path
from detente.scenario.fields import Bounds, field_at
from detente.scenario.load import load_yaml, validate_document
from detente.scenario.overrides import apply_overrides, number_text, read_scenario_text
from detente.scenario.paths import PathError, display_path, parse_path, resolve
from detente.scenario.schema import Scenario


@dataclass(frozen=True)
class UncertainNumber:
    """One number written as a distribution: its ``--set`` path and the distribution."""

    path: str
    distribution: Distribution


@dataclass(frozen=True)
class UncertainScenario:
    """A scenario document whose ``numbers`` are uncertain; ``doc`` holds their medians."""

    doc: dict[str, Any]
    source: str
    numbers: tuple[UncertainNumber, ...]
    nominal: Scenario

    @property
    def paths(self) -> tuple[str, ...]:
        return tuple(n.path for n in self.numbers)

    def realise(self, values: Sequence[float]) -> Scenario:
        """The scenario with ``numbers[i]`` at ``values[i]``, validated."""
        return self.at(self.paths, values)

    def at(self, paths: Sequence[str], values: Sequence[float]) -> Scenario:
        """The scenario with the number at ``paths[i]`` set to ``values[i]`` (rounded on an
        integer field), validated; :class:`ScenarioError` or :class:`OverrideError` if not."""
        texts = [f"{p}={_text(self.doc, p, float(v))}" for p, v in zip(paths, values, strict=True)]
        doc = apply_overrides(self.doc, texts)
        return validate_document(doc, f"{self.source} with {', '.join(texts)}")


def _text(doc: Any, path: str, value: float) -> str:
    """``value`` as YAML for the field at ``path``: an integer there is rounded."""
    try:
        integer = field_at(resolve(doc, parse_path(path))).bounds.integer
    except PathError:
        integer = False  # apply_overrides names the path's problem
    return number_text(value, integer)


def _valid(b: Bounds) -> float | int:
    """Some value these limits accept."""
    if b.low is not None and b.high is not None:
        x = (b.low + b.high) / 2
    elif b.low is not None:
        x = b.low + 1
    else:
        x = 0.0 if b.high is None else b.high - 1
    return round(x) if b.integer else x


def uncertain_document(doc: Any, source: str) -> UncertainScenario:
    """Check every distribution of ``doc`` and validate it at their medians; every problem
    (of a distribution, or of the scenario) in one :class:`ScenarioError`."""
    if not isinstance(doc, dict):
        return UncertainScenario({}, source, (), validate_document(doc, source))
    nominal = copy.deepcopy(doc)
    numbers, issues = [], []
    for steps, text, field in written_distributions(doc):
        node = nominal
        for step in steps[:-1]:
            node = node[step]
        try:
            d = parse_distribution(text, field)
        except DistributionError as err:
            issues.append(ScenarioIssue(format_path(steps), str(err), text))
            if field.numeric:  # a stand-in, so that no other check trips on the string
                node[steps[-1]] = _valid(field.bounds)
            continue
        node[steps[-1]] = int(d.median) if d.integer else d.median
        numbers.append(UncertainNumber(display_path(doc, steps), d))
    try:
        scenario = validate_document(nominal, source)
    except ScenarioError as err:
        bad = {i.path for i in issues}
        issues.extend(i for i in err.issues if i.path not in bad)
        raise ScenarioError(source, issues) from None
    if issues:
        raise ScenarioError(source, issues)
    return UncertainScenario(nominal, source, tuple(numbers), scenario)


def load_uncertain(name_or_path: str | Path, overrides: Sequence[str] = ()) -> UncertainScenario:
    """A built-in scenario or a file, with ``--set`` overrides, whose numbers may be
    distributions. Raises :class:`ScenarioError` or :class:`OverrideError` (user errors)."""
    text, source = read_scenario_text(name_or_path)
    doc = load_yaml(text, source)
    if overrides:
        doc = apply_overrides(doc, overrides)
        source = f"{source} with --set {' '.join(overrides)}"
    return uncertain_document(doc, source)
