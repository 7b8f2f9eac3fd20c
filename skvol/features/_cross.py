"""Cross-asset and cross-day transformers: realized and rolling correlation, HAR averages.

Assets for the correlation transformers
---------------------------------------
Columns named ``"<asset>__<bin>"`` are grouped by asset as everywhere in skvol. A
column without the ``"__"`` separator (and every column of a plain ndarray, named
``x0, x1, ...``) is an asset of its own with a single bin. So an ndarray fed to
:class:`RollingCorrelation` is a panel of daily returns, one asset per column.

Rows without dates (cross-row transformers)
-------------------------------------------
:class:`RollingCorrelation` and :class:`HARFeatures` look backwards. On a DataFrame with a
``DatetimeIndex`` (which must be strictly increasing: windows look back by row, so
unsorted or repeated dates are a ValueError) they follow the carried-history contract of
:mod:`skvol._history`:
``fit`` keeps the last rows a window needs, ``transform`` prepends the kept rows dated
before the frame's first date and rolls over the longer block, so the walk-forward
invariant holds. Rows without dates (an ndarray, or a frame without a ``DatetimeIndex``)
follow skvol's one rule for undated rows: the block stands alone, so row i's window holds
rows <= i of that block only (NaN before its first row) and nothing from the fitted rows
or from later rows leaks in. To roll over the fitted history, pass a DataFrame whose
``DatetimeIndex`` continues the fitted one (in a Pipeline:
``set_output(transform="pandas")``).
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted

from skvol._columns import SEP, feature_name, group_assets
from skvol._history import carry, date_index, prepend
from skvol.data._sessions import Session
from skvol.features import _kernels
from skvol.features._base import asset_block, check_panel


def correlation_assets(
    feature_names: Sequence[str] | None, n_features: int
) -> list[tuple[str, np.ndarray, list[str]]]:
    """Assets of a panel for the correlation transformers: (name, positions, bin labels).

    Prefixed columns group by asset (labels = the part after ``"__"``); each column
    without a prefix is its own asset (named by the column, ``x<i>`` for an ndarray)
    with the single bin label ``""``.
    """
    assets: list[tuple[str, np.ndarray, list[str]]] = []
    for asset, positions in group_assets(feature_names, n_features):
        if asset:
            labels = [str(feature_names[p]).rsplit(SEP, 1)[1] for p in positions]
            assets.append((asset, positions, labels))
            continue
        for p in positions:
            name = str(feature_names[p]) if feature_names is not None else f"x{p}"
            assets.append((name, np.array([p], dtype=np.intp), [""]))
    names = [name for name, _, _ in assets]
    if len(set(names)) != len(names):
        raise ValueError(f"asset names are ambiguous in the columns of X: {names}")
    return assets


def resolve_pairs(pairs, names: list[str], estimator: str) -> list[tuple[str, str]]:
    """All pairs (in column order) when ``pairs`` is None, else the validated pairs."""
    if len(names) < 2:
        raise ValueError(
            f"{estimator} needs at least two assets; X has 1 feature(s) forming the single "
            f"asset {names[0]!r}"
            if names
            else f"{estimator} needs at least two assets"
        )
    if pairs is None:
        return [(a, b) for i, a in enumerate(names) for b in names[i + 1 :]]
    resolved = []
    for pair in pairs:
        if len(pair) != 2 or pair[0] == pair[1]:
            raise ValueError(f"{estimator}: pairs must hold two distinct asset names, got {pair!r}")
        for asset in pair:
            if asset not in names:
                raise ValueError(
                    f"{estimator}: pairs names asset {asset!r}, which is not in X (assets: {names})"
                )
        resolved.append((str(pair[0]), str(pair[1])))
    return resolved


def _pearson(x: np.ndarray, y: np.ndarray, min_periods: int) -> np.ndarray:
    """Pearson correlation along the last axis over positions where both are observed."""
    both = ~(np.isnan(x) | np.isnan(y))
    n = both.sum(axis=-1)
    xs = np.where(both, x, 0.0)
    ys = np.where(both, y, 0.0)
    mx = _kernels.safe_ratio(xs.sum(axis=-1), n)
    my = _kernels.safe_ratio(ys.sum(axis=-1), n)
    dx = np.where(both, x - mx[..., None], 0.0)
    dy = np.where(both, y - my[..., None], 0.0)
    cov = np.sum(dx * dy, axis=-1)
    den = np.sqrt(np.sum(dx * dx, axis=-1) * np.sum(dy * dy, axis=-1))
    corr = _kernels.safe_ratio(cov, den)
    corr[n < min_periods] = np.nan
    return np.clip(corr, -1.0, 1.0)


def _bin_end_minutes(session: Session, labels: Sequence[str]) -> np.ndarray | None:
    """Minutes from local midnight of the session date to the end of each ``"HHMM"`` bin.

    A label names a bin's end on the session-local clock (see ``intraday_panel``); the bin
    ends in ``(start, start + length]``. None when a label is not ``"HHMM"``.
    """
    if not all(len(label) == 4 and label.isdigit() for label in labels):
        return None
    start = session.start_offset // pd.Timedelta(minutes=1)
    minutes = np.array([int(label[:2]) * 60 + int(label[2:]) for label in labels])
    return start + (minutes - start - 1) % (24 * 60) + 1


def check_same_clock(X, a: str, b: str, labels: Sequence[str], estimator: str) -> None:
    """Refuse a pair whose equally labelled bins are not simultaneous.

    Bin labels are session-local clock times, so ``"BTC__1000"`` (10:00 UTC) and
    ``"SPX__1000"`` (10:00 New York) are hours apart. When ``X`` carries the sessions of
    ``intraday_panel`` (``X.attrs["sessions"]``), the two assets' shared labels must name
    the same instants: same time zone, same offset from the session date.
    """
    sessions = getattr(X, "attrs", {}).get("sessions")
    if not isinstance(sessions, dict) or a not in sessions or b not in sessions:
        return
    sa, sb = sessions[a], sessions[b]
    if not (isinstance(sa, Session) and isinstance(sb, Session)):
        return
    ends_a, ends_b = _bin_end_minutes(sa, labels), _bin_end_minutes(sb, labels)
    if ends_a is None or ends_b is None:
        return
    if sa.tz != sb.tz or not np.array_equal(ends_a, ends_b):
        raise ValueError(
            f"{estimator}: assets {a!r} ({sa.start}-{sa.end} {sa.tz}) and {b!r} "
            f"({sb.start}-{sb.end} {sb.tz}) are on different session clocks, so their bins "
            "with the same label are not simultaneous; build the panel of the pair on one "
            "session, e.g. intraday_panel(bars, session='us_equity')"
        )


class _CrossRowTransformer(TransformerMixin, BaseEstimator):
    """Windows over past rows with the carried-history contract (see the module doc)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    def _history_rows(self) -> int:
        raise NotImplementedError

    def _dates(self, X):
        """The rows' dates, which must be strictly increasing (the windows look back by row)."""
        index = date_index(X)
        if index is not None and not (index.is_monotonic_increasing and index.is_unique):
            bad = int(np.flatnonzero(np.diff(index.asi8) <= 0)[0]) + 1
            raise ValueError(
                f"{type(self).__name__}: the DatetimeIndex of X must be strictly increasing "
                f"(one row per day in time order); row {bad} ({index[bad]}) does not come "
                f"after row {bad - 1} ({index[bad - 1]})"
            )
        return index

    def _keep_history(self, values: np.ndarray, X) -> None:
        self.history_ = carry(values, self._dates(X), self._history_rows())

    def _windows(self, values: np.ndarray, X, width: int) -> np.ndarray:
        """Array (n_rows, n_columns, width): each row's window, oldest first.

        An undated block (ndarray) stands alone: row i's window holds rows <= i of the
        block, NaN before its first row. A DataFrame whose DatetimeIndex continues the
        fitted dates gets the carried rows dated before its first date prepended.
        """
        block, n_before = prepend(self.history_, values, self._dates(X))
        padded = np.concatenate([np.full((width - 1, block.shape[1]), np.nan), block])
        return sliding_window_view(padded, width, axis=0)[n_before:]


class RealizedCorrelation(TransformerMixin, BaseEstimator):
    """Within-day realized correlation between two assets' intraday returns.

    ``rho_t = sum_i x_{t,i} y_{t,i} / sqrt(sum_i x_{t,i}^2 sum_i y_{t,i}^2)``, the
    realized covariance over the square root of the realized variances
    (Barndorff-Nielsen & Shephard 2004, "Econometric analysis of realized covariation"),
    over the bins both assets observed; bins are matched by their label (the part after
    ``"__"``), which is a session-local clock time, so the two assets must share a
    session clock: a panel from ``intraday_panel`` carries its sessions
    (``X.attrs["sessions"]``) and ``fit`` raises a ValueError for a pair whose equally
    labelled bins are not simultaneous (for example BTC on ``"24h"`` UTC and the S&P 500
    on ``"us_equity"`` New York time); build such a pair's panel on one session. NaN
    when a realized variance is zero or no bin is shared. Output ``"<a>_<b>__rcorr"``.
    Column naming of assets: see :mod:`skvol.features._cross`.

    Parameters
    ----------
    pairs : list of (str, str) or None, default=None
        Asset pairs; None means every pair in column order.

    Attributes
    ----------
    pairs_ : list of (str, str)
        The pairs computed.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` had string column names.

    Examples
    --------
    >>> import pandas as pd
    >>> from skvol.features import RealizedCorrelation
    >>> X = pd.DataFrame({"A__0931": [0.01], "A__0932": [-0.02],
    ...                   "B__0931": [0.01], "B__0932": [-0.01]})
    >>> RealizedCorrelation().fit_transform(X).round(4)
    array([[0.9487]])
    """

    _parameter_constraints = {"pairs": ["array-like", None]}

    def __init__(self, pairs=None):
        self.pairs = pairs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Find the assets and the pairs; returns ``self``.

        Parameters
        ----------
        X : array-like of shape (n_days, n_bins_total)
            Intraday log returns of at least two assets.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        values = check_panel(self, X, reset=True)
        assets = correlation_assets(getattr(self, "feature_names_in_", None), values.shape[1])
        by_name = {name: (pos, labels) for name, pos, labels in assets}
        self.pairs_ = resolve_pairs(self.pairs, list(by_name), type(self).__name__)
        self._bins = []
        for a, b in self.pairs_:
            (pos_a, lab_a), (pos_b, lab_b) = by_name[a], by_name[b]
            where_b = {label: p for label, p in zip(lab_b, pos_b, strict=True)}
            shared = [
                (p, where_b[label])
                for label, p in zip(lab_a, pos_a, strict=True)
                if label in where_b
            ]
            if not shared:
                raise ValueError(f"RealizedCorrelation: assets {a!r} and {b!r} share no bin label")
            labels = [label for label in lab_a if label in where_b]
            check_same_clock(X, a, b, labels, "RealizedCorrelation")
            self._bins.append(np.asarray(shared, dtype=np.intp).T)
        return self

    def transform(self, X):
        """Each day's realized correlation for every pair.

        Parameters
        ----------
        X : array-like of shape (n_days, n_bins_total)
            Intraday log returns laid out as in ``fit``.

        Returns
        -------
        corr : ndarray of shape (n_days, n_pairs)
        """
        check_is_fitted(self)
        X = check_panel(self, X, reset=False)
        cols = [
            _kernels.realized_correlation(asset_block(X, pa), asset_block(X, pb))
            for pa, pb in self._bins
        ]
        return np.column_stack(cols)

    def get_feature_names_out(self, input_features=None):
        """Names ``"<a>_<b>__rcorr"``.

        Parameters
        ----------
        input_features : array-like of str or None
            Must match ``feature_names_in_`` when given.

        Returns
        -------
        names : ndarray of str objects
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features)
        return np.asarray([feature_name(f"{a}_{b}", "rcorr") for a, b in self.pairs_], dtype=object)


class RollingCorrelation(_CrossRowTransformer):
    """Rolling correlation of daily returns between asset pairs (the study's correlation).

    Each asset's daily return is the sum of its observed intraday returns (NaN on a day
    with none, see :class:`DailyReturn`). For day ``t`` the output is the Pearson
    correlation (sample means removed) of the two assets' daily returns over days
    ``t - window + 1 .. t``, using only the days both observed, NaN when fewer than
    ``min_periods`` such days or when a return series is constant in the window. Only the
    current and past rows enter. Output ``"<a>_<b>__corr<window>"``, e.g.
    ``"BTC_SPX__corr30"``. Walk-forward history and rows without dates: see
    :mod:`skvol.features._cross`.

    Parameters
    ----------
    window : int, default=30
        Number of rows (days) in the window, the current one included.
    pairs : list of (str, str) or None, default=None
        Asset pairs; None means every pair in column order.
    min_periods : int or None, default=None
        Minimum number of days with both returns observed; None means ``window``.

    Attributes
    ----------
    pairs_ : list of (str, str)
        The pairs computed.
    history_ : skvol._history.History
        The last ``window - 1`` daily-return rows of ``fit`` (and their dates).
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` had string column names.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skvol.features import RollingCorrelation
    >>> days = pd.date_range("2017-01-02", periods=4, freq="B", name="date")
    >>> X = pd.DataFrame({"BTC__0000": [0.01, -0.02, 0.03, 0.01],
    ...                   "SPX__0930": [0.02, -0.01, 0.02, 0.00]}, index=days)
    >>> RollingCorrelation(window=3).fit_transform(X).round(4).ravel()
    array([   nan,    nan, 0.9177, 0.9538])
    """

    _parameter_constraints = {
        "window": [Interval(Integral, 2, None, closed="left")],
        "pairs": ["array-like", None],
        "min_periods": [Interval(Integral, 2, None, closed="left"), None],
    }

    def __init__(self, window: int = 30, pairs=None, min_periods: int | None = None):
        self.window = window
        self.pairs = pairs
        self.min_periods = min_periods

    def _history_rows(self) -> int:
        return self.window - 1

    def _daily_returns(self, X: np.ndarray) -> np.ndarray:
        return np.column_stack([_kernels.daily_return(asset_block(X, pos)) for pos in self._cols])

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Find the assets and pairs and keep the last ``window - 1`` days; returns ``self``.

        Parameters
        ----------
        X : array-like of shape (n_days, n_bins_total)
            Intraday log returns of at least two assets (or daily returns, one column
            per asset).
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        values = check_panel(self, X, reset=True)
        assets = correlation_assets(getattr(self, "feature_names_in_", None), values.shape[1])
        names = [name for name, _, _ in assets]
        self.pairs_ = resolve_pairs(self.pairs, names, type(self).__name__)
        self._cols = [pos for _, pos, _ in assets]
        self._pair_idx = [(names.index(a), names.index(b)) for a, b in self.pairs_]
        self._keep_history(self._daily_returns(values), X)
        return self

    def transform(self, X):
        """Rolling correlations ending at each row.

        Parameters
        ----------
        X : array-like of shape (n_days, n_bins_total)
            Laid out as in ``fit``.

        Returns
        -------
        corr : ndarray of shape (n_days, n_pairs)
        """
        check_is_fitted(self)
        values = check_panel(self, X, reset=False)
        windows = self._windows(self._daily_returns(values), X, self.window)
        min_periods = (
            self.window if self.min_periods is None else min(self.min_periods, self.window)
        )
        return np.column_stack(
            [_pearson(windows[:, a, :], windows[:, b, :], min_periods) for a, b in self._pair_idx]
        )

    def get_feature_names_out(self, input_features=None):
        """Names ``"<a>_<b>__corr<window>"``.

        Parameters
        ----------
        input_features : array-like of str or None
            Must match ``feature_names_in_`` when given.

        Returns
        -------
        names : ndarray of str objects
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features)
        return np.asarray(
            [feature_name(f"{a}_{b}", f"corr{self.window}") for a, b in self.pairs_], dtype=object
        )


class HARFeatures(_CrossRowTransformer):
    """Daily, weekly and monthly averages of each input column: the HAR regressors.

    For each input column ``v`` and window ``w``: ``v^(w)_t = (1/w) sum_{j=0}^{w-1}
    v_{t-j}`` (Corsi 2009, eq. 5; ``w = 1, 5, 22`` gives the daily, weekly and monthly
    components), the mean of the non-NaN values among the current and ``w - 1`` previous
    rows, NaN when fewer than ``min_periods`` of them are present. With ``log=True`` the
    output is ``log v^(w)_t`` (the log-HAR of Andersen, Bollerslev & Diebold 2007), NaN
    where the average is not positive. Output ``"<column>_har<w>"``, e.g.
    ``"BTC__rv_har22"``. Walk-forward history and rows without dates: see
    :mod:`skvol.features._cross`.

    Parameters
    ----------
    windows : tuple of int, default=(1, 5, 22)
        Window lengths in rows (days).
    log : bool, default=False
        Take the log of each average.
    min_periods : int or None, default=None
        Minimum number of non-NaN values in a window; None means the whole window.

    Attributes
    ----------
    history_ : skvol._history.History
        The last ``max(windows) - 1`` rows of ``fit`` (and their dates).
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` had string column names.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skvol.features import HARFeatures
    >>> days = pd.date_range("2017-01-02", periods=3, freq="B", name="date")
    >>> X = pd.DataFrame({"BTC__rv": [1.0, 2.0, 6.0]}, index=days)
    >>> HARFeatures(windows=(1, 3)).fit_transform(X)
    array([[ 1., nan],
           [ 2., nan],
           [ 6.,  3.]])
    """

    _parameter_constraints = {
        "windows": ["array-like"],
        "log": ["boolean"],
        "min_periods": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(self, windows=(1, 5, 22), log: bool = False, min_periods: int | None = None):
        self.windows = windows
        self.log = log
        self.min_periods = min_periods

    def _checked_windows(self) -> list[int]:
        windows = np.asarray(self.windows).ravel()
        if (
            windows.size == 0
            or windows.dtype.kind not in "iu"
            or (windows < 1).any()
            or len(set(windows.tolist())) != windows.size
        ):
            raise ValueError(
                f"HARFeatures: windows must be distinct positive integers, got {self.windows!r}"
            )
        return [int(w) for w in windows]

    def _history_rows(self) -> int:
        return max(self._checked_windows()) - 1

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Keep the last ``max(windows) - 1`` rows; returns ``self``.

        Parameters
        ----------
        X : array-like of shape (n_days, n_columns)
            Daily features (for example realized variances), one row per day.
        y : None
            Ignored.

        Returns
        -------
        self : object
        """
        values = check_panel(self, X, reset=True)
        self._keep_history(values, X)
        return self

    def transform(self, X):
        """Window averages ending at each row.

        Parameters
        ----------
        X : array-like of shape (n_days, n_columns)
            Laid out as in ``fit``.

        Returns
        -------
        averages : ndarray of shape (n_days, n_columns * len(windows))
            Columns ordered by input column, then by window.
        """
        check_is_fitted(self)
        values = check_panel(self, X, reset=False)
        windows = self._checked_windows()
        full = self._windows(values, X, max(windows))
        out = np.empty((values.shape[0], values.shape[1], len(windows)))
        for j, w in enumerate(windows):
            recent = full[:, :, full.shape[2] - w :]
            present = np.count_nonzero(~np.isnan(recent), axis=2)
            need = w if self.min_periods is None else min(self.min_periods, w)
            mean = _kernels.safe_ratio(np.nansum(recent, axis=2), present)
            mean[present < need] = np.nan
            if self.log:
                positive = mean > 0
                mean = np.log(np.where(positive, mean, 1.0))
                mean[~positive] = np.nan
            out[:, :, j] = mean
        return out.reshape(values.shape[0], -1)

    def get_feature_names_out(self, input_features=None):
        """Names ``"<column>_har<w>"`` (``"x<i>_har<w>"`` for an ndarray).

        Parameters
        ----------
        input_features : array-like of str or None
            Must match ``feature_names_in_`` when given.

        Returns
        -------
        names : ndarray of str objects
        """
        check_is_fitted(self)
        columns = _check_feature_names_in(self, input_features)
        return np.asarray(
            [f"{col}_har{w}" for col in columns for w in self._checked_windows()], dtype=object
        )
