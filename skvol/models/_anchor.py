"""The HAR anchor of the neural models: an OLS HAR whose forecast the network corrects.

The anchored models' predictive mean is ``HAR_t + s * c_t``: the HAR forecast of Corsi
(2009, eq. 8) on the averages of the anchor variable over the last 1, 5 and 22 own
trading days, fitted by OLS exactly as :class:`skvol.HARRegressor` fits it, plus a
network correction ``c_t`` in units of the HAR residual scale ``s``. The HAR part is held
fixed at its OLS fit (it is the anchor); the network's head starts at zero, so an
untrained model predicts exactly what ``HARRegressor`` predicts. This module does not
import torch.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from numbers import Integral

import numpy as np

from skvol.models._har import _student_t_mle, har_averages


@dataclass(frozen=True)
class HARAnchor:
    """A fitted HAR anchor for one target series.

    Attributes
    ----------
    intercept : float
        OLS intercept.
    coef : ndarray of shape (len(windows),)
        Slopes of the window averages (daily, weekly, monthly by default).
    scale : float
        Residual scale: ``sqrt(RSS / (n - p))`` for the Normal (``RSS / n`` when
        ``n <= p``), the maximum-likelihood scale for the Student-t (as ``HARRegressor``).
    df : float or None
        Student-t degrees of freedom (maximum likelihood), None for the Normal.
    n_fit_rows : int
        Rows used by OLS.
    """

    intercept: float
    coef: np.ndarray
    scale: float
    df: float | None
    n_fit_rows: int

    def predict(self, x: np.ndarray, windows: tuple[int, ...]) -> np.ndarray:
        """HAR forecast for every row of the anchor variable ``x`` (own trading days)."""
        return self.intercept + har_averages(x.reshape(-1, 1), windows) @ self.coef


def check_har_windows(har_windows, who: str) -> tuple[int, ...]:
    """Validate the ``har_windows`` parameter of ``who``: positive, strictly increasing."""
    windows = tuple(har_windows)
    if (
        not windows
        or not all(isinstance(w, Integral) and not isinstance(w, bool) for w in windows)
        or any(w < 1 for w in windows)
        or any(np.diff(windows) <= 0)
    ):
        raise ValueError(
            f"the `har_windows` parameter of {who} must be a non-empty, strictly increasing "
            f"sequence of positive integers; got {har_windows!r}"
        )
    return tuple(int(w) for w in windows)


def fit_har_anchor(
    x: np.ndarray, y: np.ndarray, windows: tuple[int, ...], distribution: str, who: str
) -> HARAnchor:
    """Fit the HAR of ``y`` on the window averages of ``x`` by OLS.

    ``x`` and ``y`` are one series' own trading days in time order (``x`` already logged
    for HAR-log); rows where ``y`` is NaN enter the averages but not the regression. As in
    :class:`skvol.HARRegressor`, rows without a full longest window are left out unless
    that leaves fewer rows than coefficients plus one; then every row with a target is
    used (partial windows) and a warning says so. With ``x`` the log RV of an asset and
    ``y`` its target, this is ``HARRegressor(log=True).fit(rv, y)`` on the rows where
    ``y`` is defined.
    """
    design = har_averages(x.reshape(-1, 1), windows)
    has_target = np.isfinite(y)
    n_coef = design.shape[1] + 1
    rows = has_target & (np.arange(x.shape[0]) >= max(windows) - 1)
    if rows.sum() < n_coef + 1:
        warnings.warn(
            f"{who}: only {int(rows.sum())} of the {int(has_target.sum())} rows with a target "
            f"have a full {max(windows)}-day window, fewer than the {n_coef + 1} needed for "
            f"{n_coef} HAR coefficients and a residual scale; fitting the HAR anchor on all "
            "of them with partial (expanding) windows",
            UserWarning,
            stacklevel=3,
        )
        rows = has_target
    design, target = design[rows], y[rows]
    ones = np.ones((design.shape[0], 1))
    solution, *_ = np.linalg.lstsq(np.hstack([ones, design]), target, rcond=None)
    residuals = target - solution[0] - design @ solution[1:]
    n_rows = target.shape[0]
    rss = float(residuals @ residuals)
    scale = np.sqrt(rss / (n_rows - n_coef if n_rows > n_coef else n_rows))
    df = None
    if distribution == "student_t":
        df, scale = _student_t_mle(residuals)
    return HARAnchor(
        intercept=float(solution[0]),
        coef=solution[1:],
        scale=max(float(scale), np.finfo(np.float64).tiny),
        df=df,
        n_fit_rows=int(n_rows),
    )
