"""Sample contexts for the templates (样例): previews, and the reference for filling the
contract.

``yujing pack sample PACK FORM_ID [--level L] -o OUT.docx|.pdf`` renders one form for a made-up
student (real QR codes, one per part) so a template can be looked at in Word/WPS or printed.
The tests render every template through these functions.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

from yujing.forms import FormSpec
from yujing.forms.images import SECOND_QR_MM, CornerImage, page_size
from yujing.qr import qr_png as make_qr_png

if TYPE_CHECKING:
    from yujing.policies import Policy

SAMPLE_SERIAL = "000123"
SAMPLE_SCHOOL = "示例学院"
SAMPLE_RULES = "《示例学院学生学业预警与帮扶办法》"
SAMPLE_ADDRESS = "示例省示例市大学路1号 示例学院学生工作办公室（邮编 100000）"
SAMPLE_PHONE = "0000-12345678"

# Long, real-looking values: every template must print these tidily (tests/test_form_layout.py).
LONG_STUDENT = {
    "student_id": "2022010203",
    "name": "欧阳木兰花",
    "gender": "女",
    "college": "机械与电气工程学院",
    "major": "机械设计制造及其自动化",
    "grade": "2022",
    "class_name": "机制2202班",
    "parent_name": "欧阳建国",
    "parent_phone": "13912345678",
    "address": "江苏省南通市崇川区青年东路幸福里小区12幢3单元1502室",
    "postcode": "226001",
    "counsellor": "司马晓燕",
    "class_teacher": "诸葛明远",
    "counsellor_phone": "0513-85012345",
    "class_teacher_phone": "13905130000",
}
LONG_COURSES = (
    ("高等数学A(上)", "5"),
    ("大学物理实验(二)", "1.5"),
    ("机械原理课程设计", "2"),
    ("材料力学", "4"),
    ("电工电子技术基础", "3.5"),
    ("工程制图与计算机绘图", "3"),
    ("马克思主义基本原理", "3"),
    ("互换性与技术测量", "2"),
)
LONG_REASON = (
    "本学期未通过 12.5/24 学分(52.1%)；累计未通过 24 学分：高等数学A(上)(5)、"
    "大学物理实验(二)(1.5)、机械原理课程设计(2)、材料力学(4)、电工电子技术基础(3.5)、"
    "工程制图与计算机绘图(3)、马克思主义基本原理(3)、互换性与技术测量(2)；平均学分绩点 1.42"
)
LONG_REASON_BRIEF = "本学期未通过 12.5/24 学分(52.1%)；累计未通过 24 学分；平均学分绩点 1.42"
"""The reason of a form that lists the failed courses in a field of its own (xinglin's 可附不及格
课程, njmec's 学业具体情况): as a policy whose criteria do not name courses states it."""


def qr_png(payload: str) -> io.BytesIO:
    """The code as the batch draws it (:func:`yujing.qr.qr_png`), as a stream for docxtpl."""
    return io.BytesIO(make_qr_png(payload))


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
        "counsellor_phone": "0513-12345678",
        "class_teacher_phone": "",
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
    school: str = SAMPLE_SCHOOL,
    rules_title: str = SAMPLE_RULES,
    long: bool = False,
) -> dict[str, Any]:
    """A full per-student context (every contract name) for ``form`` at ``level``; ``long``
    fills it with long, real-looking values (8 failed courses, long names and addresses)."""
    student = student or (sample_student(**LONG_STUDENT) if long else sample_student())
    qr = {
        part.id: InlineImage(
            tpl, qr_png(f"YJ1-{form.policy.upper()}-{part.code}-{serial}"), width=Mm(qr_width_mm)
        )
        for part in form.parts
    }
    courses = (
        LONG_COURSES if long else (("高等数学A(1)", "5"), ("大学物理", "3.5"), ("工程制图", "2"))
    )
    # a form that lists the courses in a field of its own gets a reason that does not
    lists_courses = any(f.name == "failed_courses" for f in form.fields)
    failed_credits = format(sum((Decimal(c) for _, c in courses), Decimal(0)).normalize(), "f")

    page = page_size(tpl)
    qr2 = {
        part.id: CornerImage(
            tpl, qr_png(f"YJ1-{form.policy.upper()}-{part.code}-{serial}"), Mm(SECOND_QR_MM), page
        )
        for part in form.parts
    }
    return {
        "school": school,
        "rules_title": rules_title,
        "school_address": SAMPLE_ADDRESS,
        "school_phone": SAMPLE_PHONE,
        "college": student.college,
        "term_label": "2024-2025学年第1学期",
        "year_from": "2024",
        "year_to": "2025",
        "semester": "1",
        "student": student,
        "level": level,
        "box": {name: ("☑" if name == level else "☐") for name in level_names},
        "box_other": "☐",
        "reason": (
            (LONG_REASON_BRIEF if lists_courses else LONG_REASON)
            if long
            else (
                "累计未通过 10.5 学分"
                if lists_courses
                else "累计未通过 10.5 学分：高等数学A(1)(5)、大学物理(3.5)、工程制图(2)"
            )
        ),
        "failed_courses": [SimpleNamespace(name=n, credits=c) for n, c in courses],
        "failed_course_count": str(len(courses)),
        "failed_credits": failed_credits,
        "earned_credits": "60",
        "required_credits": "85",
        "shortfall": "25",
        "gpa": "1.85",
        "serial": serial,
        "qr": qr,
        "qr2": qr2,
        "issue_date": SimpleNamespace(year="2025", month="3", day="10"),
        "counsellor_phone": "0513-12345678",
        "since_label": "",
    }


def summary_context(
    rows: int = 3,
    college: str = "机械工程学院",
    *,
    school: str = SAMPLE_SCHOOL,
    rules_title: str = SAMPLE_RULES,
    tpl: DocxTemplate | None = None,
    form: FormSpec | None = None,
    serial: str = SAMPLE_SERIAL,
    qr_width_mm: float = 22,
    long: bool = False,
    levels: Sequence[str] = ("预警",),
) -> dict[str, Any]:
    """A context for list/summary templates (``long``: 8 rows of long values); the rows take
    the pack's ``levels`` in turn (a preview shows the pack's own levels)."""
    qr: dict[str, Any] = {}
    qr2: dict[str, Any] = {}
    if tpl is not None and form is not None:
        page = page_size(tpl)
        for part in form.parts:
            payload = f"YJ1-{form.policy.upper()}-{part.code}-{serial}"
            qr[part.id] = InlineImage(tpl, qr_png(payload), width=Mm(qr_width_mm))
            qr2[part.id] = CornerImage(tpl, qr_png(payload), Mm(SECOND_QR_MM), page)
    count = 8 if long else rows
    return {
        "school": school,
        "rules_title": rules_title,
        "school_address": SAMPLE_ADDRESS,
        "school_phone": SAMPLE_PHONE,
        "college": LONG_STUDENT["college"] if long else college,
        "term_label": "2024-2025学年第1学期",
        "serial": serial,
        "qr": qr,
        "qr2": qr2,
        "copy": form.copies[0] if form is not None and form.copies else "",
        "rows": [
            SimpleNamespace(
                seq=str(i),
                student_id=f"20220102{i:02d}",
                name=("欧阳木兰花" if i % 2 else "司马相如") if long else f"学生{i}",
                gender="女",
                grade="2022",
                major="机械设计制造及其自动化",
                class_name="机制2202班",
                level=levels[(i - 1) % len(levels)],
                reason=(
                    f"累计未通过 {i * 3} 学分："
                    + "、".join(f"{n}({c})" for n, c in LONG_COURSES[: i % 4 + 2])
                )
                if long
                else f"累计不及格课程 {i + 3} 门",
                result="已谈话，继续跟进；下学期补考" if long else "已谈话，继续跟进",
            )
            for i in range(1, count + 1)
        ],
    }


def render(
    form: FormSpec,
    context_level: str | None,
    out: Path,
    *,
    level_names: Sequence[str],
    school: str = SAMPLE_SCHOOL,
    rules_title: str = SAMPLE_RULES,
    long: bool = False,
) -> Path:
    """Render ``form`` for the sample student (or sample rows) to ``out`` (.docx)."""
    tpl = DocxTemplate(str(form.template_path))
    if form.per_student:
        level = context_level or (form.levels[0] if form.levels else level_names[0])
        context = student_context(
            tpl, form, level, level_names, school=school, rules_title=rules_title, long=long
        )
    else:
        context = summary_context(
            school=school,
            rules_title=rules_title,
            tpl=tpl,
            form=form,
            long=long,
            levels=tuple(level_names) or ("预警",),
        )
    tpl.render(context, autoescape=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    tpl.save(str(out))
    return out


def render_sample(
    pack_name: str,
    pack_forms: Sequence[FormSpec],
    policy: Policy,
    form_id: str,
    out: Path,
    *,
    level: str | None = None,
    school: str = SAMPLE_SCHOOL,
    rules_title: str | None = None,
    long: bool = False,
) -> Path:
    """Render form ``form_id`` of a pack (its name, forms and policy) for the sample student to ``out``: a .docx, or a
    .pdf through LibreOffice (样例预览, ``yujing pack sample``); ``long`` with long values."""
    import shutil
    import tempfile

    from yujing.errors import FormsError, OutputError

    forms = {f.id: f for f in pack_forms}
    if form_id not in forms:
        raise FormsError(f"院校包「{pack_name}」没有表单「{form_id}」；可用：{'、'.join(forms)}")
    if level is not None:
        policy.level(level)
    rules = rules_title if rules_title is not None else policy.rules
    out = Path(out)
    if out.suffix.lower() not in (".docx", ".pdf"):
        raise OutputError(f"样例文件应为 .docx 或 .pdf：{out}")
    if out.suffix.lower() == ".docx":
        return render(
            forms[form_id],
            level,
            out,
            level_names=policy.level_names,
            school=school,
            rules_title=rules,
            long=long,
        )
    from yujing.converter import MISSING_MESSAGE, convert_to_pdf, find_converter

    converter = find_converter()
    if converter is None:
        raise OutputError(MISSING_MESSAGE)
    with tempfile.TemporaryDirectory() as tmp:
        docx = render(
            forms[form_id],
            level,
            Path(tmp) / f"{form_id}.docx",
            level_names=policy.level_names,
            school=school,
            rules_title=rules,
            long=long,
        )
        (pdf,) = convert_to_pdf(converter, [docx], Path(tmp) / "pdf")
        out.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pdf, out)
    return out
