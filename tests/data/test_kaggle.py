"""Tests of the Kaggle download at the client boundary (a fake client, never the network)."""

from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import logging
import os
import sys
import types
from pathlib import Path

import pandas as pd
import pytest

from skvol.data import KaggleDownloadError, _kaggle, download_kaggle, kaggle_asset_paths, read_bars

FIXTURES = Path(__file__).parent / "fixtures"
DATASET = "arashnic/stock-data-intraday-minute-bar"
SECRET = "0123456789abcdef-not-a-real-key"
TREE = "pyfinancialdata/data"


def build_dataset_tree(root: Path) -> None:
    """The unzipped dataset's layout, with small files in each asset's own format."""
    data = root / TREE
    oanda = data / "currencies/oanda/EUR_USD/2017/oanda-EUR_USD-2017-1.csv"
    oanda.parent.mkdir(parents=True)
    oanda.write_text((FIXTURES / "oanda_eurusd_2017_01.csv").read_text())
    btc = data / "cryptocurrencies/bitstamp/BTC_USD/2017.csv"
    btc.parent.mkdir(parents=True)
    btc.write_text((FIXTURES / "bitstamp_btcusd_2017.csv").read_text())
    spx = data / "stocks/histdata/SPXUSD/DAT_ASCII_SPXUSD_M1_2017.csv"
    spx.parent.mkdir(parents=True)
    spx.write_text(
        "20170103 093000;2240.0;2241.5;2239.0;2241.0;0\n20170103 093100;2241.0;2242.0;2240.5;2241.25;0\n"
    )
    (data / "currencies/oanda/GBP_USD").mkdir(parents=True)


class FakeKaggleApi:
    """Records calls and 'unzips' the dataset tree into ``path``, like the real client."""

    def __init__(self, fail: Exception | None = None):
        self.calls = []
        self.fail = fail
        self.config_dir = None

    def dataset_download_files(self, dataset, path=None, force=False, quiet=True, unzip=False):
        self.calls.append(dict(dataset=dataset, path=path, force=force, quiet=quiet, unzip=unzip))
        if self.fail is not None:
            raise self.fail
        build_dataset_tree(Path(path))
        (Path(path) / f"call{len(self.calls)}.txt").write_text("marker of this download")


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    """No credentials anywhere: a fresh HOME and working directory, no KAGGLE_* variables."""
    for name in list(os.environ):
        if name.startswith("KAGGLE_") or name in ("XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
            monkeypatch.delenv(name)
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    return tmp_path


@pytest.fixture
def fake_client(monkeypatch):
    api = FakeKaggleApi()

    def factory(config_dir=None):
        api.config_dir = config_dir
        return api

    monkeypatch.setattr(_kaggle, "_client", factory)
    return api


def test_download_once_then_reuse_cache_then_force(clean_env, monkeypatch, fake_client):
    monkeypatch.setenv("KAGGLE_USERNAME", "someone")
    monkeypatch.setenv("KAGGLE_KEY", SECRET)
    dest = download_kaggle()
    expected = (
        clean_env
        / "home"
        / ".cache"
        / "skvol"
        / "kaggle"
        / "arashnic"
        / "stock-data-intraday-minute-bar"
    )
    assert dest == expected
    assert len(fake_client.calls) == 1
    call = fake_client.calls[0]
    assert call["dataset"] == DATASET and call["unzip"] is True
    assert (dest / "call1.txt").is_file()

    assert download_kaggle() == dest
    assert len(fake_client.calls) == 1  # cached: the client is not called again

    assert download_kaggle(force=True) == dest
    assert len(fake_client.calls) == 2
    assert not (dest / "call1.txt").exists() and (dest / "call2.txt").is_file()


def test_cache_needs_no_credentials(clean_env, monkeypatch, fake_client, tmp_path):
    dest = tmp_path / "cache"
    monkeypatch.setenv("KAGGLE_USERNAME", "someone")
    monkeypatch.setenv("KAGGLE_KEY", SECRET)
    download_kaggle(dest=dest)
    monkeypatch.delenv("KAGGLE_USERNAME")
    monkeypatch.delenv("KAGGLE_KEY")
    assert download_kaggle(dest=dest) == dest
    assert len(fake_client.calls) == 1


def test_missing_credentials_give_one_clear_error(clean_env, monkeypatch):
    def no_client(config_dir=None):
        raise AssertionError("the kaggle client must not be created without credentials")

    monkeypatch.setattr(_kaggle, "_client", no_client)
    with pytest.raises(KaggleDownloadError) as info:
        download_kaggle(dest=clean_env / "d")
    message = str(info.value)
    for hint in (
        "no Kaggle credentials found",
        "KAGGLE_USERNAME",
        "kaggle.json",
        "kaggle.com/settings/api",
    ):
        assert hint in message
    assert not (clean_env / "d").exists()


def test_local_kaggle_json_is_used_with_a_permission_warning(
    clean_env, monkeypatch, fake_client, caplog, capsys
):
    monkeypatch.delenv("KAGGLE_CONFIG_DIR", raising=False)  # restored after the test
    local = Path.cwd() / "kaggle.json"
    local.write_text(json.dumps({"username": "someone", "key": SECRET}))
    local.chmod(0o644)
    with caplog.at_level(logging.DEBUG), pytest.warns(UserWarning, match="chmod 600") as record:
        download_kaggle(dest=clean_env / "d")
    assert os.environ["KAGGLE_CONFIG_DIR"] == str(Path.cwd())
    assert fake_client.config_dir == Path.cwd()
    captured = capsys.readouterr()
    shown = caplog.text + captured.out + captured.err + " ".join(str(w.message) for w in record)
    assert SECRET not in shown
    assert str(local) in caplog.text  # the source of the credentials is logged, not the key


def test_private_home_kaggle_json_gives_no_warning(clean_env, fake_client, recwarn):
    config = Path.home() / ".kaggle" / "kaggle.json"
    config.parent.mkdir()
    config.write_text(json.dumps({"username": "someone", "key": SECRET}))
    config.chmod(0o600)
    download_kaggle(dest=clean_env / "d")
    assert not [w for w in recwarn if "chmod" in str(w.message)]
    assert len(fake_client.calls) == 1


def test_malformed_kaggle_json(clean_env, fake_client):
    config = Path.home() / ".kaggle" / "kaggle.json"
    config.parent.mkdir()
    config.write_text(json.dumps({"username": "someone"}))
    config.chmod(0o600)
    with pytest.raises(KaggleDownloadError, match="lacks a 'username' or a 'key'"):
        download_kaggle(dest=clean_env / "d")
    assert fake_client.calls == []


def test_network_failure_leaves_nothing_behind(clean_env, monkeypatch):
    monkeypatch.setenv("KAGGLE_API_TOKEN", SECRET)
    api = FakeKaggleApi(fail=ConnectionError("Name or service not known"))
    monkeypatch.setattr(_kaggle, "_client", lambda config_dir=None: api)
    dest = clean_env / "d"
    with pytest.raises(KaggleDownloadError, match="failed .*ConnectionError.* check the network"):
        download_kaggle(dest=dest)
    assert not dest.exists() and not (clean_env / "d.partial").exists()


def test_client_that_exits_is_converted(clean_env, monkeypatch):
    """kaggle authenticates on import and may raise SystemExit, which `except Exception` misses."""

    class ExitingApi:
        def authenticate(self):
            print("kaggle help text")
            raise SystemExit(1)

    package = types.ModuleType("kaggle")
    package.__path__ = []
    api_package = types.ModuleType("kaggle.api")
    api_package.__path__ = []
    extended = types.ModuleType("kaggle.api.kaggle_api_extended")
    extended.KaggleApi = ExitingApi
    for name, module in [
        ("kaggle", package),
        ("kaggle.api", api_package),
        (extended.__name__, extended),
    ]:
        monkeypatch.setitem(sys.modules, name, module)
    monkeypatch.setenv("KAGGLE_USERNAME", "someone")
    monkeypatch.setenv("KAGGLE_KEY", SECRET)
    with pytest.raises(KaggleDownloadError, match="could not authenticate \\(SystemExit\\)"):
        download_kaggle(dest=clean_env / "d")


def test_only_half_of_the_environment_credentials(clean_env, monkeypatch, fake_client):
    monkeypatch.setenv("KAGGLE_USERNAME", "someone")
    with pytest.raises(KaggleDownloadError, match="KAGGLE_USERNAME is set but KAGGLE_KEY is not"):
        download_kaggle(dest=clean_env / "d")
    assert fake_client.calls == []


@pytest.mark.skipif(importlib.util.find_spec("kaggle") is None, reason="kaggle is not installed")
def test_real_kaggle_client_authenticates_offline_and_accepts_our_call(
    clean_env, monkeypatch, capsys
):
    """The installed client, with a legacy key from ./kaggle.json: no network is needed."""
    monkeypatch.delenv("KAGGLE_CONFIG_DIR", raising=False)
    local = Path.cwd() / "kaggle.json"
    local.write_text(json.dumps({"username": "someone", "key": SECRET}))
    local.chmod(0o600)
    source, config_dir = _kaggle._find_credentials()
    api = _kaggle._client(config_dir)
    assert api.config_values["username"] == "someone"
    # the keywords download_kaggle passes bind to the installed client's signature
    signature = inspect.signature(api.dataset_download_files)
    signature.bind(DATASET, path="somewhere", force=True, quiet=True, unzip=True)
    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err + source


def test_argument_errors(clean_env, fake_client):
    with pytest.raises(ValueError, match="is not of the form '<owner>/<name>'"):
        download_kaggle("no-slash")
    with pytest.raises(TypeError, match="force must be True or False"):
        download_kaggle(force="yes")
    busy = clean_env / "busy"
    busy.mkdir()
    (busy / "mine.txt").write_text("user data")
    with pytest.raises(ValueError, match="exists and is not an empty folder"):
        download_kaggle(dest=busy)
    assert (busy / "mine.txt").is_file()


def test_no_skvol_module_imports_kaggle_at_import_time():
    """Importing skvol must not need credentials: kaggle is imported inside functions only."""
    package = Path(_kaggle.__file__).parents[1]
    offenders = []
    for file in package.rglob("*.py"):
        tree = ast.parse(file.read_text())
        for node in tree.body:
            for inner in ast.walk(node):
                if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    break
                names = []
                if isinstance(inner, ast.Import):
                    names = [alias.name for alias in inner.names]
                elif isinstance(inner, ast.ImportFrom) and inner.module:
                    names = [inner.module]
                if any(n == "kaggle" or n.startswith("kaggle.") for n in names):
                    offenders.append(f"{file}:{inner.lineno}")
    assert offenders == []
    assert "kaggle.api" in Path(_kaggle.__file__).read_text()  # the lazy import exists


def test_kaggle_asset_paths_and_reading_them(tmp_path):
    build_dataset_tree(tmp_path)
    paths = kaggle_asset_paths(tmp_path)
    assert paths == {
        "BTC": tmp_path / TREE / "cryptocurrencies/bitstamp/BTC_USD",
        "EURUSD": tmp_path / TREE / "currencies/oanda/EUR_USD",
        "SPX": tmp_path / TREE / "stocks/histdata/SPXUSD",
    }
    assert read_bars(paths["EURUSD"]).attrs["format"] == "oanda"
    assert read_bars(paths["BTC"]).attrs["format"] == "bitstamp"
    spx = read_bars(paths["SPX"])
    assert spx.index[0] == pd.Timestamp("2017-01-03 14:31", tz="UTC")


def test_kaggle_asset_paths_errors(tmp_path):
    with pytest.raises(ValueError, match="is not a folder"):
        kaggle_asset_paths(tmp_path / "missing")
    (tmp_path / "stocks/histdata/SPXUSD").mkdir(parents=True)
    with pytest.raises(ValueError, match="BTC: no folder cryptocurrencies/bitstamp/BTC_USD"):
        kaggle_asset_paths(tmp_path)
