"""Home visits: the proposed host, groups one kit can record, residents of another desa."""
from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # runnable without a rootdir conftest or an installed package
    sys.path.insert(0, str(ROOT))

from ektp_admin.domain.enums import VisitKind  # noqa: E402
from ektp_admin.domain.home_visits import (  # noqa: E402
    GROUP_MAX,
    Candidate,
    host_first,
    resident_elsewhere,
    residents_elsewhere,
    split_group,
)
from ektp_admin.domain.visits import Region  # noqa: E402

SARONGAN = Region("35.10.01.2001", "Sarongan")
KANDANGAN = Region("35.10.01.2009", "Kandangan")


def keys(group: list[Candidate]) -> list[int]:
    return [c.key for c in group]


@pytest.mark.parametrize(
    "group, host",
    [
        # the seriously ill resident first, whatever their age
        ([Candidate(1, date(1940, 1, 1)), Candidate(2, date(1955, 1, 1), seriously_ill=True)], 2),
        # then the disabled
        ([Candidate(1, date(1930, 1, 1)), Candidate(2, date(1956, 1, 1), disabled=True)], 2),
        # ill beats disabled
        ([Candidate(1, date(1950, 1, 1), disabled=True), Candidate(2, date(1956, 1, 1), seriously_ill=True)], 2),
        # otherwise the oldest
        ([Candidate(1, date(1950, 1, 1)), Candidate(2, date(1936, 5, 1)), Candidate(3, date(1940, 1, 1))], 2),
        # a tie keeps the list's order
        ([Candidate(1, date(1940, 1, 1)), Candidate(2, date(1940, 1, 1))], 1),
    ],
)
def test_the_least_mobile_resident_hosts(group, host):
    ordered = host_first(group)
    assert ordered[0].key == host
    assert sorted(keys(ordered)) == sorted(keys(group))
    # the others keep their order
    assert keys(ordered[1:]) == [c.key for c in group if c.key != host]


def test_empty_group_has_no_host():
    assert host_first([]) == []


def test_a_group_too_big_for_one_kit_is_split_each_part_with_its_host():
    group = [Candidate(i, date(1950, 1, 1)) for i in range(GROUP_MAX + 3)]
    group[GROUP_MAX + 1] = Candidate(GROUP_MAX + 1, date(1950, 1, 1), disabled=True)
    parts = list(split_group(group))
    assert [len(p) for p in parts] == [GROUP_MAX, 3]
    assert parts[0][0].key == 0
    assert parts[1][0].key == GROUP_MAX + 1
    assert sorted(k for p in parts for k in keys(p)) == list(range(GROUP_MAX + 3))
    with pytest.raises(ValueError):
        list(split_group(group, 0))


@pytest.mark.parametrize("kind", [VisitKind.HOME, VisitKind.CLUSTER, "home", "cluster"])
def test_a_resident_of_another_desa_at_a_home_visit_is_named(kind):
    message = resident_elsewhere(kind, SARONGAN, "SUPRIYADI", KANDANGAN)
    assert message is not None and message.code == "home_visit_other_desa"
    assert str(message) == "SUPRIYADI lives in Kandangan, not in Sarongan where this visit is held."


@pytest.mark.parametrize(
    "kind, visit_desa, resident_desa",
    [
        (VisitKind.HOME, SARONGAN, SARONGAN),  # same desa
        (VisitKind.VILLAGE_POST, SARONGAN, KANDANGAN),  # a post serves neighbours too
        (VisitKind.OFFICE, None, KANDANGAN),
        (VisitKind.HOME, None, KANDANGAN),  # no desa chosen yet: the place rule says so
        ("no such kind", SARONGAN, KANDANGAN),
        (None, SARONGAN, KANDANGAN),
    ],
)
def test_no_warning_where_the_desa_does_not_matter(kind, visit_desa, resident_desa):
    assert resident_elsewhere(kind, visit_desa, "SUPRIYADI", resident_desa) is None


def test_every_resident_elsewhere_is_named_once():
    found = residents_elsewhere("home", SARONGAN, [("A", SARONGAN), ("B", KANDANGAN), ("C", KANDANGAN)])
    assert [m.params["name"] for m in found] == ["B", "C"]
