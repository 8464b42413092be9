"""The KTP-el pipeline: which status moves are allowed.

    not_recorded -> recorded -> sent (SFE) -> print_ready (PRR) -> printed -> handed_over

with two failure states that send work back:

* sent -> enrol_failed (EFAC): the capture must be redone, so the resident is
  outstanding again; enrol_failed -> recorded happens through a new recording.
* sent -> duplicate (DUP): needs a deletion request, not a new recording;
  duplicate -> sent once the deletion request has been processed.

Moving *to* RECORDED is done only by entering a "recorded" result in a visit log (see
``visits.status_after_recording``); a status form should call ``check_move(...,
by_hand=True)`` which refuses it, so the resident's status and their visit results never
disagree.

Message parameters are codes: ``old``/``new``/``status`` are :class:`KtpStatus` members
(``str()`` gives the code, ``.label`` the msgid) and ``allowed`` is a
:class:`StatusList` (``str()`` gives comma-separated codes; iterate it to translate
each ``.label``).
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

from .eligibility import OUTSTANDING_STATUSES
from .enums import KtpStatus
from .messages import N_, Message, RuleViolation

__all__ = [
    "ALLOWED_MOVES",
    "RECORDING_STATUSES",
    "StatusList",
    "StatusChange",
    "check_move",
    "move",
]

_S = KtpStatus

ALLOWED_MOVES: Mapping[KtpStatus, frozenset[KtpStatus]] = MappingProxyType({
    _S.NOT_RECORDED: frozenset({_S.RECORDED}),
    _S.RECORDED: frozenset({_S.SENT}),
    _S.SENT: frozenset({_S.PRINT_READY, _S.ENROL_FAILED, _S.DUPLICATE}),
    _S.PRINT_READY: frozenset({_S.PRINTED}),
    _S.PRINTED: frozenset({_S.HANDED_OVER}),
    _S.HANDED_OVER: frozenset(),
    _S.ENROL_FAILED: frozenset({_S.RECORDED}),
    _S.DUPLICATE: frozenset({_S.SENT}),
})

#: Statuses a "recorded" visit result may start from: exactly the outstanding ones.
RECORDING_STATUSES: frozenset[KtpStatus] = OUTSTANDING_STATUSES

_ORDER = {status: i for i, status in enumerate(KtpStatus)}


class StatusList(tuple):
    """A tuple of statuses that reads as comma-separated codes inside a message."""

    def __str__(self) -> str:
        return ", ".join(str(s) for s in self)


@dataclass(frozen=True)
class StatusChange:
    """One status change and the day it happened (stored as the status history)."""

    old: KtpStatus
    new: KtpStatus
    on: _dt.date

    @property
    def changed(self) -> bool:
        return self.old != self.new


def _allowed(old: KtpStatus) -> StatusList:
    return StatusList(sorted(ALLOWED_MOVES[old], key=_ORDER.__getitem__))


def check_move(old: KtpStatus, new: KtpStatus, *, by_hand: bool = False) -> list[Message]:
    """Why the status cannot go from ``old`` to ``new`` (empty list: it can).

    The same status is no move and always fine. ``by_hand=True`` (a status form, not a
    visit result) additionally refuses moving to RECORDED.
    """
    old, new = KtpStatus(old), KtpStatus(new)
    if old == new:
        return []
    params = {"old": old, "new": new}
    if new not in ALLOWED_MOVES[old]:
        if old == _S.DUPLICATE and new == _S.RECORDED:
            return [Message(
                "status_dup_needs_deletion",
                N_("A duplicate record (DUP) needs a deletion request, not a new recording; "
                   "once the request is processed, set the status back to %(allowed)s."),
                {**params, "allowed": _allowed(old)},
            )]
        if old == _S.ENROL_FAILED and new != _S.RECORDED:
            return [Message(
                "status_efac_needs_recording",
                N_("After an enrol failure (EFAC) the capture must be redone: enter a "
                   "\"recorded\" result in a visit log for this resident."),
                params,
            )]
        if not ALLOWED_MOVES[old]:
            return [Message(
                "status_final",
                N_("The status %(old)s is final; it cannot change to %(new)s."),
                params,
            )]
        return [Message(
            "status_move",
            N_("The status cannot go from %(old)s to %(new)s; from %(old)s it can only go to %(allowed)s."),
            {**params, "allowed": _allowed(old)},
        )]
    if by_hand and new == _S.RECORDED:
        return [Message(
            "status_recorded_by_visit",
            N_("The status %(new)s is set by entering a \"recorded\" result in a visit log, not by hand."),
            params,
        )]
    return []


def move(old: KtpStatus, new: KtpStatus, on: _dt.date, *, by_hand: bool = False) -> StatusChange:
    """The change from ``old`` to ``new`` on ``on``; raises RuleViolation if not allowed.

    Moving to the same status returns a change with ``changed == False``.
    """
    errors = check_move(old, new, by_hand=by_hand)
    if errors:
        raise RuleViolation(*errors)
    return StatusChange(KtpStatus(old), KtpStatus(new), on)
