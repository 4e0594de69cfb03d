"""``claimkit build --scheduler ADDRESS``: the build's batches of pools as tasks on a Dask cluster.

The client keeps the session index, the order of the pools, the claim IDs taken, the policy,
the control numbers and the outputs (claimkit/build_parallel.py); each task builds and checks
one batch of pools and returns claim IDs, findings and X12 text. Sessions travel in the tasks
(pickled as the index stores them), so the workers need no access to the session files; they
need the codeset store the practice names, at the same path (else the bundled codesets).
"""
from __future__ import annotations

from datetime import date
from typing import Any

from claimkit.dask.cli import connect


class ClusterWorkers:
    """The worker threads of the Dask cluster at ``address`` (connected at once: an unreachable
    scheduler is a ConfigError before any work)."""

    warm_here = False  # (workers load their own validator once, see tasks.validator)

    def __init__(self, address: str) -> None:
        self.client: Any = connect(address)
        self.slots = 1
        self.job: Any = None

    def setup(self, *, practice: Any, registry: Any, today: date, selection: Any) -> None:
        """The run's settings, sent once to every worker (not once per task)."""
        from claimkit.dask.tasks import Job

        job = Job.make(today=today, kind="sessions", practice=practice, registry=registry,
                       selection=selection)
        # a key of its own (hash=False): a run that ends releases its copy, which must not be
        # the one the next run with the same settings uses
        self.job = self.client.scatter(job, broadcast=True, hash=False)

    def start(self) -> None:
        """Count the cluster's worker threads (batches in flight are bounded by them)."""
        self.slots = max(1, sum(self.client.nthreads().values()))

    def submit(self, batch: Any) -> Any:
        """One task for ``batch``."""
        from claimkit.dask.tasks import build_batch

        return self.client.submit(build_batch, self.job, batch, pure=False)

    def result(self, fut: Any) -> Any:
        """The task's result (a worker's ClaimkitError is raised here, intact)."""
        return fut.result()

    def close(self, pending: list[Any]) -> None:
        """Cancel the tasks not merged (after an error) and disconnect (once)."""
        client, self.client = self.client, None
        if client is None:
            return
        try:
            if pending:
                client.cancel(pending)
        finally:
            client.close()
