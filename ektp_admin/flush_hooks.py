"""Bookkeeping kept in the flush's own transaction (the counters, the list's page marks).

Each keeper reads what a flush is about to change (``before``), writes its
bookkeeping once the flush has written (``after``), and leaves what it noted in
``session.info[pending]``; a rollback forgets that note.
"""
from __future__ import annotations

from typing import Any, Callable

from sqlalchemy import event

_installed: set[tuple[int, str]] = set()


def keep_on_flush(db: Any, pending: str, before: Callable[..., Any], after: Callable[..., Any]) -> None:
    """Run ``before``/``after`` on every flush of ``db``'s sessions (once per db and keeper)."""
    if (id(db), pending) in _installed:
        return
    factory = db.session.session_factory
    event.listen(factory, "before_flush", before)
    event.listen(factory, "after_flush", after)
    event.listen(factory, "after_rollback", lambda session, *args: session.info.pop(pending, None))
    _installed.add((id(db), pending))
