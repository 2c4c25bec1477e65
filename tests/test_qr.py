"""QR payloads: opaque, short, signed; foreign, malformed and altered codes refused."""

from __future__ import annotations

import io
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from yujing.qr import (
    PartRef,
    Rejection,
    create_secret,
    make_payload,
    qr_png,
    verify,
)

SECRET = bytes(range(32))


def test_payload_is_short_opaque_and_alphanumeric() -> None:
    payload = make_payload(SECRET, 123, "N1")
    assert re.fullmatch(r"YJ1\.000123\.N1\.[A-Z2-7]{8}", payload)
    assert len(payload) <= 25
    assert verify(SECRET, payload).ref == PartRef(123, "N1")


@pytest.mark.parametrize(
    ("payload", "rejection"),
    [
        ("https://weixin.qq.com/g/AbCdEf", Rejection.FOREIGN),
        ("YJ1.000123.N1", Rejection.MALFORMED),
        ("YJ1.00012X.N1.AAAAAAAA", Rejection.MALFORMED),
    ],
)
def test_foreign_and_malformed_codes(payload: str, rejection: Rejection) -> None:
    result = verify(SECRET, payload)
    assert not result.ok and result.rejection is rejection


def test_any_altered_character_is_refused() -> None:
    payload = make_payload(SECRET, 4567, "F2")
    for i, ch in enumerate(payload):
        if ch == ".":
            continue
        swapped = "7" if ch != "7" else "6"
        if ch.isalpha() and i < 4:
            swapped = "X" if ch != "X" else "Y"
        altered = payload[:i] + swapped + payload[i + 1 :]
        assert not verify(SECRET, altered).ok, altered


def test_another_workspace_secret_is_refused() -> None:
    payload = make_payload(SECRET, 1, "N1")
    assert verify(bytes(32), payload).rejection is Rejection.FORGED


def test_png_decodes_back_with_zxing() -> None:
    for serial, part in ((1, "N1"), (999_999, "T1"), (1_234_567, "F2")):
        payload = make_payload(SECRET, serial, part)
        image = Image.open(io.BytesIO(qr_png(payload)))
        (found,) = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        assert found.text == payload
        assert verify(SECRET, found.text).ref == PartRef(serial, part)


def test_secret_is_made_once_even_by_concurrent_callers(tmp_path: Path) -> None:
    with ThreadPoolExecutor(max_workers=8) as pool:
        secrets = set(pool.map(lambda _: create_secret(tmp_path), range(16)))
    assert len(secrets) == 1 and len(next(iter(secrets))) == 32
    assert (tmp_path / "secret.key").stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]
