"""The scenario format: what an analyst writes in YAML, as pydantic models.

The models check types and ranges only. Cross references (unknown parties,
actions a party cannot take, unreachable stages, ...) are checked by
:mod:`detente.scenario.references` on the raw document, so that a malformed
file reports every problem at once instead of stopping at the first section
that fails to parse.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Id = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")]
"""An identifier: a letter, then letters, digits or underscores."""

SlotRef = Annotated[
    str,
    StringConstraints(
        pattern=r"^[A-Za-z][A-Za-z0-9_]*\.[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$"
    ),
]
"""``PARTY.action`` or ``PARTY.action.level``: one party taking one action (a *slot*), or one
level of a graded action (in conditions: that level or a stronger one)."""

ActionRef = Annotated[
    str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?$")
]
"""``action`` or ``action.level`` (a level of a graded action)."""

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
OpenUnit = Annotated[float, Field(gt=0.0, lt=1.0)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Category(StrEnum):
    """How an action reads on the roadmap; provocations break calm and trust.

    A sanction (imposing or snapping back sanctions) is hostile by its intensity but
    not a provocation in the roadmap's sense (tests and drills): it does not break calm,
    and the library's strategies never take one as a way to defect. A vote is a member's
    vote on an institution's resolution (compiled from ``institutions``, never declared).
    """

    PROVOCATION = "provocation"
    RESTRAINT = "restraint"
    CONCESSION = "concession"
    INITIATIVE = "initiative"
    DIALOGUE = "dialogue"
    SANCTION = "sanction"
    VOTE = "vote"


class Party(_Model):
    id: Id
    name: str = ""
    attributes: dict[str, str | float | int | bool] = Field(default_factory=dict)
    default_move: list[ActionRef] = Field(
        default_factory=list,
        description="Actions taken for this party when it does not move in time (live play).",
    )


class Level(_Model):
    """One level of a graded action; levels are listed mildest first."""

    id: Id
    name: str = ""
    intensity: float | None = Field(
        default=None,
        ge=-10.0,
        le=10.0,
        description="The level's intensity; the action's if omitted.",
    )
    stages: list[Id] | None = Field(
        default=None, description="Stages in which the level is available; the action's if omitted."
    )
    breaks: list[ActionRef] = Field(
        default_factory=list, description="Promises this level breaks, besides the action's."
    )


class CounterAction(_Model):
    """An action that undoes another: revoking a standing policy, reversing a one-off act."""

    id: Id
    name: str = ""
    description: str = ""
    category: Category
    intensity: float = Field(ge=-10.0, le=10.0)


class SuccessCondition(_Model):
    """When an act with an outcome succeeds: any one of these holds in the round it executes."""

    any_deal_cleared: list[Id] = Field(
        default_factory=list,
        description="Deals of which any one clears whole this round (reached or renewed).",
    )
    any_executed: list[SlotRef] = Field(
        default_factory=list, description="Slots of which any one executes this round."
    )

    @model_validator(mode="after")
    def _not_empty(self) -> SuccessCondition:
        if not (self.any_deal_cleared or self.any_executed):
            raise ValueError("succeeds_if needs at least one of any_deal_cleared, any_executed")
        return self


class Failure(_Model):
    intensity: float = Field(
        ge=-10.0, le=10.0, description="How observers read the act when it fails, -10..10."
    )


class ActionOutcome(_Model):
    """An act whose result depends on what clears with it (a summit that yields no deal fails)."""

    succeeds_if: SuccessCondition
    failed: Failure


class Action(_Model):
    id: Id
    name: str = ""
    description: str = ""
    actors: list[Id] = Field(min_length=1, description="Parties that can take this action.")
    category: Category
    stages: list[Id] | None = Field(
        default=None, description="Stages in which the action is available; all when omitted."
    )
    intensity: float = Field(
        ge=-10.0,
        le=10.0,
        description="Signed intensity as observers perceive it, on a Goldstein-like -10..10 scale.",
    )
    repeatable: bool = Field(default=True, description="False for one-off acts such as a treaty.")
    breaks: list[ActionRef] = Field(
        default_factory=list,
        description="Actions whose promise this action violates (a test breaks a freeze); "
        "``action.level`` names that level and the stronger ones.",
    )
    standing: bool = Field(
        default=False,
        description="A standing policy: once taken it stays in force, executed every round, "
        "until its party revokes it.",
    )
    revoked_by: CounterAction | None = Field(
        default=None, description="The action that ends this standing policy."
    )
    reversed_by: CounterAction | None = Field(
        default=None, description="The action that reverses this one-off act."
    )
    levels: list[Level] = Field(
        default_factory=list, description="Graded action: its levels, mildest first."
    )
    result: ActionOutcome | None = Field(
        default=None,
        alias="outcome",
        description="When the act succeeds; it fails in any other round it executes.",
    )


class PairwiseTerm(_Model):
    slots: tuple[SlotRef, SlotRef]
    value: float


class PartyUtility(_Model):
    base: float = Field(default=0.0, description="Per-round utility of the status quo.")
    linear: dict[SlotRef, float] = Field(default_factory=dict)
    pairwise: list[PairwiseTerm] = Field(default_factory=list)


class Utilities(_Model):
    discount: float = Field(default=1.0, gt=0.0, le=1.0, description="Per-round discount factor.")
    parties: dict[Id, PartyUtility] = Field(default_factory=dict)


class Commitment(_Model):
    id: Id
    party: Id
    action: ActionRef
    conditions: list[SlotRef] = Field(alias="if", min_length=1)
    description: str = ""


class Deal(_Model):
    id: Id
    title: str = ""
    commitments: list[Id] = Field(min_length=1)


class TrustThreshold(_Model):
    pair: tuple[Id, Id] = Field(description="[truster, trusted]")
    min: Probability


class TrustBound(_Model):
    pair: tuple[Id, Id] = Field(description="[truster, trusted]")
    max: Probability


class TrackLevelRef(_Model):
    track: Id
    level: Id


class Criteria(_Model):
    """Conditions that must all hold; an empty criteria set always holds.

    ``any_of`` adds alternatives: the block then also needs at least one of
    them to hold (a small deal *or* a big deal). Alternatives are criteria
    blocks themselves and may nest.
    """

    trust: list[TrustThreshold] = Field(default_factory=list)
    calm_rounds: int = Field(default=0, ge=0, description="Consecutive rounds without provocation.")
    deals_in_force: list[Id] = Field(default_factory=list)
    tracks: list[TrackLevelRef] = Field(default_factory=list)
    taken: list[SlotRef] = Field(default_factory=list, description="Slots executed at least once.")
    executed: list[SlotRef] = Field(default_factory=list, description="Slots executed this round.")
    succeeded: list[SlotRef] = Field(
        default_factory=list,
        description="Slots executed this round whose outcome did not fail.",
    )
    min_rounds: int = Field(default=0, ge=0, description="Rounds spent in the current stage.")
    in_force: list[SlotRef] = Field(
        default_factory=list,
        description="Institutions' policies in force after this round's votes "
        "(INSTITUTION.policy.level: that level or a stronger one; INSTITUTION.policy: any).",
    )
    any_of: list[Criteria] | None = Field(
        default=None,
        min_length=1,
        description="Alternatives, at least one of which must hold as well (omit for none).",
    )


class Trigger(_Model):
    """A breakdown trigger: every condition given must hold in the same round."""

    executed: list[SlotRef] = Field(default_factory=list, description="Any of these executed.")
    provocations: int = Field(default=0, ge=0, description="At least this many provocations.")
    violation: bool = Field(default=False, description="An agreement in force was violated.")
    trust_below: list[TrustBound] = Field(default_factory=list, description="Any pair below.")

    @model_validator(mode="after")
    def _not_empty(self) -> Trigger:
        if not (self.executed or self.provocations or self.violation or self.trust_below):
            raise ValueError(
                "a trigger needs at least one of executed, provocations, violation, trust_below"
            )
        return self


class BreakdownRule(_Model):
    id: Id
    when: Trigger
    then: Literal["back", "stall"]


class Stage(_Model):
    id: Id
    title: str = ""
    entry: Criteria = Field(default_factory=Criteria)
    exit: Criteria = Field(default_factory=Criteria)
    breakdown: list[BreakdownRule] = Field(default_factory=list)


class Success(_Model):
    """When the roadmap has succeeded, and which success the headline numbers count.

    Success is *reached* when the final stage has been held, unstalled, with
    the criteria met, for ``hold_rounds`` rounds in a row; it is *in force*
    while that still holds, and lost when it stops. Both are always recorded;
    ``counts`` says which one "success" means in summaries.
    """

    hold_rounds: int = Field(ge=1, description="Rounds the final stage must be held.")
    criteria: Criteria = Field(
        default_factory=Criteria, description="What must also hold in each round that counts."
    )
    counts: Literal["reached", "held_to_end"] = Field(
        default="reached",
        description="reached: success counts once reached; held_to_end: only if still in force "
        "at the last round (held for hold_rounds rounds and not lost since).",
    )


class Roadmap(_Model):
    stages: list[Stage] = Field(min_length=1)
    resume: list[Criteria] = Field(
        default_factory=list, description="A stalled process resumes when any of these holds."
    )
    success: Success


class TrackLevel(_Model):
    id: Id
    title: str = ""
    criteria: Criteria


class Track(_Model):
    id: Id
    title: str = ""
    parties: list[Id] = Field(min_length=2)
    levels: list[TrackLevel] = Field(min_length=1)


class ObserverNoise(_Model):
    miss: Probability | None = None
    false_alarm: Probability | None = None


class Noise(_Model):
    miss: Probability = Field(default=0.0, description="P(an executed action goes unseen).")
    false_alarm: Probability = Field(
        default=0.0, description="P(an action not taken is perceived as taken)."
    )
    observers: dict[Id, ObserverNoise] = Field(default_factory=dict)
    tremble: Probability = Field(
        default=0.0,
        description="P(a party's outright choice on an available slot is flipped): a trembling "
        "hand, as the noise of axelrod's tournaments.",
    )


class TrustPrior(_Model):
    pair: tuple[Id, Id]
    trust: OpenUnit
    weight: float = Field(gt=0.0)


class TrustParams(_Model):
    prior_trust: OpenUnit = 0.5
    prior_weight: float = Field(default=2.0, gt=0.0)
    forgetting: float = Field(default=0.9, gt=0.0, le=1.0)
    restraint_evidence: float = Field(
        default=0.0,
        ge=0.0,
        description="Cooperative evidence from a round in which no hostile act is perceived.",
    )
    priors: list[TrustPrior] = Field(default_factory=list)


class InitialTrust(_Model):
    """Trust of one party in another at the start: a level, or the evidence behind it."""

    pair: tuple[Id, Id] = Field(description="[truster, trusted]")
    trust: OpenUnit | None = Field(
        default=None,
        description="Trust at the start; carried as the least evidence of one kind that moves "
        "the pair's prior there, forgotten like any evidence.",
    )
    cooperative: float | None = Field(default=None, ge=0.0, description="Cooperative evidence.")
    hostile: float | None = Field(default=None, ge=0.0, description="Hostile evidence.")

    @model_validator(mode="after")
    def _one_form(self) -> InitialTrust:
        evidence = (self.cooperative is not None, self.hostile is not None)
        if self.trust is None and evidence != (True, True):
            raise ValueError("give trust, or both cooperative and hostile evidence")
        if self.trust is not None and any(evidence):
            raise ValueError("give trust or evidence (cooperative, hostile), not both")
        return self


class Initial(_Model):
    """Where episodes start: the roadmap, agreements and policies in force, trust (optional)."""

    stage: Id | None = Field(default=None, description="The current stage; the first if omitted.")
    stalled: bool = False
    since: int = Field(default=0, ge=0, description="Rounds already spent in the stage or stall.")
    calm_rounds: int = Field(default=0, ge=0, description="Rounds already without provocation.")
    agreements: list[Id] = Field(default_factory=list, description="Deals in force.")
    policies: list[SlotRef] = Field(default_factory=list, description="Standing policies in force.")
    taken: list[SlotRef] = Field(default_factory=list, description="Acts already taken.")
    tracks: dict[Id, Id] = Field(default_factory=dict, description="Track -> level reached.")
    trust: list[InitialTrust] = Field(default_factory=list)
    institutions: list[str] = Field(
        default_factory=list,
        description="Policy levels of institutions in force (INSTITUTION.policy.level).",
    )


class Basis(StrEnum):
    """Where a number comes from: a cited source, an estimate from data, or an assumption."""

    SOURCE = "source"
    ESTIMATE = "estimate"
    ASSUMPTION = "assumption"


class Provenance(_Model):
    """Why a number (or every number of a section) has its value, readable by the tools."""

    path: str = Field(
        min_length=1,
        max_length=300,
        description="A --set path: a number (noise.miss) or a section of numbers (trust.priors).",
    )
    basis: Basis
    rationale: str = Field(min_length=1, description="Why this value, in a sentence.")
    source: str = Field(default="", description="A public citation; required for basis source.")

    @model_validator(mode="after")
    def _cited(self) -> Provenance:
        if self.basis is Basis.SOURCE and not self.source.strip():
            raise ValueError("basis 'source' needs a citation in 'source'")
        return self


class Reading(_Model):
    """How one observer reads an act, in place of the action's intensity (who acts, who watches)."""

    observer: Id
    actor: Id | None = Field(default=None, description="One actor; every actor when omitted.")
    action: Id
    level: Id | None = Field(
        default=None,
        description="One level of a graded action (a vote: in_favour, against, abstain); "
        "every level when omitted.",
    )
    intensity: float = Field(ge=-10.0, le=10.0, description="The observer's reading, -10..10.")
    failed: float | None = Field(
        default=None,
        ge=-10.0,
        le=10.0,
        description="Its reading of the act failed (actions with an outcome); the action's "
        "failure intensity when omitted.",
    )


class OutsideVotes(_Model):
    """The votes of an institution's members that are not parties, fixed (an assumption)."""

    in_favour: int = Field(default=0, ge=0)
    against: int = Field(default=0, ge=0)
    abstain: int = Field(default=0, ge=0)


class Veto(_Model):
    attribute: Id = Field(
        description="The party attribute (true or false) that says which members hold a veto."
    )


class PolicyLevel(_Model):
    id: Id
    name: str = ""
    utilities: dict[Id, float] = Field(
        default_factory=dict, description="Each party's utility per round the level is in force."
    )


class InstitutionPolicy(_Model):
    """A policy held by the institution, in force from the round a resolution adopts it."""

    id: Id
    name: str = ""
    levels: list[PolicyLevel] = Field(
        min_length=1, description="Its levels, mildest first (one level for an ungraded policy)."
    )


class VoteIntensity(_Model):
    """How observers read each vote (by default; ``readings`` can say otherwise)."""

    in_favour: float = Field(default=0.0, ge=-10.0, le=10.0)
    against: float = Field(default=0.0, ge=-10.0, le=10.0)
    abstain: float = Field(default=0.0, ge=-10.0, le=10.0)


class Resolution(_Model):
    """A draft put to the members' vote; its vote is an action of each member's."""

    id: Id
    title: str = ""
    adopts: ActionRef | None = Field(
        default=None, description="policy.level: raised to that level at least when adopted."
    )
    eases: ActionRef | None = Field(
        default=None,
        description="policy.level: lowered to that level at most; policy: lifted.",
    )
    stages: list[Id] | None = Field(
        default=None, description="Stages in which it can be put to a vote; all when omitted."
    )
    intensity: VoteIntensity = Field(default_factory=VoteIntensity)
    outside_votes: OutsideVotes | None = Field(
        default=None,
        description="The outside votes on this resolution; the institution's when omitted.",
    )

    @model_validator(mode="after")
    def _one_effect(self) -> Resolution:
        if (self.adopts is None) == (self.eases is None):
            raise ValueError("a resolution needs exactly one of adopts, eases")
        return self


class Institution(_Model):
    """A body whose members vote on resolutions (the UN Security Council)."""

    id: Id
    name: str = ""
    members: list[Id] = Field(min_length=1, description="The parties that vote in it.")
    outside_votes: OutsideVotes = Field(default_factory=OutsideVotes)
    veto: Veto | None = None
    threshold: int = Field(
        ge=1, description="Votes in favour (members' and outside) that adopt a resolution."
    )
    policies: list[InstitutionPolicy] = Field(min_length=1)
    resolutions: list[Resolution] = Field(min_length=1)


VOTES = ("abstain", "in_favour", "against")
"""A resolution's vote levels, in the order of a graded action (at most one per member and
round; of two, after a trembling hand, the last one here counts). Not yes and no, which
YAML 1.1 reads as true and false."""


class Scenario(_Model):
    """A negotiation scenario: parties, actions, utilities, commitments and a roadmap."""

    id: Id
    title: str = ""
    description: str = ""
    rounds: int = Field(default=40, ge=1, description="Default episode length in rounds.")
    parties: list[Party] = Field(min_length=1)
    actions: list[Action] = Field(min_length=1)
    utilities: Utilities = Field(default_factory=Utilities)
    commitments: list[Commitment] = Field(default_factory=list)
    deals: list[Deal] = Field(default_factory=list)
    tracks: list[Track] = Field(default_factory=list)
    roadmap: Roadmap
    noise: Noise = Field(default_factory=Noise)
    trust: TrustParams = Field(default_factory=TrustParams)
    readings: list[Reading] = Field(
        default_factory=list,
        description="Observers whose reading of an act differs from the action's intensity.",
    )
    provenance: list[Provenance] = Field(
        default_factory=list,
        description="Basis, rationale and source of the numbers, by path; the most specific "
        "entry covering a number applies (see `detente scenario numbers`).",
    )
    initial: Initial | None = Field(
        default=None, description="The state episodes start from; before the first stage if none."
    )
    institutions: list[Institution] = Field(
        default_factory=list, description="Bodies that adopt policies by a vote of their members."
    )

    @property
    def declared_actions(self) -> list[Action]:
        """``actions``, then one graded action per resolution: its members' votes (built anew
        on each call: a cache would survive ``model_copy`` and go stale)."""
        return [
            *self.actions,
            *(
                Action(
                    id=r.id,
                    name=r.title,
                    actors=inst.members,
                    category=Category.VOTE,
                    stages=r.stages,
                    intensity=0.0,
                    levels=[Level(id=v, intensity=getattr(r.intensity, v)) for v in VOTES],
                )
                for inst in self.institutions
                for r in inst.resolutions
            ),
        ]
