"""Pages of a long list at the same cost at any depth, and a count that stops.

A list is ordered by one column and the primary key (the tie-break), which an
index serves. A page that follows a row already shown starts right after that
row's key (keyset, or "seek", paging): no OFFSET, so page 20,000 costs what
page 1 costs. A page asked for by number alone (a typed page number, an old
link) is reached by OFFSET from the nearest row known: a page mark
(:mod:`ektp_admin.list_marks`) where the view has them, the start, or the end.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class Order:
    """The list's order: ``column`` (ascending unless ``desc``), then ``key`` likewise."""

    column: Any
    key: Any
    desc: bool = False

    def clauses(self, reverse: bool = False) -> list[Any]:
        down = self.desc != reverse
        return [self.column.desc() if down else self.column.asc(), self.key.desc() if down else self.key.asc()]

    def beyond(self, value: Any, key: Any, reverse: bool = False, *, inclusive: bool = False) -> Any:
        """The rows after (value, key) in this order (before it when ``reverse``; the
        row itself too when ``inclusive``).

        Written as ``column >= value AND (column > value OR key > key)`` rather than
        a row comparison: every database serves it as a range of the column's index.
        """
        down = self.desc != reverse
        past = (self.key <= key if inclusive else self.key < key) if down else (
            self.key >= key if inclusive else self.key > key)
        if value is None:  # a NULL sorts apart on each database: restart from the key alone
            return past
        if down:
            return sa.and_(self.column <= value, sa.or_(self.column < value, past))
        return sa.and_(self.column >= value, sa.or_(self.column > value, past))


def capped_count(query: Any, key: Any, limit: int) -> tuple[int, bool]:
    """How many rows ``query`` (an ORM query) has, counting no further than ``limit``:
    ``(count, exact)``; past the limit ``(limit, False)``."""
    rows = query.with_entities(key).order_by(None).limit(limit + 1).subquery()
    found = int(query.session.execute(sa.select(sa.func.count()).select_from(rows)).scalar_one())
    return min(found, limit), found <= limit


def anchor_values(query: Any, order: Order, key: Any) -> tuple[Any, Any] | None:
    """The sort value and key of the row ``key`` if ``query`` lists it (else None:
    an anchor the user may not reach, or one no longer in the list, is ignored)."""
    row = query.with_entities(order.column, order.key).order_by(None).filter(order.key == key).first()
    return (row[0], row[1]) if row is not None else None


def page_after(query: Any, order: Order, anchor: tuple[Any, Any] | None, *, skip: int, size: int,
               keys_first: Any = None, inclusive: bool = False) -> list[Any]:
    """``size`` rows from ``skip`` rows past the anchor (or the start); ``inclusive``:
    counting the anchor's row as the first.

    ``keys_first``: a query to read the page's rows from by key once ``query`` gave
    the keys, even without a skip (a searched or filtered list: the list's query
    without its search and filters, so they are not evaluated twice; see :func:`_rows`)."""
    if anchor is not None:
        query = query.filter(order.beyond(*anchor, inclusive=inclusive))
    return _rows(query, order, order.clauses(), skip, size, keys_first)


def page_before(query: Any, order: Order, anchor: tuple[Any, Any] | None, *, skip: int, size: int,
                keys_first: Any = None) -> list[Any]:
    """``size`` rows ending ``skip`` rows before the anchor (or the end), in list order."""
    if anchor is not None:
        query = query.filter(order.beyond(*anchor, reverse=True))
    rows = _rows(query, order, order.clauses(reverse=True), skip, size, keys_first)
    rows.reverse()
    return rows


def _rows(query: Any, order: Order, clauses: list[Any], skip: int, size: int, keys_first: Any) -> list[Any]:
    query = query.order_by(None).order_by(*clauses)
    if not skip and keys_first is None:
        return list(query.limit(size))
    # The keys alone first: an OFFSET walks the sort order's index, and a filter whose
    # columns an index in sort order carries (the outstanding: ix_ektp_resident_name_outstanding)
    # is checked there (PostgreSQL reads such an index alone only for a query of its
    # columns); the rows (and the joins their display needs) are then read for the
    # page's keys only. One statement: the keys are a derived table the rows join.
    keys = query.with_entities(order.key.label("key")).offset(skip).limit(size).subquery("page_keys")
    rows = (keys_first if keys_first is not None else query).order_by(None)
    return list(rows.join(keys, order.key == keys.c.key).order_by(*clauses))


def rows_by_keys(session: Any, statement: Any, key: Any, *, limit: int, offset: int = 0) -> list[Any]:
    """One page of ``statement`` (a select of one model, ordered) with its keys read first:
    where an index carries the statement's filter and order, the keys come from the
    index alone and only the page's rows are read from the table (see :func:`_rows`)."""
    keys = statement.with_only_columns(key.label("key")).limit(limit).offset(offset).subquery("page_keys")
    return list(session.execute(statement.join(keys, key == keys.c.key)).scalars())


def rows_in_order(session: Any, statement: Any, key: Any, ids: list[Any], *, scalars: bool = False) -> list[Any]:
    """The rows of ``statement`` whose ``key`` is in ``ids`` (keys already read in
    order), in the order of ``ids``; a key without a row (deleted meanwhile, out of
    reach) is left out. ``scalars``: ``statement`` selects a model, give its objects."""
    if not ids:
        return []
    result = session.execute(statement.where(key.in_(ids)))
    found = {getattr(row, key.key): row for row in (result.scalars() if scalars else result)}
    return [found[i] for i in ids if i in found]
