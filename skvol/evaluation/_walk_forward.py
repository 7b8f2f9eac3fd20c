"""Walk-forward evaluation: refit per fold (or every few test days), collect the forecasts."""

from __future__ import annotations

import warnings
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
from skvol.evaluation._recalibrate import QuantileTracker
from skvol.evaluation._var import aligned_returns, check_kind, var_for_kind, var_level_unit
from skvol.exceptions import TooFewRowsWarning

__all__ = ["walk_forward_predict", "level_suffix"]

_CALLER = "walk_forward_predict"


def level_suffix(level: float) -> str:
    """Column suffix of a VaR level in a walk-forward frame (``var_<suffix>``, ``breach_<suffix>``).

    Parameters
    ----------
    level : float
        VaR level in (0, 1).

    Returns
    -------
    str
        The level in percent without trailing zeros.

    Examples
    --------
    >>> from skvol.evaluation import level_suffix
    >>> [level_suffix(level) for level in (0.95, 0.99, 0.975)]
    ['95', '99', '97.5']
    """
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


def _check_consecutive(folds, what: str) -> None:
    """Refuse folds whose test rows do not follow each other in time without overlap."""
    last = -1
    for k, (_, test) in enumerate(folds):
        if np.any(np.diff(test) <= 0):
            raise ValueError(f"{_CALLER}: fold {k}'s test rows are not in increasing order")
        if test[0] <= last:
            raise ValueError(
                f"{_CALLER}: {what} needs consecutive test blocks in time order, but fold {k} "
                f"starts at row {int(test[0])}, not after the previous fold's last test row "
                f"{last} (overlapping test windows: use a splitter whose step is at least its "
                "horizon)"
            )
        last = int(test[-1])


def _check_refit_every(refit_every) -> int | None:
    if refit_every is None:
        return None
    if isinstance(refit_every, bool) or not isinstance(refit_every, Integral):
        raise TypeError(
            f"{_CALLER}: refit_every must be None or an int >= 1, got {type(refit_every).__name__}"
        )
    if refit_every < 1:
        raise ValueError(f"{_CALLER}: refit_every must be >= 1, got {refit_every}")
    return int(refit_every)


def _refit_plan(folds, refit_every: int | None) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(training rows, test rows, fold of each test row) of every fit, in time order.

    ``refit_every=None``: one fit per fold, on the fold's training rows. An int ``k``: a fit
    on every ``k``-th test day, counted over the test days of all folds in time order; it
    forecasts its own day and the ``k - 1`` test days after it, across fold boundaries. A
    fit on the first test day of a fold trains on that fold's training rows; a fit on a
    later test day ``p`` of a fold adds the rows after them up to ``p - gap - 1``, where
    ``gap`` is the number of rows the fold leaves between training and testing (the window
    expands inside the fold).
    """
    if refit_every is None:
        return [(train, test, np.full(test.size, k)) for k, (train, test) in enumerate(folds)]
    rows = np.concatenate([test for _, test in folds])
    owner = np.concatenate([np.full(test.size, k) for k, (_, test) in enumerate(folds)])
    plan = []
    for start in range(0, rows.size, refit_every):
        first, k = int(rows[start]), int(owner[start])
        train, test = folds[k]
        gap = int(test[0]) - int(train.max()) - 1
        passed = np.arange(int(train.max()) + 1, first - gap)
        covered = slice(start, start + refit_every)
        plan.append((np.concatenate([train, passed]), rows[covered], owner[covered]))
    return plan


def _warm_start_params(estimator) -> dict[str, bool]:
    """``{name: True}`` for every ``warm_start`` parameter of the estimator (or its steps)."""
    names = [
        name
        for name in estimator.get_params(deep=True)
        if name == "warm_start" or name.endswith("__warm_start")
    ]
    if not names:
        raise ValueError(
            f"{_CALLER}: warm_start=True needs an estimator with a warm_start parameter (e.g. "
            f"SGDRegressor, MLPRegressor), but {type(estimator).__name__} has none; skvol's "
            "recurrent models (LSTMRegressor, ProbabilisticLSTMRegressor, ...) do not support "
            "warm start yet"
        )
    return dict.fromkeys(names, True)


def _fit_fold(estimator, X_train, y_train, train: np.ndarray) -> None:
    """Fit one fold; a fold too short for the estimator is a ValueError naming the fold.

    An estimator that fits a reduced model on short data (HAR dropping its longer windows,
    say) warns with :class:`skvol.exceptions.TooFewRowsWarning`; here that would put the
    forecasts of a model other than the one asked for into the backtest, so it is refused.
    """
    where = f"the fold training on rows {int(train.min())}..{int(train.max())} ({train.size} rows)"
    with warnings.catch_warnings():
        warnings.simplefilter("error", TooFewRowsWarning)
        try:
            estimator.fit(X_train, y_train)
        except TooFewRowsWarning as exc:
            raise ValueError(
                f"{_CALLER}: {where} is too short for {type(estimator).__name__}: {exc}. Use "
                "fewer folds or a longer first training window (TimeSeriesSplit(test_size=...))"
            ) from None
        except ValueError as exc:
            raise ValueError(f"{_CALLER}: {where}: {exc}") from exc


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
    _fit_fold(estimator, X_train, y_train, train)
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
    *,
    refit_every: int | None = None,
    warm_start: bool = False,
    recalibrate: QuantileTracker | None = None,
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

    ``refit_every=k`` refits every ``k`` test days instead, counted over the test days of
    all folds in time order (so it can refit less often than the folds, e.g. one fit a
    month over daily folds, or more often): each fit forecasts its ``k`` test days in one
    ``predict_dist`` call on the rows from the end of its training to its last test day.
    A fit on a later day ``p`` of a fold trains on the fold's training rows and the rows
    after them up to ``p - gap - 1`` (``gap``: the rows the fold leaves between training
    and testing), so the window expands inside a fold.

    ``recalibrate=QuantileTracker(...)`` adds the VaR recalibrated online from the breaches
    of the earlier test days (:class:`QuantileTracker`), per level, with the adjustment
    carried across folds in time order.

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
        Fits run in parallel with joblib (sequentially with ``warm_start=True``).
    refit_every : int or None, default=None
        None: one fit per fold. An int ``k >= 1``: a fit every ``k`` test days (see above);
        the folds' test rows must then follow each other in time without overlap.
    warm_start : bool, default=False
        Start each refit from the previous fit: one estimator is fitted again and again
        with every ``warm_start`` parameter it has (its own, or its Pipeline steps')
        set to True, so the fits run in time order. What a warm start means is the
        estimator's (``SGDRegressor``, ``MLPRegressor``: the previous coefficients as the
        starting point; tree ensembles: only *add* members, so they would not learn from
        the new rows). An estimator without the parameter gets a ``ValueError``; skvol's
        recurrent models do not have it yet.
    recalibrate : QuantileTracker or None, default=None
        For a probabilistic estimator: also report the online-recalibrated VaR of each
        level: the volatility VaR moves by an additive offset on the target scale, the
        return VaR by a multiplicative factor, both in level units (``unit`` is the
        sensitivity of the model's own VaR to its level on each row). The folds' test rows
        must follow each other in time without overlap.

    Returns
    -------
    DataFrame
        Indexed by the dates of the test rows (positions when ``X`` and ``y`` have no
        DatetimeIndex; a date repeats when test windows overlap), with columns ``fold``,
        ``y_true``, ``mean`` and, for a probabilistic estimator, ``scale`` (the
        distribution's scale parameter), ``df`` (Student-t only), ``return`` (return VaR
        only), ``var_<pct>`` and ``breach_<pct>`` for each level. With ``recalibrate``, for
        each level also ``var_<pct>_recal`` and ``breach_<pct>_recal`` (the recalibrated
        VaR and its breaches), ``adjust_<pct>`` (the tracker's adjustment of that day) and
        ``beyond_999_<pct>`` (True where the recalibrated VaR lies beyond the model's own
        99.9% VaR; its mean is the share of such days).

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
    >>> daily = walk_forward_predict(LinearRegression(), X, 2 * X["x"], cv=3, refit_every=5)
    >>> bool(np.allclose(daily["mean"], out["mean"]))  # 9 fits instead of 3, same exact line
    True
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
    refit_every = _check_refit_every(refit_every)
    if not isinstance(warm_start, bool):
        raise TypeError(f"{_CALLER}: warm_start must be a bool, got {type(warm_start).__name__}")
    if recalibrate is not None and not isinstance(recalibrate, QuantileTracker):
        raise TypeError(
            f"{_CALLER}: recalibrate must be None or a skvol.evaluation.QuantileTracker, got "
            f"{type(recalibrate).__name__}"
        )
    probabilistic = has_predict_dist(estimator)
    if recalibrate is not None and not probabilistic:
        raise TypeError(
            f"{_CALLER}: recalibrate needs a probabilistic estimator with predict_dist(X); "
            f"{type(estimator).__name__} has none"
        )
    folds = _splits(cv, X, y, index)
    if refit_every is not None:
        _check_consecutive(folds, "refit_every")
    if recalibrate is not None:
        _check_consecutive(folds, "recalibrate")
    plan = _refit_plan(folds, refit_every)
    if warm_start:
        model = clone(estimator).set_params(**_warm_start_params(estimator))
        outputs = [_fit_predict(model, X, y, train, test, probabilistic) for train, test, _ in plan]
    else:
        outputs = Parallel(n_jobs=n_jobs)(
            delayed(_fit_predict)(clone(estimator), X, y, train, test, probabilistic)
            for train, test, _ in plan
        )
    frames, tails = [], []
    units: dict[float, list[np.ndarray]] = {level: [] for level in levels}
    for (_, test, fold), out in zip(plan, outputs, strict=True):
        frame = pd.DataFrame({"fold": fold, "y_true": y_values[test]}, index=index[test])
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
            if recalibrate is not None:
                units[level].append(var_level_unit(out, level, kind, target, test.size, _CALLER))
        if recalibrate is not None:
            tails.append(var_for_kind(out, 0.999, kind, target, test.size, _CALLER)[0])
        frames.append(frame)
    result = pd.concat(frames)
    if recalibrate is None:
        return result
    return _add_recalibrated(result, recalibrate, levels, kind, units, tails)


def _add_recalibrated(result, tracker, levels, kind, units, tails) -> pd.DataFrame:
    """The recalibrated VaR columns of each level, from the raw ones in time order."""
    realised = result["return" if kind == "return" else "y_true"].to_numpy()
    tail = np.concatenate(tails)
    columns = {}
    for level in levels:
        suffix = level_suffix(level)
        res = tracker.recalibrate(
            result[f"var_{suffix}"].to_numpy(),
            realised,
            level,
            kind=kind,
            unit=np.concatenate(units[level]),
        )
        columns[f"var_{suffix}_recal"] = res.var
        columns[f"breach_{suffix}_recal"] = res.breaches
        columns[f"adjust_{suffix}"] = res.adjustment
        columns[f"beyond_999_{suffix}"] = res.var > tail if kind == "volatility" else res.var < tail
    return result.assign(**columns)
