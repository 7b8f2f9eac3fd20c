"""How a run can be reproduced: its command line, configuration and library versions."""

from __future__ import annotations

import platform
import shlex
from dataclasses import asdict

import numpy as np
import pandas as pd

from skvol.study._config import StudyConfig
from skvol.study._pipelines import RECOMMENDED_SETUP, STUDY_SETUP, TARGET_SCALE


def environment() -> dict[str, str]:
    """Versions of Python and the main libraries, for the report."""
    import scipy
    import sklearn
    import skorch
    import torch

    import skvol

    return {
        "python": platform.python_version(),
        "skvol": skvol.__version__,
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "scikit-learn": sklearn.__version__,
        "torch": torch.__version__,
        "skorch": skorch.__version__,
        "torch_threads": str(torch.get_num_threads()),
    }


def config_dict(config: StudyConfig) -> dict:
    """The configuration as JSON-ready values, with the sizes actually used."""
    raw = asdict(config)
    raw["out"] = str(config.out)
    raw["paths"] = {k: str(v) for k, v in config.paths.items()}
    raw["levels"] = list(config.levels)
    raw["assets"] = list(config.assets)
    raw["pairs"] = [list(p) for p in config.pairs]
    raw.update(
        simulated_days=config.simulated_days if config.data == "simulated" else None,
        day_limit=config.day_limit,
        n_splits=config.n_splits,
        test_fraction=config.test_fraction,
        max_epochs=config.max_epochs,
        lookback=config.lookback,
        hidden_size=config.hidden_size,
        patience=config.patience,
        target_scale=TARGET_SCALE,
        study_setup=STUDY_SETUP,
        recommended_setup=RECOMMENDED_SETUP,
    )
    return raw


def command_line(config: StudyConfig) -> str:
    """The ``skvol study`` command that reproduces a run."""
    parts = ["skvol", "study"]
    if config.data not in ("simulated", "files"):
        parts += ["--data", str(config.data)]
    if config.paths:
        parts += ["--assets", *[f"{k}={v}" for k, v in config.paths.items()]]
    elif config.assets:
        parts += ["--assets", *config.assets]
    for k, v in config.sessions.items():
        parts += ["--session", f"{k}={v}"]
    if config.pairs:
        parts += ["--pairs", *[f"{a}/{b}" for a, b in config.pairs]]
    if config.quick:
        parts.append("--quick")
    if config.n_days is not None:
        parts += ["--days", str(config.n_days)]
    if config.n_jobs != 1:
        parts += ["--jobs", str(config.n_jobs)]
    if config.freq != "5min":
        parts += ["--freq", config.freq]
    parts += ["--seed", str(config.seed), "--out", str(config.out)]
    return shlex.join(parts)
