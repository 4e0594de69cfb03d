"""A list of validated claims kept on disk, not in memory (issue 14 item 1).

``validate(..., keep_claims=True)`` keeps every claim for triage (--accepted, --rejects, --ack):
held as objects, a 50,000-claim 837P needed well over a gigabyte. Each record is pickled as it
comes into an anonymous temporary file instead (unlinked at creation, so it goes away when the
spool is closed or the process ends, whatever the way it ends), and read back one at a time
each time the spool is iterated. Only the record offsets stay in memory (8 bytes a claim).
"""
from __future__ import annotations

import pickle
import tempfile
from array import array
from typing import IO, Any, Iterable, Iterator


class ClaimSpool:
    """An append-only sequence of picklable records on a temporary file; iterable many times.

    Supports what the validation does with its kept claims: ``append``, ``extend``, ``len``,
    iteration (lazy, in order), ``spool[i]`` and ``del spool[n:]`` (a file that turned out unusable drops the
    claims it gave). The file is created with the first record (in TMPDIR).
    """

    def __init__(self, items: Iterable[Any] = ()) -> None:
        """A spool holding ``items``."""
        self._file: IO[bytes] | None = None
        self._offsets = array("q")  # where each record starts
        self._end = 0
        self.extend(items)

    def append(self, item: Any) -> None:
        """Add one record at the end."""
        if self._file is None:
            self._file = tempfile.TemporaryFile(prefix="claimkit-claims-")
        f = self._file
        f.seek(self._end)
        pickle.dump(item, f, protocol=pickle.HIGHEST_PROTOCOL)
        self._offsets.append(self._end)
        self._end = f.tell()

    def extend(self, items: Iterable[Any]) -> None:
        """Add records at the end, in order."""
        for item in items:
            self.append(item)

    def __len__(self) -> int:
        return len(self._offsets)

    def __iter__(self) -> Iterator[Any]:
        f = self._file
        if f is None:
            return
        f.flush()
        pos, count = 0, len(self._offsets)
        for _ in range(count):
            # seek each time: appends and other iterations may move the shared position
            f.seek(pos)
            item = pickle.load(f)
            pos = f.tell()
            yield item

    def __getitem__(self, index: int) -> Any:
        """One record, read back from its offset (negative indices count from the end)."""
        if not isinstance(index, int):
            raise TypeError("a ClaimSpool is read by position (int) or by iterating it")
        if index < 0:
            index += len(self._offsets)
        if not 0 <= index < len(self._offsets) or self._file is None:
            raise IndexError("ClaimSpool index out of range")
        self._file.flush()
        self._file.seek(self._offsets[index])
        return pickle.load(self._file)

    def __delitem__(self, index: slice) -> None:
        if not isinstance(index, slice) or index.step is not None or index.stop is not None:
            raise TypeError("a ClaimSpool drops records from the end only: del spool[n:]")
        start = index.start or 0
        if start < len(self._offsets):
            self._end = self._offsets[start]
            del self._offsets[start:]
            if self._file is not None:
                self._file.truncate(self._end)

    def __reduce__(self) -> tuple[Any, tuple[list[Any]]]:
        # to another process (a Dask worker's result): the records travel, not the file
        return (ClaimSpool, (list(self),))

    def close(self) -> None:
        """Drop every record and the temporary file."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._offsets = array("q")
        self._end = 0

    def __repr__(self) -> str:
        return f"ClaimSpool({len(self)} records)"
