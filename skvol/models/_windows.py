"""Look-back windows for the recurrent models.

The window for row ``t`` holds rows ``t - lookback + 1, ..., t`` in time order, so the
last step of every window is the row itself and nothing after it is used (no
look-ahead). Rows near the start of a block have fewer than ``lookback`` predecessors:
their windows are left-padded with zeros and a mask marks which steps are real.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def lookback_windows(values: np.ndarray, lookback: int) -> tuple[np.ndarray, np.ndarray]:
    """Build left-padded look-back windows and their mask.

    Parameters
    ----------
    values : ndarray of shape (n_rows, n_features)
        Rows in time order.
    lookback : int
        Number of rows per window (the row itself and ``lookback - 1`` predecessors).

    Returns
    -------
    windows : ndarray of shape (n_rows, lookback, n_features)
        ``windows[t, -1]`` is ``values[t]``; ``windows[t, -1 - k]`` is ``values[t - k]``
        for ``k <= t`` and zero before the first row.
    mask : ndarray of shape (n_rows, lookback)
        1.0 where the step is a real row, 0.0 where it is padding (same dtype as values).

    Examples
    --------
    >>> import numpy as np
    >>> w, m = lookback_windows(np.arange(3.0).reshape(3, 1), 2)
    >>> w[:, :, 0]
    array([[0., 0.],
           [0., 1.],
           [1., 2.]])
    >>> m
    array([[0., 1.],
           [1., 1.],
           [1., 1.]])
    """
    n_rows, n_features = values.shape
    padded = np.concatenate(
        [np.zeros((lookback - 1, n_features), dtype=values.dtype), values], axis=0
    )
    windows = sliding_window_view(padded, lookback, axis=0).transpose(0, 2, 1)
    real = np.concatenate(
        [np.zeros(lookback - 1, dtype=values.dtype), np.ones(n_rows, dtype=values.dtype)]
    )
    mask = sliding_window_view(real, lookback)
    return np.array(windows, copy=True), np.array(mask, copy=True)
