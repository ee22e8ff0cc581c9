"""A backtest as text tables: the scores per question and horizon, and the reliability table."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text

from detente.backtest.runner import Backtest, Scores
from detente.backtest.scores import Bin
from detente.simulate.render import table, wrap

SCORE_HEADER = (
    "question",
    "H",
    "n",
    "mean p",
    "obs",
    "Brier",
    "BSS\nrate",
    "BSS\npersist",
    "log",
    "LSS\nrate",
    "LSS\npersist",
)
"""Columns of the score table: the horizon H, the cases n (and how many have baselines),
the mean forecast p, the observed frequency, the Brier score and its skill (BSS) against the
base rate and persistence, the log score and its skill (LSS)."""
BIN_HEADER = ("forecast bin", "cases", "mean forecast", "observed frequency")


def number(x: float | None, digits: int = 3) -> str:
    """``x`` with ``digits`` decimals, "-" for None (undefined)."""
    return "-" if x is None else f"{x:.{digits}f}"


def score_row(s: Scores) -> list[str]:
    """One row of the score table."""
    rate, persist = s.base_rate, s.persistence
    skills = [
        None if base is None else getattr(base, kind)
        for kind in ("brier_skill", "log_skill")
        for base in (rate, persist)
    ]
    n = str(s.n) if s.n_baselines == s.n else f"{s.n} ({s.n_baselines})"
    return [
        s.question,
        str(s.horizon),
        n,
        number(s.forecast),
        number(s.observed),
        number(s.brier),
        number(skills[0]),
        number(skills[1]),
        number(s.log),
        number(skills[2]),
        number(skills[3]),
    ]


def bin_row(b: Bin) -> list[str]:
    """One row of the reliability table."""
    close = "]" if b.high == 1 else ")"
    return [
        f"[{b.low:.1f}, {b.high:.1f}{close}",
        str(b.count),
        number(b.forecast),
        number(b.observed),
    ]


def heading(b: Backtest) -> str:
    """What was run: scenario, episodes, seed, cuts (and the round each falls in), horizons."""
    cuts = ", ".join(f"{c.date} (round {c.round}, from {c.start})" for c in b.cuts)
    return (
        f"{b.scenario}: backtest of {len(b.questions)} questions, {b.episodes} episodes "
        f"per cut, seed {b.seed}, horizons {', '.join(map(str, b.horizons))} rounds\n"
        f"cuts: {cuts}\n"
        + ("" if b.numbers is None else f"numbers: {b.numbers}\n")
        + f"Scores are means over the cuts, lower is better; skill = 1 - score / baseline "
        f"score (base rate of the record before the cut; persistence), over the n cases "
        f"with baselines (in brackets when fewer), '-' when the baseline was certain and "
        f"right every time; log score in nats, probabilities clipped to "
        f"[{b.clip}, {1 - b.clip}]"
    )


BRIER_COLUMNS = range(8)
LOG_COLUMNS = (0, 1, 8, 9, 10)
"""The score table's columns in text: two tables (Brier, then log score), so each fits 80."""


def backtest_view(b: Backtest) -> Group:
    """The heading, the Brier and log score tables, and the reliability table of all cases."""
    rows = [(score_row(s), s.question == "all questions") for s in b.scores()]
    parts: list[Table | Text] = [Text("\n".join(map(wrap, heading(b).splitlines())))]
    for title, columns in (("Brier scores", BRIER_COLUMNS), ("log scores", LOG_COLUMNS)):
        scores = table(*(SCORE_HEADER[c] for c in columns))
        scores.title = title
        for row, last in rows:
            scores.add_row(*(row[c] for c in columns), end_section=last)
        parts.append(scores)
    bins = table(*BIN_HEADER)
    bins.title = "reliability (every question, horizon and cut)"
    for bin_ in b.reliability():
        bins.add_row(*bin_row(bin_))
    return Group(*parts, bins)
