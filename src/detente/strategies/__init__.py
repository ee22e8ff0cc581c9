"""The strategy library: classic and diplomatic strategies, vectorised over episodes.

``get_strategy("generous_tit_for_tat:g=0.1")`` parses a spec; its ``build``
makes the strategy object for one party of a compiled scenario. Register
your own with :func:`register`: a vectorised :class:`Strategy` or a plain
per-episode :class:`EpisodeStrategy` (see ``docs/simulate.md``), and test it
with :mod:`detente.strategies.testing` (``versus``, scripted opponents), which
plays episodes with :mod:`detente.simulate` and so is not imported here.
"""

from detente.scenario.moves import NamedMove
from detente.strategies import diplomacy, foresight, reciprocal, respond, simple
from detente.strategies.assorted import Assortment, AssortmentStrategy
from detente.strategies.base import (
    Classifier,
    Move,
    Strategy,
    StrategyError,
    StrategyFactory,
    View,
)
from detente.strategies.episode import EpisodeStrategy, EpisodeView
from detente.strategies.playbook import Playbook, Stance, StanceStrategy
from detente.strategies.registry import (
    StrategySpec,
    get_strategy,
    parameters,
    register,
    strategy_class,
    strategy_names,
    unregister,
)

__all__ = [
    "Assortment",
    "AssortmentStrategy",
    "Classifier",
    "EpisodeStrategy",
    "EpisodeView",
    "Move",
    "NamedMove",
    "Playbook",
    "Stance",
    "StanceStrategy",
    "Strategy",
    "StrategyError",
    "StrategyFactory",
    "StrategySpec",
    "View",
    "diplomacy",
    "foresight",
    "get_strategy",
    "parameters",
    "reciprocal",
    "register",
    "respond",
    "simple",
    "strategy_class",
    "strategy_names",
    "unregister",
]
