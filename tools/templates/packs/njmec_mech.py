"""Template layouts of the `njmec-mech` pack (one builder per form of its forms.toml)."""

from __future__ import annotations

from typing import Any

from tools.templates.layout import (
    BLANK_DATE,
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
    W4,
    WJ,
    Builder,
    C,
    L,
    R,
    Sheet,
    T,
    V,
    boxes,
    courses,
    whole,
)
from yujing.forms import FormSpec

NJ_LEVELS = ("黄色预警", "橙色预警", "红色预警")
# Label column wide enough for 学业预警填发时间 (8 characters at 10.5 pt).
NJ_W6 = (34.0, 38.0, 14.0, 24.0, 14.0, 46.0)
NJ_HEAD = [
    R(
        [
            L("系部"),
            V("{{ college }}"),
            L("年级"),
            V("{{ student.grade }}"),
            L("专业"),
            V("{{ student.major }}"),
        ]
    ),
    R([L("班级"), V("{{ student.class_name }}"), L("学号"), V(SID), L("姓名"), V(NAME)]),
]


def nj_notice(form: FormSpec) -> Any:
    s = Sheet(form)
    for part_id, title in (
        ("stub", "学业预警通知书（存根）"),
        ("student", "学业预警通知书（学生告知联）"),
    ):
        s.part(part_id, [title], serial=False, annex=None if part_id == "stub" else "")
        s.par(f"学年学期：{{{{ term_label }}}}\t{SERIAL}", META)
        s.grid(
            NJ_W6,
            [
                *NJ_HEAD,
                R(
                    [
                        L("学业具体情况"),
                        # the reason counts this term's failures; the list is every course
                        # failed to date, and says so
                        T("{{ reason }}\n" + courses(6, "截至本学期累计不及格课程："), 3),
                        C(boxes(NJ_LEVELS, sep="\n"), 2, align="left"),
                    ],
                    height=36,
                ),
                R([L("学业预警填发时间"), C(ISSUE_DATE, 5, align="left")], height=12),
            ],
        )
    s.part("receipt", ["学业预警通知书（学生告知单）回执单"], serial=False, annex="")
    s.par(f"学年学期：{{{{ term_label }}}}\t{SERIAL}", META)
    s.grid(
        NJ_W6,
        [
            *NJ_HEAD,
            R([L("预警级别"), C(boxes(NJ_LEVELS, sep="         "), 5, align="left")]),
            R(
                [
                    T(
                        "\n__本人接到学校《学业预警通知书（学生告知联）》，确认签字。\n\n"
                        f"__学生签字：{UL8}\n__联系电话：{UL8}\n>>{BLANK_DATE}    ",
                        6,
                    )
                ],
                height=60,
            ),
        ],
    )
    return s.finish()


def nj_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", ["预警学生谈话记录表"])
    s.grid(
        W4,
        [
            R([L("系部"), V("{{ college }}"), L("专业"), V("{{ student.major }}")]),
            R([L("姓名"), V(NAME), L("学号"), V(SID)]),
            R([L("谈话时间"), V(""), L("谈话地点"), V("")]),
            R([L("预警等级"), V("{{ level }}"), L("未获学分累计"), V("{{ failed_credits }}")]),
            R(
                [T("谈话内容（学生学业情况，原因总结，解决方案，学习计划，是否需要帮扶等）：", 4)],
                height=146,
            ),
            R([T(f"谈话人签字：{UL8}\n学生签字：{UL8}", 4, valign="center")], height=20),
        ],
    )
    s.par("注：谈话记录须包含本表内容，格式不限。", NOTE)
    return s.finish()


def nj_parent_notice(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("parent", ["学业预警致家长（监护人）通知书"], serial=False)
    s.par(f"学年学期：{{{{ term_label }}}}\t{SERIAL}", META)
    s.grid(
        (24.0, 61.0, 24.0, 61.0),
        [
            R([L("姓名"), V(NAME), L("学号"), V(SID)]),
            R([L("系部"), V("{{ college }}"), L("专业"), V("{{ student.major }}")]),
            R(
                [
                    C(
                        "<<尊敬的家长：\n"
                        "您好！您的孩子目前在学业上面临严重困难，累计已有"
                        "[[ {{ failed_course_count }} ]]门课程不及格，未获学分累计"
                        "[[ {{ failed_credits }} ]]分。根据{{ rules_title }}，"
                        '现给予[[ {{ level|replace("预警", "") }} ]]预警。\n'
                        "我们通过《学业预警致家长（监护人）通知书》向您告知此事实，希望您在了解有关"
                        "情况后及时与子女联系，配合学校共同督促教育，弥补差距，迎头赶上。请在收到本"
                        "通知书后两周内将回执寄回。\n"
                        "衷心感谢您的理解和支持！\n"
                        "<<辅导员：[[ {{ student.counsellor }} ]]        联系电话：" + PHONE + "\n"
                        # the address the receipt is sent back to (回执：通讯地址见通知书)
                        # left-aligned (justified, a wrapped address was stretched); the 邮编
                        # blank only when the address does not hold the postcode already
                        '~~通讯地址：[[ {{ school_address or "                                        ​" }} ]]'
                        '{% if "邮编" not in school_address %}    '
                        f"{whole('邮编')}{WJ}：{UL8}{{% endif %}}\n"
                        f"<<日期：{ISSUE_DATE}",
                        4,
                        align="justify",
                        valign="top",
                        style=LETTER,
                    )
                ],
                height=100,
            ),
            R(
                [
                    T(f"院系意见（盖章）：\n\n\n\n>>日期：{BLANK_DATE}", 2),
                    T(f"教务处意见（盖章）：\n\n\n\n>>日期：{BLANK_DATE}", 2),
                ],
                height=44,
            ),
        ],
    )
    s.part("receipt", ["《学业预警致家长（监护人）通知书》", "回执"], serial=False, annex="")
    s.par(f"学年学期：{{{{ term_label }}}}\t{SERIAL}", META)
    s.grid(
        (20.0, 34.0, 18.0, 32.0, 18.0, 48.0),
        [
            R([L("姓名"), V(NAME), L("学号"), V(SID), L("专业"), V("{{ student.major }}")]),
            R(
                [
                    L("家长意见"),
                    T(
                        "\n1.学生目前的情况家长已了解。（☐是    ☐否）\n"
                        "2.院系的联系方式家长已清楚。（☐是    ☐否）\n"
                        "3.您的想法、建议（可另附纸）：\n\n\n\n\n\n\n\n\n\n"
                        f">>家长签名：{UL8}    \n>>日期：{BLANK_DATE}    ",
                        5,
                    ),
                ],
                height=130,
            ),
        ],
    )
    s.par("注：请在收到本通知书后两周内将回执寄回，谢谢配合。通讯地址见通知书。", NOTE)
    return s.finish()


def nj_parent_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", ["学业预警家长（监护人）谈话记录表"])
    s.grid(
        W4,
        [
            R([L("系部"), V("{{ college }}"), L("专业"), V("{{ student.major }}")]),
            R([L("姓名"), V(NAME), L("学号"), V(SID)]),
            R([L("预警等级"), V("{{ level }}"), L("未获学分累计"), V("{{ failed_credits }}")]),
            R(
                [
                    L("家长姓名"),
                    V("{{ student.parent_name }}"),
                    L("家长联系电话"),
                    V("{{ student.parent_phone }}"),
                ]
            ),
            R([L("谈话地点"), V(""), L("谈话时间"), V("")]),
            R([L("谈话方式"), C(f"☐电话        ☐面谈        ☐其他：{UL8}", 3, align="left")]),
            R(
                [T("谈话记录（学生在家情况，在校表现，家长对学生和学校的想法、建议等）：", 4)],
                height=128,
            ),
            R(
                [T(f"谈话人签字：{UL8}                家长面谈签字：{UL8}", 4, valign="center")],
                height=18,
            ),
        ],
    )
    s.par("注：谈话记录须包含本表内容，格式不限。", NOTE)
    return s.finish()


def nj_support_record(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", ["预警学生学业帮扶记录表"])
    s.grid(
        W4,
        [
            R([L("系部"), V("{{ college }}"), L("专业"), V("{{ student.major }}")]),
            R([L("姓名"), V(NAME), L("学号"), V(SID)]),
            R([L("班级"), V("{{ student.class_name }}"), L("学年学期"), V("{{ term_label }}")]),
            R([L("预警等级"), V("{{ level }}"), L("未获学分累计"), V("{{ failed_credits }}")]),
            R([L("帮扶教师"), V(""), L("帮扶形式"), V("☐一对二  ☐一对三\n☐线上    ☐线下")]),
            R([L("帮扶计划\n（含补考重修\n安排）"), T("", 3)], height=26),
        ],
    )
    s.gap()
    rows = [
        R(
            [L("序号"), L("帮扶时间"), L("帮扶方式"), L("帮扶内容及学生表现"), L("帮扶教师签字")],
            header=True,
        )
    ]
    rows += [R([V(str(i)), V(""), V(""), T(""), V("")], height=13) for i in range(1, 6)]
    s.grid((12.0, 28.0, 28.0, 72.0, 30.0), rows)
    s.gap()
    s.grid(
        W4,
        [
            R(
                [
                    L("帮扶结果\n（学期末）"),
                    T(
                        "当学期课程：☐全部合格    ☐仍有不合格课程\n"
                        "补考、重修：☐已完成    ☐未完成\n"
                        "☐需下个学期继续跟进（督促失败名单报教务员）",
                        3,
                        valign="center",
                    ),
                ],
                height=24,
            ),
        ],
    )
    s.par(f"帮扶教师签字：{UL8}    辅导员签字：{UL8}    学生签字：{UL8}", SIGN)
    s.par(f">>{BLANK_DATE}", SIGN)
    s.par(
        "注：本表由教务员实时发布，专业团队教师填写，做好过程督促；学期末帮扶过程记录提交给辅导员，"
        "按一人一档存入学业预警档案。",
        NOTE,
    )
    return s.finish()


BUILDERS: dict[str, Builder] = {
    "notice": nj_notice,
    "interview": nj_interview,
    "parent-notice": nj_parent_notice,
    "parent-interview": nj_parent_interview,
    "support-record": nj_support_record,
}
