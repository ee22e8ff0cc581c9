"""Global sensitivity of a scenario's outputs to its numbers (Morris screening, Sobol indices).

The estimators are SALib's; this package chooses the parameters and their
ranges, runs the scenario at every sampled point (with common random
numbers) on a process pool or Ray, and reports ranked indices. Nothing heavy
is imported here: SALib, numba and pyarrow load only when an analysis runs.
"""

from detente.sensitivity.params import Parameter, SensitivityError

__all__ = ["Parameter", "SensitivityError"]
