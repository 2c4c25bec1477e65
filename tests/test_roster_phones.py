"""Adviser phones as roster data: 辅导员电话 / 班主任电话 under their usual names, checked like
the parents' phone, kept in the registry (a registry made before them gains the columns) and
read back on the student."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from yujing.imports import parse_file
from yujing.model import Student
from yujing.registry import Registry


def test_roster_phone_columns_under_their_usual_names(tmp_path: Path) -> None:
    path = tmp_path / "名单.csv"
    path.write_text(
        "学号,姓名,性别,学院,专业,年级,班级,辅导员,辅导员联系电话,班主任,班主任手机\n"
        "001,张三,男,机械工程学院,车辆工程,2023,车辆2301,王老师,0513-85012345,赵老师,13905130000\n"
        "002,李四,女,机械工程学院,车辆工程,2023,车辆2301,王老师,,赵老师,\n"
        "003,王五,男,机械工程学院,车辆工程,2023,车辆2301,王老师,请问辅导员,赵老师,\n",
        encoding="utf-8",
    )
    parsed = parse_file("roster", path)
    first, second = parsed.records
    assert (first.counsellor_phone, first.class_teacher_phone) == ("0513-85012345", "13905130000")
    assert (second.counsellor_phone, second.class_teacher_phone) == ("", "")
    (bad,) = parsed.bad_rows
    assert bad.row == 4 and bad.value == "请问辅导员" and "辅导员电话" in bad.reason


def test_a_registry_made_before_the_phone_columns_gains_them(tmp_path: Path) -> None:
    path = tmp_path / "registry.sqlite"
    old = sqlite_utils.Database(path)
    columns = [
        f for f in Student.__dataclass_fields__ if not f.endswith("_phone") or f == "parent_phone"
    ]
    old["students"].insert(
        {"key": "001", **{f: "" for f in columns}, "student_id": "001", "name": "张三"}, pk="key"
    )
    old.conn.close()
    registry = Registry(path)
    try:
        (student,) = registry.students().values()
        assert student.name == "张三" and student.counsellor_phone == ""
        assert {"counsellor_phone", "class_teacher_phone"} <= set(
            registry.db["students"].columns_dict
        )
    finally:
        registry.close()
