"""What skvol knows about assets by name: the trading session each one keeps."""

from __future__ import annotations

#: Sessions (``skvol.data.SESSIONS``) of the assets known by name; keys are upper case,
#: without ``/`` or ``_`` (``"EUR_USD"`` and ``"eur/usd"`` are ``"EURUSD"``).
ASSET_SESSIONS: dict[str, str] = {
    "BTC": "24h",
    "BTCUSD": "24h",
    "XBTUSD": "24h",
    "ETH": "24h",
    "ETHUSD": "24h",
    "EURUSD": "fx",
    "GBPUSD": "fx",
    "USDJPY": "fx",
    "USDCHF": "fx",
    "AUDUSD": "fx",
    "USDCAD": "fx",
    "EURGBP": "fx",
    "EURJPY": "fx",
    "SPX": "us_equity",
    "SPXUSD": "us_equity",
    "SPY": "us_equity",
    "NDX": "us_equity",
    "DJI": "us_equity",
}


def session_for_asset(asset: str, overrides: dict[str, str] | None = None) -> str:
    """The trading session of ``asset``: an override, else the known table.

    Parameters
    ----------
    asset : str
        Asset name, matched case-insensitively and without ``/`` or ``_``.
    overrides : dict or None
        Sessions given explicitly, by exact asset name; they win.

    Returns
    -------
    str
        A session name of :func:`skvol.data.get_session` (``"24h"``, ``"fx"``,
        ``"us_equity"``).

    Raises
    ------
    ValueError
        When the asset is neither overridden nor known: skvol never guesses a session.

    Examples
    --------
    >>> from skvol.data import session_for_asset
    >>> session_for_asset("eur_usd"), session_for_asset("FOO", {"FOO": "24h"})
    ('fx', '24h')
    """
    if overrides and asset in overrides:
        return overrides[asset]
    key = asset.upper().replace("/", "").replace("_", "")
    if key in ASSET_SESSIONS:
        return ASSET_SESSIONS[key]
    raise ValueError(
        f"unknown session for asset {asset!r}: pass --session {asset}=24h|fx|us_equity "
        f"(known assets: {', '.join(sorted(ASSET_SESSIONS))})"
    )
