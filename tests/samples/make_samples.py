"""Writes the small hand-built sample exports under tests/samples/ (run once; outputs are
committed). Every student's record is designed for one outcome under the anshan policy:

====================  ===========================  =============================  ========
学号                  2023-2024-2 (previous term)  2024-2025-1 (assessed term)    change
====================  ===========================  =============================  ========
2023010101 陈明       all passed                   高等数学A 4/20 failed (20%)    新增 橙色
2023010102 林芳       大学英语 2/20 failed (黄)     all passed, cumulative 2       解除
2023010103 吴强       6/20 failed (30%, 红)         1/20 failed, cumulative 7      降级 黄色
2023010104 郑丽       all passed                   大学物理 旷考                  新增 红色
0223010105 周杰       all passed                   all passed                     —
2023010106 孙悦       (on the roster, no grades)   —                              未评估
2023010107 何静       1/20 failed (5%, 黄)          1/20 failed (5%), cum 2        持续 黄色
2023010108 冯涛       1/20 failed (5%, 黄)          3/20 failed (15%)              升级 橙色
====================  ===========================  =============================  ========
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

HERE = Path(__file__).parent
ROSTER = [
    ("2023010101", "陈明", "男", "机械2301", "陈建国", "13800000001"),
    ("2023010102", "林芳", "女", "机械2301", "林海", "13800000002"),
    ("2023010103", "吴强", "男", "机械2301", "吴卫东", "13800000003"),
    ("2023010104", "郑丽", "女", "机械2302", "郑志华", "13800000004"),
    ("0223010105", "周杰", "男", "机械2302", "周平", "13800000005"),
    ("2023010106", "孙悦", "女", "机械2302", "孙丽", "13800000006"),
    ("2023010107", "何静", "女", "机械2302", "何军", "13800000007"),
    ("2023010108", "冯涛", "男", "机械2302", "冯刚", "13800000008"),
]
NAMES = {r[0]: r[1] for r in ROSTER}

# 20 credits a term: code, name, credits
PREV = [
    ("B01", "高等数学A(上)", "5"),
    ("B02", "大学英语Ⅱ", "2"),
    ("B03", "工程制图", "4"),
    ("B04", "大学物理B", "4"),
    ("B05", "思想道德与法治", "3"),
    ("B06", "体育Ⅱ", "1"),
    ("B07", "金工实习", "1"),
]
THIS = [
    ("C01", "高等数学A", "4"),
    ("C02", "大学英语Ⅲ", "2"),
    ("C03", "理论力学", "4"),
    ("C04", "大学物理", "3"),
    ("C05", "C语言程序设计", "3"),
    ("C06", "体育Ⅲ", "1"),
    ("C07", "中国近现代史纲要", "3"),
]


def rows_for(
    term: tuple[str, str],
    courses: list[tuple[str, str, str]],
    fails: dict[str, dict[str, list[tuple[str, str, str]]]],
) -> list[list[str]]:
    out = []
    for sid, name, *_ in ROSTER:
        if sid == "2023010106":
            continue
        for code, cname, credits in courses:
            special = fails.get(sid, {}).get(code)
            if special is None:
                score = "合格" if cname.startswith(("体育", "金工")) else "85"
                out.append([*term, sid, name, code, cname, credits, score, "正常考试", ""])
            else:
                for score, kind, remark in special:
                    out.append([*term, sid, name, code, cname, credits, score, kind, remark])
    return out


FAIL = [("45", "正常考试", ""), ("50", "补考", "")]
PREV_FAILS = {
    "2023010102": {"B02": FAIL},
    "2023010103": {"B03": FAIL, "B02": FAIL},
    "2023010107": {"B07": [("不合格", "正常考试", ""), ("不合格", "补考一", "")]},
    "2023010108": {"B06": [("不合格", "正常考试", ""), ("不合格", "补考", "")]},
}
THIS_FAILS = {
    "2023010101": {"C01": FAIL},
    "2023010103": {"C06": [("不合格", "正常考试", "")]},
    "2023010104": {"C04": [("0", "正常考试", "旷考")]},
    "2023010107": {"C06": [("", "正常考试", "缺考"), ("不合格", "补考", "")]},
    "2023010108": {"C04": [("52", "正考", ""), ("55", "补考", "")]},
}


def main() -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "学生名单"
    ws.append(["机械工程学院 2023级 学生名单"])  # a title row above the headers
    ws.append(
        [
            "学号",
            "姓名",
            "性别",
            "学院",
            "专业",
            "年级",
            "班级",
            "家长姓名",
            "家长电话",
            "辅导员",
            "班主任",
        ]
    )
    for sid, name, gender, cls, parent, phone in ROSTER:
        ws.append(
            [
                sid,
                name,
                gender,
                "机械工程学院",
                "机械设计制造及其自动化",
                "2023",
                cls,
                parent,
                phone,
                "王老师",
                "李老师",
            ]
        )
    for row in ws.iter_rows(min_row=3, max_col=1):
        row[0].number_format = "@"
    wb.save(HERE / "anshan_class_roster.xlsx")

    header = [
        "学年",
        "学期",
        "学号",
        "姓名",
        "课程代码",
        "课程名称",
        "学分",
        "成绩",
        "考试性质",
        "成绩备注",
    ]
    prev = rows_for(("2023-2024", "2"), PREV, PREV_FAILS)
    with open(
        HERE / "anshan_class_grades_2023-2024-2_gbk.csv", "w", encoding="gbk", newline=""
    ) as fh:
        csv.writer(fh).writerows([header, *prev])
    aliases = ["xnmmc", "xqmmc", "xh", "xm", "kch", "kcmc", "xf", "cj", "ksxz", "cjbz", "开课学院"]
    this = rows_for(("2024-2025", "1"), THIS, THIS_FAILS)
    with open(
        HERE / "anshan_class_grades_2024-2025-1_zhengfang_bom.csv",
        "w",
        encoding="utf-8-sig",
        newline="",
    ) as fh:
        csv.writer(fh).writerows([aliases, *[[*r, "机械工程学院"] for r in this]])

    bad = [
        header,
        ["2024-2025", "1", "2023010101", "陈明", "C01", "高等数学A", "4", "", "正常考试", ""],
        ["2024-2025", "1", "2023010101", "陈明", "C02", "大学英语Ⅲ", "2", "88", "期中", ""],
        ["2024-2025", "1", "2023010102", "林芳", "C03", "理论力学", "-4", "70", "正常考试", ""],
        ["2024-2025", "1", "2023010102", "林芳", "C04", "大学物理", "3", "120", "正常考试", ""],
        ["2024-2025", "1", "2023010103", "吴强", "C05", "C语言程序设计", "3", "77", "正常考试", ""],
        ["2024/2025", "1", "2023010103", "吴强", "C06", "体育Ⅲ", "1", "合格", "正常考试", ""],
    ]
    with open(HERE / "grades_with_bad_rows.csv", "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(bad)


if __name__ == "__main__":
    main()
