"""The per-desa counters: kept in the same transaction as what they count.

One mechanism for every write: the ORM session (every form, visit result and
service write) runs :func:`_before_flush` / :func:`_after_flush`, which read the
affected residents as stored before and after the flush and add the difference
of their cells (:func:`ektp_admin.domain.counting.resident_cells`) to the
counters, in the flush's own transaction. The bulk paths that bypass the ORM
(population import, status sync, the demo) call :func:`rebuild` at the end of
their own transaction, for the kecamatan they touched or for everything.

:func:`rebuild` and :func:`check` count the residents directly (one GROUP BY
per kind); ``flask ektp counters --rebuild`` / ``--check`` run them.
"""
from __future__ import annotations

import collections
import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.orm import Session

from . import list_marks
from .domain import counting
from .domain.counting import CounterWindow
from .domain.eligibility import LANSIA_AGE, OUTSTANDING_STATUSES, WAJIB_KTP_AGE
from .domain.enums import Citizenship, KtpStatus, MaritalStatus, ResultKind
from .flush_hooks import keep_on_flush
from .models import Counter, CounterWindow as WindowRow, Resident, Visit, VisitResult
from .queries.counted import _as_date, read_window

_COUNTER = Counter.__table__
_WINDOW = WindowRow.__table__
_RESIDENT = Resident.__table__
_OUTSTANDING = [s.value for s in OUTSTANDING_STATUSES]
_WINDOW_ID = 1
#: resident ids per IN (...) list
_CHUNK = 500

Cell = tuple[str, str, dt.date]  # desa_code, kind, day


# ------------------------------------------------------------------ counting directly (rebuild, check)


def _case_key(window: CounterWindow, age: int) -> Any:
    low, high = window.bounds(age)
    born = _RESIDENT.c.birth_date
    return sa.case(
        (born <= sa.literal(low, sa.Date), sa.literal(low, sa.Date)),
        (born >= sa.literal(high, sa.Date), sa.literal(high, sa.Date)),
        else_=born,
    )


def _wajib_key(window: CounterWindow) -> Any:
    low = window.bounds(WAJIB_KTP_AGE)[0]
    return sa.case(
        (_RESIDENT.c.marital_status != MaritalStatus.SINGLE.value, sa.literal(low, sa.Date)),
        else_=_case_key(window, WAJIB_KTP_AGE),
    )


def _eligible() -> Any:
    return sa.and_(_RESIDENT.c.departure.is_(None), _RESIDENT.c.citizenship != Citizenship.WNA_OTHER.value)


def _not_away() -> Any:
    return _RESIDENT.c.away.is_(False)


def _outstanding() -> Any:
    return _RESIDENT.c.ktp_status.in_(_OUTSTANDING)


def _grouped(kind: Any, day: Any, where: Any, kecamatan: list[str] | None, source: Any = None,
             desa: Any = _RESIDENT.c.desa_code) -> Any:
    """SELECT desa_code, kind, day, n: grouped over a subquery (PostgreSQL will not group
    by an expression holding bound parameters)."""
    if kecamatan is not None:
        where = sa.and_(where, _RESIDENT.c.kecamatan_code.in_(kecamatan))
    inner = sa.select(desa.label("desa_code"), kind.label("kind"), day.label("day")).where(where)
    if source is not None:
        inner = inner.select_from(source)
    sub = inner.subquery("cells")
    return sa.select(sub.c.desa_code, sub.c.kind, sub.c.day, sa.func.count().label("n")).group_by(
        sub.c.desa_code, sub.c.kind, sub.c.day
    )


def direct_selects(window: CounterWindow, kecamatan: list[str] | None = None) -> list[Any]:
    """The counters counted from the residents: SELECTs of (desa_code, kind, day, n)."""
    group = sa.case(
        (_outstanding(), sa.literal(counting.KIND_WAJIB_OUTSTANDING)),
        (_RESIDENT.c.ktp_status == KtpStatus.DUPLICATE.value, sa.literal(counting.KIND_WAJIB_DUPLICATE)),
        else_=sa.literal(counting.KIND_WAJIB_OTHER),
    )
    wajib_key = _wajib_key(window)
    out = sa.and_(_eligible(), _outstanding())
    visit = Visit.__table__
    result = VisitResult.__table__
    return [
        _grouped(group, wajib_key, _eligible(), kecamatan),
        _grouped(sa.literal(counting.KIND_AWAY), wajib_key, sa.and_(out, _RESIDENT.c.away.is_(True)), kecamatan),
        _grouped(sa.literal(counting.KIND_DISABLED_OR_ILL), wajib_key,
                 sa.and_(out, sa.or_(_RESIDENT.c.disabled.is_(True), _RESIDENT.c.seriously_ill.is_(True))), kecamatan),
        _grouped(sa.literal(counting.KIND_LANSIA), _case_key(window, LANSIA_AGE), out, kecamatan),
        _grouped(sa.literal(counting.KIND_HOME_ILL), wajib_key,
                 sa.and_(out, _not_away(), sa.or_(_RESIDENT.c.disabled.is_(True), _RESIDENT.c.seriously_ill.is_(True))),
                 kecamatan),
        _grouped(sa.literal(counting.KIND_HOME_LANSIA), _case_key(window, LANSIA_AGE),
                 sa.and_(out, _not_away(), sa.not_(sa.or_(_RESIDENT.c.disabled.is_(True),
                                                          _RESIDENT.c.seriously_ill.is_(True)))),
                 kecamatan),
        _grouped(sa.literal(counting.KIND_MARRIED_BY_BIRTH), _case_key(window, WAJIB_KTP_AGE),
                 sa.and_(out, _RESIDENT.c.marital_status != MaritalStatus.SINGLE.value), kecamatan),
        _grouped(
            sa.literal(counting.KIND_RECORDED), visit.c.day,
            sa.and_(result.c.result == ResultKind.RECORDED.value, _RESIDENT.c.ktp_status != KtpStatus.DUPLICATE.value),
            kecamatan,
            source=result.join(visit, visit.c.id == result.c.visit_id).join(
                _RESIDENT, _RESIDENT.c.id == result.c.resident_id),
        ),
    ]


def count_directly(conn: Any, window: CounterWindow, kecamatan: list[str] | None = None) -> dict[Cell, int]:
    found: dict[Cell, int] = {}
    for select in direct_selects(window, kecamatan):
        for desa_code, kind, day, n in conn.execute(select):
            found[(desa_code, kind, _as_date(day))] = int(n)
    return found


def stored(conn: Any, kecamatan: list[str] | None = None) -> dict[Cell, int]:
    query = sa.select(_COUNTER.c.desa_code, _COUNTER.c.kind, _COUNTER.c.day, _COUNTER.c.n).where(_COUNTER.c.n != 0)
    if kecamatan is not None:
        query = query.where(_COUNTER.c.kecamatan_code.in_(kecamatan))
    return {(d, k, _as_date(day)): int(n) for d, k, day, n in conn.execute(query)}


def rebuild(conn: Any, on: dt.date | None = None, kecamatan: Iterable[str] | None = None, *,
            recentre: bool = False) -> CounterWindow:
    """Count the residents again into the counters, inside the caller's transaction.

    ``kecamatan``: only those kecamatan's cells; None: everything. The window stays
    unless ``recentre`` or none exists yet: then a new one around ``on`` (default:
    the reference day), and every cell is counted again.
    """
    window = read_window(conn)
    codes = sorted(set(kecamatan)) if kecamatan is not None else None
    if window is None or recentre:
        window = CounterWindow.around(on or _reference_date())
        conn.execute(_WINDOW.delete())
        conn.execute(sa.insert(_WINDOW).values(id=_WINDOW_ID, first_day=window.first, last_day=window.last,
                                                built_at=dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)))
        codes = None
    if codes is None:
        conn.execute(_COUNTER.delete())
        # A full count comes after the bulk writes (a load, an import, the CLI): the
        # list's page marks are set again at the same moments, in the same transaction.
        list_marks.rebuild(conn)
    elif not codes:
        return window
    else:
        conn.execute(_COUNTER.delete().where(_COUNTER.c.kecamatan_code.in_(codes)))
    columns = ["desa_code", "kecamatan_code", "kind", "day", "n"]
    for select in direct_selects(window, codes):
        sub = select.subquery("counted")
        conn.execute(_COUNTER.insert().from_select(
            columns, sa.select(sub.c.desa_code, sa.func.substr(sub.c.desa_code, 1, 8), sub.c.kind, sub.c.day, sub.c.n)))
    return window


@dataclass(frozen=True)
class Difference:
    desa_code: str
    kind: str
    day: dt.date
    stored: int
    counted: int


def check(conn: Any, kecamatan: Iterable[str] | None = None) -> list[Difference]:
    """Every cell whose stored count differs from a direct count (empty: all agree).

    Counters never built count as one difference per counted cell."""
    codes = sorted(set(kecamatan)) if kecamatan is not None else None
    window = read_window(conn)
    if window is None:
        window = CounterWindow.around(_reference_date())
    have = stored(conn, codes)
    want = count_directly(conn, window, codes)
    return [
        Difference(cell[0], cell[1], cell[2], have.get(cell, 0), want.get(cell, 0))
        for cell in sorted(set(have) | set(want))
        if have.get(cell, 0) != want.get(cell, 0)
    ]


def _reference_date() -> dt.date:
    from .queries.clauses import reference_date

    return reference_date()


# ------------------------------------------------------------------ kept by the ORM, per flush


_PENDING = "ektp_counters_before"


def _cells_of(conn: Any, window: CounterWindow, ids: set[int]) -> collections.Counter[Cell]:
    """The cells of the residents ``ids`` as the database holds them now."""
    cells: collections.Counter[Cell] = collections.Counter()
    if not ids:
        return cells
    result = VisitResult.__table__
    visit = Visit.__table__
    for chunk in _chunks(sorted(ids)):
        days: dict[int, list[dt.date]] = collections.defaultdict(list)
        for resident_id, day in conn.execute(
            sa.select(result.c.resident_id, visit.c.day)
            .join(visit, visit.c.id == result.c.visit_id)
            .where(result.c.resident_id.in_(chunk), result.c.result == ResultKind.RECORDED.value)
        ):
            days[resident_id].append(_as_date(day))
        for row in conn.execute(
            sa.select(_RESIDENT.c.id, _RESIDENT.c.desa_code, _RESIDENT.c.birth_date, _RESIDENT.c.marital_status,
                      _RESIDENT.c.citizenship, _RESIDENT.c.departure, _RESIDENT.c.ktp_status, _RESIDENT.c.disabled,
                      _RESIDENT.c.seriously_ill, _RESIDENT.c.away)
            .where(_RESIDENT.c.id.in_(chunk))
        ):
            for kind, day in counting.resident_cells(
                window, birth_date=_as_date(row.birth_date), marital_status=row.marital_status,
                citizenship=row.citizenship, departure=row.departure, ktp_status=row.ktp_status,
                disabled=bool(row.disabled), seriously_ill=bool(row.seriously_ill), away=bool(row.away),
                recorded_days=tuple(days.get(row.id, ())),
            ):
                cells[(row.desa_code, kind, day)] += 1
    return cells


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start:start + _CHUNK]


def _history_values(obj: Any, key: str) -> set[Any]:
    """The attribute's value now and before this flush's change (loaded values only)."""
    history = sa.inspect(obj).attrs[key].history
    return {v for v in (*history.added, *history.unchanged, *history.deleted) if v is not None}


def _touched_residents(session: Session) -> tuple[set[int], list[Any]]:
    """Resident ids whose cells this flush may change, and the new residents (no id yet)."""
    ids: set[int] = set()
    new: list[Any] = []
    changed_visits: list[int] = []
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Resident):
            if obj.id is None:
                new.append(obj)
            elif obj in session.new or obj in session.deleted or session.is_modified(obj, include_collections=False):
                ids.add(obj.id)
        elif isinstance(obj, VisitResult):
            ids |= _history_values(obj, "resident_id")
            if obj.resident_id is not None:
                ids.add(obj.resident_id)
            elif obj.resident is not None:
                if obj.resident.id is None:
                    new.append(obj.resident)
                else:
                    ids.add(obj.resident.id)
        elif isinstance(obj, Visit) and obj.id is not None and (
            obj in session.deleted or session.is_modified(obj, include_collections=False)
        ):
            changed_visits.append(obj.id)
    if changed_visits:
        result = VisitResult.__table__
        conn = session.connection()
        for chunk in _chunks(changed_visits):
            ids |= {rid for (rid,) in conn.execute(
                sa.select(result.c.resident_id).where(result.c.visit_id.in_(chunk),
                                                      result.c.result == ResultKind.RECORDED.value))}
    return ids, new


def _relevant(session: Session) -> bool:
    return any(isinstance(obj, (Resident, VisitResult, Visit))
               for obj in (*session.new, *session.dirty, *session.deleted))


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    if not _relevant(session):
        return
    conn = session.connection()
    window = read_window(conn)
    if window is None:
        return
    ids, new = _touched_residents(session)
    session.info.setdefault(_PENDING, []).append((window, ids, new, _cells_of(conn, window, ids)))


def _after_flush(session: Session, flush_context: Any) -> None:
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    conn = session.connection()
    for window, ids, new, before in pending:
        ids = ids | {obj.id for obj in new if obj.id is not None}
        after = _cells_of(conn, window, ids)
        after.subtract(before)
        add(conn, {cell: n for cell, n in after.items() if n})


def add(conn: Any, deltas: dict[Cell, int]) -> None:
    """Add ``deltas`` to the counters: one upsert per cell (atomic on every database)."""
    if not deltas:
        return
    rows = [{"desa_code": d, "kecamatan_code": d[:8], "kind": k, "day": day, "n": n}
            for (d, k, day), n in sorted(deltas.items())]
    dialect = conn.dialect.name
    statement: Any
    if dialect == "postgresql":
        pg = postgresql.insert(_COUNTER)
        statement = pg.on_conflict_do_update(index_elements=["desa_code", "kind", "day"],
                                             set_={"n": _COUNTER.c.n + pg.excluded.n})
    elif dialect in ("mysql", "mariadb"):
        my = mysql.insert(_COUNTER)
        statement = my.on_duplicate_key_update(n=_COUNTER.c.n + my.inserted.n)
    else:
        lite = sqlite.insert(_COUNTER)
        statement = lite.on_conflict_do_update(index_elements=["desa_code", "kind", "day"],
                                               set_={"n": _COUNTER.c.n + lite.excluded.n})
    conn.execute(statement, rows)


def install(db: Any) -> None:
    """Keep the counters on the sessions of the given Flask-SQLAlchemy object (once)."""
    keep_on_flush(db, _PENDING, _before_flush, _after_flush)
