"""Ending the sessions of a standalone portal user: a per-user session epoch.

Flask-Login keeps ``User.get_id()`` in the (signed) session cookie; ours is
``"<id>:<session_epoch>"``. The portal's user loader accepts a session only
while the user's ``session_epoch`` still equals the one in the cookie, so
raising the epoch ends every session of the user at once, copies of the cookie
included, however long the cookie itself would still be valid:

* signing out raises it (every session of that user ends, on every device);
* a new password raises it (users screen, ``flask ektp create-user``); the
  session that set one's own new password is signed in again at the new epoch;
* an admin's "End sessions" action on the users screen raises it.

:func:`end_sessions` raises it with one plain UPDATE that leaves the row's
``version`` alone: someone who has the user's edit form open does not get a
"changed by someone else" refusal for a change no form field shows. A new
password is an edit of the record anyway (version and audit as usual).
"""
from __future__ import annotations

from typing import Any, Iterable

import sqlalchemy as sa

from .models import User

_INT_MAX = 2**31 - 1


def parse_token(token: Any) -> tuple[int, int] | None:
    """``(user id, epoch)`` from a session's ``"id:epoch"``; None for anything else
    (a session from before epochs existed included)."""
    user_id, sep, epoch = str(token or "").partition(":")
    if not sep:
        return None
    try:
        pair = int(user_id), int(epoch)
    except ValueError:
        return None
    if not (0 < pair[0] <= _INT_MAX and 0 <= pair[1] <= _INT_MAX):
        return None
    return pair


def session_is_current(user: User | None, epoch: int) -> bool:
    return user is not None and user.active and (user.session_epoch or 0) == epoch


def end_sessions(session: Any, user_ids: Iterable[int], *, audit: bool) -> int:
    """End every session of these users (committed); how many users there were.

    ``audit``: write one "update" audit entry per user (``session_epoch: n -> n+1``),
    as for an administrator's action; a plain sign-out is not recorded.
    """
    ids = sorted({int(i) for i in user_ids})
    if not ids:
        return 0
    table = User.__table__
    before = session.execute(
        sa.select(table.c.id, table.c.session_epoch, table.c.kecamatan_code)
        .where(table.c.id.in_(ids)).order_by(table.c.id).with_for_update()
    ).all()
    session.execute(
        sa.update(table).where(table.c.id.in_(ids)).values(session_epoch=table.c.session_epoch + 1)
    )
    if audit:
        from .audit import record_update

        for user_id, epoch, kecamatan in before:
            record_update(session, table.name, user_id, {"session_epoch": [epoch, epoch + 1]}, kecamatan)
    session.commit()
    return len(before)
