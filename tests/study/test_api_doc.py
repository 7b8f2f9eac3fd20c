"""docs/api.md is generated from the public names and must be up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import skvol

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location("make_api", ROOT / "docs" / "make_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_md_is_up_to_date():
    expected = _generator().render()
    actual = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert actual == expected, "docs/api.md is stale: run `python docs/make_api.py`"


def test_api_md_lists_every_public_name_once():
    text = _generator().render()
    assert " at 0x" not in text  # no object addresses: the page is deterministic
    modules = _generator().subpackages()
    assert {"skvol.data", "skvol.features", "skvol.models", "skvol.evaluation"} <= set(modules)
    assert "skvol.study" in modules
    for module in modules:
        for name in importlib.import_module(module).__all__:
            assert text.count(f"### `{module}.{name}`") == 1, f"{module}.{name}"
    for name in skvol.__all__:
        if f"skvol.{name}" in modules:
            assert f"## `skvol.{name}`" in text, name
        else:
            assert f".{name}`" in text, name


def test_first_paragraph_and_signature():
    gen = _generator()

    def f(a, b="x"):
        """Do one thing.

        More detail
        on two lines.
        """

    assert gen.first_paragraph(f) == "Do one thing."
    assert gen.signature(f) == "(a, b='x')"
    assert gen.signature(1) == ""
