"""Stored field names and values in the words a clerk reads: the one place.

The audit trail and the status history keep what the database holds
(``{"ktp_status": ["not_recorded", "recorded"]}``, ``recorded_visit_id: 387``,
``password_hash``, ``True``, the note ``visit #387``), so they stay
machine-readable and independent of the language. Every screen that shows them
asks this module, which gives the field's label and the value as a clerk reads
it: "Status KTP-el: Belum rekam → Sudah rekam", "Kunjungan 21-09-2016, Desa
Sarongan", "Ya"/"Tidak", a password "diubah" and never its hash.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Iterable

from flask import g

from ..domain.enums import (
    Citizenship,
    Departure,
    DeviceCondition,
    DeviceOwnerKind,
    DeviceRole,
    KtpStatus,
    MaritalStatus,
    OutreachChannel,
    ResultKind,
    Role,
    Sex,
    TeamKind,
    VisitKind,
    VisitState,
)
from ..domain.messages import N_
from ..formatting import fmt_day, fmt_moment, fmt_time
from ..i18n import gettext, label
from ..queries.records import KINDS, VisitPlace, record_names


@dataclass(frozen=True)
class Field:
    """How one stored field reads: its label msgid and what its values are."""

    label: str
    #: None (text as stored), a LabelledEnum class, "bool", "date", "time",
    #: "moment", "secret", or a kind of record the value is the key of
    #: ("visit", "resident", "desa", "kecamatan", "device", "team", "campaign")
    kind: Any = None


#: Fields that read the same in every table.
COMMON: dict[str, Field] = {
    "id": Field(N_("Number")),
    "name": Field(N_("Name")),
    "notes": Field(N_("Notes")),
    "note": Field(N_("Note")),
    "phone": Field(N_("Phone")),
    "code": Field(N_("Code")),
    "kecamatan_code": Field(N_("Kecamatan"), "kecamatan"),
    "desa_code": Field(N_("Desa/Kelurahan"), "desa"),
    "version": Field(N_("Version")),
    "created_at": Field(N_("Created on"), "moment"),
    "updated_at": Field(N_("Last changed"), "moment"),
}

#: Fields of each audited table (beyond :data:`COMMON`), by table name.
TABLES: dict[str, dict[str, Field]] = {
    "ektp_kecamatan": {"regency_code": Field(N_("Regency code"))},
    "ektp_desa": {
        "is_kelurahan": Field(N_("Kelurahan"), "bool"),
        "postal_code": Field(N_("Postal code")),
    },
    "ektp_resident": {
        "nik": Field("NIK"),
        "kk_number": Field(N_("KK number")),
        "sex": Field(N_("Sex"), Sex),
        "birth_place": Field(N_("Birth place")),
        "birth_date": Field(N_("Birth date"), "date"),
        "marital_status": Field(N_("Marital status"), MaritalStatus),
        "citizenship": Field(N_("Citizenship"), Citizenship),
        "address": Field(N_("Address")),
        "rt": Field("RT"),
        "rw": Field("RW"),
        "disabled": Field(N_("Disabled"), "bool"),
        "disability_note": Field(N_("Disability")),
        "seriously_ill": Field(N_("Seriously ill"), "bool"),
        "away": Field(N_("Away (migrant worker)"), "bool"),
        "away_location": Field(N_("Away at")),
        "away_until": Field(N_("Away until"), "date"),
        "departure": Field(N_("Left for good"), Departure),
        "departed_on": Field(N_("Since"), "date"),
        "departure_note": Field(N_("Where to, or how it is known")),
        "departure_visit_id": Field(N_("Reported by visit"), "visit"),
        "ktp_status": Field(N_("KTP-el status"), KtpStatus),
        "ktp_status_changed_on": Field(N_("Status changed on"), "date"),
        "recorded_visit_id": Field(N_("Recorded in visit"), "visit"),
    },
    "ektp_device": {
        "serial_number": Field(N_("Serial number")),
        "owner_kind": Field(N_("Owner"), DeviceOwnerKind),
        "owner_kecamatan_code": Field(N_("Kecamatan"), "kecamatan"),
        "role": Field(N_("Role"), DeviceRole),
        "condition": Field(N_("Condition"), DeviceCondition),
        "location": Field(N_("Where it is now")),
    },
    "ektp_visit": {
        "day": Field(N_("Day"), "date"),
        "start_time": Field(N_("Start"), "time"),
        "end_time": Field(N_("End"), "time"),
        "kind": Field(N_("Kind"), VisitKind),
        "state": Field(N_("State"), VisitState),
        "host_address": Field(N_("Host address")),
        "host_resident_id": Field(N_("Host (resident)"), "resident"),
        "team_id": Field(N_("Team"), "team"),
        "device_id": Field(N_("Device"), "device"),
        "campaign_id": Field(N_("Campaign"), "campaign"),
    },
    "ektp_visit_result": {
        "visit_id": Field(N_("Visit"), "visit"),
        "resident_id": Field(N_("Resident"), "resident"),
        "result": Field(N_("Result"), ResultKind),
        "previous_status": Field(N_("Status before"), KtpStatus),
    },
    "ektp_campaign": {
        "start_date": Field(N_("Start"), "date"),
        "target_date": Field(N_("Target date"), "date"),
        "scope_code": Field(N_("Scope (region code)")),
        "baseline_outstanding": Field(N_("Outstanding at start")),
    },
    "ektp_team": {"kind": Field(N_("Kind"), TeamKind)},
    "ektp_team_member": {
        "team_id": Field(N_("Team"), "team"),
        "position": Field(N_("Position")),
    },
    "ektp_outreach": {
        "channel": Field(N_("Channel"), OutreachChannel),
        "held_on": Field(N_("Date"), "date"),
        "by_whom": Field(N_("By whom")),
    },
    "ektp_user": {
        "username": Field(N_("Username")),
        "password_hash": Field(N_("Password"), "secret"),
        "role": Field(N_("Role"), Role),
        "active": Field(N_("Active"), "bool"),
        "session_epoch": Field(N_("Sessions ended")),
    },
}

#: What each audited table holds, for the audit log's "Table / view" column.
TABLE_LABELS: dict[str, str] = {
    "ektp_kecamatan": N_("Kecamatan"),
    "ektp_desa": N_("Desa/Kelurahan"),
    "ektp_resident": N_("Resident"),
    "ektp_device": N_("Device"),
    "ektp_visit": N_("Visit log"),
    "ektp_visit_result": N_("Visit result"),
    "ektp_campaign": N_("Campaign"),
    "ektp_team": N_("Team"),
    "ektp_team_member": N_("Team member"),
    "ektp_outreach": N_("Outreach"),
    "ektp_user": N_("User"),
}

#: Status-history notes the code writes, as stored (see services.py).
VISIT_NOTE = re.compile(r"^visit #(\d+)$")
RECORDING_REMOVED = "recording removed"
#: The most characters of one value shown (the CSV export keeps them whole).
SHOWN_VALUE_CHARS = 200


def field(table: str, name: str) -> Field:
    """The field ``name`` of ``table`` (a field nobody described reads as its own name)."""
    return TABLES.get(table, {}).get(name) or COMMON.get(name) or Field(name)


def field_label(table: str, name: str) -> str:
    return gettext(field(table, name).label)


def table_label(table: str) -> str:
    """An audited table's name in words; an export's view name as stored."""
    msgid = TABLE_LABELS.get(table)
    return gettext(msgid) if msgid else table


def shorten(value: Any, limit: int = SHOWN_VALUE_CHARS) -> Any:
    """A long text cut to ``limit`` characters, saying how long it was."""
    if not isinstance(value, str) or len(value) <= limit:
        return value
    return value[:limit] + "… " + gettext("(%(count)s characters)", count=len(value))


def visit_words(place: VisitPlace | None, visit_id: Any = None) -> str:
    """"Kunjungan 21-09-2016, Sarongan" (a visit that is gone: by its number)."""
    if place is None:
        return gettext("Visit no. %(id)s (removed)", id=visit_id) if visit_id is not None else ""
    where = place.desa_name or place.kecamatan_name
    if where:
        return gettext("Visit %(day)s, %(place)s", day=fmt_day(place.day), place=where)
    return gettext("Visit %(day)s", day=fmt_day(place.day))


class Words:
    """Reads stored values for one request: keys of other records are looked up
    once per kind for everything :meth:`prefetch` was given."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self._names: dict[str, dict[Any, Any]] = {kind: {} for kind in KINDS}

    def prefetch(self, wanted: dict[str, set[Any]]) -> None:
        for kind, keys in wanted.items():
            missing = {k for k in keys if k is not None and k not in self._names[kind]}
            if missing:
                found = record_names(self.session, kind, missing)
                for key in missing:
                    self._names[kind][key] = found.get(key, found.get(_as_int(key)))

    def name(self, kind: str, key: Any) -> Any:
        if key not in self._names[kind]:
            self.prefetch({kind: {key}})
        return self._names[kind].get(key)

    # -------------------------------------------------------------- values
    def value(self, table: str, name: str, raw: Any) -> str:
        """One stored value as a clerk reads it ("-" for none)."""
        if raw is None or raw == "":
            return "-"
        kind = field(table, name).kind
        if kind is None:
            return str(shorten(raw if isinstance(raw, str) else str(raw)))
        if kind == "secret":
            return gettext("changed")
        if kind == "bool" or isinstance(raw, bool):
            return gettext("Yes") if raw in (True, 1, "1", "true", "True") else gettext("No")
        if kind in ("date", "time", "moment"):
            return _moment(kind, raw)
        if kind == "visit":
            return visit_words(self.name("visit", raw), raw)
        if isinstance(kind, str):
            named = self.name(kind, raw)
            return str(raw) if named is None else str(named)
        return label(raw, kind)

    def change(self, table: str, name: str, pair: Any) -> str:
        """``Label: before → after``; a new value alone when there was none before."""
        text = field_label(table, name)
        if not (isinstance(pair, list) and len(pair) == 2):
            return f"{text}: {shorten(str(pair))}"
        before, after = pair
        if field(table, name).kind == "secret":
            said = gettext("changed") if after is not None else gettext("removed")
            return f"{text}: {said}"
        if before is None:
            return f"{text}: {self.value(table, name, after)}"
        return f"{text}: {self.value(table, name, before)} \u2192 {self.value(table, name, after)}"

    def changes(self, table: str, data: dict[str, Any]) -> list[str]:
        return [self.change(table, name, pair) for name, pair in data.items()]

    def prefetch_changes(self, items: Iterable[tuple[str, dict[str, Any]]]) -> None:
        """Look up, in one query per kind, every record the given changes point at."""
        wanted: dict[str, set[Any]] = {kind: set() for kind in KINDS}
        for table, data in items:
            for name, pair in data.items():
                kind = field(table, name).kind
                if isinstance(kind, str) and kind in wanted and isinstance(pair, list):
                    wanted[kind].update(v for v in pair if v is not None)
        self.prefetch(wanted)

    # -------------------------------------------------------------- status history
    def status_note(self, note: str | None, visit_id: int | None = None) -> str:
        """A status change's stored note in words (``visit #387`` names the visit)."""
        if not note:
            return ""
        match = VISIT_NOTE.match(note)
        if match:
            return visit_words(self.name("visit", int(match.group(1))), match.group(1))
        if note == RECORDING_REMOVED:
            return gettext("recording removed")
        return note


def words(session: Any) -> Words:
    """This request's :class:`Words` (its look-ups shared by everything on the page)."""
    found = g.get("ektp_words")
    if found is None or found.session is not session:
        found = Words(session)
        g.ektp_words = found
    return found


def _as_int(key: Any) -> Any:
    try:
        return int(key)
    except (TypeError, ValueError):
        return key


def _moment(kind: str, raw: Any) -> str:
    """An ISO date, time or timestamp (as the audit stores them) in the house format."""
    try:
        if kind == "date":
            return fmt_day(raw if isinstance(raw, dt.date) else dt.date.fromisoformat(str(raw)[:10]))
        if kind == "time":
            return fmt_time(raw if isinstance(raw, dt.time) else dt.time.fromisoformat(str(raw)))
        return fmt_moment(raw if isinstance(raw, dt.datetime) else dt.datetime.fromisoformat(str(raw)))
    except ValueError:
        return str(raw)
