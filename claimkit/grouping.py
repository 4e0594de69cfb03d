"""The build's sessions grouped on disk: flat memory whatever the input size and order.

Sessions of one claim (patient, date, payer, billing provider, rendering provider, place of
service) or of one CMS pool (the patient-day, Pub. 100-04 ch. 5 sec. 20.2) may be far apart in
the input. Holding every session until the last is read costs memory in proportion to the
input; instead each session is written, pickled, to a private temporary SQLite database with
its pool key and input position, and read back one pool at a time, pools in the order of their
first session (the order the in-memory build used), so the output is the same.

Repeats (claimkit/duplicates.py) always share the session ID: only the session IDs given more
than once are read back together to find them. Claim IDs already used (CLM01 uniqueness) live
in the same database, not in an unbounded set. So are the facts one patient ID has one of (the
birth date): a patient given two birth dates, in one file or two, is found by a query.
"""
from __future__ import annotations

import pickle
import sqlite3
from typing import Any, Iterable, Iterator, Sequence

from claimkit.diagnostics import Diagnostic
from claimkit.duplicates import id_repeats
from claimkit.errors import InputError
from claimkit.loaders import SessionOrigin, patient_conflicts, patient_facts
from claimkit.models.session import SessionRecord

_BATCH = 2000  # rows per executemany: few round trips, little memory
_IN_LIMIT = 500  # values per IN (...) query: under every SQLite build's limit of bound variables


class SessionIndex:
    """Sessions on disk, by pool; a context manager (the temporary folder goes at exit)."""

    def __init__(self, key_of: Any) -> None:
        """``key_of(rec, origin)`` gives (pool key, claim group key), see builder.claim_keys."""
        self._key_of = key_of
        # A private temporary database: SQLite keeps it in its page cache (a small input never
        # touches the disk) and spills it to a file in the temporary folder when the cache is
        # full, so memory stays bounded by the cache whatever the input size.
        self.db = sqlite3.connect("")
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=FILE", "cache_size=-16000"):
            self.db.execute(f"PRAGMA {pragma}")
        self.db.executescript(
            "CREATE TABLE sessions (pos INTEGER PRIMARY KEY, pool TEXT, sid TEXT, pid TEXT, facts TEXT,"
            " data BLOB);"
            "CREATE TABLE pools (key TEXT PRIMARY KEY, first INTEGER);"
            "CREATE TABLE taken (cid TEXT PRIMARY KEY);")
        self.count = 0
        self._rows: list[tuple] = []
        self._pools: list[tuple] = []

    def __enter__(self) -> SessionIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Drop the database (SQLite deletes its temporary file)."""
        self.db.close()

    def add_all(self, sessions: Iterable[tuple[SessionRecord, SessionOrigin]]) -> None:
        """Index sessions in input order (positions continue across calls)."""
        for rec, origin in sessions:
            pool, _ = self._key_of(rec, origin)
            k = repr(pool)
            self._rows.append((self.count, k, rec.session_id, rec.patient.id, patient_facts(rec),
                               pickle.dumps((rec, origin), pickle.HIGHEST_PROTOCOL)))
            self._pools.append((k, self.count))
            self.count += 1
            if len(self._rows) >= _BATCH:
                self._flush()
        self._flush()

    def _flush(self) -> None:
        if self._rows:
            self.db.executemany("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)", self._rows)
            # rows come in input order, so the first insert of a pool is its first session
            self.db.executemany("INSERT OR IGNORE INTO pools VALUES (?, ?)", self._pools)
            self._rows, self._pools = [], []

    def patient_conflicts(self) -> list[InputError]:
        """A problem for each session whose patient ID came before, in any file, with another
        birth date (loaders.patient_conflicts over the sessions of those patients only)."""
        pids = [r[0] for r in self.db.execute(
            "SELECT pid FROM sessions GROUP BY pid HAVING COUNT(DISTINCT facts) > 1")]
        rows: list[tuple[int, bytes]] = []
        for pid in pids:
            rows.extend(self.db.execute("SELECT pos, data FROM sessions WHERE pid = ?", (pid,)))
        rows.sort(key=lambda r: r[0])  # input order: the first value given is the one kept
        return patient_conflicts([pickle.loads(data) for _, data in rows])

    def repeats(self) -> tuple[set[int], list[tuple[int, int, Diagnostic]]]:
        """Exact repeats to drop and repeat findings (see duplicates.id_repeats), from the
        session IDs given more than once."""
        self.db.execute("CREATE INDEX IF NOT EXISTS by_sid ON sessions (sid, pos)")
        dropped: set[int] = set()
        found: list[tuple[int, int, Diagnostic]] = []
        ids = [r[0] for r in self.db.execute(
            "SELECT sid FROM sessions GROUP BY sid HAVING COUNT(*) > 1")]
        for sid in ids:
            rows = [(pos, *pickle.loads(data)) for pos, data in self.db.execute(
                "SELECT pos, data FROM sessions WHERE sid = ? ORDER BY pos", (sid,))]
            d, f = id_repeats(rows)
            dropped |= d
            found.extend(f)
        found.sort(key=lambda t: t[0])  # stable: the order of the input scan
        return dropped, found

    def pools(self) -> Iterator[list[tuple[int, SessionRecord, SessionOrigin]]]:
        """Each pool's sessions (input position, record, origin) in input order, pools in the
        order of their first session; SQLite sorts on disk."""
        for rows in self.pool_rows():
            yield [(pos, *pickle.loads(data)) for pos, data in rows]

    def pool_rows(self) -> Iterator[list[tuple[int, bytes]]]:
        """:meth:`pools` as stored: (input position, pickled (record, origin)) per session. The
        parallel build hands these bytes to its workers as they are: the client that reads the
        index never unpickles a session (claimkit/build_parallel.py)."""
        cur = self.db.execute("SELECT p.first, s.pos, s.data FROM sessions s JOIN pools p "
                              "ON s.pool = p.key ORDER BY p.first, s.pos")
        current: list[tuple[int, bytes]] = []
        first = None
        for f, pos, data in cur:
            if f != first and current:
                yield current
                current = []
            first = f
            current.append((pos, data))
        if current:
            yield current


class TakenIds:
    """Claim IDs used so far, kept in the index's database (``in`` and ``add``, like a set)."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __contains__(self, cid: object) -> bool:
        return self.db.execute("SELECT 1 FROM taken WHERE cid = ?", (cid,)).fetchone() is not None

    def add(self, cid: str) -> None:
        """Mark ``cid`` used."""
        self.db.execute("INSERT OR IGNORE INTO taken VALUES (?)", (cid,))

    def any_of(self, cids: Sequence[str]) -> bool:
        """True when one of ``cids`` is used already (a parallel build's check of a batch)."""
        for i in range(0, len(cids), _IN_LIMIT):
            part = list(cids[i:i + _IN_LIMIT])
            marks = ", ".join("?" * len(part))
            if self.db.execute(f"SELECT 1 FROM taken WHERE cid IN ({marks}) LIMIT 1", part).fetchone():
                return True
        return False

    def add_all(self, cids: Iterable[str]) -> None:
        """Mark every one of ``cids`` used."""
        self.db.executemany("INSERT OR IGNORE INTO taken VALUES (?)", ((c,) for c in cids))
