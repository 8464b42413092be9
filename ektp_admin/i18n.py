"""Translations: Indonesian by default, English selectable.

The plugin's own strings live in the ``ektp_admin`` gettext domain; Flask-Admin's
strings (``admin`` domain) and WTForms' (``wtforms`` domain) get Indonesian
catalogues shipped in the same folder, because neither project ships one.
"""
from __future__ import annotations

import os
from typing import Any

from flask import current_app, g, has_app_context, has_request_context, request, session
from flask_babel import Domain, get_locale

from .domain.messages import Message

TRANSLATIONS_DIR = os.path.join(os.path.dirname(__file__), "translations")
LANG_SESSION_KEY = "ektp_admin_lang"


class RequestDomain(Domain):
    """A gettext domain whose catalogue is found once per request and language.

    Flask-Babel looks it up on every call (the request's Babel state, the locale's
    name, the process cache): about 5 microseconds, a hundred times a list page.
    Kept on that request state with the very locale object it is for, so a locale
    switched meanwhile (``force_locale``, ``refresh``) is looked up anew.
    """

    def get_translations(self) -> Any:
        state = getattr(g, "_flask_babel", None) if has_app_context() else None
        locale = getattr(state, "babel_locale", None)
        if locale is None:  # outside a request, or its language not chosen yet
            return super().get_translations()
        kept = state.__dict__.setdefault("ektp_admin_catalogues", {})
        found = kept.get(self.domain[0])
        if found is None or found[0] is not locale:
            found = kept[self.domain[0]] = (locale, super().get_translations())
        return found[1]


_domain = RequestDomain(TRANSLATIONS_DIR, domain="ektp_admin")
_wtforms_domain = RequestDomain(TRANSLATIONS_DIR, domain="wtforms")

gettext = _domain.gettext
ngettext = _domain.ngettext
lazy_gettext = _domain.lazy_gettext
_ = gettext


def Np_(singular: str, plural: str) -> tuple[str, str]:
    """Mark a singular/plural msgid pair for extraction without translating it."""
    return singular, plural


def translate(message: Message) -> str:
    """A domain-layer :class:`Message` in the current user's language."""
    params = {k: _param(v) for k, v in dict(message.params).items()}
    return gettext(message.text, **params) if params else gettext(message.text)


def _param(value: Any) -> Any:
    label = getattr(value, "label", None)  # enum members carry a label msgid
    if label:
        return gettext(label)
    if isinstance(value, tuple) and value and all(hasattr(v, "label") for v in value):
        return ", ".join(gettext(v.label) for v in value)
    return value


def label(enum_member_or_code: Any, enum_cls: Any = None) -> str:
    """The translated label of an enum member (or of a stored code)."""
    if enum_member_or_code is None or enum_member_or_code == "":
        return ""
    if not has_request_context():
        return _label(enum_member_or_code, enum_cls)
    # A list shows the same few labels on every row: each is found and translated once a request.
    said = request.environ.setdefault("ektp_admin.labels", {})
    key = (enum_cls, enum_member_or_code)
    text = said.get(key)
    if text is None:
        text = said[key] = _label(enum_member_or_code, enum_cls)
    return text


def _label(member: Any, enum_cls: Any) -> str:
    if enum_cls is not None and not hasattr(member, "label"):
        try:
            member = enum_cls(member)
        except ValueError:
            return str(member)
    return gettext(member.label)


def translated_choices(enum_cls: Any) -> list[tuple[str, str]]:
    return [(m.value, gettext(m.label)) for m in enum_cls]


def select_locale() -> str:
    """Locale selector installed when the host has no Flask-Babel of its own.

    ``?lang=en`` (or ``id``) switches and is remembered in the signed session.
    """
    cfg = current_app.config
    allowed = cfg["EKTP_ADMIN_LOCALES"]
    if has_request_context():
        asked = request.args.get("lang") if cfg["EKTP_ADMIN_LANGUAGE_SWITCH"] else None
        if asked and asked in allowed:
            session[LANG_SESSION_KEY] = asked
            return asked
        remembered = session.get(LANG_SESSION_KEY)
        if isinstance(remembered, str) and remembered in allowed:
            return remembered
    return str(cfg["EKTP_ADMIN_DEFAULT_LOCALE"])


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "id"


_admin_domain = RequestDomain(TRANSLATIONS_DIR, domain="admin")


class WTFormsTranslations:
    """WTForms messages ("This field is required.") in the user's language.

    Flask-Admin's own fields ("Not a valid choice") also ask the WTForms
    catalogue; their Indonesian text is in our ``admin`` catalogue, so fall back.
    """

    def gettext(self, string: str) -> str:
        text = _wtforms_domain.get_translations().ugettext(string)
        if text == string:
            text = _admin_domain.get_translations().ugettext(string)
        return text

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_domain.get_translations().ungettext(singular, plural, n)


def lend_catalogues_to_flask_admin() -> None:
    """Make Flask-Admin find our Indonesian ``admin`` catalogue on every page.

    Flask-Admin looks in ``Admin.translations_path`` only while one of its views
    is rendering, and caches the result per process and locale: a page rendered
    outside a view (a login page, an error page) would cache "no Indonesian" for
    good. Adding our folder to its domain's base folders (after its own, so a
    host's catalogue still wins) closes that gap. Idempotent.
    """
    from flask_admin import babel as admin_babel

    domain = getattr(admin_babel, "domain", None)
    folders = getattr(domain, "_translation_directories", None)
    if isinstance(folders, list) and TRANSLATIONS_DIR not in folders:
        folders.append(TRANSLATIONS_DIR)
