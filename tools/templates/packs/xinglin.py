"""Template layouts of the `xinglin` pack (one builder per form of its forms.toml)."""

from __future__ import annotations

from typing import Any

from tools.templates.layout import (
    BLANK_DATE,
    BODY,
    COURSES,
    ISSUE_DATE,
    LETTER,
    META,
    NAME,
    NOTE,
    PHONE,
    SERIAL,
    SID,
    SIGN,
    UL8,
    Builder,
    C,
    L,
    R,
    Sheet,
    T,
    V,
    boxes,
    courses,
)
from yujing.forms import FormSpec

XL_LEVELS = ("一般预警", "留(降)级预警", "退学预警")
XL_SCHOOL = "{{ school }}"
XL_TERM = "{{ year_from }}-{{ year_to }}学年第{{ semester }}学期"
XL_TERM_DASH = "{{ year_from }}—{{ year_to }}学年第{{ semester }}学期"
# The reason sentence states the shortfall against the 培养方案; the failed courses are
# attached (seed: 预警原因（可附不及格课程）), each figure once.
XL_REASON = "{{ reason }}\n" + COURSES
# The 学生联 and its 存根 have a 40 mm reason box: 14 courses fill its lines (6 left three empty).
XL_NOTICE_REASON = "{{ reason }}\n" + courses(14)
XL_RULES = "{{ rules_title }}（通大院杏教〔2024〕110号）"


def xl_list(form: FormSpec) -> Any:
    s = Sheet(form, landscape=True)
    copies = "    ".join(
        f'{{% if copy == "{c}" %}}☑{{% else %}}☐{{% endif %}}{c}' for c in form.copies
    )
    s.list_table(
        "list",
        [XL_SCHOOL, "学业预警清单"],
        (12.0, 26.0, 22.0, 14.0, 40.0, 26.0, 26.0, 91.0),
        [L("序号"), L("学号"), L("姓名"), L("年级"), L("专业"), L("班级"), L("预警等级"), L("预警原因")],
        [
            V("{{ r.seq }}"),
            V("{{ r.student_id }}"),
            V("{{ r.name }}"),
            V("{{ r.grade }}"),
            V("{{ r.major }}"),
            V("{{ r.class_name }}"),
            V("{{ r.level }}"),
            C("{{ r.reason }}", align="left"),
        ],
        meta=["学部：[[ {{ college }} ]]    学年学期：{{ term_label }}", f"份别：{copies}"],
        sign=[
            (f"教务老师（制表）：{UL8}    学部副主任：{UL8}    党总支副书记：{UL8}", SIGN),
            (f">>{BLANK_DATE}", SIGN),
            ("注：学业预警清单一式四份，副主任、党总支副书记、教务老师和辅导员各一份。", NOTE),
        ],
    )
    return s.finish()


XL_NOTICE_TEXT = (
    f"__根据{XL_RULES}以及学院"
    "关于学生学籍管理的相关规定，依据学生的专业培养方案要求及学业成绩等情况，开展学业预警工作。\n"
    "__学生在收到本通知书后，应主动与辅导员、班主任等联系，寻求必要的指导和帮助。希望学生结合自身"
    "实际情况，深入剖析问题根源，合理制定学习计划，并切实规划好在校期间的学业路径。学生应努力克服"
    "学习上的困难，提升自主学习能力和学习质量，确保在规定的学习年限内达到毕业要求。"
)


def xl_notice(form: FormSpec) -> Any:
    s = Sheet(form)
    for part_id, sub in (
        ("student", "学生学业预警通知书（学生联）"),
        ("stub", "学生学业预警通知书（学生联存根）"),
    ):
        s.part(part_id, [XL_SCHOOL, sub], annex=None if part_id == "student" else "", serial=False)
        s.grid(
            (34.0, 51.0, 34.0, 51.0),
            [
                R(
                    [
                        L("学部"),
                        V("{{ college }}"),
                        L("年级专业"),
                        V("{{ student.grade }}级\n{{ student.major }}"),
                    ],
                    height=10,
                ),
                R([L("姓名"), V(NAME), L("学号"), V(SID)], height=10),
                R([L("预警开展学年学期"), C(XL_TERM, 3)], height=10),
                R([L("预警等级"), C(boxes(XL_LEVELS, label_first=True), 3)], height=10),
                R([L("预警原因\n（可附不及格\n课程）"), T(XL_NOTICE_REASON, 3)], height=40),
                R([C(XL_NOTICE_TEXT, 4, align="justify", valign="center", style=BODY)], height=48),
                R(
                    [
                        L("经办人"),
                        V(""),
                        C(f"{ISSUE_DATE}（公章）", 2, align="right", valign="bottom"),
                    ],
                    height=16,
                ),
                R([L("学部分管领导签发"), C("", 3)], height=16),
            ],
        )
        s.par(f"学生本人签收：{UL8}\t{SERIAL}", META)
    return s.finish()


def xl_parent_notice(form: FormSpec) -> Any:
    s = Sheet(form)
    widths = (27.0, 38.0, 16.0, 36.0, 16.0, 37.0)
    head = [
        R([L("姓  名"), V(NAME), L("性  别"), V("{{ student.gender }}"), L("学  号"), V(SID)]),
        R(
            [
                L("学  部"),
                V("{{ college }}"),
                L("专  业"),
                V("{{ student.major }}"),
                L("班  级"),
                V("{{ student.class_name }}"),
            ]
        ),
    ]
    # 家长联存根
    s.part("stub", [XL_SCHOOL, "学业预警通知书（家长联存根）"], serial=False)
    s.par(f"{XL_TERM_DASH}\t{SERIAL}（存根）", META)
    s.grid(
        widths,
        [
            *head,
            R(
                [
                    L("学业具体情况"),
                    T(XL_REASON, 3),
                    C(boxes(XL_LEVELS, sep="\n"), 2, align="left"),
                ],
                height=32,
            ),
            R(
                [
                    L("家庭地址"),
                    C("{{ student.address }}", 3, align="left"),
                    L("邮编"),
                    V("{{ student.postcode }}"),
                ]
            ),
            R(
                [
                    L("家长姓名"),
                    V("{{ student.parent_name }}", 2),
                    L("家长联系电话"),
                    V("{{ student.parent_phone }}", 2),
                ]
            ),
            R([L("学生签名"), V(UL8, 2), L("学生电话"), V(UL8, 2)]),
            R(
                [
                    L("学业预警通知书送达方式和时间", 2),
                    C(f"☐邮件    ☐微信    ☐QQ    ☐其他：{UL8}\n>>{BLANK_DATE}", 4, align="left"),
                ],
                height=16,
            ),
        ],
    )
    s.par("^^-----------黏贴处，预警通知书送达证明-----------", META)
    s.dashed_box("（黏贴邮件、微信、QQ等送达证明）", 70)
    # 家长联
    s.part("parent", [XL_SCHOOL, "学业预警通知书（家长联）"], annex="", serial=False)
    s.par(f"{XL_TERM_DASH}\t{SERIAL}", META)
    s.grid(
        widths,
        [
            *head,
            R(
                [
                    C(
                        "<<尊敬的家长：\n"
                        f"[[ {NAME} ]]同学目前在学业上出现了困难，共有[[ {{{{ failed_course_count }}}} ]]"
                        # 积欠 = the shortfall against the 培养方案, the figure the level is
                        # decided on (policy-semantics: never below the level's threshold)
                        "门课程不及格，已积欠[[ {{ shortfall }} ]]学分，按照"
                        f"{XL_RULES}，现给予学业预警：\n"
                        + boxes(XL_LEVELS, sep="；    ")
                        + "\n现我们通过《学业预警通知书》向您告知，"
                        # a level with a consequence box ticks it; 一般预警 has none: left out
                        '{% if box["留(降)级预警"] == "☑" or box["退学预警"] == "☑" %}接下来'
                        f"[[ {NAME} ]]同学可能会（"
                        '{{ box["留(降)级预警"] }}降级、{{ box["退学预警"] }}退学'
                        f"{{{{ box_other }}}}其他：{UL8}）。{{% endif %}}"
                        "希望您在了解有关情况后及时与子女联系，"
                        f"配合学校，共同督促、教育，期待[[ {NAME} ]]同学在下一学年重修和补考考试中"
                        "取得好成绩。衷心感谢您的理解与支持！\n"
                        "如有任何问题，请联系辅导员：[[ {{ student.counsellor }} ]]    "
                        "联系电话：" + PHONE + "\n"
                        f"\n>>学部公章：        {ISSUE_DATE}",
                        6,
                        align="justify",
                        valign="top",
                        style=LETTER,
                    )
                ],
                height=112,
            ),
        ],
    )
    s.par(
        "注：一般预警表示学习出现问题。留(降)级预警表示学习问题较严重。退学预警表示学习问题非常严重。",
        NOTE,
    )
    return s.finish()


def xl_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [XL_SCHOOL, "学生学业预警帮扶谈话记录表"])
    s.par("学部（公章）：{{ college }}", META)
    s.grid(
        (20.0, 36.0, 20.0, 36.0, 20.0, 38.0),
        [
            R([L("班级"), V("{{ student.class_name }}"), L("学号"), V(SID), L("姓名"), V(NAME)]),
            R([L("年级"), V("{{ student.grade }}"), L("专业"), V("{{ student.major }}", 3)]),
            R([L("约谈时间"), V(""), L("预谈地点"), V("", 3)]),
            R(
                [
                    L("预谈记录"),
                    C(
                        f"教师签名：{UL8}          学生签名：{UL8}",
                        5,
                        align="left",
                        valign="bottom",
                    ),
                ],
                height=164,
            ),
        ],
    )
    s.par("注：每次约谈填写一份，存入被预警学生帮扶档案。", NOTE)
    return s.finish()


BUILDERS: dict[str, Builder] = {
    "list": xl_list,
    "notice": xl_notice,
    "parent-notice": xl_parent_notice,
    "interview": xl_interview,
}
