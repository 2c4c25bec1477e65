"""Bounded work per upload (issue #18 item 3): a PDF page is measured before it is rendered,
pages per upload and per job are limited, a job has a time limit and can be cancelled from
the console between its pages, and each queue has its own worker so an upload never holds
back the secretary's audit."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import TERM, sample_workspace
from pypdf import PdfWriter
from sysparts import requires

import yujing.jobs
import yujing.web.jobs
from yujing.archive.reader import MAX_PIXELS, page_count, render_pdf_page
from yujing.errors import AccessDeniedError, InputError, UnreadableFileError
from yujing.jobs import QUEUES
from yujing.web.app import COOKIE, create_app
from yujing.web.jobs import run_next_job
from yujing.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PASSWORD = "password-1"


def blank_pdf(path: Path, pages: int, size: tuple[float, float] = (595, 842)) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=size[0], height=size[1])
    with path.open("wb") as fh:
        writer.write(fh)
    return path


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = sample_workspace(tmp_path / "ws")
    ws.assess(TERM)
    ws.add_user("sec", role="secretary", password=PASSWORD)
    ws.add_user("ma", role="counsellor", classes=["机械2301"], password=PASSWORD)
    ws.add_user("li", role="counsellor", classes=["机械2302"], password=PASSWORD)
    yield ws
    ws.close()


def _upload(ws: Workspace, pdf: Path) -> str:
    return str(ws.save_upload("scan", pdf.name, pdf.read_bytes()).relative_to(ws.root))


def test_a_huge_pdf_page_is_refused_before_it_is_rendered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pypdfium2 as pdfium

    bomb = blank_pdf(tmp_path / "bomb.pdf", 1, (5000, 5000))  # 5000 pt: 193 Mpx at 200 dpi
    assert bomb.stat().st_size < 1000

    def never(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("rendered before its size was checked")

    monkeypatch.setattr(pdfium.PdfPage, "render", never)
    with pytest.raises(UnreadableFileError, match="13889×13889 像素"):
        render_pdf_page(bomb, 1, 200)
    assert MAX_PIXELS < (5000 * 200 / 72) ** 2
    # a normal page at the same resolution is still rendered
    monkeypatch.undo()
    assert render_pdf_page(blank_pdf(tmp_path / "a4.pdf", 1), 1, 200).size == (1653, 2339)


def test_scanning_a_huge_page_reports_it_and_files_nothing(ws: Workspace, tmp_path: Path) -> None:
    result = ws.scan([blank_pdf(tmp_path / "bomb.pdf", 1, (5000, 5000))])
    assert any("万像素" in e for e in result.errors), result
    assert not ws.registry.archive_files()


def test_pages_per_upload_and_per_job_are_limited(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yujing.jobs, "MAX_PAGES_PER_UPLOAD", 3)
    monkeypatch.setattr(yujing.jobs, "MAX_PAGES_PER_JOB", 5)
    four = _upload(ws, blank_pdf(tmp_path / "four.pdf", 4))
    assert page_count(ws.root / four) == 4
    with pytest.raises(InputError, match=r"four\.pdf 有 4 页，超过每个文件 3 页"):
        ws.start_job("scan", "", {"paths": [four]}, "ma")
    three = [_upload(ws, blank_pdf(tmp_path / f"three{i}.pdf", 3)) for i in range(2)]
    with pytest.raises(InputError, match="共 6 页，超过每个任务 5 页"):
        ws.start_job("scan", "", {"paths": three}, "ma")
    assert not ws.registry.jobs()
    job = ws.start_job("scan", "", {"paths": three[:1]}, "ma")
    assert ws.registry.job(job)["pages"] == 3  # type: ignore[index]


def test_the_console_refuses_an_upload_of_too_many_pages(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(yujing.jobs, "MAX_PAGES_PER_UPLOAD", 3)
    client = TestClient(create_app(ws.root, worker=False))
    cookie, csrf = ws.open_session("ma")
    client.cookies.set(COOKIE, cookie)
    pdf = blank_pdf(tmp_path / "many.pdf", 4).read_bytes()
    resp = client.post(
        "/my/upload", data={"csrf": csrf}, files={"file": ("many.pdf", pdf, "application/pdf")}
    )
    assert resp.status_code == 400 and "超过每个文件 3 页" in resp.text
    assert not ws.registry.jobs()


def test_a_job_past_its_time_limit_is_stopped_between_pages(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    monkeypatch.setattr(yujing.jobs, "TIME_LIMITS", {"scan": timedelta(seconds=0)})
    job = ws.start_job(
        "scan", "", {"paths": [_upload(ws, blank_pdf(tmp_path / "two.pdf", 2))]}, "sec"
    )
    assert run_next_job(ws, QUEUES["uploads"]) == job
    row = ws.registry.job(job)
    assert row is not None and row["status"] == "failed" and "时限" in row["message"]
    assert ws.registry.events("job-stopped")


def test_a_running_job_is_cancelled_between_pages(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = _upload(ws, blank_pdf(tmp_path / "three.pdf", 3))
    job = ws.start_job("scan", "", {"paths": [pdf]}, "ma")
    owner = ws.registry.user("ma")
    assert owner is not None
    real = yujing.web.jobs.run_job
    pages_seen: list[tuple[int, int]] = []

    def cancelled_while_running(w: Any, kind: str, term: str, params: dict, progress: Any) -> Any:
        console = Workspace(ws.root)  # the owner presses 取消 in another request
        try:
            assert console.cancel_job(job, owner) == "running"
        finally:
            console.close()

        def watch(done: int, total: int) -> None:
            pages_seen.append((done, total))
            progress(done, total)

        return real(w, kind, term, params, watch)

    monkeypatch.setattr(yujing.web.jobs, "run_job", cancelled_while_running)
    assert run_next_job(ws) == job
    row = ws.registry.job(job)
    assert row is not None and row["status"] == "cancelled", row
    assert "已取消" in row["message"]
    assert len(pages_seen) == 1  # stopped at the first page, not after the whole file
    assert not ws.registry.archive_files()


def test_cancel_from_the_console_owner_or_secretary_only(ws: Workspace, tmp_path: Path) -> None:
    client = TestClient(create_app(ws.root, worker=False))

    def post(account: str, job: int) -> Any:
        cookie, csrf = ws.open_session(account)
        client.cookies.set(COOKIE, cookie)
        return client.post(f"/jobs/{job}/cancel", data={"csrf": csrf}, follow_redirects=False)

    pdf = _upload(ws, blank_pdf(tmp_path / "one.pdf", 1))
    mine = ws.start_job("scan", "", {"paths": [pdf]}, "ma")
    assert post("li", mine).status_code == 403
    assert ws.registry.job(mine)["status"] == "queued"  # type: ignore[index]
    resp = post("ma", mine)
    assert resp.status_code == 303
    page = client.get(resp.headers["location"])
    assert 'data-status="cancelled"' in page.text and "任务已取消" in page.text
    other = ws.start_job("audit", str(TERM), {}, "sec")
    assert post("sec", other).status_code == 303
    with pytest.raises(InputError, match="已取消"):
        ws.cancel_job(other, ws.registry.user("sec"))  # type: ignore[arg-type]
    with pytest.raises(AccessDeniedError):
        third = ws.start_job("audit", str(TERM), {}, "sec")
        ws.cancel_job(third, ws.registry.user("ma"))  # type: ignore[arg-type]
    assert run_next_job(ws) == third  # a cancelled job is never run; the third one is


def test_an_upload_never_holds_back_the_secretarys_audit(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()
    real = yujing.web.jobs.run_job

    def slow_scan(w: Any, kind: str, term: str, params: dict, progress: Any) -> Any:
        if kind == "scan":
            release.wait(60)  # a phone's 99,000-page upload, still going
        return real(w, kind, term, params, progress)

    monkeypatch.setattr(yujing.web.jobs, "run_job", slow_scan)
    scan = ws.start_job(
        "scan", "", {"paths": [_upload(ws, blank_pdf(tmp_path / "p.pdf", 1))]}, "ma"
    )
    with TestClient(create_app(ws.root)):  # the lifespan starts a worker per queue
        audit = ws.start_job("audit", str(TERM), {}, "sec")
        for _ in range(600):
            if ws.registry.job(audit)["status"] == "done":  # type: ignore[index]
                break
            time.sleep(0.1)
        assert ws.registry.job(audit)["status"] == "done"  # type: ignore[index]
        assert ws.registry.job(scan)["status"] == "running"  # type: ignore[index]
        release.set()
        for _ in range(600):
            if ws.registry.job(scan)["status"] != "running":  # type: ignore[index]
                break
            time.sleep(0.1)
    assert ws.registry.job(scan)["status"] == "done"  # type: ignore[index]


@requires("poppler")
def test_the_review_preview_of_a_huge_page_is_bounded(ws: Workspace, tmp_path: Path) -> None:
    """A page that reaches the review queue (a scanned image on a 14,000-pt page) is shown at
    most 2000×2000 pixels: pdftoppm is not asked for 190 million."""
    import io

    from PIL import Image

    (ws.root / "review").mkdir(exist_ok=True)
    blank_pdf(ws.root / "review" / "huge.pdf", 1, (14000, 14000))
    with ws.registry.transaction():
        ws.registry.add_review_item(
            {
                "source_sha": "x",
                "source_name": "huge.pdf",
                "page": 1,
                "file": "review/huge.pdf",
                "reason": "test",
                "codes": "",
                "status": "open",
                "at": "2026-01-01T00:00:00",
            }
        )
    (item,) = ws.registry.review_items(include_blank=True)
    content, media = ws.review_preview(int(item["id"]))
    assert media == "image/png"
    width, height = Image.open(io.BytesIO(content)).size
    assert width <= 2000 and height <= 2000
