"""Writes tests/samples/exports/: the same grades as each academic-affairs system exports them
(run once; outputs are committed). The layouts follow the profiles' cited sources
(yujing/imports/profiles/*.toml); the facts are the same in every file, so every file must give
the same figures (tests/test_export_profiles.py checks them against hand-computed values).

The facts, assessed term 2024-2025-1 (T); 2023-2024-2 is T2, 2023-2024-3 the summer term T3:

==========  ===========================================================================
2023010201  王一: 高等数学A 45 then 补考 65; 大学英语Ⅲ 优; 线性代数 82
2023010202  李二: 高等数学A 50 then 补考 40; 大学英语Ⅲ 旷考; 线性代数 缓考 (no score)
2023010203  张三: 大学物理B 40 in T2, 重修 75 in T; 高等数学A 良; 大学英语Ⅲ 免修;
            线性代数 58 then 正常考试补考 60
2023010204  赵四: 金工实习 及 in T3; 高等数学A 不及; 大学英语Ⅲ 88; 线性代数 中
2023010205  孙五: 高等数学A 30, 补考一 40, 补考二 55; 大学英语Ⅲ 55 then 结业后返校补考 70;
            线性代数 不及格 then 重修补考 通过
==========  ===========================================================================
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook

OUT = Path(__file__).parent / "exports"
T, T2, T3 = (2024, 1), (2023, 2), (2023, 3)
COURSES = {
    "C01": ("高等数学A", "4"),
    "C02": ("大学英语Ⅲ", "2"),
    "C03": ("线性代数", "3"),
    "P01": ("大学物理B", "3"),
    "S01": ("金工实习", "1"),
}
NAMES = {
    "2023010201": "王一",
    "2023010202": "李二",
    "2023010203": "张三",
    "2023010204": "赵四",
    "2023010205": "孙五",
}
# (学号, term, 课程, 考试性质 as the semantics page names it, 成绩)
FACTS = [
    ("2023010201", T, "C01", "正常考试", "45"),
    ("2023010201", T, "C01", "补考", "65"),
    ("2023010201", T, "C02", "正常考试", "优"),
    ("2023010201", T, "C03", "正常考试", "82"),
    ("2023010202", T, "C01", "正常考试", "50"),
    ("2023010202", T, "C01", "补考", "40"),
    ("2023010202", T, "C02", "旷考", ""),
    ("2023010202", T, "C03", "缓考", ""),
    ("2023010203", T2, "P01", "正常考试", "40"),
    ("2023010203", T, "P01", "重修", "75"),
    ("2023010203", T, "C01", "正常考试", "良"),
    ("2023010203", T, "C02", "免修", ""),
    ("2023010203", T, "C03", "正常考试", "58"),
    ("2023010203", T, "C03", "正常考试补考", "60"),
    ("2023010204", T3, "S01", "正常考试", "及"),
    ("2023010204", T, "C01", "正常考试", "不及"),
    ("2023010204", T, "C02", "正常考试", "88"),
    ("2023010204", T, "C03", "正常考试", "中"),
    ("2023010205", T, "C01", "正常考试", "30"),
    ("2023010205", T, "C01", "补考一", "40"),
    ("2023010205", T, "C01", "补考二", "55"),
    ("2023010205", T, "C02", "正常考试", "55"),
    ("2023010205", T, "C02", "结业后返校补考", "70"),
    ("2023010205", T, "C03", "正常考试", "不及格"),
    ("2023010205", T, "C03", "重修补考", "通过"),
]
REMARK_KINDS = ("旷考", "缓考", "免修")
"""Kinds that systems without such a 考试性质 value print as a remark (成绩标识 / 成绩)."""


def year(term: tuple[int, int]) -> str:
    return f"{term[0]}-{term[0] + 1}"


def dashed(term: tuple[int, int]) -> str:
    return f"{year(term)}-{term[1]}"


def write_csv(name: str, rows: Iterable[Sequence[str]], encoding: str) -> None:
    with (OUT / name).open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh, lineterminator="\r\n").writerows(rows)


def write_xlsx(name: str, rows: Iterable[Sequence[str]], title: str | None = None) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    if title:
        ws.append([title])
    for row in rows:
        ws.append(list(row))
    wb.save(OUT / name)


def yujing_template() -> list[list[str]]:
    rows = [
        [
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
    ]
    for sid, term, code, kind, score in FACTS:
        name, credits = COURSES[code]
        rows.append(
            [year(term), str(term[1]), sid, NAMES[sid], code, name, credits, score, kind, ""]
        )
    return rows


def zhengfang_chinese() -> list[list[str]]:
    """jwglxt 成绩导出: Chinese headers, 成绩性质 column, 绩点/课程性质/开课学院/教学班 extras."""
    rows = [
        ["2024-2025学年 学生成绩"],
        ["学年", "学期", "学号", "姓名", "课程代码", "课程名称", "学分", "成绩", "成绩性质",
         "成绩备注", "绩点", "课程性质", "开课学院", "教学班"],
    ]  # fmt: skip
    for sid, term, code, kind, score in FACTS:
        name, credits = COURSES[code]
        rows.append(
            [year(term), str(term[1]), sid, NAMES[sid], code, name, credits, score, kind, "", "",
             "必修", "数学学院", f"({year(term)}-{term[1]})-{code}-01"]
        )  # fmt: skip
    return rows


ZF_CODES = {1: "3", 2: "12", 3: "16"}


def zhengfang_codes() -> list[list[str]]:
    """Headed by field codes, the term as xnm (2024) + xqm (3 / 12 / 16) alone."""
    rows = [
        [
            "xnm",
            "xqm",
            "xh",
            "xm",
            "kch_id",
            "kcmc",
            "xf",
            "cj",
            "ksxz",
            "cjbz",
            "jd",
            "kcxzmc",
            "kkbmmc",
        ]
    ]
    for sid, term, code, kind, score in FACTS:
        name, credits = COURSES[code]
        rows.append(
            [str(term[0]), ZF_CODES[term[1]], sid, NAMES[sid], code, name, credits, score, kind,
             "", "", "必修", "数学学院"]
        )  # fmt: skip
    return rows


def zhengfang_old() -> list[list[str]]:
    """历年成绩: one row per course and term; 补考成绩 / 重修成绩 columns; 重修标记 1 on a row
    that is itself a 重修; no 考试性质 column; remarks printed in 成绩."""
    header = ["学年", "学期", "学号", "姓名", "课程代码", "课程名称", "课程性质", "课程归属", "学分",
              "绩点", "成绩", "辅修标记", "补考成绩", "重修成绩", "开课学院", "备注", "重修标记"]  # fmt: skip
    rows: dict[tuple[str, tuple[int, int], str, str], dict[str, str]] = {}
    for sid, term, code, kind, score in FACTS:
        if kind == "重修" and code == "P01":  # a retake in a later term: its own row, 重修标记 1
            rows[(sid, term, code, "重修")] = {"成绩": score, "重修标记": "1"}
            continue
        row = rows.setdefault((sid, term, code, ""), {"重修标记": "0"})
        if kind in ("正常考试", *REMARK_KINDS):
            row["成绩"] = score or kind
        elif kind.startswith("补考") or (kind.endswith("补考") and not kind.startswith("重修")):
            row["补考成绩"] = score  # the column keeps the latest make-up
        else:
            row["重修成绩"] = score
    out = [header]
    for (sid, term, code, _), cells in rows.items():
        name, credits = COURSES[code]
        out.append(
            [year(term), str(term[1]), sid, NAMES[sid], code, name, "必修", "", credits, "",
             cells.get("成绩", ""), "0", cells.get("补考成绩", ""), cells.get("重修成绩", ""),
             "数学学院", "", cells["重修标记"]]
        )  # fmt: skip
    return out


def qiangzhi() -> list[list[str]]:
    """jsxsd cjcx_list with 学号/姓名 in front: 开课学期 2024-2025-1; remarks in 成绩标识; a
    重修 row keeps the course's 开课学期 and gives its own term in 补重学期."""
    rows = [["序号", "学号", "姓名", "开课学期", "课程编号", "课程名称", "分组名", "成绩", "成绩标识",
             "学分", "总学时", "绩点", "补重学期", "考核方式", "考试性质", "课程属性", "课程性质"]]  # fmt: skip
    first_term = {(s, c): t for s, t, c, k, _ in FACTS if k == "正常考试"}
    for n, (sid, term, code, kind, score) in enumerate(FACTS, start=1):
        name, credits = COURSES[code]
        mark = kind if kind in REMARK_KINDS else ""
        shown = "正常考试" if mark else kind
        course_term = first_term.get((sid, code), term) if kind != "正常考试" else term
        retake_term = dashed(term) if kind not in ("正常考试", *REMARK_KINDS) else ""
        rows.append(
            [str(n), sid, NAMES[sid], dashed(course_term), code, name, "", score, mark, credits,
             "64", "", retake_term, "考试", shown, "必修", "专业基础课"]
        )  # fmt: skip
    return rows


def qiangzhi_old() -> list[list[str]]:
    """Old 强智 (xszqcjglAction.do): 总成绩, 成绩标志, 补重学期."""
    rows = [["序号", "学号", "姓名", "开课学期", "课程编号", "课程名称", "总成绩", "成绩标志", "课程性质",
             "课程类别", "学时", "学分", "考试性质", "补重学期"]]  # fmt: skip
    for n, (sid, term, code, kind, score) in enumerate(FACTS, start=1):
        name, credits = COURSES[code]
        mark = kind if kind in REMARK_KINDS else ""
        rows.append(
            [str(n), sid, NAMES[sid], dashed(term), code, name, score, mark, "必修", "专业基础课",
             "64", credits, "正常考试" if mark else kind, ""]
        )  # fmt: skip
    return rows


QG_SEMESTERS = {1: "第一学期", 2: "第二学期", 3: "第三学期"}
QG_KINDS = {"正常考试": "初修", "重修": "重修"}


def qingguo() -> list[list[str]]:
    """jwweb 成绩: 学年学期 "2024-2025学年第一学期", 课程 "[代码]名称", 修读性质 初修/重修/补考;
    旷考, 缓考, 免修 printed in 成绩."""
    rows = [
        ["学号", "姓名", "学年学期", "课程", "学分", "类别", "考核方式", "修读性质", "成绩", "备注"]
    ]
    for sid, term, code, kind, score in FACTS:
        name, credits = COURSES[code]
        shown = "初修" if kind in REMARK_KINDS else QG_KINDS.get(kind, kind)
        rows.append(
            [sid, NAMES[sid], f"{year(term)}学年{QG_SEMESTERS[term[1]]}", f"[{code}]{name}", credits,
             "必修", "考试", shown, score or kind, ""]
        )  # fmt: skip
    return rows


URP_SEMESTERS = {1: "秋(两学期)", 2: "春(两学期)", 3: "夏"}


def urp() -> list[list[str]]:
    """URP 成绩: 学年学期 "2024-2025学年秋(两学期)", 课程号, 课序号, 课程名, 英文课程名, 学分,
    课程属性, 成绩, 考试类型; 旷考, 缓考, 免修 printed in 成绩."""
    rows = [["学号", "姓名", "学年学期", "课程号", "课序号", "课程名", "英文课程名", "学分", "课程属性",
             "成绩", "考试类型"]]  # fmt: skip
    for sid, term, code, kind, score in FACTS:
        name, credits = COURSES[code]
        shown = "正常考试" if kind in REMARK_KINDS else kind
        rows.append(
            [sid, NAMES[sid], f"{year(term)}学年{URP_SEMESTERS[term[1]]}", code, "01", name, "",
             credits, "必修", score or kind, shown]
        )  # fmt: skip
    return rows


def unknown_system() -> list[list[str]]:
    """A layout no profile knows: the headers a --map names."""
    rows = [
        [
            "学生编号",
            "学生姓名",
            "开课学年",
            "开课学期",
            "课号",
            "课名",
            "学分数",
            "总评",
            "考试类别",
            "说明",
        ]
    ]
    for sid, term, code, kind, score in FACTS:
        name, credits = COURSES[code]
        rows.append(
            [sid, NAMES[sid], year(term), str(term[1]), code, name, credits, score, kind, ""]
        )
    return rows


def rosters() -> None:
    write_csv(
        "roster_zhengfang_field_codes_utf8.csv",
        [
            ["xh", "xm", "xb", "jgmc", "zymc", "njdm_id", "bj", "fdyxm"],
            *(
                [sid, name, "男", "数学学院", "数学与应用数学", "2023", "数学2301", "周老师"]
                for sid, name in NAMES.items()
            ),
        ],
        "utf-8",
    )
    write_xlsx(
        "roster_qingguo.xlsx",
        [
            ["学号", "姓名", "性别", "院(系)/部", "专业", "年级", "行政班级", "辅导员", "班主任"],
            *(
                [
                    sid,
                    name,
                    "女",
                    "数学学院",
                    "数学与应用数学",
                    "2023",
                    "数学2301",
                    "周老师",
                    "吴老师",
                ]
                for sid, name in NAMES.items()
            ),
        ],
    )


def _number(value: object) -> object:
    """A score or credit as the number a workbook holds (学号, 10 digits, stays text)."""
    text = str(value)
    if len(text) <= 5 and text.replace(".", "", 1).isdigit():
        return float(text) if "." in text else int(text)
    return value


def write_xls_biff(name: str, rows: Sequence[Sequence[object]]) -> None:
    """A real Excel 97-2003 workbook, converted from .xlsx by LibreOffice (what Excel writes
    for 「另存为 Excel 97-2003」 and what several systems' exports are)."""
    import shutil
    import subprocess
    import tempfile

    from yujing.converter import find_converter

    converter = find_converter()
    assert converter is not None, "LibreOffice is needed to write the .xls sample"
    with tempfile.TemporaryDirectory() as tmp:
        wb = Workbook()
        sheet = wb.active
        assert sheet is not None
        for row in rows:
            sheet.append([_number(v) for v in row])
        source = Path(tmp) / (Path(name).stem + ".xlsx")
        wb.save(source)
        subprocess.run(
            [
                str(converter.soffice),
                f"-env:UserInstallation={(Path(tmp) / 'profile').as_uri()}",
                "--headless",
                "--convert-to",
                "xls",
                "--outdir",
                tmp,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        shutil.copy(Path(tmp) / (Path(name).stem + ".xls"), OUT / name)


def write_xls_html(name: str, rows: Sequence[Sequence[object]], encoding: str) -> None:
    """An HTML table under an .xls name, as web systems' 「导出Excel」 buttons send it (a title
    row spanning the table above the headers, GBK with a meta charset)."""
    from html import escape

    width = max(len(r) for r in rows)
    cells = "\n".join(
        "<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    page = (
        f'<html><head><meta http-equiv="Content-Type" content="application/vnd.ms-excel; '
        f'charset={encoding}"></head><body><table border="1">\n'
        f'<tr><td colspan="{width}">学生成绩查询结果</td></tr>\n{cells}\n</table></body></html>\n'
    )
    (OUT / name).write_bytes(page.encode(encoding))


def write_xls_xml(name: str, rows: Sequence[Sequence[object]]) -> None:
    """XML Spreadsheet 2003 under an .xls name (numbers typed as Number, the rest String)."""
    from xml.sax.saxutils import escape

    def cell(v: object) -> str:
        v = _number(v)
        kind = "Number" if isinstance(v, (int, float)) else "String"
        return f'<Cell><Data ss:Type="{kind}">{escape(str(v))}</Data></Cell>'

    body = "\n".join("<Row>" + "".join(cell(v) for v in row) + "</Row>" for row in rows)
    (OUT / name).write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">\n'
        f'<Worksheet ss:Name="成绩"><Table>\n{body}\n</Table></Worksheet></Workbook>\n',
        encoding="utf-8",
    )


def main() -> None:
    OUT.mkdir(exist_ok=True)
    write_csv("yujing_template_utf8.csv", yujing_template(), "utf-8")
    write_csv("zhengfang_chinese_headers_gbk.csv", zhengfang_chinese(), "gbk")
    write_xlsx("zhengfang_field_codes_xnm_xqm.xlsx", zhengfang_codes())
    write_xlsx("zhengfang_old_lncj.xlsx", zhengfang_old(), title="历年成绩")
    write_csv("zhengfang_old_lncj_gbk.csv", zhengfang_old(), "gbk")
    write_csv("qiangzhi_jsxsd_utf8bom.csv", qiangzhi(), "utf-8-sig")
    write_csv("qiangzhi_old_gbk.csv", qiangzhi_old(), "gbk")
    write_xlsx("qingguo_jwweb.xlsx", qingguo())
    write_csv("urp_gbk.csv", urp(), "gbk")
    write_xls_biff("qiangzhi_jsxsd_excel97.xls", qiangzhi())
    write_xls_html("urp_html_table_gbk.xls", urp(), "gbk")
    write_xls_xml("zhengfang_xml2003.xls", zhengfang_chinese())
    write_csv("unknown_system_utf8.csv", unknown_system(), "utf-8")
    rosters()


if __name__ == "__main__":
    main()
