"""The ``skvol`` command line: ``skvol study``, ``skvol features`` and ``skvol download``.

Every user error (unknown asset, empty folder, unreadable file, missing Kaggle
credentials, a bad option) ends with one line ``skvol: error: ...`` on stderr and a
non-zero exit status, never a traceback. ``--traceback`` shows the traceback for bug
reports.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from skvol.data import KaggleDownloadError
from skvol.study._config import (
    DEFAULT_ASSETS,
    MAX_SEED,
    SESSIONS,
    StudyConfig,
    check_asset_name,
)

logger = logging.getLogger("skvol.study")

#: Exit status of a run stopped by a user error (bad data, options or credentials).
EXIT_USER_ERROR = 1
#: Exit status of a command line that does not parse (argparse's convention).
EXIT_USAGE = 2
#: Exit status of a run stopped by Ctrl-C (128 + SIGINT, the shell's convention).
EXIT_INTERRUPTED = 130


class UsageError(ValueError):
    """A command-line argument that is not valid."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if not 0 <= value <= MAX_SEED:
        raise argparse.ArgumentTypeError(
            f"must be from 0 to {MAX_SEED} (2**32 - 1, what NumPy's and the models' "
            f"random_state accept), got {text}"
        )
    return value


def _add_data_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        default=None,
        metavar="simulated|kaggle|PATH",
        help="'simulated' (default, the built-in market), 'kaggle' (download or reuse the "
        "Kaggle minute-bar dataset) or a folder with one sub-folder or file per asset",
    )
    parser.add_argument(
        "--assets",
        nargs="+",
        metavar="NAME|NAME=PATH",
        help=f"assets to study (default: {' '.join(DEFAULT_ASSETS)} for simulated/kaggle, every "
        "entry of the folder for PATH); NAME=PATH gives an asset's file or folder explicitly "
        "(minute bars, or a daily realized-measure file such as the Oxford-Man library)",
    )
    parser.add_argument(
        "--session",
        nargs="+",
        default=[],
        metavar="NAME=SESSION",
        help=f"trading session of an asset the study does not know by name ({', '.join(SESSIONS)})",
    )
    parser.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help=f"seed of the simulated market and models (0 to {MAX_SEED}, default 0)",
    )
    parser.add_argument(
        "--days",
        type=_positive_int,
        default=None,
        help="days of the simulated market (default 200 with --quick, 1000 otherwise)",
    )
    parser.add_argument(
        "--freq", default="5min", help="intraday bin width of the panel (default 5min)"
    )
    parser.add_argument(
        "--jobs",
        type=_positive_int,
        default=1,
        help="walk-forward folds fitted in parallel processes (default 1)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small run: fewer days, folds and epochs (under a minute)",
    )


def _common_options() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")
    common.add_argument("--no-progress", action="store_true", help="hide the progress bars")
    common.add_argument(
        "--threads",
        type=_positive_int,
        default=1,
        help="torch threads (default 1: reproducible and fair on shared machines)",
    )
    common.add_argument("--traceback", action="store_true", help="show tracebacks of errors")
    return common


def build_parser() -> argparse.ArgumentParser:
    """The ``skvol`` argument parser with its sub-commands."""
    parser = argparse.ArgumentParser(
        prog="skvol",
        description="Forecast volatility, jumps and Value-at-Risk from intraday data.",
    )
    common = _common_options()
    sub = parser.add_subparsers(dest="command", metavar="{study,features,download}")

    study = sub.add_parser(
        "study",
        parents=[common],
        help="run the whole study and write the report",
        description="Read -> panel -> features -> models -> walk-forward -> backtest -> report.",
    )
    _add_data_options(study)
    study.add_argument(
        "--out",
        type=Path,
        default=Path("results"),
        help="output folder (default results/), replaced as a whole when the run completes",
    )
    study.add_argument(
        "--pairs",
        nargs="+",
        default=[],
        metavar="A/B",
        help="asset pairs whose rolling correlation is reported (default: every pair)",
    )

    features = sub.add_parser(
        "features",
        parents=[common],
        help="write the intraday panel and the daily features",
        description="Build each asset's intraday panel and daily features and write them to files.",
    )
    _add_data_options(features)
    features.add_argument("--out", type=Path, default=Path("features"), help="output folder")
    features.add_argument("--format", choices=("csv", "parquet"), default="csv", help="file format")

    download = sub.add_parser(
        "download",
        parents=[common],
        help="download (or reuse) the Kaggle minute-bar dataset",
        description="Download and unzip the Kaggle dataset once; later calls reuse it.",
    )
    download.add_argument(
        "--dataset", default="arashnic/stock-data-intraday-minute-bar", help="Kaggle dataset slug"
    )
    download.add_argument(
        "--dest", type=Path, default=None, help="cache folder (default: user cache)"
    )
    download.add_argument("--force", action="store_true", help="download again even if cached")
    return parser


def _split_pairs(items: Sequence[str], option: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name or not value:
            raise UsageError(f"{option} expects NAME=VALUE, got {item!r}")
        pairs[_asset_name(name)] = value
    return pairs


def _asset_name(name: str) -> str:
    try:
        return check_asset_name(name)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def config_from_args(args: argparse.Namespace) -> StudyConfig:
    """Turn parsed ``study``/``features`` arguments into a :class:`StudyConfig`."""
    sessions = _split_pairs(args.session, "--session")
    for name, session in sessions.items():
        if session not in SESSIONS:
            raise UsageError(
                f"--session {name}={session}: the session must be one of {', '.join(SESSIONS)}"
            )
    paths: dict[str, Path] = {}
    assets: list[str] = []
    for item in args.assets or []:
        if "=" in item:
            name, path = next(iter(_split_pairs([item], "--assets").items()))
            paths[name] = Path(path)
            assets.append(name)
        else:
            assets.append(_asset_name(item))
    if len(set(assets)) != len(assets):
        raise UsageError(f"--assets names an asset twice: {assets}")
    if paths and len(paths) != len(assets):
        raise UsageError("--assets: give either all assets as NAME=PATH or none of them")
    if paths and args.data in ("simulated", "kaggle"):
        raise UsageError(
            f"--assets NAME=PATH reads files; it cannot be combined with --data {args.data}"
        )
    pairs = []
    for item in getattr(args, "pairs", []):
        first, sep, second = item.partition("/")
        if not sep or not first or not second:
            raise UsageError(f"--pairs expects A/B, got {item!r}")
        pair = (_asset_name(first), _asset_name(second))
        if assets and not set(pair) <= set(assets):
            raise UsageError(f"--pairs {item}: not among --assets {' '.join(assets)}")
        pairs.append(pair)
    data = args.data if args.data is not None else ("files" if paths else "simulated")
    default_assets = DEFAULT_ASSETS if data in ("simulated", "kaggle") else ()
    return StudyConfig(
        data=data,
        assets=tuple(assets) if assets else default_assets,
        paths=paths,
        sessions=sessions,
        out=getattr(args, "out", Path("results")),
        quick=args.quick,
        seed=args.seed,
        freq=args.freq,
        n_days=args.days,
        n_jobs=args.jobs,
        pairs=tuple(pairs),
    )


def _configure(args: argparse.Namespace) -> None:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("MPLBACKEND", "Agg")
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
        force=True,
    )
    if not args.verbose:
        # per-epoch and early-stopping notes of the models are detail, not progress
        logging.getLogger("skvol.models").setLevel(logging.WARNING)
    import torch

    torch.set_num_threads(args.threads)


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "download":
        from skvol.study._run import download

        path = download(args.dataset, args.dest, args.force)
        sys.stdout.write(f"{path}\n")
        return 0
    config = config_from_args(args)
    if args.command == "features":
        from skvol.study._run import write_features

        written = write_features(config, fmt=args.format, progress=not args.no_progress)
        for path in written:
            sys.stdout.write(f"{path}\n")
        return 0
    from skvol.study._run import run_study

    result = run_study(config, progress=not args.no_progress)
    sys.stdout.write(f"{result.report_md}\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``skvol`` console script.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 on success, 1 on a user error (bad data, files or credentials), 2 when the
        command line does not parse, 130 when interrupted (Ctrl-C), at any point.
    """
    args = None
    try:
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:
            return int(exc.code or 0)
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        _configure(args)
        return _dispatch(args)
    except KeyboardInterrupt:
        sys.stderr.write("skvol: interrupted\n")
        return EXIT_INTERRUPTED
    except UsageError as exc:
        if args.traceback:
            raise
        parser.print_usage(sys.stderr)
        sys.stderr.write(f"skvol: error: {exc}\n")
        return EXIT_USAGE
    except (ValueError, TypeError, OSError, KaggleDownloadError) as exc:
        if args is None or args.traceback:
            raise
        sys.stderr.write(f"skvol: error: {exc}\n")
        return EXIT_USER_ERROR
    except RuntimeError as exc:  # e.g. a model whose training loss diverged on this data
        if args is None or args.traceback:
            raise
        sys.stderr.write(f"skvol: error: {exc} (--traceback shows where)\n")
        return EXIT_USER_ERROR
