"""Background jobs: queued by a request, run by the worker thread, progress and result on
the job's page; a job a stopped server left running is marked interrupted and runs again."""

from __future__ import annotations

import time
import warnings
from pathlib import Path

import pytest
from conftest import TERM, sample_workspace

from yujing.errors import InputError
from yujing.web.app import COOKIE, create_app
from yujing.web.jobs import run_next_job
from yujing.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_a_job_runs_in_the_background_and_shows_its_result(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    ws.assess(TERM)
    ws.add_user("sec", role="secretary", password="password-1")
    cookie, csrf = ws.open_session("sec")
    with TestClient(create_app(ws.root)) as client:  # the lifespan starts the worker
        client.cookies.set(COOKIE, cookie)
        resp = client.post("/audit/verify", data={"csrf": csrf, "term": str(TERM)}, follow_redirects=False)
        assert resp.status_code == 303
        job_url = resp.headers["location"]
        for _ in range(300):
            page = client.get(job_url).text
            if 'data-status="done"' in page or 'data-status="failed"' in page:
                break
            assert 'http-equiv="refresh"' in page  # the page polls while the job runs
            time.sleep(0.1)
        assert 'data-status="done"' in page, page
        assert "检查完成" in page
    job = ws.registry.jobs()[0]
    assert job["status"] == "done" and job["account"] == "sec"
    assert (ws.root / "reports" / f"{TERM} 档案检查报告.html").is_file()
    ws.close()


def test_a_job_left_running_by_a_stopped_server_can_run_again(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    ws.assess(TERM)
    first = ws.start_job("audit", str(TERM), {"verify": True}, "sec")
    claimed = ws.registry.claim_job()
    assert claimed is not None and claimed["id"] == first  # the server died here
    ws.close()
    ws = Workspace(ws.root)
    assert ws.registry.interrupt_running_jobs() == 1  # what the next server start does
    assert ws.registry.job(first)["status"] == "interrupted"  # type: ignore[index]
    again = ws.rerun_job(first, "sec")
    assert run_next_job(ws) == again
    done = ws.registry.job(again)
    assert done is not None and done["status"] == "done", done
    with pytest.raises(InputError, match="没有任务"):
        ws.rerun_job(9999, "sec")
    ws.close()


def test_term_reports_made_in_the_background_and_downloaded(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws", freeze=True)
    ws.add_user("sec", role="secretary", password="password-1")
    ws.add_user("insp", role="inspector", password="password-1")
    client = TestClient(create_app(ws.root, worker=False))
    cookie, csrf = ws.open_session("sec")
    client.cookies.set(COOKIE, cookie)
    resp = client.post("/reports/make", data={"csrf": csrf, "term": str(TERM)}, follow_redirects=False)
    assert resp.status_code == 303
    assert 'data-status="queued"' in client.get(resp.headers["location"]).text
    assert run_next_job(ws) is not None  # what the worker thread does
    assert 'data-status="done"' in client.get(resp.headers["location"]).text
    cookie, _ = ws.open_session("insp")
    client.cookies.set(COOKIE, cookie)
    page = client.get(f"/reports?term={TERM}").text
    names = [p.name for p in (ws.root / "reports").glob("*.docx")]
    assert len(names) == 3 and all(n in page for n in names)
    got = client.get(f"/reports/{names[0]}")
    assert got.status_code == 200 and got.content[:2] == b"PK"
    assert client.get("/reports/..%2Fregistry.sqlite").status_code in (400, 404)
    ws.close()
