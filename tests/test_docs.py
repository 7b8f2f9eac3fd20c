"""Every ```python block of the user guide and the README runs.

The blocks of one Markdown file run in order in one namespace (a page is one session a
user would type), with the repository root as the working directory. A block that reads
``../shared/data`` needs the real data: when that folder is absent (a fresh clone) the
blocks from there on are skipped, with the reason; the blocks before it still ran.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]

_BLOCK = re.compile(r"^```python[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)


def python_blocks(text: str) -> list[tuple[int, str]]:
    """The ```python blocks of a Markdown text with the line number each starts on."""
    return [
        (text.count("\n", 0, match.start()) + 2, match.group(1)) for match in _BLOCK.finditer(text)
    ]


def needs_shared_data(code: str) -> bool:
    """Whether a block reads the real data folder."""
    return "shared/data" in code


def test_block_extraction_on_a_hand_written_page():
    page = (
        "# t\n\n```python\nx = 1\n```\n\ntext\n\n```bash\nls\n```\n\n"
        "```python\ny = x + 1\nassert y == 2\n```\n"
    )
    blocks = python_blocks(page)
    assert [code for _, code in blocks] == ["x = 1\n", "y = x + 1\nassert y == 2\n"]
    assert [line for line, _ in blocks] == [4, 14]
    lines = page.splitlines()
    assert lines[3] == "x = 1" and lines[13] == "y = x + 1"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_page_code_blocks_run(page: Path, monkeypatch):
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    text = page.read_text(encoding="utf-8")
    namespace: dict = {"__name__": f"docs_{page.stem}"}
    for line, code in python_blocks(text):
        if needs_shared_data(code) and not SHARED_DATA.is_dir():
            pytest.skip(
                f"{page.name}: the block at line {line} and those after it need {SHARED_DATA}, "
                "which is absent"
            )
        name = f"{page.relative_to(ROOT).as_posix()}:{line}"
        exec(compile(code, name, "exec"), namespace)
