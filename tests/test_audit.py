"""The completeness audit on archives built with the real commands: print, sign, scan back,
record, attach, transcript — then documents deleted, altered, unsigned, late, overdue, missing
and orphaned, each reported exactly once and nothing else reported."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import scanlib
import zxingcpp
from click.testing import CliRunner
from conftest import TERM, sample_workspace
from PIL import Image
from sysparts import requires

import yujing.archive.records
import yujing.registry
from yujing.archive.intake import confirm_signature, ingest
from yujing.archive.reader import render_pdf_page
from yujing.archive.records import attach, record, transcripts
from yujing.archive.signature import issued_page
from yujing.checker.audit import audit
from yujing.cli.main import cli
from yujing.errors import InputError
from yujing.forms import COVER_CODE, part_by_code
from yujing.generator.batch import issue
from yujing.institutions import find_pack
from yujing.qr import load_secret, verify
from yujing.workspace import Workspace

pytestmark = requires("soffice")  # to print the batch that is scanned back
TODAY = date.today()
LATER = TODAY + timedelta(days=45)  # past every 30-day deadline


@pytest.fixture(scope="module")
def complete_archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    """An anshan workspace where every warned student's folder is complete, built with the
    real commands. Returns the root and, per student, the scanned page images by part."""
    base = tmp_path_factory.mktemp("audit")
    root = base / "ws"
    ws = sample_workspace(root, freeze=True)
    (batch,) = issue(ws, TERM)
    secret = load_secret(root)
    files = {(r["serial"], r["part"]): r["file"] for r in ws.registry.issued_parts()}
    owner = {s.serial: s.student_id for s in batch.students}
    pages: dict[str, dict[str, Image.Image]] = {}
    signed_pages = []
    for number in range(1, batch.pages + 1):
        image = render_pdf_page(batch.pdf, number, 150, grey=True).convert("L")
        refs = [
            r
            for r in (verify(secret, c.text).ref for c in zxingcpp.read_barcodes(image))
            if r is not None
        ]
        if not refs or refs[0].part == COVER_CODE:  # the class cover sheets: see test_college_docs
            continue
        form, part = part_by_code(find_pack("anshan").forms, refs[0].part)
        if not part.returns:
            continue
        page_no = [p.code for p in form.parts].index(part.code) + 1
        signed = image
        areas = issued_page(root / files[(refs[0].serial, part.code)], page_no).areas
        for i, area in enumerate(areas):
            signed = scanlib.signature(signed, area.box, seed=i)
        pages.setdefault(owner[refs[0].serial], {})[part.code] = image
        signed_pages.append(signed.convert("RGB"))
    scan = scanlib.make_pdf(signed_pages, base / "returns.pdf", dpi=150)
    result = ingest(ws, [scan])
    assert result.count("filed") == len(signed_pages)
    for s in batch.students:
        record(
            ws,
            s.student_id,
            kind="interview",
            when=TODAY.isoformat(),
            who="辅导员 马颖",
            how="面谈",
            summary="分析原因，制定计划",
            term=TERM,
        )
        if s.level == "红色预警":
            record(
                ws,
                s.student_id,
                kind="parent-contact",
                when=TODAY.isoformat(),
                who="辅导员 马颖",
                how="电话",
                summary="告知家长",
                term=TERM,
            )
    transcripts(ws, TERM)
    ws.close()
    return root, pages


@pytest.fixture
def ws(complete_archive: tuple[Path, dict], tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    shutil.copytree(complete_archive[0], root)
    workspace = Workspace(root)
    yield workspace
    workspace.close()


def forget_scan(ws: Workspace, student_id: str, part: str) -> str:
    """As if the part had never come back: no file, no registry row."""
    registry = ws.registry
    (row,) = [
        r for r in registry.archive_files() if r["student_id"] == student_id and r["part"] == part
    ]
    (ws.root / row["path"]).unlink()
    registry.db.execute("delete from archive_files where id = ?", [row["id"]])
    registry.db.execute("delete from file_facts where path = ?", [row["path"]])
    registry.db.conn.commit()
    return str(row["path"])


def test_a_complete_archive_has_no_finding(ws: Workspace) -> None:
    for day, verify_hashes in ((TODAY, False), (LATER, True)):
        report = audit(ws, TERM, as_of=day, verify=verify_hashes)
        assert report.findings == (), [f.detail for f in report.findings]
        assert report.complete and len(report.students) == 5
        statuses = {st.status for s in report.students for st in s.statuses}
        assert statuses <= {"ok", "n/a"}


def test_each_problem_is_reported_exactly_once(
    ws: Workspace,
    complete_archive: tuple[Path, dict],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    registry = ws.registry
    scans = {(r["student_id"], r["part"]): r["path"] for r in registry.archive_files()}
    recs = {(r["student_id"], r["kind"]): r for r in registry.records(str(TERM))}
    # 1. deleted: the scanned support record of 2023010101
    deleted = scans[("2023010101", "R1")]
    (ws.root / deleted).unlink()
    # 2. altered: the scanned plan of 2023010103
    altered = scans[("2023010103", "H1")]
    with open(ws.root / altered, "ab") as fh:
        fh.write(b"% edited\n")
    # 3. unsigned: 2023010107's notice stub is scanned again, unsigned, replacing the signed
    #    one in the registry's view (remove the signed scan's record first).
    forget_scan(ws, "2023010107", "N1")
    stub = complete_archive[1]["2023010107"]["N1"]
    unsigned = scanlib.make_pdf([stub.convert("RGB")], tmp_path / "unsigned.pdf", dpi=150)
    (page,) = ingest(ws, [unsigned]).pages
    assert page.signed is False
    # 4. late: 2023010108's interview was recorded 40 days after the list (due in 30).
    forget_scan(ws, "2023010108", "T1")
    registry.db.execute(
        "delete from records where id = ?", [recs[("2023010108", "interview")]["id"]]
    )
    registry.db.conn.commit()
    with monkeypatch.context() as clock:  # 40 days from now, the record is typed in that day
        later = datetime.now() + timedelta(days=40)
        clock.setattr(yujing.registry, "now", lambda: later.isoformat(timespec="seconds"))
        clock.setattr(yujing.archive.records, "now", yujing.registry.now)
        record(
            ws,
            "2023010108",
            kind="interview",
            when=(TODAY + timedelta(days=40)).isoformat(),
            who="辅导员 马颖",
            how="面谈",
            summary="补谈",
            term=TERM,
        )
    # 5. overdue: 2023010104 (红色) never had the parent contact.
    forget_scan(ws, "2023010104", "P1")
    registry.db.execute(
        "delete from records where id = ?", [recs[("2023010104", "parent-contact")]["id"]]
    )
    registry.db.conn.commit()
    # 6. missing: 2023010101's transcript record is gone.
    registry.db.execute(
        "delete from records where id = ?", [recs[("2023010101", "transcript")]["id"]]
    )
    registry.db.conn.commit()
    transcript_file = ws.root / recs[("2023010101", "transcript")]["path"]
    transcript_file.unlink()
    # 7. orphan: a stray file dropped into a folder.
    stray = next((ws.root / "archive").glob("2023010103-*")) / str(TERM) / "随手放的.jpg"
    stray.write_bytes(b"\xff\xd8\xff not really")
    # 8. moved: a copy of 2023010107's issued notice lands in 2023010108's folder.
    issued = next(
        r["file"]
        for r in registry.issued_parts()
        if r["part"] == "N1" and r["file"].startswith("archive/2023010107")
    )
    moved = next((ws.root / "archive").glob("2023010108-*")) / str(TERM) / "通知书.pdf"
    shutil.copy(ws.root / issued, moved)

    report = audit(ws, TERM, as_of=LATER)
    got = sorted(
        (f.student_id, f.problem, f.requirement or f.path.split("/")[-1])
        for f in report.findings
        if f.problem != "tampered"
    )
    assert got == sorted(
        [
            ("2023010101", "missing", deleted.split("/")[-1]),
            ("2023010101", "missing", "transcript"),
            ("2023010103", "altered", altered.split("/")[-1]),
            ("2023010103", "orphan", "随手放的.jpg"),
            ("2023010104", "overdue", "parent-interview"),
            ("2023010107", "unsigned", "notice-stub"),
            ("2023010108", "late", "interview"),
            ("2023010108", "mismatch", "通知书.pdf"),
        ]
    )
    # --verify finds the same, and the rows deleted by hand above, which break the registry's
    # seal chain (test_integrity covers what each looks like).
    verified = audit(ws, TERM, as_of=LATER, verify=True)
    assert any(f.problem == "tampered" for f in verified.findings)
    assert sorted(
        (f.student_id, f.problem) for f in verified.findings if f.problem != "tampered"
    ) == sorted((s, p) for s, p, _ in got)
    # Before the deadline the missing parent contact is not a finding yet.
    early = audit(ws, TERM, as_of=TODAY)
    assert ("2023010104", "overdue") not in {(f.student_id, f.problem) for f in early.findings}
    status = {
        st.requirement: st.status
        for s in early.students
        if s.student_id == "2023010104"
        for st in s.statuses
    }
    assert status["parent-interview"] == "pending"
    totals = report.totals("class")
    assert sum(t.get("students", 0) for t in totals.values()) == 5
    # A person looks at the unsigned stub and says it is signed (a signature the check could
    # not see, e.g. in pencil): the audit follows the person's word, and the word is logged.
    (check,) = [c for c in registry.signature_checks() if c.source_name == "unsigned.pdf"]
    assert check.verdict == "unsigned" and check.areas and check.areas[0].ink < 0.004
    confirm_signature(ws, check.id, "signed", "辅导员 马颖")
    after = audit(ws, TERM, as_of=LATER)
    assert ("2023010107", "unsigned") not in {(f.student_id, f.problem) for f in after.findings}
    (event,) = registry.events("signature-confirm")
    assert "辅导员 马颖" in event["detail"] and event["student_id"] == "2023010107"
    # ... and when the person's word is "unsigned", the finding says who confirmed it.
    confirm_signature(ws, check.id, "unsigned", "学工办 李老师")
    again = audit(ws, TERM, as_of=LATER)
    (finding,) = [f for f in again.findings if f.problem == "unsigned"]
    assert finding.student_id == "2023010107" and "学工办 李老师 复核确认" in finding.detail


def test_attach_record_transcript_errors(ws: Workspace, tmp_path: Path) -> None:
    official = tmp_path / "成绩单-教务处.pdf"
    Image.new("L", (595, 842), 255).save(official, format="PDF")  # a real one-page PDF
    filed = attach(ws, "2023010101", official, kind="transcript", term=TERM)
    assert (ws.root / filed.path).read_bytes() == official.read_bytes() and official.exists()
    with pytest.raises(InputError, match="学号 0000"):
        attach(ws, "0000", official, kind="transcript", term=TERM)
    with pytest.raises(InputError, match="找不到文件"):
        attach(ws, "2023010101", tmp_path / "none.pdf", kind="other", term=TERM)
    with pytest.raises(InputError, match="日期"):
        record(
            ws,
            "2023010101",
            kind="interview",
            when="10/08",
            who="x",
            how="",
            summary="y",
            term=TERM,
        )


def test_audit_cli_formats_and_exit_codes(ws: Workspace, tmp_path: Path) -> None:
    root = str(ws.root)
    ws.close()
    runner = CliRunner()
    r = runner.invoke(cli, ["-w", root, "audit", "--term", str(TERM)])
    assert r.exit_code == 0, r.output
    assert "全部齐全" in r.output
    target = next(Path(root, "archive").glob("2023010101-*")) / str(TERM)
    next(target.glob("成绩单*")).unlink()
    r = runner.invoke(
        cli,
        [
            "-w",
            root,
            "audit",
            "--term",
            str(TERM),
            "--format",
            "json",
            "--html",
            str(tmp_path / "r.html"),
            "--xlsx",
            str(tmp_path / "r.xlsx"),
        ],
    )
    assert r.exit_code == 1
    data = json.loads(r.stdout)
    assert [f["problem"] for s in data["students"] for f in s["findings"]] == ["missing"]
    assert (tmp_path / "r.html").exists() and (tmp_path / "r.xlsx").exists()
    r = runner.invoke(cli, ["-w", root, "audit", "--term", str(TERM), "--format", "csv"])
    assert r.exit_code == 1 and "成绩单" in r.stdout
    r = runner.invoke(cli, ["-w", root, "audit", "--term", "2030-2031-1"])
    assert r.exit_code == 2 and "还没有名单" in r.output
    r = runner.invoke(cli, ["-w", root, "audit", "--as-of", "yesterday"])
    assert r.exit_code == 2
    r = runner.invoke(cli, ["audit"], catch_exceptions=False)
    assert r.exit_code == 2
    r = runner.invoke(
        cli,
        [
            "-w",
            root,
            "record",
            "interview",
            "2023010101",
            "--who",
            "班主任 李",
            "--summary",
            "谈心",
            "--date",
            "2024-10-08",
            "--term",
            str(TERM),
        ],
    )
    assert r.exit_code == 0 and "已登记" in r.output
    r = runner.invoke(
        cli,
        [
            "-w",
            root,
            "attach",
            "2023010101",
            str(tmp_path / "r.xlsx"),
            "--kind",
            "other",
            "--term",
            str(TERM),
        ],
    )
    assert r.exit_code == 0 and "已归档" in r.output
    r = runner.invoke(cli, ["-w", root, "transcript", "--term", str(TERM), "--student", "9"])
    assert r.exit_code == 1 and "名单上没有" in r.output
