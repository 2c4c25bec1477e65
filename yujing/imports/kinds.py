"""The input kinds (名单, 成绩, 培养方案, 标记, 预警等级) and their columns: internal key, Chinese
header and the aliases the academic-affairs systems' exports use."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    """A column of an input kind: internal key, Chinese header, accepted aliases."""

    key: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = True

    @property
    def names(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


def _c(key: str, header: str, *aliases: str, required: bool = True) -> Column:
    return Column(key, header, aliases, required)


ROSTER_COLUMNS = (
    # The 学籍 exports of 正方 (field codes xh, xm, xb, jgmc/xymc, zymc, njdm_id/nj, bj/bjmc),
    # 强智 (院系, 专业, 年级, 班级), 青果 (院(系)/部, 行政班级) and URP (系所, 班级).
    _c("student_id", "学号", "xh", "学生学号"),
    _c("name", "姓名", "xm", "学生姓名"),
    _c("gender", "性别", "xb", "xbmc"),
    _c(
        "college",
        "学院",
        "jgmc",
        "xymc",
        "yxmc",
        "学院名称",
        "系部",
        "学部",
        "院系",
        "院系名称",
        "院(系)/部",
        "院(系)",
        "系所",
        "系别",
        "所在院系",
    ),
    _c("major", "专业", "zymc", "专业名称"),
    _c("grade", "年级", "nj", "njmc", "njdm_id", "所在年级"),
    _c("class_name", "班级", "bj", "bjmc", "班级名称", "行政班", "行政班级"),
    _c("parent_name", "家长姓名", "监护人姓名", required=False),
    _c("parent_phone", "家长电话", "家长联系电话", "监护人电话", required=False),
    _c("address", "家庭地址", "通讯地址", required=False),
    _c("postcode", "邮编", "邮政编码", required=False),
    _c("counsellor", "辅导员", "辅导员姓名", "fdy", "fdyxm", required=False),
    _c("class_teacher", "班主任", "班主任姓名", "班导师", "bzr", "bzrxm", required=False),
    _c(
        "counsellor_phone",
        "辅导员电话",
        "辅导员联系电话",
        "辅导员手机",
        "辅导员手机号",
        "辅导员办公电话",
        "fdydh",
        "fdysj",
        required=False,
    ),
    _c(
        "class_teacher_phone",
        "班主任电话",
        "班主任联系电话",
        "班主任手机",
        "班主任手机号",
        "班导师电话",
        "bzrdh",
        "bzrsj",
        required=False,
    ),
)
GRADE_COLUMNS = (
    # yujing's own template; the exports of each system are read through their profile
    # (yujing/imports/profiles/*.toml), and these headers are the names --map uses.
    _c("school_year", "学年"),
    _c("semester", "学期"),
    _c("student_id", "学号"),
    _c("name", "姓名", required=False),
    _c("course_code", "课程代码"),
    _c("course_name", "课程名称", required=False),
    _c("credits", "学分"),
    _c("score", "成绩"),
    _c("kind", "考试性质"),
    _c("remark", "成绩备注", required=False),
    _c("term", "学年学期", required=False),
    _c("semester_code", "学期代码", required=False),
    _c("course", "课程", required=False),
    _c("makeup_score", "补考成绩", required=False),
    _c("retake_score", "重修成绩", required=False),
    _c("retake_flag", "重修标记", required=False),
    _c("retake_term", "补重学期", required=False),
)
PLAN_COLUMNS = (
    _c("grade", "年级", "nj"),
    _c("major", "专业", "zymc", "专业名称"),
    _c("school_year", "学年", "xnmmc", "xn"),
    _c("semester", "学期", "xqmmc", "xq"),
    _c("credits", "应修学分", "要求学分", "学分"),
)
FLAG_COLUMNS = (
    _c("student_id", "学号", "xh"),
    _c("school_year", "学年", "xnmmc", "xn"),
    _c("semester", "学期", "xqmmc", "xq"),
    _c("flag", "标记", "类型"),
)
LEVEL_COLUMNS = (
    _c("student_id", "学号", "xh"),
    _c("name", "姓名", "xm", required=False),
    _c("level", "预警等级", "预警级别", "等级"),
    _c("reason", "预警原因", "原因", required=False),
    _c("school_year", "学年", "xnmmc", required=False),
    _c("semester", "学期", "xqmmc", required=False),
)


@dataclass(frozen=True)
class ImportKind:
    """What one input kind is (名单, 成绩, 培养方案, 标记, 预警等级) and how to parse a row."""

    name: str
    title: str
    columns: tuple[Column, ...]


KINDS = {
    k.name: k
    for k in (
        ImportKind("roster", "学生名单", ROSTER_COLUMNS),
        ImportKind("grades", "成绩", GRADE_COLUMNS),
        ImportKind("plan", "培养方案学分", PLAN_COLUMNS),
        ImportKind("flags", "学生标记", FLAG_COLUMNS),
        ImportKind("levels", "预警等级名单", LEVEL_COLUMNS),
    )
}
