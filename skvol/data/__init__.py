"""Market data: file readers, the Kaggle download, the intraday panel and the simulated market."""

from skvol.data._assets import ASSET_SESSIONS, session_for_asset
from skvol.data._daily import (
    is_daily_measures_file,
    read_daily_measures,
    realized_library_measures,
)
from skvol.data._kaggle import KaggleDownloadError, download_kaggle, kaggle_asset_paths
from skvol.data._panel import intraday_panel
from skvol.data._readers import read_bars
from skvol.data._realized_library import read_realized_library
from skvol.data._sessions import SESSIONS, Session, get_session
from skvol.data._simulate import (
    ASSET_MODELS,
    AssetModel,
    RegimeShift,
    SimulatedMarket,
    simulate_market,
)

__all__ = [
    "ASSET_MODELS",
    "ASSET_SESSIONS",
    "AssetModel",
    "RegimeShift",
    "SESSIONS",
    "Session",
    "SimulatedMarket",
    "get_session",
    "intraday_panel",
    "simulate_market",
    "KaggleDownloadError",
    "download_kaggle",
    "kaggle_asset_paths",
    "read_bars",
    "read_realized_library",
    "is_daily_measures_file",
    "read_daily_measures",
    "realized_library_measures",
    "session_for_asset",
]
