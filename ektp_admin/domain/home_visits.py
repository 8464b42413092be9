"""Home visits: whose house a group is recorded at, how big a group is, and who
does not belong to the visit's desa.

Plain values in, decisions out: the home-visit list and the desa page propose a
group (host first), the visit form warns about a resident of another desa.
"""
from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence, TypeVar

from .enums import VisitKind
from .messages import N_, Message
from .visits import AT_A_HOME, Region

__all__ = [
    "GROUP_MAX",
    "Candidate",
    "host_first",
    "split_group",
    "resident_elsewhere",
    "residents_elsewhere",
]

#: The most residents one record action proposes: what one kit records in a morning
#: at a house (3-10 minutes each, plus moving the kit). A bigger RT cluster is split.
GROUP_MAX = 10


@dataclass(frozen=True)
class Candidate:
    """A resident to record at home, as the host choice sees them."""

    key: int
    birth_date: _dt.date
    seriously_ill: bool = False
    disabled: bool = False


_C = TypeVar("_C", bound=Candidate)


def host_first(group: Sequence[_C]) -> list[_C]:
    """The group with its proposed host first: the least mobile resident is recorded
    at their own house and the neighbours come to them.

    Least mobile: seriously ill, then disabled, then the oldest; a tie keeps the
    group's own order (RW/RT, name). The rest keep their order after the host.
    """
    if not group:
        return []
    host = min(
        range(len(group)),
        key=lambda i: (not group[i].seriously_ill, not group[i].disabled, group[i].birth_date, i),
    )
    return [group[host], *group[:host], *group[host + 1:]]


def split_group(group: Sequence[_C], size: int = GROUP_MAX) -> Iterator[list[_C]]:
    """``group`` in parts of at most ``size``, each with its own host first."""
    if size < 1:
        raise ValueError("a group holds at least one resident")
    for start in range(0, len(group), size):
        yield host_first(group[start:start + size])


def resident_elsewhere(
    kind: VisitKind | str | None, visit_desa: Region | None, name: str, resident_desa: Region | None
) -> Message | None:
    """A warning when a resident of another desa joins a visit held at a house.

    Neighbours across a desa border may well be recorded together (the nearest
    house can lie in the next desa), so this is a warning to confirm, not a
    refusal. None for a visit not held at a house, or when either desa is unknown.
    """
    if kind is None:
        return None
    try:
        at_a_home = VisitKind(kind) in AT_A_HOME
    except ValueError:
        return None
    if not at_a_home or visit_desa is None or resident_desa is None or resident_desa.code == visit_desa.code:
        return None
    return Message(
        "home_visit_other_desa",
        N_("%(name)s lives in %(resident_desa)s, not in %(desa)s where this visit is held."),
        {"name": name, "resident_desa": resident_desa.name, "desa": visit_desa.name},
    )


def residents_elsewhere(
    kind: VisitKind | str | None, visit_desa: Region | None, residents: Iterable[tuple[str, Region | None]]
) -> list[Message]:
    """:func:`resident_elsewhere` for every ``(name, desa)`` of ``residents``."""
    found = (resident_elsewhere(kind, visit_desa, name, desa) for name, desa in residents)
    return [m for m in found if m is not None]
