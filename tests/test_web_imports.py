"""The console's import page takes the exports as the 教务 systems write them, old-style .xls
included (a web page saved as .xls here), and refuses a file whose content is not what its
name says."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from conftest import SAMPLES

from yujing.web.app import COOKIE, create_app
from yujing.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def test_an_xls_export_uploads_and_imports_and_a_disguised_one_is_refused(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws", pack="anshan", school="测试学院")
    ws.add_user("sec", role="secretary", password="password-1")
    cookie, csrf = ws.open_session("sec")
    ws.close()
    client = TestClient(create_app(tmp_path / "ws", worker=False))
    client.cookies.set(COOKIE, cookie)
    export = SAMPLES / "exports" / "urp_html_table_gbk.xls"
    resp = client.post(
        "/imports",
        data={"csrf": csrf, "kind": "grades"},
        files={"files": ("URP成绩.xls", export.read_bytes(), "application/vnd.ms-excel")},
    )
    assert resp.status_code == 200, resp.text
    assert "URP 综合教务" in resp.text
    ws = Workspace(tmp_path / "ws")
    try:
        assert len({a.student_id for v in ws.registry.attempts().values() for a in v}) == 5
    finally:
        ws.close()
    resp = client.post(
        "/imports",
        data={"csrf": csrf, "kind": "grades"},
        files={"files": ("成绩.xls", b"MZ\x90\x00 an executable", "application/vnd.ms-excel")},
    )
    assert resp.status_code == 400 and "不符" in resp.text
