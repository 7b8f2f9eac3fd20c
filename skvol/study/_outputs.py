"""The results folder: written whole in a temporary folder, moved into place when complete.

A run writes everything (figures, tables, ``metrics.json``, the report) into a fresh
hidden folder next to ``--out`` (``.<name>.incomplete-XXXX``) and renames it to ``--out``
only once every file is written, so an interrupted or failed run never leaves a folder
that looks finished and never touches a previous complete run: the temporary folder is
removed, and the previous results stay as they were. A previous results folder is
replaced as a whole, so a rerun never mixes two runs' files.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from skvol.study._config import StudyConfig
from skvol.study._metrics import StudyMetrics
from skvol.study._tables import indexed

logger = logging.getLogger("skvol.study")

#: What a run writes at the top of its folder; a folder holding only these is a
#: previous run's and may be replaced.
STUDY_ENTRIES = frozenset({"report.md", "report.html", "metrics.json", "figures", "tables"})


@dataclass(frozen=True)
class StudyResult:
    """What :func:`skvol.study.run_study` produced.

    Attributes
    ----------
    config : StudyConfig
        The configuration of the run.
    out : Path
        The output folder.
    report_md, report_html, metrics_json : Path
        The report (Markdown and self-contained HTML) and the headline numbers.
    figures : dict of str to Path
        The PNG figures by name.
    tables : dict of str to Path
        The CSV tables by name.
    metrics : StudyMetrics
        The headline numbers (``metrics.json`` is ``metrics.to_dict()``).
    """

    config: StudyConfig
    out: Path
    report_md: Path
    report_html: Path
    metrics_json: Path
    figures: dict[str, Path]
    tables: dict[str, Path]
    metrics: StudyMetrics


def _out_error(out: Path, why: str) -> ValueError:
    return ValueError(f"--out {out}: {why}")


@dataclass(frozen=True)
class ResultsFolder:
    """A run's output folder ``out`` and the temporary folder ``work`` it is written in.

    :meth:`open` checks ``out`` and creates ``work`` (with ``figures/`` and ``tables/``)
    before any computation, so an unusable ``--out`` fails at once; :meth:`commit`
    moves the finished ``work`` into place; :meth:`discard` removes it.
    """

    out: Path
    work: Path

    @classmethod
    def open(cls, out: Path | str) -> ResultsFolder:
        """Check ``out`` and create the temporary folder next to it.

        Raises
        ------
        ValueError
            Naming ``--out``: it is a file, the current folder or one above it, holds
            entries a study does not write (replacing it would lose them), is read-only,
            or its parent folder cannot be written.
        """
        given = Path(out)
        target = given.resolve()
        cwd = Path.cwd().resolve()
        if target == cwd or target in cwd.parents:
            raise _out_error(given, "is the current folder or one above it; give a sub-folder")
        if target.exists():
            if not target.is_dir():
                raise _out_error(given, "is a file; give a folder")
            foreign = sorted(p.name for p in target.iterdir() if p.name not in STUDY_ENTRIES)
            if foreign:
                raise _out_error(
                    given,
                    f"holds {', '.join(foreign[:5])}{', ...' if len(foreign) > 5 else ''}, "
                    "which a study does not write; a run replaces the whole folder, so give "
                    "a new or empty folder or a previous run's results folder",
                )
            if not os.access(target, os.W_OK | os.X_OK):
                raise _out_error(given, "is read-only")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            work = Path(tempfile.mkdtemp(prefix=f".{target.name}.incomplete-", dir=target.parent))
        except OSError as exc:
            raise _out_error(
                given, f"cannot write in {target.parent} ({exc.strerror or exc})"
            ) from None
        (work / "figures").mkdir()
        (work / "tables").mkdir()
        return cls(out=target, work=work)

    def commit(self) -> None:
        """Move the finished run into place, replacing a previous run's folder as a whole."""
        previous = None
        if self.out.exists():
            previous = self.work.with_name(self.work.name.replace(".incomplete-", ".previous-", 1))
            os.rename(self.out, previous)
        try:
            os.rename(self.work, self.out)
        except BaseException:
            if previous is not None:
                os.rename(previous, self.out)
            raise
        if previous is not None:
            shutil.rmtree(previous)

    def discard(self) -> None:
        """Remove the temporary folder of a run that did not finish."""
        shutil.rmtree(self.work, ignore_errors=True)


def write_tables(folder: Path, tables: Mapping[str, pd.DataFrame]) -> dict[str, Path]:
    """Write every table to ``folder/tables/<name>.csv``; return the paths by name."""
    paths = {}
    for name, frame in tables.items():
        path = folder / "tables" / f"{name}.csv"
        frame.to_csv(path, index=indexed(name))
        paths[name] = path
    return paths


def write_metrics(folder: Path, metrics: StudyMetrics) -> Path:
    """Write ``metrics.json`` (:meth:`StudyMetrics.to_dict`) into ``folder``."""
    path = folder / "metrics.json"
    path.write_text(json.dumps(metrics.to_dict(), indent=2))
    return path


def moved(paths: Mapping[str, Path], work: Path, out: Path) -> dict[str, Path]:
    """The paths of files written under ``work`` once the folder is moved to ``out``."""
    return {name: out / Path(p).relative_to(work) for name, p in paths.items()}
