"""A fault of ours in a console page: the user gets a Chinese page (HTTP 500) without a
traceback, and the server log has the traceback."""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import pytest
from conftest import TERM, sample_workspace

from yujing.web.app import COOKIE, create_app
from yujing.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_an_unexpected_fault_shows_a_plain_page_and_logs_the_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    ws = sample_workspace(tmp_path / "ws")
    ws.assess(TERM)
    ws.add_user("sec", role="secretary", password="password-1")
    cookie, _ = ws.open_session("sec")
    ws.close()

    def broken(self: Workspace, term: object) -> None:
        raise RuntimeError("an internal fault")

    monkeypatch.setattr(Workspace, "report", broken)
    client = TestClient(create_app(tmp_path / "ws", worker=False), raise_server_exceptions=False)
    client.cookies.set(COOKIE, cookie)
    with caplog.at_level(logging.ERROR, logger="yujing.web"):
        resp = client.get(f"/list?term={TERM}")
    assert resp.status_code == 500
    assert "控制台内部出错" in resp.text
    assert "Traceback" not in resp.text and "an internal fault" not in resp.text
    assert any("an internal fault" in (r.exc_text or "") or r.exc_info for r in caplog.records)
    # the fault mended, the same page works again in the same server
    monkeypatch.undo()
    assert client.get(f"/list?term={TERM}").status_code == 200
