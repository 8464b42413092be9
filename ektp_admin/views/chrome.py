"""The parts of a page around a screen, drawn once and reused: the main menu and
the stylesheet and script links.

Flask-Admin draws them on every page: for the menu it asks, screen by screen,
whether the user may open it, its name in the user's language and its URL; the
links are a ``url_for`` each (together about 1.5 ms of a 50-row list's 8). On the
Admin the plugin makes itself, every screen is the plugin's (who may open one
follows from the user's role and kecamatan) and no nonce varies per request, so
what they show depends only on the screen shown, the user's role and kecamatan
and the language (the menu), and where the app is mounted: each is drawn once
for each such key and reused. An Admin holding any other screen or link (a
host's, with its own rules) draws them every time, as Flask-Admin does.
"""
from __future__ import annotations

from collections import OrderedDict
from typing import Any, Callable

from flask import request
from markupsafe import Markup

from ..access import EktpAccess, current_ektp_user, current_reach
from ..i18n import current_language
from ..state import get_state
from .home import HomeView

#: parts kept per app (kinds of user x languages x screens seen lately)
PARTS_KEPT = 512
#: the plugin's screens: who may open one follows from the user's role (the home page: anyone)
_OURS = (EktpAccess, HomeView)
#: the parts that show what the user may open, in the user's language
_PER_USER = frozenset({"menu"})


def part_key(name: str, admin_view: Any) -> tuple[Any, ...] | None:
    """What the part ``name`` shown with ``admin_view`` depends on, or None: draw it every time."""
    admin = getattr(admin_view, "admin", None)
    if admin is None or getattr(admin, "_menu_links", None) or getattr(admin, "csp_nonce_generator", None):
        return None
    if not all(isinstance(view, _OURS) for view in admin._views):
        return None
    key: tuple[Any, ...] = (name, id(admin), admin_view.endpoint, request.script_root, request.host)
    if name in _PER_USER:
        user, reach = current_ektp_user(), current_reach()
        key += ((user.role, reach.kecamatan_code) if user is not None else None, current_language())
    return key


def cached_part(name: str, admin_view: Any, caller: Callable[[], Markup]) -> Markup:
    """``{% call ektp_part('menu', admin_view) %}{{ super() }}{% endcall %}``: the part
    drawn by the block inside, or the same part drawn before for the same key."""
    key = part_key(name, admin_view)
    if key is None:
        return caller()
    parts: OrderedDict[Any, Markup] = get_state().page_parts
    drawn = parts.get(key)
    if drawn is None:
        drawn = parts[key] = caller()
        if len(parts) > PARTS_KEPT:
            parts.popitem(last=False)
    else:
        parts.move_to_end(key)
    return drawn
