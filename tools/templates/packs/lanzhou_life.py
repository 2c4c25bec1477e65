"""Template layouts of the `lanzhou-life` pack (one builder per form of its forms.toml)."""

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

LZ_LEVELS = ("口头警示", "书面警示")
LZ_SCHOOL = "{{ school }}"
LZ_RULES = "{{ rules_title }}"
# Label column wide enough for 学习问题与原因分析 (9 characters at 10.5 pt).
LW4 = (38.0, 47.0, 28.0, 57.0)
LZ_HEAD = [
    R([L("学号"), V(SID), L("姓名"), V(NAME)]),
    R([L("专业"), V("{{ student.major }}"), L("班级"), V("{{ student.class_name }}")]),
]


def lz_list(form: FormSpec) -> Any:
    s = Sheet(form, landscape=True)
    s.list_table(
        "list",
        [LZ_SCHOOL, "学业警示学生名单汇总表"],
        (12.0, 26.0, 22.0, 40.0, 18.0, 83.0, 26.0, 30.0),
        [
            L("序号"),
            L("学号"),
            L("姓名"),
            L("专业班级"),
            L("警示等级"),
            L("警示原因"),
            L("学生确认签字"),
            L("备注"),
        ],
        [
            V("{{ r.seq }}"),
            V("{{ r.student_id }}"),
            V("{{ r.name }}"),
            V("{{ r.major }}\n{{ r.class_name }}"),
            V("{{ r.level }}"),
            C("{{ r.reason }}", align="left"),
            V(""),
            V("{{ r.result }}"),
        ],
        meta=["学院：[[ {{ college }} ]]    学年学期：{{ term_label }}"],
        sign=[
            (f"制表：{UL8}    分管教学副院长：{UL8}    分管学生工作副书记：{UL8}", SIGN),
            (f">>{BLANK_DATE}", SIGN),
            (
                "注：每学期开学2周内由学院本科教学工作办公室根据培养方案及学生选课情况对学生成绩"
                "进行审核，形成本表，反馈分管教学副院长和分管学生工作副书记，并经学生确认无异议后"
                "在全院范围公布。",
                NOTE,
            ),
        ],
    )
    return s.finish()


def lz_notice(form: FormSpec) -> Any:
    s = Sheet(form)
    for part_id, sub in (("stub", "（学院存根）"), ("student", "（学生存根）")):
        s.part(part_id, [LZ_SCHOOL, "学业警示通知单"], subtitle=sub)
        s.par("学年学期：{{ term_label }}", META)
        rows = [
            *LZ_HEAD,
            R([L("性别"), V("{{ student.gender }}"), L("年级"), V("{{ student.grade }}")]),
            R([L("警示等级"), C(boxes(LZ_LEVELS), 3, align="left")]),
            R([L("警示原因"), T("{{ reason }}", 3)], height=28),
            R(
                [
                    C(
                        f"<<[[ {NAME} ]]同学：\n"
                        f"根据{LZ_RULES}，经学院本科教学办公室审核，"
                        # a continuing warning says since when and that it is not yet released
                        "{% if since_label %}你自{{ since_label }}起受到{{ level }}，"
                        "{{ term_label }}的学习情况未达学业警示条件，但尚未达到解除条件"
                        "（见警示原因），{{ level }}继续有效。"
                        "{% else %}你{{ term_label }}的学习情况符合学业警示条件，"
                        "现给予{{ level }}。{% endif %}\n"
                        "学业警示是学院对学生的一种提醒性帮助，不是纪律处分，不记入学生档案。"
                        "请你正视自己的学业问题，主动与班主任、辅导员联系，与班主任共同制定切实可行的"
                        "《学业警示学生个人学习计划》，并按计划完成学习任务。\n"
                        "在警示期按所修专业、所在年级的正常教学进度，完成所有课程学习或挂科学分、"
                        "应重修课程学分累计低于6学分，解除学业警示。\n"
                        "辅导员：{{ student.counsellor }}    联系电话：" + PHONE + "    "
                        "班主任：{{ student.class_teacher }}\n"
                        f">>{LZ_SCHOOL}（盖章）\n>>{ISSUE_DATE}",
                        4,
                        align="justify",
                        valign="top",
                        style=LETTER,
                    )
                ],
                height=96,
            ),
        ]
        if part_id == "stub":
            rows.append(
                R(
                    [
                        L("学生签收"),
                        T(
                            "本人已收到《学业警示通知单》。\n"
                            f"学生签字：{UL8}            {BLANK_DATE}",
                            3,
                            valign="center",
                        ),
                    ],
                    height=20,
                )
            )
        s.grid(LW4, rows)
        if part_id == "stub":
            s.par("注：通知单送达学生须有学生本人签字；学院存根由学生工作办公室存档备查。", NOTE)
        else:
            s.par("注：学生存根由学生本人保存。", NOTE)
    return s.finish()


def lz_parent_notice(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("parent", [LZ_SCHOOL, "学业警示通知单（家长联）"])
    s.par("学年学期：{{ term_label }}", META)
    s.grid(
        LW4,
        [
            *LZ_HEAD,
            R([L("警示等级"), C(boxes(LZ_LEVELS), 3, align="left")]),
            R([L("警示原因"), T("{{ reason }}", 3)], height=24),
        ],
    )
    s.par(
        "<<尊敬的家长：\n"
        f"您好！您的孩子[[ {NAME} ]]（学号：{SID}）"
        "{% if since_label %}自{{ since_label }}起在学习中出现困难，"
        f"根据{LZ_RULES}，学院自该学期起给予其{{{{ level }}}}；"
        "{{ term_label }}其累计不及格学分仍未低于解除标准，{{ level }}继续有效。"
        "{% else %}在{{ term_label }}的学习中出现了困难，"
        f"根据{LZ_RULES}，学院给予其{{{{ level }}}}。{{% endif %}}\n"
        "学业警示是学院对学生的一种提醒性帮助，不是纪律处分，不记入学生档案。学业警示制度旨在通过"
        "学校、家长、学生之间的沟通与协作，督促学生努力学习，防止学生出现留降级、退学等影响正常学业"
        "的情况。希望您及时了解孩子在校学习状况，加强与孩子的沟通，配合学院共同做好教育和帮扶工作。\n"
        "请您在收到本通知单后填写《家长回执》，签字后寄回学院"
        "{% if school_address %}（{{ school_address }}）{% endif %}或交辅导员存档。\n"
        "辅导员：[[ {{ student.counsellor }} ]]    联系电话：" + PHONE + "\n"
        f">>{LZ_SCHOOL}（盖章）\n>>{ISSUE_DATE}",
        LETTER,
    )
    s.part("receipt", [LZ_SCHOOL, "学业警示通知单（家长回执）"], annex="")
    s.par("学年学期：{{ term_label }}", META)
    s.grid(
        LW4,
        [
            *LZ_HEAD,
            R([L("警示等级"), V("{{ level }}"), L("辅导员"), V("{{ student.counsellor }}")]),
            R(
                [
                    L("家长回执"),
                    T(
                        "本人已收到《学业警示通知单（家长联）》，已了解孩子的学业警示情况，"
                        "将配合学院共同督促孩子努力学习。",
                        3,
                        valign="center",
                    ),
                ],
                height=22,
            ),
            R([L("家长意见和建议"), T("", 3)], height=80),
            R([L("家长签字"), V(""), L("联系电话"), V("")], height=14),
            R([L("日期"), C(BLANK_DATE, 3, align="left")]),
        ],
    )
    s.par(
        "注：请将本回执签字后寄回学院或交辅导员，由学生工作办公室存档备查。\n"
        '寄回地址：[[ {{ school_address or "                                            ​" }} ]]'
        "{% if school_phone %}    学院电话：{{ school_phone }}{% endif %}",
        NOTE,
    )
    return s.finish()


def lz_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [LZ_SCHOOL, "学业警示学生谈话记录表"])
    s.grid(
        LW4,
        [
            *LZ_HEAD,
            R([L("警示等级"), V("{{ level }}"), L("学年学期"), V("{{ term_label }}")]),
            R([L("警示原因"), T("{{ reason }}", 3, valign="center")], height=14),
            R(
                [
                    L("谈话人"),
                    C(f"☐辅导员    ☐班主任    ☐任课教师    ☐其他：{UL8}", 3, align="left"),
                ]
            ),
            R([L("谈话次数"), V("第 [[    ]] 次"), L("谈话时间"), V("     年   月   日")]),
            R([L("谈话地点"), C("", 3)]),
            R([L("谈话内容\n（学习和生活状况、存在问题及原因）"), T("", 3)], height=60),
            R([L("学生反馈"), T("", 3)], height=28),
            R([L("帮扶措施及要求"), T("", 3)], height=28),
            R(
                [C(f"学生签字：{UL8}      谈话人签字：{UL8}      {BLANK_DATE}", 4, align="left")],
                height=14,
            ),
        ],
    )
    s.par(
        "注：辅导员每学期至少安排2次谈话，班主任每月至少安排1次及以上谈话；本表期末统一交学生工作"
        "办公室汇总，按学生班级装订成册。",
        NOTE,
    )
    return s.finish()


def lz_study_plan(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [LZ_SCHOOL, "学业警示学生个人学习计划"])
    s.grid(
        LW4,
        [
            *LZ_HEAD,
            R([L("警示等级"), V("{{ level }}"), L("班主任"), V("{{ student.class_teacher }}")]),
            R([L("警示原因"), T("{{ reason }}", 3, valign="center")], height=14),
            R([L("学习问题与原因分析"), T("", 3)], height=42),
            R([L("学习目标"), T("", 3)], height=30),
            # rows tall enough to write in: the page was half empty
            R([L("学习计划及措施\n（课程学习、补考重修、时间安排）"), T("", 3)], height=66),
            R(
                [
                    L("朋辈帮扶"),
                    C(f"帮扶同学：{UL8}（☐党员    ☐学生干部    ☐同寝室同学）", 3, align="left"),
                ]
            ),
            R(
                [C(f"学生签字：{UL8}      班主任签字：{UL8}      {BLANK_DATE}", 4, align="left")],
                height=12,
            ),
        ],
    )
    s.par("注：学期末由学生填写第二联《执行情况》，经班主任签字后交学生工作办公室存档。", NOTE)
    s.part("review", [LZ_SCHOOL, "学业警示学生个人学习计划"], subtitle="（执行情况）", annex="")
    s.grid(
        LW4,
        [
            *LZ_HEAD,
            R([L("警示等级"), V("{{ level }}"), L("学年学期"), V("{{ term_label }}")]),
            R([L("执行情况"), T("", 3)], height=70),
            R([L("本学期成绩情况"), T("", 3)], height=40),
            R([L("班主任意见"), T("", 3)], height=40),
            R(
                [C(f"学生签字：{UL8}      班主任签字：{UL8}      {BLANK_DATE}", 4, align="left")],
                height=14,
            ),
        ],
    )
    s.par("注：本联与计划一并存档（细则四、4；五、2 以本表对比成绩分析帮扶效果）。", NOTE)
    return s.finish()


def lz_parent_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [LZ_SCHOOL, "学业警示学生家长谈话记录"])
    s.grid(
        LW4,
        [
            *LZ_HEAD,
            R([L("警示等级"), V("{{ level }}"), L("学年学期"), V("{{ term_label }}")]),
            R([L("警示原因"), T("{{ reason }}", 3, valign="center")], height=14),
            R([L("学生面临情况"), C("☐降级        ☐延期毕业        ☐退学", 3, align="left")]),
            R([L("家长姓名"), V("{{ student.parent_name }}"), L("与学生关系"), V("")]),
            R([L("谈话时间"), V("     年   月   日   时   分"), L("谈话地点"), V("")]),
            R(
                [
                    L("学院参加人员"),
                    C(
                        f"分管院系领导：{UL8}  班主任：{{{{ student.class_teacher }}}}  "
                        "辅导员：{{ student.counsellor }}",
                        3,
                        align="left",
                    ),
                ]
            ),
            R([L("谈话内容"), T("", 3)], height=62),
            R([L("家长意见"), T("", 3)], height=30),
            R(
                [
                    L("家长确认"),
                    T(
                        f"以上记录经本人确认无误。\n家长签字：{UL8}            {BLANK_DATE}",
                        3,
                        valign="center",
                    ),
                ],
                height=20,
            ),
        ],
    )
    s.par(f"记录人签字：{UL8}            {BLANK_DATE}", SIGN)
    s.par(
        "注：对面临降级、延期毕业或退学的学生，分管院系领导、班主任、辅导员要与家长联系，邀请家长来校"
        "面谈；面谈后整理书面记录，记录确切时间、地点及谈话内容，经家长确认、签字后存档。",
        NOTE,
    )
    return s.finish()


BUILDERS: dict[str, Builder] = {
    "list": lz_list,
    "notice": lz_notice,
    "parent-notice": lz_parent_notice,
    "interview": lz_interview,
    "study-plan": lz_study_plan,
    "parent-interview": lz_parent_interview,
}
