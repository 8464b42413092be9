"""The rows of a model list, drawn in Python with what a page shares made once.

Flask-Admin draws each row through its templates: a URL built (``url_for``) per
row and action, a delete form of three WTForms fields with its own CSRF token
per row, a template call per cell that looks up the column's type formatter
anew. At 50 rows a page that was most of the list's time. Here the links are
built once a page up to the row's id, one shared delete form (list.html) holds
the token and each row's delete button names its id (``form=`` and ``value=``),
and a row is one call. The markup is Flask-Admin's, without inline handlers
(the page runs under the plugin's Content-Security-Policy; ektp_admin.js asks
before a delete), and its words are Flask-Admin's, from its catalogue.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable
from urllib.parse import quote

# Flask-Admin's own words, from its catalogue (not extracted into ours).
from flask_admin.babel import gettext as admin_gettext
from jinja2 import pass_context
from markupsafe import Markup, escape

#: the id of the list's one delete form (list.html, _csp.html)
DELETE_FORM_ID = "ektp-delete-row"

#: Flask-Admin's row actions drawn as plain links: its macro -> (endpoint, icon)
_LINKS = {
    "row_actions.view_row": (".details_view", "fa fa-eye glyphicon glyphicon-eye-open"),
    "row_actions.edit_row": (".edit_view", "fa fa-pencil glyphicon glyphicon-pencil"),
}
_DELETE = "row_actions.delete_row"


@dataclass(frozen=True)
class _Link:
    """A link's markup before and after the row's id (quoted for a URL)."""

    start: str
    end: str


class RowWriter:
    """Draws a row's cells (``<td>``...) for list.html: ``{{ ektp_row.draw(row) }}``."""

    def __init__(self, view: Any, actions: list[Any], columns: list[str], *, return_url: str,
                 checkbox: bool) -> None:
        self.view = view
        self.columns = columns
        # (markup before the id, markup after it): the id is escaped in between
        self.checkbox = ('<td><input type="checkbox" name="rowid" class="action-checkbox" value="',
                         f'" title="{escape(admin_gettext("Select record"))}" /></td>') if checkbox else None
        self.display_actions = bool(view.column_display_actions)
        self.editable = frozenset(c for c in columns if view.is_editable(c))
        self.actions: list[Any] = []
        for action in actions:
            name = getattr(action, "template_name", None)
            if name in _LINKS:
                endpoint, icon = _LINKS[name]
                url = view.get_url(endpoint, url=return_url)
                href = url + ("&" if "?" in url else "?") + "id="
                self.actions.append(_Link(f'<a class="icon" href="{escape(href)}',
                                          f'" title="{escape(action.title or "")}"><span class="{icon}"></span></a>'))
            elif name == _DELETE:
                self.actions.append((
                    f'<button type="submit" form="{DELETE_FORM_ID}" name="id" value="',
                    f'" class="ektp-row-delete" data-ektp-confirm="'
                    f'{escape(admin_gettext("Are you sure you want to delete this record?"))}" '
                    f'title="{escape(admin_gettext("Delete Record"))}"><span class="fa fa-trash glyphicon glyphicon-trash">'
                    '</span></button>'))
            else:
                self.actions.append(action)  # the view's own: its template
        self._cells = [(column, f'<td class="col-{escape(column)}">') for column in columns]
        self._values = [cell_value(view, column) for column in columns]

    @pass_context
    def draw(self, context: Any, row: Any) -> Markup:
        # Plain strings joined once (Markup.format escapes through string.Formatter,
        # the slowest part of a row); every value goes through escape().
        view = self.view
        row_id = view.get_pk_value(row)
        value_id = str(escape(row_id))
        parts: list[str] = []
        if self.checkbox is not None:
            parts += self.checkbox[0], value_id, self.checkbox[1]
        if self.display_actions:
            parts.append('<td class="list-buttons-column">')
            quoted = quote(str(row_id), safe="")
            for number, action in enumerate(self.actions):
                if number:
                    parts.append(" ")  # icons apart, as Flask-Admin's templates leave them
                if isinstance(action, _Link):
                    parts += action.start, quoted, action.end
                elif isinstance(action, tuple):
                    parts += action[0], value_id, action[1]
                else:
                    parts.append(str(escape(action.render_ctx(context, row_id, row))))
            parts.append("</td>")
        for (column, start), value_of in zip(self._cells, self._values):
            value = value_of(context, row)
            if column in self.editable:
                value = self._editable(context, row_id, column, value)
            parts += start, str(escape(value)), "</td>"
        return Markup("".join(parts))

    @pass_context
    def draw_rows(self, context: Any, rows: Any) -> Markup:
        """Every row of the page, each in its ``<tr>``: one call from list.html."""
        return Markup("".join(f"<tr>{self.draw(context, row)}</tr>\n" for row in rows))

    @staticmethod
    def _editable(context: Any, row_id: Any, column: str, value: Any) -> Any:
        """Flask-Admin's in-place editor of the cell (x-editable), with the CSRF token."""
        form = context["list_forms"][row_id]
        token = getattr(form, "csrf_token", None)
        if token:
            return form[column](pk=row_id, display_value=value, csrf=token._value())
        csrf_token = context.get("csrf_token")
        if csrf_token:
            return form[column](pk=row_id, display_value=value, csrf=csrf_token())
        return form[column](pk=row_id, display_value=value)


def cell_value(view: Any, column: str) -> Callable[[Any, Any], Any]:
    """``(context, row) -> value`` of one column: what Flask-Admin's ``get_list_value``
    gives, with the column's formatter, choices and type formatter looked up once a
    page rather than once a cell. A view that overrides ``get_list_value`` keeps it."""
    from .base import EktpModelView

    if type(view).get_list_value is not EktpModelView.get_list_value:
        return lambda context, row: view.get_list_value(context, row, column)
    return column_value(view, column)


def column_value(view: Any, column: str) -> Callable[[Any, Any], Any]:
    """Flask-Admin's ``get_list_value`` of one column as a function of a row."""
    formatter = view.column_formatters.get(column)
    choices = view._column_choices_map.get(column)
    by_type: dict[type, Any] = {}

    def value(context: Any, row: Any) -> Any:
        if formatter is not None:
            found = formatter(view, context, row, column)
        elif "." in column:
            found = view._get_field_value(row, column)
        else:
            found = getattr(row, column)
        if choices:
            return choices.get(found) or found
        kind = type(found)
        try:
            type_formatter = by_type[kind]
        except KeyError:
            type_formatter = by_type[kind] = view._type_formatter(kind)
        return found if type_formatter is None else type_formatter(view, found, column)

    return value
