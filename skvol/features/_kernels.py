"""Numerical kernels of the realized measures, vectorised over days.

Every kernel takes ``r``, a 2-D float array of one asset's intraday log returns with one
row per day and one column per intraday bin (NaN = the bin has no observation), and
returns one value per day (or one column per output). No loop runs over days or bars:
windows of consecutive bins are shifted views of ``r``. The tests in
``tests/features/test_kernels.py`` hold a straightforward per-day reference loop for each
kernel and compare both.

Conventions shared by all kernels
---------------------------------
* ``M`` is the number of observed (non-NaN) returns of the day.
* A window of consecutive bins (a pair for bipower variation and MinRV, a triple for MedRV
  and tripower quarticity) is used only when all of its bins are observed: windows that
  touch a missing bin are skipped. ``K`` is the number of usable windows. Without missing
  bins ``K = M - 1`` for pairs and ``K = M - 2`` for triples, so the papers' finite-sample
  factors ``M / (M - 1)`` and ``M / (M - 2)`` are written ``M / K``.
* A day whose measure is undefined (no observed return, no usable window, a zero
  denominator) gets NaN. Kernels never emit floating-point warnings.

Subsampling (:func:`subsampled`) runs any of these kernels on the ``width``-bin returns
of each of the ``width`` offset grids and averages the results; its conventions are in
its docstring.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.special import gamma
from scipy.stats import norm

#: E|Z| for a standard normal Z: sqrt(2 / pi).
MU1 = float(np.sqrt(2.0 / np.pi))
#: E|Z|^(4/3) for a standard normal Z: 2^(2/3) Gamma(7/6) / Gamma(1/2).
MU43 = float(2.0 ** (2.0 / 3.0) * gamma(7.0 / 6.0) / gamma(0.5))
#: MedRV scale of Andersen, Dobrev & Schaumburg (2012), eq. (2.3): pi / (6 - 4 sqrt(3) + pi).
MEDRV_SCALE = float(np.pi / (6.0 - 4.0 * np.sqrt(3.0) + np.pi))
#: MinRV scale of Andersen, Dobrev & Schaumburg (2012), eq. (2.2): pi / (pi - 2).
MINRV_SCALE = float(np.pi / (np.pi - 2.0))
#: Parzen-kernel constant c* of Barndorff-Nielsen, Hansen, Lunde & Shephard (2009), table 1.
PARZEN_C_STAR = 3.5134
#: Above this many lags the autocovariances come from one FFT per day.
_FFT_LAGS = 24
#: Asymptotic variance factor of the BNS ratio statistic with bipower variation:
#: mu1^-4 + 2 mu1^-2 - 5 = pi^2 / 4 + pi - 5 (Huang & Tauchen 2005, eq. 9).
BNS_THETA = float(MU1**-4 + 2.0 * MU1**-2 - 5.0)


def _observed(r: np.ndarray) -> np.ndarray:
    """Number of observed returns per day (``M``)."""
    return np.count_nonzero(~np.isnan(r), axis=1)


def nan_where(values: np.ndarray, undefined: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float64)
    values[undefined] = np.nan
    return values


def safe_ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with NaN where ``den`` is zero or NaN (no warning)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.full(np.broadcast(num, den).shape, np.nan)
    np.divide(num, den, out=out, where=(den != 0) & ~np.isnan(den))
    return out


def _split(r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``|r|`` with missing bins set to 0, the observed-bin mask and ``M`` per day.

    With zeros in place of missing bins, a product over a window that touches a missing
    bin is 0, so plain (NaN-free) dot products sum exactly the usable windows.
    """
    missing = np.isnan(r)
    a = np.abs(r)
    np.copyto(a, 0.0, where=missing)
    observed = ~missing
    return a, observed, np.count_nonzero(observed, axis=1)


def _dot(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Row-wise dot product without a temporary array."""
    return np.einsum("ij,ij->i", x, y)


def _pairs(observed: np.ndarray) -> np.ndarray:
    """Number of pairs of consecutive observed bins per day."""
    return np.count_nonzero(observed[:, 1:] & observed[:, :-1], axis=1)


def _triples(observed: np.ndarray) -> np.ndarray:
    """Mask of triples of consecutive observed bins."""
    return observed[:, 2:] & observed[:, 1:-1] & observed[:, :-2]


def realized_variance(r: np.ndarray) -> np.ndarray:
    """RV = sum_i r_i^2 over the observed returns; NaN on a day with none."""
    a, _, m = _split(r)
    return nan_where(_dot(a, a), m == 0)


def daily_return(r: np.ndarray) -> np.ndarray:
    """Sum of the observed returns of the day; NaN on a day with none."""
    return nan_where(np.nansum(r, axis=1), _observed(r) == 0)


def realized_semivariance(r: np.ndarray) -> np.ndarray:
    """Columns (RS-, RS+): sum of r_i^2 over negative and over positive returns."""
    neg = np.fmin(r, 0.0)  # fmin/fmax map NaN to 0
    pos = np.fmax(r, 0.0)
    undefined = _observed(r) == 0
    return np.column_stack(
        [nan_where(_dot(neg, neg), undefined), nan_where(_dot(pos, pos), undefined)]
    )


def bipower_scale(r: np.ndarray, a: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Bipower variation and its number of usable pairs ``K``.

    ``a`` may pass ``|r|`` with missing bins set to 0 when the caller has it.
    """
    if a is None:
        a, observed, _ = _split(r)
    else:
        observed = ~np.isnan(r)
    return _bipower(a, observed)


def _bipower(a: np.ndarray, observed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    k = _pairs(observed)
    return nan_where(_dot(a[:, 1:], a[:, :-1]) * (np.pi / 2.0), k == 0), k


def bipower_variation(r: np.ndarray) -> np.ndarray:
    """BV = (pi / 2) sum_{i>=2} |r_i| |r_{i-1}| over pairs of observed bins, no M/(M-1)."""
    return bipower_scale(r)[0]


def _median3(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Element-wise median of three arrays (NaN if any is NaN), without sorting."""
    return np.maximum(np.minimum(x, y), np.minimum(np.maximum(x, y), z))


def med_rv(r: np.ndarray) -> np.ndarray:
    """MedRV = pi/(6 - 4 sqrt 3 + pi) (M/K) sum med(|r_{i-1}|, |r_i|, |r_{i+1}|)^2."""
    a, observed, m = _split(r)
    usable = _triples(observed)
    med = _median3(a[:, :-2], a[:, 1:-1], a[:, 2:])
    np.copyto(med, 0.0, where=~usable)
    return MEDRV_SCALE * safe_ratio(m * _dot(med, med), np.count_nonzero(usable, axis=1))


def min_rv(r: np.ndarray) -> np.ndarray:
    """MinRV = pi/(pi - 2) (M/K) sum min(|r_i|, |r_{i+1}|)^2."""
    a, observed, m = _split(r)
    low = np.minimum(a[:, :-1], a[:, 1:])  # 0 where a bin is missing
    return MINRV_SCALE * safe_ratio(m * _dot(low, low), _pairs(observed))


def realized_quarticity(r: np.ndarray) -> np.ndarray:
    """RQ = (M / 3) sum r_i^4."""
    a, _, m = _split(r)
    a2 = a * a
    return nan_where(m / 3.0 * _dot(a2, a2), m == 0)


def tripower_quarticity(r: np.ndarray) -> np.ndarray:
    """TQ = M mu_{4/3}^-3 (M/K) sum |r_i r_{i-1} r_{i-2}|^{4/3}."""
    return _tripower(*_split(r))


def _tripower(a: np.ndarray, observed: np.ndarray, m: np.ndarray) -> np.ndarray:
    p = a * np.cbrt(a)
    total = _dot(p[:, 2:] * p[:, 1:-1], p[:, :-2])
    k = np.count_nonzero(_triples(observed), axis=1)
    return MU43**-3 * safe_ratio(m * m * total, k)


def bns_inputs(r: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """RV, BV, TQ and M of each day from one pass over the missing-bin mask."""
    a, observed, m = _split(r)
    rv = nan_where(_dot(a, a), m == 0)
    bv, _ = _bipower(a, observed)
    return rv, bv, _tripower(a, observed, m), m


def truncated_variance(r: np.ndarray, c: float, bv: np.ndarray | None = None) -> np.ndarray:
    """TV = sum r_i^2 1{|r_i| <= c sqrt(BV) Delta^0.49}, Delta = 1 / (number of bins)."""
    if bv is None:
        bv = bipower_variation(r)
    delta = 1.0 / r.shape[1]
    u = c * np.sqrt(bv) * delta**0.49
    with np.errstate(invalid="ignore"):
        kept = np.abs(r) <= u[:, None]
    tv = np.nansum(np.where(kept, r * r, 0.0), axis=1)
    return nan_where(tv, np.isnan(bv) | (_observed(r) == 0))


def parzen(x: np.ndarray) -> np.ndarray:
    """Parzen kernel: 1 - 6x^2 + 6x^3 on [0, 1/2], 2(1 - x)^3 on (1/2, 1], 0 beyond."""
    x = np.abs(np.asarray(x, dtype=np.float64))
    inner = 1.0 - 6.0 * x**2 + 6.0 * x**3
    outer = 2.0 * (1.0 - x) ** 3
    return np.where(x <= 0.5, inner, np.where(x <= 1.0, outer, 0.0))


def kernel_bandwidth(r: np.ndarray, sparse_bins: int = 20) -> np.ndarray:
    """Parzen bandwidth H = ceil(c* xi^(4/5) n^(3/5)) per day (BNHLS 2009, eq. 10).

    ``xi^2 = omega^2 / IV`` with the noise variance ``omega^2 = RV / (2 n)`` from the bin
    returns and ``IV`` the realized variance of returns summed over non-overlapping
    blocks of ``sparse_bins`` bins (20 one-minute bins = BNHLS's 20-minute RV). ``n`` is
    the number of observed returns. Days where ``xi`` is undefined get ``H = 0``
    (the kernel is then the realized variance); ``H`` is at most ``n - 1``.
    """
    n_days, n_bins = r.shape
    n = _observed(r)
    rv = realized_variance(r)
    n_blocks = -(-n_bins // sparse_bins)
    padded = np.full((n_days, n_blocks * sparse_bins), np.nan)
    padded[:, :n_bins] = r
    blocks = padded.reshape(n_days, n_blocks, sparse_bins)
    observed_block = np.any(~np.isnan(blocks), axis=2)
    sparse = np.where(observed_block, np.nansum(blocks, axis=2), 0.0)
    iv_sparse = np.sum(sparse * sparse, axis=1)
    omega2 = safe_ratio(rv, 2.0 * n)
    xi2 = safe_ratio(omega2, iv_sparse)
    h = np.ceil(PARZEN_C_STAR * np.power(np.where(np.isnan(xi2), 0.0, xi2), 0.4) * n**0.6)
    return np.clip(h, 0, np.maximum(n - 1, 0)).astype(np.intp)


def realized_kernel(r: np.ndarray, bandwidth: np.ndarray) -> np.ndarray:
    """K = sum_{h=-H}^{H} k(h / (H + 1)) gamma_h with the Parzen k (BNHLS 2009, eq. 2).

    ``gamma_h = sum_j r_j r_{j-h}`` over pairs of observed bins ``h`` apart; ``bandwidth``
    gives ``H`` per day. No end-point jittering (BNHLS's ``m = 1``).
    """
    bandwidth = np.asarray(bandwidth)
    filled = np.where(np.isnan(r), 0.0, r)
    max_h = int(bandwidth.max(initial=0))
    gammas = _autocovariances(filled, max_h)
    lags = np.arange(1, max_h + 1)
    weights = parzen(lags[None, :] / (bandwidth[:, None] + 1.0))
    total = gammas[:, 0] + 2.0 * np.einsum("ij,ij->i", weights, gammas[:, 1:])
    return nan_where(total, _observed(r) == 0)


def _autocovariances(filled: np.ndarray, max_h: int) -> np.ndarray:
    """Columns gamma_0 .. gamma_max_h of each row (NaN-free input).

    Few lags: one dot product per lag; many lags: one zero-padded FFT per row
    (Wiener-Khinchin), which costs the same whatever the number of lags.
    """
    n_bins = filled.shape[1]
    if max_h <= _FFT_LAGS:
        return np.column_stack(
            [
                np.einsum("ij,ij->i", filled[:, h:], filled[:, : n_bins - h])
                for h in range(max_h + 1)
            ]
        )
    size = 1 << int(np.ceil(np.log2(2 * n_bins)))
    spectrum = np.fft.rfft(filled, n=size, axis=1)
    return np.fft.irfft(spectrum * np.conj(spectrum), n=size, axis=1)[:, : max_h + 1]


def bns_ratio_test(
    rv: np.ndarray, bv: np.ndarray, tq: np.ndarray, m: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """BNS ratio z-statistic with the max adjustment and its one-sided p-value.

    z = (1 - BV/RV) / sqrt(theta / M max(1, TQ / BV^2)), theta = pi^2/4 + pi - 5
    (Huang & Tauchen 2005, eq. 9 with the max of their eq. 14); p = 1 - Phi(z).
    """
    rj = 1.0 - safe_ratio(bv, rv)
    adj = np.maximum(1.0, safe_ratio(tq, bv * bv))
    z = safe_ratio(rj, np.sqrt(safe_ratio(BNS_THETA * adj, m.astype(np.float64))))
    return z, norm.sf(z)


def realized_correlation(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """sum x_i y_i / sqrt(sum x_i^2 sum y_i^2) over the bins where both are observed."""
    both = ~(np.isnan(x) | np.isnan(y))
    xs = np.where(both, x, 0.0)
    ys = np.where(both, y, 0.0)
    cov = np.sum(xs * ys, axis=1)
    den = np.sqrt(np.sum(xs * xs, axis=1) * np.sum(ys * ys, axis=1))
    return safe_ratio(cov, den)


def aggregate_bins(r: np.ndarray, width: int, offset: int) -> np.ndarray:
    """Returns over the full blocks of ``width`` bins starting at bin ``offset``.

    Block ``b`` covers bins ``offset + b * width`` to ``offset + (b + 1) * width - 1``;
    the bins before ``offset`` and after the last full block are left out. A block's
    return is the sum of its observed returns (the panel's return after a gap spans the
    gap, so this is the log return from the last close before the block to the block's
    last close), NaN when none of its bins is observed.
    """
    missing = np.isnan(r)
    return _block_returns(np.where(missing, 0.0, r), ~missing, width, offset)


def _block_returns(filled: np.ndarray, observed: np.ndarray, width: int, offset: int) -> np.ndarray:
    """:func:`aggregate_bins` from ``r`` with NaN set to 0 and its observed-bin mask.

    The blocks' sums are ``width`` strided slices added together, which numpy does
    faster than a reduction over a ``(n_days, n_blocks, width)`` view.
    """
    n_blocks = (filled.shape[1] - offset) // width
    stop = offset + n_blocks * width
    total = filled[:, offset:stop:width].copy()
    seen = observed[:, offset:stop:width].copy()
    for i in range(1, width):
        total += filled[:, offset + i : stop : width]
        seen |= observed[:, offset + i : stop : width]
    return nan_where(total, ~seen)


def subsampled(
    measure: Callable[[np.ndarray], np.ndarray], r: np.ndarray, width: int, power: int = 1
) -> np.ndarray:
    """Average of ``measure`` over the ``width`` offset grids of ``width``-bin returns.

    For each offset ``j = 0 .. width - 1`` the grid's returns are
    :func:`aggregate_bins` ``(r, width, j)``: its ``B_j = floor((n - j) / width)`` full
    blocks, ``n`` the number of bins (missing ones included). The partial blocks at the
    ends of the day are left out, so each grid is equally spaced, and the grid's measure
    is rescaled to the whole day by ``(n / (width * B_j)) ** power`` (``power = 1`` for
    variances, 2 for quarticities, whose ``M`` factor also shrinks with the covered
    time). When ``width`` divides ``n`` the factor is 1 for ``j = 0`` and
    ``(n / width) / (n / width - 1)`` otherwise, as in the univariate ``rAVGCov`` of R
    highfrequency; without the rescaling the mean of the grids' RVs is the averaged
    estimator ``[Y, Y]^(avg)`` of Zhang, Mykland & Ait-Sahalia (2005).
    A day's value is the mean over the grids on which the measure is defined (NaN only
    where it is undefined on every grid); grids without a full block are skipped.
    ``width = 1`` is ``measure(r)``.
    """
    n_bins = r.shape[1]
    if width > n_bins:
        raise ValueError(f"subsample width {width} exceeds the {n_bins} bins of a day")
    if width == 1:
        return measure(r)
    missing = np.isnan(r)
    filled = np.where(missing, 0.0, r)
    observed = ~missing
    total = 0.0
    count = 0
    for offset in range(min(width, n_bins - width + 1)):  # grids with a full block
        n_blocks = (n_bins - offset) // width
        value = measure(_block_returns(filled, observed, width, offset))
        value = value * (n_bins / (width * n_blocks)) ** power
        defined = ~np.isnan(value)
        total = total + np.where(defined, value, 0.0)
        count = count + defined
    return safe_ratio(total, count)
