"""The benchmark's data: built once per database with the project's own demo generator."""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from ektp_admin import models


def resident_count(url: str) -> int | None:
    """Residents in the database, or None when there is no schema yet."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
        return None
    engine = sa.create_engine(url)
    try:
        if not sa.inspect(engine).has_table("ektp_resident"):
            return None
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM ektp_resident")).scalar_one()
    finally:
        engine.dispose()


def preset_built(url: str, preset: str) -> bool:
    """Does the database hold the preset's demo (its baseline backlog, at least its wajib)?"""
    from ektp_admin.demo import preset_counts

    wajib, outstanding = preset_counts(preset)
    if (resident_count(url) or 0) < wajib:
        return False
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return outstanding in {b for (b,) in conn.execute(sa.text("SELECT baseline_outstanding FROM ektp_campaign"))}
    finally:
        engine.dispose()


def wipe(url: str) -> None:
    """Start from nothing: delete the SQLite file, or drop the ektp_ tables of the database."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(parsed.database + suffix).unlink(missing_ok=True)
        return
    engine = sa.create_engine(url)
    try:
        models.metadata.drop_all(engine)
    finally:
        engine.dispose()


def build(app: Any, residents: int, seed: int, echo: Callable[[str], Any], preset: str | None = None) -> float:
    """Create the schema and run ``build_demo`` (what ``flask ektp demo`` runs; ``preset``:
    ``flask ektp demo --preset banyuwangi``); seconds taken."""
    from ektp_admin.demo import build_demo

    with app.app_context():
        db = models.db
        db.metadata.create_all(db.engine)
        started = time.perf_counter()
        build_demo(db, residents=residents, seed=seed, echo=echo, preset=preset)
        took = time.perf_counter() - started
        db.session.remove()
    return took


def analyze(url: str) -> float:
    """Fresh planner statistics, as autovacuum (PostgreSQL) or ``PRAGMA optimize`` would give."""
    engine = sa.create_engine(url)
    started = time.perf_counter()
    try:
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        else:
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
    finally:
        engine.dispose()
    return time.perf_counter() - started


def database_size(url: str) -> int | None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return Path(parsed.database).stat().st_size if parsed.database else None
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                return conn.execute(sa.text("SELECT pg_database_size(current_database())")).scalar_one()
    finally:
        engine.dispose()
    return None
