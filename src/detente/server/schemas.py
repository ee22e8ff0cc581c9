"""Request paths and bodies, strict (unknown fields refused) with bounds on every size; replies."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Path
from pydantic import BaseModel, ConfigDict, Field, model_validator

from detente.ledger.moves import MIN_NONCE
from detente.server.limits import MIN_ROUND_SECONDS

SessionId = Annotated[str, Path(pattern=r"^[0-9a-f]{16}$", description="Session id.")]
Party = Annotated[str, Path(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
Round = Annotated[int, Path(ge=1, le=1_000_000)]
Name = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
ActionName = Annotated[
    str,
    Field(
        min_length=1, max_length=129, pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$"
    ),
]
"""An action of the party's, ``action`` or ``action.level`` (a level of a graded action)."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CreateSession(Strict):
    """A session from a built-in scenario (``scenario``) or uploaded YAML (``scenario_yaml``)."""

    scenario: Name | None = Field(None, description="Name of a built-in scenario.")
    scenario_yaml: str | None = Field(None, max_length=262_144, description="Scenario YAML text.")
    seed: int | None = Field(
        None,
        ge=0,
        le=2**62,
        description="Engine seed (random if omitted). It stays secret until the session closes, "
        "but a seed given here is known to whoever gave it.",
    )
    rounds: int | None = Field(None, ge=1, le=10_000, description="Rounds (scenario's if omitted).")
    round_seconds: float | None = Field(
        None,
        ge=MIN_ROUND_SECONDS,
        le=604_800,
        description="Deadline of each round, in seconds from its opening; none if omitted.",
    )

    @model_validator(mode="after")
    def one_source(self) -> CreateSession:
        if (self.scenario is None) == (self.scenario_yaml is None):
            raise ValueError("give exactly one of scenario (a built-in name) and scenario_yaml")
        return self


class Commit(Strict):
    commitment: str = Field(
        pattern=r"^[0-9a-f]{64}$",
        description="Lower-case hex sha256 of 'session|round|party|move|nonce'.",
    )


class Reveal(Strict):
    actions: list[ActionName] = Field(default_factory=list, max_length=256)
    offers: list[Name] = Field(default_factory=list, max_length=256)
    nonce: str = Field(min_length=MIN_NONCE, max_length=128)


class Reason(Strict):
    reason: str = Field("", max_length=500)


class SeatPath(BaseModel):
    """The path of a seat's submission, validated as the route's parameters are documented."""

    sid: SessionId
    party: Party
    rnd: Round


class Receipt(BaseModel):
    """The ledger head after the acknowledged append: keep it to prove a later truncation."""

    session: str
    seq: int = Field(description="Sequence number of the session's last event.")
    hash: str = Field(description="Its hash, which covers every event before it.")


class CommitAck(BaseModel):
    round: int
    party: str
    status: Literal["committed"] = "committed"
    retry: bool = Field(description="True when the same commitment was already stored.")
    receipt: Receipt


class RevealAck(BaseModel):
    round: int
    party: str
    status: Literal["revealed"] = "revealed"
    retry: bool = Field(description="True when the same reveal was already stored.")
    cleared: bool = Field(description="True when this reveal cleared the round.")
    waiting_for: list[str] = Field(description="Parties whose move is not in yet.")
    receipt: Receipt
