"""Scan intake end to end: print a batch, rasterise it, sign it, degrade it, scan it back.

Every page whose code survives must be filed to the right student and part, no page may be
misfiled, and every other page must be in review with the right reason.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import scanlib
import zxingcpp
from click.testing import CliRunner
from conftest import TERM, sample_workspace
from PIL import Image, ImageDraw
from sysparts import requires

from yujing.archive import intake
from yujing.archive.intake import BLANK, FILED, NO_CODE, REVIEW, VOIDED, assign, ingest
from yujing.archive.reader import render_pdf_page
from yujing.archive.signature import issued_page
from yujing.cli.main import cli
from yujing.errors import InputError
from yujing.forms import COVER_CODE, part_by_code
from yujing.generator.batch import issue, void
from yujing.institutions import find_pack
from yujing.qr import PartRef, Rejection, load_secret, make_payload, qr_png, verify
from yujing.workspace import Workspace

pytestmark = requires("soffice")  # to print the batch that is scanned back
DPI = 200


@dataclass
class Printed:
    """A printed page of the batch: its image and the part its code names."""

    image: Image.Image
    ref: PartRef
    returns: bool
    signature: tuple[tuple[float, float, float, float], ...]


@pytest.fixture(scope="module")
def printed_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Printed]]:
    """A frozen anshan workspace with one issued batch, and the batch's pages as images."""
    root = tmp_path_factory.mktemp("intake") / "ws"
    ws = sample_workspace(root, freeze=True)
    (result,) = issue(ws, TERM)
    assert result.pdf is not None
    secret = load_secret(root)
    files = {(r["serial"], r["part"]): r["file"] for r in ws.registry.issued_parts()}
    pages = []
    for number in range(1, result.pages + 1):
        image = render_pdf_page(result.pdf, number, DPI, grey=True).convert("L")
        refs = [verify(secret, c.text).ref for c in zxingcpp.read_barcodes(image)]
        refs = [r for r in refs if r is not None]
        if not refs or refs[0].part == COVER_CODE:
            continue  # a cover sheet (its scan-back: test_college_docs)
        form, part = part_by_code(find_pack("anshan").forms, refs[0].part)
        page_no = [p.code for p in form.parts].index(part.code) + 1
        issued = issued_page(root / files[(refs[0].serial, refs[0].part)], page_no)
        areas = tuple(a.box for a in issued.areas)
        pages.append(Printed(image, refs[0], part.returns, areas))
    ws.close()
    return root, pages


@pytest.fixture
def ws(printed_batch: tuple[Path, list[Printed]], tmp_path: Path) -> Workspace:
    root = tmp_path / "ws"
    shutil.copytree(printed_batch[0], root)
    workspace = Workspace(root)
    yield workspace
    workspace.close()


def signed(page: Printed, seed: int = 0) -> Image.Image:
    image = page.image
    for i, box in enumerate(page.signature):
        image = scanlib.scribble(image, box, stamp=False, seed=seed + i)
    return image


DEGRADATIONS = {
    "clean": lambda im: im,
    "upside-down": lambda im: scanlib.rotate(im, 180),
    "sideways": lambda im: scanlib.rotate(im, 90),
    "skew-3": lambda im: scanlib.rotate(im, 3),
    "150-dpi": lambda im: scanlib.resample(im, DPI, 150),
    "noise": lambda im: scanlib.noise(im, 40),
    "blur": lambda im: scanlib.blur(im, 1.5),
    "jpeg-30": lambda im: scanlib.jpeg(im, 30),
    "faded": lambda im: scanlib.fade(im, 0.45),
    "shadow": lambda im: scanlib.shadow(im),
    "perspective": lambda im: scanlib.perspective(im),
    "black-border": lambda im: scanlib.black_border(im, 60),
    "stamp-touching-code": lambda im: scanlib.scribble(im, (0.70, 0.085, 0.88, 0.125), seed=5),
}


# The signature check tells signed from unsigned after every degradation: the scan is aligned
# onto the issued page (codes, then printed structure) before ink is looked for.
SIGNATURE_READABLE = {*DEGRADATIONS, "twice"}


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_degraded_returns_are_filed_right_or_reviewed_never_misfiled(
    ws: Workspace, printed_batch: tuple[Path, list[Printed]], tmp_path: Path
) -> None:
    _, pages = printed_batch
    returning = [p for p in pages if p.returns]
    names = list(DEGRADATIONS)
    scans: list[Image.Image] = []
    truth: list[tuple[str, object]] = []  # (kind, expected ref or reason)
    unsigned = {returning[1].ref, returning[4].ref}
    for i, page in enumerate(returning):
        name = names[i % len(names)]
        image = page.image if page.ref in unsigned else signed(page, seed=i)
        scans.append(DEGRADATIONS[name](image.convert("RGB")))
        truth.append((name, page.ref))
        if i == 2:  # the blank back of a duplex scan
            scans.append(scanlib.blank_page(dpi=DPI, show_through=page.image).convert("RGB"))
            truth.append(("blank", BLANK))
    # The same page fed twice, a foreign code, a forged code, a voided serial.
    scans.append(signed(returning[0], seed=99).convert("RGB"))
    truth.append(("twice", returning[0].ref))
    foreign = Image.new("RGB", returning[0].image.size, "white")
    foreign.paste(
        Image.open(__import__("io").BytesIO(qr_png("HTTPS://U.WECHAT.COM/GROUP/ABC"))).convert(
            "RGB"
        ),
        (400, 400),
    )
    scans.append(foreign)
    truth.append(("foreign", Rejection.FOREIGN.value))
    forged_page = returning[3]
    good = make_payload(load_secret(ws.root), forged_page.ref.serial, "T1")
    fake = Image.open(__import__("io").BytesIO(qr_png(good[:-4] + "AAAA"))).convert("RGB")
    forged = forged_page.image.convert("RGB").copy()
    w, h = forged.size
    forged.paste(fake.resize((int(w * 0.16), int(w * 0.16))), (int(w * 0.8), int(h * 0.025)))
    # ... over both of the part's codes (the second one sits at the bottom left)
    forged.paste(fake.resize((int(w * 0.11), int(w * 0.11))), (int(w * 0.01), int(h * 0.918)))
    scans.append(forged)
    truth.append(("forged", Rejection.FORGED.value))
    # Two of our codes on one page (a slip of another student's form lying on it).
    other = returning[6]
    other_code = Image.open(
        __import__("io").BytesIO(
            qr_png(make_payload(load_secret(ws.root), other.ref.serial, other.ref.part))
        )
    ).convert("RGB")
    overlap = signed(returning[7]).convert("RGB").copy()
    ow, oh = overlap.size
    overlap.paste(
        other_code.resize((int(ow * 0.16), int(ow * 0.16))), (int(ow * 0.04), int(oh * 0.86))
    )
    scans.append(overlap)
    truth.append(("conflict", intake.CONFLICT))
    scan_file = scanlib.make_pdf(scans, tmp_path / "scan-batch-1.pdf", dpi=DPI)
    before = sha(scan_file)

    voided = returning[5].ref
    void(ws, voided.serial, "通知书遗失")

    result = ingest(ws, [scan_file])
    assert sha(scan_file) == before  # the original is never touched
    assert len(result.pages) == len(scans)
    by_page = {p.page: p for p in result.pages}
    registry = ws.registry
    decoded = []
    for page_no, (kind, expected) in enumerate(truth, start=1):
        got = by_page[page_no]
        if kind == "blank":
            assert got.result == BLANK, kind
        elif kind == "conflict":
            assert got.result == REVIEW and got.reason.startswith(expected), got.reason
        elif isinstance(expected, str):
            assert (got.result, got.reason) == (REVIEW, expected), kind
        elif expected.serial == voided.serial:
            assert got.result == REVIEW and got.reason.startswith(VOIDED), kind
        elif got.result == FILED:
            # Never misfiled: the part and the student are those the page was printed for.
            assert (got.serial, got.part) == (expected.serial, expected.part), kind
            owner = registry.serial(expected.serial)["student_id"]
            assert got.student_id == owner and f"archive/{owner}-" in got.target
            assert (ws.root / got.target).exists()
            decoded.append(kind)
        else:
            assert (got.result, got.reason) == (REVIEW, NO_CODE), kind
    # Every degradation of the list is read back (report which if one is not).
    missed = {
        k
        for k, e in truth
        if not isinstance(e, str) and e.serial != voided.serial and k not in decoded
    }
    assert missed == set(), f"not decoded: {missed}"
    # Unsigned returns are flagged, signed ones are not.
    for page_no, (kind, expected) in enumerate(truth, start=1):
        got = by_page[page_no]
        if got.result == FILED and kind in SIGNATURE_READABLE:
            assert got.signed is (expected not in unsigned), (kind, expected, got.signed)
    # The page fed twice is joined with its twin into one PDF of two pages.
    twin = by_page[len(truth) - 3]
    assert twin.target == by_page[1].target
    from pypdf import PdfReader

    assert len(PdfReader(ws.root / twin.target).pages) == 2
    # Review files exist; blanks are set aside quietly (not in the open queue).
    open_items = intake.review_items(ws)
    assert {i.page for i in open_items} == {
        n for n, (k, e) in enumerate(truth, start=1) if by_page[n].result == REVIEW
    }
    assert all((ws.root / i.file).exists() for i in open_items)

    # The same file again: recognised and skipped; nothing filed twice.
    files_before = sorted(p for p in (ws.root / "archive").rglob("*") if p.is_file())
    again = ingest(ws, [scan_file])
    assert again.skipped_files == (scan_file,) and again.pages == ()
    assert sorted(p for p in (ws.root / "archive").rglob("*") if p.is_file()) == files_before


def test_a_new_scan_of_a_filed_part_is_a_new_version(
    ws: Workspace, printed_batch: tuple[Path, list[Printed]], tmp_path: Path
) -> None:
    page = next(p for p in printed_batch[1] if p.returns)
    first = scanlib.make_pdf([signed(page, 1).convert("RGB")], tmp_path / "a.pdf", dpi=DPI)
    second = scanlib.make_pdf(
        [scanlib.noise(signed(page, 2), 20).convert("RGB")], tmp_path / "b.pdf", dpi=DPI
    )
    (one,) = ingest(ws, [first]).pages
    (two,) = ingest(ws, [second]).pages
    assert one.result == two.result == FILED
    assert one.target != two.target and two.target.endswith("-v2.pdf")
    assert (ws.root / one.target).exists() and (ws.root / two.target).exists()


def test_tiff_fax_and_phone_photo(
    ws: Workspace, printed_batch: tuple[Path, list[Printed]], tmp_path: Path
) -> None:
    returning = [p for p in printed_batch[1] if p.returns]
    tiff = scanlib.make_tiff([signed(returning[0]), signed(returning[1])], tmp_path / "fax.tif")
    photo = tmp_path / "photo.jpg"
    scanlib.shadow(signed(returning[2]).convert("RGB")).save(photo, quality=80)
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(tiff, folder / "fax.tif")
    shutil.copy(photo, folder / "photo.jpg")
    (folder / "notes.txt").write_text("not a scan", encoding="utf-8")
    result = ingest(ws, [folder])
    assert result.unsupported == (folder / "notes.txt",)
    got = {(p.serial, p.part) for p in result.pages if p.result == FILED}
    assert got == {(p.ref.serial, p.ref.part) for p in returning[:3]}


def test_crash_mid_scan_loses_nothing_and_a_rerun_completes(
    ws: Workspace,
    printed_batch: tuple[Path, list[Printed]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    returning = [p for p in printed_batch[1] if p.returns][:6]
    scan_file = scanlib.make_pdf(
        [signed(p).convert("RGB") for p in returning], tmp_path / "scan.pdf", dpi=DPI
    )
    real = intake._place
    calls = {"n": 0}

    def crash(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(intake, "_place", crash)
    with pytest.raises(KeyboardInterrupt):
        ingest(ws, [scan_file])
    assert len(ws.registry.scan_pages()) == 2
    assert not list(ws.root.rglob("*.part"))
    monkeypatch.setattr(intake, "_place", real)
    result = ingest(ws, [scan_file])
    assert result.count(FILED) == 4  # the two recorded pages are not done again
    rows = ws.registry.scan_pages()
    assert sorted(r["page"] for r in rows) == [1, 2, 3, 4, 5, 6]
    assert len({r["file"] for r in rows}) == len(ws.registry.archive_files()) == 6


def test_review_assign_and_manifest(
    ws: Workspace, printed_batch: tuple[Path, list[Printed]], tmp_path: Path
) -> None:
    page = next(p for p in printed_batch[1] if p.returns)
    covered = page.image.convert("RGB").copy()
    w, h = covered.size
    covered.paste((255, 255, 255), (int(w * 0.6), 0, w, int(h * 0.2)))  # code torn off
    covered.paste((255, 255, 255), (0, int(h * 0.9), int(w * 0.2), h))  # and the second one
    scan_file = scanlib.make_pdf([covered], tmp_path / "torn.pdf", dpi=DPI)
    (outcome,) = ingest(ws, [scan_file]).pages
    assert (outcome.result, outcome.reason) == (REVIEW, NO_CODE)
    (item,) = intake.review_items(ws)
    with pytest.raises(InputError, match="没有第 999 项"):
        assign(ws, 999, page.ref.serial, page.ref.part, confirmed=True)
    with pytest.raises(InputError, match="联别代码"):
        assign(ws, item.id, page.ref.serial, "Z9", confirmed=True)
    done = assign(ws, item.id, page.ref.serial, page.ref.part, confirmed=True)
    filed = done.outcome
    assert filed.result == FILED and (ws.root / filed.target).exists()
    assert intake.review_items(ws) == []
    with pytest.raises(InputError, match="已于"):
        assign(ws, item.id, page.ref.serial, page.ref.part, confirmed=True)

    out = tmp_path / "manifest.csv"
    n = intake.write_manifest(ws, out)
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == n and list(rows[0]) == [
        "学号",
        "姓名",
        "编号",
        "联别",
        "文件",
        "来源",
        "页码",
        "sha256",
    ]
    scanned = [r for r in rows if r["来源"] == "torn.pdf"]
    assert len(scanned) == 1 and scanned[0]["页码"] == "1"
    assert scanned[0]["sha256"] == sha(ws.root / scanned[0]["文件"])
    issued = [r for r in rows if not r["来源"]]
    assert issued and all((ws.root / r["文件"]).exists() for r in issued)


def test_cli_scan_review_assign_manifest(
    ws: Workspace, printed_batch: tuple[Path, list[Printed]], tmp_path: Path
) -> None:
    page = next(p for p in printed_batch[1] if p.returns)
    blank = scanlib.blank_page(dpi=DPI).convert("RGB")
    torn = page.image.convert("RGB").copy()
    torn.paste((255, 255, 255), (int(torn.width * 0.6), 0, torn.width, int(torn.height * 0.2)))
    torn.paste((255, 255, 255), (0, int(torn.height * 0.9), int(torn.width * 0.2), torn.height))
    scan_file = scanlib.make_pdf(
        [signed(page).convert("RGB"), blank, torn], tmp_path / "s.pdf", dpi=DPI
    )
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 truncated")
    runner = CliRunner()
    root = str(ws.root)
    ws.close()
    r = runner.invoke(cli, ["-w", root, "scan", str(scan_file), str(broken)])
    assert r.exit_code == 1, r.output
    assert "已归档 1 页，待处理 1 页，空白页 1 页" in r.output
    assert "broken.pdf" in r.output and "Traceback" not in r.output
    r = runner.invoke(cli, ["-w", root, "review"])
    assert r.exit_code == 0 and NO_CODE[:6] in r.output
    r = runner.invoke(cli, ["-w", root, "assign", "1", str(page.ref.serial), "Q7"])
    assert r.exit_code == 1 and "联别代码" in r.output
    r = runner.invoke(
        cli, ["-w", root, "assign", "1", str(page.ref.serial), page.ref.part], input="n\n"
    )
    assert r.exit_code == 0 and "将归入" in r.output and "未归档" in r.output
    r = runner.invoke(
        cli, ["-w", root, "assign", "1", str(page.ref.serial), page.ref.part], input="y\n"
    )
    assert r.exit_code == 0 and "已归档到" in r.output and "archive/" not in r.output
    r = runner.invoke(cli, ["-w", root, "archive", "manifest", "-o", str(tmp_path / "m.csv")])
    assert r.exit_code == 0 and (tmp_path / "m.csv").exists()
    # Signature verdicts: every checked page with --all, each area's crop written as a PNG.
    r = runner.invoke(cli, ["-w", root, "review", "--signatures", "--all"], catch_exceptions=False)
    assert r.exit_code == 0 and "已签字" in r.output, r.output
    crops = sorted((Path(root) / "review" / "signatures").glob("*.png"))
    assert crops and all(Image.open(c).size[0] > 50 for c in crops)
    assert f"签字处截图：{crops[0]}" in r.output
    again = Workspace(Path(root))
    (check,) = again.registry.signature_checks()
    again.close()
    assert check.verdict == "signed" and check.areas[0].ink > 0.02
    r = runner.invoke(
        cli,
        ["-w", root, "review", "--confirm", "999", "signed", "--who", "王老师"],
        catch_exceptions=False,
    )
    assert r.exit_code == 1 and "没有第 999 条" in r.output
    r = runner.invoke(
        cli, ["-w", root, "review", "--confirm", str(check.id), "signed"], catch_exceptions=False
    )
    assert r.exit_code == 1 and "--who" in r.output
    r = runner.invoke(
        cli,
        ["-w", root, "review", "--confirm", str(check.id), "maybe", "--who", "王老师"],
        catch_exceptions=False,
    )
    assert r.exit_code == 2  # click refuses a verdict other than signed/unsigned
    r = runner.invoke(
        cli,
        ["-w", root, "review", "--confirm", str(check.id), "unsigned", "--who", "王老师"],
        catch_exceptions=False,
    )
    assert r.exit_code == 0 and "王老师" in r.output and "未签字" in r.output
    again = Workspace(Path(root))
    confirmed = again.registry.signature_check(check.id)
    assert confirmed is not None and confirmed.confirmed == "unsigned"
    (row,) = [f for f in again.registry.archive_files() if f["path"] == check.file]
    assert row["signed"] == 0
    assert again.registry.events("signature-confirm")
    again.close()
    # Nothing uncertain is left to review.
    r = runner.invoke(cli, ["-w", root, "review", "--signatures"], catch_exceptions=False)
    assert r.exit_code == 0 and "没有待复核的签字判定" in r.output
    r = runner.invoke(cli, ["-w", root, "scan", str(tmp_path / "nowhere")], catch_exceptions=False)
    assert r.exit_code == 1 and "找不到" in r.output


def test_an_uncertain_signature_waits_for_a_person(
    ws: Workspace, printed_batch: tuple[Path, list[Printed]], tmp_path: Path
) -> None:
    """A short mark in a blank (a tick, a stray stroke) is not called a signature, but the page
    is listed for a person, with a crop of the area; once confirmed it leaves the list."""
    page = next(p for p in printed_batch[1] if p.returns and p.signature)
    marked = page.image.convert("RGB").copy()
    w, h = marked.size
    x0, y0, x1, y1 = page.signature[0]
    cx, cy = (x0 + x1) / 2 * w, (y0 + y1) / 2 * h
    mm = w / 210
    ImageDraw.Draw(marked).line(
        (cx - 3 * mm, cy, cx + 3 * mm, cy - 0.5 * mm), fill=(30, 30, 90), width=round(0.5 * mm)
    )
    scan_file = scanlib.make_pdf([marked], tmp_path / "tick.pdf", dpi=DPI)
    (outcome,) = ingest(ws, [scan_file]).pages
    assert outcome.result == FILED and outcome.signed is False
    assert outcome.signature is not None and outcome.signature.uncertain
    (review,) = intake.signature_reviews(ws)
    assert review.record.verdict == "unsigned" and review.record.uncertain
    assert review.crops and all(c.exists() and c.suffix == ".png" for c in review.crops)
    assert 0.002 < review.record.areas[0].ink < 0.03
    with pytest.raises(InputError, match="--who"):
        intake.confirm_signature(ws, review.record.id, "signed", " ")
    with pytest.raises(InputError, match="signed"):
        intake.confirm_signature(ws, review.record.id, "yes", "王老师")
    record = intake.confirm_signature(ws, review.record.id, "signed", "王老师")
    assert record.effective == "signed" and record.confirmed_by == "王老师"
    assert intake.signature_reviews(ws) == []


def _wechat_page(size: tuple[int, int]) -> Image.Image:
    """A WeChat group's QR page: a code, but not one of ours."""
    page = Image.new("RGB", size, "white")
    code = Image.open(__import__("io").BytesIO(qr_png("HTTPS://U.WECHAT.COM/GROUP/ABC")))
    page.paste(code.convert("RGB"), (400, 400))
    return page


def test_a_foreign_page_is_not_filed_without_confirmation(
    ws: Workspace, printed_batch: tuple[Path, list[Printed]], tmp_path: Path
) -> None:
    page = next(p for p in printed_batch[1] if p.returns)
    scan_file = scanlib.make_pdf([_wechat_page(page.image.size)], tmp_path / "wx.pdf", dpi=DPI)
    with ws.acting_as("教务员"):
        (outcome,) = ws.scan([scan_file]).pages
    assert (outcome.result, outcome.reason) == (REVIEW, Rejection.FOREIGN.value)
    (item,) = ws.review_items()
    assert item.uploaded_by == "教务员"  # who uploaded it, from which account
    archive_before = sorted(p for p in (ws.root / "archive").rglob("*") if p.is_file())
    # typing a serial shows whose folder and which document, before anything is filed
    preview = ws.assign_preview(item.id, page.ref.serial, page.ref.part)
    student = ws.registry.student(preview.student_id)
    assert student is not None and preview.name == student["name"]
    assert preview.class_name == student["class_name"] and preview.title
    # no part is assumed, and without the confirmation nothing is filed
    with pytest.raises(InputError, match="联别"):
        ws.assign_preview(item.id, page.ref.serial, "")
    with pytest.raises(InputError, match=f"核对.*{preview.name}"):
        ws.assign(item.id, page.ref.serial, page.ref.part, confirmed=False)
    assert sorted(p for p in (ws.root / "archive").rglob("*") if p.is_file()) == archive_before
    assert [i.id for i in ws.review_items()] == [item.id]
    assert not ws.registry.events("assign")


def test_discard_and_duplicate_are_logged_and_the_file_kept(
    ws: Workspace, printed_batch: tuple[Path, list[Printed]], tmp_path: Path
) -> None:
    page = next(p for p in printed_batch[1] if p.returns)
    wx = _wechat_page(page.image.size)
    scan_file = scanlib.make_pdf([wx, scanlib.rotate(wx, 180)], tmp_path / "wx.pdf", dpi=DPI)
    ws.scan([scan_file])
    first, second = ws.review_items()
    kept = {i.id: (ws.root / i.file).read_bytes() for i in (first, second)}
    with ws.acting_as("教务员"):
        gone = ws.set_aside(first.id, "discarded", "微信群二维码页")
        ws.set_aside(second.id, "duplicate")
    assert gone.status == "discarded"
    assert ws.review_items() == []  # off the queue …
    for item in (first, second):  # … and the files where they were, unchanged
        assert (ws.root / item.file).read_bytes() == kept[item.id]
    events = ws.registry.events("review-set-aside")
    assert [e["account"] for e in events] == ["教务员", "教务员"]
    assert "不是本系统材料" in events[0]["detail"] and "微信群二维码页" in events[0]["detail"]
    assert "重复" in events[1]["detail"]
    row = ws.registry.review_item(first.id)
    assert row is not None and (row["decided_by"], row["note"]) == ("教务员", "微信群二维码页")
    # a page set aside can be neither filed nor set aside again
    with pytest.raises(InputError, match="不是本系统材料"):
        ws.assign(first.id, page.ref.serial, page.ref.part, confirmed=True)
    with pytest.raises(InputError, match="处理方式"):
        ws.set_aside(second.id, "deleted")
