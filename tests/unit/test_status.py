"""KTP-el status moves along the national pipeline."""
from __future__ import annotations

import itertools
import sys
from datetime import date
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # runnable without a rootdir conftest or an installed package
    sys.path.insert(0, str(ROOT))

from ektp_admin.domain.enums import KtpStatus  # noqa: E402
from ektp_admin.domain.messages import RuleViolation  # noqa: E402
from ektp_admin.domain.status import (  # noqa: E402
    ALLOWED_MOVES,
    RECORDING_STATUSES,
    StatusChange,
    StatusList,
    check_move,
    move,
)

S = KtpStatus
DAY = date(2016, 9, 15)

# Written out by hand, not derived from ALLOWED_MOVES, so the test can catch a change.
ALLOWED = [
    (S.NOT_RECORDED, S.RECORDED),
    (S.RECORDED, S.SENT),
    (S.SENT, S.PRINT_READY),
    (S.SENT, S.ENROL_FAILED),
    (S.SENT, S.DUPLICATE),
    (S.PRINT_READY, S.PRINTED),
    (S.PRINTED, S.HANDED_OVER),
    (S.ENROL_FAILED, S.RECORDED),
    (S.DUPLICATE, S.SENT),
]


@pytest.mark.parametrize(("old", "new"), ALLOWED)
def test_allowed_move(old: KtpStatus, new: KtpStatus) -> None:
    assert check_move(old, new) == []
    assert move(old, new, DAY) == StatusChange(old, new, DAY)


def test_allowed_moves_table_is_exactly_the_pipeline() -> None:
    assert set(ALLOWED_MOVES) == set(KtpStatus)
    assert {(old, new) for old, targets in ALLOWED_MOVES.items() for new in targets} == set(ALLOWED)


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        (S.NOT_RECORDED, S.SENT, "status_move"),  # cannot skip the recording
        (S.NOT_RECORDED, S.PRINTED, "status_move"),
        (S.RECORDED, S.NOT_RECORDED, "status_move"),  # undo only by removing the visit result
        (S.RECORDED, S.PRINT_READY, "status_move"),
        (S.SENT, S.RECORDED, "status_move"),
        (S.SENT, S.HANDED_OVER, "status_move"),
        (S.PRINT_READY, S.SENT, "status_move"),
        (S.PRINT_READY, S.HANDED_OVER, "status_move"),
        (S.PRINTED, S.PRINT_READY, "status_move"),
        (S.HANDED_OVER, S.NOT_RECORDED, "status_final"),
        (S.HANDED_OVER, S.PRINTED, "status_final"),
        (S.DUPLICATE, S.RECORDED, "status_dup_needs_deletion"),
        (S.DUPLICATE, S.NOT_RECORDED, "status_move"),
        (S.ENROL_FAILED, S.SENT, "status_efac_needs_recording"),
        (S.ENROL_FAILED, S.NOT_RECORDED, "status_efac_needs_recording"),
    ],
)
def test_forbidden_move(old: KtpStatus, new: KtpStatus, code: str) -> None:
    assert [m.code for m in check_move(old, new)] == [code]
    with pytest.raises(RuleViolation) as excinfo:
        move(old, new, DAY)
    assert [m.code for m in excinfo.value.messages] == [code]


def test_every_other_pair_is_forbidden() -> None:
    for old, new in itertools.product(KtpStatus, repeat=2):
        if old == new or (old, new) in ALLOWED:
            continue
        assert len(check_move(old, new)) == 1, (old, new)


@pytest.mark.parametrize("status", list(KtpStatus))
def test_same_status_is_no_move(status: KtpStatus) -> None:
    assert check_move(status, status) == []
    change = move(status, status, DAY)
    assert change.changed is False
    assert change.old == change.new == status


def test_change_is_marked_changed() -> None:
    assert move(S.RECORDED, S.SENT, DAY).changed is True


def test_stored_codes_are_accepted() -> None:
    assert check_move("sent", "print_ready") == []
    assert move("recorded", "sent", DAY) == StatusChange(S.RECORDED, S.SENT, DAY)
    with pytest.raises(ValueError):
        check_move("sent", "lost")


def test_move_message_lists_allowed_targets() -> None:
    (message,) = check_move(S.SENT, S.RECORDED)
    assert str(message) == (
        "The status cannot go from sent to recorded; from sent it can only go to "
        "print_ready, enrol_failed, duplicate."
    )
    assert message.params["old"] is S.SENT
    assert message.params["new"] is S.RECORDED
    allowed = message.params["allowed"]
    assert isinstance(allowed, StatusList)
    assert tuple(allowed) == (S.PRINT_READY, S.ENROL_FAILED, S.DUPLICATE)
    assert [s.label for s in allowed] == [
        "Print-ready (PRR)", "Enrol failure at central (EFAC)", "Duplicate record (DUP)",
    ]


def test_final_and_hint_texts() -> None:
    assert str(check_move(S.HANDED_OVER, S.PRINTED)[0]) == (
        "The status handed_over is final; it cannot change to printed."
    )
    assert str(check_move(S.DUPLICATE, S.RECORDED)[0]) == (
        "A duplicate record (DUP) needs a deletion request, not a new recording; "
        "once the request is processed, set the status back to sent."
    )
    assert "capture must be redone" in str(check_move(S.ENROL_FAILED, S.SENT)[0])


@pytest.mark.parametrize("old", [S.NOT_RECORDED, S.ENROL_FAILED])
def test_recorded_only_from_a_visit_result(old: KtpStatus) -> None:
    assert check_move(old, S.RECORDED) == []  # through a visit result
    (message,) = check_move(old, S.RECORDED, by_hand=True)
    assert message.code == "status_recorded_by_visit"
    assert str(message) == (
        'The status recorded is set by entering a "recorded" result in a visit log, not by hand.'
    )
    with pytest.raises(RuleViolation):
        move(old, S.RECORDED, DAY, by_hand=True)


def test_by_hand_other_moves_are_fine() -> None:
    assert check_move(S.SENT, S.PRINT_READY, by_hand=True) == []
    assert check_move(S.DUPLICATE, S.SENT, by_hand=True) == []


def test_recording_statuses() -> None:
    assert RECORDING_STATUSES == {S.NOT_RECORDED, S.ENROL_FAILED}
    for status in RECORDING_STATUSES:
        assert S.RECORDED in ALLOWED_MOVES[status]


def test_rule_violation_reads_as_text() -> None:
    with pytest.raises(RuleViolation, match="from printed it can only go to handed_over"):
        move(S.PRINTED, S.SENT, DAY)
