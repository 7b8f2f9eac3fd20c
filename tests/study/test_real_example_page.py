"""Every table of ``docs/real_data_example.md`` agrees with the run's ``metrics.json``.

The page's prose numbers are checked by the Python block at its end (run by
``tests/test_docs.py``); its tables are checked here, cell by cell, so a rerun of the
example that changes a number fails until the page is updated. Needs no data: the
metrics file is in the repository.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "real_data_example.md"
METRICS = ROOT / "docs" / "figures" / "real" / "metrics.json"
ASSETS = {"BTC": "BTC", "EUR/USD": "EURUSD", "EURUSD": "EURUSD", "S&P 500": "SPX", "SPX": "SPX"}
LEVELS = ("0.95", "0.99")


@pytest.fixture(scope="module")
def metrics() -> dict:
    return json.loads(METRICS.read_text())


def _tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table of the page: header row then body rows, cells stripped."""
    tables = []
    for block in re.findall(r"((?:^\|.*\|[ \t]*\n)+)", text, flags=re.MULTILINE):
        rows = [
            [c.strip() for c in line.strip().strip("|").split("|")] for line in block.splitlines()
        ]
        tables.append([rows[0], *rows[2:]])
    return tables


def _table(header_start: str) -> list[list[str]]:
    found = [t for t in _tables(PAGE.read_text()) if t[0][0] == header_start]
    assert len(found) == 1, f"expected one table whose first header is {header_start!r}"
    return found[0]


def _first_number(cell: str) -> float:
    return float(re.search(r"-?\d[\d,]*(?:\.\d+)?", cell).group(0).replace(",", ""))


def _model_key(label: str) -> str:
    if "CrossAsset" in label:
        return "cross_asset"
    if "HAR" in label:
        return "har_t_log" if "Student-t" in label else "har"
    if "ProbabilisticLSTMRegressor" in label:
        return "prob_lstm_t_log" if "Student-t" in label else "prob_lstm_normal"
    return "attention_lstm" if "Attention" in label else "lstm"


def test_data_table(metrics):
    header, *rows = _table("asset")
    assert [r[0] for r in rows] == ["BTC", "EURUSD", "SPX"]
    for row in rows:
        cells = dict(zip(header, row, strict=True))
        d = metrics["data"][row[0]]
        assert _first_number(cells["days"]) == d["days"]
        dropped = re.search(r"(\d+) dropped", cells["days"])
        assert (int(dropped.group(1)) if dropped else 0) == d["dropped_days"]
        assert cells["period"] == f"{d['first_day']} to {d['last_day']}"
        assert cells["annualised realized vol"] == f"{d['annualised_vol_pct']:.1f}%"


def test_qlike_table(metrics):
    header, *rows = _table("model")
    assert header[2:] == ["BTC", "EUR/USD", "S&P 500"]
    keys = [_model_key(r[0]) for r in rows]
    assert sorted(keys) == sorted(metrics["accuracy"]["BTC"])
    for column, name in enumerate(header[2:], start=2):
        acc = metrics["accuracy"][ASSETS[name]]
        for key, row in zip(keys, rows, strict=True):
            cell = row[column]
            assert _first_number(cell) == round(acc[key]["qlike"], 3), (name, key, cell)
            left_out = re.search(r"\((\d+) negative forecasts", cell)
            assert (int(left_out.group(1)) if left_out else 0) == acc[key]["nonpositive"]
            best = min(acc, key=lambda k: acc[k]["qlike"])
            assert cell.startswith("**") == (key == best), (name, key, cell)


def test_backtest_table(metrics):
    header, *rows = _table("")
    setups = ["prob_lstm_normal", "har_t_log", "cross_asset"]
    assert "study setup" in header[1] and "recommended" in header[2]
    assert "cross-asset" in header[3]
    seen = set()
    for row in rows:
        match = re.fullmatch(r"(.+) (volatility|return) VaR 95% / 99%", row[0])
        asset, kind = ASSETS[match.group(1)], match.group(2)
        seen.add((asset, kind))
        for setup, cell in zip(setups, row[1:], strict=True):
            results = metrics["backtest"][setup][kind][asset]
            pairs = re.findall(r"(\d+) vs (\d+\.\d)", cell)
            assert [(int(a), float(e)) for a, e in pairs] == [
                (results[lk]["actual_breaches"], round(results[lk]["expected_breaches"], 1))
                for lk in LEVELS
            ], (asset, kind, setup, cell)
            verdicts = re.findall(r"calibrated|underestimates|overestimates", cell)
            verdicts = verdicts * 2 if len(verdicts) == 1 else verdicts
            expected = [results[lk]["result"].split()[0] for lk in LEVELS]
            assert verdicts == expected, (asset, kind, setup, cell)
    assert len(seen) == len(rows) == 6


def test_setup_table(metrics):
    header, *rows = _table("setup")
    assert len(rows) == len(metrics["setups"])
    for row in rows:
        key = _model_key(row[0].replace("study:", "ProbabilisticLSTMRegressor"))
        s = metrics["setups"][key]
        assert row[1] == f"{s['calibrated']} of {s['backtests']}", row
        assert row[2] == f"{s['mean_coverage_95']:.3f}", row
        assert float(row[3]) == round(s["pinball_ratio"], 2), row
