"""A small university for the console's tests: two colleges with different packs (beihai,
whose 教务处 approves the list, and anshan), synthetic students with warnings in both, an
account of every role in each college, and the university's office and supervisor."""

from __future__ import annotations

from pathlib import Path

from tools.synthetic import SampleSpec, write_grades_csv, write_roster_csv
from yujing.model import Term
from yujing.university import University
from yujing.workspace import Workspace

TERM = Term.parse("2024-2025-1")
PASSWORD = "correct-horse-1"
COLLEGES = {"art": ("艺术设计学院", "beihai"), "mech": ("机械工程学院", "anshan")}
COLLEGE_ROLES = ("secretary", "reviewer", "counsellor", "class-teacher", "inspector")
OFFICE, SUPERVISOR = "教务处王老师", "督查李老师"


def build_university(root: Path) -> Path:
    data = root / "data"
    data.mkdir(parents=True, exist_ok=True)
    spec = SampleSpec(students=60, terms=("2023-2024-1", "2024-2025-1"), seed=11, weak_share=0.5)
    write_roster_csv(data / "学生名单.csv", spec)
    write_grades_csv(data / "成绩.csv", spec)
    folder = root / "示范大学"
    uni = University.init(folder, name="示范大学")
    for slug, (name, pack) in COLLEGES.items():
        college = uni.add_college(name, pack=pack, slug=slug)
        ws = Workspace(college.root)
        ws.import_file("roster", data / "学生名单.csv")
        ws.import_file("grades", data / "成绩.csv")
        report = ws.assess(TERM)
        assert report.warned, f"{slug}: no warned student in the sample"
        first = report.warned[0]
        for role in COLLEGE_ROLES:
            extra: dict[str, object] = {}
            if role == "counsellor":
                extra = {"classes": [first.class_name]}
            elif role == "class-teacher":
                extra = {"roster_name": "没有这个人", "allow_unknown": True}
            ws.add_user(role_account(role), role=role, password=PASSWORD, **extra)  # type: ignore[arg-type]
        ws.record(
            first.student_id,
            kind="interview",
            when=None,
            who="辅导员",
            how="面谈",
            summary="学业谈话",
            term=TERM,
        )
        ws.close()
    uni.add_user(OFFICE, role="office", password=PASSWORD)
    uni.add_user(SUPERVISOR, role="supervisor", password=PASSWORD)
    uni.close()
    return folder


def role_account(role: str) -> str:
    """The college account of ``role`` (the same name in every college: names are per college)."""
    return {
        "secretary": "秘书",
        "reviewer": "副院长",
        "counsellor": "辅导员甲",
        "class-teacher": "班主任甲",
        "inspector": "督导",
    }[role]
