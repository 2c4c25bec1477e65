"""Template contexts: what a form prints for one student (see the contract in
:mod:`yujing.forms.contract`), built from the frozen list entry, the roster and the serial."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace
from typing import Any

from yujing.forms import FormSpec
from yujing.model import ListRow, Student, Term
from yujing.policies import Policy
from yujing.qr import format_serial, make_payload

STUDENT_FIELDS = (
    "student_id", "name", "gender", "college", "major", "grade", "class_name", "parent_name",
    "parent_phone", "address", "postcode", "counsellor", "class_teacher", "counsellor_phone",
    "class_teacher_phone",
)  # fmt: skip


def student_context(
    *,
    school: str,
    rules_title: str = "",
    school_address: str = "",
    school_phone: str = "",
    policy: Policy,
    term: Term,
    entry: ListRow,
    student: Student,
    serial: int,
    issued: date,
) -> dict[str, Any]:
    """The per-student context (without QR images) for any form of ``policy``."""
    figures = entry.figures
    level = entry.level
    failed = [
        SimpleNamespace(name=c.name or c.code, credits=c.credits_text)
        for c in figures.failed_courses
    ]
    fig = figures.text
    required, earned = fig("required_credits"), fig("earned_credits")
    shortfall = ""
    if figures.required_credits is not None and figures.earned_credits is not None:
        shortfall = format((figures.required_credits - figures.earned_credits).normalize(), "f")
    return clean(
        {
            "school": school,
            "rules_title": rules_title,
            "school_address": school_address,
            "school_phone": school_phone,
            "college": student.college or entry.college or school,
            "term_label": term.label(),
            "year_from": str(term.start_year),
            "year_to": str(term.start_year + 1),
            "semester": str(term.semester),
            "student": SimpleNamespace(**{f: getattr(student, f) or "" for f in STUDENT_FIELDS}),
            "level": level,
            "since_label": Term.parse(entry.carried_from).label() if entry.carried_from else "",
            "box": {name: ("☑" if name == level else "☐") for name in policy.level_names},
            "box_other": "☐",
            "reason": entry.reason,
            "failed_courses": failed,
            "failed_course_count": str(len(failed)),
            "failed_credits": fig("cumulative_failed_credits"),
            "earned_credits": earned,
            "required_credits": required,
            "shortfall": shortfall,
            "gpa": fig("gpa"),
            "serial": format_serial(serial),
            "issue_date": SimpleNamespace(
                year=str(issued.year), month=str(issued.month), day=str(issued.day)
            ),
            "counsellor_phone": student.counsellor_phone,
        }
    )


_CONTROL = str.maketrans({c: " " for c in "\n\r\t\a\f\v"})


def clean(value: Any) -> Any:
    """Replace line breaks, tabs and other control characters by spaces in every string of a
    context (they come from spreadsheets and would break the rendered XML or its layout)."""
    if isinstance(value, str):
        return value.translate(_CONTROL)
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    if isinstance(value, SimpleNamespace):
        return SimpleNamespace(**{k: clean(v) for k, v in vars(value).items()})
    return value


def part_payloads(secret: bytes, form: FormSpec, serial: int) -> dict[str, str]:
    """Part id → QR payload for ``form`` of ``serial``."""
    return {part.id: make_payload(secret, serial, part.code) for part in form.parts}
