"""Copying the embedded store's write-ahead log into the database file in the background, off the write path.

With ``journal_mode = WAL`` SQLite appends every commit to the ``-wal`` file, and by default the connection that
commits past 1,000 logged pages copies the log back into the database and syncs both files, inside its ``COMMIT``.
On a bulk load of small adds (a thousand users' triples, one transaction each) that made one commit in ten take
30-110 ms and half of all commit time (issue 13). Here a daemon thread with its own connection runs a ``PASSIVE``
checkpoint shortly after writes (it never blocks readers or writers, and copies what no reader still needs), and
the store's connections only checkpoint themselves past ``FALLBACK_PAGES``, should this thread fall behind.

Durability is unchanged: a commit is in the log when ``COMMIT`` returns, whichever connection later copies it.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable

# A writer's own checkpoint threshold (``PRAGMA wal_autocheckpoint``, in pages): only reached when the background
# thread cannot keep up (or another process's long read holds the log), so the log stays bounded (~40 MB at 4 KB).
FALLBACK_PAGES = 10_000

# Writes that come within this many seconds of a checkpoint share the next one: a bulk load is checkpointed a few
# times a second, not once per commit.
SETTLE_SECONDS = 0.25


class Checkpointer:
    """Runs ``PRAGMA wal_checkpoint(PASSIVE)`` on its own connection after ``wrote()`` is called, at most once per
    ``SETTLE_SECONDS``; ``close()`` stops it (a checkpoint under way finishes first)."""

    def __init__(self, connect: Callable[[], sqlite3.Connection], name: str) -> None:
        self._connect = connect
        self._due = threading.Event()
        self._closing = threading.Event()
        self.checkpoints = 0  # completed passes, for tests and diagnostics
        self._thread = threading.Thread(target=self._run, name=f"graphmem-wal-checkpoint:{name}", daemon=True)
        self._thread.start()

    def wrote(self) -> None:
        """A transaction committed: checkpoint soon."""
        self._due.set()

    def close(self) -> None:
        self._closing.set()
        self._due.set()
        self._thread.join()

    def _run(self) -> None:
        try:
            conn = self._connect()
        except Exception:  # the store could not be opened again: writers keep checkpointing themselves
            return
        try:
            while True:
                self._due.wait()
                if self._closing.is_set():
                    return
                self._due.clear()
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                    self.checkpoints += 1
                except sqlite3.Error:  # busy or interrupted: the next write tries again, the fallback still holds
                    pass
                if self._closing.wait(SETTLE_SECONDS):
                    return
        finally:
            conn.close()
