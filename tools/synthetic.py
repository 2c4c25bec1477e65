"""Deterministic synthetic input files (合成样例数据) for the demo and the benchmark.

:func:`write_sample` writes one college's worth of the files a 学业预警 run imports — the
学生名单 (roster), one 成绩 (grade) export per term in the messy shapes 正方 jwglxt exports
really come in, the 培养方案学分 (required credits per term), the 学生标记 (per-term marks)
and an imported 教务预警名单 (levels list). :func:`write_grades_csv` streams all terms'
grade rows into one plain UTF-8 CSV for the benchmark.

Everything is drawn from one ``random.Random(spec.seed)``, so the same :class:`SampleSpec`
gives byte-identical files (the .xlsx files are re-packed with fixed timestamps). The grade
rows of :func:`write_grades_csv` are exactly those :func:`write_sample` spreads over its
per-term files.

The mess in the grade exports, on purpose:

* encodings: UTF-8 with BOM, plain UTF-8, GBK, and .xlsx (学号 as text cells, scores numbers);
* one file headed by 正方 field codes (``xh``, ``kch``, ``cj``, …) instead of Chinese;
* two extra columns the importer must ignore (开课学院, 教学班);
* scores as integers, one-decimal numbers (``59.5``), 五级制 (优秀…不及格) and 二级制
  (合格/不合格) words;
* 考试性质 正常考试 with variants 正考 / 补考一 / 重修二; a failed 正常考试 mostly followed by
  a 补考 row in the same term; courses still failed followed by 重修 rows in later terms;
* 成绩备注 缺考 (score 0 or empty), 旷考, 作弊, 缓考 (score empty; the deferred exam's result
  comes later as 补考 in the same term or 正常考试 in the next), 免修 (score empty or 免修);
* a few 学号 with a leading zero (转专业/转入 students) and 2–3 roster students without any
  grade row (休学, just transferred in).
"""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

__all__ = [
    "EXTRA_GRADE_HEADERS",
    "FIELD_CODE_ALIASES",
    "FLAG_HEADERS",
    "GRADE_HEADERS",
    "LEVEL_HEADERS",
    "PLAN_HEADERS",
    "ROSTER_HEADERS",
    "SampleFiles",
    "SampleSpec",
    "write_grades_csv",
    "write_sample",
]

ROSTER_HEADERS: tuple[str, ...] = (
    "学号", "姓名", "性别", "学院", "专业", "年级", "班级",
    "家长姓名", "家长电话", "家庭地址", "邮编", "辅导员", "班主任",
)  # fmt: skip
"""Columns of the 学生名单 sheet."""

GRADE_HEADERS: tuple[str, ...] = (
    "学年", "学期", "学号", "姓名", "课程代码", "课程名称",
    "学分", "成绩", "考试性质", "成绩备注", "绩点", "课程性质",
)  # fmt: skip
"""Columns of a 成绩 export, in 正方 order."""

EXTRA_GRADE_HEADERS: tuple[str, ...] = ("开课学院", "教学班")
"""Extra columns after :data:`GRADE_HEADERS` that the importer must ignore."""

FIELD_CODE_ALIASES: dict[str, str] = {
    "学年": "xnmmc", "学期": "xqmmc", "学号": "xh", "姓名": "xm", "课程代码": "kch",
    "课程名称": "kcmc", "学分": "xf", "成绩": "cj", "考试性质": "ksxz", "成绩备注": "cjbz",
    "绩点": "jd", "课程性质": "kcxzmc", "开课学院": "kkbmmc", "教学班": "jxbmc",
}  # fmt: skip
"""正方 field codes used as headers by some exports (字段名 instead of Chinese)."""

PLAN_HEADERS: tuple[str, ...] = ("年级", "专业", "学年", "学期", "应修学分")
FLAG_HEADERS: tuple[str, ...] = ("学号", "学年", "学期", "标记")
LEVEL_HEADERS: tuple[str, ...] = ("学号", "姓名", "预警等级", "预警原因")

_ALL_GRADE_HEADERS = GRADE_HEADERS + EXTRA_GRADE_HEADERS
_FIXED_TIME = datetime(2024, 9, 1, 8, 0, 0)
_ZIP_TIME = (2024, 9, 1, 8, 0, 0)
_COLLEGE_CODE = "04"
_CLASS_SIZE = 30
_TERM_RE = re.compile(r"^(\d{4})-(\d{4})-([12])$")


@dataclass(frozen=True)
class SampleSpec:
    """What to generate: one college (学院), its majors (专业) and cohorts (年级), and terms."""

    students: int = 300
    """Students in the college (roster rows, including those without grade rows)."""
    college: str = "机械工程学院"
    majors: tuple[str, ...] = ("机械设计制造及其自动化", "车辆工程", "材料成型及控制工程")
    first_year: int = 2022
    """Entry year of the first cohort; cohorts are first_year, first_year+1, … (年级 "2022")."""
    cohorts: int = 2
    """How many entry years."""
    terms: tuple[str, ...] = (
        "2022-2023-1", "2022-2023-2", "2023-2024-1", "2023-2024-2", "2024-2025-1",
    )  # fmt: skip
    """Terms (学期) with grade rows, written ``2024-2025-1``."""
    seed: int = 20241
    weak_share: float = 0.15
    """Share of students who fail a lot (so that warning lists are not empty)."""


@dataclass(frozen=True)
class SampleFiles:
    """The files :func:`write_sample` wrote."""

    roster: Path
    """学生名单 .xlsx (sheet 学生名单)."""
    grades: tuple[Path, ...]
    """One 成绩 export per term, in term order."""
    plan: Path
    """培养方案学分 CSV (UTF-8 with BOM)."""
    flags: Path
    """学生标记 CSV (UTF-8 with BOM)."""
    levels: Path
    """教务预警名单 CSV (UTF-8 with BOM): levels imported from the 教务 system."""
    grade_rows: int
    """Total grade rows written over all grade files."""


# --------------------------------------------------------------------------- courses

_PCT, _FIVE, _TWO = 0, 1, 2  # 百分制, 五级制, 二级制

_N_PUBLIC = "公共基础必修课"
_N_BASIC = "学科基础必修课"
_N_MAJOR = "专业必修课"
_N_MAJOR_ELECTIVE = "专业选修课"
_N_PRACTICE = "实践教学环节"
_N_ELECTIVE = "公共选修课"

_DEPTS: dict[str, str] = {
    "马克思主义学院": "01",
    "外国语学院": "02",
    "数学与统计学院": "03",
    "物理与电子工程学院": "05",
    "计算机科学与技术学院": "06",
    "体育学院": "07",
    "学生工作部": "08",
    "创新创业学院": "09",
    "通识教育中心": "11",
}
_OWN = ""  # stands for the spec's college

# (name, credit, scale, nature, department, difficulty)
_Row = tuple[str, float, int, str, str, float]

_COMMON: dict[int, list[_Row]] = {
    1: [
        ("高等数学A(上)", 5, _PCT, _N_PUBLIC, "数学与统计学院", 2.4),
        ("大学英语Ⅰ", 3, _PCT, _N_PUBLIC, "外国语学院", 1.0),
        ("思想道德与法治", 3, _PCT, _N_PUBLIC, "马克思主义学院", 0.4),
        ("工程制图Ⅰ", 3, _PCT, _N_BASIC, _OWN, 1.3),
        ("体育Ⅰ", 1, _FIVE, _N_PUBLIC, "体育学院", 0.3),
        ("军事理论", 2, _TWO, _N_PUBLIC, "学生工作部", 0.2),
        ("军事技能", 2, _TWO, _N_PRACTICE, "学生工作部", 0.1),
        ("大学计算机基础", 2, _PCT, _N_PUBLIC, "计算机科学与技术学院", 0.8),
        ("大学生心理健康教育", 1, _TWO, _N_PUBLIC, "学生工作部", 0.2),
    ],
    2: [
        ("高等数学A(下)", 5, _PCT, _N_PUBLIC, "数学与统计学院", 2.4),
        ("大学英语Ⅱ", 3, _PCT, _N_PUBLIC, "外国语学院", 1.0),
        ("大学物理B(上)", 3.5, _PCT, _N_PUBLIC, "物理与电子工程学院", 2.0),
        ("中国近现代史纲要", 3, _PCT, _N_PUBLIC, "马克思主义学院", 0.4),
        ("工程制图Ⅱ", 2.5, _PCT, _N_BASIC, _OWN, 1.2),
        ("体育Ⅱ", 1, _FIVE, _N_PUBLIC, "体育学院", 0.3),
        ("C语言程序设计", 3, _PCT, _N_PUBLIC, "计算机科学与技术学院", 1.6),
        ("形势与政策Ⅰ", 0.5, _TWO, _N_PUBLIC, "马克思主义学院", 0.1),
    ],
    3: [
        ("线性代数", 2.5, _PCT, _N_PUBLIC, "数学与统计学院", 1.7),
        ("大学英语Ⅲ", 2, _PCT, _N_PUBLIC, "外国语学院", 1.0),
        ("大学物理B(下)", 3.5, _PCT, _N_PUBLIC, "物理与电子工程学院", 2.0),
        ("理论力学", 4, _PCT, _N_BASIC, _OWN, 2.2),
        ("马克思主义基本原理", 3, _PCT, _N_PUBLIC, "马克思主义学院", 0.4),
        ("体育Ⅲ", 1, _FIVE, _N_PUBLIC, "体育学院", 0.3),
        ("电工电子技术", 3.5, _PCT, _N_BASIC, "物理与电子工程学院", 1.4),
        ("大学物理实验", 1.5, _FIVE, _N_PRACTICE, "物理与电子工程学院", 0.3),
    ],
    4: [
        ("概率论与数理统计", 3, _PCT, _N_PUBLIC, "数学与统计学院", 1.6),
        ("材料力学", 4, _PCT, _N_BASIC, _OWN, 2.2),
        ("大学英语Ⅳ", 2, _PCT, _N_PUBLIC, "外国语学院", 1.0),
        ("毛泽东思想和中国特色社会主义理论体系概论", 3, _PCT, _N_PUBLIC, "马克思主义学院", 0.4),
        ("体育Ⅳ", 1, _FIVE, _N_PUBLIC, "体育学院", 0.3),
        ("机械原理", 3.5, _PCT, _N_BASIC, _OWN, 1.6),
        ("工程材料", 2.5, _PCT, _N_BASIC, _OWN, 1.0),
        ("金工实习", 2, _FIVE, _N_PRACTICE, _OWN, 0.2),
    ],
    5: [
        ("习近平新时代中国特色社会主义思想概论", 3, _PCT, _N_PUBLIC, "马克思主义学院", 0.4),
        ("机械设计", 3.5, _PCT, _N_BASIC, _OWN, 1.6),
        ("互换性与测量技术", 2, _PCT, _N_BASIC, _OWN, 1.0),
        ("机械设计课程设计", 2, _FIVE, _N_PRACTICE, _OWN, 0.3),
    ],
    6: [
        ("控制工程基础", 2.5, _PCT, _N_BASIC, _OWN, 1.3),
        ("专业英语", 2, _PCT, _N_MAJOR, _OWN, 0.8),
        ("创新创业基础", 2, _TWO, _N_PUBLIC, "创新创业学院", 0.2),
    ],
    7: [
        ("生产实习", 4, _FIVE, _N_PRACTICE, _OWN, 0.2),
        ("工程伦理", 1, _PCT, _N_MAJOR, _OWN, 0.3),
        ("劳动教育", 1, _TWO, _N_PUBLIC, "学生工作部", 0.1),
        ("形势与政策Ⅱ", 0.5, _TWO, _N_PUBLIC, "马克思主义学院", 0.1),
    ],
    8: [
        ("毕业实习", 3, _FIVE, _N_PRACTICE, _OWN, 0.2),
        ("毕业设计(论文)", 5, _FIVE, _N_PRACTICE, _OWN, 0.4),
        ("就业指导", 1, _TWO, _N_PUBLIC, "学生工作部", 0.1),
    ],
}

# Major courses of semesters 5–8: (name, credit, scale, elective?)
_M = tuple[str, float, int, bool]
_MAJOR_COURSES: dict[str, dict[int, list[_M]]] = {
    "机械设计制造及其自动化": {
        5: [
            ("机械制造技术基础", 3.5, _PCT, False),
            ("液压与气压传动", 2.5, _PCT, False),
            ("机械工程测试技术", 2.5, _PCT, False),
            ("数值计算方法", 2, _PCT, True),
        ],
        6: [
            ("数控技术", 3, _PCT, False),
            ("机电传动控制", 3, _PCT, False),
            ("机械制造装备设计", 3, _PCT, False),
            ("机器人技术基础", 2.5, _PCT, True),
            ("机械制造技术课程设计", 2, _FIVE, False),
        ],
        7: [
            ("机械CAD/CAM技术", 3.5, _PCT, False),
            ("现代设计方法", 3, _PCT, False),
            ("机电一体化系统设计", 2.5, _PCT, False),
            ("智能制造系统", 2.5, _PCT, True),
            ("有限元分析基础", 2, _PCT, True),
        ],
        8: [
            ("先进制造技术", 3.5, _PCT, True),
            ("机械振动", 3, _PCT, True),
            ("工业工程概论", 2.5, _PCT, True),
            ("质量管理与可靠性", 2, _PCT, True),
        ],
    },
    "车辆工程": {
        5: [
            ("汽车构造", 4, _PCT, False),
            ("发动机原理", 3, _PCT, False),
            ("汽车电器与电子技术", 2.5, _PCT, False),
            ("机械工程测试技术", 2, _PCT, False),
        ],
        6: [
            ("汽车理论", 3.5, _PCT, False),
            ("汽车设计", 3, _PCT, False),
            ("车辆动力学", 2.5, _PCT, False),
            ("汽车电子控制技术", 2.5, _PCT, True),
            ("汽车构造课程设计", 2, _FIVE, False),
        ],
        7: [
            ("新能源汽车技术", 3, _PCT, False),
            ("汽车试验学", 3, _PCT, False),
            ("汽车制造工艺学", 3, _PCT, False),
            ("车身结构与设计", 2.5, _PCT, True),
            ("智能网联汽车概论", 2, _PCT, True),
        ],
        8: [
            ("汽车NVH技术", 3, _PCT, True),
            ("汽车CAE分析", 3, _PCT, True),
            ("汽车安全技术", 2.5, _PCT, True),
            ("汽车营销与服务", 2, _PCT, True),
        ],
    },
    "材料成型及控制工程": {
        5: [
            ("材料成型原理", 3.5, _PCT, False),
            ("金属学与热处理", 3, _PCT, False),
            ("材料科学基础", 3, _PCT, False),
            ("材料分析测试技术", 2, _PCT, False),
        ],
        6: [
            ("金属塑性成形工艺", 3, _PCT, False),
            ("铸造工艺学", 3, _PCT, False),
            ("焊接冶金学", 3, _PCT, False),
            ("模具设计与制造", 2.5, _PCT, True),
            ("模具课程设计", 1.5, _FIVE, False),
        ],
        7: [
            ("冲压工艺与模具设计", 3.5, _PCT, False),
            ("焊接结构", 3, _PCT, False),
            ("材料成型CAE技术", 2.5, _PCT, False),
            ("特种加工技术", 2, _PCT, True),
            ("粉末冶金原理", 2, _PCT, True),
        ],
        8: [
            ("材料成型设备", 3.5, _PCT, True),
            ("增材制造技术", 3, _PCT, True),
            ("无损检测技术", 2.5, _PCT, True),
            ("表面工程技术", 2, _PCT, True),
        ],
    },
}
_DEFAULT_MAJOR = "机械设计制造及其自动化"

_ELECTIVES: list[tuple[str, float, int]] = [
    ("音乐鉴赏", 2, _TWO), ("中国传统文化概论", 2, _PCT), ("大学生职业生涯规划", 1, _TWO),
    ("演讲与口才", 1.5, _PCT), ("心理学与生活", 2, _PCT), ("创新思维训练", 1, _TWO),
    ("书法鉴赏", 1, _FIVE), ("应用文写作", 2, _PCT), ("影视艺术鉴赏", 1.5, _TWO),
    ("人工智能导论", 2, _PCT),
]  # fmt: skip

# Courses whose 总评 is a weighted mean and so often has one decimal.
_DECIMAL_COURSES = frozenset({
    "大学英语Ⅰ", "大学英语Ⅱ", "大学英语Ⅲ", "大学英语Ⅳ", "工程制图Ⅰ", "工程制图Ⅱ",
    "C语言程序设计", "电工电子技术", "专业英语", "机械设计", "演讲与口才",
})  # fmt: skip
_EXEMPTABLE = ("大学英语", "体育")  # 免修 is plausible for these

_MAJOR_SHORT = {"机械设计制造及其自动化": "机械", "车辆工程": "车辆", "材料成型及控制工程": "材控"}


@dataclass(frozen=True, slots=True)
class _Course:
    code: str
    name: str
    credit: float
    credit_text: str
    scale: int
    nature: str
    dept: str
    difficulty: float
    decimal: bool
    exemptable: bool


def _fmt(x: float) -> str:
    """``3`` for 3.0, ``3.5`` for 3.5."""
    return str(int(x)) if x == int(x) else f"{x:.1f}"


def _course(
    code: str, name: str, credit: float, scale: int, nature: str, dept: str, difficulty: float
) -> _Course:
    return _Course(
        code,
        name,
        credit,
        _fmt(credit),
        scale,
        nature,
        dept,
        difficulty,
        scale == _PCT and name in _DECIMAL_COURSES,
        name.startswith(_EXEMPTABLE),
    )


def _build_catalog(college: str, majors: Sequence[str]) -> dict[tuple[int, int], list[_Course]]:
    """The planned courses of each (major index, semester 1–8)."""
    common: dict[int, list[_Course]] = {}
    for sem, rows in _COMMON.items():
        built = []
        for i, (name, credit, scale, nature, dept, diff) in enumerate(rows, start=1):
            dcode = _DEPTS.get(dept, _COLLEGE_CODE)
            prefix = "S" if nature == _N_PRACTICE else "B"
            built.append(
                _course(
                    f"{prefix}{dcode}{sem:02d}{i:03d}",
                    name,
                    credit,
                    scale,
                    nature,
                    dept or college,
                    diff,
                )
            )
        common[sem] = built
    catalog: dict[tuple[int, int], list[_Course]] = {}
    for m, major in enumerate(majors):
        table = _MAJOR_COURSES.get(major, _MAJOR_COURSES[_DEFAULT_MAJOR])
        for sem in range(1, 9):
            courses = list(common[sem])
            for i, (name, credit, scale, elective) in enumerate(table.get(sem, [])):
                nature = (
                    _N_PRACTICE if scale == _FIVE else (_N_MAJOR_ELECTIVE if elective else _N_MAJOR)
                )
                prefix = "S" if scale == _FIVE else "Z"
                code = f"{prefix}{_COLLEGE_CODE}{sem:02d}{100 + 10 * m + i:03d}"
                courses.append(_course(code, name, credit, scale, nature, college, 1.0))
            catalog[(m, sem)] = courses
    return catalog


def _build_electives() -> list[_Course]:
    return [
        _course(
            f"G{_DEPTS['通识教育中心']}00{i:03d}",
            name,
            credit,
            scale,
            _N_ELECTIVE,
            "通识教育中心",
            0.3,
        )
        for i, (name, credit, scale) in enumerate(_ELECTIVES, start=1)
    ]


def _plan_credits(courses: Sequence[_Course], sem: int) -> float:
    """应修学分 of a semester: its planned courses plus room for one 公选课 in semesters 2–7."""
    return sum(c.credit for c in courses) + (2.0 if 2 <= sem <= 7 else 0.0)


# --------------------------------------------------------------------------- people

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤"
)
# Rough frequency: the first surnames are far more common.
_SURNAME_CUM = list(accumulate(max(1.0, 8.0 - 0.12 * i) for i in range(len(_SURNAMES))))
_MALE_CHARS = (
    "伟强磊军洋勇杰涛明超鹏浩宇辉俊博文斌帅凯峰旭亮晨阳志刚建华鑫宁天昊轩哲睿泽瑞嘉子豪"
    "毅飞龙林海波成康诚航恒远坤锐晓东"
)
_FEMALE_CHARS = "静丽敏燕娜芳婷雪慧颖琳欣怡悦萱雨佳梦洁蕾晶倩瑶璐琪涵妍月晓玉兰红霞丹婧思诗雅馨"
_PLACES: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("河南省", "郑州市", "450000", ("金水区", "中原区", "二七区", "新郑市")),
    ("河南省", "洛阳市", "471000", ("涧西区", "西工区", "偃师区", "宜阳县")),
    ("河南省", "周口市", "466000", ("川汇区", "太康县", "淮阳区", "鹿邑县")),
    ("山东省", "济南市", "250000", ("历下区", "市中区", "章丘区", "平阴县")),
    ("河北省", "石家庄市", "050000", ("长安区", "桥西区", "正定县", "赵县")),
    ("江苏省", "徐州市", "221000", ("鼓楼区", "云龙区", "铜山区", "沛县")),
    ("安徽省", "阜阳市", "236000", ("颍州区", "颍东区", "临泉县", "太和县")),
    ("湖北省", "襄阳市", "441000", ("襄城区", "樊城区", "枣阳市", "谷城县")),
    ("四川省", "南充市", "637000", ("顺庆区", "高坪区", "阆中市", "营山县")),
    ("山西省", "运城市", "044000", ("盐湖区", "永济市", "临猗县", "闻喜县")),
    ("湖南省", "衡阳市", "421000", ("珠晖区", "雁峰区", "衡阳县", "祁东县")),
    ("江西省", "赣州市", "341000", ("章贡区", "南康区", "赣县区", "于都县")),
    ("甘肃省", "天水市", "741000", ("秦州区", "麦积区", "甘谷县", "秦安县")),
]
_STREETS = (
    "人民路",
    "建设路",
    "解放路",
    "中山路",
    "文化路",
    "和平路",
    "新华路",
    "胜利路",
    "长江路",
    "黄河路",
    "工业路",
    "光明街",
)
_TOWNS = ("城关", "新集", "王庄", "李寨", "张店", "马集", "高庙", "柳林", "石桥", "双河")
_VILLAGES = ("前进", "红旗", "东关", "西湖", "南岗", "北街", "杨庄", "刘楼", "大王", "小李")


def _person(rng: random.Random, male: bool, surname: str | None = None) -> str:
    """A common Chinese name: surname plus a one- or two-character given name."""
    if surname is None:
        surname = rng.choices(_SURNAMES, cum_weights=_SURNAME_CUM)[0]
    pool = _MALE_CHARS if male else _FEMALE_CHARS
    given = rng.choice(pool)
    if rng.random() < 0.7:
        given += rng.choice(pool)
    return surname + given


@dataclass(slots=True)
class _Retake:
    course: _Course
    attempts: int = 0  # 重修 attempts so far


@dataclass(slots=True)
class _Student:
    sid: str
    name: str
    cohort: int
    major_index: int
    class_no: int
    roster: list[str]
    has_grades: bool = True
    absence: str = ""  # 休学 / 转入 for roster students without grade rows
    weak: bool = False
    fail_p: float = 0.004
    resit_pass: float = 0.8
    retake_pass: float = 0.85
    mode: float = 80.0  # mode of passing scores
    pending: list[_Retake] = field(default_factory=list)  # failed, waiting for 重修
    new_failed: list[_Retake] = field(default_factory=list)  # failed this term
    deferred: list[_Course] = field(default_factory=list)  # 缓考 taken next term
    electives: set[str] = field(default_factory=set)
    outstanding: float = 0.0  # credits failed and not yet recovered
    outstanding_courses: int = 0
    term_failed: int = 0  # courses failed in the current term
    term_failed_credits: float = 0.0


def _split(total: int, parts: int) -> list[int]:
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


def _make_students(spec: SampleSpec, rng: random.Random) -> list[_Student]:
    students: list[_Student] = []
    for k, n_cohort in enumerate(_split(spec.students, spec.cohorts)):
        year = spec.first_year + k
        yy = f"{year % 100:02d}"
        plans: list[tuple[int, list[int]]] = []
        for m, n_major in enumerate(_split(n_cohort, len(spec.majors))):
            if n_major:
                n_classes = max(1, round(n_major / _CLASS_SIZE))
                plans.append((m, _split(n_major, n_classes)))
        width = max(2, len(str(sum(len(sizes) for _, sizes in plans))))
        class_no = 0
        for m, sizes in plans:
            major = spec.majors[m]
            short = _MAJOR_SHORT.get(major, major[:2])
            counsellor = _person(rng, rng.random() < 0.5)
            for c, size in enumerate(sizes, start=1):
                class_no += 1
                class_name = f"{short}{yy}{c:02d}"
                head_teacher = _person(rng, rng.random() < 0.6)
                for seq in range(1, size + 1):
                    sid = f"{year}{_COLLEGE_CODE}{class_no:0{width}d}{seq:02d}"
                    male = rng.random() < 0.75
                    name = _person(rng, male)
                    if rng.random() < 0.7:
                        parent = _person(rng, True, name[0])
                    else:
                        parent = _person(rng, False)
                    phone = rng.choice(("13", "15", "18")) + f"{rng.randrange(10**9):09d}"
                    prov, city, post, districts = rng.choice(_PLACES)
                    district = rng.choice(districts)
                    if rng.random() < 0.5:
                        place = f"{rng.choice(_STREETS)}{rng.randint(1, 300)}号"
                    else:
                        place = (
                            f"{rng.choice(_TOWNS)}镇{rng.choice(_VILLAGES)}村{rng.randint(1, 12)}组"
                        )
                    postcode = post[:4] + f"{rng.randrange(100):02d}"
                    roster = [
                        sid,
                        name,
                        "男" if male else "女",
                        spec.college,
                        major,
                        str(year),
                        class_name,
                        parent,
                        phone,
                        f"{prov}{city}{district}{place}",
                        postcode,
                        counsellor,
                        head_teacher,
                    ]
                    students.append(_Student(sid, name, year, m, class_no, roster))
    if not students:
        return students
    # 转专业/转入 students: 学号 issued by another college, starting with 0 (e.g. 0222040199).
    n_transfer = min(5, max(2, len(students) // 60), len(students))
    for j, st in enumerate(rng.sample(students, n_transfer)):
        st.sid = f"0{st.cohort % 100:02d}2{_COLLEGE_CODE}{st.class_no % 100:02d}{99 - j:02d}"
        st.roster[0] = st.sid
    transfers = [s for s in students if s.sid.startswith("0")]
    # Roster students without a single grade row: one just transferred in, others 休学.
    n_absent = 3 if len(students) >= 30 else (1 if len(students) >= 3 else 0)
    if n_absent:
        newcomer = transfers[0]
        newcomer.has_grades, newcomer.absence = False, "转入"
        others = [s for s in students if s.has_grades]
        for st in rng.sample(others, n_absent - 1):
            st.has_grades, st.absence = False, "休学"
    graded = [s for s in students if s.has_grades]
    n_weak = round(spec.weak_share * len(graded))
    for st in graded:
        st.fail_p = 0.004 * rng.uniform(0.2, 2.0)
        st.mode = rng.uniform(74.0, 88.0)
    for st in rng.sample(graded, n_weak):
        st.weak = True
        st.fail_p = rng.uniform(0.06, 0.32)
        st.resit_pass = rng.uniform(0.35, 0.7)
        st.retake_pass = rng.uniform(0.45, 0.75)
        st.mode = rng.uniform(64.0, 72.0)
    return students


# --------------------------------------------------------------------------- grades

_FIVE_GPA = {"优秀": "4.5", "良好": "3.5", "中等": "2.5", "及格": "1.5", "不及格": "0"}
# Cumulative thresholds of one random draw: 缺考, 旷考, 作弊, 缓考, 免修 (exemptable only).
_REMARKS_NORMAL = (0.002, 0.0023, 0.0024, 0.0039, 0.0079)
_REMARKS_WEAK = (0.03, 0.036, 0.037, 0.041, 0.045)
_FORCED = ("作弊", "旷考", "旷考", "缓考", "缓考", "缓考", "免修", "免修", "缺考", "缺考")
"""Remarks placed once each on random attempts, so that even a small sample has them all."""

_GradeRow = tuple[str, ...]


def _parse_terms(terms: Sequence[str]) -> list[tuple[int, int]]:
    parsed: set[tuple[int, int]] = set()
    for t in terms:
        m = _TERM_RE.match(t)
        if not m or int(m.group(2)) != int(m.group(1)) + 1:
            raise ValueError(f"term {t!r} must look like 2024-2025-1 (semester 1 or 2)")
        parsed.add((int(m.group(1)), int(m.group(3))))
    if not parsed:
        raise ValueError("spec.terms is empty")
    return sorted(parsed)


def _check_spec(spec: SampleSpec) -> None:
    if spec.students < 1:
        raise ValueError("spec.students must be at least 1")
    if spec.cohorts < 1:
        raise ValueError("spec.cohorts must be at least 1")
    if not spec.majors:
        raise ValueError("spec.majors is empty")
    if not 0.0 <= spec.weak_share <= 1.0:
        raise ValueError("spec.weak_share must be between 0 and 1")


class _Generator:
    """Student population and the term-by-term stream of grade rows."""

    def __init__(self, spec: SampleSpec) -> None:
        _check_spec(spec)
        self.spec = spec
        self.terms = _parse_terms(spec.terms)
        self.rng = random.Random(spec.seed)
        self.catalog = _build_catalog(spec.college, spec.majors)
        self.electives = _build_electives()
        self.students = _make_students(spec, self.rng)
        self.row_count = 0
        self.forced: dict[tuple[str, int], str] = {}
        graded = [s for s in self.students if s.has_grades]
        for remark in _FORCED:
            if not graded:
                break
            st = self.rng.choice(graded)
            enrolled = [i for i in range(len(self.terms)) if 1 <= self._sem(st, i) <= 8]
            if enrolled:
                self.forced.setdefault((st.sid, self.rng.choice(enrolled)), remark)

    def _sem(self, st: _Student, term_index: int) -> int:
        """Semester number since entry (1–8) of term ``term_index`` for ``st``."""
        year, half = self.terms[term_index]
        return (year - st.cohort) * 2 + half

    def term_label(self, term_index: int) -> str:
        year, half = self.terms[term_index]
        return f"{year}-{year + 1}-{half}"

    def iter_term(self, term_index: int) -> Iterator[_GradeRow]:
        """All grade rows of one term; must be consumed fully and in term order."""
        year, half = self.terms[term_index]
        xn, xq = f"{year}-{year + 1}", str(half)
        label = f"({xn}-{xq})"
        for st in self.students:
            if not st.has_grades:
                continue
            sem = self._sem(st, term_index)
            if not 1 <= sem <= 8:
                continue
            rows = self._student_term(st, term_index, sem, xn, xq, label)
            self.row_count += len(rows)
            yield from rows

    # -- one student, one term

    def _student_term(
        self, st: _Student, term_index: int, sem: int, xn: str, xq: str, label: str
    ) -> list[_GradeRow]:
        rng = self.rng
        st.term_failed, st.term_failed_credits = 0, 0.0
        section = str(st.class_no % 7 + 1)
        rows: list[_GradeRow] = []

        def emit(c: _Course, score: str, kind: str, remark: str, gpa: str) -> None:
            rows.append(
                (
                    xn,
                    xq,
                    st.sid,
                    st.name,
                    c.code,
                    c.name,
                    c.credit_text,
                    score,
                    kind,
                    remark,
                    gpa,
                    c.nature,
                    c.dept,
                    f"{label}-{c.code}-{section}",
                )
            )

        # Deferred exams (缓考) of the previous term, sat now as 正常考试.
        for c in st.deferred:
            passed = rng.random() >= min(0.9, st.fail_p * c.difficulty)
            score, gpa = self._score(c, passed, st.mode)
            emit(c, score, "正常考试", "", gpa)
            if not passed:
                self._fail(st, c)
        st.deferred = []

        courses = self.catalog[(st.major_index, sem)]
        if 2 <= sem <= 7 and rng.random() < 0.3:
            choices = [e for e in self.electives if e.code not in st.electives]
            if choices:
                elective = rng.choice(choices)
                st.electives.add(elective.code)
                courses = [*courses, elective]
        forced = self.forced.get((st.sid, term_index), "")
        forced_at = -1
        if forced:
            exempt = [i for i, c in enumerate(courses) if c.exemptable]
            forced_at = exempt[0] if forced == "免修" and exempt else rng.randrange(len(courses))
        last_term = term_index == len(self.terms) - 1
        thresholds = _REMARKS_WEAK if st.weak else _REMARKS_NORMAL
        for i, c in enumerate(courses):
            kind = "正考" if rng.random() < 0.03 else "正常考试"
            if i == forced_at:
                remark = forced
            else:
                r = rng.random()
                remark = ""
                if r < thresholds[4]:
                    if r < thresholds[0]:
                        remark = "缺考"
                    elif r < thresholds[1]:
                        remark = "旷考"
                    elif r < thresholds[2]:
                        remark = "作弊"
                    elif r < thresholds[3]:
                        remark = "缓考"
                    elif c.exemptable:
                        remark = "免修"
            if not remark:
                passed = rng.random() >= min(0.9, st.fail_p * c.difficulty)
                score, gpa = self._score(c, passed, st.mode)
                emit(c, score, kind, "", gpa)
                if not passed:
                    if rng.random() < 0.9:
                        self._makeup(st, c, emit)
                    else:
                        self._fail(st, c)
            elif remark == "免修":
                emit(c, "免修" if rng.random() < 0.5 else "", kind, "免修", "")
            elif remark == "缓考":
                emit(c, "", kind, "缓考", "")
                if rng.random() < 0.5 and not last_term:
                    st.deferred.append(c)  # sat next term as 正常考试
                else:
                    passed = rng.random() >= min(0.9, st.fail_p * c.difficulty)
                    score, gpa = self._score(c, passed, st.mode)
                    emit(c, score, "补考", "", gpa)
                    if not passed:
                        self._fail(st, c)
            else:  # 缺考, 旷考, 作弊: failed; only an absentee may sit the 补考
                emit(c, self._zero(c), kind, remark, "0")
                if remark == "缺考" and rng.random() < 0.8:
                    self._makeup(st, c, emit)
                else:
                    self._fail(st, c)

        # 重修 of courses failed in earlier terms (those failed just now wait a term).
        keep: list[_Retake] = []
        taken = 0
        for rt in st.pending:
            if taken >= 3 or rng.random() >= 0.5:
                keep.append(rt)
                continue
            taken += 1
            c = rt.course
            kind = "重修二" if rt.attempts >= 1 and rng.random() < 0.5 else "重修"
            rt.attempts += 1
            if rng.random() < 0.03:
                emit(c, "", kind, "缺考", "0")
                keep.append(rt)
                continue
            passed = rng.random() < st.retake_pass
            score, gpa = self._score(c, passed, st.mode)
            emit(c, score, kind, "", gpa)
            if passed:
                st.outstanding -= c.credit
                st.outstanding_courses -= 1
            else:
                keep.append(rt)
        st.pending = keep + st.new_failed
        st.new_failed = []
        return rows

    # -- attempts

    def _score(self, c: _Course, passed: bool, mode: float) -> tuple[str, str]:
        """成绩 and 绩点 of one attempt in the course's scale."""
        rng = self.rng
        v = rng.triangular(60.0, 101.0, mode) if passed else rng.triangular(15.0, 60.0, 53.0)
        if c.scale == _PCT:
            if c.decimal and rng.random() < 0.6:
                v = min(int(v * 10) / 10, 100.0)
            else:
                v = float(min(int(v), 100))
            return _fmt(v), (f"{(v - 50) / 10:.1f}" if v >= 60 else "0")
        if c.scale == _FIVE:
            if not passed:
                return "不及格", "0"
            word = "优秀" if v >= 90 else "良好" if v >= 80 else "中等" if v >= 70 else "及格"
            return word, _FIVE_GPA[word]
        return ("合格" if passed else "不合格"), ""

    def _zero(self, c: _Course) -> str:
        """成绩 of an attempt marked 缺考/旷考/作弊: 0 (or the failing word), sometimes empty."""
        if self.rng.random() < 0.3:
            return ""
        return "0" if c.scale == _PCT else ("不及格" if c.scale == _FIVE else "不合格")

    def _makeup(self, st: _Student, c: _Course, emit: _Emit) -> None:
        """The 补考 after a failed 正常考试, in the same term."""
        rng = self.rng
        kind = "补考一" if rng.random() < 0.08 else "补考"
        if rng.random() < 0.04:
            emit(c, self._zero(c), kind, "缺考", "0")
            self._fail(st, c)
        elif rng.random() < st.resit_pass:
            if c.scale == _PCT:
                score = "60" if rng.random() < 0.85 else str(rng.randint(61, 78))
                emit(c, score, kind, "", "1.0")
            else:
                emit(c, "及格" if c.scale == _FIVE else "合格", kind, "", "1.0")
        else:
            score, gpa = self._score(c, False, st.mode)
            emit(c, score, kind, "", gpa)
            self._fail(st, c)

    @staticmethod
    def _fail(st: _Student, c: _Course) -> None:
        """``c`` stays failed after this term's attempts: it waits for 重修."""
        st.new_failed.append(_Retake(c))
        st.outstanding += c.credit
        st.outstanding_courses += 1
        st.term_failed += 1
        st.term_failed_credits += c.credit

    # -- the other files

    def plan_rows(self) -> list[list[str]]:
        """培养方案学分: every cohort × major × its 8 regular terms."""
        rows = []
        for k in range(self.spec.cohorts):
            year = self.spec.first_year + k
            for m, major in enumerate(self.spec.majors):
                for sem in range(1, 9):
                    y = year + (sem - 1) // 2
                    credits = _plan_credits(self.catalog[(m, sem)], sem)
                    rows.append([str(year), major, f"{y}-{y + 1}", str(2 - sem % 2), _fmt(credits)])
        return rows

    def flag_rows(self) -> list[list[str]]:
        """学生标记: about 2% of students, mostly weak ones; the 休学 students included."""
        rng = self.rng
        last = len(self.terms) - 1
        rows: list[list[str]] = []
        seen: set[tuple[str, str, str]] = set()

        def add(st: _Student, term_index: int, flag: str) -> None:
            year, half = self.terms[term_index]
            key = (st.sid, f"{year}-{year + 1}-{half}", flag)
            if key not in seen:
                seen.add(key)
                rows.append([st.sid, f"{year}-{year + 1}", str(half), flag])

        def enrolled(st: _Student) -> list[int]:
            return [i for i in range(last + 1) if 1 <= self._sem(st, i) <= 8]

        for st in self.students:
            if st.absence == "休学" and enrolled(st):
                add(st, enrolled(st)[-1], "休学")
        graded = [s for s in self.students if s.has_grades and enrolled(s)]
        weak = [s for s in graded if s.weak]
        kinds = ("旷课", "学习态度", "延长学习年限", "纪律处分", "休学")
        target = max(len(rows) + 3, round(0.02 * len(self.students)))
        k = 0
        seniors = [s for s in graded if self._sem(s, enrolled(s)[-1]) >= 5]
        senior_ids = {s.sid for s in seniors}
        while graded and len(rows) < target and k < 20 * target:
            flag = kinds[k] if k < len(kinds) else rng.choices(kinds, (30, 30, 15, 15, 10))[0]
            pool = weak if weak and rng.random() < 0.8 else graded
            if flag == "延长学习年限" and seniors:  # a senior who will not finish in 4 years
                pool = [s for s in pool if s.sid in senior_ids] or seniors
            st = rng.choice(pool)
            terms = enrolled(st)
            term_index = terms[-1] if flag in ("延长学习年限", "休学") else rng.choice(terms)
            add(st, term_index, flag)
            k += 1
        rows.sort(key=lambda r: (r[1], r[2], r[0]))
        return rows

    def level_rows(self) -> list[list[str]]:
        """教务预警名单 of the last term: ~10% of students, the most credits still failed."""
        last = len(self.terms) - 1
        cands = [
            s
            for s in self.students
            if s.has_grades and 1 <= self._sem(s, last) <= 8 and s.outstanding > 0.01
        ]
        cands.sort(key=lambda s: (-s.outstanding, -s.outstanding_courses, s.sid))
        chosen = cands[: min(len(cands), round(0.10 * len(self.students)))]
        n = len(chosen)
        n_red = max(1, round(n * 0.2)) if n >= 3 else 0
        n_orange = max(1, round(n * 0.3)) if n >= 3 else 0
        rows = []
        for i, st in enumerate(chosen):
            owed = _fmt(round(st.outstanding, 1))
            now = _fmt(round(st.term_failed_credits, 1))
            if i < n_red:
                level = "红色预警"
                reason = (
                    f"累计不及格课程{st.outstanding_courses}门，累计未获得学分{owed}学分，"
                    "达到红色预警标准"
                )
            elif i < n_red + n_orange:
                level = "橙色预警"
                reason = f"累计未获得学分{owed}学分；本学期不及格课程{st.term_failed}门"
            else:
                level = "黄色预警"
                reason = (
                    f"本学期不及格课程{st.term_failed}门（{now}学分）"
                    if st.term_failed
                    else f"累计未获得学分{owed}学分"
                )
            rows.append([st.sid, st.name, level, reason])
        return rows


_Emit = Callable[[_Course, str, str, str, str], None]


# --------------------------------------------------------------------------- writers

_MODIFIED_RE = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def _save_stable(wb: Any, path: Path) -> None:
    """Save ``wb`` so that the same content gives the same bytes (fixed times in the zip)."""
    wb.properties.creator = "yujing.synthetic"
    wb.properties.created = _FIXED_TIME
    buf = io.BytesIO()
    wb.save(buf)
    stamp = _FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = _MODIFIED_RE.sub(rb"\g<1>" + stamp + rb"\g<2>", data)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, data)
    path.write_bytes(out.getvalue())


def _number(text: str) -> int | float | str | None:
    if not text:
        return None
    try:
        return float(text) if "." in text else int(text)
    except ValueError:
        return text


def _write_xlsx(
    path: Path,
    title: str,
    header: Sequence[str],
    rows: Iterable[Sequence[str]],
    *,
    text_columns: frozenset[int],
    number_columns: frozenset[int],
) -> None:
    """A one-sheet workbook; ``text_columns`` as text cells (format ``@``), ``number_columns``
    as numbers where they parse, everything else as text (empty → no cell)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title)
    ws.append(list(header))
    for row in rows:
        out: list[Any] = []
        for i, v in enumerate(row):
            if i in text_columns:
                cell = WriteOnlyCell(ws, value=v)
                cell.number_format = "@"
                out.append(cell)
            elif i in number_columns:
                out.append(_number(v))
            else:
                out.append(v or None)
        ws.append(out)
    _save_stable(wb, path)


def _write_csv(
    path: Path, encoding: str, header: Sequence[str], rows: Iterable[Sequence[str]]
) -> None:
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def _layout(n: int, fmt: str) -> list[tuple[str, str, bool]]:
    """(extension, encoding, field-code headers?) of each term's grade file."""
    if fmt == "csv":
        return [("csv", "utf-8-sig", False)] * n
    if fmt == "xlsx":
        return [("xlsx", "", False)] * n
    out = [["csv", "utf-8-sig", False] for _ in range(n)]
    if n >= 2:
        out[1][1] = "gbk"
    if n >= 3:
        out[-1][0] = "xlsx"
    middle = list(range(2, n - 1))
    if middle:
        out[middle[0]][1] = "utf-8"
    out[middle[1] if len(middle) >= 2 else 0][2] = True
    return [(str(e), str(enc), bool(a)) for e, enc, a in out]


def write_sample(
    directory: Path, spec: SampleSpec = SampleSpec(), *, fmt: str = "mixed"
) -> SampleFiles:
    """Write a complete synthetic input set for ``spec`` into ``directory``.

    Files: ``学生名单.xlsx``, ``成绩_<term>.csv|.xlsx`` (one per term), ``培养方案学分.csv``,
    ``学生标记.csv`` and ``教务预警名单.csv`` (levels of the last term).

    ``fmt="mixed"`` (default) writes the grade exports as they come from real systems: the
    2nd term in GBK, one in plain UTF-8, the others UTF-8 with BOM, one of those headed by
    正方 field codes, and the last term as ``.xlsx`` (sheet 成绩). ``fmt="csv"`` writes every
    term as UTF-8-with-BOM CSV with Chinese headers; ``fmt="xlsx"`` every term as .xlsx.
    The same ``spec`` always gives the same bytes.
    """
    if fmt not in ("mixed", "csv", "xlsx"):
        raise ValueError(f"fmt must be 'mixed', 'csv' or 'xlsx', not {fmt!r}")
    gen = _Generator(spec)
    directory.mkdir(parents=True, exist_ok=True)
    roster = directory / "学生名单.xlsx"
    _write_xlsx(
        roster,
        "学生名单",
        ROSTER_HEADERS,
        (s.roster for s in gen.students),
        text_columns=frozenset({0, 5, 8, 10}),
        number_columns=frozenset(),
    )
    grades: list[Path] = []
    for i, (ext, encoding, alias) in enumerate(_layout(len(gen.terms), fmt)):
        path = directory / f"成绩_{gen.term_label(i)}.{ext}"
        if ext == "xlsx":
            _write_xlsx(
                path,
                "成绩",
                _ALL_GRADE_HEADERS,
                gen.iter_term(i),
                text_columns=frozenset({2}),
                number_columns=frozenset({6, 7, 10}),
            )
        else:
            header = (
                [FIELD_CODE_ALIASES[h] for h in _ALL_GRADE_HEADERS]
                if alias
                else list(_ALL_GRADE_HEADERS)
            )
            _write_csv(path, encoding, header, gen.iter_term(i))
        grades.append(path)
    plan = directory / "培养方案学分.csv"
    _write_csv(plan, "utf-8-sig", PLAN_HEADERS, gen.plan_rows())
    flags = directory / "学生标记.csv"
    _write_csv(flags, "utf-8-sig", FLAG_HEADERS, gen.flag_rows())
    levels = directory / "教务预警名单.csv"
    _write_csv(levels, "utf-8-sig", LEVEL_HEADERS, gen.level_rows())
    return SampleFiles(roster, tuple(grades), plan, flags, levels, gen.row_count)


def write_grades_csv(path: Path, spec: SampleSpec) -> int:
    """Stream every term's grade rows for ``spec`` into one plain UTF-8 CSV (Chinese headers,
    including the extra columns); return the number of rows written.

    Rows are generated term by term and written as they come, so memory stays small even
    for 30,000 students × 8 terms. The rows are the same as :func:`write_sample` writes.
    """
    gen = _Generator(spec)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(_ALL_GRADE_HEADERS)
        for i in range(len(gen.terms)):
            writer.writerows(gen.iter_term(i))
    return gen.row_count


def write_roster_csv(path: Path, spec: SampleSpec) -> int:
    """Write the roster of ``spec`` as UTF-8-with-BOM CSV (for large specs, where the .xlsx of
    :func:`write_sample` would be slow); return the number of students."""
    gen = _Generator(spec)
    _write_csv(path, "utf-8-sig", ROSTER_HEADERS, (s.roster for s in gen.students))
    return len(gen.students)
