"""The pure domain layer: NIK, eligibility, KTP-el status moves, visits.

Plain values in, decisions out: nothing here imports Flask, Flask-Admin, SQLAlchemy or
the models, so every rule is testable without a database. Rules report problems as
:class:`Message` objects (translatable msgid + params) or raise :class:`RuleViolation`.
"""
from __future__ import annotations

from .eligibility import (
    EARLIEST_BIRTH_DATE,
    EVER_MARRIED,
    LANSIA_AGE,
    OUTSTANDING_STATUSES,
    WAJIB_KTP_AGE,
    age_on,
    birth_date_cutoff,
    check_birth_date,
    is_lansia,
    is_newly_wajib,
    is_outstanding,
    is_wajib_ktp,
    newly_wajib_birth_range,
)
from .enums import (
    Citizenship,
    DeviceCondition,
    DeviceOwnerKind,
    DeviceRole,
    KtpStatus,
    LabelledEnum,
    MaritalStatus,
    OutreachChannel,
    ResultKind,
    Role,
    Sex,
    TeamKind,
    VisitKind,
    VisitState,
)
from .messages import N_, Message, RuleViolation
from .nik import NIK_LENGTH, NikCheck, NikParts, check_nik_matches, parse_nik
from .status import (
    ALLOWED_MOVES,
    RECORDING_STATUSES,
    StatusChange,
    StatusList,
    check_move,
    move,
)
from .visits import (
    Booking,
    RecordingHours,
    check_device_booking,
    check_recorded_result,
    check_visit_time,
    overlaps,
    status_after_recording,
    status_after_removing_recording,
)

__all__ = [
    # messages
    "Message",
    "RuleViolation",
    "N_",
    # enums
    "LabelledEnum",
    "Sex",
    "MaritalStatus",
    "Citizenship",
    "KtpStatus",
    "DeviceOwnerKind",
    "DeviceRole",
    "DeviceCondition",
    "TeamKind",
    "VisitKind",
    "VisitState",
    "ResultKind",
    "OutreachChannel",
    "Role",
    # nik
    "NIK_LENGTH",
    "NikParts",
    "NikCheck",
    "parse_nik",
    "check_nik_matches",
    # eligibility
    "WAJIB_KTP_AGE",
    "LANSIA_AGE",
    "EARLIEST_BIRTH_DATE",
    "EVER_MARRIED",
    "OUTSTANDING_STATUSES",
    "age_on",
    "birth_date_cutoff",
    "is_wajib_ktp",
    "is_lansia",
    "is_outstanding",
    "is_newly_wajib",
    "newly_wajib_birth_range",
    "check_birth_date",
    # status
    "ALLOWED_MOVES",
    "RECORDING_STATUSES",
    "StatusList",
    "StatusChange",
    "check_move",
    "move",
    # visits
    "RecordingHours",
    "Booking",
    "check_visit_time",
    "overlaps",
    "check_device_booking",
    "check_recorded_result",
    "status_after_recording",
    "status_after_removing_recording",
]
