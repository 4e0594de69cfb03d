"""claimkit on Dask: 837P files as a DataFrame of claim lines, and validation on a cluster.

Needs the optional extra: ``pip install "claimkit[dask]"`` (dask[dataframe], distributed,
pyarrow). See docs/scale.md for pointing it at an existing cluster.

- :func:`read_837` / :func:`to_parquet`: one row per service line, no PHI unless ``phi=True``.
- :func:`validate_files`: what ``claimkit.validation.validate_paths`` returns, computed on the
  cluster (each file a task; a large 837P one task per share of it, whole transaction sets or
  part of a large one cut at its subscriber loops).
"""
from __future__ import annotations

from typing import Any

__all__ = ["read_837", "to_parquet", "validate_files"]


def __getattr__(name: str) -> Any:
    # Imported on first use: `import claimkit.dask` works (and says what is missing) without
    # pulling pandas/pyarrow in for callers that only validate.
    if name in ("read_837", "to_parquet"):
        from claimkit.dask import frame

        return getattr(frame, name)
    if name == "validate_files":
        from claimkit.dask.validate import validate_files

        return validate_files
    raise AttributeError(f"module 'claimkit.dask' has no attribute {name!r}")
