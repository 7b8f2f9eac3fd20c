"""The results folder and the command line's checks (issue 12, cases 11 and 12).

A run is written into a fresh hidden folder next to ``--out`` and moved into place only
when complete, so an interrupted or failed rerun never leaves a folder that looks finished
or mixes two runs, and never touches a previous complete run. Options are checked before
any work: ``--seed`` out of the models' range, an ``--out`` that cannot be written, and
Ctrl-C while the command starts end with one line, never a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from skvol.study import StudyConfig
from skvol.study._cli import EXIT_USAGE, EXIT_USER_ERROR, main

#: Exit status of a run stopped by Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130

#: A small but complete study: one asset, 100 simulated days (enough for the folds).
SMALL = ["study", "--quick", "--assets", "SPX", "--days", "100", "--no-progress"]


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _previous_run(out: Path) -> dict[str, bytes]:
    """A finished run's folder (seed 0), as a reader sees it."""
    (out / "figures").mkdir(parents=True)
    (out / "tables").mkdir()
    (out / "report.md").write_text("# seed 0 report\n")
    (out / "report.html").write_text("<p>seed 0</p>\n")
    (out / "metrics.json").write_text('{"config": {"seed": 0}}\n')
    (out / "figures" / "forecasts.png").write_bytes(b"seed 0 figure")
    (out / "tables" / "accuracy.csv").write_text("seed,0\n")
    return _snapshot(out)


def _looks_complete(folder: Path) -> bool:
    return (folder / "report.md").exists() or (folder / "metrics.json").exists()


def _one_line(capsys, prefix: str) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = [line for line in err.splitlines() if line.startswith(prefix)]
    assert len(lines) == 1, err
    return lines[0]


@pytest.fixture
def unwritable(tmp_path):
    """A folder nobody can create entries in (a read-only folder, or /proc for root)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        (ro / "probe").mkdir()
    except OSError:
        yield ro
    else:  # root ignores permissions; no one can create a folder in /proc
        (ro / "probe").rmdir()
        yield Path("/proc")
    finally:
        ro.chmod(0o755)


def _no_work(monkeypatch):
    import skvol.study._run as run

    def refuse(*args, **kwargs):
        raise AssertionError("the study started working before its options were checked")

    monkeypatch.setattr(run, "read_inputs", refuse)


# --- case 11: an interrupted rerun -------------------------------------------------------


@pytest.mark.parametrize("stop", [KeyboardInterrupt, RuntimeError])
def test_an_interrupted_rerun_keeps_the_previous_run(tmp_path, monkeypatch, capsys, stop):
    """Ctrl-C (or a failure) while the report is written, after figures and tables exist."""
    from skvol.study._report import Report

    out = tmp_path / "results"
    before = _previous_run(out)

    def interrupted(self, *args, **kwargs):
        raise stop("stopped while writing the report")

    monkeypatch.setattr(Report, "write", interrupted)
    code = main([*SMALL, "--seed", "1", "--out", str(out)])
    assert code == (EXIT_INTERRUPTED if stop is KeyboardInterrupt else EXIT_USER_ERROR)
    capsys.readouterr()
    assert _snapshot(out) == before  # not a byte of seed 1 in the seed-0 folder
    assert [p.name for p in tmp_path.iterdir()] == ["results"]  # no half folder left


def test_a_rerun_replaces_the_previous_run_as_a_whole(tmp_path):
    from skvol.study._outputs import ResultsFolder

    out = tmp_path / "results"
    _previous_run(out)
    folder = ResultsFolder.open(out)
    assert folder.work.parent == tmp_path and folder.work.name.startswith(".results.incomplete-")
    assert not _looks_complete(folder.work)
    (folder.work / "report.md").write_text("# seed 1 report\n")
    (folder.work / "figures" / "calibration.png").write_bytes(b"seed 1 figure")
    folder.commit()
    assert _snapshot(out) == {
        "report.md": b"# seed 1 report\n",
        "figures/calibration.png": b"seed 1 figure",
    }
    assert [p.name for p in tmp_path.iterdir()] == ["results"]


def test_a_discarded_run_leaves_nothing(tmp_path):
    from skvol.study._outputs import ResultsFolder

    out = tmp_path / "new" / "results"
    folder = ResultsFolder.open(out)
    (folder.work / "report.md").write_text("half")
    folder.discard()
    assert not out.exists() and list(out.parent.iterdir()) == []


@pytest.mark.parametrize("kind", ["foreign", "file", "cwd"])
def test_out_a_run_would_destroy_is_refused(tmp_path, monkeypatch, kind):
    from skvol.study._outputs import ResultsFolder

    if kind == "foreign":
        out = tmp_path / "thesis"
        out.mkdir()
        (out / "chapter1.tex").write_text("months of work")
        needle = "chapter1.tex, which a study does not write"
    elif kind == "file":
        out = tmp_path / "results"
        out.write_text("not a folder")
        needle = "is a file"
    else:
        monkeypatch.chdir(tmp_path)
        out = Path(".")
        needle = "current folder"
    with pytest.raises(ValueError, match=f"--out .*{needle}"):
        ResultsFolder.open(out)
    assert [p.name for p in tmp_path.iterdir()] == ([] if kind == "cwd" else [out.name])


# --- case 12: options checked before any work --------------------------------------------


@pytest.mark.parametrize("seed", ["1099511627776", "4294967296", "-1"])
def test_a_seed_the_models_refuse_fails_at_once(seed, tmp_path, monkeypatch, capsys):
    _no_work(monkeypatch)
    assert main([*SMALL, "--seed", seed, "--out", str(tmp_path / "r")]) == EXIT_USAGE
    line = _one_line(capsys, "skvol study: error:")
    assert "--seed" in line and "4294967295" in line
    assert list(tmp_path.iterdir()) == []


def test_the_largest_seed_is_accepted(tmp_path):
    from skvol.study._cli import build_parser, config_from_args

    args = build_parser().parse_args(["study", "--seed", "4294967295"])
    assert config_from_args(args).seed == 2**32 - 1


def test_run_study_checks_the_seed_first(tmp_path, monkeypatch):
    from skvol.study import run_study

    _no_work(monkeypatch)
    with pytest.raises(ValueError, match=r"--seed must be an integer from 0 to 4294967295"):
        run_study(StudyConfig(seed=2**40, out=tmp_path / "r"), progress=False)
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_out_fails_before_computing(unwritable, monkeypatch, capsys):
    _no_work(monkeypatch)
    out = unwritable / "results"
    assert main([*SMALL, "--out", str(out)]) == EXIT_USER_ERROR
    line = _one_line(capsys, "skvol: error:")
    assert f"--out {out}: cannot write in {unwritable}" in line


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_previous_run_fails_before_computing(tmp_path, monkeypatch, capsys):
    _no_work(monkeypatch)
    out = tmp_path / "results"
    before = _previous_run(out)
    out.chmod(0o555)
    try:
        assert main([*SMALL, "--out", str(out)]) == EXIT_USER_ERROR
    finally:
        out.chmod(0o755)
    assert "is read-only" in _one_line(capsys, "skvol: error:")
    assert _snapshot(out) == before


@pytest.mark.parametrize("where", ["build_parser", "_configure"])
def test_ctrl_c_during_start_up_is_one_line(where, monkeypatch, capsys):
    import skvol.study._cli as cli

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, where, interrupt)
    assert main(["study", "--quick", "--no-progress"]) == EXIT_INTERRUPTED == cli.EXIT_INTERRUPTED
    assert capsys.readouterr().err == "skvol: interrupted\n"
