"""Forms of the e-KTP screens: Flask-WTF CSRF, Indonesian messages, clean text,
readable refusals of a picked value outside the user's reach."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, request
from flask_admin.contrib.sqla.fields import InlineModelFormList
from flask_admin.contrib.sqla.form import InlineModelConverter
from flask_admin.form import BaseForm
from flask_admin.form.widgets import RenderTemplateWidget
from flask_admin.model.form import InlineFormAdmin
from flask_wtf import FlaskForm
from wtforms.validators import Length, ValidationError

from ..domain.text import clean_text
from ..i18n import WTFormsTranslations, gettext


def bind_text_field(form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
    """Bind a field; text fields get the house rules first.

    Typed text loses characters no column can hold (a pasted NUL) before any
    validator sees it; passwords are taken as typed. Text bound to a model
    column is held to what the column holds: its VARCHAR length, or
    ``EKTP_ADMIN_MAX_TEXT_CHARS`` for a TEXT column (notes).
    """
    from wtforms import PasswordField, StringField

    field_class = unbound_field.field_class
    if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
        extra: dict[str, Any] = {"filters": (clean_text, *unbound_field.kwargs.get("filters", ()))}
        limit = column_text_limit(getattr(form, MODEL_ATTRIBUTE, None), options.get("name"))
        validators = list(unbound_field.kwargs.get("validators") or ())
        if limit is not None and not _bounded(validators, limit):
            extra["validators"] = [*validators, Length(max=limit)]
        return unbound_field.bind(form=form, **extra, **options)
    return unbound_field.bind(form=form, **options)


class EktpForm(BaseForm):
    """Flask-Admin's form base with Flask-WTF's CSRF and our WTForms catalogue.

    Flask-WTF tokens (not WTForms' SessionCSRF) so a host that already runs
    ``CSRFProtect`` accepts our forms and vice versa.
    """

    class Meta(FlaskForm.Meta):
        _translations = WTFormsTranslations()

        def get_translations(self, form: Any) -> Any:
            return self._translations

        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            return bind_text_field(form, unbound_field, options)


class EktpInlineForm(BaseForm):
    """Rows edited inside another record's form (a visit's results, a team's
    members): no CSRF of their own (the outer form has it), otherwise the same
    rules as :class:`EktpForm`."""

    class Meta:
        _translations = WTFormsTranslations()

        def get_translations(self, form: Any) -> Any:
            return self._translations

        def bind_field(self, form: Any, unbound_field: Any, options: dict[str, Any]) -> Any:
            return bind_text_field(form, unbound_field, options)


class EktpTemplateWidget(RenderTemplateWidget):
    """A template widget whose template can use the plugin's catalogue: widgets render
    outside the view's ``render``, so the context processor's ``ektp_gettext`` is
    handed over here."""

    def __call__(self, field: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("ektp_gettext", gettext)
        return super().__call__(field, **kwargs)


class EktpInlineModelFormList(InlineModelFormList):
    """Inline rows rendered by our template: its "Add" button has no inline event
    handler (the pages run under a Content-Security-Policy)."""

    widget = EktpTemplateWidget("ektp_admin/model/inline_field_list.html")


class EktpInlineModelConverter(InlineModelConverter):
    inline_field_list_type = EktpInlineModelFormList


class EktpInlineFormAdmin(InlineFormAdmin):
    """The inline model form of every e-KTP screen (the base view refuses others)."""

    form_base_class = EktpInlineForm

    def postprocess_form(self, form_class: Any) -> Any:
        setattr(form_class, MODEL_ATTRIBUTE, self.model)
        return super().postprocess_form(form_class)


#: Attribute of a scaffolded form class naming the model its fields are bound to.
MODEL_ATTRIBUTE = "_ektp_model"


def column_text_limit(model: Any, name: str | None) -> int | None:
    """The most characters the form field ``name`` of ``model`` may hold, or None.

    A VARCHAR column's length; for a column without one (TEXT: notes) the
    configured ``EKTP_ADMIN_MAX_TEXT_CHARS``. None for a field that is no text
    column of the model (a relation, a number, an extra field).
    """
    if model is None or not name:
        return None
    import sqlalchemy as sa

    prop = sa.inspect(model).column_attrs.get(name) if hasattr(model, "__mapper__") else None
    if prop is None:
        return None
    column_type = prop.columns[0].type
    if not isinstance(column_type, sa.String):
        return None
    return column_type.length or int(current_app.config.get("EKTP_ADMIN_MAX_TEXT_CHARS") or 2000)


def _bounded(validators: list[Any], limit: int) -> bool:
    """Does a validator already hold the text to ``limit`` characters or fewer?"""
    return any(isinstance(v, Length) and v.max != -1 and v.max <= limit for v in validators)


def require_csrf() -> None:
    """Refuse (400) a state-changing request without a valid CSRF token.

    Flask-Admin's delete, bulk-action and inline-edit endpoints validate a form
    whose failure only flashes and redirects; calling this first makes them
    refuse outright, with or without the host's ``CSRFProtect``.
    """
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    from flask_wtf.csrf import validate_csrf

    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token = request.form.get(field) or request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token")
    try:
        validate_csrf(token)
    except ValidationError:
        abort(400, description=gettext(
            "This request was refused because its security token is missing or has expired. "
            "Reload the page and try again."
        ))


class ReachableChoice:
    """Required relation picker whose value must be one the user may choose.

    A scoped picker resolves an unknown or out-of-scope value (a forged POST,
    a desa of another kecamatan) to nothing; instead of WTForms' "This field is
    required" the user reads why the value was refused.
    """

    field_flags = {"required": True}

    def __init__(self, message: str | None = None) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        from wtforms.validators import StopValidation

        sent = [v for v in (field.raw_data or []) if v not in (None, "", "__None")]
        if field.data is not None:
            return
        field.errors[:] = []
        if sent:
            raise StopValidation(str(self.message) if self.message else gettext(
                "The value chosen is unknown or outside your kecamatan: pick one from the list."))
        raise StopValidation(field.gettext("This field is required."))


def plain_errors(form: Any) -> None:
    """Turn lazy (translated-on-render) error messages into plain text, in place.

    Flask-Admin's field macro renders only ``e is string``: a validator message
    given as ``lazy_gettext(...)`` would vanish and the user would read just
    "Failed to save record." Walks inline forms (FieldList/FormField) too.
    """
    for field in form:
        entries = getattr(field, "entries", None)
        if entries is not None:
            for entry in entries:
                sub = getattr(entry, "form", None)
                if sub is not None:
                    plain_errors(sub)
                elif isinstance(entry.errors, list):
                    entry.errors[:] = [_plain_message(e) for e in entry.errors]
        sub = getattr(field, "form", None)
        if sub is not None and entries is None and hasattr(sub, "_fields"):
            plain_errors(sub)
        if isinstance(getattr(field, "errors", None), list):
            field.errors[:] = [_plain_message(e) for e in field.errors]


def _plain_message(message: Any) -> Any:
    return message if isinstance(message, (str, list, tuple, dict)) else str(message)


