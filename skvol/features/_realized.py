"""Row-local realized measures: each day's intraday returns give that day's measure.

Input everywhere: the panel of ``skvol.data.intraday_panel``, one row per day, columns
``"<asset>__<bin>"`` of intraday log returns (NaN = no observation in the bin). ``M`` is
the number of observed returns of the day and ``K`` the number of usable windows of
consecutive observed bins (see :mod:`skvol.features._kernels`); without missing bins the
``M / K`` factors below are the papers' ``M / (M - 1)`` and ``M / (M - 2)``.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from skvol.features import _kernels
from skvol.features._base import PanelTransformer


class RealizedVariance(PanelTransformer):
    """Realized variance: the sum of squared intraday returns.

    ``RV_t = sum_i r_{t,i}^2`` over the observed returns of day ``t`` (Andersen &
    Bollerslev 1998; Barndorff-Nielsen & Shephard 2002). No finite-sample factor; the same
    as highfrequency's ``rRVar``. A day with no observed return gets NaN.

    Attributes
    ----------
    assets_ : list of str
        Assets found in the column names (``""`` for an unnamed ndarray).
    asset_columns_ : list of ndarray
        Column positions of each asset.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.features import RealizedVariance
    >>> X = np.array([[0.01, -0.02, np.nan], [0.0, 0.0, 0.0]])
    >>> RealizedVariance().fit_transform(X)
    array([[0.0005],
           [0.    ]])
    """

    _suffixes = ("rv",)

    def _compute(self, r, state):
        return _kernels.realized_variance(r)[:, None]


class DailyReturn(PanelTransformer):
    """The day's log return: the sum of its observed intraday returns.

    ``R_t = sum_i r_{t,i}`` (open-to-close when the session's first bin starts at the
    open). NaN on a day with no observed return.

    Attributes
    ----------
    assets_ : list of str
        Assets found in the column names.
    asset_columns_ : list of ndarray
        Column positions of each asset.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.features import DailyReturn
    >>> DailyReturn().fit_transform(np.array([[0.01, -0.03, np.nan]]))
    array([[-0.02]])
    """

    _suffixes = ("ret",)

    def _compute(self, r, state):
        return _kernels.daily_return(r)[:, None]


class BipowerVariation(PanelTransformer):
    """Bipower variation, the jump-robust estimator of integrated variance.

    ``BV_t = (pi / 2) sum_{i>=2} |r_{t,i}| |r_{t,i-1}|`` (Barndorff-Nielsen & Shephard
    2004, eq. 4 with ``mu_1^-2 = pi / 2``), with no ``M / (M - 1)`` finite-sample factor,
    exactly as highfrequency's ``rBPCov`` for one asset. Pairs touching a missing bin are
    skipped (and not compensated for). NaN when the day has no pair of consecutive
    observed bins.

    Attributes
    ----------
    assets_ : list of str
        Assets found in the column names.
    asset_columns_ : list of ndarray
        Column positions of each asset.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.features import BipowerVariation
    >>> BipowerVariation().fit_transform(np.array([[0.01, -0.02, 0.01]]))  # pi/2 * 4e-4
    array([[0.00062832]])
    """

    _suffixes = ("bv",)

    def _compute(self, r, state):
        return _kernels.bipower_variation(r)[:, None]


class RealizedSemivariance(PanelTransformer):
    """Downside and upside realized semivariances.

    ``RS-_t = sum_i r_{t,i}^2 1{r_{t,i} < 0}`` and ``RS+_t = sum_i r_{t,i}^2
    1{r_{t,i} > 0}`` (Barndorff-Nielsen, Kinnebrock & Shephard 2010), so ``RS- + RS+ =
    RV``. Same as highfrequency's ``rSVar``. Outputs ``"<asset>__rs_neg"`` and
    ``"<asset>__rs_pos"``; NaN on a day with no observed return.

    Attributes
    ----------
    assets_ : list of str
        Assets found in the column names.
    asset_columns_ : list of ndarray
        Column positions of each asset.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.features import RealizedSemivariance
    >>> RealizedSemivariance().fit_transform(np.array([[0.01, -0.02, 0.0]]))
    array([[0.0004, 0.0001]])
    """

    _suffixes = ("rs_neg", "rs_pos")

    def _compute(self, r, state):
        return _kernels.realized_semivariance(r)


class MedRV(PanelTransformer):
    """Median realized variance (nearest-neighbour truncation).

    ``MedRV_t = pi / (6 - 4 sqrt(3) + pi) (M / K) sum_i med(|r_{i-1}|, |r_i|, |r_{i+1}|)^2``
    (Andersen, Dobrev & Schaumburg 2012, eq. 2.3, where ``M / K = M / (M - 2)``). The sum
    runs over triples of consecutive observed bins. highfrequency's ``rMedRVar`` uses the
    same formula but, called on prices with ``makeReturns = TRUE``, its return series
    starts with a zero return, which enters the first median and ``M``; skvol follows
    the paper (see ``docs/features.md``). NaN when no triple is usable.

    Attributes
    ----------
    assets_ : list of str
        Assets found in the column names.
    asset_columns_ : list of ndarray
        Column positions of each asset.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.features import MedRV
    >>> X = np.array([[0.01, -0.02, 0.01, 0.5, 0.01]])  # the jump does not leak in
    >>> MedRV().fit_transform(X).round(6)  # RV would be 0.2506
    array([[0.001419]])
    """

    _suffixes = ("medrv",)

    def _compute(self, r, state):
        return _kernels.med_rv(r)[:, None]


class MinRV(PanelTransformer):
    """Minimum realized variance.

    ``MinRV_t = pi / (pi - 2) (M / K) sum_i min(|r_i|, |r_{i+1}|)^2`` (Andersen, Dobrev &
    Schaumburg 2012, eq. 2.2, where ``M / K = M / (M - 1)``), over pairs of consecutive
    observed bins; highfrequency's ``rMinRV`` with the same zero-return caveat as
    :class:`MedRV`. NaN when no pair is usable.

    Attributes
    ----------
    assets_ : list of str
        Assets found in the column names.
    asset_columns_ : list of ndarray
        Column positions of each asset.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.features import MinRV
    >>> MinRV().fit_transform(np.array([[0.01, -0.02, 0.01]])).round(7)
    array([[0.0008256]])
    """

    _suffixes = ("minrv",)

    def _compute(self, r, state):
        return _kernels.min_rv(r)[:, None]


class RealizedQuarticity(PanelTransformer):
    """Realized quarticity, an estimator of integrated quarticity.

    ``RQ_t = (M / 3) sum_i r_{t,i}^4`` (Barndorff-Nielsen & Shephard 2002), as
    highfrequency's ``rQuar``. Not jump-robust. NaN on a day with no observed return.

    Attributes
    ----------
    assets_ : list of str
        Assets found in the column names.
    asset_columns_ : list of ndarray
        Column positions of each asset.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.features import RealizedQuarticity
    >>> RealizedQuarticity().fit_transform(np.array([[0.1, -0.1, 0.2]])).round(6)
    array([[0.0018]])
    """

    _suffixes = ("rq",)

    def _compute(self, r, state):
        return _kernels.realized_quarticity(r)[:, None]


class TripowerQuarticity(PanelTransformer):
    """Realized tripower quarticity, a jump-robust estimator of integrated quarticity.

    ``TQ_t = M mu_{4/3}^{-3} (M / K) sum_i |r_i|^{4/3} |r_{i-1}|^{4/3} |r_{i-2}|^{4/3}``
    with ``mu_{4/3} = 2^{2/3} Gamma(7/6) / Gamma(1/2)`` (Barndorff-Nielsen & Shephard 2006;
    Huang & Tauchen 2005, eq. 8, where ``M / K = M / (M - 2)``), as highfrequency's
    ``rTPQuar``. Triples touching a missing bin are skipped; NaN when none is usable.

    Attributes
    ----------
    assets_ : list of str
        Assets found in the column names.
    asset_columns_ : list of ndarray
        Column positions of each asset.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.features import TripowerQuarticity
    >>> TripowerQuarticity().fit_transform(np.full((1, 4), 0.1)).round(5)
    array([[0.00279]])
    """

    _suffixes = ("tq",)

    def _compute(self, r, state):
        return _kernels.tripower_quarticity(r)[:, None]


class TruncatedVariance(PanelTransformer):
    """Truncated (threshold) realized variance, Mancini's jump-robust estimator.

    ``TV_t = sum_i r_{t,i}^2 1{|r_{t,i}| <= u_t}`` with ``u_t = c sqrt(BV_t) Delta^0.49``
    (Mancini 2009; the threshold of highfrequency's ``rThresholdCov``), ``BV_t`` the
    :class:`BipowerVariation` of the day and ``Delta = 1 / n_bins`` the bin length as a
    fraction of the day (``n_bins`` = the asset's number of columns, missing bins
    included). NaN where ``BV_t`` is undefined.

    Parameters
    ----------
    c : float, default=3.0
        Threshold multiplier.

    Attributes
    ----------
    assets_ : list of str
        Assets found in the column names.
    asset_columns_ : list of ndarray
        Column positions of each asset.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.features import TruncatedVariance
    >>> r = np.full((1, 100), 0.001)
    >>> r[0, 50] = 0.05  # a jump, dropped
    >>> TruncatedVariance().fit_transform(r).round(8)
    array([[9.9e-05]])
    """

    _parameter_constraints = {"c": [Interval(Real, 0, None, closed="neither")]}
    _suffixes = ("tv",)

    def __init__(self, c: float = 3.0):
        self.c = c

    def _compute(self, r, state):
        return _kernels.truncated_variance(r, self.c)[:, None]


class RealizedKernel(PanelTransformer):
    """Realized kernel with the Parzen weight function, a noise-robust variance measure.

    ``RK_t = sum_{h=-H}^{H} k(h / (H + 1)) gamma_h``, ``gamma_h = sum_j r_j r_{j-|h|}``
    over pairs of observed bins, ``k`` the Parzen kernel (Barndorff-Nielsen, Hansen,
    Lunde & Shephard 2009, "Realized kernels in practice", eq. 2; non-flat-top, so the
    estimate is non-negative). No end-point jittering (their ``m = 1``), no
    degrees-of-freedom adjustment of ``gamma_h``.

    With ``bandwidth="auto"`` each day gets ``H = ceil(c* xi^{4/5} n^{3/5})``,
    ``c* = 3.5134`` (BNHLS 2009, eq. 10), ``n`` the number of observed returns,
    ``xi^2 = omega^2 / IV`` with ``omega^2 = RV / (2 n)`` (their dense estimator on the bin
    returns, without subsampling) and ``IV`` the realized variance of returns summed over
    non-overlapping blocks of ``sparse_bins`` bins (BNHLS's 20-minute RV for one-minute
    bins). An integer ``bandwidth`` fixes ``H`` for all days (capped at ``n - 1``).

    Parameters
    ----------
    bandwidth : "auto" or int, default="auto"
        ``H``, or "auto" for the per-day BNHLS rule.
    sparse_bins : int, default=20
        Bins per block of the sparse RV used by the "auto" rule.

    Attributes
    ----------
    assets_ : list of str
        Assets found in the column names.
    asset_columns_ : list of ndarray
        Column positions of each asset.
    n_features_in_ : int
        Number of input columns.
    feature_names_in_ : ndarray of str
        Input column names, when ``X`` had string column names.

    Examples
    --------
    >>> import numpy as np
    >>> from skvol.features import RealizedKernel
    >>> X = np.array([[0.01, -0.01, 0.01, -0.01]])
    >>> RealizedKernel(bandwidth=1).fit_transform(X)  # 4e-4 + 2 * k(1/2) * (-3e-4)
    array([[0.00025]])
    """

    _parameter_constraints = {
        "bandwidth": [StrOptions({"auto"}), Interval(Integral, 0, None, closed="left")],
        "sparse_bins": [Interval(Integral, 1, None, closed="left")],
    }
    _suffixes = ("rk",)

    def __init__(self, bandwidth: str | int = "auto", sparse_bins: int = 20):
        self.bandwidth = bandwidth
        self.sparse_bins = sparse_bins

    def _compute(self, r, state):
        if self.bandwidth == "auto":
            h = _kernels.kernel_bandwidth(r, self.sparse_bins)
        else:
            n = np.count_nonzero(~np.isnan(r), axis=1)
            h = np.minimum(self.bandwidth, np.maximum(n - 1, 0))
        return _kernels.realized_kernel(r, h)[:, None]
