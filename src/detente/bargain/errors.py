"""Exceptions raised by the bargaining core.

Every error derives from :class:`BargainError`, itself a :class:`ValueError`, so callers
(the scenario adapter, the CLI) can catch one type and print the message as it is: each
message names the offending field, index or value and says what to change.
"""

from __future__ import annotations


class BargainError(ValueError):
    """Base class of every error raised by :mod:`detente.bargain`."""


class InvalidInputError(BargainError):
    """A field of a problem or an argument has the wrong shape, type, index or value."""


class EmptyActionSetError(BargainError):
    """There is no action (slot) left to bargain over."""


class InfeasibleError(BargainError):
    """The hard constraints (required, forbidden, conflicts) admit no package at all."""


class FrontierTooLargeError(BargainError):
    """The Pareto frontier has more points than the caller allowed."""
