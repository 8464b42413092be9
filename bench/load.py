#!/usr/bin/env python
"""A bounded load test of the production layout: gunicorn with 4 workers on PostgreSQL.

    python bench/load.py --database-url postgresql+psycopg://postgres@127.0.0.1/ektp_load \\
        [--residents 1288630] [--clerks 16] [--seconds 60] [--workers 4]

Sixteen clerks (one per kecamatan, each signed in through the login form) browse,
search and save visits at the same time, over HTTP on loopback, for 60 seconds;
each does what a clerk does in a day, in a random order and without pauses (so
this is a stress well above sixteen people at keyboards). The table gives, per
action, how many were done, the errors (any answer that is not the one a clerk
expects: a status other than 200/302, a save refused, a row link that does not
open), p50, p95 and the slowest; then the saves are counted in the database and
must equal the saves the server accepted. Exit status 1 when there was an error.

The data is the benchmark's (``bench/run.py`` builds it with the demo
generator); a database without it is built here first.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import http.client
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable
from urllib.parse import quote, urlencode

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

import data  # noqa: E402
import report  # noqa: E402
import sqlalchemy as sa  # noqa: E402

BANYUWANGI = 1_288_630
REFERENCE_DATE = dt.date(2016, 9, 21)
PASSWORD = "load-test-" + secrets.token_hex(4)
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
DETAILS_LINK = re.compile(r'href="(/admin/residents/details/\?[^"]+)"')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get(
        "EKTP_LOAD_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1/ektp_load"))
    parser.add_argument("--residents", type=int, default=BANYUWANGI, help="residents to build when the database is empty")
    parser.add_argument("--clerks", type=int, default=16, help="concurrent clerks (one per kecamatan)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long they work")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--seed", type=int, default=2016)
    parser.add_argument("--output", type=Path, help="report path (default bench/results/load-<db>-<n>.md)")
    return parser.parse_args(argv)


# -- the server ---------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def server_environment(url: str, instance: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        EKTP_ADMIN_INSTANCE=str(instance),
        EKTP_ADMIN_INSECURE_COOKIES="1",  # plain http on loopback
        EKTP_ADMIN_REFERENCE_DATE=REFERENCE_DATE.isoformat(),
    )
    return env


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or shutil.which("gunicorn")
    if not gunicorn:
        raise SystemExit("gunicorn is not installed: pip install -e '.[bench]'")
    command = [gunicorn, "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
               "--timeout", "30", "ektp_admin.standalone:create_app()"]
    process = subprocess.Popen(command, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
                               start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn stopped at start; see {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("gunicorn did not answer within 60 s")


def stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)


# -- the data the clerks work on ----------------------------------------------

@dataclasses.dataclass
class Desk:
    """One clerk's kecamatan and what they will look for in it."""

    username: str
    kecamatan: str
    desa: list[str]
    niks: list[str]
    words: list[str]


def prepare(url: str, env: dict[str, str], clerks: int, residents: int, seed: int) -> tuple[list[Desk], str]:
    """Schema and data (built when missing), one clerk per kecamatan, a mark for this run's visits."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "EKTP_ADMIN_INSTANCE", "EKTP_ADMIN_REFERENCE_DATE")})
    from werkzeug.security import generate_password_hash

    from ektp_admin import models
    from ektp_admin.standalone import create_app

    app = create_app()  # also writes the instance's secret key once, before the workers share it
    if not data.resident_count(url):
        print(f"building {residents:,} residents with the demo generator ...", flush=True)
        data.build(app, residents, seed, echo=lambda m: print(f"  {m}", flush=True))
        data.analyze(url)
    run_mark = f"load test {dt.datetime.now(dt.timezone.utc):%Y%m%d%H%M%S}"
    desks: list[Desk] = []
    with app.app_context():
        session = models.db.session
        kecamatan = session.execute(sa.select(models.Kecamatan.code).order_by(models.Kecamatan.code)).scalars().all()
        password_hash = generate_password_hash(PASSWORD)
        for code in kecamatan[:clerks]:
            username = f"load-{code.replace('.', '')}"
            user = session.execute(sa.select(models.User).where(models.User.username == username)).scalar_one_or_none()
            if user is None:
                user = models.User(username=username, role="clerk", kecamatan_code=code)
                session.add(user)
            user.password_hash = password_hash
            desa = session.execute(sa.select(models.Desa.code).where(models.Desa.kecamatan_code == code)).scalars().all()
            sample = session.execute(
                sa.select(models.Resident.nik, models.Resident.name)
                .where(models.Resident.kecamatan_code == code).order_by(models.Resident.id).limit(400)
            ).all()
            words = sorted({w for _, name in sample for w in name.split() if len(w) > 3})
            desks.append(Desk(username, code, list(desa), [n for n, _ in sample], words or ["SITI"]))
        session.commit()
        models.db.engine.dispose()
    return desks, run_mark


def visits_marked(url: str, mark: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM ektp_visit WHERE notes = :m"), {"m": mark}).scalar_one()
    finally:
        engine.dispose()


# -- a clerk at work ----------------------------------------------------------

class Clerk:
    """A browser: cookies kept, one HTTP/1.1 connection per request (gunicorn's sync workers close it)."""

    def __init__(self, port: int, desk: Desk, mark: str, rng: random.Random) -> None:
        self.port, self.desk, self.mark, self.rng = port, desk, mark, rng
        self.cookies: dict[str, str] = {}
        self.details: list[str] = []

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Accept-Language": "id"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, response.getheader("Location") or "", text
        finally:
            conn.close()

    def token(self, path: str) -> str:
        status, _, body = self.request("GET", path)
        match = TOKEN.search(body)
        if status != 200 or not match:
            raise RuntimeError(f"GET {path}: {status}, no form token")
        return match.group(1) or match.group(2)

    def sign_in(self) -> None:
        token = self.token("/login")
        status, location, _ = self.request("POST", "/login", {
            "csrf_token": token, "username": self.desk.username, "password": PASSWORD})
        if status != 302 or "/login" in location:
            raise RuntimeError(f"{self.desk.username} could not sign in ({status})")

    # Each action returns True when the answer is what a clerk expects.
    def home(self) -> bool:
        return self.request("GET", "/admin/")[0] == 200

    def residents_list(self) -> bool:
        status, _, body = self.request("GET", "/admin/residents/")
        self.details = DETAILS_LINK.findall(body) or self.details
        return status == 200

    def name_search(self) -> bool:
        status, _, body = self.request("GET", "/admin/residents/?search=" + quote(self.rng.choice(self.desk.words)))
        return status == 200 and "<table" in body

    def nik_search(self) -> bool:
        nik = self.rng.choice(self.desk.niks)
        status, _, body = self.request("GET", "/admin/residents/?search=" + nik)
        return status == 200 and nik in body

    def resident_details(self) -> bool:
        if not self.details:
            return self.residents_list()
        link = self.rng.choice(self.details).replace("&amp;", "&")
        return self.request("GET", link)[0] == 200

    def desa_outstanding(self) -> bool:
        return self.request("GET", f"/admin/outstanding/{self.rng.choice(self.desk.desa)}/")[0] == 200

    def home_visits(self) -> bool:
        return self.request("GET", "/admin/home-visits/")[0] == 200

    def save_visit(self) -> bool:
        token = self.token("/admin/visits/new/")
        day = REFERENCE_DATE + dt.timedelta(days=self.rng.randint(1, 9))
        start = self.rng.randint(8, 17)
        status, location, _ = self.request("POST", "/admin/visits/new/", {
            "csrf_token": token, "day": day.isoformat(), "start_time": f"{start:02d}:00",
            "end_time": f"{start + 2:02d}:00", "kind": "village_post", "state": "planned",
            "kecamatan": "__None", "desa": self.rng.choice(self.desk.desa), "host_resident": "",
            "host_address": "", "team": "__None", "device": "__None", "campaign": "__None",
            "notes": self.mark,
        })
        return status == 302 and "/new/" not in location


ACTIONS: list[tuple[str, Callable[[Clerk], bool], int]] = [
    ("home page", Clerk.home, 1),
    ("residents list", Clerk.residents_list, 3),
    ("name search", Clerk.name_search, 3),
    ("NIK search", Clerk.nik_search, 3),
    ("resident details (row link)", Clerk.resident_details, 2),
    ("desa outstanding list", Clerk.desa_outstanding, 3),
    ("home-visit list", Clerk.home_visits, 1),
    ("save a visit (form + post)", Clerk.save_visit, 2),
]


@dataclasses.dataclass
class Tally:
    times: dict[str, list[float]] = dataclasses.field(default_factory=dict)
    errors: dict[str, int] = dataclasses.field(default_factory=dict)
    failures: list[str] = dataclasses.field(default_factory=list)
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def add(self, action: str, took: float, ok: bool, why: str = "") -> None:
        with self.lock:
            self.times.setdefault(action, []).append(took)
            if not ok:
                self.errors[action] = self.errors.get(action, 0) + 1
                if len(self.failures) < 20:
                    self.failures.append(f"{action}: {why or 'unexpected answer'}")


@dataclasses.dataclass
class Start:
    """Everyone signs in first; the clock starts when the last one is in."""

    signed_in: threading.Barrier
    go: threading.Event = dataclasses.field(default_factory=threading.Event)
    until: float = 0.0


def work(clerk: Clerk, start: Start, tally: Tally) -> None:
    try:
        clerk.sign_in()
    except Exception as error:  # noqa: BLE001 - reported as an error of its own
        tally.add("sign in", 0.0, False, str(error))
        start.signed_in.wait()
        return
    start.signed_in.wait()
    start.go.wait()
    until = start.until
    names = [a[0] for a in ACTIONS]
    weights = [a[2] for a in ACTIONS]
    by_name = {a[0]: a[1] for a in ACTIONS}
    while time.monotonic() < until:
        action = clerk.rng.choices(names, weights)[0]
        began = time.perf_counter()
        try:
            ok, why = by_name[action](clerk), ""
        except Exception as error:  # noqa: BLE001 - a dropped connection is an error, not a crash
            ok, why = False, f"{type(error).__name__}: {error}"
        tally.add(action, time.perf_counter() - began, ok, why)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def render(args: argparse.Namespace, url: str, residents: int | None, tally: Tally, took: float,
           saved_ok: int, saved_db: int, load: tuple[str, str]) -> str:
    rows = []
    total = errors = 0
    for action, _, _ in ACTIONS:
        times = tally.times.get(action, [])
        if not times:
            continue
        total += len(times)
        errors += tally.errors.get(action, 0)
        rows.append([action, f"{len(times):,}", str(tally.errors.get(action, 0)),
                     report.fmt_s(statistics.median(times)), report.fmt_s(percentile(times, 0.95)),
                     report.fmt_s(max(times))])
    lines = [
        f"# Load test: {args.clerks} clerks, {args.workers} gunicorn workers, {args.seconds:.0f} s",
        "",
        f"- database: {url.split('@')[-1]} ({make_backend(url)}), {residents or 0:,} residents",
        f"- command: `python bench/load.py {' '.join(sys.argv[1:])}`",
        f"- machine: {os.cpu_count()} CPUs; load average before {load[0]}, after {load[1]}",
        f"- {total:,} actions in {took:.1f} s ({total / took:.1f} per second), {errors} errors",
        f"- visits saved: {saved_ok:,} accepted by the server, {saved_db:,} found in the database",
        "",
        "| action | done | errors | p50 | p95 | slowest |",
        "|---|---:|---:|---:|---:|---:|",
        *("| " + " | ".join(row) + " |" for row in rows),
    ]
    if tally.failures:
        lines += ["", "Errors seen (first 20):", "", *(f"- {f}" for f in tally.failures)]
    return "\n".join(lines) + "\n"


def make_backend(url: str) -> str:
    return sa.engine.make_url(url).get_backend_name()


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database_url
    instance = Path(tempfile.mkdtemp(prefix="ektp-load-"))
    env = server_environment(url, instance)
    desks, mark = prepare(url, env, args.clerks, args.residents, args.seed)
    residents = data.resident_count(url)
    port = free_port()
    log = instance / "gunicorn.log"
    before = load_average()
    server = start_gunicorn(env, port, args.workers, log)
    tally = Tally()
    try:
        start = Start(threading.Barrier(len(desks) + 1))
        clerks = [Clerk(port, desk, mark, random.Random(args.seed + i)) for i, desk in enumerate(desks)]
        threads = [threading.Thread(target=work, args=(clerk, start, tally)) for clerk in clerks]
        for thread in threads:
            thread.start()
        start.signed_in.wait()
        began = time.monotonic()
        start.until = began + args.seconds
        start.go.set()
        for clerk_thread in threads:
            clerk_thread.join()
        took = time.monotonic() - began
    finally:
        stop(server)
    saved_ok = len(tally.times.get("save a visit (form + post)", [])) - tally.errors.get("save a visit (form + post)", 0)
    saved_db = visits_marked(url, mark)
    text = render(args, url, residents, tally, took, saved_ok, saved_db, (before, load_average()))
    print(text)
    RESULTS.mkdir(exist_ok=True)
    output = args.output or RESULTS / f"load-{make_backend(url)}-{residents or 0}.md"
    output.write_text(text, encoding="utf-8")
    print(f"written to {output}; server log {log}")
    failed = sum(tally.errors.values()) > 0 or saved_ok != saved_db
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
