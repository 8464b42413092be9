"""The app under test: ektp-admin and a stock Flask-Admin view on one database.

Both admins run in the same Flask app, on the same Flask-SQLAlchemy engine and
the same data, so a difference in a row of the table is a difference in the
view code, not in the set-up.

- ``/admin/...``: the plugin as a host embeds it, signed in as a supervisor
  through the ``current_user`` hook (a supervisor sees the whole regency: no
  kecamatan scoping shortens the queries);
- ``/stock/residents/``: ``flask_admin.contrib.sqla.ModelView(Resident, db)``
  with search on NIK and name, filters on the columns our filters use, and CSV
  export: what a team gets by pointing Flask-Admin at the table.
"""
from __future__ import annotations

import datetime as dt
import os
from typing import Any

from flask import Flask, request
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView, filters as sqla_filters
from flask_admin.theme import Bootstrap4Theme

from ektp_admin import EktpAdmin, EktpUser, Role, models

EKTP_RESIDENTS = "ektp_residents"
STOCK_RESIDENTS = "stock_residents"


class StockResidentView(ModelView):
    """Stock Flask-Admin, configured only through its documented attributes."""

    can_export = True
    column_searchable_list = ["nik", "name"]
    column_filters = [
        "kecamatan_code",
        "desa_code",
        "ktp_status",
        "birth_date",
        "citizenship",
        "marital_status",
        "disabled",
        "seriously_ill",
        "away",
    ]


#: The benchmark's "sign-in": a request may ask to be a clerk of one kecamatan
#: (``X-Bench-User: clerk:35.10.07``); anything else is the supervisor. The
#: host's ``current_user`` hook is where a portal reads its own login, so this
#: is the plugin exactly as embedded, with the bench as the host.
USER_HEADER = "X-Bench-User"


def bench_user() -> EktpUser:
    who = request.headers.get(USER_HEADER, "")
    if who.startswith("clerk:"):
        return EktpUser("bench-clerk", Role.CLERK, kecamatan_code=who.split(":", 1)[1])
    return EktpUser("bench", Role.SUPERVISOR)


def serve() -> Flask:
    """The app gunicorn runs (``bench_app:serve()``), configured from the environment."""
    from probe import install  # the worker's own times, when run.py --probe asks

    return install(create_bench_app(os.environ["EKTP_BENCH_DATABASE_URL"],
                                    dt.date.fromisoformat(os.environ["EKTP_BENCH_REFERENCE_DATE"])))


def create_bench_app(database_url: str, reference_date: dt.date, current_user: Any = None) -> Flask:
    app = Flask("ektp_bench")
    app.config.update(
        SECRET_KEY="bench-only-not-secret",
        SQLALCHEMY_DATABASE_URI=database_url,
        EKTP_ADMIN_REFERENCE_DATE=reference_date,
        # Errors must surface in the harness, not as an HTML 500 page that
        # would be timed as if it were a result.
        PROPAGATE_EXCEPTIONS=True,
    )
    EktpAdmin(app, current_user=current_user or bench_user)
    stock = Admin(app, name="Stock Flask-Admin", url="/stock", endpoint="stock_admin", theme=Bootstrap4Theme())
    stock.add_view(StockResidentView(models.Resident, models.db, name="Residents", endpoint=STOCK_RESIDENTS, url="residents"))
    return app


def find_view(app: Flask, endpoint: str) -> Any:
    for admin in app.extensions.get("admin", []):
        for view in admin._views:
            if view.endpoint == endpoint:
                return view
    raise LookupError(f"no admin view with endpoint {endpoint!r}")


def _msgid(name: Any) -> str:
    args = getattr(name, "_args", None)  # flask_babel LazyString keeps its msgid here
    return str(args[0]) if args else str(name)


def filter_arg(view: Any, *, column: str | None = None, name: str | None = None, cls: type | None = None) -> str:
    """The URL key (``flt<pos>_<key>``'s ``<key>``) of one of a view's filters.

    Found by what the filter is (its column, label msgid, exact class), never by
    its position, so reordering filters in a view cannot point the benchmark at
    another filter.
    """
    found = []
    for key, (_, flt) in view._filter_args.items():
        col = getattr(flt, "column", None)
        if column is not None and getattr(col, "key", None) != column:
            continue
        if name is not None and _msgid(flt.name) != name:
            continue
        if cls is not None and type(flt) is not cls:
            continue
        found.append(key)
    if len(found) != 1:
        raise LookupError(f"{view.endpoint}: {len(found)} filters match column={column} name={name} cls={cls}")
    return found[0]


def stock_filter_classes() -> dict[str, type]:
    return {
        "equal": sqla_filters.FilterEqual,
        "not_equal": sqla_filters.FilterNotEqual,
        "in_list": sqla_filters.FilterInList,
        "date_smaller": sqla_filters.DateSmallerFilter,
    }
