"""Array type aliases, defined once for every package: the engine's dtypes by name."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B8 = NDArray[np.bool_]
U64 = NDArray[np.uint64]
