"""The audit trail: every change to the records clerks keep, in the same transaction.

A ``before_flush`` listener on the session records who changed which record and
each changed field's value before and after (regions too: a renamed desa or
kecamatan is on record). Every read of personal data in bulk adds one entry:
an export (who, which view, which filters, how many rows) and a printed sheet
(which desa, how many residents it showed). Nothing in the UI can edit or
delete an entry.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from typing import Any

from flask import current_app, has_app_context, has_request_context
from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from . import models

log = logging.getLogger(__name__)

#: Models whose creates, updates and deletes are audited.
AUDITED = (
    models.Kecamatan,
    models.Desa,
    models.Resident,
    models.Device,
    models.DeviceRelease,
    models.Visit,
    models.VisitResult,
    models.Campaign,
    models.Team,
    models.TeamMember,
    models.Outreach,
    models.User,
)
#: session.info key of the create entries waiting for their record's id
_PENDING = "ektp_audit_pending_creates"
#: Never written to the trail in clear.
SECRET_FIELDS = {"password_hash"}
#: Bookkeeping columns that change on every write and say nothing.
QUIET_FIELDS = {"version", "updated_at", "created_at", "name_key", "counted_resident_id"}


def _username() -> str | None:
    if not has_request_context():
        return "system"
    from .access import current_ektp_user

    try:
        user = current_ektp_user()
    except KeyError:  # the plugin is not set up on this app
        return None
    return user.username if user else None


def _value(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.time, dt.datetime)):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _kecamatan(obj: Any) -> str | None:
    if isinstance(obj, models.Kecamatan):
        return obj.code
    for attr in ("kecamatan_code", "owner_kecamatan_code"):
        code = getattr(obj, attr, None)
        if code:
            return code
    visit = getattr(obj, "visit", None)
    if visit is not None:
        return getattr(visit, "kecamatan_code", None)
    device = getattr(obj, "device", None) if isinstance(obj, models.DeviceRelease) else None
    return getattr(device, "owner_kecamatan_code", None) if device is not None else None


def _snapshot(obj: Any, *, changed_only: bool) -> dict[str, list[Any]]:
    state = inspect(obj)
    out: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in QUIET_FIELDS:
            continue
        hist = state.attrs[key].history
        if changed_only:
            if not hist.has_changes():
                continue
            before = hist.deleted[0] if hist.deleted else None
            after = hist.added[0] if hist.added else None
            if _value(before) == _value(after):
                continue
        else:
            before, after = None, getattr(obj, key)
        if key in SECRET_FIELDS:
            before, after = ("***" if before is not None else None), "***"
        out[key] = [_value(before), _value(after)]
    return out


def _record_id(obj: Any) -> str | None:
    identity = inspect(obj).identity
    return ",".join(str(v) for v in identity) if identity else None


def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    username = _username()
    entries = []
    for obj in list(session.new):
        if isinstance(obj, AUDITED):
            entries.append(("create", obj, _snapshot(obj, changed_only=False)))
    for obj in list(session.dirty):
        if isinstance(obj, AUDITED) and session.is_modified(obj, include_collections=False):
            changes = _snapshot(obj, changed_only=True)
            if changes:
                entries.append(("update", obj, changes))
    for obj in list(session.deleted):
        if isinstance(obj, AUDITED):
            snap = {k: [v[1], None] for k, v in _snapshot(obj, changed_only=False).items()}
            entries.append(("delete", obj, snap))
    for action, obj, changes in entries:
        entry = models.AuditEntry(
            username=username,
            action=action,
            table_name=obj.__tablename__,
            record_id=_record_id(obj),
            kecamatan_code=_kecamatan(obj),
            changes=json.dumps(changes, ensure_ascii=False, sort_keys=True),
        )
        if action == "create":
            # The id is known only after the INSERT: fill it in then. The session
            # holds clean objects only weakly, so keep both alive until then.
            session.info.setdefault(_PENDING, []).append((entry, obj))
        session.add(entry)


def _stored_values(obj: Any) -> dict[str, list[Any]]:
    """A created record's columns as the INSERT wrote them (defaults included)."""
    state = inspect(obj)
    pk_keys = {state.mapper.get_property_by_column(c).key for c in state.mapper.primary_key}
    out: dict[str, list[Any]] = {}
    for attr in state.mapper.column_attrs:
        key = attr.key
        if key in QUIET_FIELDS or key in pk_keys:
            continue
        value = state.dict.get(key)  # never triggers a load inside the flush
        if value is None:
            continue
        out[key] = [None, "***" if key in SECRET_FIELDS else _value(value)]
    return out


def _after_flush(session: Session, flush_context: Any) -> None:
    # A created record's id, kecamatan and defaults exist only after its INSERT:
    # complete its entry now (written by the same transaction's next flush).
    pending = session.info.pop(_PENDING, None)
    for entry, obj in pending or ():
        entry.record_id = _record_id(obj)
        entry.kecamatan_code = entry.kecamatan_code or _kecamatan(obj)
        entry.changes = json.dumps(_stored_values(obj), ensure_ascii=False, sort_keys=True)


def _forget_pending(session: Session, *args: Any) -> None:
    session.info.pop(_PENDING, None)


_installed: set[int] = set()


def install(db: Any) -> None:
    """Attach the listeners to the sessions of the given Flask-SQLAlchemy object (once).

    Only that db's sessions are audited: a host's other sessions (its own
    sessionmaker, another Flask-SQLAlchemy object) never run our listeners.
    """
    if id(db) in _installed:
        return
    factory = db.session.session_factory
    event.listen(factory, "before_flush", _before_flush)
    event.listen(factory, "after_flush_postexec", _after_flush)
    event.listen(factory, "after_rollback", _forget_pending)
    if not _installed:
        for model in AUDITED:
            # Load a column's old value before it is overwritten, even on an object
            # expired by a commit: otherwise the trail would read "None -> new".
            for attr in model.__mapper__.column_attrs:
                event.listen(getattr(model, attr.key), "set", _keep_old_value, active_history=True)
    _installed.add(id(db))


def _keep_old_value(target: Any, value: Any, oldvalue: Any, initiator: Any) -> Any:
    return value


class ExportCounter:
    """Counts the rows a streamed export sends, and records them when done.

    The entry is written before the first byte leaves; :meth:`finish` stores
    the number of rows sent. Call it when the stream ends; it is also safe to
    register on the response (``response.call_on_close(counter.finish)``), which
    a WSGI server calls even when the user goes away before the end, and after
    the request's context is gone (it then opens an app context of its own).
    """

    def __init__(self, session: Any, entry_id: int | None, view: str, filters: dict, app: Any = None) -> None:
        self.session = session
        self.entry_id = entry_id
        self.view = view
        self.filters = filters
        self.app = app
        self.count = 0
        #: set when the rows stopped on an error: the entry then says so, with the rows sent
        self.failed = False
        self.finished = False

    def finish(self) -> None:
        if self.entry_id is None or self.finished:
            return
        self.finished = True
        if has_app_context() or self.app is None:
            self._store()
        else:
            with self.app.app_context():
                self._store()

    def _store(self) -> None:
        try:
            entry = self.session.get(models.AuditEntry, self.entry_id)
            if entry is not None:
                record: dict[str, Any] = {"view": self.view, "filters": self.filters, "rows": self.count}
                if self.failed:
                    record["failed"] = True
                entry.changes = json.dumps(
                    record,
                    ensure_ascii=False,
                    sort_keys=True,
                    default=str,
                )
                self.session.commit()
        except Exception:  # the download already left; keep the entry that says it started
            log.exception("could not record the row count of export %s", self.entry_id)
            self.session.rollback()


def record_update(session: Any, obj_table: str, record_id: Any, changes: dict[str, list[Any]],
                  kecamatan_code: str | None = None) -> None:
    """An "update" entry for a change made by a plain SQL UPDATE (which the
    flush listener never sees), in the caller's transaction (not committed)."""
    session.add(models.AuditEntry(
        username=_username(),
        action="update",
        table_name=obj_table,
        record_id=str(record_id),
        kecamatan_code=kecamatan_code,
        changes=json.dumps({k: [_value(a), _value(b)] for k, (a, b) in changes.items()},
                           ensure_ascii=False, sort_keys=True),
    ))


#: The most characters of one filter value an export's entry keeps (a crafted URL
#: could otherwise overflow the TEXT column: 64 kB on MariaDB).
FILTER_VALUE_CHARS = 200


def _clip(value: Any) -> Any:
    """Filters as recorded: every text cut to :data:`FILTER_VALUE_CHARS`, lists kept short."""
    if isinstance(value, str):
        return value if len(value) <= FILTER_VALUE_CHARS else value[:FILTER_VALUE_CHARS] + "\u2026"
    if isinstance(value, dict):
        return {_clip(str(k)): _clip(v) for k, v in list(value.items())[:50]}
    if isinstance(value, (list, tuple)):
        return [_clip(v) for v in list(value)[:50]]
    return value


def record_export(session: Any, view: str, filters: dict) -> ExportCounter:
    """Write the export's entry before the first byte leaves (rows filled in at the end)."""
    filters = _clip(filters)
    user = _username()
    from .access import current_reach

    held_to = current_reach().kecamatan_code if has_request_context() else None
    entry = models.AuditEntry(
        username=user,
        action="export",
        table_name=view,
        kecamatan_code=held_to,
        changes=json.dumps({"view": view, "filters": filters, "rows": None}, ensure_ascii=False, default=str),
    )
    session.add(entry)
    session.commit()
    app = current_app._get_current_object() if has_app_context() else None  # type: ignore[attr-defined]
    return ExportCounter(session, entry.id, view, filters, app)


def record_read(session: Any, view: str, filters: dict, rows: int, *, action: str = "print",
                record_id: str | None = None, kecamatan_code: str | None = None) -> None:
    """Record a bulk read that has been rendered in full (a printed sheet): who,
    which view and record, which filters, how many rows it showed. Committed
    before the page leaves, so no sheet reaches anyone unrecorded."""
    session.add(models.AuditEntry(
        username=_username(),
        action=action,
        table_name=view,
        record_id=record_id,
        kecamatan_code=kecamatan_code,
        changes=json.dumps({"view": view, "filters": _clip(filters), "rows": rows}, ensure_ascii=False, default=str),
    ))
    session.commit()
