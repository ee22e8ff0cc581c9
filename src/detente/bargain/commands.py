"""``detente bargain``: the shell around the solver (imported only when the command runs)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from detente.bargain.deal import add_deal, dump_scenario
from detente.bargain.errors import BargainError
from detente.bargain.frontier import pareto_frontier
from detente.bargain.normalise import Normalised, comparison_warning, normalise
from detente.bargain.problem import BargainProblem, deals_in, utilities
from detente.bargain.results import CONCEPTS, Concept, Frontier, Solution
from detente.bargain.scenario import ScenarioBargain, bargain_from_scenario, parse_disagreement
from detente.bargain.solve import solve
from detente.cli_common import check_output, fail, user_errors
from detente.scenario.compiled import compile_scenario
from detente.scenario.overrides import load_with_overrides
from detente.simulate.render import console as render_console
from detente.simulate.render import table as render_table
from detente.simulate.render import wrap


def _names(text: str | None) -> list[str] | None:
    return [p.strip() for p in text.split(",") if p.strip()] if text else None


def _concepts(solution: str) -> list[Concept]:
    if solution == "all":
        return list(CONCEPTS)
    if solution not in CONCEPTS:
        fail(f"--solution must be one of {', '.join([*CONCEPTS, 'all'])}, got {solution!r}")
    return [solution]


def _solution_dict(
    s: Solution, problem: BargainProblem, normalised: Normalised | None
) -> dict[str, Any]:
    per_party = None
    if s.package is not None and s.gains is not None:
        utils = utilities(problem, s.package)
        per_party = {
            p: {"utility": float(u), "gain": float(u - d)}
            for p, u, d in zip(problem.parties, utils, problem.disagreement_point, strict=True)
        }
        if normalised is not None:
            for p, g in zip(problem.parties, s.gains, strict=True):
                per_party[p]["normalised_gain"] = float(g)
    return {
        "status": s.status,
        "package": list(s.slots),
        "deals": _deals(problem, s),
        "parties": per_party,
        "objective": s.objective,
        "blocking": list(s.blocking),
        "message": s.message,
    }


def _deals(problem: BargainProblem, s: Solution) -> list[str]:
    """The deals whole in the solution's package."""
    if s.package is None:
        return []
    whole = deals_in(problem, s.package)
    return [name for name, inside in zip(problem.deal_names, whole, strict=True) if inside]


def _frontier_dict(f: Frontier) -> dict[str, Any]:
    return {
        "status": f.status,
        "points": [
            {"package": list(p.slots), "utilities": [float(u) for u in p.utilities]}
            for p in f.points
        ],
    }


def _valuation_dict(b: ScenarioBargain) -> dict[str, Any]:
    v = b.valuation
    return {
        "kind": "present_value",
        "discount": v.discount,
        "horizon": v.horizon,
        "from_round": v.from_round,
        "rounds": v.rounds,
        "flow_factor": v.flow_factor,
        "flows": list(b.flows),
        "one_off": list(b.one_off),
    }


def _disagreement_dict(b: ScenarioBargain) -> dict[str, Any]:
    d = b.disagreement
    return {
        "source": d.source,
        "description": d.describe(),
        "default_moves": {p: list(acts) for p, acts in d.moves.items()},
        "given": list(d.given),
        "values": {p: float(v) for p, v in zip(b.problem.parties, d.values, strict=True)},
    }


def _valuation_text(b: ScenarioBargain) -> str:
    v = b.valuation
    return (
        f"valuation: present value of rounds {v.from_round}-{v.horizon} ({v.rounds} rounds) "
        f"at discount {v.discount:g} per round: a repeated act counts {v.flow_factor:.2f} "
        "times its per-round value, a one-off act once"
    )


def _disagreement_text(b: ScenarioBargain) -> str:
    values = ", ".join(
        f"{p} {v:+.2f}" for p, v in zip(b.problem.parties, b.disagreement.values, strict=True)
    )
    return f"disagreement point: {b.disagreement.describe()}; values: {values}"


OBJECTIVES = {
    "nash": "the product of the gains",
    "egalitarian": "the smallest gain",
    "utilitarian": "the sum of the gains",
    "kalai": "the smallest share of a party's ideal gain",
}
"""What each solution maximises: the table's ``objective`` column, in words."""


def _gains_table(solved: dict[Concept, Solution], parties: Sequence[str]) -> Table:
    table = render_table("solution", "status", *parties, "objective")
    for column in table.columns[2:]:
        column.justify = "right"
    for column in (table.columns[0], table.columns[-1]):
        column.no_wrap = True
    for concept, s in solved.items():
        gains = [f"{g:+.3g}" for g in s.gains] if s.gains is not None else ["-"] * len(parties)
        objective = f"{s.objective:.3g}" if s.objective is not None else "-"
        table.add_row(concept, s.status.replace("_", " "), *gains, objective)
    return table


def _gains_title(solved: dict[Concept, Solution], normalised: bool) -> str:
    what = (
        "as shares of each party's range"
        if normalised
        else "present values to 3 digits, each in its party's own utility units"
    )
    maximises = "; ".join(f"{c}, {OBJECTIVES[c]}" for c in solved)
    return (
        f"Gains over the disagreement point ({what}). The objective is what each solution "
        f"maximises: {maximises}."
    )


def _packages(solved: dict[Concept, Solution], problem: BargainProblem) -> list[str]:
    """Each distinct package once, its deals, actions grouped by party, and its concepts."""
    lines: list[str] = []
    seen: dict[tuple[str, ...], list[Concept]] = {}
    for concept, s in solved.items():
        if s.package is None:
            lines.append(f"{concept}: {s.message}")
        else:
            seen.setdefault(s.slots, []).append(concept)
    for slots, concepts in seen.items():
        lines.append(f"package of {', '.join(concepts)}:")
        lines.append(f"  deals  {', '.join(_deals(problem, solved[concepts[0]])) or '-'}")
        for party in problem.parties:
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
    horizon: int | None = None,
    from_round: int | None = None,
    normalise_gains: bool = False,
    free: str | None = None,
) -> None:
    """Solve the balance of interests at a stage and print (or write) the result."""
    if fmt not in ("table", "json"):
        fail(f"--format must be table or json, got {fmt!r}")
    concepts = _concepts(solution)
    if as_deal is not None and len(concepts) != 1:
        fail("--as-deal needs one --solution (nash, egalitarian, utilitarian or kalai)")
    if out is not None:
        check_output(out)
    with user_errors(BargainError):
        loaded = load_with_overrides(scenario, overrides)
        compiled = compile_scenario(loaded)
        if as_deal is not None and out is None:
            check_output(Path(f"{compiled.scenario.id}_{as_deal}.yaml"), "--as-deal")
        names = _names(parties)
        bargain = bargain_from_scenario(
            compiled,
            stage,
            names,
            parse_disagreement(disagreement, compiled.parties),
            include_provocations,
            horizon,
            from_round,
            _names(free) or (),
        )
        problem = bargain.problem
        normalised = normalise(problem) if normalise_gains else None
        solving = normalised.problem if normalised is not None else problem
        solved = {c: solve(solving, c, time_limit) for c in concepts}
        front = pareto_frontier(problem, max_frontier, time_limit) if frontier else None
    warning = comparison_warning(concepts, normalise_gains)
    if fmt == "json":
        data: dict[str, Any] = {
            "scenario": compiled.scenario.id,
            "stage": bargain.stage,
            "parties": list(problem.parties),
            "candidates": list(problem.slots),
            "valuation": _valuation_dict(bargain),
            "disagreement": _disagreement_dict(bargain),
            "deals": {n: [problem.slots[k] for k in ks] for n, ks in problem.deals.items()},
            "left_out": list(bargain.left_out),
            "normalise": None
            if normalised is None
            else {
                "by": "range",
                "ranges": dict(zip(problem.parties, map(float, normalised.ranges), strict=True)),
            },
            "warnings": [] if warning is None else [warning],
            "solutions": {c: _solution_dict(s, problem, normalised) for c, s in solved.items()},
        }
        if front is not None:
            data["frontier"] = _frontier_dict(front)
        sys.stdout.write(json.dumps(data, indent=2) + "\n")
    else:
        console = render_console()
        lines = [
            f"{compiled.scenario.title}: balance of interests in stage {bargain.stage} among "
            f"{', '.join(problem.parties)} ({len(problem.slots)} candidate actions, "
            f"{len(problem.deals)} deals on the table)",
            _valuation_text(bargain),
            _disagreement_text(bargain),
        ]
        if bargain.left_out:
            lines.append(
                "left out (offered only through deals not on the table): "
                + ", ".join(bargain.left_out)
            )
        lines.append(_gains_title(solved, normalised is not None))
        for line in lines:
            console.print(wrap(line), markup=False)
        console.print(_gains_table(solved, problem.parties))
        for line in _packages(solved, problem):
            console.print(wrap(line, "         "), markup=False)
        if front is not None:
            console.print(f"Pareto frontier: {len(front.points)} packages ({front.status})")
        if warning is not None:
            console.print(wrap(f"warning: {warning}"), markup=False)
    stage_id = bargain.stage
    if as_deal is not None:
        chosen = solved[concepts[0]]
        if chosen.package is None:
            fail(f"--as-deal {as_deal}: {concepts[0]} found no package to write ({chosen.message})")
        with user_errors(BargainError):
            doc = add_deal(
                loaded.model_dump(mode="json", by_alias=True, exclude_unset=True),
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
