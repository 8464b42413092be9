"""The markdown report: machine, data, the table, checks and query plans."""
from __future__ import annotations

import os
import platform
import sqlite3
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import sqlalchemy as sa

MB = 1024 * 1024


def fmt_s(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 1:
        return f"{seconds * 1000:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_target(seconds: float) -> str:
    return f"<= {seconds * 1000:.0f} ms" if seconds < 1 else f"<= {seconds:g} s"


def fmt_mb(value: int | None) -> str:
    return "-" if value is None else f"{value / MB:.1f} MB"


def verdict(value: float | None, limit: float | None, error: str | None = None) -> str:
    if error:
        return "FAIL (error)"
    if limit is None or value is None:
        return "info"
    return "PASS" if value <= limit else "FAIL"


def machine_info(url: str) -> list[tuple[str, str]]:
    info: list[tuple[str, str]] = []
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GB"
    except OSError:
        pass
    info.append(("CPU", f"{cpu}, {os.cpu_count()} cores"))
    info.append(("Memory", mem))
    info.append(("OS", platform.platform()))
    info.append(("Python", platform.python_version()))
    versions = []
    for dist in ("Flask", "Flask-Admin", "Flask-SQLAlchemy", "SQLAlchemy", "Werkzeug", "psycopg"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            pass
    info.append(("Libraries", ", ".join(versions)))
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                version = conn.execute(sa.text("SHOW server_version")).scalar_one()
                settings = []
                for name in ("shared_buffers", "work_mem", "effective_cache_size", "random_page_cost",
                             "max_parallel_workers_per_gather", "jit"):
                    settings.append(f"{name}={conn.execute(sa.text(f'SHOW {name}')).scalar_one()}")
                collation = conn.execute(sa.text(
                    "SELECT datcollate FROM pg_database WHERE datname = current_database()")).scalar_one()
                info.append(("Database", f"PostgreSQL {version} (same host, TCP 127.0.0.1), collation {collation}"))
                info.append(("Server settings", ", ".join(settings)))
            else:
                info.append(("Database", f"SQLite {sqlite3.sqlite_version} (file, Python sqlite3, default pragmas)"))
    finally:
        engine.dispose()
    return info


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def code_version() -> str:
    root = Path(__file__).resolve().parent.parent
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}{' + uncommitted changes in tracked files' if dirty else ''}"


def redact(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def table(rows: list[list[str]], header: list[str]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def explain(conn: Any, statement: str, parameters: Any) -> str:
    """The plan of one captured statement (PostgreSQL: with actual times and buffers)."""
    if conn.dialect.name == "postgresql":
        rows = conn.exec_driver_sql("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters).all()
        return "\n".join(r[0] for r in rows)
    rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
    return "\n".join(f"{'  ' * _depth(rows, r)}{r[-1]}" for r in rows)


def _depth(rows: list[Any], row: Any) -> int:
    parents = {r[0]: r[1] for r in rows}
    depth, parent = 0, row[1]
    while parent in parents:
        depth += 1
        parent = parents[parent]
    return depth
