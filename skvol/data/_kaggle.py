"""Download the Kaggle minute-bar dataset once into a local cache, and find assets in it.

The ``kaggle`` package is imported only inside :func:`download_kaggle`, after skvol has
checked that credentials exist: ``kaggle`` authenticates when it is imported and, without
credentials, prints help text and (in some versions) raises ``SystemExit``.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import shutil
import warnings
from pathlib import Path

logger = logging.getLogger(__name__)

DEFAULT_DATASET = "arashnic/stock-data-intraday-minute-bar"
"""The Kaggle dataset "Intraday stock price data (minute bar)" (a mirror of FutureSharks/financial-data)."""

ASSET_FOLDERS = {
    "BTC": ("cryptocurrencies", "bitstamp", "BTC_USD"),
    "EURUSD": ("currencies", "oanda", "EUR_USD"),
    "SPX": ("stocks", "histdata", "SPXUSD"),
}
"""Where each study asset sits in the unzipped dataset (below ``pyfinancialdata/data``)."""

_MARKER = ".skvol-download-complete"
_DATASET = re.compile(r"^[A-Za-z0-9][\w.-]*/[A-Za-z0-9][\w.-]*$")
_HELP = (
    "Create an API token at https://www.kaggle.com/settings/api and either set the "
    "environment variables KAGGLE_USERNAME and KAGGLE_KEY, or save the downloaded "
    "kaggle.json as ~/.kaggle/kaggle.json (chmod 600), or set KAGGLE_API_TOKEN"
)


class KaggleDownloadError(RuntimeError):
    """The Kaggle download could not be done (no credentials, no network, no dataset)."""


def download_kaggle(
    dataset: str = DEFAULT_DATASET, dest: str | os.PathLike | None = None, force: bool = False
) -> Path:
    """Download and unzip a Kaggle dataset once into a local cache; return its folder.

    Parameters
    ----------
    dataset : str, default="arashnic/stock-data-intraday-minute-bar"
        The dataset as ``"<owner>/<name>"``.
    dest : str, path-like or None, default=None
        Folder to unzip into. None means ``$XDG_CACHE_HOME/skvol/kaggle/<owner>/<name>``
        (``~/.cache/skvol/kaggle/<owner>/<name>`` when ``XDG_CACHE_HOME`` is unset). An
        existing folder must be empty or an earlier skvol download.
    force : bool, default=False
        Download again even when ``dest`` already holds a complete download.

    Returns
    -------
    path : pathlib.Path
        The folder holding the unzipped files (use :func:`kaggle_asset_paths` on it).

    Raises
    ------
    KaggleDownloadError
        When no credentials are found, the ``kaggle`` package is missing or fails, or the
        download fails (network, unknown dataset); the message says what to do.
    ValueError
        For a malformed ``dataset`` or a ``dest`` that holds other files.

    Notes
    -----
    Credentials are looked up, in order, in ``KAGGLE_USERNAME`` and ``KAGGLE_KEY``,
    ``KAGGLE_API_TOKEN``, ``$KAGGLE_CONFIG_DIR/kaggle.json``, ``~/.kaggle/kaggle.json``
    (or ``$XDG_CONFIG_HOME/kaggle/kaggle.json``), ``~/.kaggle/access_token`` and finally
    ``./kaggle.json`` in the working directory (the original study's convention; then
    ``KAGGLE_CONFIG_DIR`` is pointed at the working directory for this process). A
    ``kaggle.json`` readable by group or others gives a warning. The key itself is never
    printed or logged. A completed download leaves a marker file in ``dest``; later calls
    return at once, without credentials or network, unless ``force``.

    Examples
    --------
    >>> from skvol.data import download_kaggle, kaggle_asset_paths, read_bars
    >>> root = download_kaggle()  # doctest: +SKIP
    >>> bars = read_bars(kaggle_asset_paths(root)["EURUSD"])  # doctest: +SKIP
    """
    if not isinstance(dataset, str) or not _DATASET.match(dataset):
        raise ValueError(f"dataset={dataset!r} is not of the form '<owner>/<name>'")
    if not isinstance(force, bool):
        raise TypeError(f"force must be True or False, got {force!r}")
    owner, name = dataset.split("/")
    dest = _default_cache() / owner / name if dest is None else Path(dest)
    marker = dest / _MARKER
    if marker.is_file() and not force:
        logger.info("using the cached download of %s in %s", dataset, dest)
        return dest
    if dest.exists() and not (dest.is_dir() and (marker.is_file() or not any(dest.iterdir()))):
        raise ValueError(
            f"dest={str(dest)!r} exists and is not an empty folder or an earlier skvol "
            "download; choose another dest"
        )
    source, config_dir = _find_credentials()
    logger.info("downloading %s with Kaggle credentials from %s", dataset, source)
    api = _client(config_dir)
    partial = dest.with_name(dest.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    partial.mkdir(parents=True)
    try:
        api.dataset_download_files(dataset, path=str(partial), force=True, quiet=True, unzip=True)
    except Exception as exc:
        shutil.rmtree(partial, ignore_errors=True)
        raise KaggleDownloadError(
            f"downloading {dataset} from Kaggle failed ({type(exc).__name__}: {exc}); check "
            "the network connection, that the dataset exists and that your account may "
            "download it"
        ) from exc
    if not any(partial.iterdir()):
        partial.rmdir()
        raise KaggleDownloadError(f"the Kaggle download of {dataset} produced no files")
    if dest.exists():
        shutil.rmtree(dest)
    partial.rename(dest)
    (dest / _MARKER).write_text(dataset + "\n")
    logger.info("downloaded %s into %s", dataset, dest)
    return dest


def kaggle_asset_paths(root: str | os.PathLike) -> dict[str, Path]:
    """Find the BTC/USD, EUR/USD and S&P 500 folders inside the unzipped Kaggle dataset.

    Parameters
    ----------
    root : str or path-like
        The folder returned by :func:`download_kaggle` (or any folder above the
        dataset's ``pyfinancialdata/data`` tree).

    Returns
    -------
    paths : dict of str to pathlib.Path
        ``{"BTC": .../cryptocurrencies/bitstamp/BTC_USD, "EURUSD":
        .../currencies/oanda/EUR_USD, "SPX": .../stocks/histdata/SPXUSD}``, each a folder
        that :func:`skvol.data.read_bars` reads (bitstamp, oanda and histdata formats).

    Raises
    ------
    ValueError
        If ``root`` is not a folder, or an asset's folder is missing or found twice.

    Examples
    --------
    >>> from skvol.data import kaggle_asset_paths
    >>> paths = kaggle_asset_paths("~/.cache/skvol/kaggle/arashnic/stock-data-intraday-minute-bar")  # doctest: +SKIP
    >>> sorted(paths)  # doctest: +SKIP
    ['BTC', 'EURUSD', 'SPX']
    """
    root = Path(root).expanduser()
    if not root.is_dir():
        raise ValueError(f"root={str(root)!r} is not a folder")
    paths = {}
    for asset, parts in ASSET_FOLDERS.items():
        found = sorted(
            p for p in root.rglob(parts[-1]) if p.is_dir() and p.parts[-len(parts) :] == parts
        )
        if not found:
            raise ValueError(
                f"{asset}: no folder {'/'.join(parts)} under {root}; is it the unzipped "
                f"{DEFAULT_DATASET} dataset?"
            )
        if len(found) > 1:
            raise ValueError(f"{asset}: several folders {'/'.join(parts)} under {root}: {found}")
        paths[asset] = found[0]
    return paths


def _default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "skvol" / "kaggle"


def _kaggle_json_dirs() -> list[Path]:
    """The folders the kaggle client reads ``kaggle.json`` from (its own rules)."""
    if os.environ.get("KAGGLE_CONFIG_DIR"):
        return [Path(os.environ["KAGGLE_CONFIG_DIR"])]
    xdg = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return [Path.home() / ".kaggle", Path(xdg) / "kaggle"]


def _find_credentials() -> tuple[str, Path | None]:
    """Say where Kaggle credentials come from; raise KaggleDownloadError when there are none.

    Returns a description (never the key itself) and, for a ``kaggle.json`` found only in
    the working directory, that directory (the client must be pointed at it).
    """
    username, key = os.environ.get("KAGGLE_USERNAME"), os.environ.get("KAGGLE_KEY")
    if username and key:
        return "the KAGGLE_USERNAME and KAGGLE_KEY environment variables", None
    if bool(username) != bool(key):
        given, missing = (
            ("KAGGLE_USERNAME", "KAGGLE_KEY") if username else ("KAGGLE_KEY", "KAGGLE_USERNAME")
        )
        raise KaggleDownloadError(f"{given} is set but {missing} is not. {_HELP}")
    if os.environ.get("KAGGLE_API_TOKEN"):
        return "the KAGGLE_API_TOKEN environment variable", None
    for folder in _kaggle_json_dirs():
        config = folder / "kaggle.json"
        if config.is_file():
            _check_kaggle_json(config)
            return str(config), None
    token = Path.home() / ".kaggle" / "access_token"
    if token.is_file() and token.read_text().strip():
        return str(token), None
    local = Path.cwd() / "kaggle.json"
    if local.is_file():
        _check_kaggle_json(local)
        os.environ["KAGGLE_CONFIG_DIR"] = str(local.parent)
        return str(local), local.parent
    searched = ", ".join(str(d / "kaggle.json") for d in _kaggle_json_dirs())
    raise KaggleDownloadError(
        f"no Kaggle credentials found (looked at KAGGLE_USERNAME/KAGGLE_KEY, "
        f"KAGGLE_API_TOKEN, {searched}, ~/.kaggle/access_token and {local}). {_HELP}. "
        "Without credentials, skvol.data.simulate_market provides a simulated market."
    )


def _check_kaggle_json(config: Path) -> None:
    """Warn when ``config`` is readable by others; reject a file without username and key."""
    if os.name != "nt" and config.stat().st_mode & 0o077:
        warnings.warn(
            f"{config} can be read by other users of this machine; run 'chmod 600 {config}'",
            UserWarning,
            stacklevel=3,
        )
    try:
        content = json.loads(config.read_text())
    except (OSError, ValueError) as exc:
        raise KaggleDownloadError(
            f"{config} is not a readable JSON file ({exc}). {_HELP}"
        ) from None
    if not isinstance(content, dict) or not content.get("username") or not content.get("key"):
        raise KaggleDownloadError(f"{config} lacks a 'username' or a 'key' entry. {_HELP}")


def _client(config_dir: Path | None = None):
    """Import the kaggle package (which authenticates on import) and return its API object.

    ``config_dir`` overrides the folder the client reads ``kaggle.json`` from (the client
    fixes its default when first imported, so the environment variable alone may be late).
    """
    captured = io.StringIO()
    try:
        with contextlib.redirect_stdout(captured):
            from kaggle.api.kaggle_api_extended import KaggleApi

            api = KaggleApi()
            if config_dir is not None:
                api.config_dir = str(config_dir)
                api.config = str(config_dir / "kaggle.json")
            api.authenticate()
    except ImportError as exc:
        raise KaggleDownloadError(
            "the 'kaggle' package is not installed; run 'pip install kaggle'"
        ) from exc
    except (Exception, SystemExit) as exc:
        raise KaggleDownloadError(
            f"the kaggle client could not authenticate ({type(exc).__name__}). {_HELP}"
        ) from None
    return api
