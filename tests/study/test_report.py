"""The report writer: Markdown and HTML from the same blocks, figures embedded in HTML."""

from __future__ import annotations

import base64
import re

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure as MplFigure

from skvol.study._report import (
    Bullets,
    Code,
    Figure,
    Heading,
    Paragraph,
    Report,
    Table,
    format_number,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (7, "7"),
        (np.int64(12), "12"),
        (0.5, "0.5"),
        (0.0476, "0.0476"),
        (1.5e-5, "1.500e-05"),
        (123.456, "123.5"),
        (12345.678, "12345.7"),
        (float("nan"), "nan"),
        (True, "True"),
        ("green", "green"),
    ],
)
def test_format_number(value, text):
    assert format_number(value) == text


@pytest.fixture
def png(tmp_path):
    fig = MplFigure(figsize=(2, 1))
    fig.subplots().plot([0, 1], [1, 0])
    path = tmp_path / "figures" / "line.png"
    path.parent.mkdir()
    fig.savefig(path)
    return path


def test_markdown_and_html_hold_the_same_content(tmp_path, png):
    frame = pd.DataFrame({"Asset": ["BTC", "SPX|x"], "Breaches": [3, 12], "Rate": [0.012, 0.0476]})
    report = Report("Study")
    report.add(Heading("Backtest"))
    report.add(Paragraph("The `Normal` model is **miscalibrated** <here>."))
    report.add(Bullets(["one", "two"]))
    report.add(Table(frame, caption="VaR 95%", csv_name="var.csv"))
    report.add(Figure(png, "a line"))
    report.add(Code("skvol study --quick", "bash"))
    md_path, html_path = report.write(tmp_path)
    md = md_path.read_text()
    assert md.startswith("# Study\n")
    assert "## Backtest" in md
    assert "| Asset | Breaches | Rate |" in md
    assert "| BTC | 3 | 0.012 |" in md
    assert "| SPX\\|x | 12 | 0.0476 |" in md  # a pipe in a cell is escaped
    assert "![a line](figures/line.png)" in md
    assert "```bash\nskvol study --quick\n```" in md
    assert "- one\n- two" in md

    page = html_path.read_text()
    assert "<code>Normal</code>" in page and "<strong>miscalibrated</strong>" in page
    assert "&lt;here&gt;" in page  # text is escaped
    assert "<td>BTC</td><td>3</td><td>0.012</td>" in page
    embedded = re.search(r'src="data:image/png;base64,([^"]+)"', page).group(1)
    assert base64.b64decode(embedded) == png.read_bytes()
    assert "figures/line.png" not in page  # self-contained


def test_named_index_becomes_first_column(tmp_path):
    frame = pd.DataFrame({"rmse": [1.0, 2.0]}, index=pd.Index(["HAR", "LSTM"], name="model"))
    report = Report("t", [Table(frame)])
    md = report.to_markdown(tmp_path)
    assert "| model | rmse |" in md and "| LSTM | 2 |" in md


def test_dates_render_as_days(tmp_path):
    frame = pd.DataFrame({"date": pd.to_datetime(["2017-01-02"]), "x": [1.25]})
    md = Report("t", [Table(frame)]).to_markdown(tmp_path)
    assert "| 2017-01-02 | 1.25 |" in md
