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
    _c("student_id", "学号", "xh", "学生学号"),
    _c("name", "姓名", "xm", "学生姓名"),
    _c("gender", "性别", "xb"),
    _c("college", "学院", "xymc", "学院名称", "系部", "学部", "院系"),
    _c("major", "专业", "zymc", "专业名称"),
    _c("grade", "年级", "nj", "njmc", "njdm_id"),
    _c("class_name", "班级", "bj", "bjmc", "班级名称"),
    _c("parent_name", "家长姓名", "监护人姓名", required=False),
    _c("parent_phone", "家长电话", "家长联系电话", "监护人电话", required=False),
    _c("address", "家庭地址", "通讯地址", required=False),
    _c("postcode", "邮编", "邮政编码", required=False),
    _c("counsellor", "辅导员", required=False),
    _c("class_teacher", "班主任", "班导师", required=False),
)
GRADE_COLUMNS = (
    _c("school_year", "学年", "xnmmc", "xn"),
    _c("semester", "学期", "xqmmc", "xq"),
    _c("student_id", "学号", "xh"),
    _c("name", "姓名", "xm", required=False),
    _c("course_code", "课程代码", "kch", "kch_id", "课程号"),
    _c("course_name", "课程名称", "kcmc", required=False),
    _c("credits", "学分", "xf"),
    _c("score", "成绩", "cj", "总评成绩"),
    _c("kind", "考试性质", "成绩性质", "ksxz"),
    _c("remark", "成绩备注", "cjbz", "备注", required=False),
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
