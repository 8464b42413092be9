"""The import's scratch files: the spool of checked rows, and the report.

Both are SQLite files in the import's own folder, so memory does not grow with
the file whatever its size:

- the **spool** holds every row read (line, NIK, whether it may be written) and
  the checked values of the valid ones (row by row, or - the resident import -
  as the marshalled batches handed to the writer, stored once as they are);
  duplicate NIKs are found with one GROUP BY over it, and a second write reads
  the valid rows back in line order without parsing the file again. It is
  removed when the import ends.
- the **report** holds each bad row's problems (line, column, message) and,
  for a full refresh, the residents the file does not name. It stays, so the
  screen and the CSV download can show it later.
"""
from __future__ import annotations

import json
import marshal
import os
import sqlite3
import time
from typing import Any, Callable, Iterator

from ..domain.messages import Message
from .reading import Label

SPOOL_NAME = "spool.sqlite"
REPORT_NAME = "report.sqlite"
_BUFFER = 5000


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=OFF")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("PRAGMA temp_store=FILE")
    return conn


class Spool:
    """Rows read, in a scratch SQLite file (see the module's docstring)."""

    def __init__(self, folder: str, *, existing: bool = False) -> None:
        """A new spool in ``folder``, or (``existing``) the one the checker filled."""
        self.path = os.path.join(folder, SPOOL_NAME)
        if existing:
            if not os.path.exists(self.path):
                raise FileNotFoundError(self.path)
            self.conn = _connect(self.path)
        else:
            if os.path.exists(self.path):
                os.remove(self.path)
            self.conn = _connect(self.path)
            self.conn.execute("CREATE TABLE rows (line INTEGER PRIMARY KEY, nik TEXT, ok INTEGER NOT NULL, data BLOB)")
            self.conn.execute("CREATE TABLE batches (last_line INTEGER PRIMARY KEY, lines BLOB, data BLOB)")
        self._buffer: list[tuple[int, str, int, bytes | None]] = []

    def add(self, line: int, nik: str, values: tuple[Any, ...] | list[Any] | None) -> None:
        """A row and, when it may be written, its values."""
        self._buffer.append((line, nik, 0 if values is None else 1,
                             None if values is None else marshal.dumps(values)))
        if len(self._buffer) >= _BUFFER:
            self._flush()

    def add_row(self, line: int, nik: str, ok: bool) -> None:
        """A row whose values, when it may be written, come in a batch (:meth:`add_batch`)."""
        self._buffer.append((line, nik, 1 if ok else 0, None))
        if len(self._buffer) >= _BUFFER:
            self._flush()

    def add_batch(self, lines: list[int], data: bytes) -> None:
        """The values of the valid rows ``lines`` (added with :meth:`add_row`), marshalled
        as one list in that order: stored as they are."""
        self.conn.execute("INSERT INTO batches VALUES (?, ?, ?)", (lines[-1], marshal.dumps(lines), data))

    def _flush(self) -> None:
        if self._buffer:
            self.conn.execute("BEGIN")
            self.conn.executemany("INSERT INTO rows VALUES (?, ?, ?, ?)", self._buffer)
            self.conn.execute("COMMIT")
            self._buffer.clear()

    def loaded(self) -> None:
        """All rows are in: index the NIKs."""
        self._flush()
        self.conn.execute("CREATE INDEX rows_nik ON rows (nik)")

    def duplicates(self) -> Iterator[tuple[str, list[int]]]:
        """(NIK, its lines) of every NIK on more than one row."""
        query = ("SELECT nik, group_concat(line) FROM rows WHERE nik <> '' GROUP BY nik HAVING count(*) > 1 "
                 "ORDER BY min(line)")
        for nik, lines in self.conn.execute(query):
            yield nik, sorted(int(x) for x in lines.split(","))

    def refuse(self, lines: list[int]) -> None:
        self.conn.execute("BEGIN")
        self.conn.executemany("UPDATE rows SET ok = 0 WHERE line = ?", [(n,) for n in lines])
        self.conn.execute("COMMIT")

    def count(self, ok: bool | None = None) -> int:
        if ok is None:
            return int(self.conn.execute("SELECT count(*) FROM rows").fetchone()[0])
        return int(self.conn.execute("SELECT count(*) FROM rows WHERE ok = ?", (1 if ok else 0,)).fetchone()[0])

    def batches(self, size: int) -> Iterator[list[tuple[int, Any]]]:
        """The valid rows, ``size`` at a time, in line order: (line, values)."""
        if self.conn.execute("SELECT 1 FROM batches LIMIT 1").fetchone() is not None:
            yield from self._stored_batches(size)
            return
        last = 0
        while True:
            rows = self.conn.execute("SELECT line, data FROM rows WHERE ok = 1 AND line > ? ORDER BY line LIMIT ?",
                                     (last, size)).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            yield [(line, marshal.loads(data)) for line, data in rows]

    def _stored_batches(self, size: int) -> Iterator[list[tuple[int, Any]]]:
        """:meth:`batches` of a spool filled with :meth:`add_batch`: each batch less the
        rows refused since (:meth:`refuse`), regrouped by ``size``."""
        pending: list[tuple[int, Any]] = []
        last = 0
        while True:
            found = self.conn.execute("SELECT last_line, lines, data FROM batches WHERE last_line > ? "
                                      "ORDER BY last_line LIMIT 1", (last,)).fetchone()
            if found is None:
                break
            last, lines, data = found[0], marshal.loads(found[1]), marshal.loads(found[2])
            refused = self._refused(lines)
            pending += [(line, values) for line, values in zip(lines, data) if line not in refused]
            while len(pending) >= size:
                yield pending[:size]
                pending = pending[size:]
        if pending:
            yield pending

    def _refused(self, lines: list[int]) -> set[int]:
        """Which of ``lines`` may no longer be written."""
        return self._found("line", "ok = 0 AND line", lines)

    def niks_present(self, niks: list[str]) -> set[str]:
        """Which of ``niks`` the file names (on any row, valid or not)."""
        return self._found("nik", "nik", niks)

    def _found(self, column: str, where: str, values: list[Any]) -> set[Any]:
        """``column`` of the stored rows where ``<where> IN values`` (500 values a statement)."""
        found: set[Any] = set()
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found.update(v for (v,) in self.conn.execute(f"SELECT {column} FROM rows WHERE {where} IN ({marks})", chunk))
        return found

    def close(self, *, remove: bool = True) -> None:
        self.conn.close()
        if remove and os.path.exists(self.path):
            os.remove(self.path)


# ---------------------------------------------------------------------- the report


def _param_out(value: Any) -> Any:
    label = getattr(value, "label", None)
    if label:
        return {"label": str(label)}
    if isinstance(value, tuple) and value and all(getattr(v, "label", None) for v in value):
        return {"labels": [str(v.label) for v in value]}
    if isinstance(value, (int, float, str)) or value is None:
        return value
    return str(value)


def _param_in(value: Any) -> Any:
    if isinstance(value, dict):
        if "label" in value:
            return Label(value["label"])
        if "labels" in value:
            return tuple(Label(v) for v in value["labels"])
    return value


def message_to_json(message: Message) -> str:
    return json.dumps({"code": message.code, "text": message.text,
                       "params": {k: _param_out(v) for k, v in dict(message.params).items()}}, ensure_ascii=False)


def message_from_json(text: str) -> Message:
    data = json.loads(text)
    return Message(data["code"], data["text"], {k: _param_in(v) for k, v in (data.get("params") or {}).items()})


class Report:
    """Each bad row's problems, and the residents a full refresh did not name."""

    def __init__(self, folder: str, *, create: bool = False) -> None:
        self.folder = folder
        self.path = os.path.join(folder, REPORT_NAME)
        if create and os.path.exists(self.path):
            os.remove(self.path)
        if not create and not os.path.exists(self.path):
            raise FileNotFoundError(self.path)
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        if create:
            self.conn.execute("PRAGMA journal_mode=OFF")
            self.conn.execute("CREATE TABLE issues (id INTEGER PRIMARY KEY, line INTEGER, col TEXT, nik TEXT, "
                              "severity TEXT, message TEXT)")
            self.conn.execute("CREATE TABLE absent (nik TEXT, name TEXT, desa_code TEXT)")
        self._buffer: list[tuple[int, str, str, str, str]] = []
        self._absent: list[tuple[str, str, str]] = []

    def add(self, line: int, column: str, nik: str, severity: str, message: Message) -> None:
        self._buffer.append((line, column, nik, severity, message_to_json(message)))
        if len(self._buffer) >= _BUFFER:
            self.flush()

    def add_absent(self, nik: str, name: str, desa_code: str) -> None:
        self._absent.append((nik, name, desa_code))
        if len(self._absent) >= _BUFFER:
            self.flush()

    def flush(self) -> None:
        if self._buffer:
            self.conn.executemany("INSERT INTO issues (line, col, nik, severity, message) VALUES (?, ?, ?, ?, ?)",
                                  self._buffer)
            self._buffer.clear()
        if self._absent:
            self.conn.executemany("INSERT INTO absent VALUES (?, ?, ?)", self._absent)
            self._absent.clear()

    def finish(self) -> None:
        self.flush()
        self.conn.execute("CREATE INDEX IF NOT EXISTS issues_line ON issues (line, id)")

    def issues(self, *, limit: int | None = None, offset: int = 0,
               severity: str | None = None) -> Iterator[tuple[int, str, str, str, Message]]:
        """(line, column, NIK, severity, message), by line."""
        query = "SELECT line, col, nik, severity, message FROM issues"
        args: list[Any] = []
        if severity:
            query += " WHERE severity = ?"
            args.append(severity)
        query += " ORDER BY line, id"
        if limit is not None:
            query += " LIMIT ? OFFSET ?"
            args += [limit, offset]
        for line, col, nik, sev, message in self.conn.execute(query, args):
            yield line, col, nik, sev, message_from_json(message)

    def issue_count(self, severity: str | None = None) -> int:
        if severity:
            return int(self.conn.execute("SELECT count(*) FROM issues WHERE severity = ?", (severity,)).fetchone()[0])
        return int(self.conn.execute("SELECT count(*) FROM issues").fetchone()[0])

    def absent(self, *, limit: int | None = None) -> Iterator[tuple[str, str, str]]:
        query = "SELECT nik, name, desa_code FROM absent ORDER BY desa_code, nik"
        if limit is not None:
            query += f" LIMIT {int(limit)}"
        yield from self.conn.execute(query)

    def close(self) -> None:
        self.flush()
        self.conn.close()


# ---------------------------------------------------------------------- progress

Sink = Callable[[str, int, "int | None"], None]


class Progress:
    """Passes (phase, done, total) on to ``sink`` at most every ``interval`` seconds
    (and always on a change of phase or at the end of one)."""

    def __init__(self, sink: Sink | None, interval: float = 0.5) -> None:
        self.sink = sink
        self.interval = interval
        self.phase = ""
        self._last = 0.0

    def __call__(self, phase: str, done: int, total: int | None = None, *, force: bool = False) -> None:
        if self.sink is None:
            return
        now = time.monotonic()
        if force or phase != self.phase or now - self._last >= self.interval:
            self.phase = phase
            self._last = now
            self.sink(phase, done, total)
