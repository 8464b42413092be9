"""The base of the custom (non-model) screens: reports, printable sheets, maps.

:class:`EktpReportView` carries for a Flask-Admin ``BaseView`` what
:class:`~ektp_admin.views.base.EktpModelView` carries for model screens:

- access (:class:`~ektp_admin.access.EktpAccess`): deny by default;
  ``grants`` names the roles allowed each action (``read``, ``export``), each
  exposed method declares the one it needs (:func:`~ektp_admin.access.requires`);
  a visitor nobody signed in goes to ``EKTP_ADMIN_LOGIN_ENDPOINT`` when the host
  has one, a signed-in user without the grant gets 403;
- reach (:class:`~ektp_admin.access.Reach`): asking for a kecamatan or a desa
  the user does not reach is answered 404, on every URL (page, print, CSV),
  exactly as a code that does not exist;
- CSV through :func:`~ektp_admin.views.csv_export.csv_response` (BOM, formulas
  neutralised) with an audit entry per export.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator
from urllib.parse import quote
from weakref import WeakKeyDictionary

from flask import abort, current_app, request, url_for
from flask_admin import BaseView
from sqlalchemy.orm import joinedload

from ..access import ALL, EXPORT, READ, EktpAccess, Reach
from ..domain.enums import Role
from ..engines import read_to_the_end
from ..formatting import fmt_day, fmt_dec, fmt_long_date, fmt_num, fmt_pct, fmt_time
from ..i18n import gettext, label, ngettext
from ..models import Desa, Kecamatan
from ..state import db_session
from .csv_export import csv_response
from .xlsx_export import xlsx_response

#: What the shipped report screens grant: every role reads them and exports from
#: them; a clerk only ever gets their own kecamatan's rows (see
#: :meth:`EktpReportView.kecamatan_from_args` and :meth:`EktpReportView.get_desa`).
REPORT_GRANTS: dict[str, frozenset[Role]] = {READ: ALL, EXPORT: ALL}

DESA_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")
KECAMATAN_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")


@dataclass(frozen=True)
class Page:
    """One page of a list: which rows, and the links around it."""

    number: int
    size: int
    total: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size)) if self.size else 1

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    def url(self, number: int) -> str:
        values: dict[str, Any] = {**(request.view_args or {}), **request.args.to_dict(), "page": str(number)}
        return url_for(request.endpoint or "", **values)


class EktpReportView(EktpAccess, BaseView):
    """Base of every custom e-KTP screen (a Flask-Admin ``BaseView``).

    Access comes from :class:`~ektp_admin.access.EktpAccess`, exactly as on
    the model screens: deny by default, ``grants`` per action, a visitor nobody
    signed in sent to the login page (401 without one), 403 for a missing grant.
    """

    #: role sets per action. Empty here: a screen is closed until it says who may
    #: use it (the shipped screens use :data:`REPORT_GRANTS`).
    grants: dict[str, frozenset[Role]] = {}
    #: the models whose rows the screen shows; each needs a reach rule
    #: (``access.RULES``), and a screen that names none is refused at start-up
    shows: tuple[Any, ...] = ()

    @property
    def can_export(self) -> bool:
        return self.allowed(EXPORT)

    # ------------------------------------------------------------------ data
    @property
    def session(self) -> Any:
        return db_session()

    def streamed(self, statement: Any, size: int = 1000) -> Any:
        """The objects ``statement`` selects, streamed ``size`` at a time (a server-side
        cursor, read to its end: :func:`~ektp_admin.engines.read_to_the_end`). No other
        query may run on the session while they stream (MariaDB cannot)."""
        session = self.session
        read_to_the_end(session.connection(bind_arguments={"clause": statement}))
        return session.execute(statement.execution_options(yield_per=size)).scalars()

    # ------------------------------------------------------------------ scoping
    def kecamatan_from_args(self, arg: str = "kecamatan") -> Kecamatan | None:
        """The kecamatan asked for in the query string; a clerk always gets their own.

        None means "all" (only for users who reach the whole regency). A code
        that names no kecamatan, or one the user does not reach, is a 404.
        """
        reach = self.reach
        code = (request.args.get(arg) or "").strip()
        if not reach.whole_regency:
            if code and not reach.reaches_kecamatan(code):
                self._no_kecamatan(code)  # the same answer as for a code that does not exist
            code = reach.kecamatan_code or ""
        if not code:
            return None
        kecamatan = self.session.get(Kecamatan, code) if KECAMATAN_CODE.match(code) else None
        if kecamatan is None or not reach.reaches(kecamatan):
            self._no_kecamatan(code)
        return kecamatan

    def narrowed_reach(self, kecamatan: Kecamatan | None) -> Reach:
        """The user's reach, held to the kecamatan they chose (kits of that kecamatan...)."""
        return self.reach if kecamatan is None else Reach(kecamatan_code=kecamatan.code)

    @staticmethod
    def _no_kecamatan(code: str) -> None:
        abort(404, description=gettext("There is no kecamatan with the code %(code)s.", code=code))

    def get_desa(self, code: str) -> Desa:
        """The desa ``code`` names, if the user reaches it; 404 otherwise."""
        # its kecamatan in the same query: every page of a desa names it
        desa = self.session.get(Desa, code, options=[joinedload(Desa.kecamatan)]) if DESA_CODE.match(code or "") else None
        if desa is None or not self.reach.reaches(desa):
            abort(404, description=gettext("There is no desa with the code %(code)s.", code=code))
        return desa

    def kecamatan_options(self) -> list[tuple[str, str]]:
        """(code, name) of the kecamatan the user may pick."""
        return self.reach.kecamatan_options(self.session)

    @property
    def may_choose_all(self) -> bool:
        """May the user ask for the whole regency (no kecamatan chosen)?"""
        return self.reach.whole_regency

    # ------------------------------------------------------------------ lists
    def page_size(self) -> int:
        return int(current_app.config.get("EKTP_ADMIN_PAGE_SIZE") or 50)

    def page(self, total: int) -> Page:
        """The page asked for (``?page=``), kept within the pages there are."""
        raw = request.args.get("page", "1")
        number = int(raw) if raw.isdigit() else 1
        page = Page(max(number, 1), self.page_size(), total)
        if page.number > page.pages:
            page = Page(page.pages, page.size, total)
        return page

    # ------------------------------------------------------------------ export
    def csv(self, filename: str, header_msgids: list[str], rows: Iterable[Iterable[Any]], filters: dict) -> Any:
        """:meth:`download` as CSV (reports of an import, which are files of their own)."""
        return self.download("csv", filename, header_msgids, rows, filters)

    def download(self, export_type: str, filename: str, header_msgids: list[str], rows: Iterable[Iterable[Any]],
                 filters: dict) -> Any:
        """Stream a CSV (BOM, neutralised cells, translated headers) or build an
        XLSX, and audit it. ``export_type`` comes from the URL: anything else is a 404.

        The audit entry names the endpoint (``ektp_outstanding.export_desa``), the
        filters and, once the last row has gone out, how many rows were sent.
        """
        self.require(EXPORT)
        if export_type not in ("csv", "xlsx"):
            abort(404)
        from ..audit import record_export

        session = self.session
        counter = record_export(session, request.endpoint or self.endpoint, filters)
        header = [gettext(h) for h in header_msgids]

        def counted() -> Iterator[Iterable[Any]]:
            try:
                for row in rows:
                    counter.count += 1
                    yield row
            except Exception:
                counter.failed = True  # the audit says the export broke off, not "N rows"
                raise
            counter.finish()

        if export_type == "xlsx":
            return xlsx_response(f"{filename}.xlsx", header, counted(), counter=counter, sheet_name=filename)
        return csv_response(f"{filename}.csv", header, counted(), counter=counter)

    # ------------------------------------------------------------------ rendering
    def render(self, template: str, **kwargs: Any) -> Any:
        kwargs.setdefault("fmt_num", fmt_num)
        kwargs.setdefault("fmt_pct", fmt_pct)
        kwargs.setdefault("fmt_dec", fmt_dec)
        kwargs.setdefault("fmt_day", fmt_day)
        kwargs.setdefault("fmt_time", fmt_time)
        kwargs.setdefault("fmt_long_date", fmt_long_date)
        kwargs.setdefault("label", label)
        kwargs.setdefault("ngettext", ngettext)
        kwargs.setdefault("can_export", self.can_export)
        kwargs.setdefault("may_choose_all", self.may_choose_all)
        kwargs.setdefault("resident_url", details_links("ektp_residents.details_view"))
        return super().render(template, **kwargs)


def details_links(endpoint: str) -> Callable[[Any], str]:
    """``id -> url_for(endpoint, id=id)`` for a page listing many records, the URL
    built once (a ``url_for`` a row was a tenth of a desa page)."""
    built: list[str] = []

    def link(record_id: Any) -> str:
        if not built:
            built.append(url_for(endpoint))
        return f"{built[0]}?id={quote(str(record_id), safe='')}"

    return link


def resident_list_url(admin: Any, desa_code: str, *, outstanding: bool = True) -> str | None:
    """The residents list filtered to one desa (and to outstanding residents), or None.

    None when the host has no residents screen or the user cannot open it. A page
    with a link per row takes :func:`resident_list_links` once instead.
    """
    return resident_list_links(admin, outstanding=outstanding)(desa_code)


def resident_list_links(admin: Any, *, outstanding: bool = True) -> Callable[[str], str | None]:
    """``desa code -> URL`` of :func:`resident_list_url`, its filters looked up once.

    Flask-Admin names filter arguments by their position in the list view's
    filters; look them up on the registered view rather than hard-coding them
    (comparing each filter's SQL: done once per view).
    """
    view = next((v for v in getattr(admin, "_views", []) if v.endpoint == "ektp_residents"), None)
    if view is None or not view.is_accessible():
        return lambda desa_code: None
    args = _LIST_LINK_ARGS.setdefault(view, {})
    if outstanding not in args:
        args[outstanding] = _list_link_args(view, outstanding)
    desa_arg, outstanding_arg = args[outstanding]
    if desa_arg is None:
        return lambda desa_code: None
    extra: dict[str, Any] = {f"flt1_{outstanding_arg}": "1"} if outstanding_arg is not None else {}

    def link(desa_code: str) -> str | None:
        values: dict[str, Any] = {f"flt0_{desa_arg}": desa_code, **extra}
        return url_for("ektp_residents.index_view", **values)

    return link


#: the residents list's filter arguments (desa, outstanding) per view: its filters are
#: set when the view is made, and finding them compares each filter's SQL
_LIST_LINK_ARGS: WeakKeyDictionary[Any, dict[bool, tuple[str | None, str | None]]] = WeakKeyDictionary()


def _list_link_args(view: Any, outstanding: bool) -> tuple[str | None, str | None]:
    from .. import queries

    desa_arg = outstanding_arg = None
    wanted = str(queries.outstanding_clause()) if outstanding else None
    for index, flt in enumerate(getattr(view, "_filters", None) or []):
        clause = getattr(flt, "clause", None)
        if clause is None and getattr(getattr(flt, "column", None), "key", None) == "desa_code":
            desa_arg = desa_arg or view.get_filter_arg(index, flt)
        elif wanted and callable(clause) and outstanding_arg is None:
            try:
                if str(clause()) == wanted:
                    outstanding_arg = view.get_filter_arg(index, flt)
            except Exception:  # a clause that needs other context is not the one we want
                continue
    return desa_arg, outstanding_arg
