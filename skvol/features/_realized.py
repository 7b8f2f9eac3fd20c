"""Row-local realized measures: each day's intraday returns give that day's measure.

Input everywhere: the panel of ``skvol.data.intraday_panel``, one row per day, columns
``"<asset>__<bin>"`` of intraday log returns (NaN = no observation in the bin). ``M`` is
the number of observed returns of the day and ``K`` the number of usable windows of
consecutive observed bins (see :mod:`skvol.features._kernels`); without missing bins the
``M / K`` factors below are the papers' ``M / (M - 1)`` and ``M / (M - 2)``.

Subsampling. The measures with a ``subsample`` parameter (RV, BV, the semivariances, MedRV,
MinRV, RQ, TQ and the truncated variance) can average over offset grids, the
"subsampled" or "averaged" realized measures of Zhang, Mykland & Ait-Sahalia (2005,
their ``[Y, Y]^(avg)``) and R highfrequency's ``rAVGCov``. With ``subsample=k`` and ``n``
bins per day, grid ``j = 0 .. k - 1`` sums the returns of the ``B_j = floor((n - j) / k)``
full blocks of ``k`` bins starting at bin ``j`` (a block's return is the sum of its
observed returns, NaN when it has none: the panel's return after a gap spans the gap, so
this is the block's log return from the last earlier close). The partial blocks at the
two ends of the day are left out. The measure is computed on each grid exactly as on the
panel's bins (its own ``M`` and ``K``), multiplied by ``(n / (k B_j))^p`` to cover the
whole day (``p = 1`` for variances, ``p = 2`` for the quarticities, whose ``M`` factor
also shrinks with the covered time), and the ``k`` grid values are averaged over the grids
on which it is defined (NaN only if it is undefined on all of them). When ``k`` divides
``n`` the factor is 1 on grid 0 and ``(n / k) / (n / k - 1)`` on the others, exactly
highfrequency's ``rAVGCov`` for one asset. ``subsample=1`` is the measure on the bins
themselves. See :func:`skvol.features._kernels.subsampled`.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions

from skvol.features import _kernels
from skvol.features._base import PanelTransformer


class _GridMeasure(PanelTransformer):
    """A row-local measure that can be averaged over offset grids (``subsample``).

    Subclasses implement ``_measure(r)`` on one asset's block of (possibly aggregated)
    returns and set ``_power`` (the rescaling power of the module notes).
    """

    _parameter_constraints: dict = {"subsample": [Interval(Integral, 1, None, closed="left")]}
    _power = 1

    def __init__(self, subsample: int = 1):
        self.subsample = subsample

    def fit(self, X, y=None):
        """Learn the assets of the panel; returns ``self``.

        Parameters
        ----------
        X : array-like of shape (n_days, n_bins_total)
            Intraday log returns, one row per day, columns ``"<asset>__<bin>"``
            (NaN = missing bin). A plain ndarray is one unnamed asset.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.

        Raises
        ------
        ValueError
            When ``subsample`` exceeds an asset's number of bins.
        """
        super().fit(X, y)
        for asset, positions in zip(self.assets_, self.asset_columns_, strict=True):
            if self.subsample > positions.size:
                name = f"asset {asset!r}" if asset else "the panel"
                raise ValueError(
                    f"{type(self).__name__}: subsample={self.subsample} exceeds the "
                    f"{positions.size} bins of {name}; it counts bins per grid block"
                )
        return self

    def _measure(self, r: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _compute(self, r, state):
        values = _kernels.subsampled(self._measure, r, self.subsample, self._power)
        return values[:, None] if values.ndim == 1 else values


class RealizedVariance(_GridMeasure):
    """Realized variance: the sum of squared intraday returns.

    ``RV_t = sum_i r_{t,i}^2`` over the observed returns of day ``t`` (Andersen &
    Bollerslev 1998; Barndorff-Nielsen & Shephard 2002). No finite-sample factor; the same
    as highfrequency's ``rRVar``. A day with no observed return gets NaN.

    Parameters
    ----------
    subsample : int, default=1
        Number of offset grids averaged: ``k`` averages the measure over the ``k``
        grids of ``k``-bin returns starting at bins ``0 .. k - 1``, each without the
        partial blocks at the day's ends and rescaled to the whole day (module notes;
        docs/features.md, "Subsampled measures"); on a 1-minute panel ``subsample=5``
        averages the five 5-minute grids. 1 (the default) uses the panel's bins. At
        most the asset's number of bins.

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

    Subsampled over two grids of 2-bin returns: grid 0 has the returns 0 and 0.02,
    grid 1 the return -0.01 + 0.02 of bins 1-2, rescaled by 4 / (2 * 1):

    >>> X = np.array([[0.01, -0.01, 0.02, 0.0]])
    >>> RealizedVariance(subsample=2).fit_transform(X)  # (0.0004 + 2 * 0.0001) / 2
    array([[0.0003]])
    """

    _suffixes = ("rv",)

    def _measure(self, r):
        return _kernels.realized_variance(r)


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


class BipowerVariation(_GridMeasure):
    """Bipower variation, the jump-robust estimator of integrated variance.

    ``BV_t = (pi / 2) sum_{i>=2} |r_{t,i}| |r_{t,i-1}|`` (Barndorff-Nielsen & Shephard
    2004, eq. 4 with ``mu_1^-2 = pi / 2``), with no ``M / (M - 1)`` finite-sample factor,
    exactly as highfrequency's ``rBPCov`` for one asset. Pairs touching a missing bin are
    skipped (and not compensated for). NaN when the day has no pair of consecutive
    observed bins.

    Parameters
    ----------
    subsample : int, default=1
        Number of offset grids averaged: ``k`` averages the measure over the ``k``
        grids of ``k``-bin returns starting at bins ``0 .. k - 1``, each without the
        partial blocks at the day's ends and rescaled to the whole day (module notes;
        docs/features.md, "Subsampled measures"); on a 1-minute panel ``subsample=5``
        averages the five 5-minute grids. 1 (the default) uses the panel's bins. At
        most the asset's number of bins.

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

    def _measure(self, r):
        return _kernels.bipower_variation(r)


class RealizedSemivariance(_GridMeasure):
    """Downside and upside realized semivariances.

    ``RS-_t = sum_i r_{t,i}^2 1{r_{t,i} < 0}`` and ``RS+_t = sum_i r_{t,i}^2
    1{r_{t,i} > 0}`` (Barndorff-Nielsen, Kinnebrock & Shephard 2010), so ``RS- + RS+ =
    RV``. Same as highfrequency's ``rSVar``. Outputs ``"<asset>__rs_neg"`` and
    ``"<asset>__rs_pos"``; NaN on a day with no observed return.

    Parameters
    ----------
    subsample : int, default=1
        Number of offset grids averaged: ``k`` averages the measure over the ``k``
        grids of ``k``-bin returns starting at bins ``0 .. k - 1``, each without the
        partial blocks at the day's ends and rescaled to the whole day (module notes;
        docs/features.md, "Subsampled measures"); on a 1-minute panel ``subsample=5``
        averages the five 5-minute grids. 1 (the default) uses the panel's bins. At
        most the asset's number of bins.

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

    def _measure(self, r):
        return _kernels.realized_semivariance(r)


class MedRV(_GridMeasure):
    """Median realized variance (nearest-neighbour truncation).

    ``MedRV_t = pi / (6 - 4 sqrt(3) + pi) (M / K) sum_i med(|r_{i-1}|, |r_i|, |r_{i+1}|)^2``
    (Andersen, Dobrev & Schaumburg 2012, eq. 2.3, where ``M / K = M / (M - 2)``). The sum
    runs over triples of consecutive observed bins. highfrequency's ``rMedRVar`` uses the
    same formula but, called on prices with ``makeReturns = TRUE``, its return series
    starts with a zero return, which enters the first median and ``M``; skvol follows
    the paper (see ``docs/features.md``). NaN when no triple is usable.

    Parameters
    ----------
    subsample : int, default=1
        Number of offset grids averaged: ``k`` averages the measure over the ``k``
        grids of ``k``-bin returns starting at bins ``0 .. k - 1``, each without the
        partial blocks at the day's ends and rescaled to the whole day (module notes;
        docs/features.md, "Subsampled measures"); on a 1-minute panel ``subsample=5``
        averages the five 5-minute grids. 1 (the default) uses the panel's bins. At
        most the asset's number of bins.

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

    def _measure(self, r):
        return _kernels.med_rv(r)


class MinRV(_GridMeasure):
    """Minimum realized variance.

    ``MinRV_t = pi / (pi - 2) (M / K) sum_i min(|r_i|, |r_{i+1}|)^2`` (Andersen, Dobrev &
    Schaumburg 2012, eq. 2.2, where ``M / K = M / (M - 1)``), over pairs of consecutive
    observed bins; highfrequency's ``rMinRV`` with the same zero-return caveat as
    :class:`MedRV`. NaN when no pair is usable.

    Parameters
    ----------
    subsample : int, default=1
        Number of offset grids averaged: ``k`` averages the measure over the ``k``
        grids of ``k``-bin returns starting at bins ``0 .. k - 1``, each without the
        partial blocks at the day's ends and rescaled to the whole day (module notes;
        docs/features.md, "Subsampled measures"); on a 1-minute panel ``subsample=5``
        averages the five 5-minute grids. 1 (the default) uses the panel's bins. At
        most the asset's number of bins.

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

    def _measure(self, r):
        return _kernels.min_rv(r)


class RealizedQuarticity(_GridMeasure):
    """Realized quarticity, an estimator of integrated quarticity.

    ``RQ_t = (M / 3) sum_i r_{t,i}^4`` (Barndorff-Nielsen & Shephard 2002), as
    highfrequency's ``rQuar``. Not jump-robust. NaN on a day with no observed return.

    Parameters
    ----------
    subsample : int, default=1
        Number of offset grids averaged: ``k`` averages the measure over the ``k``
        grids of ``k``-bin returns starting at bins ``0 .. k - 1``, each without the
        partial blocks at the day's ends and rescaled to the whole day (module notes;
        docs/features.md, "Subsampled measures"); on a 1-minute panel ``subsample=5``
        averages the five 5-minute grids. 1 (the default) uses the panel's bins. At
        most the asset's number of bins.

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

    _power = 2
    _suffixes = ("rq",)

    def _measure(self, r):
        return _kernels.realized_quarticity(r)


class TripowerQuarticity(_GridMeasure):
    """Realized tripower quarticity, a jump-robust estimator of integrated quarticity.

    ``TQ_t = M mu_{4/3}^{-3} (M / K) sum_i |r_i|^{4/3} |r_{i-1}|^{4/3} |r_{i-2}|^{4/3}``
    with ``mu_{4/3} = 2^{2/3} Gamma(7/6) / Gamma(1/2)`` (Barndorff-Nielsen & Shephard 2006;
    Huang & Tauchen 2005, eq. 8, where ``M / K = M / (M - 2)``), as highfrequency's
    ``rTPQuar``. Triples touching a missing bin are skipped; NaN when none is usable.

    Parameters
    ----------
    subsample : int, default=1
        Number of offset grids averaged: ``k`` averages the measure over the ``k``
        grids of ``k``-bin returns starting at bins ``0 .. k - 1``, each without the
        partial blocks at the day's ends and rescaled to the whole day (module notes;
        docs/features.md, "Subsampled measures"); on a 1-minute panel ``subsample=5``
        averages the five 5-minute grids. 1 (the default) uses the panel's bins. At
        most the asset's number of bins.

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

    _power = 2
    _suffixes = ("tq",)

    def _measure(self, r):
        return _kernels.tripower_quarticity(r)


class TruncatedVariance(_GridMeasure):
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
    subsample : int, default=1
        Number of offset grids averaged: ``k`` averages the measure over the ``k``
        grids of ``k``-bin returns starting at bins ``0 .. k - 1``, each without the
        partial blocks at the day's ends and rescaled to the whole day (module notes;
        docs/features.md, "Subsampled measures"); on a 1-minute panel ``subsample=5``
        averages the five 5-minute grids. 1 (the default) uses the panel's bins. At
        most the asset's number of bins.
        On grid ``j`` the threshold uses that grid's BV and ``Delta = 1 / B_j``.

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

    _parameter_constraints = {
        **_GridMeasure._parameter_constraints,
        "c": [Interval(Real, 0, None, closed="neither")],
    }
    _suffixes = ("tv",)

    def __init__(self, c: float = 3.0, subsample: int = 1):
        self.c = c
        self.subsample = subsample

    def _measure(self, r):
        return _kernels.truncated_variance(r, self.c)


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
