"""GridSearchCV over a skvol Pipeline on a Dask cluster gives the serial result.

A ``LocalCluster`` with two workers (one thread each) stands in for a real cluster and
runs the search scored by the ``VaRBacktestScorer``; its best parameters and every
candidate's fold scores must equal those of the serial run, and the task stream shows
that both workers did the work. The workers run in this process (``processes=False``):
with worker processes the test also passes but takes about 50 s on this 2-core machine
instead of about 11 s, nearly all of it spawning workers that import torch. What a real
cluster adds, sending estimators, scorer and data pickled over the network, is covered
by ``tests/test_persistence.py`` (every estimator, pipelines and the scorer pickle and
predict identically after loading).
"""

from __future__ import annotations

import joblib
import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import Pipeline, make_union

from skvol.data import simulate_market
from skvol.evaluation import VaRBacktestScorer
from skvol.features import BipowerVariation, RealizedVariance, next_day_target
from skvol.models import HARRegressor

distributed = pytest.importorskip("distributed")


@pytest.mark.slow
def test_grid_search_on_a_dask_cluster_matches_the_serial_search():
    panel = simulate_market(n_days=220, assets=("SPX",), freq="10min", seed=5).panel("10min")
    y = next_day_target(panel, "SPX", scale=100.0).dropna()
    X = panel.loc[y.index]
    pipe = Pipeline(
        [
            ("features", make_union(RealizedVariance(), BipowerVariation())),
            ("model", HARRegressor(log=True)),
        ]
    ).set_output(transform="pandas")
    grid = {
        "model__windows": [(1,), (1, 5), (1, 5, 22)],
        "model__distribution": ["normal", "student_t"],
    }

    def search(n_jobs):
        return GridSearchCV(
            pipe, grid, cv=TimeSeriesSplit(4), scoring=VaRBacktestScorer(0.95), n_jobs=n_jobs
        ).fit(X, y)

    serial = search(n_jobs=1)
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
        distributed.get_task_stream(client) as tasks,
        joblib.parallel_backend("dask"),
    ):
        on_dask = search(n_jobs=-1)
    workers = {task["worker"] for task in tasks.data}

    assert on_dask.best_params_ == serial.best_params_
    for key in [f"split{k}_test_score" for k in range(4)]:
        np.testing.assert_array_equal(on_dask.cv_results_[key], serial.cv_results_[key])
    # the 6 candidates x 4 folds really ran on the cluster, on both workers
    assert len(tasks.data) >= 24
    assert len(workers) == 2
