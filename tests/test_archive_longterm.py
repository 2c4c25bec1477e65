"""The long-term archive (issue #21) on a scanned term: PDF/A-2b archive copies with the 归档章,
the 归档文件目录, volumes per class, the handover package with its 四性 report, closing and
reopening, retention. Everything is checked on the files written: XMP and fonts read back with
pypdf, pages rendered with PDFium, the volume's 卷内目录 read as text and its pages compared
with the archive copies, the manifest's hashes recomputed."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest
from click.testing import CliRunner
from conftest import TERM
from integritylib import Issued, copy_ws, issued_fixture  # noqa: F401
from pikepdf import pdfa
from PIL import Image
from pypdf import PdfReader
from sysparts import requires

from yujing.archive.pdfa import COPY_FOLDER, make_copy
from yujing.archive.settings import ARCHIVE_FILE, load_archive_settings
from yujing.archive.stamp import StampFields
from yujing.archive.volume import groups
from yujing.cli.main import cli
from yujing.errors import ArchiveStateError, InputError, PackError
from yujing.institutions import builtin_packs, check_pack
from yujing.workspace import Workspace

pytestmark = requires("soffice", "poppler")

SCALE = 60 / 72


@pytest.fixture(scope="module")
def archived(issued: Issued, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """The issued sample term with every printed page scanned back, transcripts rendered
    (Word files), and every file archived as PDF/A."""
    root = copy_ws(issued.root, tmp_path_factory.mktemp("archive") / "ws")
    ws = Workspace(root)
    result = ws.scan(list(issued.scans))
    assert not result.errors
    ws.transcripts(TERM)
    done = ws.archive_pdfa(TERM)
    assert not done.problems, done.problems
    yield ws
    ws.close()


def _render(path: Path, index: int = 0) -> np.ndarray:
    doc = pdfium.PdfDocument(str(path))
    try:
        image = doc[index].render(scale=SCALE).to_pil().convert("RGB")
    finally:
        doc.close()
    return np.asarray(image).astype(int)


def _pdfaid(path: Path) -> dict[str, str]:
    reader = PdfReader(path)
    meta = reader.root_object["/Metadata"].get_object().get_data().decode("utf-8")
    found = re.findall(r"pdfaid:(part|conformance)(?:>|=\")([0-9A-Z]+)", meta)
    return dict(found)


def _fonts_without_program(path: Path) -> list[str]:
    reader = PdfReader(path)
    missing = []
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get_object().get("/Font") or {}
        for font in fonts.values():
            font = font.get_object()
            if font.get("/Subtype") == "/Type3":
                continue
            desc = font.get("/FontDescriptor")
            if desc is None:
                desc = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            desc = desc.get_object()
            if not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.append(str(font["/BaseFont"]))
    return missing


def test_every_filed_document_has_a_pdfa_copy_beside_its_original(archived: Workspace) -> None:
    ws = archived
    copies = ws.registry.archive_copies(TERM)
    filed = {r.path for r in ws.registry.archive_file_rows(TERM)}
    issued = {f.file for f in ws.registry.issued_files(TERM)}
    records = {r["path"] for r in ws.registry.records(str(TERM)) if r["path"]}
    assert filed and issued and records
    assert {c.original for c in copies} >= filed | issued | records
    assert {c.kind for c in copies} == {"issued", "scan", "record", "college"}
    numbers = sorted(c.item_no for c in copies)
    assert numbers == list(range(1, len(copies) + 1))  # 件号 without gaps, never twice
    fonts_seen = 0
    for copy in copies:
        path = ws.root / copy.path
        original = ws.root / copy.original
        assert Path(copy.path).parent.name == COPY_FOLDER
        assert Path(copy.path).parent.parent == Path(copy.original).parent
        assert hashlib.sha256(original.read_bytes()).hexdigest() == copy.original_sha256
        assert hashlib.sha256(path.read_bytes()).hexdigest() == copy.sha256
        assert _pdfaid(path) == {"part": "2", "conformance": "B"}, copy.path
        assert _fonts_without_program(path) == [], copy.path
        fonts_seen += bool(PdfReader(path).pages[0].get("/Resources", {}).get("/Font"))
        assert not PdfReader(path).is_encrypted
        assert pdfa.validate_written(path, "2b").passed, copy.path
        assert len(PdfReader(path).pages) == copy.pages
        assert ws.registry.archive_seal_ok("archive_copies", copy.id) is True
    assert fonts_seen > 0  # the printed copies and transcripts carry text in embedded fonts
    # the originals of Word records are untouched .docx files, their copies PDF
    assert any(c.original.endswith(".docx") and c.method == "libreoffice" for c in copies)


def test_the_archive_stamp_sits_in_a_blank_margin_and_covers_nothing(archived: Workspace) -> None:
    ws = archived
    checked = 0
    for copy in ws.registry.archive_copies(TERM):
        if not copy.original.endswith(".pdf"):
            continue
        before, after = _render(ws.root / copy.original), _render(ws.root / copy.path)
        assert before.shape == after.shape  # the page was not made taller: a blank spot was found
        changed = np.abs(before - after).sum(axis=2) > 60
        ys, xs = np.nonzero(changed)
        assert len(ys) > 0, copy.path
        top, bottom, left, right = ys.min(), ys.max(), xs.min(), xs.max()
        height_mm = before.shape[0] / SCALE / 72 * 25.4
        assert bottom / before.shape[0] * height_mm < 35  # in the top margin
        assert right > before.shape[1] * 0.5  # towards the right
        region = before[top : bottom + 1, left : right + 1]
        assert (region.min(axis=2) > 150).mean() > 0.995  # blank in the original
        ink = after[changed]
        assert (ink[:, 0] > ink[:, 1] + 20).mean() > 0.95  # the stamp is red
        checked += 1
    assert checked > 20


def test_a_page_printed_to_its_top_edge_gets_a_strip_for_the_stamp(tmp_path: Path) -> None:
    page = Image.new("L", (827, 1169), 255)
    page.paste(90, (0, 0, 827, 300))  # dark from the top edge down, like a scanner's border
    src = tmp_path / "scan.pdf"
    page.save(src, resolution=100)
    target = tmp_path / "copy.pdf"
    pages, method = make_copy(
        src,
        StampFields("Z000", 2024, 7, "教学管理", "10年", 0),
        target,
        scan=True,
        ocr=False,
        work=tmp_path,
    )
    assert (pages, method) == (1, "pikepdf")
    before, after = _render(src), _render(target)
    assert after.shape[0] > before.shape[0] and after.shape[1] == before.shape[1]
    strip = after.shape[0] - before.shape[0]
    assert np.abs(after[strip:] - before).mean() < 1  # the page itself as it was (edges resampled)
    assert (after[:strip, :, 0] > after[:strip, :, 1] + 60).any()  # the red stamp is in the strip
    assert pdfa.validate_written(target, "2b").passed


def _toc_text(path: Path, front: int) -> str:
    reader = PdfReader(path)
    return "".join(reader.pages[i].extract_text() for i in range(front))


def test_volumes_hold_every_document_at_the_pages_their_contents_say(
    archived: Workspace, tmp_path: Path
) -> None:
    ws = archived
    volumes = ws.archive_volumes(TERM, tmp_path / "卷")
    student_copies = [c for c in ws.registry.archive_copies(TERM) if c.student_id != "_学院"]
    assert {e.doc_no for v in volumes for e in v.entries} == {c.doc_no for c in student_copies}
    by_no = {c.doc_no: c for c in student_copies}
    for volume in volumes:
        reader = PdfReader(volume.path)
        pages = len(reader.pages)
        archived_pages = sum(by_no[e.doc_no].pages for e in volume.entries)
        assert pages == archived_pages + volume.front_pages
        assert volume.front_pages % 2 == 0 and volume.front_pages >= 2  # 卷皮, 卷内目录 (+ blank)
        cover = re.sub(r"\s+", "", reader.pages[0].extract_text())
        assert f"班级：{volume.class_name}" in cover and "保管期限：10年" in cover
        assert f"件数：{len(volume.entries)}件" in cover and f"页数：{archived_pages}页" in cover
        toc = re.sub(r"\s+", "", _toc_text(volume.path, volume.front_pages))
        toc = toc[toc.index("卷内目录") :]
        for entry in volume.entries:
            span = str(entry.first) if entry.first == entry.last else f"{entry.first}-{entry.last}"
            start = toc.index(entry.doc_no) + len(entry.doc_no)
            end = toc.find("Z000-", start)
            row = toc[start : end if end > 0 else len(toc)]
            day = by_no[entry.doc_no].date.replace("-", "")
            assert f"{day}{span}" in row, (entry.doc_no, span, row)  # 日期 then 页号
            copy = ws.root / by_no[entry.doc_no].path
            for k in range(entry.last - entry.first + 1):
                got = _render(volume.path, volume.front_pages + entry.first - 1 + k)
                want = _render(copy, k)
                assert got.shape == want.shape
                body = slice(int(got.shape[0] * 0.12), None)  # below the 页号
                assert np.abs(got[body] - want[body]).mean() < 2, (entry.doc_no, k)
        assert _pdfaid(volume.path) == {"part": "2", "conformance": "B"}
        assert pdfa.validate_written(volume.path, "2b").passed
        assert _fonts_without_program(volume.path) == []


def test_volume_by_class_and_level_splits_a_class_by_level(archived: Workspace) -> None:
    ws = archived
    settings = dataclasses.replace(ws.archive_settings, volume_by=("class", "level"))
    levels = ws.registry.saved_list(TERM).levels()  # type: ignore[union-attr]
    split = groups(ws, TERM, settings)
    assert len(split) >= len(groups(ws, TERM, ws.archive_settings))
    assert len({g.level for g in split}) > 1
    for group in split:
        assert {levels[c.student_id] for c in group.copies} == {group.level}


def test_catalogue_lists_every_document_as_text_cells(archived: Workspace, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    ws = archived
    (cat,) = ws.archive_catalogue(TERM, tmp_path)
    sheet = load_workbook(cat.xlsx).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    copies = ws.registry.archive_copies(TERM)
    assert [r[0] for r in rows] == [c.doc_no for c in sorted(copies, key=lambda c: c.item_no)]
    in_order = sorted(copies, key=lambda c: c.item_no)
    assert all(r[5] == c.pages for r, c in zip(rows, in_order, strict=True))
    assert not any(
        cell.data_type == "f" for row in sheet.iter_rows() for cell in row
    )  # no formulas
    assert pdfa.validate_written(cat.pdf, "2b").passed
    assert copies[0].doc_no in PdfReader(cat.pdf).pages[0].extract_text().replace("\n", "")


def _manifest(folder: Path) -> list[dict[str, str]]:
    with open(folder / "清单.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_handover_records_closes_and_a_file_changed_by_hand_fails_authenticity(
    archived: Workspace, tmp_path: Path
) -> None:
    ws = archived
    result = ws.archive_handover(TERM, tmp_path / "移交", who="教务员", recipient="校档案馆")
    assert result.passed and result.recorded, [
        (f.file, [c.detail for c in f.checks if not c.ok]) for f in result.failed()
    ] + list(result.term_problems)
    rows = _manifest(result.folder)
    copies = ws.registry.archive_copies(TERM)
    listed = [r for r in rows if r["档号"]]
    assert {r["档号"] for r in listed} == {c.doc_no for c in copies}
    for row in rows:
        data = (result.folder / row["文件"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == row["sha256"], row["文件"]
    assert {r["文件"].split("/")[0] for r in rows} == {"文件", "卷", "目录"}
    html = result.report_html.read_text(encoding="utf-8")
    assert "真实性" in html and "veraPDF" in html and "未通过" not in html.split("逐个文件")[1]
    assert pdfa.validate_written(result.report_pdf, "2b").passed
    (handover,) = ws.registry.handovers(TERM)
    assert (handover["who"], handover["recipient"]) == ("教务员", "校档案馆")
    assert ws.registry.archive_seal_ok("archive_handovers", handover["id"]) is True
    # closed: nothing more is archived until an explicit, logged reopening
    with pytest.raises(ArchiveStateError, match="封闭"):
        ws.archive_pdfa(TERM)
    with pytest.raises(ArchiveStateError, match="封闭"):
        ws.archive_handover(TERM, tmp_path / "again", who="教务员", recipient="校档案馆")
    sid = copies[-1].student_id
    with pytest.raises(ArchiveStateError, match="封闭"):
        ws.record(
            sid, kind="interview", when=None, who="辅导员", how="面谈", summary="补谈", term=TERM
        )
    with pytest.raises(ArchiveStateError, match="封闭"):
        ws.issue(TERM)
    rescan = tmp_path / "再次扫描.pdf"  # a page of the closed term scanned again goes to review
    scanned = next(c for c in copies if c.kind == "scan")
    with pikepdf.open(ws.root / scanned.original) as pdf:
        pdf.docinfo["/Title"] = "再次扫描"
        pdf.save(rescan)
    (page,) = ws.scan([rescan]).pages
    assert page.result == "review" and "封闭" in page.reason
    # nor can it be filed by hand from the queue, nor a notice of the term be reprinted
    serial = next(iter(ws.registry.active_serials(TERM).values()))
    item = ws.review_items()[-1]
    with pytest.raises(ArchiveStateError, match="封闭"):
        ws.assign(item.id, serial, "N1", confirmed=True)
    with pytest.raises(ArchiveStateError, match="封闭"):
        ws.reprint(serial)
    with pytest.raises(InputError):
        ws.archive_reopen(TERM, who="教务员", reason=" ")
    ws.archive_reopen(TERM, who="教务员", reason="补充一份谈话记录")
    assert any(
        e["action"] == "archive-reopen" and "补充一份谈话记录" in e["detail"]
        for e in ws.registry.events()
    )
    # someone edits an archive copy by hand: its 真实性 fails and the handover is not recorded
    victim = next(c for c in copies if c.kind == "scan")
    path = ws.root / victim.path
    saved = path.read_bytes()
    try:
        with pikepdf.open(path, allow_overwriting_input=True) as pdf:
            pdf.docinfo["/Title"] = "改过"
            pdf.save(path)
        second = ws.archive_handover(TERM, tmp_path / "移交2", who="教务员", recipient="校档案馆")
    finally:
        path.write_bytes(saved)
    assert not second.passed and not second.recorded
    (bad,) = second.failed()
    assert bad.doc_no == victim.doc_no
    check = bad.aspect("真实性")
    assert check is not None and not check.ok and "sha256" in check.detail
    assert all(c.ok for c in bad.checks if c.aspect != "真实性")
    report = second.report_html.read_text(encoding="utf-8")
    assert victim.doc_no in report and "未通过" in report
    assert len(ws.registry.handovers(TERM)) == 1


def test_security_check_finds_javascript_and_an_embedded_file(tmp_path: Path) -> None:
    from yujing.handover import security

    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS="app.alert(1)")
    pdf.attachments["run.exe"] = pikepdf.AttachedFileSpec(pdf, b"MZ")
    pdf.save(tmp_path / "bad.pdf")
    check = security(tmp_path / "bad.pdf")
    assert not check.ok and "JavaScript" in check.detail and "嵌入文件" in check.detail


def test_cli_archive_commands_and_their_errors(archived: Workspace, tmp_path: Path) -> None:
    root = copy_ws(archived.root, tmp_path / "ws")
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        result = runner.invoke(cli, ["-w", str(root), "archive", *args])
        return result.exit_code, result.output

    code, out = run("pdfa", "--term", str(TERM))
    assert code == 0 and "新生成 0 份" in out
    code, out = run("volume", "--term", str(TERM), "--class", "没有这个班", "-o", str(tmp_path))
    assert code == 1 and "没有班级 没有这个班" in out and "Traceback" not in out
    klass = next(iter(archived.registry.students().values())).class_name
    code, out = run("volume", "--term", str(TERM), "--class", klass, "-o", str(tmp_path / "v"))
    assert code == 0 and len(list((tmp_path / "v").glob("*.pdf"))) == 1
    code, out = run("catalogue", "--term", "2023-2024-2", "-o", str(tmp_path / "c"))
    assert code == 1 and "还没有归档件" in out
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x.txt").write_text("x")
    code, out = run("handover", "--term", str(TERM), "-o", str(busy), "--by", "甲", "--to", "乙")
    assert code == 1 and "不是空的" in out
    code, out = run("reopen", "--term", str(TERM), "--by", "甲", "--reason", "无")
    assert code == 1 and "没有封闭" in out
    code, out = run("due", "--as-of", "2030-13-01")
    assert code == 1 and "格式" in out
    code, out = run("due", "--as-of", "2030-01-01")
    assert code == 0 and "没有保管期限已满" in out
    code, out = run("due", "--as-of", "2040-01-01")
    assert code == 0 and "共 5 个档案夹" in out
    sid = sorted(s for s in archived.registry.student_folders())[0]
    folder = root / "archive" / archived.registry.student_folders()[sid]
    files = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.is_file())
    code, out = run("dispose", sid, "--backup", str(tmp_path / "bk"), "--by", "甲")
    assert code == 0 and "确认请加 --yes" in out and folder.is_dir()
    code, out = run("dispose", sid, "--backup", str(tmp_path / "bk"), "--by", "甲", "--yes")
    assert code == 1 and "未到保管期限" in out and folder.is_dir()
    code, out = run(
        "dispose",
        sid,
        "--backup",
        str(tmp_path / "bk"),
        "--by",
        "甲",
        "--yes",
        "--as-of",
        "2040-01-01",
    )
    assert code == 0, out
    assert not folder.exists()
    backup = tmp_path / "bk" / folder.name
    assert sorted(p.relative_to(backup) for p in backup.rglob("*") if p.is_file()) == files
    ws = Workspace(root)
    try:
        assert any(e["action"] == "archive-dispose" for e in ws.registry.events())
    finally:
        ws.close()


def test_every_pack_has_archive_rules_and_pack_check_reads_them(tmp_path: Path) -> None:
    for pack in builtin_packs():
        settings = load_archive_settings(pack.root)
        assert not settings.defaulted and settings.volume_by[0] == "class", pack.name
    assert any("level" in load_archive_settings(p.root).volume_by for p in builtin_packs())
    mine = tmp_path / "mine"
    shutil.copytree(builtin_packs()[0].root, mine)
    text = (mine / ARCHIVE_FILE).read_text(encoding="utf-8")
    (mine / ARCHIVE_FILE).write_text(text.replace('"10年"', '"5年"'), encoding="utf-8")
    problems = [str(p) for p in check_pack(mine).problems]
    assert any(ARCHIVE_FILE in p and "5年" in p for p in problems), problems
    with pytest.raises(PackError, match="volume_by"):
        (mine / ARCHIVE_FILE).write_text(
            text.replace('volume_by = ["class"]', 'volume_by = ["level"]'), encoding="utf-8"
        )
        load_archive_settings(mine)


@requires("ghostscript", "tesseract")
def test_a_phone_photo_becomes_pdfa_and_ocr_gives_a_chinese_text_layer(
    archived: Workspace, tmp_path: Path
) -> None:
    ws = Workspace(copy_ws(archived.root, tmp_path / "ws"))
    try:
        state = ws.registry.archive_term_state(TERM)
        if state and state["status"] == "closed":
            ws.archive_reopen(TERM, who="教务员", reason="补一张照片")
        scan = next(c for c in ws.registry.archive_copies(TERM) if c.kind == "scan")
        page = _render(ws.root / scan.original)
        photo = tmp_path / "谈话照片.jpg"
        Image.fromarray(page.astype("uint8")).save(photo, quality=80, dpi=(60, 60))
        sid = scan.student_id
        ws.attach(sid, photo, kind="interview", term=TERM)
        result = ws.archive_pdfa(TERM)
        assert not result.problems and len(result.made) == 1
        made = next(c for c in ws.registry.archive_copies(TERM) if c.original.endswith(".jpg"))
        assert made.method == "ocrmypdf" and made.pages == 1
        assert _pdfaid(ws.root / made.path) == {"part": "2", "conformance": "B"}
        assert pdfa.validate_written(ws.root / made.path, "2b").passed
        assert (ws.root / made.original).read_bytes() == photo.read_bytes()  # original kept
        # with OCR, a scan's copy carries a Simplified Chinese text layer
        target = tmp_path / "ocr.pdf"
        n, method = make_copy(
            ws.root / scan.original,
            StampFields("Z000", 2024, 99, "教学管理", "10年", 0),
            target,
            scan=True,
            ocr=True,
            work=tmp_path,
        )
        assert (n, method) == (1, "ocrmypdf+chi_sim")
        text = "".join(p.extract_text() for p in PdfReader(target).pages)
        assert re.search("[学业预警通知书谈话记录]", text), text[:200]
        assert pdfa.validate_written(target, "2b").passed
    finally:
        ws.close()


def test_console_secretary_builds_volumes_in_the_background_inspector_downloads(
    archived: Workspace, tmp_path: Path
) -> None:
    import time
    import warnings

    from yujing.web.app import COOKIE, create_app

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from starlette.testclient import TestClient

    ws = Workspace(copy_ws(archived.root, tmp_path / "ws"))
    state = ws.registry.archive_term_state(TERM)
    if state and state["status"] == "closed":
        ws.archive_reopen(TERM, who="教务员", reason="控制台测试")
    ws.add_user("sec", role="secretary", password="password-1")
    ws.add_user("insp", role="inspector", password="password-2")
    ws.add_user("fdy", role="counsellor", password="password-3", roster_name="王老师")
    sec_cookie, csrf = ws.open_session("sec")
    insp_cookie, _ = ws.open_session("insp")
    fdy_cookie, _ = ws.open_session("fdy")
    with TestClient(create_app(ws.root)) as client:
        client.cookies.set(COOKIE, sec_cookie)
        bad = client.post(
            "/handover/build",
            data={"csrf": csrf, "term": str(TERM), "what": "handover", "recipient": ""},
            follow_redirects=False,
        )
        assert bad.status_code == 400 and "接收人" in bad.text
        resp = client.post(
            "/handover/build",
            data={"csrf": csrf, "term": str(TERM), "what": "volumes"},
            follow_redirects=False,
        )
        assert resp.status_code == 303
        job_url = resp.headers["location"]
        for _ in range(1800):
            page = client.get(job_url).text
            if 'data-status="done"' in page or 'data-status="failed"' in page:
                break
            time.sleep(0.2)
        assert 'data-status="done"' in page and "已组卷" in page, page
        client.cookies.set(COOKIE, insp_cookie)
        listing = client.get(f"/handover?term={TERM}").text
        links = re.findall(r'href="(/handover/file\?path=[^"]+\.pdf)"', listing)
        assert links, listing
        got = client.get(links[0].replace("&amp;", "&"))
        assert got.status_code == 200 and got.content.startswith(b"%PDF")
        volume = next((ws.root / "handovers").rglob("*卷.pdf"))
        assert any(got.content == p.read_bytes() for p in (ws.root / "handovers").rglob("*.pdf"))
        assert pdfa.validate_written(volume, "2b").passed
        assert client.get("/handover/file?path=../registry.sqlite").status_code == 400
        assert client.post("/handover/build", data={"term": str(TERM)}).status_code in (400, 403)
        # a folder's page shows each document's 档号/件号 and its stamp, and opens the copy
        mine = ws.registry.archive_copies_of(sid := volume_sid(ws))
        folder_page = client.get(f"/students/{sid}").text
        assert all(c.doc_no in folder_page for c in mine)
        view = re.search(r'href="(/students/[^"]+\?view=1)"[^>]*>查看</a></td></tr>', folder_page)
        assert view is not None
        opened = client.get(view.group(1).replace("&amp;", "&"))
        assert opened.content == (ws.root / mine[0].path).read_bytes()
        client.cookies.set(COOKIE, fdy_cookie)
        assert client.get("/handover").status_code == 403
    ws.close()


def volume_sid(ws: Workspace) -> str:
    """A student with archived documents."""
    return next(c.student_id for c in ws.registry.archive_copies(TERM) if c.kind == "scan")
