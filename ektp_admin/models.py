"""SQLAlchemy models of a recording campaign (every table prefixed ``ektp_``).

The models are declared once, on the plugin's own :data:`metadata`. They work
with the plugin's own Flask-SQLAlchemy :data:`db` (standalone) or with a host
portal's ``db``: :meth:`ektp_admin.EktpAdmin.init_app` copies these tables into
the host's metadata, so the host's ``db.create_all()`` and its migrations see
them, and every query runs through the host's session and engine.

Derived facts (age, wajib KTP, lansia, outstanding) are never stored: they come
from :mod:`ektp_admin.domain` and :mod:`ektp_admin.queries`.

Names: every constraint and index has a final name. Unique constraints and
indexes are declared in ``__table_args__`` with their name (never ``unique=True``
or ``index=True`` on a column: a copy of the table would make those anew, named
by the host's convention); primary and foreign keys are named by
:data:`NAMING_CONVENTION` (``pk_<table>``, ``fk_<table>_<column>_<referred table>``).
:func:`_freeze_names` then marks every name as final, so a host's own
``naming_convention`` cannot rename them when ``init_app`` copies the tables
(the friendly messages of :mod:`ektp_admin.views.errors` are chosen by name).
Every schema change ships with its migration (:mod:`ektp_admin.migrations`).
"""
from __future__ import annotations

import datetime as dt
from typing import ClassVar

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    declared_attr,
    mapped_column,
    relationship,
)
from sqlalchemy.sql.naming import conv

from . import search_index
from .domain.enums import (
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
from .domain.visits import counted_resident_id

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class Base(DeclarativeBase):
    metadata = metadata
    #: every model here maps one Table (for Core inserts and updates)
    __table__: ClassVar[sa.Table]


#: The plugin's own Flask-SQLAlchemy object, used when the host passes none.
db = SQLAlchemy(model_class=Base)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def _code(length: int) -> sa.String:
    return sa.String(length)


def _enum_column(enum_cls, default=None, **kw):
    """A short VARCHAR holding an enum's code (portable: no native ENUM types)."""
    width = max(len(m.value) for m in enum_cls)
    return mapped_column(sa.String(width), default=default, **kw)


class VersionedMixin:
    """Optimistic concurrency: every UPDATE checks and bumps ``version``.

    SQLAlchemy raises StaleDataError when the row changed underneath; the views
    also compare the version the clerk's form was rendered with.
    """

    version: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=_utcnow, nullable=False)
    updated_at: Mapped[dt.datetime] = mapped_column(
        sa.DateTime, default=_utcnow, onupdate=_utcnow, nullable=False
    )

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        table: sa.Table = cls.__table__  # type: ignore[attr-defined]
        return {"version_id_col": table.c.version}


# --------------------------------------------------------------------------- regions


class Kecamatan(Base):
    __tablename__ = "ektp_kecamatan"
    __table_args__ = (sa.Index("ix_ektp_kecamatan_regency_code", "regency_code"),)

    code: Mapped[str] = mapped_column(_code(8), primary_key=True)  # 35.10.01
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    regency_code: Mapped[str] = mapped_column(_code(5), nullable=False)  # 35.10

    desa: Mapped[list["Desa"]] = relationship(
        back_populates="kecamatan", order_by="Desa.name", passive_deletes="all"
    )

    def __str__(self) -> str:
        return self.name


class Desa(Base):
    """A desa or kelurahan (Kemendagri level 4)."""

    __tablename__ = "ektp_desa"
    __table_args__ = (sa.Index("ix_ektp_desa_kecamatan_code", "kecamatan_code"),)

    code: Mapped[str] = mapped_column(_code(13), primary_key=True)  # 35.10.01.2001
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    is_kelurahan: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    postal_code: Mapped[str | None] = mapped_column(sa.String(5))
    kecamatan_code: Mapped[str] = mapped_column(
        sa.ForeignKey("ektp_kecamatan.code", ondelete="RESTRICT"), nullable=False
    )

    kecamatan: Mapped[Kecamatan] = relationship(back_populates="desa")

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------- people


class Resident(VersionedMixin, Base):
    __tablename__ = "ektp_resident"
    __table_args__ = (
        sa.UniqueConstraint("nik", name="uq_ektp_resident_nik"),
        sa.Index("ix_ektp_resident_kk_number", "kk_number"),
        sa.Index("ix_ektp_resident_recorded_visit_id", "recorded_visit_id"),
        # A desa's outstanding residents (its page, its home visits): the outstanding and
        # home-visit tests and the RW/RT/name order are read from the index alone, so only
        # the rows shown are fetched (a desa holds thousands of children in the
        # outstanding statuses, not wajib yet).
        sa.Index("ix_ektp_resident_desa_outstanding", "desa_code", "ktp_status", "birth_date", "marital_status",
                 "citizenship", "departure", "disabled", "seriously_ill", "away", "away_until", "rw", "rt", "name_key",
                 "id"),
        sa.Index("ix_ektp_resident_kecamatan_status", "kecamatan_code", "ktp_status"),
        sa.Index("ix_ektp_resident_status_desa", "ktp_status", "desa_code"),
        # The list in its order (name, id), and filtered to the outstanding: the filter's
        # columns are read from the index, so a page reads the table for its 50 rows only.
        sa.Index("ix_ektp_resident_name_outstanding", "name_key", "id", "ktp_status", "birth_date",
                 "marital_status", "citizenship", "departure"),
        # A search by a NIK's first digits, in list order, from the index alone.
        sa.Index("ix_ektp_resident_nik_name", "nik", "name_key", "id"),
        # A desa's or a kecamatan's residents in list order (list pages, exports).
        sa.Index("ix_ektp_resident_desa_name", "desa_code", "name_key"),
        sa.Index("ix_ektp_resident_kecamatan_name", "kecamatan_code", "name_key"),
        # Wajib counts per desa read this index alone (no table rows).
        sa.Index("ix_ektp_resident_desa_wajib", "desa_code", "birth_date", "marital_status", "citizenship"),
        sa.Index("ix_ektp_resident_birth_date", "birth_date"),
        # Residents back from away (``away until`` passed) count again for home visits.
        sa.Index("ix_ektp_resident_away_until", "away_until"),
        # The migrants screen: the outstanding residents away, counted per desa and per
        # month of return from the index alone (of the residents away only, where the
        # database has partial indexes).
        sa.Index("ix_ektp_resident_away_outstanding", "away", "ktp_status", "departure", "citizenship",
                 "birth_date", "marital_status", "desa_code", "kecamatan_code", "away_until", "rw", "rt", "name_key", "id",
                 sqlite_where=sa.text("away = 1"), postgresql_where=sa.text("away")),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    nik: Mapped[str] = mapped_column(sa.String(16), nullable=False)
    kk_number: Mapped[str | None] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    #: Upper-cased, space-folded name: an index serves prefix search on it.
    name_key: Mapped[str] = mapped_column(sa.String(120), nullable=False, default="")
    sex: Mapped[str] = _enum_column(Sex, nullable=False)
    birth_place: Mapped[str | None] = mapped_column(sa.String(80))
    birth_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    marital_status: Mapped[str] = _enum_column(
        MaritalStatus, default=MaritalStatus.SINGLE.value, nullable=False
    )
    citizenship: Mapped[str] = _enum_column(Citizenship, default=Citizenship.WNI.value, nullable=False)

    desa_code: Mapped[str] = mapped_column(
        sa.ForeignKey("ektp_desa.code", ondelete="RESTRICT"), nullable=False
    )
    #: Copied from the desa on every write; scoping and filters use it directly.
    kecamatan_code: Mapped[str] = mapped_column(_code(8), nullable=False)
    address: Mapped[str | None] = mapped_column(sa.String(200))
    rt: Mapped[str | None] = mapped_column(sa.String(3))
    rw: Mapped[str | None] = mapped_column(sa.String(3))
    phone: Mapped[str | None] = mapped_column(sa.String(20))

    disabled: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    disability_note: Mapped[str | None] = mapped_column(sa.String(120))
    seriously_ill: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    away: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    away_location: Mapped[str | None] = mapped_column(sa.String(120))
    away_until: Mapped[dt.date | None] = mapped_column(sa.Date)
    #: deceased or moved out: off the wajib/outstanding counts, the sheets and the
    #: targets for good, kept in history and audit (None: lives here)
    departure: Mapped[str | None] = _enum_column(Departure)
    departed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    #: where to (moved out), or how it is known
    departure_note: Mapped[str | None] = mapped_column(sa.String(200))
    #: the visit whose "deceased" result set it (undone with that result); None: set by hand or import
    departure_visit_id: Mapped[int | None] = mapped_column(sa.Integer)

    ktp_status: Mapped[str] = _enum_column(KtpStatus, default=KtpStatus.NOT_RECORDED.value, nullable=False)
    ktp_status_changed_on: Mapped[dt.date | None] = mapped_column(sa.Date)
    recorded_visit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ektp_visit.id", ondelete="SET NULL", use_alter=True)
    )
    notes: Mapped[str | None] = mapped_column(sa.Text)

    desa: Mapped[Desa] = relationship(lazy="joined", innerjoin=True)
    recorded_visit: Mapped["Visit | None"] = relationship(foreign_keys=[recorded_visit_id])
    status_changes: Mapped[list["StatusChange"]] = relationship(
        back_populates="resident", order_by="StatusChange.id", passive_deletes=True
    )
    visit_results: Mapped[list["VisitResult"]] = relationship(
        back_populates="resident", foreign_keys="VisitResult.resident_id", passive_deletes="all"
    )

    def __str__(self) -> str:
        return f"{self.name} ({self.nik})"


def name_key(name: str | None) -> str:
    return " ".join((name or "").upper().split())


@event.listens_for(Resident, "before_insert")
@event.listens_for(Resident, "before_update")
def _resident_derived_columns(mapper, connection, target: Resident) -> None:
    target.name_key = name_key(target.name)
    if target.desa_code:
        target.kecamatan_code = target.desa_code[:8]
    elif target.desa is not None:
        target.kecamatan_code = target.desa.kecamatan_code


class StatusChange(Base):
    """One dated move of a resident's KTP-el status (the pipeline's history)."""

    __tablename__ = "ektp_status_change"
    __table_args__ = (
        sa.Index("ix_ektp_status_change_resident_id", "resident_id"),
        sa.Index("ix_ektp_status_change_visit_result_id", "visit_result_id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    resident_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ektp_resident.id", ondelete="CASCADE"), nullable=False
    )
    old_status: Mapped[str | None] = _enum_column(KtpStatus)
    new_status: Mapped[str] = _enum_column(KtpStatus, nullable=False)
    changed_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    changed_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=_utcnow, nullable=False)
    changed_by: Mapped[str | None] = mapped_column(sa.String(80))
    visit_result_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ektp_visit_result.id", ondelete="SET NULL")
    )
    note: Mapped[str | None] = mapped_column(sa.String(200))

    resident: Mapped[Resident] = relationship(back_populates="status_changes")


# --------------------------------------------------------------------------- kits and teams


class Device(VersionedMixin, Base):
    """A recording kit (camera, fingerprint and iris scanner, signature pad)."""

    __tablename__ = "ektp_device"
    __table_args__ = (
        sa.UniqueConstraint("serial_number", name="uq_ektp_device_serial_number"),
        sa.Index("ix_ektp_device_owner_kecamatan_code", "owner_kecamatan_code"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    serial_number: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    owner_kind: Mapped[str] = _enum_column(DeviceOwnerKind, nullable=False, default=DeviceOwnerKind.KECAMATAN.value)
    owner_kecamatan_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("ektp_kecamatan.code", ondelete="RESTRICT")
    )
    role: Mapped[str] = _enum_column(DeviceRole, nullable=False, default=DeviceRole.STANDBY.value)
    condition: Mapped[str] = _enum_column(DeviceCondition, nullable=False, default=DeviceCondition.WORKING.value)
    location: Mapped[str | None] = mapped_column(sa.String(200))
    notes: Mapped[str | None] = mapped_column(sa.Text)

    owner_kecamatan: Mapped[Kecamatan | None] = relationship()

    def __str__(self) -> str:
        return self.serial_number


class DeviceRelease(Base):
    """A supervisor's leave for a kecamatan's standby kit to go out on one day.

    The rule: each kecamatan keeps its standby kit at the office while the other
    goes out. A visit at a village post or a home may book a standby kit only on
    a day it was released for, with the reason and who gave it (a clerk cannot).
    """

    __tablename__ = "ektp_device_release"
    __table_args__ = (
        sa.UniqueConstraint("device_id", "day", name="uq_ektp_device_release_device_day"),
        sa.Index("ix_ektp_device_release_day", "day"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(sa.ForeignKey("ektp_device.id", ondelete="CASCADE"), nullable=False)
    day: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    reason: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    released_by: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=_utcnow, nullable=False)

    device: Mapped[Device] = relationship()

    def __str__(self) -> str:
        return f"{self.device_id} {self.day:%d-%m-%Y}"


class Team(VersionedMixin, Base):
    __tablename__ = "ektp_team"
    __table_args__ = (
        sa.UniqueConstraint("name", name="uq_ektp_team_name"),
        sa.Index("ix_ektp_team_kecamatan_code", "kecamatan_code"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    kind: Mapped[str] = _enum_column(TeamKind, nullable=False, default=TeamKind.KECAMATAN.value)
    kecamatan_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("ektp_kecamatan.code", ondelete="RESTRICT")
    )
    notes: Mapped[str | None] = mapped_column(sa.Text)

    kecamatan: Mapped[Kecamatan | None] = relationship()
    members: Mapped[list["TeamMember"]] = relationship(
        back_populates="team", cascade="all, delete-orphan", order_by="TeamMember.id"
    )

    def __str__(self) -> str:
        return self.name


class TeamMember(Base):
    __tablename__ = "ektp_team_member"
    __table_args__ = (sa.Index("ix_ektp_team_member_team_id", "team_id"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ektp_team.id", ondelete="CASCADE"), nullable=False
    )
    name: Mapped[str] = mapped_column(sa.String(100), nullable=False)
    position: Mapped[str | None] = mapped_column(sa.String(80))
    phone: Mapped[str | None] = mapped_column(sa.String(20))

    team: Mapped[Team] = relationship(back_populates="members")

    def __str__(self) -> str:
        return self.name


# --------------------------------------------------------------------------- visits


class Visit(VersionedMixin, Base):
    """One recording session: at the office, a village post, a home or a cluster."""

    __tablename__ = "ektp_visit"
    __table_args__ = (
        sa.Index("ix_ektp_visit_day", "day"),
        sa.Index("ix_ektp_visit_device_day", "device_id", "day"),
        sa.Index("ix_ektp_visit_desa_day", "desa_code", "day"),
        sa.Index("ix_ektp_visit_kecamatan_day", "kecamatan_code", "day"),
        sa.Index("ix_ektp_visit_host_resident_id", "host_resident_id"),
        sa.Index("ix_ektp_visit_team_id", "team_id"),
        sa.Index("ix_ektp_visit_campaign_id", "campaign_id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    start_time: Mapped[dt.time] = mapped_column(sa.Time, nullable=False)
    end_time: Mapped[dt.time] = mapped_column(sa.Time, nullable=False)
    kind: Mapped[str] = _enum_column(VisitKind, nullable=False, default=VisitKind.OFFICE.value)
    state: Mapped[str] = _enum_column(VisitState, nullable=False, default=VisitState.PLANNED.value)
    kecamatan_code: Mapped[str] = mapped_column(
        sa.ForeignKey("ektp_kecamatan.code", ondelete="RESTRICT"), nullable=False
    )
    desa_code: Mapped[str | None] = mapped_column(sa.ForeignKey("ektp_desa.code", ondelete="RESTRICT"))
    host_address: Mapped[str | None] = mapped_column(sa.String(200))
    host_resident_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ektp_resident.id", ondelete="SET NULL")
    )
    team_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ektp_team.id", ondelete="RESTRICT")
    )
    device_id: Mapped[int | None] = mapped_column(sa.ForeignKey("ektp_device.id", ondelete="RESTRICT"))
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ektp_campaign.id", ondelete="SET NULL")
    )
    notes: Mapped[str | None] = mapped_column(sa.Text)

    kecamatan: Mapped[Kecamatan] = relationship()
    desa: Mapped[Desa | None] = relationship()
    host_resident: Mapped[Resident | None] = relationship(foreign_keys=[host_resident_id])
    team: Mapped[Team | None] = relationship()
    device: Mapped[Device | None] = relationship()
    campaign: Mapped["Campaign | None"] = relationship()
    results: Mapped[list["VisitResult"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="VisitResult.id"
    )

    def __str__(self) -> str:
        return f"#{self.id} {self.day:%d-%m-%Y} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class VisitResult(Base):
    """What happened to one resident seen during a visit."""

    __tablename__ = "ektp_visit_result"
    __table_args__ = (
        sa.UniqueConstraint("visit_id", "resident_id", name="uq_ektp_visit_result_visit_resident"),
        # ``counted_resident_id`` equals resident_id only on a "recorded" result, NULL
        # otherwise: a plain UNIQUE (portable to SQLite, PostgreSQL and MariaDB, all of
        # which allow many NULLs) guarantees one counting recording per resident.
        sa.UniqueConstraint("counted_resident_id", name="uq_ektp_visit_result_counted_resident"),
        sa.Index("ix_ektp_visit_result_visit_id", "visit_id"),
        sa.Index("ix_ektp_visit_result_resident_id", "resident_id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    visit_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ektp_visit.id", ondelete="CASCADE"), nullable=False
    )
    resident_id: Mapped[int] = mapped_column(
        sa.ForeignKey("ektp_resident.id", ondelete="RESTRICT"), nullable=False
    )
    result: Mapped[str] = _enum_column(ResultKind, nullable=False)
    counted_resident_id: Mapped[int | None] = mapped_column(sa.Integer)
    #: The resident's status before a "recorded" result moved it (restored on removal).
    previous_status: Mapped[str | None] = _enum_column(KtpStatus)
    note: Mapped[str | None] = mapped_column(sa.String(200))

    visit: Mapped[Visit] = relationship(back_populates="results")
    resident: Mapped[Resident] = relationship(back_populates="visit_results", foreign_keys=[resident_id])

    def __str__(self) -> str:
        return f"{self.resident_id}: {self.result}"


@event.listens_for(VisitResult, "before_insert")
@event.listens_for(VisitResult, "before_update")
def _result_counted(mapper, connection, target: VisitResult) -> None:
    target.counted_resident_id = counted_resident_id(target.result, target.resident_id)


# --------------------------------------------------------------------------- campaign


class Campaign(VersionedMixin, Base):
    __tablename__ = "ektp_campaign"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    start_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    target_date: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    #: A kab/kota code (35.10) or a kecamatan code (35.10.01).
    scope_code: Mapped[str] = mapped_column(sa.String(13), nullable=False)
    #: Outstanding residents when the campaign began (its denominator).
    baseline_outstanding: Mapped[int | None] = mapped_column(sa.Integer)
    notes: Mapped[str | None] = mapped_column(sa.Text)

    def __str__(self) -> str:
        return self.name


class Outreach(VersionedMixin, Base):
    """Socialisation done in a desa: a mosque announcement, a meeting, a school."""

    __tablename__ = "ektp_outreach"
    __table_args__ = (
        sa.Index("ix_ektp_outreach_desa_code", "desa_code"),
        sa.Index("ix_ektp_outreach_kecamatan_code", "kecamatan_code"),
        sa.Index("ix_ektp_outreach_visit_id", "visit_id"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    desa_code: Mapped[str] = mapped_column(
        sa.ForeignKey("ektp_desa.code", ondelete="RESTRICT"), nullable=False
    )
    kecamatan_code: Mapped[str] = mapped_column(_code(8), nullable=False)
    channel: Mapped[str] = _enum_column(OutreachChannel, nullable=False, default=OutreachChannel.MOSQUE.value)
    held_on: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    by_whom: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    #: the planned visit it announces (the desa's next one when none is picked)
    visit_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("ektp_visit.id", ondelete="SET NULL")
    )

    desa: Mapped[Desa] = relationship()
    visit: Mapped[Visit | None] = relationship()


@event.listens_for(Outreach, "before_insert")
@event.listens_for(Outreach, "before_update")
def _outreach_kecamatan(mapper, connection, target: Outreach) -> None:
    if target.desa_code:
        target.kecamatan_code = target.desa_code[:8]


# --------------------------------------------------------------------------- users and audit


class User(VersionedMixin, Base):
    """A login of the standalone portal (embedded hosts bring their own users)."""

    __tablename__ = "ektp_user"
    __table_args__ = (sa.UniqueConstraint("username", name="uq_ektp_user_username"),)

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    role: Mapped[str] = _enum_column(Role, nullable=False, default=Role.CLERK.value)
    kecamatan_code: Mapped[str | None] = mapped_column(
        sa.ForeignKey("ektp_kecamatan.code", ondelete="RESTRICT")
    )
    active: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=True)
    #: Part of every session's login token (:meth:`get_id`): raising it ends every
    #: session of the user (sign-out, a new password, an admin's "End sessions").
    #: Raised by plain UPDATEs that leave ``version`` alone, so an open edit form
    #: of the user does not turn stale; see ``ektp_admin.sessions``.
    session_epoch: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0, server_default="0")

    kecamatan: Mapped[Kecamatan | None] = relationship()

    # Flask-Login protocol, written out so the model does not import Flask-Login.
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        # "id:epoch": Flask-Login keeps it in the session (and a remember cookie);
        # the standalone portal's user loader refuses it once the epoch moved on.
        return f"{self.id}:{self.session_epoch or 0}"

    def __str__(self) -> str:
        return self.username


class LoginFailure(Base):
    """One failed sign-in of the standalone portal (the throttle's memory).

    Kept in the database so every worker process sees the same counts; rows
    older than the throttle's window are deleted. ``account`` is a digest of the
    normalised username typed (real or not), never the text itself: people type
    passwords into the username field. See :mod:`ektp_admin.throttle`.
    """

    __tablename__ = "ektp_login_failure"
    __table_args__ = (
        sa.Index("ix_ektp_login_failure_address_at", "address", "at"),
        sa.Index("ix_ektp_login_failure_account_at", "account", "at"),
        sa.Index("ix_ektp_login_failure_at", "at"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=_utcnow, nullable=False)
    #: The client's address (an IPv6 address as its /64 network).
    address: Mapped[str] = mapped_column(sa.String(50), nullable=False)
    #: SHA-256 (hex) of the normalised username.
    account: Mapped[str] = mapped_column(sa.String(64), nullable=False)


class AuditEntry(Base):
    """Who changed or exported what, when: written in the same transaction."""

    __tablename__ = "ektp_audit"
    __table_args__ = (
        sa.Index("ix_ektp_audit_record", "table_name", "record_id"),
        sa.Index("ix_ektp_audit_at", "at"),
        sa.Index("ix_ektp_audit_username", "username"),
        sa.Index("ix_ektp_audit_kecamatan_code", "kecamatan_code"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=_utcnow, nullable=False)
    username: Mapped[str | None] = mapped_column(sa.String(80))
    action: Mapped[str] = mapped_column(sa.String(10), nullable=False)  # create/update/delete/export
    table_name: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    record_id: Mapped[str | None] = mapped_column(sa.String(40))
    kecamatan_code: Mapped[str | None] = mapped_column(sa.String(8))
    #: JSON: {"field": [before, after], ...} or, for exports, {"view":..,"filters":..,"rows":..}
    changes: Mapped[str | None] = mapped_column(sa.Text)


class ImportJob(Base):
    """One import of a population file (residents or KTP-el statuses): who, which
    file, its state and its counts. The live progress of a running import is a
    file in its folder (a row cannot be updated while the import's own
    transaction holds an SQLite database); the report of bad rows is beside it."""

    __tablename__ = "ektp_import_job"
    __table_args__ = (
        sa.Index("ix_ektp_import_job_started_at", "started_at"),
        sa.Index("ix_ektp_import_job_kind_started_at", "kind", "started_at"),
    )

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True)
    #: "residents" or "statuses"
    kind: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    file_name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    sha256: Mapped[str | None] = mapped_column(sa.String(64))
    size_bytes: Mapped[int | None] = mapped_column(sa.BigInteger)
    #: queued, running, done (written), checked (dry run), refused (nothing written), failed
    state: Mapped[str] = mapped_column(sa.String(10), nullable=False, default="queued")
    dry_run: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    partial: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    full_refresh: Mapped[bool] = mapped_column(sa.Boolean, nullable=False, default=False)
    #: limits the import to this kecamatan's desa (None: the whole regency)
    kecamatan_code: Mapped[str | None] = mapped_column(sa.String(8))
    rows_total: Mapped[int | None] = mapped_column(sa.Integer)
    rows_read: Mapped[int | None] = mapped_column(sa.Integer)
    #: JSON: the outcome's counts, unused columns, file problems (see population.importer)
    summary: Mapped[str | None] = mapped_column(sa.Text)
    username: Mapped[str | None] = mapped_column(sa.String(80))
    started_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=_utcnow, nullable=False)
    finished_at: Mapped[dt.datetime | None] = mapped_column(sa.DateTime)


class Counter(Base):
    """One cell of the per-desa counters: how many residents (or recordings) of a desa
    fall in ``kind`` on ``day`` (see :mod:`ektp_admin.domain.counting`).

    Kept in the same transaction as the rows they count (:mod:`ektp_admin.counters`);
    summaries read these few thousand cells instead of 1.29 M residents.
    """

    __tablename__ = "ektp_counter"
    __table_args__ = (
        sa.PrimaryKeyConstraint("desa_code", "kind", "day", name="pk_ektp_counter"),
        # Covering: a summary reads these indexes alone.
        sa.Index("ix_ektp_counter_kind_day", "kind", "day", "desa_code", "n"),
        sa.Index("ix_ektp_counter_kecamatan_kind_day", "kecamatan_code", "kind", "day", "desa_code", "n"),
    )

    desa_code: Mapped[str] = mapped_column(sa.ForeignKey("ektp_desa.code", ondelete="CASCADE"), nullable=False)
    #: Copied from the desa code (a kecamatan's cells are one index range).
    kecamatan_code: Mapped[str] = mapped_column(_code(8), nullable=False)
    kind: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    #: A clamped birth date (age kinds) or a visit's day (recorded).
    day: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    n: Mapped[int] = mapped_column(sa.Integer, nullable=False, default=0)


class CounterWindow(Base):
    """The one row saying the counters are built, and for which days they are exact."""

    __tablename__ = "ektp_counter_window"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=False)
    first_day: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    last_day: Mapped[dt.date] = mapped_column(sa.Date, nullable=False)
    built_at: Mapped[dt.datetime] = mapped_column(sa.DateTime, default=_utcnow, nullable=False)


class ListMark(Base):
    """Every ``SPACING``-th resident of the residents list in its order (name, then id),
    for the whole regency and for each kecamatan: where a page asked for by its number
    starts, without counting past every resident before it.

    ``position`` is how many residents of the scope sort before (``name_key``,
    ``resident_id``); it stays true when that resident is gone. Kept in the same
    transaction as the residents (:mod:`ektp_admin.list_marks`).
    """

    __tablename__ = "ektp_list_mark"
    __table_args__ = (
        sa.PrimaryKeyConstraint("scope", "name_key", "resident_id", name="pk_ektp_list_mark"),
        sa.Index("ix_ektp_list_mark_scope_position", "scope", "position"),
    )

    #: a kecamatan code, or ``*``: the whole regency
    scope: Mapped[str] = mapped_column(_code(8), nullable=False)
    name_key: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    #: the resident's id when the mark was set (no foreign key: the mark outlives the row)
    resident_id: Mapped[int] = mapped_column(sa.Integer, nullable=False, autoincrement=False)
    position: Mapped[int] = mapped_column(sa.Integer, nullable=False)


MODELS = (
    Kecamatan,
    Desa,
    Resident,
    StatusChange,
    Device,
    Team,
    TeamMember,
    Visit,
    VisitResult,
    Campaign,
    Outreach,
    User,
    LoginFailure,
    AuditEntry,
    ImportJob,
    Counter,
    CounterWindow,
    ListMark,
)


#: PostgreSQL keeps 63 characters of a name (and MariaDB refuses more than 64).
MAX_NAME_LENGTH = 63


def _freeze_names(metadata: sa.MetaData) -> None:
    """Mark every constraint and index name final (``conv``): copied into a host's
    metadata with ``Table.to_metadata`` they keep it, whatever the host's
    ``naming_convention``. Refuses what a copy would rename or a database would cut."""
    seen: dict[str, str] = {}
    for table in metadata.tables.values():
        for column in table.columns:
            if column.unique or column.index:
                raise TypeError(
                    f"{table.name}.{column.name}: declare the unique constraint or index in __table_args__ "
                    "with its name (sa.UniqueConstraint(..., name=...), sa.Index(name, ...)), not as a "
                    "column flag: a host's naming convention would rename the copy."
                )
        items: list[sa.Constraint | sa.Index] = [*table.constraints, *table.indexes]
        for item in items:
            name = item.name
            if not isinstance(name, str) or not name:
                raise TypeError(f"{table.name}: {item!r} has no name")
            if len(name) > MAX_NAME_LENGTH:
                raise TypeError(f"{table.name}: {name} is longer than {MAX_NAME_LENGTH} characters")
            if name in seen:
                raise TypeError(f"{table.name}: {name} is also used on {seen[name]}")
            seen[name] = table.name
            item.name = conv(name)


_freeze_names(metadata)
# Finding a resident by any word of the name: an index SQLAlchemy cannot declare
# per database (FTS5 / GIN / FULLTEXT), made with the table (see search_index).
search_index.install(Resident.__table__)
