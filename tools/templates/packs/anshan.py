"""Template layouts of the `anshan` pack (one builder per form of its forms.toml)."""

from __future__ import annotations

from typing import Any

from tools.templates.layout import (
    BLANK_DATE,
    ISSUE_DATE,
    LETTER,
    MAJOR_CLASS,
    NAME,
    NOTE,
    PHONE,
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
)
from yujing.forms import FormSpec

ANSHAN_LEVELS = ("黄色预警", "橙色预警", "红色预警")
ANSHAN_SCHOOL = "{{ school }}"
ANSHAN_RULES = "{{ rules_title }}"
# Label column wide enough for the longest label (学习困难及原因分析, 9 characters at 10.5 pt).
AW4 = (38.0, 47.0, 28.0, 57.0)


def anshan_head_rows(third: tuple[str, str] = ("预警等级", "{{ level }}")) -> list[R]:
    return [
        R([L("学号"), V(SID), L("姓名"), V(NAME)]),
        R([L("学院"), V("{{ college }}"), L("专业班级"), V(MAJOR_CLASS)]),
        R([L(third[0]), V(third[1]), L("学年学期"), V("{{ term_label }}")]),
    ]


def anshan_notice(form: FormSpec) -> Any:
    s = Sheet(form)
    for part_id, sub in (("stub", "（学院留存联）"), ("student", "（学生联）")):
        s.part(part_id, [ANSHAN_SCHOOL, "学业预警通知书"], subtitle=sub)
        s.par(
            f"<<[[ {NAME} ]]同学：\n"
            f"根据{ANSHAN_RULES}，经学院对你{{{{ term_label }}}}学业成绩的统计分析，你已达到学业预警"
            "标准，现向你下达学业预警通知，预警等级为{{ level }}。具体情况如下：",
            LETTER,
        )
        s.grid(
            AW4,
            [
                R([L("学号"), V(SID), L("姓名"), V(NAME)]),
                R([L("性别"), V("{{ student.gender }}"), L("年级"), V("{{ student.grade }}")]),
                R([L("学院"), V("{{ college }}"), L("专业班级"), V(MAJOR_CLASS)]),
                R([L("预警等级"), C(boxes(ANSHAN_LEVELS), 3, align="left")]),
                R(
                    [
                        L("预警原因"),
                        T("{{ reason }}", 3),
                    ],
                    height=30,
                ),
                R(
                    [
                        L("可能产生的后果"),
                        T(
                            "{% if failed_courses %}未通过课程须参加补考或重修；{% endif %}"
                            "若学业状况得不到改善，将影响评奖评优、"
                            "按期毕业及学位授予，严重者可能延长学习年限（留级），甚至无法完成学业。",
                            3,
                        ),
                    ],
                    height=18,
                ),
                R(
                    [
                        L("帮扶安排"),
                        T(
                            '{% if level == "红色预警" %}学院将成立由班导师、辅导员和专业教师组成的'
                            "帮扶小组，为你制定个性化帮扶计划，并在1个月内通知你的家长。"
                            '{% elif level == "橙色预警" %}学院将为你安排学习小组及针对薄弱课程的'
                            "辅导课程或讲座，辅导员每周与你沟通一次，并与你的家长保持联系。"
                            "{% else %}学院将为你安排学习小组、推荐在线学习资源，班导师每月与你"
                            "交流一次。{% endif %}\n"
                            "请你在收到本通知书后主动与辅导员、班导师联系，按时参加警示谈话，"
                            "认真分析原因，制定并落实学习计划。",
                            3,
                        ),
                    ],
                    height=24,
                ),
                R(
                    [
                        L("学生确认"),
                        T(
                            "本人已收到《学业预警通知书》，知悉本人的预警等级、原因及可能产生的后果。\n"
                            f"\n学生签字：{UL8}          {BLANK_DATE}",
                            3,
                        ),
                    ],
                    height=24,
                ),
                R(
                    [
                        L("学院（盖章）"),
                        T(
                            "辅导员：{{ student.counsellor }}        联系电话：" + PHONE + "\n"
                            # （盖章） once in the row: the label says it, the seal goes here
                            f"\n>>{{{{ college }}}}    {ISSUE_DATE}",
                            3,
                        ),
                    ],
                    height=22,
                ),
            ],
        )
        s.par(
            "注：本通知书一式两份（学院留存联、学生联），学生签字确认后，学院留存一份，"
            "学生留存一份。",
            NOTE,
        )
    return s.finish()


def anshan_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [ANSHAN_SCHOOL, "学业预警学生谈话记录表"])
    s.grid(
        AW4,
        [
            *anshan_head_rows(),
            R([L("预警原因"), T("{{ reason }}", 3, valign="center")], height=14),
            R([L("谈话时间"), V("     年   月   日   时"), L("谈话地点"), V("")]),
            R(
                [
                    L("谈话人员"),
                    C(
                        "☐辅导员 {{ student.counsellor }}    ☐班导师 {{ student.class_teacher }}"
                        f"    ☐其他：{UL8}",
                        3,
                        align="left",
                    ),
                ]
            ),
            R([L("谈话内容\n（学习困难、生活情况、原因分析）"), T("", 3)], height=54),
            R([L("学生的反馈"), T("", 3)], height=30),
            R([L("改进计划及帮扶措施"), T("", 3)], height=30),
            R(
                [
                    C(
                        f"谈话人签字：{UL8}      学生签字：{UL8}      {BLANK_DATE}",
                        4,
                        align="left",
                    )
                ],
                height=14,
            ),
        ],
    )
    s.par(
        "注：黄色预警谈话重点提醒学生重视学业，分析未通过课程的原因，制定短期学习计划；"
        "橙色预警谈话要更加深入，了解学习方法、学习动力等问题，共同制定中期学习提升计划；"
        "红色预警须在1个月内通知家长，与学生和家长共同商讨制定长期的学业帮扶方案。",
        NOTE,
    )
    return s.finish()


def anshan_parent_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [ANSHAN_SCHOOL, "学业预警家长谈话记录表"])
    s.grid(
        AW4,
        [
            *anshan_head_rows(),
            R([L("预警原因"), T("{{ reason }}", 3, valign="center")], height=14),
            R([L("家长姓名"), V("{{ student.parent_name }}"), L("与学生关系"), V("")]),
            R(
                [
                    L("沟通时间"),
                    V("     年   月   日   时"),
                    L("沟通方式"),
                    V("☐电话  ☐面谈  ☐通知函  ☐其他"),
                ]
            ),
            R([L("学院沟通人员"), C("", 3)]),
            R([L("沟通内容\n（预警情况、在校表现等）"), T("", 3)], height=50),
            R([L("家长的意见"), T("", 3)], height=30),
            R([L("商定的帮扶方案\n（含是否考虑申请休学调整状态等）"), T("", 3)], height=28),
            R(
                [
                    C(
                        f"谈话人签字：{UL8}      家长签字（面谈时）：{UL8}      {BLANK_DATE}",
                        4,
                        align="left",
                    )
                ],
                height=14,
            ),
        ],
    )
    s.par(
        "注：对红色预警学生，辅导员须在接到预警名单后1个月内通知家长（电话、面谈或发送通知函等方式），"
        "详细说明学生的学业预警情况，争取家长的配合与支持，并填写本表。",
        NOTE,
    )
    return s.finish()


def anshan_study_plan(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [ANSHAN_SCHOOL, "学业预警学生个性化帮扶计划"])
    s.grid(
        AW4,
        [
            R([L("学号"), V(SID), L("姓名"), V(NAME)]),
            R([L("学院"), V("{{ college }}"), L("专业班级"), V(MAJOR_CLASS)]),
            R(
                [
                    L("辅导员"),
                    V("{{ student.counsellor }}"),
                    L("班导师"),
                    V("{{ student.class_teacher }}"),
                ]
            ),
            # 学年学期 in a cell of its own (it was squeezed after the last box of 预警等级)
            R([L("学年学期"), C("{{ term_label }}", 3, align="left")]),
            R(
                [
                    L("预警等级"),
                    C(
                        '{{ box["黄色预警"] }}黄色预警（短期学习计划）    '
                        '{{ box["橙色预警"] }}橙色预警（中期学习提升计划）\n'
                        '{{ box["红色预警"] }}红色预警（长期学业帮扶方案）',
                        3,
                        align="left",
                    ),
                ],
                height=12,
            ),
            R([L("预警原因"), T("{{ reason }}", 3, valign="center")], height=14),
            R([L("学习困难及原因分析"), T("", 3)], height=24),
            R([L("学习目标"), T("", 3)], height=18),
            R([L("学习时间安排\n（每周学习时间、复习和补考重修安排）"), T("", 3)], height=26),
            R([L("学习方法改进"), T("", 3)], height=19),
            R(
                [
                    L("帮扶措施"),
                    T(
                        "☐学习小组    ☐在线学习资源    ☐班导师一对一指导    ☐辅导课程或讲座\n"
                        "☐学习互助小组活动    ☐帮扶小组（班导师、辅导员、专业教师）\n"
                        f"☐心理辅导    ☐调整学习培养方案    ☐其他：{UL8}",
                        3,
                        valign="center",
                    ),
                ],
                height=18,
            ),
            R([L("帮扶人员"), C(f"专业教师：{UL8}    其他：{UL8}", 3, align="left")]),
            R(
                [
                    C(
                        f"学生签字：{UL8}    辅导员签字：{UL8}    班导师签字：{UL8}\n"
                        f">>{BLANK_DATE}",
                        4,
                        align="left",
                    )
                ],
                height=16,
            ),
        ],
    )
    s.par(
        "注：帮扶过程（辅导课程、辅导时间、效果评估）记入《学业预警学生帮扶过程记录表》；"
        "辅导员定期跟进学生的执行情况，及时调整帮扶措施。",
        NOTE,
    )
    return s.finish()


def anshan_support_record(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [ANSHAN_SCHOOL, "学业预警学生帮扶过程记录表"])
    s.grid(
        AW4,
        [
            R([L("学号"), V(SID), L("姓名"), V(NAME)]),
            R([L("专业班级"), V(MAJOR_CLASS), L("预警等级"), V("{{ level }}")]),
        ],
    )
    s.gap()
    rows = [
        R([L("序号"), L("辅导时间"), L("辅导课程及内容"), L("帮扶人"), L("效果评估")], header=True)
    ]
    rows += [R([V(str(i)), V(""), T(""), V(""), V("")], height=13) for i in range(1, 9)]
    s.grid((12.0, 30.0, 70.0, 28.0, 30.0), rows)
    s.gap()
    s.grid(
        AW4,
        [
            R(
                [
                    L("效果评估\n（学期末）"),
                    T("☐明显进步    ☐有进步    ☐无明显变化    ☐退步\n", 3),
                ],
                height=24,
            ),
            R([L("帮扶措施调整"), T("", 3)], height=20),
        ],
    )
    s.par(
        f"帮扶人签字：{UL8}    辅导员签字：{UL8}    学生签字：{UL8}\n>>{BLANK_DATE}",
        SIGN,
    )
    return s.finish()


BUILDERS: dict[str, Builder] = {
    "notice": anshan_notice,
    "interview": anshan_interview,
    "parent-interview": anshan_parent_interview,
    "study-plan": anshan_study_plan,
    "support-record": anshan_support_record,
}
