"""The strategy registry: names, specs such as ``generous_tit_for_tat:g=0.1``, user strategies.

A spec is a registered name followed by ``:param=value`` pairs. Parameters
and their types come from the keyword-only arguments of the strategy class's
constructor, so a strategy documents and validates its parameters in one
place, and a misspelt name or value fails before any simulation starts.
"""

from __future__ import annotations

import difflib
import inspect
import re
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, Union

from detente.scenario.compiled import CompiledScenario
from detente.strategies.base import Classifier, Strategy, StrategyError
from detente.strategies.episode import EpisodeLoop, EpisodeStrategy

StrategyClass = type[Strategy] | type[EpisodeStrategy]
Value = float | int | str | bool | None
T = TypeVar("T", bound=StrategyClass)

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_REGISTRY: dict[str, StrategyClass] = {}


def register(cls: T) -> T:
    """Register a strategy class under its ``name``; usable as a class decorator.

    Either kind may be registered: a vectorised :class:`Strategy` or a
    per-episode :class:`EpisodeStrategy`. A name already taken by another
    class is refused.
    """
    if not (isinstance(cls, type) and issubclass(cls, Strategy | EpisodeStrategy)):
        raise StrategyError(f"{cls!r} is neither a Strategy nor an EpisodeStrategy subclass")
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not _NAME.match(name):
        raise StrategyError(
            f"{cls.__qualname__}.name must be a lower-case identifier (a-z, 0-9, _), got {name!r}"
        )
    if not isinstance(getattr(cls, "classifier", None), Classifier):
        raise StrategyError(f"{cls.__qualname__}.classifier must be a Classifier")
    existing = _REGISTRY.get(name)
    if existing is not None and _qualified(existing) != _qualified(cls):
        raise StrategyError(f"strategy name {name!r} is taken by {_qualified(existing)}")
    _REGISTRY[name] = cls
    return cls


def unregister(name: str) -> None:
    """Remove a registered strategy (for experiments that define and redefine their own)."""
    _REGISTRY.pop(name, None)


def strategy_names() -> list[str]:
    """The registered strategy names, sorted."""
    return sorted(_REGISTRY)


def strategy_class(name: str) -> StrategyClass:
    """The class registered as ``name``; a clear error suggests close names."""
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, _REGISTRY, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        known = ", ".join(strategy_names())
        raise StrategyError(f"unknown strategy {name!r}{hint}; known: {known}") from None


@dataclass(frozen=True)
class Parameter:
    """A strategy parameter: its name, accepted types, default, and whether None is allowed."""

    name: str
    kind: type
    default: Value
    optional: bool

    def parse(self, text: str) -> Value:
        if self.optional and text.lower() in ("none", "null"):
            return None
        parser = _PARSERS[self.kind]
        try:
            return parser(text)
        except ValueError:
            raise StrategyError(
                f"parameter {self.name} must be {_KIND_NAMES[self.kind]}, got {text!r}"
            ) from None


def _parse_bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "yes", "on", "1"):
        return True
    if lowered in ("false", "no", "off", "0"):
        return False
    raise ValueError(text)


_PARSERS: dict[type, Callable[[str], Value]] = {
    float: float,
    int: int,
    str: str,
    bool: _parse_bool,
}
_KIND_NAMES = {float: "a number", int: "a whole number", str: "a name", bool: "true or false"}


def parameters(cls: StrategyClass) -> dict[str, Parameter]:
    """The parameters of a strategy class: the keyword-only arguments of its constructor."""
    hints = typing.get_type_hints(cls.__init__)
    out: dict[str, Parameter] = {}
    for p in inspect.signature(cls.__init__).parameters.values():
        if p.kind is not inspect.Parameter.KEYWORD_ONLY:
            continue
        hint = hints.get(p.name, str)
        args = typing.get_args(hint) if typing.get_origin(hint) in (Union, types.UnionType) else ()
        kinds = [a for a in args if a is not type(None)] or [hint]
        if len(kinds) != 1 or kinds[0] not in _PARSERS:
            raise StrategyError(
                f"{cls.__qualname__}: parameter {p.name} must be typed float, int, str or bool"
                " (optionally | None)"
            )
        default = None if p.default is inspect.Parameter.empty else p.default
        out[p.name] = Parameter(p.name, kinds[0], default, type(None) in args)
    return out


@dataclass(frozen=True)
class StrategySpec:
    """A strategy by name with parameter values: parsed, checked, and buildable for any party."""

    name: str
    params: tuple[tuple[str, Value], ...] = ()

    def __str__(self) -> str:
        return ":".join([self.name, *(f"{k}={_show(v)}" for k, v in self.params)])

    def build(self, compiled: CompiledScenario, party: int) -> Strategy:
        """A fresh strategy object playing ``party`` (an index) in ``compiled``."""
        cls = strategy_class(self.name)
        kwargs: dict[str, Any] = dict(self.params)
        who = compiled.parties[party]
        try:
            if issubclass(cls, EpisodeStrategy):
                per_episode = cls
                per_episode(compiled, party, **kwargs)  # fail now on bad values, not mid-run
                return EpisodeLoop(compiled, party, lambda: per_episode(compiled, party, **kwargs))
            return cls(compiled, party, **kwargs)
        except StrategyError as err:
            raise StrategyError(f"strategy {self} for {who}: {err}") from None


def get_strategy(spec: str) -> StrategySpec:
    """Parse ``name[:param=value]...``, checking the name and each parameter's name and type."""
    name, *pairs = spec.strip().split(":")
    if not name:
        raise StrategyError(f"empty strategy name in {spec!r}")
    known = parameters(strategy_class(name))
    params: list[tuple[str, Value]] = []
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep:
            raise StrategyError(f"strategy {spec!r}: write parameters as name=value, got {pair!r}")
        if key not in known:
            listed = ", ".join(known) or "none"
            raise StrategyError(f"strategy {name} has no parameter {key!r} (parameters: {listed})")
        try:
            params.append((key, known[key].parse(text.strip())))
        except StrategyError as err:
            raise StrategyError(f"strategy {name}: {err}") from None
    return StrategySpec(name, tuple(params))


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def _show(value: Value) -> str:
    return (
        "none" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
    )
