"""Tests of yujing.converter (LibreOffice conversion, fonts) and yujing.pdfkit (joining and
reading PDFs).

The LibreOffice tests are skipped (with the reason) when soffice is not installed; the tests of
MISSING_MESSAGE, of find_converter() without soffice and of the pure-pypdf helpers always run.
(A module-level ``pytest.skip`` would skip those too, so the LibreOffice tests carry a marker.)
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from sysparts import requires_fonts, requires_poppler, requires_soffice, skip_missing

from yujing import converter as pdf
from yujing.converter import (
    FONTS_CONF,
    MISSING_MESSAGE,
    ConversionError,
    Converter,
    convert_to_pdf,
    find_converter,
)
from yujing.errors import OutputError
from yujing.institutions import find_pack
from yujing.pdfkit import join_pdfs, page_count, page_texts

CONVERTER = find_converter()
requires_lo = requires_soffice

SONG_TEXT = "宋体正文学业预警通知书"
HEI_TEXT = "黑体标题学业预警"


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _add_run(document: docx.document.Document, text: str, east_asia: str) -> None:
    run = document.add_paragraph().add_run(text)
    run.font.name = "Times New Roman"
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)


def make_docx(path: Path, pages: int, fonts: tuple[str, ...], tag: str) -> Path:
    """A .docx of ``pages`` pages; page p carries "<tag>第 00000p 号" and a run per font (the
    first font also for the serial line)."""
    document = docx.Document()
    for p in range(pages):
        _add_run(document, f"{tag}第 {p:06d} 号", fonts[0])
        for font in fonts:
            _add_run(document, SONG_TEXT if font == "宋体" else HEI_TEXT, font)
        if p < pages - 1:
            document.add_page_break()
    document.save(str(path))
    return path


def pdf_font_names(pdf: Path) -> list[str]:
    out = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    return [line.split()[0] for line in out.stdout.splitlines()[2:] if line.strip()]


# ---------------------------------------------------------------------------------------------
# Without LibreOffice


def test_missing_message_names_the_install_command() -> None:
    assert (
        "apt-get install libreoffice-writer-nogui fonts-noto-cjk fonts-arphic-ukai"
        in MISSING_MESSAGE
    )
    assert "PDF" in MISSING_MESSAGE
    assert "YUJING_SOFFICE" in MISSING_MESSAGE


def test_find_converter_none_without_soffice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("YUJING_SOFFICE", raising=False)
    monkeypatch.setattr(pdf, "install_paths", lambda platform, env: [str(tmp_path / "none")])
    assert find_converter() is None
    monkeypatch.setenv("YUJING_SOFFICE", str(tmp_path / "no-such-soffice"))
    assert find_converter() is None


WINDOWS_ENV = {
    "PROGRAMFILES": r"C:\Program Files",
    "PROGRAMFILES(X86)": r"C:\Program Files (x86)",
    "LOCALAPPDATA": r"C:\Users\秘书\AppData\Local",
}


@pytest.mark.parametrize(
    ("platform", "env", "installed"),
    [
        ("win32", WINDOWS_ENV, r"C:\Program Files\LibreOffice\program\soffice.exe"),
        ("win32", WINDOWS_ENV, r"C:\Program Files (x86)\LibreOffice\program\soffice.exe"),
        (
            "win32",
            WINDOWS_ENV,
            r"C:\Users\秘书\AppData\Local\Programs\LibreOffice\program\soffice.exe",
        ),
        ("win32", {}, r"C:\Program Files\LibreOffice\program\soffice.exe"),
        (
            "darwin",
            {"HOME": "/Users/mishu"},
            "/Applications/LibreOffice.app/Contents/MacOS/soffice",
        ),
        (
            "darwin",
            {"HOME": "/Users/mishu"},
            "/Users/mishu/Applications/LibreOffice.app/Contents/MacOS/soffice",
        ),
        ("linux", {}, "/opt/libreoffice/program/soffice"),
    ],
)
def test_libreoffice_is_found_at_its_install_path_when_not_on_path(
    platform: str, env: dict[str, str], installed: str
) -> None:
    probed: list[str] = []

    def is_file(path: str) -> bool:
        probed.append(path)
        return path == installed

    found = pdf.locate_soffice(platform=platform, env=env, which=lambda name: None, is_file=is_file)
    assert found == installed
    # PATH wins over the install paths; $YUJING_SOFFICE over both
    assert (
        pdf.locate_soffice(platform=platform, env=env, which=lambda n: f"/bin/{n}", is_file=is_file)
        == "/bin/soffice"
    )
    custom = {**env, "YUJING_SOFFICE": installed}
    assert (
        pdf.locate_soffice(platform=platform, env=custom, which=lambda n: None, is_file=is_file)
        == installed
    )
    # nothing anywhere: None, after probing only that platform's paths
    probed.clear()
    assert (
        pdf.locate_soffice(
            platform=platform, env=env, which=lambda n: None, is_file=lambda p: False
        )
        is None
    )
    assert pdf.install_paths(platform, env) and all(
        ("\\" in p) == platform.startswith("win") for p in pdf.install_paths(platform, env)
    )


def test_find_converter_uses_yujing_soffice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if os.name != "posix":
        pytest.skip("uses a shell script as a stand-in for soffice")
    fake = tmp_path / "bin" / "my-soffice"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'LibreOffice 9.9.9.9 test'\n", encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setenv("YUJING_SOFFICE", str(fake))
    found = find_converter()
    assert found is not None
    assert found.soffice == fake.resolve()
    assert found.version == "LibreOffice 9.9.9.9 test"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fonts.conf is used on Linux only")
@requires_fonts
@pytest.mark.parametrize(
    ("family", "expected"),
    [
        ("宋体", "Noto Serif CJK SC"),
        ("SimSun", "Noto Serif CJK SC"),
        ("NSimSun", "Noto Serif CJK SC"),
        ("宋体-简", "Noto Serif CJK SC"),
        ("黑体", "Noto Sans CJK SC"),
        ("SimHei", "Noto Sans CJK SC"),
        ("微软雅黑", "Noto Sans CJK SC"),
        ("Microsoft YaHei", "Noto Sans CJK SC"),
        ("仿宋", "Noto Serif CJK SC"),
        ("FangSong", "Noto Serif CJK SC"),
        ("仿宋_GB2312", "Noto Serif CJK SC"),
        ("楷体", "AR PL UKai CN"),
        ("KaiTi", "AR PL UKai CN"),
        ("楷体_GB2312", "AR PL UKai CN"),
        ("Times New Roman", "Liberation Serif"),
        ("Arial", "Liberation Sans"),
        ("Courier", "Liberation Mono"),
    ],
)
def test_fontconfig_aliases(family: str, expected: str) -> None:
    env = dict(os.environ, FONTCONFIG_FILE=str(FONTS_CONF))
    out = subprocess.run(
        ["fc-match", "-f", "%{family}", family], capture_output=True, text=True, env=env, check=True
    ).stdout
    assert expected in out.split(",")


def test_duplicate_stems_are_refused_before_starting(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    one = make_docx(tmp_path / "a" / "same.docx", 1, ("宋体",), "A")
    two = make_docx(tmp_path / "b" / "same.docx", 1, ("宋体",), "B")
    dummy = Converter(soffice=tmp_path / "no-soffice", fontconfig=None, version="")
    with pytest.raises(ConversionError, match=r"same\.pdf"):
        convert_to_pdf(dummy, [one, two], tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_random_bytes_refused_before_starting(tmp_path: Path) -> None:
    bad = tmp_path / "x.docx"
    bad.write_bytes(os.urandom(2000))
    dummy = Converter(soffice=tmp_path / "no-soffice", fontconfig=None, version="")
    with pytest.raises(OutputError, match=r"x\.docx"):
        convert_to_pdf(dummy, [bad], tmp_path / "out")


def test_page_count_of_a_non_pdf_raises_output_error(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"not a pdf at all")
    with pytest.raises(OutputError, match=r"broken\.pdf"):
        page_count(bad)
    with pytest.raises(OutputError, match=r"missing\.pdf"):
        page_texts(tmp_path / "missing.pdf")


# A stand-in for soffice (POSIX sh): copies $FAKE_PDF to <outdir>/<stem>.pdf for each file in
# order, sleeping $FAKE_DELAY seconds after each; files whose name starts with "bad" produce
# nothing (as LibreOffice does with a file it cannot load, still exiting 0).
FAKE_SOFFICE = """#!/bin/sh
echo $$ > "$FAKE_PIDFILE"
out=""
files=""
while [ $# -gt 0 ]; do
  case "$1" in
    --version) echo "LibreOffice 0.0 fake"; exit 0 ;;
    --outdir) out="$2"; shift 2 ;;
    --convert-to) shift 2 ;;
    -*) shift ;;
    *) files="$files $1"; shift ;;
  esac
done
for f in $files; do
  b=$(basename "$f" .docx)
  case "$b" in bad*) ;; *) cp "$FAKE_PDF" "$out/$b.pdf" ;; esac
  sleep "$FAKE_DELAY"
done
"""


@pytest.fixture
def fake_converter(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Converter:
    if os.name != "posix":
        pytest.skip("the stand-in for soffice is a shell script")
    from pypdf import PdfWriter

    script = tmp_path / "fake" / "soffice"
    script.parent.mkdir()
    script.write_text(FAKE_SOFFICE, encoding="utf-8")
    script.chmod(0o755)
    pdf = tmp_path / "fake" / "one.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    with open(pdf, "wb") as fh:
        writer.write(fh)
    monkeypatch.setenv("FAKE_PDF", str(pdf))
    monkeypatch.setenv("FAKE_DELAY", "0")
    monkeypatch.setenv("FAKE_PIDFILE", str(tmp_path / "fake" / "pid"))
    return Converter(soffice=script, fontconfig=None, version="fake")


def _zip_docx(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("word/document.xml", "<w:document/>")
    return path


def test_progress_is_reported_per_file_during_a_call(
    fake_converter: Converter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAKE_DELAY", "1.2")
    src = tmp_path / "src"
    src.mkdir()
    files = [_zip_docx(src / f"f{i}.docx") for i in range(3)]
    calls: list[tuple[int, int]] = []
    out = convert_to_pdf(
        fake_converter,
        files,
        tmp_path / "out",
        processes=1,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
    assert out == [tmp_path / "out" / f"f{i}.pdf" for i in range(3)]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["f0.pdf", "f1.pdf", "f2.pdf"]


def test_missing_output_names_the_docx_and_keeps_the_others(
    fake_converter: Converter, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    files = [_zip_docx(src / n) for n in ("a.docx", "bad-1.docx", "c.docx", "d.docx")]
    with pytest.raises(ConversionError, match=r"bad-1\.docx") as info:
        convert_to_pdf(fake_converter, files, tmp_path / "out", processes=2)
    assert info.value.files == (files[1].resolve(),)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.pdf", "c.pdf", "d.pdf"]


def test_timeout_kills_the_call_and_cleans_up(
    fake_converter: Converter, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    monkeypatch.setenv("FAKE_DELAY", "60")
    src = tmp_path / "src"
    src.mkdir()
    files = [_zip_docx(src / "first.docx"), _zip_docx(src / "second.docx")]
    t = time.monotonic()
    with pytest.raises(ConversionError, match=r"second\.docx") as info:
        convert_to_pdf(fake_converter, files, tmp_path / "out", processes=1, timeout=1.5)
    assert time.monotonic() - t < 20
    # first.pdf exists but no later PDF had appeared: it is not known to be complete, so it is
    # not placed; both files are named
    assert info.value.files == (files[0].resolve(), files[1].resolve())
    assert list((tmp_path / "out").iterdir()) == []
    pid = int((tmp_path / "fake" / "pid").read_text())
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


# ---------------------------------------------------------------------------------------------
# With LibreOffice


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """song.docx (1 page, 宋体), hei.docx (2 pages, 黑体), mixed.docx (3 pages, both)."""
    if CONVERTER is None:
        skip_missing("soffice")
    src = tmp_path_factory.mktemp("docx")
    files = [
        make_docx(src / "song.docx", 1, ("宋体",), "S"),
        make_docx(src / "hei.docx", 2, ("黑体",), "H"),
        make_docx(src / "mixed.docx", 3, ("宋体", "黑体"), "M"),
    ]
    out_dir = tmp_path_factory.mktemp("pdf")
    calls: list[tuple[int, int]] = []
    pdfs = convert_to_pdf(
        CONVERTER, files, out_dir, processes=2, progress=lambda d, t: calls.append((d, t))
    )
    return {"pdfs": pdfs, "out_dir": out_dir, "calls": calls, "files": files}


@requires_lo
def test_convert_three_files_in_two_processes(converted: dict[str, object]) -> None:
    pdfs = converted["pdfs"]
    out_dir = converted["out_dir"]
    assert isinstance(pdfs, list) and isinstance(out_dir, Path)
    assert pdfs == [out_dir / "song.pdf", out_dir / "hei.pdf", out_dir / "mixed.pdf"]
    assert [page_count(p) for p in pdfs] == [1, 2, 3]
    assert all(p.stat().st_size > 0 for p in pdfs)
    # only the PDFs: the staging folder is gone
    assert sorted(p.name for p in out_dir.iterdir()) == ["hei.pdf", "mixed.pdf", "song.pdf"]
    calls = converted["calls"]
    assert isinstance(calls, list)
    assert calls[0] == (0, 3) and calls[-1] == (3, 3)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


@requires_lo
@requires_poppler
def test_song_prints_serif_and_hei_prints_sans(converted: dict[str, object]) -> None:
    pdfs = converted["pdfs"]
    assert isinstance(pdfs, list)
    song, hei, _ = pdfs
    song_fonts = pdf_font_names(song)
    hei_fonts = pdf_font_names(hei)
    assert any("NotoSerifCJK" in f for f in song_fonts), song_fonts
    assert not any("NotoSansCJK" in f for f in song_fonts), song_fonts
    assert any("NotoSansCJK" in f for f in hei_fonts), hei_fonts
    assert not any("NotoSerifCJK" in f for f in hei_fonts), hei_fonts


@requires_lo
def test_page_texts_find_the_chinese_text(converted: dict[str, object]) -> None:
    pdfs = converted["pdfs"]
    assert isinstance(pdfs, list)
    texts = [_squash(t) for t in page_texts(pdfs[2])]
    assert len(texts) == 3
    for p, text in enumerate(texts):
        assert f"M第{p:06d}号" in text
        assert SONG_TEXT in text and HEI_TEXT in text


@requires_lo
def test_join_selected_pages_in_order(converted: dict[str, object], tmp_path: Path) -> None:
    pdfs = converted["pdfs"]
    assert isinstance(pdfs, list)
    song, hei, mixed = pdfs
    out = tmp_path / "joined" / "all.pdf"
    n = join_pdfs([(mixed, [2, 0]), (song, None), (hei, [1]), (mixed, [1])], out)
    assert n == 5 == page_count(out)
    marks = [re.search(r"([SHM])第(\d{6})号", _squash(t)) for t in page_texts(out)]
    assert [m.group(1) + m.group(2)[-1] for m in marks if m] == ["M2", "M0", "S0", "H1", "M1"]
    assert sorted(p.name for p in out.parent.iterdir()) == ["all.pdf"]


@requires_lo
def test_join_bad_page_index_writes_nothing(converted: dict[str, object], tmp_path: Path) -> None:
    pdfs = converted["pdfs"]
    assert isinstance(pdfs, list)
    out = tmp_path / "bad.pdf"
    with pytest.raises(OutputError, match=r"song\.pdf"):
        join_pdfs([(pdfs[0], [0, 1])], out)
    assert list(tmp_path.iterdir()) == []


@requires_lo
def test_corrupt_docx_raises_and_leaves_only_finished_pdfs(tmp_path: Path) -> None:
    assert CONVERTER is not None
    src = tmp_path / "src"
    src.mkdir()
    good = make_docx(src / "good.docx", 1, ("宋体",), "G")
    # a zip, so it passes the quick check, but no Word document: LibreOffice cannot load it
    bad = src / "x.docx"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("word/document.xml", os.urandom(500))
    out_dir = tmp_path / "out"
    with pytest.raises(OutputError, match=r"x\.docx") as info:
        convert_to_pdf(CONVERTER, [good, bad], out_dir, processes=2)
    assert isinstance(info.value, ConversionError)
    assert info.value.files == (bad.resolve(),)
    assert sorted(p.name for p in out_dir.iterdir()) == ["good.pdf"]
    assert page_count(out_dir / "good.pdf") == 1


@requires_lo
def test_random_bytes_docx_raises(tmp_path: Path) -> None:
    assert CONVERTER is not None
    bad = tmp_path / "x.docx"
    bad.write_bytes(os.urandom(3000))
    out_dir = tmp_path / "out"
    with pytest.raises(OutputError, match=r"x\.docx"):
        convert_to_pdf(CONVERTER, [bad], out_dir)
    assert not out_dir.exists() or list(out_dir.iterdir()) == []


@requires_lo
def test_timeout_raises_and_cleans_up(tmp_path: Path) -> None:
    assert CONVERTER is not None
    doc = make_docx(tmp_path / "slow.docx", 1, ("宋体",), "T")
    out_dir = tmp_path / "out"
    with pytest.raises(OutputError, match=r"slow\.docx"):
        convert_to_pdf(CONVERTER, [doc], out_dir, timeout=0.05)
    assert list(out_dir.iterdir()) == []


@requires_lo
@requires_poppler
def test_anshan_notice_two_pages_and_readable_qr(tmp_path: Path) -> None:
    assert CONVERTER is not None
    zxingcpp = pytest.importorskip("zxingcpp")
    from PIL import Image

    from yujing.forms.sample import SAMPLE_SERIAL, render

    form = next(f for f in find_pack("anshan").forms if f.id == "notice")
    docx_path = render(
        form,
        None,
        tmp_path / "anshan-notice.docx",
        level_names=find_pack("anshan").policy.level_names,
    )
    (pdf,) = convert_to_pdf(CONVERTER, [docx_path], tmp_path / "pdf")
    assert page_count(pdf) == len(form.parts) == 2  # one page per part, nothing spills
    texts = [_squash(t) for t in page_texts(pdf)]
    assert all(f"第{SAMPLE_SERIAL}号" in t for t in texts)
    subprocess.run(
        ["pdftoppm", "-r", "150", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "p")],
        check=True,
    )
    (png,) = tmp_path.glob("p-*.png")
    codes = zxingcpp.read_barcodes(Image.open(png), formats=zxingcpp.BarcodeFormat.QRCode)
    # the part's code, top right, and its second code, bottom left
    assert [c.text for c in codes] == [f"YJ1-ANSHAN-{form.parts[0].code}-{SAMPLE_SERIAL}"] * 2


# ---------------------------------------------------------------------------------------------
# A LibreOffice that fails: retried once with a fresh profile, and blamed (not the files)

# A wrapper for soffice: its first conversion exits $FLAKY_CODE without writing anything (as a
# fresh LibreOffice install does on the first start of a profile: exit 81); later conversions
# run the program in $FLAKY_REAL. $FLAKY_ALWAYS=1: every conversion fails. The profile given to
# each call is written to $FLAKY_LOG.
FLAKY_SOFFICE = """#!/bin/sh
for a in "$@"; do
  case "$a" in -env:UserInstallation=*) echo "$a" >> "$FLAKY_LOG" ;; esac
done
case " $* " in *" --version "*) exec "$FLAKY_REAL" "$@" ;; esac
if [ ! -e "$FLAKY_MARK" ] || [ "$FLAKY_ALWAYS" = 1 ]; then
  : > "$FLAKY_MARK"
  echo "User installation could not be completed" >&2
  exit "$FLAKY_CODE"
fi
exec "$FLAKY_REAL" "$@"
"""


def flaky_soffice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, real: Path) -> Path:
    """Installs the wrapper as $YUJING_SOFFICE; returns the log of the profiles it was given."""
    if os.name != "posix":
        pytest.skip("the wrapper for soffice is a shell script")
    script = tmp_path / "flaky" / "soffice"
    script.parent.mkdir()
    script.write_text(FLAKY_SOFFICE, encoding="utf-8")
    script.chmod(0o755)
    log = tmp_path / "flaky" / "profiles.log"
    monkeypatch.setenv("FLAKY_REAL", str(real))
    monkeypatch.setenv("FLAKY_MARK", str(tmp_path / "flaky" / "started-once"))
    monkeypatch.setenv("FLAKY_LOG", str(log))
    monkeypatch.setenv("FLAKY_CODE", "81")
    monkeypatch.setenv("FLAKY_ALWAYS", "0")
    monkeypatch.setenv("YUJING_SOFFICE", str(script))
    return log


@requires_lo
def test_a_first_conversion_that_exits_81_is_retried_with_a_fresh_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert CONVERTER is not None
    log = flaky_soffice(tmp_path, monkeypatch, CONVERTER.soffice)
    converter = find_converter()
    assert converter is not None and converter.soffice.name == "soffice"
    assert converter.soffice.parent == (tmp_path / "flaky").resolve()
    src = tmp_path / "src"
    src.mkdir()
    files = [make_docx(src / "one.docx", 1, ("宋体",), "A"), make_docx(src / "two.docx", 2, ("黑体",), "B")]
    out = convert_to_pdf(converter, files, tmp_path / "out", processes=1)
    assert [page_count(p) for p in out] == [1, 2]
    assert "A第000000号" in _squash(page_texts(out[0])[0])
    profiles = log.read_text().split()
    assert len(profiles) == 2 and profiles[0] != profiles[1]  # the second call had a fresh one
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["one.pdf", "two.pdf"]


@requires_lo
def test_a_libreoffice_that_keeps_failing_is_named_not_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert CONVERTER is not None
    log = flaky_soffice(tmp_path, monkeypatch, CONVERTER.soffice)
    monkeypatch.setenv("FLAKY_ALWAYS", "1")
    converter = find_converter()
    assert converter is not None
    doc = make_docx(tmp_path / "fine.docx", 1, ("宋体",), "F")
    with pytest.raises(ConversionError) as info:
        convert_to_pdf(converter, [doc], tmp_path / "out")
    message = str(info.value)
    assert "fine.docx" in message and "退出码 81" in message
    assert "User installation could not be completed" in message  # LibreOffice's own words
    assert "重试一次" in message
    assert "损坏" not in message and "不是 Word 文件" not in message
    assert info.value.files == (doc.resolve(),)
    assert len(log.read_text().split()) == 2  # retried once, not more
    assert list((tmp_path / "out").iterdir()) == []


@requires_lo
def test_a_file_libreoffice_cannot_load_is_named_with_its_words(tmp_path: Path) -> None:
    assert CONVERTER is not None
    bad = tmp_path / "x.docx"
    with zipfile.ZipFile(bad, "w") as zf:
        zf.writestr("word/document.xml", os.urandom(500))
    with pytest.raises(ConversionError) as info:
        convert_to_pdf(CONVERTER, [bad], tmp_path / "out")
    message = str(info.value)
    assert "x.docx" in message and "could not be loaded" in message
    assert "不是 Word 文件" in message and "退出码" not in message
