"""Market data: file readers, the Kaggle download, the intraday panel and the simulated market."""

__all__: list[str] = []
