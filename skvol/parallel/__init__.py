"""skvol.parallel: feature extraction over many assets and files, one file at a time."""

from skvol.parallel._files import daily_features_from_files

__all__ = ["daily_features_from_files"]
