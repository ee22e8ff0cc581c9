"""Calibration to the record: the posterior of chosen numbers given the events before a date.

``detente calibrate`` fits a scenario's numbers by ABC-SMC (pyabc) on summary
statistics of the record (docs/calibrate.md). Nothing heavy is imported here:
pyabc, numba and matplotlib load only when a calibration runs.
"""


class CalibrationError(ValueError):
    """A calibration that cannot run as asked: a bad prior, option, record window or file."""


__all__ = ["CalibrationError"]
