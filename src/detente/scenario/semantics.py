"""Checks that need a well-typed scenario: can every stage actually be reached?

A stage is unreachable when its entry criteria (or the previous stage's exit
criteria) ask for something the roadmap can never produce before it: an
action not available in an earlier stage, a deal whose actions are never
available together, more calm rounds than the scenario lasts.
"""

from __future__ import annotations

from detente.scenario.errors import ScenarioIssue, format_path
from detente.scenario.schema import Criteria, Scenario


def _available_in(scenario: Scenario, action_id: str) -> set[str] | None:
    """The stages in which an action is available; None for an unknown action."""
    stages = [s.id for s in scenario.roadmap.stages]
    action = next((a for a in scenario.declared_actions if a.id == action_id), None)
    if action is None:
        return None  # reported by the reference checks
    return set(stages) if action.stages is None else set(action.stages)


def _criteria_issues(
    scenario: Scenario, crit: Criteria, before: list[str], where: tuple[str | int, ...], stage: str
) -> list[ScenarioIssue]:
    """Issues with criteria that gate entry into ``stage``; ``before`` lists earlier stages."""
    issues: list[ScenarioIssue] = []
    earlier = set(before)
    previous = before[-1] if before else None

    def unreachable(path: tuple[str | int, ...], why: str, value: object) -> None:
        issues.append(
            ScenarioIssue(format_path(path), f"stage {stage} is unreachable: {why}", value)
        )

    for key in ("executed", "succeeded"):
        for i, slot in enumerate(getattr(crit, key)):
            available = _available_in(scenario, slot.split(".")[1])
            if previous is not None and available is not None and previous not in available:
                unreachable((*where, key, i), f"{slot} is not available in stage {previous}", slot)
    for i, slot in enumerate(crit.taken):
        available = _available_in(scenario, slot.split(".")[1])
        if available is not None and not (available & earlier):
            unreachable((*where, "taken", i), f"{slot} is not available in any earlier stage", slot)
    commitments = {c.id: c for c in scenario.commitments}
    for i, deal_id in enumerate(crit.deals_in_force):
        deal = next((d for d in scenario.deals if d.id == deal_id), None)
        if deal is None:
            continue  # reported by the reference checks
        common = set(earlier)
        known = True
        for cid in deal.commitments:
            com = commitments.get(cid)
            available = None if com is None else _available_in(scenario, com.action)
            if available is None:
                known = False  # an unknown commitment or action: nothing to conclude
                break
            common &= available
        if known and not common:
            unreachable(
                (*where, "deals_in_force", i),
                f"the actions of deal {deal_id} are never available together before it",
                deal_id,
            )
    for key, value in (("calm_rounds", crit.calm_rounds), ("min_rounds", crit.min_rounds)):
        if value > scenario.rounds:
            unreachable(
                (*where, key), f"needs more rounds than the scenario's {scenario.rounds}", value
            )
    alternatives = [
        _criteria_issues(scenario, alternative, before, (*where, "any_of", i), stage)
        for i, alternative in enumerate(crit.any_of or ())
    ]
    if all(alternatives):  # no alternative can hold (all() of none: no any_of, nothing added)
        issues += [
            ScenarioIssue(
                issue.path,
                f"{issue.message}; no other alternative of its any_of can hold either",
                issue.value,
            )
            for found in alternatives
            for issue in found
        ]
    return issues


def check_semantics(scenario: Scenario) -> list[ScenarioIssue]:
    """Reachability and horizon checks on a well-typed scenario.

    Unknown references are skipped here (the reference checks report them), so
    these checks can run, and report, alongside them.
    """
    issues: list[ScenarioIssue] = []
    stages = scenario.roadmap.stages
    ids = [s.id for s in stages]
    if stages[0].entry != Criteria():
        issues.append(
            ScenarioIssue(
                "roadmap.stages[0].entry",
                "every episode starts in the first stage, so its entry criteria are never used",
                stages[0].entry.model_dump(exclude_defaults=True),
            )
        )
    for s in range(1, len(stages)):
        stage = stages[s].id
        where: tuple[str | int, ...] = ("roadmap", "stages", s, "entry")
        issues += _criteria_issues(scenario, stages[s].entry, ids[:s], where, stage)
        where = ("roadmap", "stages", s - 1, "exit")
        issues += _criteria_issues(scenario, stages[s - 1].exit, ids[:s], where, stage)
    hold = scenario.roadmap.success.hold_rounds
    if hold > scenario.rounds:
        issues.append(
            ScenarioIssue(
                "roadmap.success.hold_rounds",
                f"success is unreachable: longer than the scenario's {scenario.rounds} rounds",
                hold,
            )
        )
    return issues
