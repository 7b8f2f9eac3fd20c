"""Benchmark: ProbabilisticLSTMRegressor fit and predict speed on one torch thread.

Fits 2,000 rows x 8 features, lookback 20, hidden 32, 50 epochs, batch 64 (early
stopping off, so all 50 epochs run); the goal is under 5 seconds. Prints the fit's wall
and CPU time, the ratio to the goal, time per optimiser step, predict throughput in rows
per second, the HAR benchmark's fit+predict time for scale, and the same fit with
``anchor="har"`` (the default) beside the plain network's.

Run: ``python benchmarks/bench_models.py [--repeats N]``
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from skvol.models import HARRegressor, ProbabilisticLSTMRegressor  # noqa: E402

GOAL_SECONDS = 5.0


def _data(n_rows: int = 2000, n_features: int = 8, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n_rows, n_features))
    y = 0.3 * X[:, 0] + np.exp(0.5 * X[:, 1]) * rng.normal(size=n_rows)
    return X, y


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    X, y = _data()
    model = ProbabilisticLSTMRegressor(  # the plain network, as docs/performance.md measured it
        anchor=None,
        lookback=20,
        hidden_size=32,
        max_epochs=50,
        batch_size=64,
        patience=None,
        lr=1e-3,
        random_state=0,
    )
    fit_times, cpu_times = [], []
    for _ in range(args.repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        model.fit(X, y)
        fit_times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    best = min(fit_times)
    steps = model.n_epochs_ * int(np.ceil(len(X) / model.batch_size))
    print(f"torch threads: {torch.get_num_threads()}, torch {torch.__version__}")
    print(
        f"fit 2000x8, lookback 20, hidden 32, 50 epochs, batch 64: "
        f"best {best:.2f} s of {args.repeats} (all: {', '.join(f'{t:.2f}' for t in fit_times)})"
    )
    print(
        f"process CPU time of the fits: {', '.join(f'{t:.2f}' for t in cpu_times)} s "
        "(below the wall time when other processes compete for the cores)"
    )
    print(f"ratio to the {GOAL_SECONDS:.0f} s goal (wall): {best / GOAL_SECONDS:.2f}")
    print(f"per optimiser step: {1e3 * best / steps:.2f} ms ({steps} steps)")

    X_big, _ = _data(n_rows=20000)
    model.predict_dist(X_big[:100])
    start = time.perf_counter()
    model.predict_dist(X_big)
    elapsed = time.perf_counter() - start
    print(f"predict_dist throughput: {len(X_big) / elapsed:,.0f} rows/s ({len(X_big)} rows)")

    rv = np.exp(np.random.default_rng(1).normal(-9, 0.5, size=(20000, 1)))
    start = time.perf_counter()
    HARRegressor(log=True).fit(rv[:-1], np.log(rv[1:, 0])).predict(rv)
    print(f"HARRegressor fit+predict on 20,000 rows: {time.perf_counter() - start:.3f} s")

    # the default since the anchor was measured: anchor="har" on column 0 (taken as log
    # RV), the same sizes; its network also reads the three HAR averages
    anchored = model.set_params(anchor="har")
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        anchored.fit(X, y)
        times.append(time.perf_counter() - start)
    print(
        f"anchor='har' (the default), same fit: best {min(times):.2f} s of {args.repeats} "
        f"(all: {', '.join(f'{t:.2f}' for t in times)}), {min(times) / best:.2f}x the plain fit"
    )


if __name__ == "__main__":
    main()
