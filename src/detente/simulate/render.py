"""Summaries and comparisons as tables a policy reader can take in, for the command line.

Every table fits 80 columns (long names fold, never cut); every interval has
one style, ``0.415 (0.405 to 0.425)``, rounded to its precision
(:mod:`detente.simulate.numbers`), and the output says what the numbers mean.
"""

from __future__ import annotations

import textwrap

from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from detente.simulate.best_response import BestResponse
from detente.simulate.compare import Comparison
from detente.simulate.numbers import INTERVALS, estimate, share
from detente.simulate.summary import (
    NOTES,
    TRUST,
    Estimate,
    Summary,
    Triggers,
    success_definitions,
)

TOP_CAUSES = 5
WIDTH = 80


def console() -> Console:
    """Standard output: the terminal's width, 80 columns when it is a file or pipe."""
    plain = Console(highlight=False)
    return plain if plain.is_terminal else Console(highlight=False, width=WIDTH)


def _checkpoints(rounds: int) -> list[int]:
    return sorted({max(1, rounds * q // 4) for q in (1, 2, 3, 4)})


def _profile(profile: dict[str, str]) -> str:
    return ", ".join(f"{party}={spec}" for party, spec in profile.items())


def wrap(text: str, indent: str = "  ") -> str:
    return "\n".join(textwrap.wrap(text, WIDTH, subsequent_indent=indent))


def cell(e: Estimate | None, signed: bool = False) -> str:
    """An estimate on two lines (mean, then interval): narrow enough for a table column."""
    if e is None:
        return "-"
    mean, _, interval = estimate(e, signed).partition(" ")
    return f"{mean}\n{interval}" if interval else mean


def successes(counts: str) -> tuple[str, str]:
    """Headers of P(reached) and P(held to end), the one the scenario counts marked as
    P(success): a column of its own would repeat it."""
    return (
        "P(reached)" + ("\n= P(success)" if counts == "reached" else ""),
        "P(held to end)" + ("\n= P(success)" if counts == "held_to_end" else ""),
    )


def table(*headers: str, names: list[str] | None = None) -> Table:
    """A table without side borders; cells fold rather than being cut, and the column of
    ``names`` (the second) keeps its longest name on one line where it can."""
    t = Table(*headers, box=box.SIMPLE_HEAD, pad_edge=False)
    for column in t.columns:
        column.overflow = "fold"
    if names:
        t.columns[1].min_width = min(max(map(len, names)), 24)
    return t


def _titled(title: str, body: Table) -> Group:
    return Group(Text(""), Text(wrap(title)), body)


def _rule(rule: str, stages: list[str]) -> tuple[str, str]:
    """``stage.rule_id`` as (stage number, ``rule id``) for readers."""
    stage, _, name = rule.partition(".")
    number = str(stages.index(stage) + 1) if stage in stages else stage
    return number, name.replace("_", " ")


def success_lines(s: Summary) -> list[str]:
    """P(success), then P(reached) and P(held to end), each with its interval and meaning."""
    words = success_definitions(s.success_counts, s.hold_rounds)
    median = f", median round {s.median_success_round:g}" if s.median_success_round else ""
    held = "-" if s.held_to_end is None else estimate(s.held_to_end)
    return [
        f"Success {words['success']}:",
        f"  P(success)      {estimate(s.success)}",
        f"  P(reached)      {estimate(s.reached)}{median}",
        f"  P(held to end)  {held}",
        wrap(f"  reached: {words['reached']}.", "    "),
        wrap(f"  held to end: {words['held_to_end']}.", "    "),
    ]


def summary_view(s: Summary, intervals: str = INTERVALS) -> Group:
    """Headline numbers, the horizon view, stages, payoffs and the most frequent breakdowns;
    ``intervals`` says what the (a to b) intervals cover."""
    h = s.horizon
    head = Text(
        "\n".join(
            [
                f"{s.scenario}: {s.episodes:,} episodes x {s.rounds} rounds, seed {s.seed}",
                wrap(f"strategies: {_profile(s.profile)}"),
                wrap(intervals + "."),
                "",
                *success_lines(s),
                f"P(stalled at least once)  {estimate(s.stall)}",
            ]
        )
    )
    names = [st.stage for st in s.stages]
    stages = table("#", "stage", "P(reached)", "median round reached", names=names)
    horizon = table("#", "stage", "P(in it at the end)", "share of all rounds", names=names)
    for k, st in enumerate(s.stages):
        median = "-" if st.median_round is None else f"{st.median_round:g}"
        stages.add_row(str(k + 1), st.stage, estimate(st.reached), median)
        spent = "-" if h.rounds_share is None else share(h.rounds_share[st.stage], s.episodes)
        horizon.add_row(str(k + 1), st.stage, estimate(h.final_stage[st.stage]), spent)
    marks = _checkpoints(s.rounds)
    by_round = table("#", "stage", *(f"by {r}" for r in marks), names=names)
    for k, st in enumerate(s.stages):
        by_round.add_row(
            str(k + 1), st.stage, *(share(st.by_round[r - 1], s.episodes) for r in marks)
        )
    parties = table("party", "discounted payoff", "total payoff")
    for p in s.parties:
        parties.add_row(p.party, cell(p.discounted), cell(p.total))
    after = Text(
        f"P(stalled after the last round)  {estimate(h.stalled_at_end)}\n"
        + wrap(
            "share of all rounds: of every round played, those after which the episode "
            "was in the stage."
        )
    )
    payoff_notes = Text(
        wrap(f"Payoffs are {NOTES['payoffs']}.")
        + "\n"
        + wrap(f"Discounted: {NOTES['discounted'].partition(': ')[2]}.")
    )
    parts: list[Text | Table | Group] = [
        head,
        _titled("Stages: how far the episodes got", stages),
        _titled(f"The horizon: where the episodes are after round {s.rounds}, the last", horizon),
        after,
        _titled("P(reached by round r): at any round up to r, even if left since", by_round),
        _titled("Payoffs: mean per episode", parties),
        payoff_notes,
    ]
    if s.causes:
        causes = table("stage", "breakdown rule", "firings per episode", "share of episodes")
        for c in s.causes[:TOP_CAUSES]:
            causes.add_row(
                *_rule(c.rule, names), f"{c.per_episode:.3f}", share(c.episodes, s.episodes)
            )
        parts.append(_titled("Breakdowns: the rules that fired most (stage by #)", causes))
        parts += _attribution(s, names)
    return Group(*parts)


def _attribution(s: Summary, names: list[str]) -> list[Text | Table | Group]:
    """Who triggered the most frequent rules, then each party's setbacks and stalls."""
    a = s.attribution
    if a is None:
        return []
    rules = table("stage", "breakdown rule", "by", "share of episodes", "per episode")
    for rule, t in list(a.rules.items())[:TOP_CAUSES]:
        for k, (who, x) in enumerate(t.triggerers()):
            stage, name = _rule(rule, names) if k == 0 else ("", "")
            rules.add_row(stage, name, who, share(x.episodes, s.episodes), f"{x.per_episode:.3f}")
    kinds = dict(a.back.triggerers()), dict(a.stall.triggerers())
    shares = ("share of episodes", "per episode")
    totals = table("by", f"setbacks:\n{shares[0]}", shares[1], f"stalls:\n{shares[0]}", shares[1])
    for who in [*a.back.by, TRUST]:
        if who in kinds[0] or who in kinds[1]:
            totals.add_row(
                who, *(cell for found in kinds for cell in _share(found.get(who), s.episodes))
            )
    note = Text(
        wrap(
            "by: the party whose acts met the rule's trigger (its actions, the provocations it "
            "counted, the violation of an agreement); one firing met by two parties counts for "
            f"both; {TRUST}: trust below a threshold met it."
        )
    )
    return [
        _titled("Who triggered them: each rule's firings by party", rules),
        _titled("Setbacks (back a stage) and stalls, by the party that triggered them", totals),
        note,
    ]


def _share(x: Triggers | None, episodes: int) -> tuple[str, str]:
    """A share of episodes and triggers per episode, dashes for never."""
    return ("-", "-") if x is None else (share(x.episodes, episodes), f"{x.per_episode:.3f}")


def comparison_view(c: Comparison) -> Group:
    """Each profile's headline numbers, then its paired differences from the baseline."""
    first = next(iter(c.summaries.values()))
    words = success_definitions(first.success_counts, first.hold_rounds)
    lines = [
        wrap(
            f"{first.scenario}: {first.episodes:,} episodes x {first.rounds} rounds, "
            f"seed {first.seed}, common random numbers; differences are paired, "
            f"against {c.baseline}"
        ),
        *(wrap(f"{name}: {_profile(s.profile)}") for name, s in c.summaries.items()),
        wrap(f"success {words['success']}; " + c.intervals + "."),
        wrap(f"Payoffs are {NOTES['payoffs']}."),
    ]
    overview = table("profile", *successes(first.success_counts), "P(stall)")
    for name, s in c.summaries.items():
        overview.add_row(name, cell(s.reached), cell(s.held_to_end), cell(s.stall))
    parts: list[Text | Table] = [Text("\n".join(lines)), overview]
    for d in c.differences:
        head = Text(
            wrap(
                f"{d.profile} - {c.baseline}: P(success) {_change(d.success)}; "
                f"P(reached) {_change(d.reached)}; P(held to end) {_change(d.held_to_end)}"
            )
        )
        diff = table("party", "difference in discounted payoff", "difference in total payoff")
        for party, est in d.discounted.items():
            diff.add_row(party, cell(est, signed=True), cell(d.total[party], signed=True))
        parts.extend([head, diff])
    return Group(*parts)


def _change(e: Estimate | None) -> str:
    return "-" if e is None else estimate(e, signed=True)


def best_response_view(b: BestResponse) -> Group:
    """The candidates, best first marked, with the party's discounted utility and shortfall."""
    head = Text(
        "\n".join(
            [
                wrap(
                    f"{b.scenario}: best response of {b.party}, {b.episodes:,} episodes x "
                    f"{b.rounds} rounds, seed {b.seed}, common random numbers"
                ),
                wrap(f"against: {_profile(b.against)}"),
                f"best: {b.best}, the highest mean discounted utility of {b.party}",
                "shortfall: the best minus the candidate, episode by episode",
                wrap(
                    f"P(success): success {b.success_counts.replace('_', ' ')} "
                    "(roadmap.success.counts); " + INTERVALS + "."
                ),
            ]
        )
    )
    candidates = table("", "candidate", "mean discounted utility", "shortfall", "P(success)")
    for cand in b.candidates:
        candidates.add_row(
            "*" if cand.spec == b.best else "",
            cand.spec,
            cell(cand.discounted),
            cell(cand.shortfall),
            cell(cand.success),
        )
    return Group(head, candidates)
