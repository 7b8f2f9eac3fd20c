"""Reaching ``predict_dist`` through a Pipeline, and reading a frozen distribution's parameters."""

from __future__ import annotations

import numpy as np
from sklearn.pipeline import Pipeline

from skvol.models._probabilistic import distribution_params as dist_params


def final_estimator(estimator):
    """The estimator that predicts: ``estimator`` itself or the last step of a Pipeline."""
    if isinstance(estimator, Pipeline):
        return final_estimator(estimator.steps[-1][1])
    return estimator


def has_predict_dist(estimator) -> bool:
    """Whether ``estimator`` (or the last step of its Pipeline) has ``predict_dist``."""
    return callable(getattr(estimator, "predict_dist", None)) or callable(
        getattr(final_estimator(estimator), "predict_dist", None)
    )


def predict_dist(estimator, X, caller: str):
    """Call ``predict_dist`` on a fitted estimator or on the last step of a fitted Pipeline.

    A Pipeline's earlier steps transform ``X`` first (``pipe[:-1].transform(X)``), so a
    DataFrame keeps its index when the Pipeline has ``set_output(transform="pandas")``.
    """
    if callable(getattr(estimator, "predict_dist", None)):
        return estimator.predict_dist(X)
    final = final_estimator(estimator)
    if not callable(getattr(final, "predict_dist", None)):
        where = (
            f"the last step of the Pipeline ({type(final).__name__})"
            if isinstance(estimator, Pipeline)
            else type(estimator).__name__
        )
        raise TypeError(
            f"{caller} needs a probabilistic regressor with predict_dist(X) (for example "
            f"skvol.ProbabilisticLSTMRegressor or skvol.HARRegressor); {where} has none"
        )
    Xt = X
    pipe = estimator
    while isinstance(pipe, Pipeline):
        if len(pipe.steps) > 1:
            Xt = pipe[:-1].transform(Xt)
        pipe = pipe.steps[-1][1]
    return final.predict_dist(Xt)


def dist_size(dist) -> int:
    """Number of elements of a frozen distribution (its broadcast parameter size)."""
    params = list(dist.args) + list(dist.kwds.values())
    return int(np.broadcast(*params).size) if params else 1


def take_rows(dist, positions: np.ndarray, n_rows: int, caller: str):
    """The elements ``positions`` of a frozen distribution predicted for ``n_rows`` rows."""
    size = dist_size(dist)
    if size not in (1, n_rows):
        raise ValueError(
            f"{caller}: predict_dist returned a distribution with {size} elements for {n_rows} rows"
        )
    params = dist_params(dist)
    return dist.dist(
        **{name: np.broadcast_to(value, (n_rows,))[positions] for name, value in params.items()}
    )
