"""The workspace end to end: init, imports with change log, assess, objections, freeze."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import pytest
from conftest import BAD_ROWS, PREV_GBK, PREV_TERM, ROSTER_XLSX, TERM, THIS_BOM
from openpyxl import load_workbook

from yujing.errors import BadRowsError, ListStateError, PackError, PolicyError, WorkspaceError
from yujing.workspace import Workspace


def test_init_writes_readable_config_pack_copy_registry_and_archive(tmp_path: Path) -> None:
    ws = Workspace.init(
        tmp_path / "ws", pack="lanzhou-life", school="兰州理工大学生命科学与工程学院"
    )
    root = tmp_path / "ws"
    config = tomllib.loads((root / "yujing.toml").read_text(encoding="utf-8"))
    assert config["workspace"]["school"] == "兰州理工大学生命科学与工程学院"
    assert config["workspace"]["pack"] == "pack"
    assert config["workspace"]["rules_title"].startswith("《")
    assert (root / "pack" / "policy.toml").read_text(encoding="utf-8").count("书面警示") >= 1
    assert (root / "pack" / "forms.toml").is_file()
    assert sorted(p.name for p in (root / "pack" / "templates").glob("*.docx"))
    assert ws.pack.root == root / "pack"
    assert (root / "registry.sqlite").exists() and (root / "archive").is_dir()
    assert ws.policy.name == "lanzhou-life"
    assert ws.registry.events("init")
    ws.close()
    with pytest.raises(WorkspaceError, match="已是 yujing 工作区"):
        Workspace.init(root, pack="anshan", school="x")


def test_init_rejects_unknown_policy_without_creating_anything(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="找不到院校包"):
        Workspace.init(tmp_path / "ws", pack="nowhere", school="x")
    assert not (tmp_path / "ws").exists()


def test_find_from_a_subfolder_and_explicit(tmp_path: Path, anshan_ws: Workspace) -> None:
    sub = anshan_ws.root / "archive"
    assert Workspace.find(start=sub).root == anshan_ws.root
    assert Workspace.find(explicit=anshan_ws.root).root == anshan_ws.root
    with pytest.raises(WorkspaceError, match="不在 yujing 工作区内"):
        Workspace.find(start=tmp_path)
    with pytest.raises(WorkspaceError, match="不是 yujing 工作区"):
        Workspace.find(explicit=tmp_path)


def test_reimport_changes_nothing_and_a_changed_row_is_logged(
    tmp_path: Path, anshan_ws: Workspace
) -> None:
    before = anshan_ws.registry.db.table("grades").count
    again = anshan_ws.import_file("grades", THIS_BOM)
    assert (again.inserted, again.updated) == (0, 0) and again.unchanged == again.rows
    assert anshan_ws.registry.db.table("grades").count == before

    rows = list(csv.reader(THIS_BOM.read_text(encoding="utf-8-sig").splitlines()))
    header, body = rows[0], rows[1:]
    target = next(i for i, r in enumerate(body) if r[2] == "2023010104" and r[4] == "C03")
    body[target][7] = "91"
    changed = tmp_path / "changed.csv"
    with open(changed, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([header, *body])
    report = anshan_ws.import_file("grades", changed)
    assert (report.inserted, report.updated) == (0, 1)
    (change,) = anshan_ws.registry.changes()
    assert change["column"] == "score" and (change["old"], change["new"]) == ("85", "91")
    assert change["key"].startswith("2023010104/C03/2024-2025-1")


def test_bad_rows_import_nothing_unless_skipped(anshan_ws: Workspace) -> None:
    before = anshan_ws.registry.db.table("grades").count
    with pytest.raises(BadRowsError):
        anshan_ws.import_file("grades", BAD_ROWS)
    assert anshan_ws.registry.db.table("grades").count == before
    report = anshan_ws.import_file("grades", BAD_ROWS, skip_bad_rows=True)
    assert len(report.skipped) == 5 and report.rows == 6


def test_assess_marks_changes_against_the_previous_term(anshan_ws: Workspace) -> None:
    prev = anshan_ws.assess(PREV_TERM)
    assert prev.count_by_level() == {"红色预警": 1, "橙色预警": 0, "黄色预警": 3}
    report = anshan_ws.assess(TERM)
    rows = {r.student_id: r for r in report.rows}
    expected = {
        "2023010101": ("橙色预警", "新增"),
        "2023010102": ("", "解除"),
        "2023010103": ("黄色预警", "降级"),
        "2023010104": ("红色预警", "新增"),
        "2023010107": ("黄色预警", "持续"),
        "2023010108": ("橙色预警", "升级"),
    }
    assert {sid: (r.level, r.change) for sid, r in rows.items()} == expected
    assert rows["2023010101"].reason == "本学期未通过 4/20 学分(20%)"
    assert "累计未通过 7 学分：大学英语Ⅱ(2)、工程制图(4)、体育Ⅲ(1)" in rows["2023010103"].reason
    assert rows["2023010104"].reason.startswith("本学期大学物理旷考")
    assert [n.student_id for n in report.not_assessed] == ["2023010106"]
    assert "已保存的名单" in report.previous_source
    assert report.count_by_class() == {
        ("机械工程学院", "机械2301"): {"橙色预警": 1, "黄色预警": 1},
        ("机械工程学院", "机械2302"): {"红色预警": 1, "黄色预警": 1, "橙色预警": 1},
    }


def test_list_xlsx_has_the_seed_layout_and_statistics(anshan_ws: Workspace) -> None:
    report = anshan_ws.assess(TERM)
    wb = load_workbook(report.xlsx)
    ws = wb["预警名单"]
    assert ws["A1"].value == "鞍山师范学院 2024-2025学年第1学期 学业预警学生名单"
    header = [c.value for c in ws[3]]
    assert header[:10] == [
        "序号",
        "学号",
        "姓名",
        "性别",
        "学院",
        "专业",
        "年级",
        "班级",
        "预警等级",
        "预警原因",
    ]
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=8)]
    assert [r[1] for r in body] == [
        "2023010101",
        "2023010103",
        "2023010104",
        "2023010107",
        "2023010108",
    ]
    stats = {r[0]: r[1] for r in wb["统计"].iter_rows(values_only=True) if r and r[0]}
    assert stats["红色预警"] == 1 and stats["合计"] == 5 and stats["解除"] == 1
    released = list(wb["解除名单"].iter_rows(min_row=2, values_only=True))
    assert released[0][:2] == ("2023010102", "林芳")
    assert next(wb["未评估"].iter_rows(min_row=2, values_only=True))[0] == "2023010106"


def test_objections_then_freeze(anshan_ws: Workspace) -> None:
    anshan_ws.assess(TERM)
    row = anshan_ws.record_objection(
        TERM,
        "2023010104",
        reason="旷考系录入错误",
        outcome="corrected",
        level="橙色预警",
        note="任课教师已更正",
    )
    assert row.level == "橙色预警" and "更正为橙色预警" in row.objection
    removed = anshan_ws.record_objection(
        TERM, "2023010107", reason="体育缺考已办缓考", outcome="removed"
    )
    assert removed.level == ""
    anshan_ws.record_objection(TERM, "2023010101", reason="成绩有误", outcome="upheld")
    with pytest.raises(ListStateError, match="不在"):
        anshan_ws.record_objection(TERM, "2023010107", reason="again", outcome="upheld")
    with pytest.raises(PolicyError, match="没有等级"):
        anshan_ws.record_objection(
            TERM, "2023010101", reason="x", outcome="corrected", level="紫色预警"
        )

    # Re-assessing the draft re-applies the recorded objections.
    report = anshan_ws.assess(TERM)
    levels = {r.student_id: r.level for r in report.warned}
    assert levels["2023010104"] == "橙色预警" and "2023010107" not in levels

    frozen = anshan_ws.freeze(TERM)
    assert frozen.status == "frozen" and len(frozen.warned) == 4
    ws_title = load_workbook(frozen.xlsx)["预警名单"]["A2"].value
    assert ws_title.startswith("状态：已冻结")
    with pytest.raises(ListStateError, match=r"已于 .* 冻结"):
        anshan_ws.assess(TERM)
    with pytest.raises(ListStateError, match="已冻结"):
        anshan_ws.record_objection(TERM, "2023010101", reason="x", outcome="upheld")
    actions = [e["action"] for e in anshan_ws.registry.events()]
    assert actions.count("objection") == 3 and actions[-1] == "freeze"


def test_edited_policy_copy_changes_the_result(anshan_ws: Workspace) -> None:
    policy_file = anshan_ws.root / "pack" / "policy.toml"
    text = policy_file.read_text(encoding="utf-8")
    policy_file.write_text(
        text.replace(
            '{ metric = "term_failed_credit_percent", op = ">=", value = 5 }',
            '{ metric = "term_failed_credit_percent", op = ">=", value = 6 }',
        ),
        encoding="utf-8",
    )
    ws = Workspace(anshan_ws.root)
    levels = {r.student_id: r.level for r in ws.assess(TERM).warned}
    assert "2023010103" in levels  # still yellow: cumulative 7 ≥ 5
    assert "2023010107" not in levels  # 5% < 6% and cumulative 2
    ws.close()


def test_assess_needs_grades_and_required_inputs(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "x", pack="xinglin", school="南通大学杏林学院")
    with pytest.raises(ListStateError, match="import plan"):
        ws.assess(TERM)
    ws.close()
    ws = Workspace.init(tmp_path / "y", pack="anshan", school="鞍山师范学院")
    ws.import_file("roster", ROSTER_XLSX)
    with pytest.raises(ListStateError, match="import grades"):
        ws.assess(TERM)
    ws.import_file("grades", PREV_GBK)
    assert ws.assess(PREV_TERM).warned
    ws.close()


def test_import_and_assess_report_progress(anshan_ws: Workspace) -> None:
    calls: list[tuple[int, int]] = []
    anshan_ws.import_file("grades", THIS_BOM, progress=lambda d, t: calls.append((d, t)))
    assert calls and calls[-1][0] == calls[-1][1] == 52
    calls.clear()
    anshan_ws.assess(TERM, progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (8, 8)


@pytest.mark.parametrize("key", ["public_url", "cas_url"])
def test_a_web_address_without_its_scheme_is_refused_by_name(tmp_path: Path, key: str) -> None:
    ws = Workspace.init(tmp_path / "ws", pack="anshan", school="示例大学")
    config = ws.root / "yujing.toml"
    config.write_text(
        config.read_text(encoding="utf-8") + f'\n[web]\n{key} = "yujing.college.edu.cn/"\n',
        encoding="utf-8",
    )
    again = Workspace(ws.root)
    with pytest.raises(WorkspaceError, match=rf"\[web\] {key}「yujing.college.edu.cn」应以 http"):
        getattr(again, key)
    config.write_text(
        config.read_text(encoding="utf-8").replace('"yujing', '"https://yujing'), encoding="utf-8"
    )
    assert getattr(Workspace(ws.root), key) == "https://yujing.college.edu.cn"
