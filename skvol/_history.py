"""Carried history: how backward-looking steps stay exact in walk-forward evaluation.

Cross-row steps (rolling correlation, HAR averages, an LSTM's look-back window) need rows
before the first row they transform or predict. The contract (see ``docs/design.md``):

* ``fit`` keeps the last ``n`` rows of its input, with their dates (:func:`carry`);
* ``transform``/``predict`` on a frame whose ``DatetimeIndex`` starts after some of those
  kept dates prepends the kept rows dated strictly before its first date
  (:func:`prepend`), computes on the longer block, and returns only its own rows.

So for any split, ``fit(X[train]).transform(X[test])`` equals ``transform(X)`` on the
test rows. A plain ndarray has no dates, so nothing is prepended to it: it is treated as a
block that stands alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class History:
    """The last rows seen in ``fit`` and their dates (``index`` is None for ndarrays)."""

    values: np.ndarray
    index: pd.DatetimeIndex | None


def date_index(X) -> pd.DatetimeIndex | None:
    """Return the ``DatetimeIndex`` of a pandas input, None for anything else."""
    index = getattr(X, "index", None)
    return index if isinstance(index, pd.DatetimeIndex) else None


def carry(values: np.ndarray, index: pd.DatetimeIndex | None, n_rows: int) -> History:
    """Keep the last ``n_rows`` rows of a fitted block (all of them if there are fewer)."""
    n_rows = max(int(n_rows), 0)
    start = max(values.shape[0] - n_rows, 0)
    kept_index = None if index is None else index[start:]
    return History(values=np.array(values[start:], copy=True), index=kept_index)


def prepend(
    history: History | None, values: np.ndarray, index: pd.DatetimeIndex | None
) -> tuple[np.ndarray, int]:
    """Prepend the carried rows dated before ``index[0]``.

    Returns the (possibly longer) block and the number of rows prepended; the caller
    drops that many leading rows from its output.
    """
    if (
        history is None
        or history.index is None
        or index is None
        or len(index) == 0
        or len(history.index) == 0
    ):
        return values, 0
    n_before = int(np.searchsorted(history.index.values, index.values[0], side="left"))
    if n_before == 0:
        return values, 0
    if history.values.shape[1:] != values.shape[1:]:
        raise ValueError(
            "the carried history has shape "
            f"{history.values.shape[1:]} per row but X has {values.shape[1:]}"
        )
    block = np.concatenate([history.values[:n_before].astype(values.dtype), values], axis=0)
    return block, n_before


def check_dates(index: pd.DatetimeIndex | None) -> None:
    """Refuse a ``DatetimeIndex`` that is not sorted in increasing time order."""
    if index is not None and not index.is_monotonic_increasing:
        raise ValueError(
            "X's DatetimeIndex must be sorted in increasing time order (rows are days); "
            f"it is not (first dates: {list(index[:3])})"
        )
