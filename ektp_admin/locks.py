"""Row locks that make a check-then-write safe against a simultaneous save.

A visit's overlap check reads the kit's and the team's other visits, then the
save inserts its own. Two saves racing through that would both pass the check.
:func:`hold_rows` lets the database decide: the save's transaction *begins* by
locking the kit and team rows it books, so a second save for the same kit or
team waits until the first commits, and its check then reads the first's visit.

Per database:

- PostgreSQL: ``SELECT ... FOR NO KEY UPDATE`` on the rows (``with_for_update``);
  under READ COMMITTED (the default) every later statement sees what was
  committed before the lock was granted.
- MariaDB/MySQL: ``SELECT ... FOR UPDATE``. InnoDB's REPEATABLE READ fixes a
  transaction's snapshot at its first plain read, so the transaction that read
  the form's choices is ended first and the lock is the new one's first
  statement: the snapshot is taken after the lock was granted.
- SQLite: no row locks; the database's one write lock is taken instead with a
  write that changes nothing (``UPDATE ... WHERE 0``): pysqlite opens a
  transaction before it and SQLite takes the write lock for it, waiting up to the
  busy timeout for another writer. Its snapshot starts with that statement.
"""
from __future__ import annotations

from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import scoped_session


def hold_rows(session: Any, rows: Iterable[tuple[Any, Iterable[Any]]]) -> None:
    """Start a fresh transaction on ``session`` holding locks on the given rows.

    ``rows`` are ``(model, primary keys)`` pairs, locked in the order given and in
    key order within each, so two saves never wait for each other in a circle.
    Nothing is locked (and the transaction left alone) when no key is given. A
    session holding unsaved changes keeps its transaction (they are not committed
    behind its owner's back); the locks are then taken inside it.

    Raises what the database raises when it gives up waiting (a lock timeout, a
    deadlock, SQLite's "database is locked").
    """
    wanted = [(model, sorted(set(keys))) for model, keys in rows]
    wanted = [(model, keys) for model, keys in wanted if keys]
    if not wanted:
        return
    if isinstance(session, scoped_session):
        session = session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        # Only reads so far: end them, so the locks open the next transaction. The
        # objects read stay as they are (a form holds them); what the checks need
        # fresh they query after the locks, and the version check of the UPDATE
        # itself refuses a row changed meanwhile.
        expire, session.expire_on_commit = session.expire_on_commit, False
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
    for model, keys in wanted:
        table = model.__table__
        pk = table.primary_key.columns[0]
        if session.get_bind(mapper=model.__mapper__).dialect.name == "sqlite":
            # Core, not ORM: no flush, no audit, no version bump; matches no row.
            session.execute(sa.update(table).where(sa.false()).values({pk.name: pk}))
            return  # one lock for the whole database
        session.execute(sa.select(pk).where(pk.in_(keys)).order_by(pk).with_for_update(key_share=True)).all()
