"""The ``skvol`` command line: bad arguments end with one clear message, never a traceback."""

from __future__ import annotations

import gzip
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skvol.data import is_daily_measures_file as is_daily_measures
from skvol.data import realized_library_measures as daily_measures_frame
from skvol.data import session_for_asset as session_for
from skvol.study._cli import EXIT_USAGE, EXIT_USER_ERROR, build_parser, config_from_args, main
from skvol.study._config import StudyConfig
from skvol.study._environment import command_line
from skvol.study._inputs import resolve_paths


def _fails(argv, capsys, code, *needles):
    assert main(argv) == code
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith("skvol: error:")]
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def test_unknown_simulated_asset(capsys, tmp_path):
    _fails(
        ["study", "--assets", "BTC", "DOGE", "--out", str(tmp_path), "--no-progress"],
        capsys,
        EXIT_USER_ERROR,
        "unknown asset(s) ['DOGE']",
        "BTC",
    )


def test_unknown_asset_in_a_folder(capsys, tmp_path):
    (tmp_path / "BTC.csv").write_text("timestamp,price\n2017-01-01T00:01:00Z,1.0\n")
    _fails(
        ["study", "--data", str(tmp_path), "--assets", "ETH", "--no-progress"],
        capsys,
        EXIT_USER_ERROR,
        "unknown asset 'ETH'",
        "BTC.csv",
    )


def test_empty_folder(capsys, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    _fails(
        ["study", "--data", str(empty), "--no-progress"],
        capsys,
        EXIT_USER_ERROR,
        "is empty",
        str(empty),
    )


def test_missing_folder(capsys, tmp_path):
    _fails(
        ["study", "--data", str(tmp_path / "nope"), "--no-progress"],
        capsys,
        EXIT_USER_ERROR,
        "no such file or folder",
    )


def test_unreadable_file_names_file_and_line(capsys, tmp_path):
    bad = tmp_path / "BTC.csv"
    bad.write_text(
        "timestamp,open,high,low,close\n"
        "2017-01-01T00:01:00Z,1,1,1,1\n"
        "2017-01-01T00:02:00Z,1,1,oops,1\n"
    )
    _fails(
        ["study", "--assets", f"BTC={bad}", "--out", str(tmp_path / "o"), "--no-progress"],
        capsys,
        EXIT_USER_ERROR,
        "BTC.csv",
        "line 3",
    )


def test_binary_garbage_file(capsys, tmp_path):
    bad = tmp_path / "BTC.csv"
    bad.write_bytes(b"\x00\x01\x02garbage\xff\xfe")
    _fails(["study", "--assets", f"BTC={bad}", "--no-progress"], capsys, EXIT_USER_ERROR, "BTC.csv")


def test_missing_kaggle_credentials(capsys, tmp_path, monkeypatch):
    for var in ("KAGGLE_USERNAME", "KAGGLE_KEY", "KAGGLE_API_TOKEN", "KAGGLE_CONFIG_DIR"):
        monkeypatch.delenv(var, raising=False)
    for var in ("HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    monkeypatch.chdir(tmp_path)
    line = _fails(
        ["study", "--data", "kaggle", "--no-progress"], capsys, EXIT_USER_ERROR, "KAGGLE_USERNAME"
    )
    assert "kaggle.json" in line
    _fails(["download", "--no-progress"], capsys, EXIT_USER_ERROR, "KAGGLE_USERNAME")


def test_asset_of_unknown_session_needs_an_option(capsys, tmp_path):
    (tmp_path / "XYZ.csv").write_text("timestamp,price\n2017-01-01T00:01:00Z,1.0\n")
    _fails(
        ["study", "--data", str(tmp_path), "--no-progress"],
        capsys,
        EXIT_USER_ERROR,
        "--session XYZ=",
    )


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["study", "--session", "BTC=moon"], "must be one of 24h, fx, us_equity"),
        (["study", "--session", "BTC"], "NAME=VALUE"),
        (["study", "--assets", "BTC=a.csv", "SPX"], "all assets as NAME=PATH or none"),
        (["study", "--assets", "BTC", "BTC"], "names an asset twice"),
        (["study", "--data", "simulated", "--assets", "BTC=a.csv"], "cannot be combined"),
        (["study", "--assets", "9lives"], "invalid asset name"),
        (["study", "--pairs", "BTC"], "--pairs expects A/B"),
        (["study", "--assets", "BTC", "SPX", "--pairs", "BTC/ETH"], "not among --assets BTC SPX"),
    ],
)
def test_bad_options_are_usage_errors(argv, needle, capsys):
    _fails([*argv, "--no-progress"], capsys, EXIT_USAGE, needle)


def test_argparse_errors_return_2_without_traceback(capsys):
    assert main(["study", "--days", "-3"]) == EXIT_USAGE
    assert main(["study", "--bogus"]) == EXIT_USAGE
    assert main([]) == EXIT_USAGE
    err = capsys.readouterr().err
    assert "positive integer" in err and "unrecognized arguments: --bogus" in err
    assert "Traceback" not in err


def test_console_script_reports_errors_in_one_line(tmp_path):
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    proc = subprocess.run(
        [sys.executable, "-m", "skvol.study", "study", "--data", str(tmp_path / "nope")],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert proc.returncode == EXIT_USER_ERROR
    assert proc.stderr.strip().splitlines()[-1].startswith("skvol: error: --data")
    assert "Traceback" not in proc.stderr


def test_config_from_args():
    parser = build_parser()
    cfg = config_from_args(
        parser.parse_args(["study", "--quick", "--seed", "7", "--assets", "BTC", "SPX"])
    )
    assert cfg == StudyConfig(
        data="simulated", assets=("BTC", "SPX"), quick=True, seed=7, out=Path("results")
    )
    cfg = config_from_args(
        parser.parse_args(["features", "--assets", "A=x.csv", "--session", "A=fx"])
    )
    assert cfg.data == "files" and cfg.paths == {"A": Path("x.csv")} and cfg.sessions == {"A": "fx"}
    assert StudyConfig(quick=True).simulated_days < StudyConfig().simulated_days


def test_sessions_by_name():
    assert session_for("BTC") == "24h" and session_for("eur_usd") == "fx"
    assert session_for("SPX") == "us_equity" and session_for("FOO", {"FOO": "fx"}) == "fx"
    with pytest.raises(ValueError, match="--session FOO="):
        session_for("FOO")


def test_resolve_paths_matches_names_case_insensitively(tmp_path):
    (tmp_path / "btc").mkdir()
    (tmp_path / "SPX.csv.gz").write_bytes(b"")
    (tmp_path / ".hidden").write_text("")
    cfg = StudyConfig(data=str(tmp_path), assets=("BTC", "SPX"))
    assert resolve_paths(cfg) == {"BTC": tmp_path / "btc", "SPX": tmp_path / "SPX.csv.gz"}
    assert resolve_paths(StudyConfig(data=str(tmp_path), assets=())) == {
        "SPX": tmp_path / "SPX.csv.gz",
        "btc": tmp_path / "btc",
    }


def test_daily_measures_are_detected_by_header(tmp_path):
    oxford = tmp_path / "spx.csv"
    oxford.write_text("date,symbol,open_to_close,rv5,bv,rsv\n")
    bars = tmp_path / "bars.csv.gz"
    with gzip.open(bars, "wt") as handle:
        handle.write("timestamp,open,high,low,close\n")
    assert is_daily_measures(oxford) and not is_daily_measures(bars)
    assert not is_daily_measures(tmp_path)


def test_daily_measures_frame_close_to_close_and_errors():
    days = pd.date_range("2017-01-02", periods=4, freq="B", name="date")
    spy = pd.DataFrame(
        {"rv5": [1e-4, 2e-4, 3e-4, 4e-4], "bpv5": [1e-4] * 4, "close": [100.0, 101.0, 99.0, 99.5]},
        index=days,
    )
    frame = daily_measures_frame("SPY", spy, "spy.csv")
    assert list(frame.columns) == ["SPY__rv", "SPY__bv", "SPY__ret"]
    np.testing.assert_allclose(frame["SPY__ret"], np.diff(np.log(spy["close"])))
    assert frame.index[0] == days[1]
    with pytest.raises(ValueError, match=r"spy.csv: the daily measures lack a bv column"):
        daily_measures_frame("SPY", spy.drop(columns="bpv5"), "spy.csv")
    spy.loc[days[2], "rv5"] = 0.0
    with pytest.raises(ValueError, match="'SPY__rv' is 0.0 on 2017-01-04"):
        daily_measures_frame("SPY", spy, "spy.csv")


def test_features_command_writes_panel_and_features(tmp_path, capsys):
    out = tmp_path / "features"
    argv = ["features", "--assets", "SPX", "--days", "12", "--out", str(out), "--no-progress"]
    assert main([*argv, "--format", "parquet"]) == 0
    written = capsys.readouterr().out.split()
    assert written == [str(out / "SPX_panel.parquet"), str(out / "SPX_features.parquet")]
    panel = pd.read_parquet(out / "SPX_panel.parquet")
    features = pd.read_parquet(out / "SPX_features.parquet")
    assert panel.shape == (12, 78) and list(panel.index) == list(features.index)
    np.testing.assert_allclose(features["rv"], np.nansum(panel.to_numpy() ** 2, axis=1), rtol=1e-12)
    np.testing.assert_allclose(features["ret"], np.nansum(panel.to_numpy(), axis=1), rtol=1e-12)
    assert {"bv", "jumps", "bns_p"} <= set(features.columns)


def test_an_interrupted_features_write_keeps_the_previous_file(tmp_path, monkeypatch):
    out = tmp_path / "features"
    argv = ["features", "--assets", "SPX", "--days", "12", "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = pd.DataFrame.to_csv

    def half_then_fail(self, path, *args, **kwargs):
        real(self.iloc[: len(self) // 2], path, *args, **kwargs)  # a partial file, then
        raise KeyboardInterrupt  # the user presses Ctrl-C

    monkeypatch.setattr(pd.DataFrame, "to_csv", half_then_fail)
    with pytest.raises(KeyboardInterrupt):
        from skvol.study._config import StudyConfig
        from skvol.study._run import write_features

        write_features(StudyConfig(assets=("SPX",), n_days=12, out=out), progress=False)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no partial file


@pytest.mark.parametrize(
    "argv",
    [
        ["study", "--quick", "--seed", "3", "--out", "res"],
        ["study", "--assets", "BTC", "SPX", "--days", "300", "--jobs", "2", "--freq", "10min"],
        ["study", "--data", "my data"],  # a folder, every entry an asset, a space in the path
        ["study", "--data", "bars", "--assets", "BTC", "XYZ", "--session", "XYZ=fx"],
        ["study", "--data", "bars", "--assets", "BTC=btc", "SPX=spx.csv"],
        ["study", "--assets", "BTC=/tmp/a b/btc.csv", "EURUSD=eur"],
        ["study", "--assets", "BTC", "SPX", "EURUSD", "--pairs", "BTC/SPX", "SPX/EURUSD"],
    ],
)
def test_recorded_command_reproduces_the_configuration(argv):
    parser = build_parser()
    config = config_from_args(parser.parse_args(argv))
    command = shlex.split(command_line(config))
    assert command[:2] == ["skvol", "study"]
    assert config_from_args(parser.parse_args(command[1:])) == config


def test_too_few_days_fail_before_any_model_is_fitted(capsys, tmp_path, monkeypatch):
    import skvol.study._run as run

    def no_fit(*args):
        raise AssertionError("a model is fitted although the data are too short")

    monkeypatch.setattr(run, "_fit_rows", no_fit)
    _fails(
        ["study", "--quick", "--assets", "SPX", "--days", "5", "--out", str(tmp_path)],
        capsys,
        EXIT_USER_ERROR,
        "SPX: too few days for the walk-forward",
        "--days",
    )


def test_a_diverged_model_is_one_line(capsys, tmp_path, monkeypatch):
    import skvol.study._run as run

    def diverge(config, progress=True):
        raise RuntimeError("the training loss became nan (not finite) in epoch 3")

    monkeypatch.setattr(run, "run_study", diverge)
    _fails(["study", "--out", str(tmp_path)], capsys, EXIT_USER_ERROR, "loss became nan")


def test_days_help_states_the_configured_defaults():
    study = build_parser()._subparsers._group_actions[0].choices["study"]
    days = next(a for a in study._actions if a.dest == "days")
    quick, full = map(int, re.search(r"default (\d+) with --quick, (\d+)", days.help).groups())
    assert (quick, full) == (StudyConfig(quick=True).simulated_days, StudyConfig().simulated_days)


def test_correlation_pairs_are_every_pair_or_the_configured_ones():
    from skvol.study._run import correlation_pairs

    names = ["BTC", "EURUSD", "SPX"]
    assert correlation_pairs(StudyConfig(), names) == [
        ("BTC", "EURUSD"),
        ("BTC", "SPX"),
        ("EURUSD", "SPX"),
    ]
    assert correlation_pairs(StudyConfig(pairs=(("SPX", "BTC"),)), names) == [("SPX", "BTC")]
    assert correlation_pairs(StudyConfig(), ["BTC"]) == []
    with pytest.raises(ValueError, match=r"--pairs BTC/ETH: ETH not studied; the assets are"):
        correlation_pairs(StudyConfig(pairs=(("BTC", "ETH"),)), names)
    with pytest.raises(ValueError, match=r"--pairs BTC/BTC: an asset with itself"):
        correlation_pairs(StudyConfig(pairs=(("BTC", "BTC"),)), names)
