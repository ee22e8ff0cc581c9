"""What the schema says about the field at a path: its type, and the range a number may take.

One walk of the schema for every tool that varies a number by its path:
``--set`` (adding a missing key), sensitivity ranges, and distributions
(which must know whether a field is a number, an integer, and its valid range).
"""

from __future__ import annotations

import types
import typing
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Union

import annotated_types as at
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from detente.scenario.paths import Step
from detente.scenario.schema import Scenario


def unwrap(tp: Any, meta: list[Any] | None = None) -> Any:
    """The type inside ``Annotated[...]`` and ``X | None``; ``meta`` collects the
    ``Annotated`` metadata (a field's constraints) on the way, if given."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp, *extra = typing.get_args(tp)
            if meta is not None:
                for m in extra:
                    meta.extend(m.metadata if isinstance(m, FieldInfo) else [m])
        elif origin in (Union, types.UnionType):
            inner = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(inner) != 1:
                return Any
            tp = inner[0]
        else:
            return tp


@dataclass(frozen=True)
class Bounds:
    """What the schema allows for a number: limits (None: none), whether open, integer."""

    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False
    integer: bool = False

    def outside(self, x: float) -> bool:
        """Whether ``x`` is refused by these limits (an open limit refuses itself)."""
        below = self.low is not None and (x < self.low or (self.open_low and x == self.low))
        above = self.high is not None and (x > self.high or (self.open_high and x == self.high))
        return below or above

    def text(self) -> str:
        """The range as an interval: ``[0, 1]``, ``(0, inf]``..."""
        lo = "-inf" if self.low is None else f"{self.low:g}"
        hi = "inf" if self.high is None else f"{self.high:g}"
        return f"{'(' if self.open_low else '['}{lo}, {hi}{')' if self.open_high else ']'}"


@dataclass(frozen=True)
class Field:
    """The schema's field at a path: its type (unwrapped), its limits, and where it is declared
    (the model and the field's name; None below a dict or list item that is not a model)."""

    type: Any
    bounds: Bounds
    model: type[BaseModel] | None
    name: str | None

    @property
    def numeric(self) -> bool:
        return self.type in (int, float)

    @property
    def text(self) -> bool:
        return self.type is str


UNKNOWN = Field(Any, Bounds(), None, None)


def field_at(steps: Sequence[Step]) -> Field:
    """The field of the scenario schema at ``steps`` (:data:`UNKNOWN` where it cannot tell)."""
    tp: Any = Scenario
    meta: list[Any] = []
    model: type[BaseModel] | None = None
    name: str | None = None
    for step in steps:
        meta = []
        tp = unwrap(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            found = next(
                ((n, i) for n, i in tp.model_fields.items() if step in (n, i.alias)),
                None,
            )
            if found is None:
                return UNKNOWN
            model, name = tp, found[0]
            meta, tp = list(found[1].metadata), found[1].annotation
        elif typing.get_origin(tp) in (dict, list):
            tp, model, name = typing.get_args(tp)[-1], None, None
        else:
            return UNKNOWN
    tp = unwrap(tp, meta)
    b: dict[str, Any] = {"integer": tp is int}
    for m in meta:
        if isinstance(m, at.Ge | at.Gt):
            low = m.ge if isinstance(m, at.Ge) else m.gt
            b.update(low=float(low), open_low=isinstance(m, at.Gt))  # type: ignore[arg-type]
        elif isinstance(m, at.Le | at.Lt):
            high = m.le if isinstance(m, at.Le) else m.lt
            b.update(high=float(high), open_high=isinstance(m, at.Lt))  # type: ignore[arg-type]
    return Field(tp, Bounds(**b), model, name)


def schema_bounds(steps: Sequence[Step]) -> Bounds:
    """The limits the schema puts on the number at ``steps`` (none where it cannot tell)."""
    return field_at(steps).bounds
