"""Type aliases shared across skvol."""

from __future__ import annotations

from typing import Union

import numpy as np
import numpy.typing as npt
import pandas as pd

Float64Array = npt.NDArray[np.float64]
ArrayLike = Union[npt.ArrayLike, pd.DataFrame, pd.Series]
