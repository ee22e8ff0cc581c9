"""Summaries and comparisons as rich tables, for the command line."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from detente.simulate.best_response import BestResponse
from detente.simulate.compare import Comparison
from detente.simulate.summary import Estimate, Summary, success_definitions

TOP_CAUSES = 5
MIN_WIDTH = 110  # when printing to a file or pipe, which rich would treat as 80 columns


def console() -> Console:
    """Standard output, at least wide enough for the tables when it is not a terminal."""
    plain = Console(highlight=False)
    return plain if plain.is_terminal else Console(highlight=False, width=MIN_WIDTH)


def _checkpoints(rounds: int) -> list[int]:
    return sorted({max(1, rounds * q // 4) for q in (1, 2, 3, 4)})


def _profile(profile: dict[str, str]) -> str:
    return ", ".join(f"{party}={spec}" for party, spec in profile.items())


def _ci(e: Estimate) -> str:
    return "-" if e.low is None or e.high is None else f"{e.low:.3g} to {e.high:.3g}"


def _share(e: Estimate | None) -> str:
    return "-" if e is None else f"{e.mean:.3g} (95% CI {_ci(e)})"


def success_lines(s: Summary) -> list[str]:
    """P(success), then P(reached) and P(held to end), each with its interval and meaning."""
    words = success_definitions(s.success_counts, s.hold_rounds)
    median = f", median round {s.median_success_round:g}" if s.median_success_round else ""
    return [
        f"P(success) {_share(s.success)}: {words['success']}",
        f"  P(reached) {_share(s.reached)}{median}: {words['reached']}",
        f"  P(held to end) {_share(s.held_to_end)}: {words['held_to_end']}",
    ]


def _cells(e: Estimate | None) -> tuple[str, str]:
    return ("-", "-") if e is None else (f"{e.mean:.3f}", _ci(e))


def _change(e: Estimate | None) -> str:
    return "-" if e is None else f"{e.mean:+.3f} (95% CI {_ci(e)})"


def summary_view(s: Summary) -> Group:
    """Headline numbers, then stages, payoffs and the most frequent breakdowns."""
    head = Text(
        "\n".join(
            [
                f"{s.scenario}: {s.episodes} episodes x {s.rounds} rounds, seed {s.seed}",
                f"strategies: {_profile(s.profile)}",
                *success_lines(s),
                f"P(stalled at least once) {_share(s.stall)}",
            ]
        )
    )
    marks = _checkpoints(s.rounds)
    stages = Table("stage", "P(reached)", "95% CI", "median round", *(f"by {r}" for r in marks))
    for st in s.stages:
        median_round = "-" if st.median_round is None else f"{st.median_round:g}"
        by_round = (f"{st.by_round[r - 1]:.3f}" for r in marks)
        stages.add_row(st.stage, f"{st.reached.mean:.3f}", _ci(st.reached), median_round, *by_round)
    parties = Table("party", "mean discounted payoff", "95% CI", "mean total payoff", "95% CI")
    for p in s.parties:
        parties.add_row(
            p.party,
            f"{p.discounted.mean:.4g}",
            _ci(p.discounted),
            f"{p.total.mean:.4g}",
            _ci(p.total),
        )
    parts: list[Text | Table] = [head, stages, parties]
    if s.causes:
        causes = Table("breakdown rule", "firings per episode", "share of episodes")
        for c in s.causes[:TOP_CAUSES]:
            causes.add_row(c.rule, f"{c.per_episode:.3f}", f"{c.episodes:.3f}")
        parts.append(causes)
    return Group(*parts)


def comparison_view(c: Comparison) -> Group:
    """Each profile's headline numbers, then its paired differences from the baseline."""
    first = next(iter(c.summaries.values()))
    lines = [
        f"{first.scenario}: {first.episodes} episodes x {first.rounds} rounds, seed {first.seed}, "
        f"common random numbers; differences are paired, against {c.baseline}",
        *(f"{name}: {_profile(s.profile)}" for name, s in c.summaries.items()),
    ]
    lines.append(
        f"success {success_definitions(first.success_counts, first.hold_rounds)['success']}"
    )
    overview = Table(
        "profile",
        "P(success)",
        "95% CI",
        "P(reached)",
        "95% CI",
        "P(held to end)",
        "95% CI",
        "P(stall)",
        "95% CI",
    )
    for name, s in c.summaries.items():
        overview.add_row(
            name,
            *_cells(s.success),
            *_cells(s.reached),
            *_cells(s.held_to_end),
            *_cells(s.stall),
        )
    parts: list[Text | Table] = [Text("\n".join(lines)), overview]
    for d in c.differences:
        table = Table(
            "party",
            "difference in discounted payoff",
            "95% CI",
            "difference in total payoff",
            "95% CI",
            title=f"{d.profile} - {c.baseline}: P(success) {_change(d.success)}; "
            f"P(reached) {_change(d.reached)}; P(held to end) {_change(d.held_to_end)}",
        )
        for party, est in d.discounted.items():
            total = d.total[party]
            table.add_row(party, f"{est.mean:+.4g}", _ci(est), f"{total.mean:+.4g}", _ci(total))
        parts.append(table)
    return Group(*parts)


def best_response_view(b: BestResponse) -> Group:
    """The candidates, best first marked, with the party's discounted utility and shortfall."""
    head = Text(
        f"{b.scenario}: best response of {b.party}, {b.episodes} episodes x {b.rounds} rounds, "
        f"seed {b.seed}, common random numbers\n"
        f"against: {_profile(b.against)}\n"
        f"best: {b.best}, the highest mean discounted utility of {b.party}\n"
        "shortfall: the best minus the candidate, episode by episode\n"
        f"P(success): success {b.success_counts.replace('_', ' ')} (roadmap.success.counts); "
        "every interval is 95% and covers the Monte Carlo error only"
    )
    table = Table(
        "", "candidate", "mean discounted utility", "95% CI", "shortfall", "95% CI", "P(success)"
    )
    for c in b.candidates:
        table.add_row(
            "*" if c.spec == b.best else "",
            c.spec,
            f"{c.discounted.mean:.4g}",
            _ci(c.discounted),
            f"{c.shortfall.mean:.4g}",
            _ci(c.shortfall),
            f"{c.success.mean:.3f}",
        )
    return Group(head, table)
