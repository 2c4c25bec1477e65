"""Sample contexts for the templates: previews, and the reference for filling the contract.

``python -m yujing.templates.sample POLICY FORM_ID [LEVEL] OUT.docx`` renders one form for a
made-up student (real QR codes, one per part) so a template can be looked at in Word/WPS or
converted with LibreOffice. The tests render every template through these functions.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import qrcode
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from qrcode.constants import ERROR_CORRECT_Q

from yujing.forms import FormSpec, load_forms

SAMPLE_SERIAL = "000123"


def qr_png(payload: str) -> io.BytesIO:
    """A QR code PNG in memory (error correction Q, quiet zone 4 modules)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_Q, box_size=8, border=4)
    code.add_data(payload)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out)
    out.seek(0)
    return out


def sample_student(**overrides: str) -> SimpleNamespace:
    values = {
        "student_id": "2022010203",
        "name": "李明",
        "gender": "男",
        "college": "机械工程学院",
        "major": "机械设计制造及其自动化",
        "grade": "2022",
        "class_name": "机制2202班",
        "parent_name": "李建国",
        "parent_phone": "13800000000",
        "address": "江苏省南通市崇川区某路1号",
        "postcode": "226000",
        "counsellor": "王老师",
        "class_teacher": "赵老师",
    }
    values.update(overrides)
    return SimpleNamespace(**values)


def student_context(
    tpl: DocxTemplate,
    form: FormSpec,
    level: str,
    level_names: Sequence[str],
    *,
    student: SimpleNamespace | None = None,
    serial: str = SAMPLE_SERIAL,
    qr_width_mm: float = 22,
) -> dict[str, Any]:
    """A full per-student context (every contract name) for ``form`` at ``level``."""
    student = student or sample_student()
    qr = {
        part.id: InlineImage(
            tpl, qr_png(f"YJ1-{form.policy.upper()}-{part.code}-{serial}"), width=Mm(qr_width_mm)
        )
        for part in form.parts
    }
    return {
        "school": "示例学院",
        "college": student.college,
        "term_label": "2024-2025学年第1学期",
        "year_from": "2024",
        "year_to": "2025",
        "semester": "1",
        "student": student,
        "level": level,
        "box": {name: ("☑" if name == level else "☐") for name in level_names},
        "box_other": "☐",
        "reason": f"{level}：累计不及格课程 3 门，未通过学分 10.5。",
        "failed_courses": [
            SimpleNamespace(name="高等数学A(1)", credits="5"),
            SimpleNamespace(name="大学物理", credits="3.5"),
            SimpleNamespace(name="工程制图", credits="2"),
        ],
        "failed_course_count": "3",
        "failed_credits": "10.5",
        "earned_credits": "60",
        "required_credits": "85",
        "shortfall": "25",
        "gpa": "1.85",
        "serial": serial,
        "qr": qr,
        "issue_date": SimpleNamespace(year="2025", month="3", day="10"),
        "counsellor_phone": "0513-12345678",
    }


def summary_context(rows: int = 3, college: str = "机械工程学院") -> dict[str, Any]:
    """A context for list/summary templates."""
    return {
        "school": "示例学院",
        "college": college,
        "term_label": "2024-2025学年第1学期",
        "rows": [
            SimpleNamespace(
                seq=str(i),
                student_id=f"20220102{i:02d}",
                name=f"学生{i}",
                gender="女",
                grade="2022",
                major="机械设计制造及其自动化",
                class_name="机制2202班",
                level="预警",
                reason=f"累计不及格课程 {i + 3} 门",
                result="已谈话，继续跟进",
            )
            for i in range(1, rows + 1)
        ],
    }


def render(form: FormSpec, context_level: str | None, out: Path) -> Path:
    """Render ``form`` for the sample student (or sample rows) to ``out``."""
    from yujing.policies import load_policy

    tpl = DocxTemplate(str(form.template_path))
    if form.per_student:
        levels = load_policy(form.policy).level_names
        level = context_level or (form.levels[0] if form.levels else levels[0])
        context = student_context(tpl, form, level, levels)
    else:
        context = summary_context()
    tpl.render(context, autoescape=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    tpl.save(str(out))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    policy, form_id, *rest = args
    level = rest[0] if len(rest) == 2 else None
    forms = {f.id: f for f in load_forms(policy)}
    if form_id not in forms:
        print(f"表单目录「{policy}」没有表单「{form_id}」：{'、'.join(forms)}", file=sys.stderr)
        return 2
    print(render(forms[form_id], level, Path(rest[-1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
