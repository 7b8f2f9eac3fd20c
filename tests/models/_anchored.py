"""Checks shared by the HAR-anchored models' tests (per-asset and cross-asset)."""

from __future__ import annotations

import numpy as np

#: Fit settings under which every trained epoch is kept and the correction is free to move.
FREE = dict(lr=0.05, patience=None, correction_penalty=0.0, random_state=0)


def correction_shift(make, X, Y, bound: float, scale) -> np.ndarray:
    """``|mean - HAR mean| / s`` of a model trained freely with ``correction_bound=bound``.

    ``make(**params)`` builds the anchored model; ``scale(model)`` returns its anchor
    scale ``s`` (broadcast against ``predict``). The reference is the untrained model
    (``max_epochs=0``), which is the HAR anchor itself.
    """
    har = make(max_epochs=0).fit(X, Y)
    model = make(max_epochs=6, correction_bound=bound, **FREE).fit(X, Y)
    return np.abs(model.predict(X) - har.predict(X)) / scale(model)
