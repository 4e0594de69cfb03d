"""The hooks behind ``--scheduler ADDRESS``: ``claimkit validate`` makes the same call as a local
run (``validate_paths``'s arguments and result), computed on the Dask cluster at ADDRESS;
``claimkit build`` sends its batches of pools there (claimkit/dask/build.py).

Only the findings are computed on the cluster; the CLI then writes the report, the 999/277CA
and the accepted/rejected split from the result in this process, so control numbers come from
one place (``--control-number``/``--control-file``) and never collide across workers.
"""
from __future__ import annotations

from typing import Any, Callable

from claimkit.errors import ConfigError

CONNECT_TIMEOUT = "30s"  # a scheduler on a busy machine or behind a gateway can be slow to answer


def connect(address: str) -> Any:
    """A ``distributed.Client`` of the scheduler at ``address``; ConfigError (one line, exit 2)
    without the dask extra or when the scheduler cannot be reached."""
    try:
        from distributed import Client
    except ImportError:
        raise ConfigError('--scheduler needs the dask extra: pip install "claimkit[dask]"') from None
    try:
        return Client(address, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ConfigError(f"--scheduler {address}: cannot reach the Dask scheduler "
                          f"({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})"
                          ) from None


def on_cluster(address: str) -> Callable[..., Any]:
    """A stand-in for ``claimkit.validation.validate_paths`` that runs on ``address``."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ConfigError('--scheduler needs the dask extra: pip install "claimkit[dask]"') from None

    def validate_paths(paths: Any, *, jobs: int = 0, **kw: Any) -> Any:
        from claimkit.dask.validate import validate_files

        del jobs  # (the cluster's worker threads decide how a large file is split)
        client = connect(address)
        try:
            return validate_files(paths, client, **kw)
        finally:
            client.close()

    return validate_paths
