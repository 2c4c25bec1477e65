"""The term's other steps in the console (issue #19, item 2): the column mapping of an unknown
export (as ``--map … --save-map``), transcripts per class as a job, signature review with
the crops and a person's verdict, backups as a job (download or a folder) — and their
error paths."""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import SAMPLES, TERM, sample_workspace
from sysparts import requires_soffice

from yujing.web.app import COOKIE, create_app
from yujing.web.jobs import run_next_job
from yujing.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
UNKNOWN = SAMPLES / "exports" / "unknown_system_utf8.csv"
MAPPING = {
    "学号": "学生编号",
    "姓名": "学生姓名",
    "学年": "开课学年",
    "学期": "开课学期",
    "课程代码": "课号",
    "课程名称": "课名",
    "学分": "学分数",
    "成绩": "总评",
    "考试性质": "考试类别",
}


def _signed_in(ws: Workspace, name: str = "sec") -> tuple[TestClient, str]:
    if ws.registry.user(name) is None:
        ws.add_user(name, role="secretary", password="password-1")
    cookie, csrf = ws.open_session(name)
    client = TestClient(create_app(ws.root, worker=False))
    client.cookies.set(COOKIE, cookie)
    return client, csrf


def test_an_unknown_export_gets_a_mapping_form_and_the_mapping_is_saved(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    client, csrf = _signed_in(ws)
    resp = client.post(
        "/imports",
        data={"csrf": csrf, "kind": "grades"},
        files={"files": (UNKNOWN.name, UNKNOWN.read_bytes(), "text/csv")},
    )
    page = resp.text
    # what the CLI says: the file's columns and what is missing; no flag in the console
    assert "文件中的列：学生编号、学生姓名、开课学年、开课学期、课号" in page
    assert 'id="map-form"' in page and "--map" not in page
    missing = re.search(r"缺少：<b>([^<]+)</b>", page)
    assert missing and "学号" in missing.group(1) and "成绩" in missing.group(1)
    for header in ("学生编号", "总评", "考试类别"):
        assert f'<option value="{header}"' in page
    upload = re.search(r'name="file" value="([^"]+)"', page)
    assert upload is not None
    # an incomplete mapping: the form again, with what is still missing
    resp = client.post(
        "/imports/map",
        data={"csrf": csrf, "kind": "grades", "file": upload.group(1), "map.学号": "学生编号"},
    )
    assert resp.status_code == 400 and 'id="map-form"' in resp.text
    assert "--map" not in resp.text
    # the whole mapping, saved for next term
    form = {f"map.{k}": v for k, v in MAPPING.items()}
    resp = client.post(
        "/imports/map",
        data={"csrf": csrf, "kind": "grades", "file": upload.group(1), "save": "1", **form},
    )
    assert resp.status_code == 200, resp.text
    assert "新增 25" in resp.text and "列映射已存入工作区配置" in resp.text
    config = (ws.root / "yujing.toml").read_text("utf-8")
    assert "[import.map.grades]" in config and '"学年" = "开课学年"' in config
    assert 'id="next-assess"' in resp.text  # the next step after a grade import
    # next term's file imports with no mapping given
    again = client.post(
        "/imports",
        data={"csrf": csrf, "kind": "grades"},
        files={"files": (UNKNOWN.name, UNKNOWN.read_bytes(), "text/csv")},
    )
    assert "未变 25" in again.text
    # a forged upload reference is refused
    bad = client.post(
        "/imports/map",
        data={"csrf": csrf, "kind": "grades", "file": "../registry.sqlite", **form},
    )
    assert bad.status_code == 400 and "重新上传" in bad.text
    ws.close()


def test_an_import_without_a_file_says_so_on_the_form(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    client, csrf = _signed_in(ws)
    resp = client.post("/imports", data={"csrf": csrf, "kind": "levels", "for_term": "2024/1"})
    assert resp.status_code == 400
    assert "格式应为 2024-2025-1" in resp.text and 'value="2024/1"' in resp.text
    ws.close()


@pytest.fixture(scope="module")
def issued(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """One class issued, its print.pdf scanned back (unsigned pages: signature checks)."""
    ws = sample_workspace(tmp_path_factory.mktemp("issued") / "ws", freeze=True)
    ws.issue(TERM, classes=["机械2301"])
    batch = ws.registry.batches(TERM)[0]["id"]
    ws.scan([ws.batch_file(batch, "print.pdf")])
    yield ws
    ws.close()


@requires_soffice
def test_transcripts_per_class_as_a_job(issued: Workspace) -> None:
    client, csrf = _signed_in(issued)
    page = client.get(f"/transcripts?term={TERM}").text
    assert 'value="机械2301"' in page and "2024-2025-1-001" in page
    resp = client.post(
        "/transcripts",
        data={"csrf": csrf, "term": str(TERM), "classes": "机械2302"},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    assert run_next_job(issued) is not None
    job = client.get(resp.headers["location"]).text
    assert 'data-status="done"' in job
    names = {e.student_id: e.name for e in issued.saved(TERM).warned}
    made = {e.student_id for e in issued.saved(TERM).warned if e.class_name == "机械2302"}
    assert made and all(names[sid] in job for sid in made)
    for sid in made:
        assert any(f.name.startswith("成绩单") for f in issued.student_folder_files(sid))
    others = [e.student_id for e in issued.saved(TERM).warned if e.class_name != "机械2302"]
    assert not any(
        f.name.startswith("成绩单") for sid in others for f in issued.student_folder_files(sid)
    )
    # a class with nobody on the list: said so, nothing queued
    before = len(issued.registry.jobs())
    resp = client.post(
        "/transcripts", data={"csrf": csrf, "term": str(TERM), "classes": "火星2401"}
    )
    assert resp.status_code == 400 and "没有名单上的学生" in resp.text
    assert len(issued.registry.jobs()) == before


@requires_soffice
def test_signature_review_shows_the_crops_and_records_a_verdict(issued: Workspace) -> None:
    client, csrf = _signed_in(issued)
    page = client.get("/signatures?all=1").text
    checks = [int(n) for n in re.findall(r'id="sig-(\d+)"', page)]
    assert checks, page
    first = checks[0]
    crop = re.search(rf'src="(/signatures/{first}/crop\?n=\d+)"', page)
    assert crop is not None
    image = client.get(crop.group(1))
    assert image.status_code == 200 and image.content[:4] == b"\x89PNG"
    assert client.get(f"/signatures/{first}/crop?n=99").status_code == 400
    resp = client.post(
        f"/signatures/{first}/confirm",
        data={"csrf": csrf, "verdict": "signed", "who": "辅导员 王颖"},
    )
    assert resp.status_code == 200 and "已确认第" in resp.text
    record = next(r for r in issued.registry.signature_checks() if r.id == first)
    assert record.confirmed == "signed" and record.confirmed_by == "辅导员 王颖"
    # a verdict that is neither: refused on the page, nothing recorded
    resp = client.post(
        f"/signatures/{checks[-1]}/confirm", data={"csrf": csrf, "verdict": "maybe", "who": "x"}
    )
    assert resp.status_code == 400 and "签字复核结论应为已签字或未签字" in resp.text
    assert next(r for r in issued.registry.signature_checks() if r.id == checks[-1]).confirmed in (
        None,
        "signed",
    )


def test_a_backup_is_made_in_the_background_and_downloaded(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    client, csrf = _signed_in(ws)
    resp = client.post("/backup", data={"csrf": csrf, "how": "download"}, follow_redirects=False)
    assert resp.status_code == 303
    assert run_next_job(ws) is not None
    job = client.get(resp.headers["location"]).text
    assert 'data-status="done"' in job
    link = re.search(r'href="(/backup/[^"]+\.zip)"', job)
    assert link is not None
    got = client.get(link.group(1))
    assert got.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(got.content)).namelist()
    assert "registry.sqlite" in names and "yujing-backup.json" in names
    assert not any(n.startswith("..") or n.startswith("/") for n in names)
    assert client.get("/backup/..%2Fregistry.sqlite").status_code in (400, 404)
    # into a folder on the server, outside the workspace
    target = tmp_path / "elsewhere"
    client.post("/backup", data={"csrf": csrf, "how": "folder", "folder": str(target)})
    assert run_next_job(ws) is not None
    assert (target / "yujing-backup.json").is_file()
    # a folder inside the workspace is refused by the job, and said so on its page
    resp = client.post(
        "/backup",
        data={"csrf": csrf, "how": "folder", "folder": str(ws.root / "inside")},
        follow_redirects=False,
    )
    assert run_next_job(ws) is not None
    failed = client.get(resp.headers["location"]).text
    assert 'data-status="failed"' in failed and "不能在工作区" in failed
    # no folder given
    resp = client.post("/backup", data={"csrf": csrf, "how": "folder", "folder": ""})
    assert resp.status_code == 400 and "请写明服务器上的备份目录" in resp.text
    ws.close()


def test_a_review_preview_is_rendered_once_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess

    from PIL import Image, ImageDraw

    ws = sample_workspace(tmp_path / "ws", freeze=True)
    photo = tmp_path / "poster.jpg"
    img = Image.new("RGB", (1240, 1754), "white")
    ImageDraw.Draw(img).rectangle((200, 300, 1000, 900), outline="black", width=8)
    img.save(photo, "JPEG")
    ws.scan([photo])
    (item,) = ws.review_items()
    first, media = ws.review_preview(item.id)
    assert media == "image/png" and first[:4] == b"\x89PNG"
    kept = list((ws.root / "review" / "previews").glob("*.png"))
    assert len(kept) == 1

    def no_render(*args: object, **kwargs: object) -> None:
        raise AssertionError("rendered again")

    monkeypatch.setattr(subprocess, "run", no_render)
    again, _ = ws.review_preview(item.id)
    assert again == first
    ws.close()
