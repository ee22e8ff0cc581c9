"""``detente bargain``: the shell around the solver (imported only when the command runs)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from detente.bargain.deal import add_deal, dump_scenario
from detente.bargain.errors import BargainError
from detente.bargain.frontier import pareto_frontier
from detente.bargain.results import CONCEPTS, Concept, Frontier, Solution
from detente.bargain.scenario import parse_disagreement, problem_from_scenario, stage_index
from detente.bargain.solve import solve
from detente.cli_common import fail, user_errors
from detente.scenario.compiled import compile_scenario
from detente.scenario.overrides import load_with_overrides


def _concepts(solution: str) -> list[Concept]:
    if solution == "all":
        return list(CONCEPTS)
    if solution not in CONCEPTS:
        fail(f"--solution must be one of {', '.join([*CONCEPTS, 'all'])}, got {solution!r}")
    return [solution]


def _solution_dict(s: Solution, parties: Sequence[str]) -> dict[str, Any]:
    per_party = None
    if s.gains is not None and s.utilities is not None:
        per_party = {
            p: {"utility": float(u), "gain": float(g)}
            for p, u, g in zip(parties, s.utilities, s.gains, strict=True)
        }
    return {
        "status": s.status,
        "package": list(s.slots),
        "parties": per_party,
        "objective": s.objective,
        "blocking": list(s.blocking),
        "message": s.message,
    }


def _frontier_dict(f: Frontier) -> dict[str, Any]:
    return {
        "status": f.status,
        "points": [
            {"package": list(p.slots), "utilities": [float(u) for u in p.utilities]}
            for p in f.points
        ],
    }


def _gains_table(solved: dict[Concept, Solution], parties: Sequence[str]) -> Table:
    table = Table(title="gains per round over the disagreement point", title_justify="left")
    table.add_column("solution", no_wrap=True)
    table.add_column("status", no_wrap=True)
    for p in parties:
        table.add_column(p, justify="right")
    table.add_column("objective", justify="right", no_wrap=True)
    for concept, s in solved.items():
        gains = [f"{g:+.2f}" for g in s.gains] if s.gains is not None else ["-"] * len(parties)
        objective = f"{s.objective:.3g}" if s.objective is not None else "-"
        table.add_row(concept, s.status.replace("_", " "), *gains, objective)
    return table


def _packages(solved: dict[Concept, Solution], parties: Sequence[str]) -> list[str]:
    """Each distinct package once, actions grouped by party, with the concepts that chose it."""
    lines: list[str] = []
    seen: dict[tuple[str, ...], list[str]] = {}
    for concept, s in solved.items():
        if s.package is None:
            lines.append(f"{concept}: {s.message}")
        else:
            seen.setdefault(s.slots, []).append(concept)
    for slots, concepts in seen.items():
        lines.append(f"package of {', '.join(concepts)}:")
        for party in parties:
            mine = [slot.split(".", 1)[1] for slot in slots if slot.split(".", 1)[0] == party]
            lines.append(f"  {party:<6} {', '.join(mine) or '-'}")
    return lines


def run_bargain(
    scenario: str,
    stage: str | None,
    parties: str | None,
    solution: str,
    disagreement: str,
    include_provocations: bool,
    overrides: Sequence[str],
    frontier: bool,
    max_frontier: int,
    time_limit: float | None,
    as_deal: str | None,
    out: Path | None,
    fmt: str,
) -> None:
    """Solve the balance of interests at a stage and print (or write) the result."""
    if fmt not in ("table", "json"):
        fail(f"--format must be table or json, got {fmt!r}")
    concepts = _concepts(solution)
    if as_deal is not None and len(concepts) != 1:
        fail("--as-deal needs one --solution (nash, egalitarian, utilitarian or kalai)")
    with user_errors(BargainError):
        loaded = load_with_overrides(scenario, overrides)
        compiled = compile_scenario(loaded)
        names = [p.strip() for p in parties.split(",") if p.strip()] if parties else None
        point = parse_disagreement(disagreement, compiled.parties)
        problem = problem_from_scenario(compiled, stage, names, point, include_provocations)
        solved = {c: solve(problem, c, time_limit) for c in concepts}
        front = pareto_frontier(problem, max_frontier, time_limit) if frontier else None
    stage_id = compiled.stages[stage_index(compiled, stage)]
    if fmt == "json":
        data: dict[str, Any] = {
            "scenario": compiled.scenario.id,
            "stage": stage_id,
            "parties": list(problem.parties),
            "candidates": list(problem.slots),
            "disagreement": [float(v) for v in problem.disagreement_point],
            "solutions": {c: _solution_dict(s, problem.parties) for c, s in solved.items()},
        }
        if front is not None:
            data["frontier"] = _frontier_dict(front)
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        console = Console(highlight=False, width=None if sys.stdout.isatty() else 120)
        console.print(
            f"{compiled.scenario.title}: balance of interests in stage {stage_id} among "
            f"{', '.join(problem.parties)} ({len(problem.slots)} candidate actions)",
            soft_wrap=True,
        )
        console.print(_gains_table(solved, problem.parties))
        for line in _packages(solved, problem.parties):
            console.print(line, soft_wrap=True, markup=False)
        if front is not None:
            console.print(f"Pareto frontier: {len(front.points)} packages ({front.status})")
    if as_deal is not None:
        chosen = solved[concepts[0]]
        if chosen.package is None:
            fail(f"--as-deal {as_deal}: {concepts[0]} found no package to write ({chosen.message})")
        with user_errors(BargainError):
            doc = add_deal(
                loaded.model_dump(mode="json", by_alias=True, exclude_defaults=True),
                as_deal,
                chosen.slots,
                f"{concepts[0]} package for stage {stage_id}",
            )
        target = out or Path(f"{compiled.scenario.id}_{as_deal}.yaml")
        note = (
            f"{compiled.scenario.id} with deal {as_deal}: the {concepts[0]} package of "
            f"`detente bargain` for stage {stage_id}.\nComments of the original file are not kept."
        )
        target.write_text(dump_scenario(doc, note), encoding="utf-8")
        sys.stderr.write(f"wrote {target} (deal {as_deal}: {', '.join(chosen.slots)})\n")
