"""The study's report: one list of blocks, written as Markdown and as self-contained HTML.

A report is built from a few block types (heading, paragraph, table, figure, code) so
that the same content renders to both formats without a Markdown parser. The HTML embeds
every figure as a base64 PNG, so ``report.html`` is one file that can be mailed around.
"""

from __future__ import annotations

import base64
import html
import math
import numbers
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd


def format_number(value, digits: int = 4) -> str:
    """Format a table or text number the same way everywhere (report and tests).

    Integers print as integers; other reals with ``digits`` significant digits, in
    scientific notation when very small or large; NaN prints as ``"nan"``.
    """
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        x = float(value)
        if math.isnan(x):
            return "nan"
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        if x == 0.0:
            return "0"
        if 1e3 <= abs(x) < 1e7:
            return f"{x:.1f}"
        if 1e-3 <= abs(x) < 1e3:
            return f"{x:.{digits}g}"
        return f"{x:.{digits - 1}e}"
    return str(value)


@dataclass
class Heading:
    """A section heading (level 1 to 4)."""

    text: str
    level: int = 2


@dataclass
class Paragraph:
    """A paragraph; ``text`` may use inline Markdown code spans and ``**bold**``."""

    text: str


@dataclass
class Bullets:
    """A bullet list."""

    items: list[str]


@dataclass
class Table:
    """A table from a DataFrame (the index is written as the first column when named)."""

    frame: pd.DataFrame
    caption: str = ""
    csv_name: str | None = None


@dataclass
class Figure:
    """A PNG figure, referenced by relative path in Markdown and embedded in HTML."""

    path: Path
    caption: str


@dataclass
class Code:
    """A code block."""

    text: str
    language: str = ""


Block = Heading | Paragraph | Bullets | Table | Figure | Code


@dataclass
class Report:
    """An ordered list of blocks with Markdown and HTML writers."""

    title: str
    blocks: list[Block] = field(default_factory=list)

    def add(self, block: Block) -> None:
        """Append a block."""
        self.blocks.append(block)

    def to_markdown(self, base: Path) -> str:
        """Render as Markdown; figure paths are written relative to ``base``."""
        out = [f"# {self.title}", ""]
        for block in self.blocks:
            out.extend(_markdown(block, base))
            out.append("")
        return "\n".join(out).rstrip() + "\n"

    def to_html(self) -> str:
        """Render as one self-contained HTML page (figures embedded as base64 PNG)."""
        body = [f"<h1>{html.escape(self.title)}</h1>"]
        body.extend(_html(block) for block in self.blocks)
        return _HTML_PAGE.format(title=html.escape(self.title), body="\n".join(body))

    def write(self, out: Path, stem: str = "report") -> tuple[Path, Path]:
        """Write ``<stem>.md`` and ``<stem>.html`` into ``out``; return both paths."""
        md_path = out / f"{stem}.md"
        html_path = out / f"{stem}.html"
        md_path.write_text(self.to_markdown(out), encoding="utf-8")
        html_path.write_text(self.to_html(), encoding="utf-8")
        return md_path, html_path


def table_cells(frame: pd.DataFrame) -> tuple[list[str], list[list[str]]]:
    """Header and formatted body cells of a table, index first when it is named."""
    frame = frame.reset_index() if frame.index.name is not None else frame
    header = [str(c) for c in frame.columns]
    rows = [[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)]
    return header, rows


def _cell(value) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    return format_number(value)


def _markdown(block: Block, base: Path) -> list[str]:
    if isinstance(block, Heading):
        return ["#" * block.level + " " + block.text]
    if isinstance(block, Paragraph):
        return [block.text]
    if isinstance(block, Bullets):
        return [f"- {item}" for item in block.items]
    if isinstance(block, Table):
        header, rows = table_cells(block.frame)
        lines = []
        if block.caption:
            lines += [f"*{block.caption}*", ""]
        lines.append("| " + " | ".join(_md_escape(h) for h in header) + " |")
        lines.append("|" + "|".join("---" for _ in header) + "|")
        lines += ["| " + " | ".join(_md_escape(c) for c in row) + " |" for row in rows]
        if block.csv_name:
            lines += ["", f"(CSV: `{block.csv_name}`)"]
        return lines
    if isinstance(block, Figure):
        rel = Path(block.path).resolve().relative_to(base.resolve()).as_posix()
        return [f"![{block.caption}]({rel})", "", f"*{block.caption}*"]
    if isinstance(block, Code):
        return [f"```{block.language}", block.text.rstrip("\n"), "```"]
    raise TypeError(f"unknown report block {type(block).__name__}")


def _md_escape(text: str) -> str:
    return text.replace("|", "\\|")


def _inline(text: str) -> str:
    """Escape text for HTML, keeping the report's inline Markdown: `code` and **bold**."""
    parts = html.escape(text).split("`")
    for i in range(1, len(parts), 2):
        parts[i] = f"<code>{parts[i]}</code>"
    out = "".join(parts)
    pieces = out.split("**")
    for i in range(1, len(pieces), 2):
        pieces[i] = f"<strong>{pieces[i]}</strong>"
    return "".join(pieces)


def _html(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{_inline(block.text)}</h{block.level}>"
    if isinstance(block, Paragraph):
        return f"<p>{_inline(block.text)}</p>"
    if isinstance(block, Bullets):
        items = "".join(f"<li>{_inline(item)}</li>" for item in block.items)
        return f"<ul>{items}</ul>"
    if isinstance(block, Table):
        header, rows = table_cells(block.frame)
        head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
        )
        caption = f"<caption>{_inline(block.caption)}</caption>" if block.caption else ""
        return f"<table>{caption}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    if isinstance(block, Figure):
        data = base64.b64encode(Path(block.path).read_bytes()).decode("ascii")
        return (
            f'<figure><img alt="{html.escape(block.caption)}" '
            f'src="data:image/png;base64,{data}"/>'
            f"<figcaption>{_inline(block.caption)}</figcaption></figure>"
        )
    if isinstance(block, Code):
        return f"<pre><code>{html.escape(block.text)}</code></pre>"
    raise TypeError(f"unknown report block {type(block).__name__}")


_HTML_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>{title}</title>
<style>
body {{ font-family: sans-serif; max-width: 72em; margin: 2em auto; line-height: 1.45; }}
table {{ border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }}
th, td {{ border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: right; }}
th {{ background: #eee; }}
caption {{ caption-side: top; font-style: italic; text-align: left; }}
figure {{ margin: 1.5em 0; }}
img {{ max-width: 100%; }}
code {{ background: #f4f4f4; }}
pre {{ background: #f4f4f4; padding: 0.6em; overflow-x: auto; }}
</style>
</head>
<body>
{body}
</body>
</html>
"""
