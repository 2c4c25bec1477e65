"""Template layouts of the `beihai` pack (one builder per form of its forms.toml)."""

from __future__ import annotations

from typing import Any

from tools.templates.layout import (
    BLANK_DATE,
    ISSUE_DATE,
    LETTER,
    MAJOR_CLASS,
    META,
    NAME,
    NOTE,
    SID,
    SIGN,
    UL8,
    W6,
    Builder,
    C,
    L,
    R,
    Sheet,
    T,
    V,
)
from yujing.forms import FormSpec

BH_SCHOOL = "{{ school }}"
BH_RULES = "{{ rules_title }}"
BH_URL = "https://jwglxt.sszss.com:8443/jwglxt"
BH_REMINDER = (
    "提醒：学生在校期间，从第一学期结束起，所修读的课程经正常补考或重修后，累计不及格科目达五门者，"
    "予以留级；累计不及格科目达七门者，予以退学。"
)
BH_TEXT = {
    "notice-1": (
        "一级",
        "经我处审核，你在校学习期间，从第一学期结束起，所修读的课程经正常补考或重修后，累计不及格"
        f"课程达[[ {{{{ failed_course_count }}}} ]]门，根据{BH_RULES}，决定对你作学业一级警示。\n"
        "请你务必调整好学习计划，尽早取得应修课程的学分，按要求修完相关课程，以便能顺利地进入下一"
        "环节的学习。若你不重视、不积极、不及时地调整学习计划，预计将无法按期毕业。",
    ),
    "notice-2": (
        "二级",
        "经我处审核，你在校学习期间，从第一学期结束起，所修读的课程经正常补考或重修后，累计不及格"
        f"课程达[[ {{{{ failed_course_count }}}} ]]门，根据{BH_RULES}，予以学业二级警示，"
        "希望引起你的高度重视。\n"
        "请你务必调整好学习计划，努力学习，方能按期完成学业。如果不及格课程从第一学期结束起累积"
        "达到6门以上（含6门）的，将予以学业一级预警。",
    ),
}


def bh_notice(form: FormSpec) -> Any:
    grade, body = BH_TEXT[form.id]
    s = Sheet(form)
    for part_id, sub in (("student", "（学生联）"), ("stub", "（存根）")):
        s.part(
            part_id,
            [f"{BH_SCHOOL}学业{grade}预警通知书"],
            subtitle=sub,
            annex=None if part_id == "student" else "",
        )
        s.par(
            "学院：[[ {{ college }} ]]    班级：[[ {{ student.class_name }} ]]    "
            f"学号：[[ {SID} ]]",
            META,
        )
        s.par(
            f"<<[[ {NAME} ]]同学：\n{body}\n"
            f"同时请你及时登录我校教务系统平台（{BH_URL}）查询自己的所修课程成绩情况。\n"
            f"特此通知。\n{BH_REMINDER}\n\n"
            f">>{BH_SCHOOL}教务处（公章）    \n>>{ISSUE_DATE}    ",
            LETTER,
        )
        if part_id == "stub":
            s.par(f"\n学生签收：{UL8}            {BLANK_DATE}", SIGN)
            s.par("注：存根由学生签收后交回学院，存入被预警学生帮扶档案。", NOTE)
    return s.finish()


def bh_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [f"{BH_SCHOOL}学业预警学生谈话记录表"])
    s.grid(
        W6,
        [
            R([L("学生姓名"), V(NAME), L("学号"), V(SID), L("学院"), V("{{ college }}")]),
            R([L("专业班级"), V(MAJOR_CLASS), L("谈话时间"), V(""), L("谈话地点"), V("")]),
            R([L("谈话内容", 6)]),
            R([T("", 6)], height=150),
        ],
    )
    s.par(f"学生（签字）：{UL8}            谈话人（签字）：{UL8}", SIGN)
    s.par(f"记录人（签字）：{UL8}", SIGN)
    s.par(f">>{BLANK_DATE}", SIGN)
    return s.finish()


def bh_summary(form: FormSpec) -> Any:
    s = Sheet(form, landscape=True)
    s.list_table(
        "list",
        [BH_SCHOOL, "学生学业预警处理结果汇总表"],
        (12.0, 26.0, 22.0, 40.0, 20.0, 87.0, 50.0),
        [
            L("序号"),
            L("学号"),
            L("姓名"),
            L("专业班级"),
            L("预警等级"),
            L("预警原因"),
            L("处理结果"),
        ],
        [
            V("{{ r.seq }}"),
            V("{{ r.student_id }}"),
            V("{{ r.name }}"),
            V("{{ r.major }}\n{{ r.class_name }}"),
            V("{{ r.level }}"),
            C("{{ r.reason }}", align="left"),
            C("{{ r.result }}", align="left"),
        ],
        meta=[
            "学年学期：{{ term_label }}    学院（公章）：[[ {{ college }} ]]    "
            f"教学副院长签名：{UL8}"
        ],
        sign=[(f"填表人：{UL8}          {BLANK_DATE}", META)],
    )
    return s.finish()


BUILDERS: dict[str, Builder] = {
    "notice-1": bh_notice,
    "notice-2": bh_notice,
    "interview": bh_interview,
    "summary": bh_summary,
}
