"""The study's configuration: which data, which assets, how big a run."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from sklearn.model_selection import TimeSeriesSplit

#: The assets of the original study, in its order.
DEFAULT_ASSETS: tuple[str, ...] = ("BTC", "EURUSD", "SPX")

SESSIONS = ("24h", "fx", "us_equity", "us_equity_weekdays")

#: Largest seed every model takes: NumPy's ``RandomState`` (behind scikit-learn's
#: ``random_state``) accepts integers in ``[0, 2**32 - 1]``.
MAX_SEED = 2**32 - 1

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]*$")


def check_asset_name(name: str) -> str:
    """Validate an asset name (it becomes a column prefix and a file name)."""
    if not _NAME.match(name) or "__" in name:
        raise ValueError(
            f"invalid asset name {name!r}: use letters, digits, '_', '.', '-' "
            "(starting with a letter, no '__')"
        )
    return name


def check_seed(seed) -> int:
    """Validate a seed of the simulated market and the models (``--seed``)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValueError(
            f"--seed must be an integer from 0 to {MAX_SEED} (2**32 - 1, what NumPy's and "
            f"the models' random_state accept), got {seed!r}"
        )
    return seed


@dataclass(frozen=True)
class StudyConfig:
    """Everything one run of the study depends on.

    Parameters
    ----------
    data : str
        ``"simulated"`` (the built-in :func:`skvol.data.simulate_market`), ``"kaggle"``
        (the Kaggle minute-bar dataset through :func:`skvol.data.download_kaggle`), or the
        path of a folder holding one sub-folder or file per asset.
    assets : tuple of str
        Asset names, in the order the report lists them.
    paths : dict of str to Path
        Explicit data path per asset (``--assets NAME=PATH``); empty otherwise.
    sessions : dict of str to str
        Session overrides per asset (``--session NAME=SESSION``); known assets need none.
    out : Path
        Output folder for the report, figures, tables and ``metrics.json``.
    quick : bool
        Shrink days, folds and epochs so the run takes well under a minute.
    seed : int
        Seed of the simulated market and of every model.
    freq : str
        Intraday bin width of the panel.
    levels : tuple of float
        VaR confidence levels backtested.
    min_coverage : float
        Minimum share of observed bins for a day to enter the panel.
    n_days : int or None
        Days of the simulated market (None: 200 quick, 1000 full).
    max_days : int or None
        Keep only the last ``max_days`` days of each asset (None: 300 quick, all full).
    n_jobs : int
        Walk-forward folds fitted in parallel (joblib processes).
    pairs : tuple of (str, str)
        Asset pairs whose rolling correlation of daily returns is reported (``--pairs
        A/B``); empty: every pair of the assets studied.
    """

    data: str = "simulated"
    assets: tuple[str, ...] = DEFAULT_ASSETS
    paths: dict[str, Path] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)
    out: Path = Path("results")
    quick: bool = False
    seed: int = 0
    freq: str = "5min"
    levels: tuple[float, ...] = (0.95, 0.99)
    min_coverage: float = 0.8
    n_days: int | None = None
    max_days: int | None = None
    n_jobs: int = 1
    pairs: tuple[tuple[str, str], ...] = ()

    def with_(self, **changes) -> StudyConfig:
        """Return a copy with some fields changed."""
        return replace(self, **changes)

    @property
    def simulated_days(self) -> int:
        """Days of the simulated market."""
        if self.n_days is not None:
            return self.n_days
        return 200 if self.quick else 1000

    @property
    def simulated_freq(self) -> str:
        """Bar width of the simulated market (5-minute bars in a quick run, else 1-minute)."""
        return "5min" if self.quick else "1min"

    @property
    def day_limit(self) -> int | None:
        """Last days kept per asset (None keeps all)."""
        if self.max_days is not None:
            return self.max_days
        return 300 if self.quick else None

    @property
    def n_splits(self) -> int:
        """Walk-forward folds."""
        return 2 if self.quick else 4

    @property
    def test_fraction(self) -> float:
        """Share of the days forecast out of sample, over all folds together."""
        return 0.35 if self.quick else 0.5

    @property
    def max_epochs(self) -> int:
        """Training epochs of the recurrent models."""
        return 5 if self.quick else 60

    @property
    def lookback(self) -> int:
        """Look-back window of the recurrent models, in days."""
        return 5 if self.quick else 20

    @property
    def hidden_size(self) -> int:
        """Hidden units of the recurrent models."""
        return 8 if self.quick else 16

    @property
    def patience(self) -> int:
        """Early-stopping patience of the recurrent models, in epochs."""
        return 2 if self.quick else 10


def walk_forward_cv(n_rows: int, config: StudyConfig, asset: str) -> TimeSeriesSplit:
    """The walk-forward folds of an asset with ``n_rows`` target days.

    ``config.n_splits`` test folds of equal size covering the last
    ``config.test_fraction`` of the days, each refitted on every day before it.

    Raises
    ------
    ValueError
        Naming the asset, when fewer than 60 training days would precede the first fold.
    """
    test_size = max(int(n_rows * config.test_fraction) // config.n_splits, 1)
    if n_rows - config.n_splits * test_size < 60:
        raise ValueError(
            f"{asset}: too few days for the walk-forward: {n_rows} days with a target, but "
            f"{config.n_splits} folds of {test_size} days need at least 60 training days before "
            "them; give more data (or --days)"
        )
    return TimeSeriesSplit(n_splits=config.n_splits, test_size=test_size)
