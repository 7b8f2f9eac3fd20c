"""Stage runner: a progress bar while a stage works and one summary line when it ends."""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from tqdm.auto import tqdm

logger = logging.getLogger("skvol.study")

#: The study's stages, in order.
STAGES: tuple[str, ...] = (
    "read",
    "panel",
    "features",
    "models",
    "walk-forward",
    "backtest",
    "report",
)


@dataclass
class Stage:
    """A running stage: advance its bar, set its one-line summary."""

    name: str
    bar: tqdm
    summary: str = ""

    def advance(self, what: str = "", n: int = 1) -> None:
        """Count ``n`` units of work done; ``what`` names the unit just finished."""
        if what:
            self.bar.set_postfix_str(what, refresh=False)
        self.bar.update(n)


@dataclass
class StageRunner:
    """Run named stages in order, timing each and logging one summary line per stage.

    Parameters
    ----------
    names : sequence of str
        The stages, in order (used for the ``[i/n]`` counter).
    progress : bool
        Show tqdm progress bars (on stderr).
    """

    names: Sequence[str] = STAGES
    progress: bool = True
    timings: dict[str, float] = field(default_factory=dict)
    summaries: dict[str, str] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str, total: int | None = None) -> Iterator[Stage]:
        """Open stage ``name`` with a bar of ``total`` units; log its summary on exit."""
        if name not in self.names:
            raise ValueError(f"unknown stage {name!r}; stages are {list(self.names)}")
        position = self.names.index(name) + 1
        bar = tqdm(
            total=total,
            desc=f"[{position}/{len(self.names)}] {name}",
            disable=not self.progress,
            leave=False,
            file=sys.stderr,
            unit="step",
        )
        start = time.perf_counter()
        current = Stage(name=name, bar=bar)
        try:
            yield current
        finally:
            bar.close()
        elapsed = time.perf_counter() - start
        self.timings[name] = elapsed
        self.summaries[name] = current.summary
        logger.info(
            "[%d/%d] %-12s %s (%.1f s)", position, len(self.names), name, current.summary, elapsed
        )
