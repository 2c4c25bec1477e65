"""The university's one server in a real browser (Debian's chromium driven by Playwright, no
browser download) against a real ``yujing serve -w DIR`` process on a free 127.0.0.1 port:
the 教务处 opens the roll-up and approves beihai's list (its pack says the 教务处 approves); the
督查 draws a sample of folders, records a finding and a rectification deadline; beihai's
secretary sees the deadline on the start page and cannot open the other college. Screenshots go
to ``$YUJING_SCREENSHOTS`` or the test's tmp folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from serverlib import serving
from universitylib import OFFICE, PASSWORD, SUPERVISOR, TERM, build_university, role_account

from yujing.workspace import Workspace

CHROMIUM = Path("/usr/bin/chromium")
playwright_api = pytest.importorskip("playwright.sync_api")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")



@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    folder = build_university(tmp_path)
    with serving(folder, tmp_path) as base:
        yield base, folder


def _sign_in(page: object, url: str, name: str) -> None:
    page.goto(url)  # type: ignore[attr-defined]
    page.fill("input[name=name]", name)  # type: ignore[attr-defined]
    page.fill("input[name=password]", PASSWORD)  # type: ignore[attr-defined]
    page.click("form button.primary")  # type: ignore[attr-defined]
    page.wait_for_load_state()  # type: ignore[attr-defined]


def test_office_supervisor_and_college_in_a_real_browser(
    server: tuple[str, Path], tmp_path: Path
) -> None:
    base, folder = server
    shots = Path(os.environ.get("YUJING_SCREENSHOTS") or tmp_path / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            # the 教务处: the roll-up is the start page; beihai's list approved
            office = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            _sign_in(office, f"{base}/login", OFFICE)
            assert office.url.endswith("/u/rollup")
            ws = Workspace(folder / "art")
            warned = len(ws.report(TERM).warned)
            ws.submit_list(TERM, account="secretary")  # the college submits its list (提交审核)
            ws.close()
            cell = office.locator('#rollup-current tr[data-college="art"] td[data-col="warned"]')
            assert cell.inner_text() == str(warned)
            office.screenshot(path=str(shots / "u1-office-rollup.png"), full_page=True)
            office.click('#rollup-current tr[data-college="art"] a')
            office.wait_for_load_state()
            assert office.locator("#approval-state").inner_text() == "尚未审核。"
            office.fill("#approval input[name=comment]", "同意建立学业预警档案")
            office.click("#approve")
            office.wait_for_load_state()
            assert "已审核同意" in office.locator("#approval-state").inner_text()
            office.screenshot(path=str(shots / "u2-office-approved.png"), full_page=True)
            ws = Workspace(folder / "art")
            assert ws.approval(TERM).approved
            ws.close()
            office.goto(f"{base}/u/c/mech?term={TERM}")
            assert office.locator("#approve").count() == 0  # anshan's list: its own reviewer

            # the 督查: a seeded sample of beihai's folders, a finding, a deadline
            sup = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            _sign_in(sup, f"{base}/login", SUPERVISOR)
            assert sup.url.endswith("/u/inspections")
            sup.select_option("#draw select[name=college]", "art")
            sup.fill("#draw input[name=term]", str(TERM))
            sup.fill("#draw input[name=size]", "2")
            sup.fill("#draw input[name=seed]", "2024")
            sup.click("#draw button")
            sup.wait_for_load_state()
            rows = sup.locator("#sample tbody tr")
            assert rows.count() == 2
            first = rows.nth(0)
            first.locator("input[name=finding]").fill("谈话记录未签字")
            first.locator("button").click()
            sup.wait_for_load_state()
            assert sup.locator("#sample .finding").first.inner_text() == "谈话记录未签字"
            sup.fill("#deadline-form input[name=what]", "补齐抽查档案的谈话记录签字")
            sup.fill("#deadline-form input[name=deadline]", "2030-06-30")
            sup.click("#deadline-form button")
            sup.wait_for_load_state()
            assert "限 2030-06-30 前" in sup.locator(".rect").first.inner_text()
            sup.screenshot(path=str(shots / "u3-supervisor-sample.png"), full_page=True)

            # beihai's secretary sees it on the start page; the other college stays closed
            sec = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
            _sign_in(sec, f"{base}/c/art/login", role_account("secretary"))
            assert "/c/art/list" in sec.url
            banner = sec.locator("#rectification-banner")
            assert "补齐抽查档案的谈话记录签字" in banner.inner_text()
            assert "限 2030-06-30 前" in banner.inner_text()
            sec.screenshot(path=str(shots / "u4-college-deadline.png"), full_page=True)
            sec.goto(f"{base}/c/mech/list")
            assert "/c/mech/login" in sec.url  # not signed in at another college
            sec.goto(f"{base}/u/rollup")
            assert sec.url.startswith(f"{base}/login")  # nor at the university's pages

            # the roll-up tracks the open order
            office.goto(f"{base}/u/rollup?term={TERM}")
            rect = office.locator(
                '#rollup-current tr[data-college="art"] td[data-col="rectifications"]'
            )
            assert rect.inner_text() == "1（2030-06-30）"
        finally:
            browser.close()
