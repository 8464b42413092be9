"""A model list that says how long it is and pages at the same cost at any depth.

Mixed into a screen before :class:`~ektp_admin.views.base.EktpModelView`
(``class ResidentView(SeekPaging, EktpModelView)``):

- the total above the pager, exact up to ``EKTP_ADMIN_LIST_COUNT_LIMIT`` rows
  ("12.345 penduduk"), beyond it "lebih dari 100.000 penduduk", saying that
  counting stops there (a count walks every matching row);
- numbered pages: the first, two either side of the current one, the last when
  the total is exact, previous/next, and a "go to page" box;
- keyset paging (:mod:`ektp_admin.queries.paging`): a link to a nearby page
  carries the row it follows (``after=<id>``) or precedes (``before=<id>``) and
  the page number next to that row (``at``), so the database seeks into the
  sort order's index instead of counting past every row before it. A page asked
  for by number alone (the box, an old link) starts from the last page mark
  before it (:mod:`ektp_admin.list_marks`) where the list has marks, else from
  the nearer end.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, request

from .. import list_marks
from ..formatting import fmt_num
from ..i18n import ngettext
from ..queries.paging import Order, anchor_values, capped_count, page_after, page_before

#: URL arguments of the pager itself (never carried into sort, search or filter links)
PAGER_ARGS = ("after", "before", "at", "go")
#: pages linked either side of the current one
WINDOW = 2
_STATE = "ektp_seek_page"


@dataclass
class PageLink:
    number: int  # as people count: 1 is the first page
    url: str
    current: bool = False


@dataclass
class Pager:
    total_text: str
    exact: bool
    links: list[PageLink | None] = field(default_factory=list)  # None: a gap (...)
    previous_url: str | None = None
    next_url: str | None = None
    go_url: str = ""
    go_fields: list[tuple[str, str]] = field(default_factory=list)
    page_count: int | None = None
    page_count_text: str = ""
    current: int = 1


@dataclass
class _Shown:
    """What :meth:`SeekPaging.get_list` found, for the pager (per request, in ``g``)."""

    page: int
    size: int
    total: int
    exact: bool
    first_id: Any = None
    last_id: Any = None
    more: bool = False


class SeekPaging:
    """Mixin for :class:`~ektp_admin.views.base.EktpModelView` screens (see the module)."""

    #: (singular, plural) msgids of the total, with ``%(count)s``
    total_msgids: tuple[str, str] = ("%(count)s row", "%(count)s rows")
    #: (singular, plural) msgids of a total past the limit
    more_msgids: tuple[str, str] = ("more than %(count)s row", "more than %(count)s rows")

    # Flask-Admin's pager would run its own COUNT(*): this one counts, with a limit.
    simple_list_pager = True

    def _get_list_extra_args(self) -> Any:
        args = super()._get_list_extra_args()  # type: ignore[misc]
        for name in PAGER_ARGS:
            args.extra_args.pop(name, None)
        go = request.args.get("go", type=int)
        if go is not None:  # the box counts pages from 1
            args.page = min(max(go - 1, 0), self._max_page())
        return args

    @staticmethod
    def _max_page() -> int:
        from .base import MAX_PAGE

        return MAX_PAGE

    def list_order(self, sort_column: Any, sort_desc: bool) -> Order:
        """The sort column asked for (else the default sort's first), then the primary key."""
        key = getattr(self.model, self.model.__mapper__.primary_key[0].key)  # type: ignore[attr-defined]
        column = self._sortable_columns.get(sort_column) if sort_column else None  # type: ignore[attr-defined]
        if column is None:
            name, desc = self.column_default_sort[0]  # type: ignore[attr-defined]
            return Order(getattr(self.model, name), key, bool(desc))  # type: ignore[attr-defined]
        return Order(column, key, bool(sort_desc))

    def get_list(self, page: int | None, sort_column: Any, sort_desc: bool, search: str | None,
                 filters: Any, execute: bool = True, page_size: int | None = None) -> Any:
        if not execute:
            return super().get_list(page, sort_column, sort_desc, search, filters,  # type: ignore[misc]
                                    execute=execute, page_size=page_size)
        query = base = self.get_query()  # type: ignore[attr-defined]
        if self._search_supported and search:  # type: ignore[attr-defined]
            query = self._apply_search(query, None, {}, {}, search)[0]  # type: ignore[attr-defined]
        if filters and self._filters:  # type: ignore[attr-defined]
            query = self._apply_filters(query, None, {}, {}, filters)[0]  # type: ignore[attr-defined]
        order = self.list_order(sort_column, sort_desc)
        size = page_size or self.page_size  # type: ignore[attr-defined]
        limit = current_app.config["EKTP_ADMIN_LIST_COUNT_LIMIT"]
        known = None if search else self.known_total(filters or [], limit)
        page = page or 0
        # A searched or filtered list reads its page's keys first, then the rows from the
        # list's query without the search and filters (see queries.paging._rows).
        keys_first = base if (filters or search) else None
        first = None
        if known is None and page == 0:  # the first page first: a list shorter than a page counts itself
            first = page_after(query, order, None, skip=0, size=size + 1, keys_first=keys_first)
            if len(first) <= size:
                known = (len(first), True)
        total, exact = known if known is not None else capped_count(query, order.key, limit)
        if exact:
            page = min(page, max(math.ceil(total / size) - 1, 0))
        if first is not None:
            rows, more = first[:size], len(first) > size
        else:
            scope = None if search else self.marked_scope(filters or [], order)
            rows, more = self._rows(query, order, page, size, total, exact, keys_first=keys_first, scope=scope)
        shown = _Shown(page=page, size=size, total=total, exact=exact, more=more)
        if rows:
            shown.first_id, shown.last_id = self.get_pk_value(rows[0]), self.get_pk_value(rows[-1])  # type: ignore[attr-defined]
        setattr(g, _STATE, shown)
        return None, rows

    def known_total(self, filters: list[Any], limit: int) -> tuple[int, bool] | None:
        """The list's total without counting its rows, where the screen knows it (from
        counters kept elsewhere) for these filters (no search): ``(total, exact)``, or
        ``(limit, False)`` when at least ``limit`` rows are known to be there. None:
        count the rows (up to ``limit``)."""
        return None

    def marked_scope(self, filters: list[Any], order: Order) -> str | None:
        """The page marks' scope (:mod:`ektp_admin.list_marks`) of this list with these
        filters (no search) in this order, where it has marks; None: it has none."""
        return None

    def _rows(self, query: Any, order: Order, page: int, size: int, total: int, exact: bool, *,
              keys_first: Any = None, scope: str | None = None) -> tuple[list[Any], bool]:
        """The page's rows and whether more follow."""
        at = request.args.get("at", type=int)
        for name, forward in (("after", True), ("before", False)):
            anchor_id = request.args.get(name, type=int)
            if anchor_id is None or at is None:
                continue
            skip = (page - at) if forward else (at - page)
            if skip < 0:
                continue
            anchor = anchor_values(query, order, anchor_id)
            if anchor is None:
                continue
            if forward:
                rows = page_after(query, order, anchor, skip=skip * size, size=size + 1, keys_first=keys_first)
                return rows[:size], len(rows) > size
            return page_before(query, order, anchor, skip=skip * size, size=size, keys_first=keys_first), True
        mark = list_marks.nearest(query.session.connection(), scope, page * size) if scope and page else None
        if mark is not None:  # from the last mark at or before the page's first row
            rows = page_after(query, order, (mark.name_key, mark.resident_id), skip=page * size - mark.position,
                              size=size + 1, keys_first=keys_first, inclusive=True)
            return rows[:size], len(rows) > size
        if exact and page * size > total - (page + 1) * size:  # nearer the end: count back from it
            end = min((page + 1) * size, total)
            return page_before(query, order, None, skip=total - end, size=end - page * size,
                               keys_first=keys_first), end < total
        rows = page_after(query, order, None, skip=page * size, size=size + 1, keys_first=keys_first)
        return rows[:size], len(rows) > size

    # ------------------------------------------------------------------ the pager
    def render(self, template: str, **kwargs: Any) -> Any:
        shown = g.pop(_STATE, None)
        if template == self.list_template and shown is not None:  # type: ignore[attr-defined]
            kwargs["ektp_pager"] = self._pager(shown)
        return super().render(template, **kwargs)  # type: ignore[misc]

    def total_text(self, total: int, exact: bool) -> str:
        singular, plural = self.total_msgids if exact else self.more_msgids
        return ngettext(singular, plural, total, count=fmt_num(total))

    def _pager(self, shown: _Shown) -> Pager:
        view_args = self._get_list_extra_args()
        page, size = shown.page, shown.size
        known = math.ceil(shown.total / size) if shown.total else 1  # pages known to exist
        last = known - 1 if shown.exact else None

        def url(number: int) -> str:
            extra = dict(view_args.extra_args)
            if number > page and shown.last_id is not None:
                extra.update(after=shown.last_id, at=page + 1)
            elif number < page and number > 0 and shown.first_id is not None:
                extra.update(before=shown.first_id, at=page - 1)
            return self._get_list_url(view_args.clone(page=number, extra_args=extra))  # type: ignore[attr-defined]

        def plain(number: int) -> str:  # the first and last pages need no anchor
            return self._get_list_url(view_args.clone(page=number))  # type: ignore[attr-defined]

        if last is not None:
            highest = last
        elif shown.more:  # at least the counted rows exist
            highest = max(page + 1, known - 1)
        else:
            highest = page
        window = range(max(page - WINDOW, 0), min(page + WINDOW, highest) + 1)
        links: list[PageLink | None] = []
        if window.start > 0:
            links.append(PageLink(1, plain(0)))
            if window.start > 1:
                links.append(None)
        for number in window:
            links.append(PageLink(number + 1, plain(0) if number == 0 else url(number), number == page))
        if last is not None and window.stop - 1 < last:
            if window.stop - 1 < last - 1:
                links.append(None)
            links.append(PageLink(last + 1, plain(last)))
        go_fields = [(name, value) for name, value in request.args.items(multi=True)
                     if name not in PAGER_ARGS and name != "page"]
        return Pager(
            total_text=self.total_text(shown.total, shown.exact),
            exact=shown.exact,
            links=links,
            previous_url=url(page - 1) if page > 0 else None,
            next_url=url(page + 1) if (shown.more and (last is None or page < last)) else None,
            go_url=self.get_url(".index_view"),  # type: ignore[attr-defined]
            go_fields=go_fields,
            page_count=known if shown.exact else None,
            page_count_text=fmt_num(known) if shown.exact else "",
            current=page + 1,
        )


__all__ = ["Pager", "PageLink", "SeekPaging"]
