"""Parameter sweeps: a grid of ``--set`` overrides, chunked into tasks, on a process pool or Ray.

Nothing heavy is imported here; Ray is imported only by its backend.
"""

from detente.sweep.grid import Axis, SweepError, parse_axis
from detente.sweep.sweep import Sweep, SweepPoint, sweep

__all__ = ["Axis", "Sweep", "SweepError", "SweepPoint", "parse_axis", "sweep"]
