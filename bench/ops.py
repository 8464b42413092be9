"""The operations measured, each in three implementations on the same data.

- ``ektp``: the plugin's screen over HTTP from a real WSGI server (gunicorn, one
  worker: see ``server.py``), HTML rendered, body read to the end;
- ``stock``: the nearest a stock ``ModelView(Resident, db)`` gets, same server, same client;
- ``raw``: the SELECT that returns the same rows, on a plain SQLAlchemy
  connection (no Flask, no ORM objects, no HTML): the floor under both.

Parameters (which NIK, which desa...) are read from the data, never hard-coded,
so the same harness runs on any size built from any seed.
"""
from __future__ import annotations

import csv
import datetime as dt
import html
import http.client
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import sqlalchemy as sa
from bench_app import EKTP_RESIDENTS, STOCK_RESIDENTS, filter_arg, find_view, stock_filter_classes
from flask import Flask, url_for
from measure import Stream, consume

from ektp_admin.domain.eligibility import LANSIA_AGE, OUTSTANDING_STATUSES, WAJIB_KTP_AGE, birth_date_cutoff
from ektp_admin.domain.enums import Citizenship, MaritalStatus
from ektp_admin.engines import read_to_the_end

OUTSTANDING = tuple(sorted(s.value for s in OUTSTANDING_STATUSES))


# ---------------------------------------------------------------------- parameters


@dataclass
class Params:
    """What each operation asks for, picked from the data (see :func:`discover`)."""

    residents: int
    reference_date: dt.date
    nik: str
    nik_prefix: str
    name_prefix: str
    desa_code: str
    desa_name: str
    desa_residents: int
    big_kecamatan_code: str  # the largest kecamatan: worst case for its summary
    big_kecamatan_name: str
    big_kecamatan_residents: int
    export_kecamatan_code: str  # the kecamatan nearest the mean size (~50k at 1.29 M)
    export_kecamatan_name: str
    export_kecamatan_residents: int
    desa_total: int
    matches: dict[str, int] = field(default_factory=dict)

    @property
    def wajib_cutoff(self) -> dt.date:
        return birth_date_cutoff(self.reference_date, WAJIB_KTP_AGE)

    @property
    def lansia_cutoff(self) -> dt.date:
        return birth_date_cutoff(self.reference_date, LANSIA_AGE)


def _upper_bound(prefix: str) -> str:
    """The least string above every string starting with ``prefix`` (same as our search)."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)


OUTSTANDING_SQL = (
    "r.ktp_status IN ({statuses}) AND r.citizenship <> :wna_other "
    "AND (r.birth_date <= :wajib_cutoff OR r.marital_status <> :single)"
).format(statuses=", ".join(f"'{s}'" for s in OUTSTANDING))


def sql_params(p: Params) -> dict[str, Any]:
    return {
        "wna_other": Citizenship.WNA_OTHER.value,
        "single": MaritalStatus.SINGLE.value,
        "wajib_cutoff": p.wajib_cutoff,
        "lansia_cutoff": p.lansia_cutoff,
    }


def discover(engine: sa.Engine, reference_date: dt.date) -> Params:
    with engine.connect() as conn:
        n = conn.execute(sa.text("SELECT count(*) FROM ektp_resident")).scalar_one()
        lo, hi = conn.execute(sa.text("SELECT min(id), max(id) FROM ektp_resident")).one()
        nik, name_key = conn.execute(
            sa.text("SELECT nik, name_key FROM ektp_resident WHERE id >= :mid ORDER BY id LIMIT 1"),
            {"mid": (lo + hi) // 2},
        ).one()
        desa = conn.execute(sa.text(
            "SELECT r.desa_code, d.name, count(*) AS n FROM ektp_resident r JOIN ektp_desa d ON d.code = r.desa_code "
            "GROUP BY r.desa_code, d.name ORDER BY n DESC, r.desa_code LIMIT 1"
        )).one()
        kec = conn.execute(sa.text(
            "SELECT r.kecamatan_code, k.name, count(*) AS n FROM ektp_resident r "
            "JOIN ektp_kecamatan k ON k.code = r.kecamatan_code GROUP BY r.kecamatan_code, k.name"
        )).all()
        desa_total = conn.execute(sa.text("SELECT count(*) FROM ektp_desa")).scalar_one()
    big = max(kec, key=lambda r: (r.n, r.kecamatan_code))
    mean = n / len(kec)
    mid_kec = min(kec, key=lambda r: (abs(r.n - mean), r.kecamatan_code))
    p = Params(
        residents=n, reference_date=reference_date, nik=nik, nik_prefix=nik[:8],
        name_prefix=name_key.split()[0], desa_code=desa.desa_code, desa_name=desa.name, desa_residents=desa.n,
        big_kecamatan_code=big.kecamatan_code, big_kecamatan_name=big.name, big_kecamatan_residents=big.n,
        export_kecamatan_code=mid_kec.kecamatan_code, export_kecamatan_name=mid_kec.name,
        export_kecamatan_residents=mid_kec.n, desa_total=desa_total,
    )
    with engine.connect() as conn:
        count = lambda where, **kw: conn.execute(  # noqa: E731
            sa.text(f"SELECT count(*) FROM ektp_resident r WHERE {where}"), {**sql_params(p), **kw}
        ).scalar_one()
        p.matches = {
            "nik_exact": count("r.nik = :nik", nik=p.nik),
            "nik_prefix": count("r.nik >= :lo AND r.nik < :hi", lo=p.nik_prefix, hi=_upper_bound(p.nik_prefix)),
            "name_prefix": count("r.name_key >= :lo AND r.name_key < :hi", lo=p.name_prefix, hi=_upper_bound(p.name_prefix)),
            "list_filtered": count(f"r.desa_code = :desa AND {OUTSTANDING_SQL}", desa=p.desa_code),
            "list_filtered_stock": count(
                f"r.desa_code = :desa AND r.ktp_status IN ({', '.join(repr(s) for s in OUTSTANDING)}) "
                "AND r.birth_date <= :wajib_cutoff AND r.citizenship <> :wna_other", desa=p.desa_code),
            "outstanding_total": count(OUTSTANDING_SQL),
        }
    return p


# ---------------------------------------------------------------------- operations


@dataclass
class Impl:
    """One implementation of an operation: a callable, and how to describe it."""

    run: Callable[[], Any]
    note: str = ""
    #: for exports: a callable returning a :class:`Stream`
    stream: Callable[[], Stream] | None = None
    #: the URL asked (and as which clerk), for the statements appendix
    url: str | None = None
    clerk: str | None = None


@dataclass
class Operation:
    key: str
    label: str
    #: budget in seconds (issue 13's table); None: shown for information
    target: float | None
    ektp: Impl | None
    stock: Impl | None
    raw: Impl | None
    kind: str = "page"  # page | summary | export
    #: exports: the budget is this many times the raw floor measured in the same run
    ratio: float | None = None
    #: rows the ektp page lists, in order, for the same-rows check
    check: Callable[[], tuple[list[str], list[str]]] | None = None


NIK_CELL = re.compile(r'class="col-nik"[^>]*>\s*(\d{16})\s*<')
CLERK_HEADER = "X-Bench-User"


def page_niks(html: bytes) -> list[str]:
    return NIK_CELL.findall(html.decode("utf-8", "replace"))


class Bench:
    """Asks a real WSGI server over HTTP (one client for every implementation); raw SQL in-process."""

    def __init__(self, app: Flask, base_url: str, raw_engine: sa.Engine, params: Params) -> None:
        self.app = app  # only to build URLs and read the views' filters
        self.host, port = base_url.split("//", 1)[1].split(":")
        self.port = int(port)
        self.raw = raw_engine
        self.p = params
        self.ektp_view = find_view(app, EKTP_RESIDENTS)
        self.stock_view = find_view(app, STOCK_RESIDENTS)
        self.page_size = self.ektp_view.page_size

    # ------------------------------------------------------------------ helpers
    def url(self, endpoint: str, **args: Any) -> str:
        with self.app.test_request_context():
            return url_for(endpoint, **args)

    def _open(self, url: str, clerk: str | None) -> tuple[http.client.HTTPConnection, Any]:
        conn = http.client.HTTPConnection(self.host, self.port, timeout=900)
        headers = {"Accept-Language": "id"}
        if clerk:
            headers[CLERK_HEADER] = f"clerk:{clerk}"
        conn.request("GET", url, headers=headers)
        response = conn.getresponse()
        if response.status != 200:
            body = response.read()[-300:]
            conn.close()
            raise RuntimeError(f"HTTP {response.status} for {url}: {body!r}")
        return conn, response

    def get(self, url: str, clerk: str | None = None) -> bytes:
        conn, response = self._open(url, clerk)
        try:
            return response.read()
        finally:
            conn.close()

    def stream(self, url: str, clerk: str | None = None) -> Stream:
        started = time.perf_counter()
        conn, response = self._open(url, clerk)

        def chunks() -> Any:
            try:
                while True:
                    chunk = response.read1(65536)
                    if not chunk:
                        return
                    yield chunk
            finally:
                conn.close()

        return consume(chunks(), started)

    def sql_all(self, sql: str, **params: Any) -> list[Any]:
        with self.raw.connect() as conn:
            return conn.execute(sa.text(sql), {**sql_params(self.p), **params}).all()

    def sql_stream(self, sql: str, **params: Any) -> Stream:
        """Stream a SELECT into CSV text the way a hand-written export would: the floor."""
        started = time.perf_counter()

        class Echo:
            def write(self, value: str) -> str:
                return value

        def lines() -> Any:
            writer = csv.writer(Echo())
            with self.raw.connect() as conn:
                read_to_the_end(conn)  # the planner told every row is read, as the plugin's exports do
                result = conn.execution_options(stream_results=True, yield_per=2000).execute(
                    sa.text(sql), {**sql_params(self.p), **params}
                )
                yield writer.writerow(list(result.keys())).encode()
                batch: list[str] = []
                for row in result:
                    batch.append(writer.writerow(row))
                    if len(batch) >= 2000:
                        yield "".join(batch).encode()
                        batch = []
                if batch:
                    yield "".join(batch).encode()

        return consume(lines(), started)

    # ------------------------------------------------------------------ URLs
    def next_link(self, url: str) -> str:
        """The "next page" link of the ektp-admin list page at ``url``."""
        found = re.search(r'<a class="page-link" href="([^"]+)" rel="next"', self.get(url).decode("utf-8"))
        if found is None:
            raise LookupError(f"no next link on {url}")
        return html.unescape(found.group(1))

    def ektp_list(self, **args: Any) -> str:
        return self.url(f"{EKTP_RESIDENTS}.index_view", **args)

    def stock_list(self, **args: Any) -> str:
        return self.url(f"{STOCK_RESIDENTS}.index_view", **args)

    def ektp_filters(self, pairs: list[tuple[str, str]]) -> dict[str, str]:
        return {f"flt{i}_{key}": value for i, (key, value) in enumerate(pairs)}

    def outstanding_filter(self) -> tuple[str, str]:
        return (filter_arg(self.ektp_view, name="Outstanding"), "1")

    def ektp_desa_outstanding_args(self, desa_code: str) -> dict[str, str]:
        return self.ektp_filters([(filter_arg(self.ektp_view, column="desa_code"), desa_code),
                                  self.outstanding_filter()])

    def stock_outstanding_pairs(self) -> list[tuple[str, str]]:
        """Stock filters are ANDed, one column each: the nearest they get to "outstanding".

        Status in the two outstanding statuses, 17 or over, not a foreigner without a
        permanent permit; married residents under 17 (wajib by marriage) cannot be
        expressed, so stock lists slightly fewer rows (counts in the report).
        """
        v, c = self.stock_view, stock_filter_classes()
        return [
            (filter_arg(v, column="ktp_status", cls=c["in_list"]), ",".join(OUTSTANDING)),
            (filter_arg(v, column="birth_date", cls=c["date_smaller"]), (self.p.wajib_cutoff + dt.timedelta(days=1)).isoformat()),
            (filter_arg(v, column="citizenship", cls=c["not_equal"]), Citizenship.WNA_OTHER.value),
        ]

    def stock_desa_outstanding_args(self, desa_code: str) -> dict[str, str]:
        c = stock_filter_classes()
        return self.ektp_filters([(filter_arg(self.stock_view, column="desa_code", cls=c["equal"]), desa_code),
                                  *self.stock_outstanding_pairs()])

    def stock_kecamatan_pair(self, code: str) -> tuple[str, str]:
        return (filter_arg(self.stock_view, column="kecamatan_code", cls=stock_filter_classes()["equal"]), code)

    # ------------------------------------------------------------------ the operations
    def operations(self) -> list[Operation]:
        p, n = self.p, self.page_size
        ops: list[Operation] = []
        list_cols = (
            "r.id, r.nik, r.name, r.sex, r.birth_date, d.name AS desa, r.rt, r.rw, r.ktp_status, "
            "r.disabled, r.seriously_ill, r.away"
        )
        base = f"SELECT {list_cols} FROM ektp_resident r JOIN ektp_desa d ON d.code = r.desa_code"
        order = f"ORDER BY r.name_key, r.id LIMIT {n}"
        clerk = p.big_kecamatan_code

        def page_op(key: str, label: str, target: float | None, ektp_url: str, stock_url: str | None, sql: str,
                    stock_note: str = "", as_clerk: str | None = None, raw_note: str = "", **params: Any) -> Operation:
            return Operation(
                key, label, target,
                ektp=Impl(lambda: self.get(ektp_url, as_clerk), url=ektp_url, clerk=as_clerk),
                stock=Impl(lambda: self.get(stock_url), stock_note, url=stock_url) if stock_url else None,
                raw=Impl(lambda: self.sql_all(sql, **params), raw_note),
                check=lambda: (page_niks(self.get(ektp_url, as_clerk)), [r.nik for r in self.sql_all(sql, **params)]),
            )

        deep = min(20_000, max(1, -(-p.residents // n)))
        clerk_last = max(1, -(-p.big_kecamatan_residents // n))
        ops.append(page_op("list_first", "Residents list, page 1", 0.012,
                           self.ektp_list(), self.stock_list(), f"{base} {order}"))
        ops.append(page_op("list_deep", f"Residents list, page {deep:,} by its number", 0.012,
                           self.ektp_list(page=deep - 1), self.stock_list(page=deep - 1),
                           f"{base} {order} OFFSET {(deep - 1) * n}", stock_note="its own order (id)",
                           raw_note="OFFSET"))
        # The same page as a user reaches it: the "next" link of page 19,999 (keyset: after its last row).
        deep_link = self.next_link(self.ektp_list(page=deep - 2)) if deep > 1 else self.ektp_list()
        anchor = int(parse_qs(urlsplit(deep_link).query).get("after", ["0"])[0])
        after = "(SELECT name_key FROM ektp_resident WHERE id = :anchor)"
        ops.append(page_op("list_deep_link", f"Residents list, page {deep:,} by its link on page {deep - 1:,}", 0.012,
                           deep_link, None,
                           f"{base} WHERE r.name_key >= {after} AND (r.name_key > {after} OR r.id > :anchor) {order}",
                           stock_note="no keyset links", raw_note="keyset", anchor=anchor))
        ops.append(page_op("clerk_deepest", f"Clerk's deepest page ({clerk_last:,}, {p.big_kecamatan_name})", 0.012,
                           self.ektp_list(page=clerk_last - 1),
                           self.stock_list(page=clerk_last - 1, **self.ektp_filters([self.stock_kecamatan_pair(clerk)])),
                           f"{base} WHERE r.kecamatan_code = :kec {order} OFFSET {(clerk_last - 1) * n}",
                           stock_note="kecamatan filter", as_clerk=clerk, raw_note="OFFSET", kec=clerk))
        ops.append(page_op("list_outstanding", "Outstanding-filtered list (whole regency)", 0.012,
                           self.ektp_list(**self.ektp_filters([self.outstanding_filter()])),
                           self.stock_list(**self.ektp_filters(self.stock_outstanding_pairs())),
                           f"{base} WHERE {OUTSTANDING_SQL} {order}", stock_note="3 stock filters"))
        ops.append(page_op("nik_exact", "NIK exact search", 0.010,
                           self.ektp_list(search=p.nik), self.stock_list(search=p.nik),
                           f"{base} WHERE r.nik = :nik {order}", nik=p.nik))
        ops.append(page_op("nik_prefix", f"NIK prefix search ({len(p.nik_prefix)} digits)", 0.010,
                           self.ektp_list(search=p.nik_prefix), self.stock_list(search=p.nik_prefix),
                           f"{base} WHERE r.nik >= :lo AND r.nik < :hi {order}",
                           lo=p.nik_prefix, hi=_upper_bound(p.nik_prefix)))
        ops.append(page_op("name_prefix", "Name search (first name)", None,
                           self.ektp_list(search=p.name_prefix), self.stock_list(search=p.name_prefix),
                           f"{base} WHERE r.name_key >= :lo AND r.name_key < :hi {order}",
                           lo=p.name_prefix, hi=_upper_bound(p.name_prefix)))
        ops.extend(self.summary_operations())
        ops.extend(self.campaign_screen_operations())
        ops.extend(self.export_operations())
        return ops

    # ------------------------------------------------------------------ summaries
    def summary_sql(self, kecamatan: bool, by_kecamatan: bool = False) -> str:
        out = f"r.ktp_status IN ({', '.join(repr(s) for s in OUTSTANDING)})"
        where = "WHERE d.kecamatan_code = :kec" if kecamatan else ""
        group = "k.code, k.name" if by_kecamatan else "k.code, k.name, d.code, d.name"
        columns = "k.code AS kecamatan_code, k.name AS kecamatan_name" + (
            "" if by_kecamatan else ", d.code AS desa_code, d.name AS desa_name")
        return (
            f"SELECT {columns}, count(r.id) AS wajib, "
            f"coalesce(sum(CASE WHEN {out} THEN 1 ELSE 0 END), 0) AS outstanding, "
            f"coalesce(sum(CASE WHEN {out} AND r.birth_date <= :lansia_cutoff THEN 1 ELSE 0 END), 0) AS lansia, "
            f"coalesce(sum(CASE WHEN {out} AND (r.disabled OR r.seriously_ill) THEN 1 ELSE 0 END), 0) AS disabled_or_ill, "
            f"coalesce(sum(CASE WHEN {out} AND r.away THEN 1 ELSE 0 END), 0) AS away, "
            f"coalesce(sum(CASE WHEN {out} AND r.birth_date > :n17_lo AND r.birth_date <= :wajib_cutoff "
            "THEN 1 ELSE 0 END), 0) AS newly_17 "
            "FROM ektp_desa d JOIN ektp_kecamatan k ON k.code = d.kecamatan_code "
            "LEFT JOIN ektp_resident r ON r.desa_code = d.code AND r.citizenship <> :wna_other "
            "AND (r.birth_date <= :wajib_cutoff OR r.marital_status <> :single) "
            f"{where} GROUP BY {group} ORDER BY {group}"
        )

    def raw_summary(self, kecamatan: str | None, by_kecamatan: bool = False) -> list[Any]:
        # One scan; the totals row is summed from the grouped rows, as a hand-written report would.
        since = self.p.reference_date - dt.timedelta(days=30)
        n17_lo = birth_date_cutoff(since - dt.timedelta(days=1), WAJIB_KTP_AGE)
        rows = self.sql_all(self.summary_sql(kecamatan is not None, by_kecamatan), kec=kecamatan, n17_lo=n17_lo)
        first = 2 if by_kecamatan else 4
        totals = [sum(r[i] for r in rows) for i in range(first, first + 6)]
        return rows + [totals]

    def stock_summary(self, desa_codes: list[str]) -> int:
        """Stock Flask-Admin has no aggregate screen: one filtered list per desa (its pager counts)."""
        for code in desa_codes:
            self.get(self.stock_list(**self.stock_desa_outstanding_args(code)))
        return len(desa_codes)

    def desa_codes(self, kecamatan: str | None) -> list[str]:
        sql = "SELECT code FROM ektp_desa" + (" WHERE kecamatan_code = :kec" if kecamatan else "") + " ORDER BY code"
        return [r.code for r in self.sql_all(sql, kec=kecamatan)]

    def raw_desa_page(self, desa: str) -> list[Any]:
        return self.sql_all(
            "SELECT r.nik, r.name, r.rt, r.rw, r.address, r.ktp_status FROM ektp_resident r "
            f"WHERE r.desa_code = :desa AND {OUTSTANDING_SQL} ORDER BY r.rw, r.rt, r.name_key", desa=desa)

    def raw_home_visits(self) -> list[Any]:
        return self.sql_all(
            "SELECT r.desa_code, r.rw, r.rt, count(*) FROM ektp_resident r "
            f"WHERE {OUTSTANDING_SQL} AND (r.birth_date <= :lansia_cutoff OR r.disabled OR r.seriously_ill) "
            "GROUP BY r.desa_code, r.rw, r.rt ORDER BY r.desa_code, r.rw, r.rt")

    def summary_operations(self) -> list[Operation]:
        p = self.p
        regency_desa = self.desa_codes(None)
        kec_desa = self.desa_codes(p.big_kecamatan_code)
        outstanding = "ektp_outstanding"
        clerk = p.big_kecamatan_code
        return [
            Operation(
                "summary_regency", f"Per-desa summary, whole regency ({len(regency_desa)} desa)", 0.100,
                ektp=Impl(lambda: self.get(self.url(f"{outstanding}.index")), url=self.url(f"{outstanding}.index")),
                stock=Impl(lambda: self.stock_summary(regency_desa), f"{len(regency_desa)} filtered lists"),
                raw=Impl(lambda: self.raw_summary(None), "1 GROUP BY"),
                kind="summary",
            ),
            Operation(
                "summary_kecamatan",
                f"Kecamatan summary, clerk of {p.big_kecamatan_name} ({len(kec_desa)} desa)", 0.030,
                ektp=Impl(lambda: self.get(self.url(f"{outstanding}.index"), clerk), url=self.url(f"{outstanding}.index"),
                          clerk=clerk),
                stock=Impl(lambda: self.stock_summary(kec_desa), f"{len(kec_desa)} filtered lists"),
                raw=Impl(lambda: self.raw_summary(clerk), "1 GROUP BY"),
                kind="summary",
            ),
            Operation(
                "progress", "Campaign progress", 0.200,
                ektp=Impl(lambda: self.get(self.url("ektp_progress.index")), url=self.url("ektp_progress.index")),
                stock=None,
                raw=Impl(lambda: self.raw_summary(None, by_kecamatan=True), "1 GROUP BY per kecamatan"),
                kind="summary",
            ),
            Operation(
                "dashboard", "Home page (the user's headline)", 0.200,
                ektp=Impl(lambda: self.get(self.url("ektp_home.index")), url=self.url("ektp_home.index")),
                stock=None,
                raw=Impl(lambda: self.raw_summary(None, by_kecamatan=True), "1 GROUP BY per kecamatan"),
                kind="summary",
            ),
            Operation(
                "home_visits", "Home-visit list", 0.100,
                ektp=Impl(lambda: self.get(self.url("ektp_home_visits.index")), url=self.url("ektp_home_visits.index")),
                stock=None,
                raw=Impl(self.raw_home_visits, "1 GROUP BY per RT"),
                kind="summary",
            ),
            Operation(
                "desa_page", f"One desa's outstanding page ({p.desa_name})", 0.020,
                ektp=Impl(lambda: self.get(self.url(f"{outstanding}.desa", desa_code=p.desa_code)),
                          url=self.url(f"{outstanding}.desa", desa_code=p.desa_code)),
                stock=Impl(lambda: self.get(self.stock_list(**self.stock_desa_outstanding_args(p.desa_code))),
                           "4 stock filters"),
                raw=Impl(lambda: self.raw_desa_page(p.desa_code)),
                kind="summary",
            ),
        ]

    def campaign_screen_operations(self) -> list[Operation]:
        """Issue 12's screens, each within the dashboard's 200 ms (no stock or raw
        equivalent: they plan from the counters, the kits and the visits)."""
        p = self.p
        dinas = [str(r.id) for r in self.sql_all("SELECT id FROM ektp_team WHERE kind = 'dinas' ORDER BY id")]
        roster = self.url("ektp_team_roster.index", propose=1, team=dinas)
        screens = [
            ("kit_board", "Kit board (every kit, today)", self.url("ektp_kit_map.index")),
            ("planner", f"Home-visit planner, one desa ({p.desa_name})",
             self.url("ektp_home_visit_planner.index", desa=p.desa_code)),
            ("roster", f"Team roster proposed, {len(dinas)} Dinas teams x 7 days", roster),
            ("roster_schedule", "Team roster, per team and per kit (7 days)",
             self.url("ektp_team_roster.schedule")),
            ("migrants", "Migrants per desa, whole regency", self.url("ektp_migrants.index")),
        ]
        return [
            Operation(key, label, 0.200, ektp=Impl(lambda url=url: self.get(url), url=url), stock=None, raw=None,
                      kind="summary")
            for key, label, url in screens
        ]

    # ------------------------------------------------------------------ exports
    def export_sql(self, where: str) -> str:
        return (
            "SELECT r.nik, r.kk_number, r.name, r.sex, r.birth_place, r.birth_date, r.kecamatan_code, "
            "d.name AS desa, r.address, r.rt, r.rw, r.phone, r.ktp_status, r.disabled, r.seriously_ill, r.away "
            f"FROM ektp_resident r JOIN ektp_desa d ON d.code = r.desa_code {where} ORDER BY r.name_key, r.id"
        )

    def export_operations(self) -> list[Operation]:
        p = self.p
        clerk = p.big_kecamatan_code
        matches = p.matches

        def export(key: str, label: str, ektp_url: str, stock_url: str | None, where: str,
                   as_clerk: str | None = None, **params: Any) -> Operation:
            ektp = lambda: self.stream(ektp_url, as_clerk)  # noqa: E731
            stock = (lambda: self.stream(stock_url)) if stock_url else None  # noqa: E731
            raw = lambda: self.sql_stream(self.export_sql(where), **params)  # noqa: E731
            return Operation(
                key, label, None,
                ektp=Impl(ektp, stream=ektp, url=ektp_url, clerk=as_clerk),
                stock=Impl(stock, stream=stock, url=stock_url) if stock else None,
                raw=Impl(raw, "SELECT + csv.writer", stream=raw),
                kind="export", ratio=1.3,
            )

        def csv_url(endpoint: str, pairs: list[tuple[str, str]]) -> str:
            return self.url(f"{endpoint}.export", export_type="csv", **self.ektp_filters(pairs))

        return [
            export("csv_outstanding", f"CSV, {matches.get('outstanding_total', 0):,} outstanding residents",
                   csv_url(EKTP_RESIDENTS, [self.outstanding_filter()]),
                   csv_url(STOCK_RESIDENTS, self.stock_outstanding_pairs()),
                   f"WHERE {OUTSTANDING_SQL}"),
            export("csv_kecamatan", f"CSV, a clerk's whole kecamatan ({p.big_kecamatan_name}, "
                   f"{p.big_kecamatan_residents:,} residents)",
                   csv_url(EKTP_RESIDENTS, []),
                   csv_url(STOCK_RESIDENTS, [self.stock_kecamatan_pair(clerk)]),
                   "WHERE r.kecamatan_code = :kec", as_clerk=clerk, kec=clerk),
            export("csv_all", f"CSV, all {p.residents:,} residents",
                   csv_url(EKTP_RESIDENTS, []), csv_url(STOCK_RESIDENTS, []), ""),
        ]

    def warmup(self) -> None:
        """Load code, templates and connections in the server: one page and a one-row export."""
        self.get(self.ektp_list())
        self.stream(self.url(f"{EKTP_RESIDENTS}.export", export_type="csv", search=self.p.nik))
        self.get(self.stock_list())
