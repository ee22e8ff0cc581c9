"""The body of ``detente backtest``: parse the options, run the backtest, print and write it.

The record's loader and mapping and the replay live in other packages; the
command takes them as a :class:`Wiring`, so this module holds everything
else (cuts, horizons, questions, output) and the one place to plug them in
is the ``Wiring`` that ``detente.cli`` passes. User errors (a bad date or
horizon, a cut outside the record, a question file with errors, a bad
scenario) print one message and exit with code 2.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from detente.backtest.paths import ReplayedStages
from detente.backtest.questions import QuestionError, builtin_questions, load_questions
from detente.backtest.render import backtest_view
from detente.backtest.runner import BacktestError, backtest
from detente.backtest.seams import Forecaster, MappedRecordLike
from detente.cli_common import check_format, check_output, fail, print_json, user_errors
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.overrides import load_with_overrides
from detente.simulate.draws_commands import draws_and_size
from detente.simulate.parameters import ParameterError
from detente.simulate.profile import Assignment, parse_assignments
from detente.simulate.render import console
from detente.simulate.uncertainty import draws as draws_of
from detente.strategies import StrategyError

if TYPE_CHECKING:
    from detente.scenario.uncertain import UncertainScenario
    from detente.simulate.parameters import ParameterSource

DrawnForecaster = Callable[
    ["UncertainScenario", "ParameterSource", int, MappedRecordLike, Assignment | None], Forecaster
]


@dataclass(frozen=True)
class Wiring:
    """What the command takes from the record and the replay.

    * ``load_record(compiled, path)``: the events file mapped to the
      scenario, round by round (``detente.record``: ``load_events`` then
      ``map_record``);
    * ``replayed(compiled, record)``: the whole record replayed, its stage
      and stall before the first round and after each (stage questions);
    * ``forecaster(compiled, record, profile)``: forecasts from a cut, the
      record replayed up to it and ``profile`` simulated from there;
    * ``drawn(scenario, source, draws, record, profile)``: the same over draws
      of uncertain numbers (``--posterior``);
    * ``errors``: the exception types of these that are user errors (a
      malformed events file): printed as one message, exit code 2.
    """

    load_record: Callable[[CompiledScenario, Path], MappedRecordLike]
    replayed: Callable[[CompiledScenario, MappedRecordLike], ReplayedStages]
    forecaster: Callable[[CompiledScenario, MappedRecordLike, Assignment | None], Forecaster]
    errors: tuple[type[Exception], ...] = ()
    drawn: DrawnForecaster | None = None


def posterior_source(
    scenario: str, overrides: Sequence[str], posterior: Path
) -> tuple[UncertainScenario, ParameterSource]:
    """The scenario (its numbers fixed) and the posterior file's draws of some of them."""
    from detente.simulate.draws_commands import drawn, parameter_source, uncertain_or_fail

    uncertain = uncertain_or_fail(scenario, overrides)
    drawn(uncertain, None, posterior)
    return uncertain, parameter_source(uncertain, posterior)


def parse_cuts(texts: Sequence[str]) -> list[date]:
    """``--cut`` values as dates (ISO 8601, YYYY-MM-DD)."""
    cuts = []
    for text in texts:
        try:
            cuts.append(date.fromisoformat(text.strip()))
        except ValueError:
            fail(f"--cut {text!r}: expected a date as YYYY-MM-DD, e.g. 2019-02-27")
    return cuts


def parse_horizons(text: str) -> list[int]:
    """``--horizon 6,12`` as rounds."""
    try:
        horizons = [int(part) for part in text.split(",")]
    except ValueError:
        fail(f"--horizon {text!r}: expected whole numbers of rounds, e.g. 6,12")
    return horizons


def run_backtest(
    scenario: str,
    events: Path,
    cuts: Sequence[str],
    horizon: str,
    questions: Path | None,
    episodes: int,
    seed: int,
    strategies: Sequence[str],
    overrides: Sequence[str],
    fmt: str,
    out: Path | None,
    wiring: Wiring,
    posterior: Path | None = None,
    draws: int | None = None,
) -> None:
    """``detente backtest``: forecast the questions from each cut and score them on the record.

    ``posterior``: forecasts over ``draws`` draws of a calibration's posterior (as
    ``simulate --posterior``), each draw's record replayed under its own numbers."""
    check_format(fmt)
    if draws is not None and posterior is None:
        fail("--draws needs --posterior: without it the scenario's numbers are fixed")
    _, m = draws_and_size(episodes, draws)
    k = -(-episodes // m)  # the draws of M episodes that the episodes make
    dates, horizons = parse_cuts(cuts), parse_horizons(horizon)
    if out is not None and out.suffix != ".html":
        fail(f"--out {out}: the report page is HTML, give a file ending in .html")
    if out is not None and importlib.util.find_spec("matplotlib") is None:
        fail(f"--out {out}: the report page needs matplotlib: pip install 'detente[report]'")
    if out is not None:
        check_output(out)
    with user_errors(StrategyError, QuestionError, BacktestError, ParameterError, *wiring.errors):
        drawn = None if posterior is None else posterior_source(scenario, overrides, posterior)
        base = load_with_overrides(scenario, overrides) if drawn is None else drawn[0].nominal
        compiled = compile_scenario(base)
        profile = parse_assignments(strategies)
        if questions is None:
            asked = builtin_questions(compiled)
        else:
            asked = load_questions(compiled, questions)
        record = wiring.load_record(compiled, events)
        if drawn is None:
            forecaster = wiring.forecaster(compiled, record, profile)
        elif wiring.drawn is None:
            raise BacktestError("this backtest's wiring cannot forecast over draws")
        else:
            forecaster = wiring.drawn(*drawn, k, record, profile)
        result = backtest(
            compiled,
            record,
            dates,
            horizons,
            asked,
            episodes,
            seed,
            forecaster,
            replayed=wiring.replayed(compiled, record),
        )
        if drawn is not None:
            result = replace(result, numbers=f"drawn from {posterior} ({draws_of(k)})")
    if fmt == "json":
        print_json(result.to_dict())
    else:
        console().print(backtest_view(result))
    if out is not None:
        from detente.backtest.page import backtest_page

        out.write_text(backtest_page(result), encoding="utf-8")
        sys.stderr.write(f"wrote {out}\n")
