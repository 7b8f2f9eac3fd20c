"""Asset grouping of panel columns.

A panel column is named ``"<asset>__<bin>"`` (for example ``"BTC__0005"``); a transformer
finds its assets from the prefix before the last ``"__"``. Columns without ``"__"`` (and
all columns of a plain ndarray, which has no names) belong to one unnamed asset, whose
output features carry no prefix (``"rv"`` instead of ``"BTC__rv"``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

SEP = "__"


def asset_of(column: str) -> str:
    """Return the asset prefix of a panel column name, ``""`` when it has none."""
    return column.rsplit(SEP, 1)[0] if SEP in column else ""


def group_assets(
    feature_names: Sequence[str] | None, n_features: int
) -> list[tuple[str, np.ndarray]]:
    """Group column positions by asset, in order of first appearance.

    Parameters
    ----------
    feature_names : sequence of str or None
        Column names (``feature_names_in_``); None for an unnamed ndarray.
    n_features : int
        Number of columns.

    Returns
    -------
    list of (asset, positions)
        ``asset`` is ``""`` for the unnamed asset; ``positions`` are integer indices into
        the columns, in their original order.
    """
    if feature_names is None:
        return [("", np.arange(n_features))]
    groups: dict[str, list[int]] = {}
    for i, name in enumerate(feature_names):
        groups.setdefault(asset_of(str(name)), []).append(i)
    return [(asset, np.asarray(pos, dtype=np.intp)) for asset, pos in groups.items()]


def feature_name(asset: str, suffix: str) -> str:
    """Name an output feature: ``"<asset>__<suffix>"``, or ``suffix`` for the unnamed asset."""
    return f"{asset}{SEP}{suffix}" if asset else suffix
