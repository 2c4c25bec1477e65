"""The term in a real browser: Debian's chromium driven by Playwright (no browser download),
against one real ``yujing serve`` process on a free 127.0.0.1 port.

The secretary uploads the demo roster and grades, assesses, opens the student check; a student
opens their link and objects; the reviewer approves; the secretary freezes, issues two classes
and downloads print.pdf; a counsellor sees only their students, records an interview and
uploads a photographed, signed receipt that lands in the right folder (and a page of another
counsellor's student is refused); the inspector's audit changes. Screenshots go to
``$YUJING_SCREENSHOTS`` (docs/console/ for the README) or the test's tmp folder.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import scanlib
from serverlib import serving

from yujing.model import Term
from yujing.workspace import Workspace

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DEMO = Path(__file__).resolve().parent.parent / "demo" / "data"
TERM = Term.parse("2024-2025-1")
MINE = "机械2201"  # 马颖's class
OTHERS = "车辆2201"  # 熊芳晶's class
PASSWORDS = {
    "教务员": "demo-secretary",
    "副院长": "demo-reviewer",
    "马颖": "demo-counsellor",
    "督导": "demo-inspector",
}

playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium"),
    pytest.mark.skipif(shutil.which("soffice") is None, reason="issuing needs LibreOffice"),
    pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="needs poppler-utils"),
]




def _shot(page: Any, path: Path, **options: Any) -> None:
    """A screenshot for docs/console/. A page that is still navigating (the job page reloads
    itself) can refuse a capture; the test waits for the page to settle and takes it again —
    a picture is not what the test asserts."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        page.screenshot(path=path, **options)
    except PlaywrightError:
        page.wait_for_load_state()
        page.screenshot(path=path, **options)

@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("YUJING_SCREENSHOTS") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "ws"
    ws = Workspace.init(root, pack="anshan", school="鞍山师范学院")
    policy = root / "pack" / "policy.toml"  # this college's rules ask for the reviewer's approval
    policy.write_text(
        policy.read_text(encoding="utf-8").replace(
            "[policy]\n", "[policy]\nfreeze_needs_approval = true\n", 1
        ),
        encoding="utf-8",
    )
    ws.add_user("教务员", role="secretary", password=PASSWORDS["教务员"])
    ws.add_user("副院长", role="reviewer", password=PASSWORDS["副院长"])
    ws.add_user(  # made before the roster is imported (in the browser, below)
        "马颖", role="counsellor", roster_name="马颖", password=PASSWORDS["马颖"], allow_unknown=True
    )
    ws.add_user("督导", role="inspector", password=PASSWORDS["督导"])
    ws.close()
    with serving(root, tmp_path) as base:
        yield base, root


def _login(page: object, base: str, name: str) -> None:
    page.goto(f"{base}/login")  # type: ignore[attr-defined]
    page.fill("input[name=name]", name)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORDS[name])  # type: ignore[attr-defined]
    page.click("button.primary")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def _wait_job(page: object, timeout_s: float = 900) -> str:
    """The job page refreshes itself every second until the job ends."""
    finished = ", ".join(
        f"#job-status[data-status={s}]" for s in ("done", "failed", "interrupted")
    )
    page.wait_for_selector(finished, timeout=timeout_s * 1000)  # type: ignore[attr-defined]
    return str(page.get_attribute("#job-status", "data-status"))  # type: ignore[attr-defined]


def _problems(page: object) -> dict[str, int]:
    cells = page.query_selector_all("#problems td[data-problem]")  # type: ignore[attr-defined]
    return {c.get_attribute("data-problem"): int(c.inner_text()) for c in cells}


def _photo(root: Path, serial: int, part: str, out: Path) -> Path:
    """A phone photo of the issued page ``part`` of ``serial``, signed in its areas."""
    import pypdfium2

    from yujing.archive.signature import issued_page
    from yujing.forms import part_by_code

    ws = Workspace(root)
    issued = next(r for r in ws.registry.issued_parts(serial) if r["part"] == part)
    form, _ = part_by_code(ws.forms, part)
    page_no = [p.code for p in form.parts].index(part) + 1
    ws.close()
    pdf_path = root / issued["file"]
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    image = pdf[page_no - 1].render(scale=150 / 72).to_pil().convert("RGB")
    pdf.close()
    for i, box in enumerate(a.box for a in issued_page(pdf_path, page_no).areas):
        image = scanlib.scribble(image, box, stamp=False, seed=i)
    image = scanlib.shadow(scanlib.rotate(image, 2.5))
    buf = io.BytesIO()
    image.save(buf, format="JPEG", quality=80)
    out.write_bytes(buf.getvalue())
    return out


def _without_code(photo: Path, out: Path) -> Path:
    """The same photo with its QR code torn off (every corner painted over)."""
    from PIL import Image, ImageDraw

    image = Image.open(photo).convert("RGB")
    w, h = image.size
    draw = ImageDraw.Draw(image)
    for x, y in ((0, 0), (w * 0.7, 0), (0, h * 0.8), (w * 0.7, h * 0.8)):
        draw.rectangle((x, y, x + w * 0.3, y + h * 0.2), fill=(250, 250, 248))
    image.save(out, format="JPEG", quality=85)
    return out


def test_the_term_in_a_browser(server: tuple[str, Path], shots: Path, tmp_path: Path) -> None:
    base, root = server
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            _term(browser, base, root, shots, tmp_path)
        finally:
            browser.close()


def _term(browser: object, base: str, root: Path, shots: Path, tmp_path: Path) -> None:
    desk = {"viewport": {"width": 1360, "height": 900}, "accept_downloads": True}
    # -- the secretary: sign in, import, assess, open the student check
    sec = browser.new_context(**desk).new_page()  # type: ignore[attr-defined]
    sec.goto(f"{base}/login")
    _shot(sec, path=shots / "01-login.png")
    _login(sec, base, "教务员")
    sec.goto(f"{base}/imports")
    sec.select_option("select[name=kind]", "roster")
    sec.set_input_files("input[name=files]", [str(DEMO / "学生名单.xlsx")])
    sec.click("button.primary")
    assert "新增 300" in sec.inner_text("main")
    sec.select_option("select[name=kind]", "grades")
    grades = sorted(DEMO.glob("成绩_*.csv")) + sorted(DEMO.glob("成绩_*.xlsx"))
    sec.set_input_files("input[name=files]", [str(g) for g in grades])
    sec.click("button.primary")
    assert sec.inner_text("main").count("新增") >= len(grades)
    _shot(sec, path=shots / "02-imports.png", full_page=False)

    sec.goto(f"{base}/list")
    sec.fill("input[name=term]", str(TERM))
    sec.click("form[action='/assess'] button")
    assert "名单（草稿）" in sec.inner_text(".ok")
    warned = sec.query_selector_all("#warned tbody tr")
    assert len(warned) > 10
    assert "新增" in sec.inner_text("#warned")
    _shot(sec, path=shots / "03-list.png")
    sec.click("form[action='/review-window'] button")
    assert "核查链接" in sec.inner_text(".ok")
    _shot(sec, path=shots / "04-slips.png")
    links = [e.inner_text() for e in sec.query_selector_all(".slip .link")]
    assert len(links) == len(warned)

    # -- a student opens their link and objects
    student = browser.new_context(viewport={"width": 390, "height": 844}).new_page()  # type: ignore[attr-defined]
    student.goto(links[0])
    own = student.inner_text("main")
    assert "预警等级" in own
    student.fill("textarea[name=reason]", "补考成绩未录入")
    student.click("button[value=object]")
    assert "异议已交" in student.inner_text("main")
    _shot(student, path=shots / "05-student-check.png", full_page=True)
    student.goto(f"{base}/list")
    assert "/login" in student.url  # a link opens nothing else

    sec.goto(f"{base}/objections?term={TERM}")
    assert "补考成绩未录入" in sec.inner_text("main")
    sec.select_option(".objection select[name=outcome]", "upheld")
    sec.fill(".objection input[name=note]", "经教务系统核实，补考成绩已录入")
    sec.click(".objection button.primary")
    assert "已登记" in sec.inner_text(".ok")

    # freezing before the reviewer approved is refused; the secretary submits for review
    sec.goto(f"{base}/list")
    assert sec.is_disabled("form[action='/freeze'] button")
    assert "须先提交审核" in sec.inner_text("#freeze")
    sec.click("form[action='/submit'] button")
    assert "已提交审核" in sec.inner_text(".ok")

    # -- the reviewer's start page lists what waits; the reviewer approves
    rev = browser.new_context(**desk).new_page()  # type: ignore[attr-defined]
    _login(rev, base, "副院长")
    assert "/approvals" in rev.url
    waiting = rev.inner_text("main")
    assert f"{TERM} 名单" in waiting and "异议 1" in waiting
    rev.fill("input[name=comment]", "同意，按期发放通知书")
    rev.click("button[value=approve]")
    assert "已审核同意" in rev.inner_text(".ok")
    _shot(rev, path=shots / "06-reviewer.png")
    assert rev.goto(f"{base}/print").status == 403

    # -- the secretary freezes, issues two classes, downloads print.pdf
    sec.goto(f"{base}/list")
    sec.on("dialog", lambda d: d.accept())
    sec.click("form[action='/freeze'] button")
    assert "已冻结" in sec.inner_text(".ok")
    sec.click("text=只发部分班级或等级")
    sec.check(f"input[name=classes][value='{MINE}']")
    sec.check(f"input[name=classes][value='{OTHERS}']")
    sec.click("form[action='/issue'] button.primary")
    _shot(sec, path=shots / "07-issue-progress.png")
    assert _wait_job(sec) == "done", sec.inner_text("main")
    _shot(sec, path=shots / "08-issue-done.png")
    with sec.expect_download() as dl:
        sec.click("text=下载 print.pdf")
    pdf = tmp_path / "print.pdf"
    dl.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    from pypdf import PdfReader

    assert len(PdfReader(pdf).pages) > 4
    sec.goto(f"{base}/print")
    with sec.expect_download() as dl:
        sec.click("a[href$='/covers.pdf']")
    covers = tmp_path / "covers.pdf"
    dl.value.save_as(covers)
    assert len(PdfReader(covers).pages) == 2  # one cover sheet per class
    _shot(sec, path=shots / "08b-print.png")

    ws = Workspace(root)
    roster = ws.registry.students()
    serials = ws.registry.active_serials(TERM)
    ws.close()
    mine = sorted(s for s in serials if roster[s].counsellor == "马颖")
    theirs = sorted(s for s in serials if roster[s].counsellor != "马颖")
    assert mine and theirs
    sid = mine[0]
    receipt = _photo(root, serials[sid], "N1", tmp_path / "回执照片.jpg")
    foreign = _photo(root, serials[theirs[0]], "N1", tmp_path / "别人的回执.jpg")

    # -- the inspector's audit before the counsellor's work
    insp = browser.new_context(**desk).new_page()  # type: ignore[attr-defined]
    _login(insp, base, "督导")
    assert "/audit" in insp.url
    before = _problems(insp)
    assert before.get("缺失", 0) > 0

    # -- the counsellor: only their students, an interview, a photographed receipt
    phone = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
    cou = browser.new_context(**phone).new_page()  # type: ignore[attr-defined]
    _login(cou, base, "马颖")
    table = cou.inner_text("#due")
    classes = {r.inner_text() for r in cou.query_selector_all("#due tbody tr td:nth-child(2)")}
    assert classes and classes <= {"机械2201", "机械2202"}
    assert roster[theirs[0]].student_id not in table
    _shot(cou, path=shots / "09-counsellor-start.png", full_page=True)
    assert cou.goto(f"{base}/students/{theirs[0]}").status == 403
    cou.goto(f"{base}/students/{sid}?term={TERM}")
    cou.select_option("select[name=kind]", "interview")
    cou.fill("textarea[name=summary]", "分析挂科原因，制定补考复习计划")
    cou.click("#record button.primary")
    assert "已登记谈话记录" in cou.inner_text(".ok")
    _shot(cou, path=shots / "10-counsellor-student.png", full_page=True)

    cou.goto(f"{base}/my/upload")
    _shot(cou, path=shots / "11-counsellor-upload.png")
    # separate buttons: 拍照 opens the camera for one page; 选择文件/PDF takes several, no camera
    camera = cou.query_selector("#pick-camera input")
    files = cou.query_selector("#pick-files input")
    assert camera is not None and files is not None
    assert camera.get_attribute("capture") == "environment" and camera.get_attribute("multiple") is None
    assert files.get_attribute("capture") is None and files.get_attribute("multiple") is not None
    for pick in ("#pick-camera", "#pick-files"):
        box = cou.query_selector(pick).bounding_box()  # type: ignore[union-attr]
        assert box is not None and box["width"] >= 44 and box["height"] >= 44
    cou.set_input_files("#pick-files input", [str(receipt)])
    cou.click("button.primary")
    assert _wait_job(cou, 300) == "done", cou.inner_text("main")
    assert "已归档 1 页" in cou.inner_text("main")
    _shot(cou, path=shots / "12-counsellor-filed.png", full_page=True)
    folder = next((root / "archive").glob(f"{sid}-*"))
    filed = [f.name for f in (folder / str(TERM)).iterdir() if "回收" in f.name]
    assert filed, list((folder / str(TERM)).iterdir())

    cou.goto(f"{base}/my/upload")
    cou.set_input_files("#pick-files input", [str(foreign)])
    cou.click("button.primary")
    assert _wait_job(cou, 300) == "failed"
    assert "不是您名下" in cou.inner_text("main")
    other_folder = next((root / "archive").glob(f"{theirs[0]}-*"))
    assert not [f for f in (other_folder / str(TERM)).iterdir() if "回收" in f.name]

    # a photo without a readable code: 请重拍 with the reason, not silently queued
    torn = _without_code(foreign, tmp_path / "二维码撕掉了.jpg")
    cou.goto(f"{base}/my/upload")
    cou.set_input_files("#pick-camera input", [str(torn)])
    cou.click("button.primary")
    assert _wait_job(cou, 300) == "done"
    retake = cou.inner_text("#job-problems")
    assert "请重拍" in retake and "读不出二维码" in retake
    assert cou.query_selector("form[action$='/send-on'] button") is not None
    _shot(cou, path=shots / "16-counsellor-retake.png", full_page=True)
    _thumb_sized(cou, base, sid)

    # -- the secretary files a page whose code was torn off from the review queue, by a click
    sec.goto(f"{base}/scans")
    sec.set_input_files("input[name=files]", [str(torn)])
    sec.click("button.primary")
    assert _wait_job(sec, 300) == "done"
    assert "待处理 1 页" in sec.inner_text("main")
    sec.goto(f"{base}/review")
    sec.wait_for_load_state("load")  # the page image is in (rendered by its route)
    box = sec.query_selector(".review img").bounding_box()  # type: ignore[union-attr]
    assert box is not None and box["height"] > box["width"] > 100  # an A4 page, not a broken icon
    assert "上传：教务员" in sec.inner_text(".review")  # who uploaded it, from which account
    assert sec.input_value(".review select[name=part]") == ""  # no part preselected
    sec.fill(".review input[name=serial]", str(serials[theirs[0]]))
    sec.select_option(".review select[name=part]", "N1")
    _shot(sec, path=shots / "14-review-queue.png")
    sec.click(".review form[action$='/assign'] button")
    # the page beside whose it would be: nothing is filed before the confirmation
    confirm = sec.inner_text(".review .confirm")
    assert roster[theirs[0]].name in confirm and roster[theirs[0]].class_name in confirm
    assert not [f for f in (other_folder / str(TERM)).iterdir() if "人工归档" in f.name]
    _shot(sec, path=shots / "14b-review-confirm.png")
    sec.click(".review .confirm button.primary")
    assert theirs[0] in sec.inner_text(".ok") and "archive" not in sec.inner_text(".ok")
    assert [f for f in (other_folder / str(TERM)).iterdir() if "人工归档" in f.name]

    _secretary_steps(sec, base, root, shots, tmp_path)

    # -- the inspector sees the audit change
    insp.goto(f"{base}/audit")
    after = _problems(insp)
    assert after.get("缺失", 0) < before["缺失"], (before, after)
    _shot(insp, path=shots / "13-inspector-audit.png")
    insp.goto(f"{base}/students/{sid}?term={TERM}")
    assert "谈话记录" in insp.inner_text("main")
    assert insp.query_selector("#record") is None  # read-only
    ws = Workspace(root)
    events = ws.registry.events()
    ws.close()
    accounts = {e["action"]: e["account"] for e in events}
    assert accounts["approve"] == "副院长"
    assert accounts["freeze"] == "教务员"
    assert accounts["student-objection"] == "-"
    assert any(e["action"] == "access-denied" and e["account"] == "马颖" for e in events)


def _thumb_sized(cou: object, base: str, sid: str) -> None:
    """On the phone: no sideways scrolling, targets at least 44×44 px, the whole student card
    opens the student, the parent's number is a tel: link."""
    cou.goto(f"{base}/my?term={TERM}")  # type: ignore[attr-defined]
    width = cou.evaluate("document.scrollingElement.scrollWidth")  # type: ignore[attr-defined]
    assert width <= 390, width
    for selector in ("header .who button", "header .who a", ".student-link", "a.button.primary"):
        box = cou.query_selector(selector).bounding_box()  # type: ignore[attr-defined]
        assert box["width"] >= 44 and box["height"] >= 44, (selector, box)
    row = cou.query_selector("#due tbody tr")  # type: ignore[attr-defined]
    row.query_selector("td:last-child").click()  # the card, away from its link
    cou.wait_for_load_state()  # type: ignore[attr-defined]
    assert "/students/" in cou.url  # type: ignore[attr-defined]
    cou.goto(f"{base}/students/{sid}?term={TERM}")  # type: ignore[attr-defined]
    for link in cou.query_selector_all("td a.tap"):  # type: ignore[attr-defined]
        box = link.bounding_box()
        assert box["width"] >= 44 and box["height"] >= 44, box
    tel = cou.query_selector("a[href^='tel:']")  # type: ignore[attr-defined]
    if tel is not None:
        assert tel.get_attribute("href")[4:].lstrip("+").isdigit()
    assert cou.query_selector("#due") is not None  # this term's due items, before the files
    html = cou.content()  # type: ignore[attr-defined]
    assert html.index('id="due"') < html.index("档案文件")


def _secretary_steps(sec: object, base: str, root: Path, shots: Path, tmp_path: Path) -> None:
    """The secretary's other steps: transcripts per class, signature review, a backup, the
    mapping of an unknown export; a term picker; the styled 404."""
    sec.goto(f"{base}/print?term={TERM}")  # type: ignore[attr-defined]
    assert sec.query_selector("select[name=term]") is not None  # type: ignore[attr-defined]
    assert sec.query_selector("#next-step a") is not None  # type: ignore[attr-defined]
    sec.goto(f"{base}/transcripts?term={TERM}")  # type: ignore[attr-defined]
    sec.check(f"input[name=classes][value='{MINE}']")  # type: ignore[attr-defined]
    sec.click("button.primary")  # type: ignore[attr-defined]
    assert _wait_job(sec, 300) == "done", sec.inner_text("main")  # type: ignore[attr-defined]
    assert "已为" in sec.inner_text("main")  # type: ignore[attr-defined]
    _shot(sec, path=shots / "15-transcripts.png", full_page=True)  # type: ignore[attr-defined]

    sec.goto(f"{base}/signatures?all=1")  # type: ignore[attr-defined]
    cards = sec.query_selector_all("section[id^=sig-]")  # type: ignore[attr-defined]
    assert cards, sec.inner_text("main")  # type: ignore[attr-defined]
    sec.wait_for_load_state("load")  # type: ignore[attr-defined]
    crop = cards[0].query_selector(".crops img")
    assert crop is not None and crop.evaluate("i => i.naturalWidth") > 20
    _shot(sec, path=shots / "17-signatures.png")  # type: ignore[attr-defined]
    cards[0].query_selector("button[value=signed]").click()
    assert "已确认第" in sec.inner_text(".ok")  # type: ignore[attr-defined]

    sec.goto(f"{base}/backup")  # type: ignore[attr-defined]
    sec.click("button.primary")  # type: ignore[attr-defined]
    assert _wait_job(sec, 300) == "done", sec.inner_text("main")  # type: ignore[attr-defined]
    _shot(sec, path=shots / "18-backup.png")  # type: ignore[attr-defined]
    with sec.expect_download() as dl:  # type: ignore[attr-defined]
        sec.click("a[href^='/backup/']")  # type: ignore[attr-defined]
    saved = tmp_path / "backup.zip"
    dl.value.save_as(saved)
    import zipfile

    assert "registry.sqlite" in zipfile.ZipFile(saved).namelist()

    unknown = Path(__file__).parent / "samples" / "exports" / "unknown_system_utf8.csv"
    sec.goto(f"{base}/imports")  # type: ignore[attr-defined]
    sec.select_option("select[name=kind]", "grades")  # type: ignore[attr-defined]
    sec.set_input_files("input[name=files]", [str(unknown)])  # type: ignore[attr-defined]
    sec.click("button.primary")  # type: ignore[attr-defined]
    assert "文件中的列：学生编号" in sec.inner_text("main")  # type: ignore[attr-defined]
    mapping = {
        "学号": "学生编号", "姓名": "学生姓名", "学年": "开课学年", "学期": "开课学期",
        "课程代码": "课号", "课程名称": "课名", "学分": "学分数", "成绩": "总评",
        "考试性质": "考试类别",
    }  # fmt: skip
    for field, header in mapping.items():
        sec.select_option(f"select[name='map.{field}']", header)  # type: ignore[attr-defined]
    _shot(sec, path=shots / "19-import-map.png", full_page=True)  # type: ignore[attr-defined]
    sec.click("#map-form button.primary")  # type: ignore[attr-defined]
    assert "列映射已存入工作区配置" in sec.inner_text("main")  # type: ignore[attr-defined]
    assert "[import.map.grades]" in (root / "yujing.toml").read_text("utf-8")

    resp = sec.goto(f"{base}/no/such/page")  # type: ignore[attr-defined]
    assert resp.status == 404 and "没有这个页面" in sec.inner_text("main")  # type: ignore[attr-defined]
