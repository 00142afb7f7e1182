"""A SQLite file opened the way every govsearch database is: WAL, foreign keys, one schema.

The store and the alerts database share this; each declares its schema and file name.
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


class SQLiteFile:
    """Base of our databases. Use as a context manager or call close()."""

    SCHEMA = ""
    FILE_NAME = ""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # check_same_thread off: the web app's worker threads may share one connection
        # object per request handler; SQLite itself serialises access.
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self.db.executescript(self.SCHEMA)

    @classmethod
    def open(cls, data_dir: str | Path):
        return cls(Path(data_dir) / cls.FILE_NAME)

    def close(self) -> None:
        self.db.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: a crash mid-way leaves the database as it was."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")
