"""Walk-forward evaluation: refit per fold, collect out-of-sample forecasts over all folds."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.model_selection import TimeSeriesSplit
from sklearn.utils import _safe_indexing

from skvol._history import date_index
from skvol.evaluation._backtest import breach_flags, check_level
from skvol.evaluation._predict import dist_params, has_predict_dist, predict_dist, take_rows
from skvol.evaluation._var import aligned_returns, check_kind, var_for_kind

__all__ = ["walk_forward_predict", "level_suffix"]

_CALLER = "walk_forward_predict"


def level_suffix(level: float) -> str:
    """Column suffix of a VaR level: 0.95 -> "95", 0.99 -> "99", 0.975 -> "97.5"."""
    return f"{100 * float(level):.10g}"


def _is_sktime_splitter(cv) -> bool:
    try:
        from sktime.split.base import BaseSplitter
    except ImportError:  # pragma: no cover - sktime is a dependency
        return False
    return isinstance(cv, BaseSplitter)


def _splits(cv, X, y, index: pd.Index) -> list[tuple[np.ndarray, np.ndarray]]:
    """Integer (train, test) positions of every fold, checked to run forward in time."""
    if cv is None:
        cv = TimeSeriesSplit(n_splits=5)
    elif isinstance(cv, Integral) and not isinstance(cv, bool):
        cv = TimeSeriesSplit(n_splits=int(cv))
    if _is_sktime_splitter(cv):
        raw = cv.split(index)
    elif callable(getattr(cv, "split", None)) and not isinstance(cv, str):
        raw = cv.split(X, y)
    else:
        raise TypeError(
            f"{_CALLER}: cv must be an int, a scikit-learn splitter (e.g. TimeSeriesSplit) or "
            f"an sktime splitter (e.g. ExpandingWindowSplitter), got {type(cv).__name__}"
        )
    n = len(index)
    folds = []
    for k, (train, test) in enumerate(raw):
        train = np.asarray(train, dtype=np.intp)
        test = np.asarray(test, dtype=np.intp)
        if train.size == 0 or test.size == 0:
            raise ValueError(f"{_CALLER}: fold {k} has an empty train or test set")
        if test.min() < 0 or test.max() >= n or train.min() < 0:
            raise ValueError(f"{_CALLER}: fold {k} gives positions outside the {n} rows")
        if train.max() >= test.min():
            raise ValueError(
                f"{_CALLER}: fold {k} trains on row {int(train.max())}, which is not before its "
                f"first test row {int(test.min())}; walk-forward needs every training row to "
                "precede the test rows (use TimeSeriesSplit or an sktime window splitter)"
            )
        folds.append((train, test))
    if not folds:
        raise ValueError(f"{_CALLER}: cv gave no folds")
    return folds


def _fit_predict(estimator, X, y, train, test, probabilistic: bool):
    """Fit on the training rows; forecast the test rows from the rows that follow training.

    A fold whose test rows do not start right after its training rows (``gap`` in
    ``TimeSeriesSplit``, an sktime ``fh`` that skips steps) is predicted on the whole block
    from the first row after training to the last test row, and the test rows are taken
    from it: the rows in between are dated before the test rows (no look-ahead), and a
    model that looks back over its input (carried history, a look-back window) must see
    them, or its windows would splice the training rows straight onto the test rows.
    """
    X_train, y_train = _safe_indexing(X, train), _safe_indexing(y, train)
    start = int(train.max()) + 1
    block = np.arange(start, int(test.max()) + 1)
    contiguous = block.size == test.size
    estimator.fit(X_train, y_train)
    X_block = _safe_indexing(X, test if contiguous else block)
    if probabilistic:
        dist = predict_dist(estimator, X_block, _CALLER)
        return dist if contiguous else take_rows(dist, test - start, block.size, _CALLER)
    pred = np.asarray(estimator.predict(X_block), dtype=float).ravel()
    return pred if contiguous else pred[test - start]


def walk_forward_predict(
    estimator,
    X,
    y,
    cv=None,
    levels: Sequence[float] = (0.95,),
    kind: str = "volatility",
    returns=None,
    target=None,
    n_jobs: int | None = None,
) -> pd.DataFrame:
    """Refit a clone of ``estimator`` per fold and collect its out-of-sample forecasts.

    For each fold, a fresh clone is fitted on the training rows and predicts the test rows;
    rows are selected by position (``iloc``), so a DataFrame keeps its DatetimeIndex and a
    model that carries history (``docs/design.md``) sees the rows before its test fold.
    Every fold must train only on rows before its test rows. When the test rows do not
    start right after the training rows (``TimeSeriesSplit(gap=...)``, an sktime ``fh``
    that skips steps), the model predicts the block from the first row after training to
    the last test row and the test rows are taken from it, so its look-back still sees the
    rows in between (all dated before the test rows).

    Parameters
    ----------
    estimator : estimator or Pipeline
        With ``predict_dist`` (on itself or its last step) for distributions and VaR;
        otherwise only the mean (``predict``) is collected.
    X : DataFrame or array-like of shape (n_days, n_features)
        Rows in time order.
    y : Series or array-like of shape (n_days,)
        The target aligned to ``X`` (e.g. from ``next_day_target``, last row dropped).
    cv : int, splitter or None, default=None
        None: ``TimeSeriesSplit(5)``; an int: ``TimeSeriesSplit(cv)``; any scikit-learn
        splitter whose ``split(X, y)`` runs forward in time; or an sktime splitter
        (``ExpandingWindowSplitter``, ``SlidingWindowSplitter``), given the index of ``X``.
    levels : sequence of float, default=(0.95,)
        VaR levels; each adds ``var_<pct>`` and ``breach_<pct>`` columns (``var_95``).
    kind : {"volatility", "return"}, default="volatility"
        Volatility VaR (upper quantile of the target, breach when ``y_true`` is above) or
        return VaR (:func:`return_var`, breach when the realised return is below).
    returns : Series or None, default=None
        For ``kind="return"``: realised returns aligned like the target (see
        :class:`VaRBacktestScorer`); adds a ``return`` column.
    target : NextDayTarget or None, default=None
        For ``kind="return"`` (required there): the :class:`skvol.NextDayTarget` that built
        ``y``, which maps the predicted target to tomorrow's variance.
    n_jobs : int or None, default=None
        Folds fitted in parallel with joblib.

    Returns
    -------
    DataFrame
        Indexed by the dates of the test rows (positions when ``X`` and ``y`` have no
        DatetimeIndex; a date repeats when test windows overlap), with columns ``fold``,
        ``y_true``, ``mean`` and, for a probabilistic estimator, ``scale`` (the
        distribution's scale parameter), ``df`` (Student-t only), ``return`` (return VaR
        only), ``var_<pct>`` and ``breach_<pct>`` for each level.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from sklearn.linear_model import LinearRegression
    >>> from skvol.evaluation import walk_forward_predict
    >>> days = pd.bdate_range("2017-01-02", periods=60, name="date")
    >>> X = pd.DataFrame({"x": np.arange(60.0)}, index=days)
    >>> out = walk_forward_predict(LinearRegression(), X, 2 * X["x"], cv=3)
    >>> out.columns.tolist(), len(out)
    (['fold', 'y_true', 'mean'], 45)
    """
    check_kind(kind, returns, _CALLER, target)
    if isinstance(levels, float | int):
        levels = (levels,)
    levels = [check_level(level, f"{_CALLER} levels") for level in levels]
    y_values = np.asarray(y, dtype=float)
    if y_values.ndim != 1:
        raise ValueError(f"{_CALLER}: y must be 1-D, got shape {y_values.shape}")
    n = y_values.shape[0]
    if len(X) != n:
        raise ValueError(f"{_CALLER}: X has {len(X)} rows but y has {n}")
    if not np.isfinite(y_values).all():
        pos = int(np.flatnonzero(~np.isfinite(y_values))[0])
        raise ValueError(
            f"{_CALLER}: y is not finite at position {pos} (drop the last row of a next-day "
            "target before evaluating)"
        )
    dates, y_dates = date_index(X), date_index(y)
    if dates is not None and y_dates is not None and not dates.equals(y_dates):
        raise ValueError(
            f"{_CALLER}: X and y have different dates (first X date {dates[0]}, first y date "
            f"{y_dates[0]}); align them first (e.g. X.loc[y.index]) so each row meets its target"
        )
    if dates is None:
        dates = y_dates
    index = dates if dates is not None else pd.RangeIndex(n, name="position")
    probabilistic = has_predict_dist(estimator)
    folds = _splits(cv, X, y, index)
    outputs = Parallel(n_jobs=n_jobs)(
        delayed(_fit_predict)(clone(estimator), X, y, train, test, probabilistic)
        for train, test in folds
    )
    frames = []
    for k, ((_, test), out) in enumerate(zip(folds, outputs, strict=True)):
        frame = pd.DataFrame(
            {"fold": np.full(test.size, k), "y_true": y_values[test]}, index=index[test]
        )
        if not probabilistic:
            frame["mean"] = out
            frames.append(frame)
            continue
        params = dist_params(out)
        frame["mean"] = np.broadcast_to(np.asarray(out.mean(), dtype=float), test.shape)
        frame["scale"] = np.broadcast_to(params["scale"], test.shape)
        if "df" in params:
            frame["df"] = np.broadcast_to(params["df"], test.shape)
        if kind == "return":
            frame["return"] = aligned_returns(returns, index[test], _CALLER)
        realised = frame["return"] if kind == "return" else frame["y_true"]
        for level in levels:
            var, side = var_for_kind(out, level, kind, target, test.size, _CALLER)
            suffix = level_suffix(level)
            frame[f"var_{suffix}"] = var
            frame[f"breach_{suffix}"] = breach_flags(realised.to_numpy(), var, side)
        frames.append(frame)
    return pd.concat(frames)
