"""The WSGI app the export benchmark serves with gunicorn (``export_wsgi:app``).

The bench app (``bench_app``: ektp-admin under ``/admin``, stock Flask-Admin under
``/stock``) on ``EKTP_BENCH_DATABASE_URL``, plus the raw floor under ``/raw/``: one
SELECT of the exported columns written by ``csv.writer``, in chunks, nothing else.
The user is the bench's supervisor, or a clerk of the kecamatan named in the
``X-Bench-Clerk`` header (what a clerk's own export goes through: the reach clause).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import os
from typing import Any, Iterator

import sqlalchemy as sa
from bench_app import bench_user, create_bench_app
from flask import Response, request
from ops import OUTSTANDING_SQL

from ektp_admin import EktpUser, Role
from ektp_admin.domain.eligibility import WAJIB_KTP_AGE, birth_date_cutoff
from ektp_admin.domain.enums import Citizenship, MaritalStatus
from ektp_admin.engines import read_to_the_end

#: The exported columns, as raw values (codes, ISO dates), the residents export's order.
RAW_COLUMNS = (
    "r.nik, r.kk_number, r.name, r.sex, r.birth_place, r.birth_date, r.kecamatan_code, d.name AS desa, "
    "r.address, r.rt, r.rw, r.phone, r.ktp_status, r.disabled, r.seriously_ill, r.away"
)
RAW_FROM = "FROM ektp_resident r JOIN ektp_desa d ON d.code = r.desa_code"
RAW_ORDER = "ORDER BY r.name_key, r.id"
#: The rows of each export row of the table, as plain SQL.
RAW_CASES = {"all": "1 = 1", "kecamatan": "r.kecamatan_code = :kec", "outstanding": OUTSTANDING_SQL}


def _user() -> EktpUser:
    kecamatan = request.headers.get("X-Bench-Clerk") if request else None
    return EktpUser("bench-clerk", Role.CLERK, kecamatan) if kecamatan else bench_user()


def build() -> Any:
    url = os.environ["EKTP_BENCH_DATABASE_URL"]
    on = dt.date.fromisoformat(os.environ.get("EKTP_BENCH_REFERENCE_DATE", "2016-09-21"))
    app = create_bench_app(url, on, current_user=_user)
    raw = sa.create_engine(url)

    @app.route("/raw/export.csv")
    def raw_export() -> Response:
        case = request.args.get("case", "all")
        where = RAW_CASES[case]
        params = {"kec": request.args.get("kec", ""), "wna_other": Citizenship.WNA_OTHER.value,
                  "single": MaritalStatus.SINGLE.value, "wajib_cutoff": birth_date_cutoff(on, WAJIB_KTP_AGE)}
        statement = sa.text(f"SELECT {RAW_COLUMNS} {RAW_FROM} WHERE {where} {RAW_ORDER}")

        def chunks() -> Iterator[str]:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            with raw.connect() as conn:
                read_to_the_end(conn)  # the planner told every row is read, as the plugin's exports do
                result = conn.execution_options(stream_results=True, yield_per=2000).execute(statement, params)
                writer.writerow(list(result.keys()))
                for batch in result.partitions(2000):
                    writer.writerows(batch)
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

        return Response(chunks(), mimetype="text/csv")

    return app


app = build()
