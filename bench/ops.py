"""The operations measured, each in three implementations on the same data.

- ``ektp``: the plugin's screen through the Flask test client (HTML rendered,
  body read to the end);
- ``stock``: the nearest a stock ``ModelView(Resident, db)`` gets, same client;
- ``raw``: the SELECT that returns the same rows, on a plain SQLAlchemy
  connection (no Flask, no ORM objects, no HTML): the floor under both.

Parameters (which NIK, which desa...) are read from the data, never hard-coded,
so the same harness runs on any size built from any seed.
"""
from __future__ import annotations

import csv
import datetime as dt
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Flask, url_for

from ektp_admin.domain.eligibility import LANSIA_AGE, OUTSTANDING_STATUSES, WAJIB_KTP_AGE, birth_date_cutoff
from ektp_admin.domain.enums import Citizenship, MaritalStatus

from bench_app import EKTP_RESIDENTS, STOCK_RESIDENTS, filter_arg, find_view, stock_filter_classes
from measure import Stream, consume

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


@dataclass
class Operation:
    key: str
    label: str
    target: float | None  # seconds; None: shown for information
    ektp: Impl | None
    stock: Impl | None
    raw: Impl | None
    kind: str = "page"  # page | summary | export
    #: rows the ektp page lists, in order, for the same-rows check
    check: Callable[[], tuple[list[str], list[str]]] | None = None


NIK_CELL = re.compile(r'class="col-nik"[^>]*>\s*(\d{16})\s*<')


def page_niks(html: bytes) -> list[str]:
    return NIK_CELL.findall(html.decode("utf-8", "replace"))


class Bench:
    """Holds the app, a test client, a raw engine and the parameters."""

    def __init__(self, app: Flask, raw_engine: sa.Engine, params: Params) -> None:
        self.app = app
        self.client = app.test_client()
        self.raw = raw_engine
        self.p = params
        self.ektp_view = find_view(app, EKTP_RESIDENTS)
        self.stock_view = find_view(app, STOCK_RESIDENTS)
        self.page_size = self.ektp_view.page_size

    # ------------------------------------------------------------------ helpers
    def url(self, endpoint: str, **args: Any) -> str:
        with self.app.test_request_context():
            return url_for(endpoint, **args)

    def get(self, url: str) -> bytes:
        response = self.client.get(url)
        try:
            if response.status_code != 200:
                raise RuntimeError(f"HTTP {response.status_code} for {url}")
            return response.get_data()
        finally:
            response.close()

    def stream(self, url: str) -> Stream:
        started = time.perf_counter()
        response = self.client.get(url, buffered=False)
        if response.status_code != 200:
            response.close()
            raise RuntimeError(f"HTTP {response.status_code} for {url}")
        return consume(response.response, started)

    def sql_all(self, sql: str, **params: Any) -> list[Any]:
        with self.raw.connect() as conn:
            return conn.execute(sa.text(sql), {**sql_params(self.p), **params}).all()

    def sql_stream(self, sql: str, **params: Any) -> Stream:
        """Stream a SELECT into CSV text the way a hand-written export would."""
        started = time.perf_counter()

        class Echo:
            def write(self, value: str) -> str:
                return value

        def lines() -> Any:
            writer = csv.writer(Echo())
            with self.raw.connect() as conn:
                result = conn.execution_options(stream_results=True, yield_per=1000).execute(
                    sa.text(sql), {**sql_params(self.p), **params}
                )
                yield writer.writerow(list(result.keys()))
                for row in result:
                    yield writer.writerow(row)

        return consume(lines(), started)

    # ------------------------------------------------------------------ URLs
    def ektp_list(self, **args: Any) -> str:
        return self.url(f"{EKTP_RESIDENTS}.index_view", **args)

    def stock_list(self, **args: Any) -> str:
        return self.url(f"{STOCK_RESIDENTS}.index_view", **args)

    def ektp_filters(self, pairs: list[tuple[str, str]]) -> dict[str, str]:
        return {f"flt{i}_{key}": value for i, (key, value) in enumerate(pairs)}

    def ektp_desa_outstanding_args(self, desa_code: str) -> dict[str, str]:
        v = self.ektp_view
        return self.ektp_filters([
            (filter_arg(v, column="desa_code"), desa_code),
            (filter_arg(v, name="Outstanding"), "1"),
        ])

    def stock_desa_outstanding_args(self, desa_code: str) -> dict[str, str]:
        """Stock filters are ANDed, one column each: the nearest they get to "outstanding".

        Status in the two outstanding statuses, 17 or over, not a foreigner without a
        permanent permit; married residents under 17 (wajib by marriage) cannot be
        expressed, so stock lists slightly fewer rows (counts in the report).
        """
        v, c = self.stock_view, stock_filter_classes()
        pairs = [
            (filter_arg(v, column="desa_code", cls=c["equal"]), desa_code),
            (filter_arg(v, column="ktp_status", cls=c["in_list"]), ",".join(OUTSTANDING)),
            (filter_arg(v, column="birth_date", cls=c["date_smaller"]), (self.p.wajib_cutoff + dt.timedelta(days=1)).isoformat()),
            (filter_arg(v, column="citizenship", cls=c["not_equal"]), Citizenship.WNA_OTHER.value),
        ]
        return self.ektp_filters(pairs)

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

        def page_op(key: str, label: str, target: float, ektp_url: str, stock_url: str | None, sql: str,
                    stock_note: str = "", **params: Any) -> Operation:
            return Operation(
                key, label, target,
                ektp=Impl(lambda: self.get(ektp_url)),
                stock=Impl(lambda: self.get(stock_url), stock_note) if stock_url else None,
                raw=Impl(lambda: self.sql_all(sql, **params)),
                check=lambda: (page_niks(self.get(ektp_url)), [r.nik for r in self.sql_all(sql, **params)]),
            )

        ops.append(page_op("list_first", "Resident list, first page", 0.300,
                           self.ektp_list(), self.stock_list(), f"{base} {order}"))
        ops.append(page_op("nik_exact", "NIK exact search", 0.050,
                           self.ektp_list(search=p.nik), self.stock_list(search=p.nik),
                           f"{base} WHERE r.nik = :nik {order}", nik=p.nik))
        ops.append(page_op("nik_prefix", f"NIK prefix search ({len(p.nik_prefix)} digits)", 0.300,
                           self.ektp_list(search=p.nik_prefix), self.stock_list(search=p.nik_prefix),
                           f"{base} WHERE r.nik >= :lo AND r.nik < :hi {order}",
                           lo=p.nik_prefix, hi=_upper_bound(p.nik_prefix)))
        ops.append(page_op("name_prefix", "Name prefix search", 0.300,
                           self.ektp_list(search=p.name_prefix), self.stock_list(search=p.name_prefix),
                           f"{base} WHERE r.name_key >= :lo AND r.name_key < :hi {order}",
                           lo=p.name_prefix, hi=_upper_bound(p.name_prefix)))
        ops.append(page_op("list_filtered", "List filtered: outstanding + one desa", 0.300,
                           self.ektp_list(**self.ektp_desa_outstanding_args(p.desa_code)),
                           self.stock_list(**self.stock_desa_outstanding_args(p.desa_code)),
                           f"{base} WHERE r.desa_code = :desa AND {OUTSTANDING_SQL} {order}",
                           stock_note="4 stock filters", desa=p.desa_code))
        ops.extend(self.summary_operations())
        ops.append(self.export_operation())
        return ops

    # ------------------------------------------------------------------ summaries
    def summary_sql(self, kecamatan: bool) -> str:
        out = f"r.ktp_status IN ({', '.join(repr(s) for s in OUTSTANDING)})"
        where = "WHERE d.kecamatan_code = :kec" if kecamatan else ""
        return (
            "SELECT k.code AS kecamatan_code, k.name AS kecamatan_name, d.code AS desa_code, d.name AS desa_name, "
            "count(r.id) AS wajib, "
            f"coalesce(sum(CASE WHEN {out} THEN 1 ELSE 0 END), 0) AS outstanding, "
            f"coalesce(sum(CASE WHEN {out} AND r.birth_date <= :lansia_cutoff THEN 1 ELSE 0 END), 0) AS lansia, "
            f"coalesce(sum(CASE WHEN {out} AND (r.disabled OR r.seriously_ill) THEN 1 ELSE 0 END), 0) AS disabled_or_ill, "
            f"coalesce(sum(CASE WHEN {out} AND r.away THEN 1 ELSE 0 END), 0) AS away, "
            f"coalesce(sum(CASE WHEN {out} AND r.birth_date > :n17_lo AND r.birth_date <= :wajib_cutoff "
            "THEN 1 ELSE 0 END), 0) AS newly_17 "
            "FROM ektp_desa d JOIN ektp_kecamatan k ON k.code = d.kecamatan_code "
            "LEFT JOIN ektp_resident r ON r.desa_code = d.code AND r.citizenship <> :wna_other "
            "AND (r.birth_date <= :wajib_cutoff OR r.marital_status <> :single) "
            f"{where} GROUP BY k.code, k.name, d.code, d.name ORDER BY k.name, k.code, d.name, d.code"
        )

    def raw_summary(self, kecamatan: str | None) -> list[Any]:
        # One scan; the totals row is summed from the grouped rows, as a hand-written report would.
        since = self.p.reference_date - dt.timedelta(days=30)
        n17_lo = birth_date_cutoff(since - dt.timedelta(days=1), WAJIB_KTP_AGE)
        rows = self.sql_all(self.summary_sql(kecamatan is not None), kec=kecamatan, n17_lo=n17_lo)
        totals = [sum(r[i] for r in rows) for i in range(4, 10)]
        return rows + [totals]

    def stock_summary(self, desa_codes: list[str]) -> int:
        """Stock Flask-Admin has no aggregate screen: one filtered list per desa (its pager counts)."""
        for code in desa_codes:
            self.get(self.stock_list(**self.stock_desa_outstanding_args(code)))
        return len(desa_codes)

    def desa_codes(self, kecamatan: str | None) -> list[str]:
        sql = "SELECT code FROM ektp_desa" + (" WHERE kecamatan_code = :kec" if kecamatan else "") + " ORDER BY code"
        return [r.code for r in self.sql_all(sql, kec=kecamatan)]

    def summary_operations(self) -> list[Operation]:
        p = self.p
        regency_desa = self.desa_codes(None)
        kec_desa = self.desa_codes(p.big_kecamatan_code)
        outstanding = "ektp_outstanding"
        return [
            Operation(
                "summary_regency", f"Outstanding by desa, whole regency ({len(regency_desa)} desa), screen", 3.0,
                ektp=Impl(lambda: self.get(self.url(f"{outstanding}.index"))),
                stock=Impl(lambda: self.stock_summary(regency_desa), f"{len(regency_desa)} filtered lists"),
                raw=Impl(lambda: self.raw_summary(None), "1 GROUP BY"),
                kind="summary",
            ),
            Operation(
                "summary_kecamatan",
                f"Outstanding by desa, one kecamatan ({p.big_kecamatan_name}, {len(kec_desa)} desa), screen", 0.5,
                ektp=Impl(lambda: self.get(self.url(f"{outstanding}.index", kecamatan=p.big_kecamatan_code))),
                stock=Impl(lambda: self.stock_summary(kec_desa), f"{len(kec_desa)} filtered lists"),
                raw=Impl(lambda: self.raw_summary(p.big_kecamatan_code), "1 GROUP BY"),
                kind="summary",
            ),
            Operation(
                "summary_csv", f"Outstanding by desa, whole regency, CSV ({len(regency_desa)} rows)", None,
                ektp=Impl(lambda: self.get(self.url(f"{outstanding}.export_summary"))),
                stock=None,
                raw=Impl(lambda: self.raw_summary(None), "1 GROUP BY"),
                kind="summary",
            ),
        ]

    # ------------------------------------------------------------------ export
    def export_urls(self) -> tuple[str, str]:
        p, c = self.p, stock_filter_classes()
        ektp = self.url(f"{EKTP_RESIDENTS}.export", export_type="csv",
                        **self.ektp_filters([(filter_arg(self.ektp_view, column="kecamatan_code"), p.export_kecamatan_code)]))
        stock = self.url(f"{STOCK_RESIDENTS}.export", export_type="csv",
                         **self.ektp_filters([(filter_arg(self.stock_view, column="kecamatan_code", cls=c["equal"]),
                                               p.export_kecamatan_code)]))
        return ektp, stock

    def export_sql(self) -> str:
        return (
            "SELECT r.nik, r.kk_number, r.name, r.sex, r.birth_place, r.birth_date, r.kecamatan_code, "
            "d.name AS desa, r.address, r.rt, r.rw, r.phone, r.ktp_status, r.disabled, r.seriously_ill, r.away "
            "FROM ektp_resident r JOIN ektp_desa d ON d.code = r.desa_code "
            "WHERE r.kecamatan_code = :kec ORDER BY r.name_key, r.id"
        )

    def export_operation(self) -> Operation:
        p = self.p
        ektp_url, stock_url = self.export_urls()
        label = f"CSV export, one kecamatan ({p.export_kecamatan_name}, {p.export_kecamatan_residents:,} residents)"
        ektp = lambda: self.stream(ektp_url)  # noqa: E731
        stock = lambda: self.stream(stock_url)  # noqa: E731
        raw = lambda: self.sql_stream(self.export_sql(), kec=p.export_kecamatan_code)  # noqa: E731
        return Operation(
            "export", label, 1.0,
            ektp=Impl(ektp, stream=ektp), stock=Impl(stock, stream=stock), raw=Impl(raw, "server-side cursor", stream=raw),
            kind="export",
        )

    def small_export_warmup(self, impl: str) -> None:
        """Load code, templates and connections before a memory probe: a one-row export."""
        if impl == "raw":
            self.sql_stream(f"{self.export_sql().split(' WHERE ')[0]} WHERE r.nik = :nik", nik=self.p.nik)
            return
        endpoint = EKTP_RESIDENTS if impl == "ektp" else STOCK_RESIDENTS
        self.stream(self.url(f"{endpoint}.export", export_type="csv", search=self.p.nik))
