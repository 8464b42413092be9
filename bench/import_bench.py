#!/usr/bin/env python
"""Benchmark the resident import: a generated file of N rows through
``flask ektp import-residents``, wall time per phase and peak RSS.

    python bench/import_bench.py                                     # SQLite, 1,288,630 rows
    python bench/import_bench.py --database-url postgresql+psycopg://postgres@127.0.0.1/ektp_bench_import
    python bench/import_bench.py --rows 200000 --database-url ...     # a smaller run

Each run starts from an empty residents table (the ``ektp_`` tables dropped and
created, Banyuwangi's regions loaded), imports the file (everyone new: the
first load of a regency), then imports the same file again (everyone
unchanged: the monthly refresh). The import runs as the real command in a child
process; its peak RSS is the child's own high-water mark (``wait4``), its phases
are timed from the progress lines it prints. The file is laid out as the
residents export (``ektp_admin.population.sample``), generated once into
``bench/results/`` and reused. Results go to stdout and
``bench/results/import-<database>-<rows>.md``.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

BANYUWANGI = 1_288_630
DEFAULT_URL = f"sqlite:///{RESULTS / 'import.sqlite'}"


def reset(url: str) -> None:
    from ektp_admin import models
    from ektp_admin.regions import load_regions

    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(parsed.database + suffix).unlink(missing_ok=True)
    engine = sa.create_engine(url)
    try:
        models.metadata.drop_all(engine)
        models.metadata.create_all(engine)
        with Session(engine) as session:
            load_regions(session, "35.10")
            session.commit()
    finally:
        engine.dispose()


def sample_file(rows: int, fmt: str) -> Path:
    from ektp_admin.population.sample import resident_rows, write_residents

    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"import-{rows}.{fmt}"
    if path.exists():
        return path
    started = time.perf_counter()
    if fmt == "csv":
        write_residents(str(path), rows)
    else:
        from openpyxl import Workbook

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        for row in resident_rows(rows):
            sheet.append(row)
        workbook.save(path)
    print(f"generated {path.name} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.0f} s")
    return path


def run_import(url: str, path: Path) -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EKTP_ADMIN_", "FLASK_")) and k != "DATABASE_URL"}
    instance = RESULTS / "import-instance"
    instance.mkdir(parents=True, exist_ok=True)
    env.update(DATABASE_URL=url, EKTP_ADMIN_INSTANCE=str(instance), SECRET_KEY="bench", PYTHONUNBUFFERED="1",
               EKTP_ADMIN_REFERENCE_DATE="2016-09-21")
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "ektp", "import-residents", str(path), "--lang", "en"]
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    memory = MemorySampler(process.pid)
    memory.start()
    phases: dict[str, float] = {}
    lines: list[str] = []
    assert process.stdout is not None
    for line in process.stdout:
        lines.append(line.rstrip())
        if line.rstrip().endswith("...") and not line.startswith(" "):
            phases[line.strip()[:-3]] = time.perf_counter() - started
    _, status, usage = os.wait4(process.pid, 0)
    total = time.perf_counter() - started
    memory.stop()
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit("the import failed:\n" + "\n".join(lines[-30:]))
    marks = sorted(phases.items(), key=lambda item: item[1]) + [("end", total)]
    spans = {name: marks[i + 1][1] - at for i, (name, at) in enumerate(marks[:-1])}
    summary = next((line for line in lines if line.startswith(("Imported", "Dry run"))), "")
    # wait4's usage covers the import and its reaped children (the checking process)
    return {"total": total, "phases": spans, "peak_rss_mb": usage.ru_maxrss / 1024, "summary": summary,
            "cpu": usage.ru_utime + usage.ru_stime, "peak_sum_mb": memory.peak / 1024}


class MemorySampler(threading.Thread):
    """The summed RSS of a process and its descendants (the checking process runs beside
    the importer), sampled every quarter second: ``peak`` in KiB."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(0.25):
            self.peak = max(self.peak, sum(_rss_kb(pid) for pid in _family(self.pid)))

    def stop(self) -> None:
        self.stopped.set()
        self.join()


def _family(pid: int) -> list[int]:
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return found


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("EKTP_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--rows", type=int, default=BANYUWANGI)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--no-second", action="store_true", help="skip the second (all unchanged) import")
    args = parser.parse_args()
    path = sample_file(args.rows, args.format)
    reset(args.database_url)
    load = os.getloadavg()
    runs = [("first import (all new)", run_import(args.database_url, path))]
    if not args.no_second:
        runs.append(("second import (all unchanged)", run_import(args.database_url, path)))
    backend = make_url(args.database_url).get_backend_name()
    lines = [
        f"## Import of {args.rows:,} residents ({args.format.upper()}, {path.stat().st_size / 1e6:.0f} MB), {backend}",
        "",
        f"{dt.date.today().isoformat()}, {platform.node()}, {os.cpu_count()} CPUs, load average before "
        f"{load[0]:.1f}, after {os.getloadavg()[0]:.1f}. Command: `python bench/import_bench.py --database-url "
        f"{make_url(args.database_url).render_as_string(hide_password=True)} --rows {args.rows} --format {args.format}`",
        "",
        "| run | total | phases | CPU (user+sys) | CPU / wall | peak RSS (largest process / all summed) | result |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, result in runs:
        phases = ", ".join(f"{k.lower()} {v:.0f} s" for k, v in result["phases"].items())  # type: ignore[union-attr]
        lines.append(f"| {name} | {result['total']:.0f} s | {phases} | {result['cpu']:.0f} s | "
                     f"{result['cpu'] / result['total']:.2f} | "  # type: ignore[operator]
                     f"{result['peak_rss_mb']:.0f} MB / {result['peak_sum_mb']:.0f} MB | {result['summary']} |")
    text = "\n".join(lines) + "\n"
    print(text)
    (RESULTS / f"import-{backend}-{args.rows}.md").write_text(text)


if __name__ == "__main__":
    main()
