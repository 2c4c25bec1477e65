"""Word templates (.docx, docxtpl/Jinja2) of the annexed forms (附件) listed in ``yujing/forms``.

One template per form in the pack's ``templates/`` folder. The built-in packs' files are
built by ``python -m tools.templates.build`` (a development tool, not installed); a school
restyles its own pack's copies in Word or WPS (every paragraph carries a named style,
``YJ Title``, ``YJ Body``, ``YJ Cell`` …) and checks them with ``yujing pack check``.

Layout: A4 portrait, 20 mm margins; every part (联) of a form is one page, in the seed's order;
parts 2… start with an empty ``YJ Page`` paragraph that has *page break before* (no manual
``w:br`` page breaks, so looping over students never leaves a blank last page). Each part's
first element is a borderless header table: annex label | title (and, where the seed puts it
there, 第 N 号) | the part's QR code. The templates never end with a page break.

Per-student template context (the contract; a template uses no other name)
-----------------------------------------------------------------------------
A per-student template describes ONE student; the generator wraps the body in its own loop.

``school``            学校名称, e.g. "鞍山师范学院" (the workspace config's ``school``)
``rules_title``       预警办法名称, e.g. "《鞍山师范学院学生学业预警制度实施办法》" (config)
``school_address``    学院通讯地址 (config ``address``: where parents send a receipt back), may be ""
``school_phone``      学院联系电话 (config ``phone``), may be ""
``college``           the student's 学院/系部/学部
``term_label``        "2024-2025学年第1学期"; ``year_from`` "2024", ``year_to`` "2025",
                      ``semester`` "1"
``student``           object with ``.student_id .name .gender .college .major .grade`` (年级,
                      e.g. "2022") ``.class_name .parent_name .parent_phone .address .postcode
                      .counsellor .class_teacher .counsellor_phone .class_teacher_phone``
                      (all strings, may be "")
``level``             the level name, e.g. "红色预警"
``since_label``       for a continuing warning (kept at an earlier level, not yet released,
                      lanzhou-life): the term it was given, "2023-2024学年第2学期"; else ""
``box``               dict level name → "☑" or "☐" (``{{ box["红色预警"] }}``); ``box_other`` is
                      "☑"/"☐" for "其他" (xinglin 家长联: 可能会 □降级 □退学 □其他)
``reason``            预警原因 sentence
``failed_courses``    list of objects with ``.name`` and ``.credits`` (strings)
``failed_course_count``  string; ``failed_credits`` cumulative failed credits, string
``earned_credits``, ``required_credits``, ``shortfall``, ``gpa``   strings, may be ""
``serial``            "000123" — printed as ``第 {{ serial }} 号`` exactly once per part
``qr``                dict part id → docxtpl ``InlineImage`` (``{{ qr.stub }}``, ``{{ qr.record }}``
                      …: the part ids of the form in ``yujing/forms/<policy>.toml``); one per part,
                      in the part's top-right corner. Suggested width ``Mm(22)``.
``qr2``               dict part id → the part's second code (the same signed reference), drawn
                      by the generator as a floating image at the page's bottom-left corner, in
                      the margins (``{{ qr2.stub }}`` … placed once per part, e.g. right after
                      ``{{ qr.stub }}``: it takes no room where it stands). A pen stroke or
                      staple over one code leaves the other to file the page by.
``issue_date``        object with ``.year .month .day`` strings (blank strings leave room for
                      hand filling)
``counsellor_phone``  辅导员联系电话: the roster's 辅导员电话 (may be ""; ``issue`` counts the
                      notices printed without it)

Parents' phone numbers are printed only where a seed form asks for them (xinglin 家长联存根,
njmec-mech 家长谈话记录表). Render with ``autoescape=True`` (names may hold ``&`` or ``<``).

Summary / list template context (``per`` = "class" | "college" | "term")
-------------------------------------------------------------------------
``school``, ``rules_title``, ``school_address``, ``school_phone``, ``college``, ``term_label``
as above, and ``rows``: a list of objects with ``.seq .student_id .name .gender .grade .major
.class_name .level .reason .result`` (all strings, may be ""; ``result`` is beihai's 处理结果).
The rows fill a ``{%tr for r in rows %}`` table row. A list is a college-level document of its
own: it has one part, its own ``serial`` (第 N 号, allocated like a student's) and ``qr`` (dict
part id → image), so its signed copy scans back into the college folder; ``copy`` names the
copy (份别) when the catalogue prints several (xinglin's 清单 一式四份), else "".
"""

from __future__ import annotations

STUDENT_ATTRS: frozenset[str] = frozenset(
    {
        "student_id",
        "name",
        "gender",
        "college",
        "major",
        "grade",
        "class_name",
        "parent_name",
        "parent_phone",
        "address",
        "postcode",
        "counsellor",
        "class_teacher",
        "counsellor_phone",
        "class_teacher_phone",
    }
)
COURSE_ATTRS: frozenset[str] = frozenset({"name", "credits"})
DATE_ATTRS: frozenset[str] = frozenset({"year", "month", "day"})

# Top-level names a per-student template may use.
STUDENT_CONTEXT: frozenset[str] = frozenset(
    {
        "school",
        "rules_title",
        "school_address",
        "school_phone",
        "college",
        "term_label",
        "year_from",
        "year_to",
        "semester",
        "since_label",
        "student",
        "level",
        "box",
        "box_other",
        "reason",
        "failed_courses",
        "failed_course_count",
        "failed_credits",
        "earned_credits",
        "required_credits",
        "shortfall",
        "gpa",
        "serial",
        "qr",
        "qr2",
        "issue_date",
        "counsellor_phone",
    }
)

ROW_ATTRS: frozenset[str] = frozenset(
    {
        "seq",
        "student_id",
        "name",
        "gender",
        "grade",
        "major",
        "class_name",
        "level",
        "reason",
        "result",
    }
)
# Top-level names a summary/list template may use.
SUMMARY_CONTEXT: frozenset[str] = frozenset(
    {
        "school",
        "rules_title",
        "school_address",
        "school_phone",
        "college",
        "term_label",
        "rows",
        "serial",
        "qr",
        "qr2",
        "copy",
    }
)


def field_names(summary: bool) -> frozenset[str]:
    """Every value a :class:`yujing.forms.FieldSpec` ``name`` may take (besides "")."""
    if summary:
        return frozenset(
            (SUMMARY_CONTEXT - {"rows", "qr", "qr2"}) | {f"rows.{a}" for a in ROW_ATTRS}
        )
    plain = STUDENT_CONTEXT - {"student", "issue_date", "failed_courses", "qr", "qr2"}
    return frozenset(
        plain
        | {f"student.{a}" for a in STUDENT_ATTRS}
        | {f"issue_date.{a}" for a in DATE_ATTRS}
        | {"issue_date", "failed_courses"}
        | {f"failed_courses.{a}" for a in COURSE_ATTRS}
    )
