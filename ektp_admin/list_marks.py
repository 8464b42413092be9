"""Page marks: where page N of the residents list starts, at the cost of page 1.

The list is ordered by name (``name_key``) then id, and a page that follows a
page already shown seeks past its last row (:mod:`ektp_admin.queries.paging`).
A page asked for by its number alone (the "go to page" box, an old link) would
have to count past every resident before it: page 20,000 walks a million index
entries. A mark (:class:`~ektp_admin.models.ListMark`) is every ``SPACING``-th
resident of a scope (the whole regency, ``*``, and each kecamatan: what a
supervisor's and a clerk's unfiltered lists show) with how many residents sort
before it. Page N starts at the last mark at or before row ``N x page size``,
then skips fewer than ``SPACING`` rows.

Kept like the counters (:mod:`ektp_admin.counters`): the ORM session's flush
moves the marks after a resident added, removed, renamed or moved to another
kecamatan by one, in the flush's own transaction; a full count of the counters
(the bulk paths: a load, an import, ``flask ektp counters --rebuild``) sets them
again, one numbered pass per scope.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .flush_hooks import keep_on_flush
from .models import ListMark, Resident

#: one mark per this many residents of a scope: a page by number skips fewer rows than this
SPACING = 1000
#: the scope of the whole regency's list (a supervisor's, an admin's)
REGENCY = "*"

_MARK = ListMark.__table__
_RESIDENT = Resident.__table__
#: what places a resident in the list and its scopes (name_key and kecamatan_code follow from these)
_PLACING = ("name", "name_key", "desa_code", "kecamatan_code")

Place = tuple[str, str, int]  # kecamatan_code, name_key, id


@dataclass(frozen=True)
class Mark:
    position: int
    name_key: str
    resident_id: int


def scope_of(kecamatan_code: str | None) -> str:
    """The scope of a list held to ``kecamatan_code`` (None: the whole regency)."""
    return kecamatan_code or REGENCY


def nearest(conn: Any, scope: str, row: int) -> Mark | None:
    """The last mark of ``scope`` at or before the ``row``-th resident (0 the first); None
    when the scope has none (never built, or no residents)."""
    found = conn.execute(
        sa.select(_MARK.c.position, _MARK.c.name_key, _MARK.c.resident_id)
        .where(_MARK.c.scope == scope, _MARK.c.position <= row)
        .order_by(_MARK.c.position.desc()).limit(1)
    ).first()
    return Mark(int(found[0]), found[1], int(found[2])) if found is not None else None


def _numbered(partition: Any = None) -> Any:
    """(scope, name_key, id, position) of every ``SPACING``-th resident of each scope."""
    position = (sa.func.row_number().over(partition_by=partition,
                                          order_by=(_RESIDENT.c.name_key, _RESIDENT.c.id)) - 1).label("position")
    scope = _RESIDENT.c.kecamatan_code if partition is not None else sa.literal(REGENCY, sa.String(8))
    numbered = sa.select(scope.label("scope"), _RESIDENT.c.name_key, _RESIDENT.c.id.label("resident_id"),
                         position).subquery("numbered")
    return sa.select(numbered.c.scope, numbered.c.name_key, numbered.c.resident_id, numbered.c.position).where(
        numbered.c.position % SPACING == 0)


def rebuild(conn: Any) -> None:
    """Set every scope's marks again from the residents, inside the caller's transaction."""
    conn.execute(_MARK.delete())
    columns = ["scope", "name_key", "resident_id", "position"]
    conn.execute(_MARK.insert().from_select(columns, _numbered()))
    conn.execute(_MARK.insert().from_select(columns, _numbered(_RESIDENT.c.kecamatan_code)))


def check(conn: Any) -> list[tuple[str, int, int]]:
    """Marks whose position differs from a direct count: (scope, stored, counted); empty when all agree.

    The marks need not sit exactly every ``SPACING`` rows (residents added since
    move them apart): each is checked against the residents sorting before it."""
    wrong: list[tuple[str, int, int]] = []
    for scope, key, resident_id, position in conn.execute(
            sa.select(_MARK.c.scope, _MARK.c.name_key, _MARK.c.resident_id, _MARK.c.position)):
        before = sa.select(sa.func.count()).select_from(_RESIDENT).where(_before(key, resident_id))
        if scope != REGENCY:
            before = before.where(_RESIDENT.c.kecamatan_code == scope)
        counted = int(conn.execute(before).scalar_one())
        if counted != position:
            wrong.append((scope, int(position), counted))
    return wrong


def _before(key: str, resident_id: int) -> Any:
    return sa.or_(_RESIDENT.c.name_key < key, sa.and_(_RESIDENT.c.name_key == key, _RESIDENT.c.id < resident_id))


def move(conn: Any, place: Place, by: int) -> None:
    """A resident at ``place`` added (``by`` 1) or removed (-1): the marks after it move."""
    kecamatan_code, key, resident_id = place
    conn.execute(
        _MARK.update()
        .where(_MARK.c.scope.in_([REGENCY, kecamatan_code]), _MARK.c.name_key >= key,
               sa.or_(_MARK.c.name_key > key, _MARK.c.resident_id > resident_id))
        .values(position=_MARK.c.position + by)
    )


# ------------------------------------------------------------------ kept by the ORM, per flush

_PENDING = "ektp_list_marks_before"


def _stored(obj: Any, key: str) -> Any:
    """The attribute as the database holds it before this flush."""
    history = sa.inspect(obj).attrs[key].history
    if history.deleted:
        return history.deleted[0]
    if history.unchanged:
        return history.unchanged[0]
    return getattr(obj, key)


def _placed(session: Session) -> list[tuple[Any, Place | None]]:
    """Residents of this flush that may change place: each with its place before (None: new)."""
    found: list[tuple[Any, Place | None]] = []
    for obj in session.new:
        if isinstance(obj, Resident):
            found.append((obj, None))
    for obj in (*session.dirty, *session.deleted):
        if not isinstance(obj, Resident) or obj.id is None:
            continue
        state = sa.inspect(obj)
        if obj in session.deleted or any(state.attrs[key].history.has_changes() for key in _PLACING):
            found.append((obj, (_stored(obj, "kecamatan_code"), _stored(obj, "name_key"), obj.id)))
    return found


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    placed = _placed(session)
    if placed:
        session.info.setdefault(_PENDING, []).extend((obj, before, obj in session.deleted) for obj, before in placed)


def _after_flush(session: Session, flush_context: Any) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    moves: list[tuple[Place, int]] = []
    for obj, before, deleted in pending:
        after = None if deleted or obj.id is None else (obj.kecamatan_code, obj.name_key, obj.id)
        if before == after:
            continue
        if before is not None:
            moves.append((before, -1))
        if after is not None:
            moves.append((after, 1))
    conn = session.connection()
    for place, by in moves:
        move(conn, place, by)


def install(db: Any) -> None:
    """Keep the marks on the sessions of the given Flask-SQLAlchemy object (once)."""
    keep_on_flush(db, _PENDING, _before_flush, _after_flush)
