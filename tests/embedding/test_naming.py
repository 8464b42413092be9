"""A portal's ``naming_convention`` renames none of the plugin's constraints and indexes.

``init_app`` copies our tables into the portal's metadata; every name there is
final (models._freeze_names), so the portal's ``create_all`` and migrations make
the same names as ours, and the friendly refusals chosen by constraint name
(views/errors.py) still find theirs.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from conftest import KEC_A, ScratchDatabase
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from schema_support import assert_same_schema, schema
from security.ektp_support import flashes, post_form, resident_form, text
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.naming import conv

from ektp_admin import EktpAdmin, EktpUser, Role, models
from ektp_admin.regions import load_regions
from ektp_admin.views.errors import CONSTRAINT_MESSAGES

CONVENTIONS = {
    # names as PostgreSQL would choose them: uq_ektp_resident_nik would become ektp_resident_nik_key
    "PostgreSQL-like": {
        "ix": "%(column_0_label)s_idx", "uq": "%(table_name)s_%(column_0_name)s_key",
        "ck": "%(table_name)s_%(constraint_name)s_check", "fk": "%(table_name)s_%(column_0_name)s_fkey",
        "pk": "%(table_name)s_pkey",
    },
    # the portal: uq would become portal_uq_ektp_resident_nik
    "portal's own": {
        "ix": "portal_ix_%(column_0_label)s", "uq": "portal_uq_%(table_name)s_%(column_0_name)s",
        "ck": "portal_ck_%(table_name)s_%(constraint_name)s", "fk": "portal_fk_%(table_name)s_%(column_0_name)s",
        "pk": "portal_pk_%(table_name)s",
    },
    # a convention that wraps even explicit names
    "wrapping names": {
        "ix": "portal_%(constraint_name)s", "uq": "portal_%(constraint_name)s", "ck": "portal_%(constraint_name)s",
        "fk": "portal_%(constraint_name)s", "pk": "portal_pk_%(table_name)s",
    },
    # the one SQLAlchemy's documentation suggests
    "SQLAlchemy's": {
        "ix": "ix_%(column_0_label)s", "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s", "pk": "pk_%(table_name)s",
    },
}


def names(metadata: sa.MetaData) -> dict[tuple[str, str, tuple[str, ...]], str]:
    """Every constraint and index of our tables: (table, kind, columns) -> name."""
    found = {}
    for table in metadata.sorted_tables:
        if not table.name.startswith("ektp_"):
            continue
        items: list[Any] = [*table.constraints, *table.indexes]
        for item in items:
            found[(table.name, type(item).__name__, tuple(c.name for c in item.columns))] = str(item.name)
    return found


def _portal(url: str, convention: dict[str, str], **ektp: Any) -> tuple[Flask, Any]:
    class PortalBase(DeclarativeBase):
        metadata = sa.MetaData(naming_convention=convention)

    app = Flask("portal")
    app.config.update(SECRET_KEY="s", SQLALCHEMY_DATABASE_URI=url, TESTING=True,
                      EKTP_ADMIN_REFERENCE_DATE=dt.date(2016, 9, 21), EKTP_ADMIN_DEFAULT_LOCALE="en")
    db = SQLAlchemy(model_class=PortalBase)
    db.init_app(app)
    EktpAdmin(app, db=db, **ektp)
    return app, db


def test_every_name_is_final_and_fits_every_database() -> None:
    every = names(models.metadata)
    assert len(every) == len(set(every.values())), "names are unique"
    for table in models.metadata.sorted_tables:
        for item in [*table.constraints, *table.indexes]:
            assert isinstance(item.name, conv), item  # a convention passes a conv name through
            assert len(item.name) <= 63, item.name  # PostgreSQL keeps 63 characters, MariaDB takes 64
    assert set(CONSTRAINT_MESSAGES) <= set(every.values()), "the friendly messages name real constraints"


def test_a_column_flag_is_refused_with_the_way_to_name_it() -> None:
    metadata = sa.MetaData(naming_convention=models.NAMING_CONVENTION)
    sa.Table("ektp_example", metadata, sa.Column("id", sa.Integer, primary_key=True),
             sa.Column("code", sa.String(5), unique=True))
    with pytest.raises(TypeError, match=r"ektp_example\.code: declare the unique constraint or index in "
                                        r"__table_args__ with its name"):
        models._freeze_names(metadata)


@pytest.mark.parametrize("convention", CONVENTIONS.values(), ids=CONVENTIONS.keys())
def test_a_portals_naming_convention_renames_nothing(convention: dict[str, str]) -> None:
    _, db = _portal("sqlite://", convention)  # no hook: ektp_user is copied too
    assert names(db.metadata) == names(models.metadata)
    assert names(db.metadata)[("ektp_resident", "UniqueConstraint", ("nik",))] == "uq_ektp_resident_nik"


def test_a_portals_create_all_makes_our_names(scratch_database: ScratchDatabase) -> None:
    app, db = _portal(scratch_database.url, CONVENTIONS["PostgreSQL-like"])
    with app.app_context():
        db.create_all()
        db.engine.dispose()
    engine = scratch_database.engine()
    portals = schema(engine)

    scratch_database.reset()
    engine = scratch_database.engine()
    models.metadata.create_all(engine)
    assert_same_schema(portals, schema(engine))


@pytest.fixture
def portal_with_residents(scratch_database: ScratchDatabase) -> Iterator[tuple[Flask, Any]]:
    app, db = _portal(scratch_database.url, CONVENTIONS["PostgreSQL-like"],
                      current_user=lambda: EktpUser("camat", Role.CLERK, KEC_A))
    with app.app_context():
        db.create_all()
        load_regions(db.session, "35.10")
        db.session.commit()
    yield app, db
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_the_duplicate_nik_message_through_a_portal_with_a_naming_convention(
        portal_with_residents: tuple[Flask, Any]) -> None:
    """Two clerks save the same NIK at once: the database's uq_ektp_resident_nik decides, the clerk reads why."""
    app, db = portal_with_residents
    data = resident_form(name="KALAH CEPAT")

    def other_clerk_saves(session: Any, context: Any, instances: Any) -> None:
        with db.engine.begin() as conn:
            conn.execute(models.Resident.__table__.insert().values(
                nik=data["nik"], name="MENANG CEPAT", name_key="MENANG CEPAT", sex="L",
                birth_date=dt.date(1985, 3, 9), marital_status="married", citizenship="wni",
                desa_code=data["desa"], kecamatan_code=KEC_A, ktp_status="not_recorded", disabled=False,
                seriously_ill=False, away=False, version=1, created_at=dt.datetime(2016, 9, 1),
                updated_at=dt.datetime(2016, 9, 1)))

    client = app.test_client()
    with app.app_context():
        sa.event.listen(db.session, "before_flush", other_clerk_saves, once=True)
        response = post_form(client, "/admin/residents/new/", data)
    page = text(response)
    assert response.status_code == 200
    assert "This NIK is already registered to another resident." in flashes(page)
    for raw in ("IntegrityError", "UNIQUE constraint", "duplicate key", "Duplicate entry", "uq_ektp", "nik_key"):
        assert raw not in page
