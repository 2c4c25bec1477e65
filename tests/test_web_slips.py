"""The student check slips (学生核查条) print links that students' phones can open: the
console's public address from yujing.toml (``[web] public_url``) when set, else the address the
page was asked at — with a warning when that is this machine (127.0.0.1), which no phone
reaches. The QR code on each slip is decoded and followed."""

from __future__ import annotations

import base64
import io
import re
import warnings
from pathlib import Path

import pytest
import zxingcpp
from conftest import TERM, sample_workspace
from PIL import Image

from yujing.web.app import COOKIE, create_app
from yujing.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
LOOPBACK_WARNING = "这些链接指向本机地址"


def _workspace(root: Path, public_url: str | None) -> Path:
    ws = sample_workspace(root)
    ws.assess(TERM)
    ws.open_review_window(TERM)
    ws.add_user("sec", role="secretary", password="password-1")
    ws.close()
    if public_url is not None:
        config = root / "yujing.toml"
        config.write_text(
            config.read_text("utf-8") + f'\n[web]\npublic_url = "{public_url}"\n', "utf-8"
        )
    return root


def _slips_page(root: Path, base_url: str) -> str:
    ws = Workspace(root)
    cookie, _ = ws.open_session("sec")
    ws.close()
    client = TestClient(create_app(root, worker=False), base_url=base_url)
    client.cookies.set(COOKIE, cookie)
    resp = client.get(f"/slips?term={TERM}")
    assert resp.status_code == 200, resp.text
    return resp.text


def _qr_texts(page: str) -> list[str]:
    texts = []
    for data in re.findall(r'src="data:image/png;base64,([^"]+)"', page):
        image = Image.open(io.BytesIO(base64.b64decode(data))).convert("L")
        (hit,) = zxingcpp.read_barcodes(image)
        texts.append(hit.text)
    return texts


def test_links_use_the_configured_public_address(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws", "https://yujing.college.edu.cn/")
    page = _slips_page(root, "http://127.0.0.1:8000")
    codes = _qr_texts(page)
    assert codes and all(c.startswith("https://yujing.college.edu.cn/check/") for c in codes)
    assert LOOPBACK_WARNING not in page and "127.0.0.1" not in page
    # the link on the slip opens the student's own entry (the path part, on this app)
    ws = Workspace(root)
    slip = ws.student_slips(TERM)[0]
    ws.close()
    assert f"https://yujing.college.edu.cn/check/{slip.token}" in codes
    client = TestClient(create_app(root, worker=False))
    own = client.get(f"/check/{slip.token}")
    assert own.status_code == 200 and slip.student_id in own.text


def test_a_page_asked_at_this_machine_warns_that_phones_cannot_open_it(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws", None)
    page = _slips_page(root, "http://127.0.0.1:8000")
    assert LOOPBACK_WARNING in page and "public_url" in page
    assert all(c.startswith("http://127.0.0.1:8000/check/") for c in _qr_texts(page))
    # asked at the college network's address, the links are that address and nothing warns
    page = _slips_page(root, "http://10.2.3.4:8000")
    assert LOOPBACK_WARNING not in page
    assert all(c.startswith("http://10.2.3.4:8000/check/") for c in _qr_texts(page))


def test_a_public_address_without_its_scheme_is_explained(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws", "yujing.college.edu.cn")
    ws = Workspace(root)
    cookie, _ = ws.open_session("sec")
    ws.close()
    client = TestClient(create_app(root, worker=False))
    client.cookies.set(COOKIE, cookie)
    resp = client.get(f"/slips?term={TERM}")
    assert resp.status_code >= 400
    assert "public_url" in resp.text and "https://" in resp.text
    assert "Traceback" not in resp.text
