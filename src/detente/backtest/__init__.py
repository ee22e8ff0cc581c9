"""Backtests: yes/no questions forecast from cut dates of the record and scored against it.

A question (``questions.py``) asks whether something happens within a
window of H rounds: an act (a nuclear test, a summit) or a change of the
roadmap (a stage up or down, a stall). Both the record and a forecast are
read as :class:`~detente.backtest.paths.Paths`, per round, so one rule
answers a question on either. ``runner.py`` forecasts every question from
every cut and scores the forecasts (``scores.py``: Brier, log score,
reliability) against what the record shows, with two baselines of the same
record: its base rate before the cut and persistence. docs/backtest.md
says what each number means.

Nothing heavy is imported here: ``simulation.py`` (the engine) and
``page.py`` (matplotlib) load only when used.
"""

from detente.backtest.paths import Paths, ReplayedStages, record_paths
from detente.backtest.questions import (
    Question,
    QuestionError,
    builtin_questions,
    load_questions,
    parse_questions,
)
from detente.backtest.runner import Backtest, BacktestError, Case, backtest, cut_round
from detente.backtest.scores import CLIP, brier, log_score, reliability, skill
from detente.backtest.seams import Forecaster, MappedRecordLike, RecordedRoundLike

__all__ = [
    "CLIP",
    "Backtest",
    "BacktestError",
    "Case",
    "Forecaster",
    "MappedRecordLike",
    "Paths",
    "Question",
    "QuestionError",
    "RecordedRoundLike",
    "ReplayedStages",
    "backtest",
    "brier",
    "builtin_questions",
    "cut_round",
    "load_questions",
    "log_score",
    "parse_questions",
    "record_paths",
    "reliability",
    "skill",
]
