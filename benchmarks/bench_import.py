"""Import cost of skvol: wall time of fresh interpreters, min of several runs.

Prints, for each statement, the min wall time over ``--repeat`` fresh Python processes and
its ratio to importing skvol's own dependencies (numpy, pandas, scipy.stats, sklearn),
measured in the same run, and whether torch was loaded.

    python benchmarks/bench_import.py --repeat 7
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

STATEMENTS = {
    "dependencies (numpy, pandas, scipy.stats, sklearn)": "import numpy, pandas, scipy.stats, sklearn",
    "import skvol": "import skvol",
    "skvol.data, .features, .evaluation, HARRegressor": (
        "import skvol.data, skvol.features, skvol.evaluation; from skvol import HARRegressor"
    ),
    "skvol.ProbabilisticLSTMRegressor (loads torch)": "import skvol; skvol.ProbabilisticLSTMRegressor",
}
CHECK = "; import sys; print('torch' in sys.modules)"


def wall(statement: str, repeat: int) -> tuple[float, bool]:
    best, torch = float("inf"), False
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", statement + CHECK], capture_output=True, text=True, check=True
        )
        best = min(best, time.perf_counter() - t0)
        torch = out.stdout.strip().endswith("True")
    return best, torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bare, _ = wall("pass", args.repeat)
    results = {name: wall(code, args.repeat) for name, code in STATEMENTS.items()}
    base = results["dependencies (numpy, pandas, scipy.stats, sklearn)"][0] - bare
    print(f"python startup: {bare:.3f} s (subtracted below)")
    print(f"{'statement':<55}{'seconds':>9}{'x deps':>8}  torch loaded")
    for name, (seconds, torch) in results.items():
        net = seconds - bare
        print(f"{name:<55}{net:9.3f}{net / base:8.2f}  {torch}")


if __name__ == "__main__":
    main()
