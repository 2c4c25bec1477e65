"""Checking a form's .docx template against the template contract (模板检查).

Used by ``yujing pack check``: every tag parses, every name a template uses is one the
generator supplies (:mod:`yujing.forms.contract`), per-student forms carry two QR codes
(``qr`` and ``qr2``) and one 第 N 号 per part, and no tag was typed with full-width ｛｝％ (a Chinese input method's braces,
which docxtpl does not see as tags).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from yujing.forms import FormSpec
from yujing.forms.contract import (
    COURSE_ATTRS,
    DATE_ATTRS,
    ROW_ATTRS,
    STUDENT_ATTRS,
    STUDENT_CONTEXT,
    SUMMARY_CONTEXT,
)

TAG_RE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def template_texts(path: Path) -> Iterator[str]:
    """The text of every run (``w:t``) of a template's body, in order."""
    from lxml import etree

    with zipfile.ZipFile(path) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    for t in root.iter(f"{_W}t"):
        yield t.text or ""


def check_template(form: FormSpec, level_names: Sequence[str] = ()) -> list[str]:
    """Problems of ``form``'s template, as Chinese messages (empty when it is fine)."""
    from docxtpl import DocxTemplate
    from jinja2 import TemplateError

    path = form.template_path
    try:
        texts = list(template_texts(path))
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        return [f"不是有效的 Word 文件（.docx）：{exc}"]
    except Exception as exc:  # lxml's XMLSyntaxError and kin: a damaged document
        return [f"文档内容无法解析：{exc}"]
    problems: list[str] = []
    for text in texts:
        if re.search("[｛｝％]", text):
            problems.append(
                f"「{text.strip()[:30]}」含全角括号或百分号：模板标签须用半角 {{ }} 和 {{% %}}"
            )
    try:
        names = DocxTemplate(str(path)).get_undeclared_template_variables()
    except TemplateError as exc:
        return [*problems, f"模板标签无法解析：{exc}"]
    except Exception as exc:  # docxtpl re-raises XML and zip errors of a damaged file
        return [*problems, f"模板无法读取：{exc}"]
    allowed = STUDENT_CONTEXT if form.per_student else SUMMARY_CONTEXT
    for name in sorted(names - allowed):
        problems.append(
            f"模板用了生成程序不提供的名字「{name}」；可用：{'、'.join(sorted(allowed))}"
        )
    joined = " ".join(m.group(0) for text in texts for m in TAG_RE.finditer(text))
    for prefix, attrs in (
        ("student", STUDENT_ATTRS),
        ("issue_date", DATE_ATTRS),
        ("c", COURSE_ATTRS),
        ("r", ROW_ATTRS),
    ):
        for attr in sorted(set(re.findall(rf"\b{prefix}\.(\w+)", joined)) - attrs):
            problems.append(
                f"模板用了不存在的「{prefix}.{attr}」；可用：{'、'.join(sorted(attrs))}"
            )
    if level_names:
        for level in sorted(set(re.findall(r'box\["(.*?)"\]', joined)) - set(level_names)):
            problems.append(f'box["{level}"]：「{level}」不是规则中的等级')
    # the rows may be looped in slices (rows[:-2], rows[-2:]: the last ones kept with the
    # signature block)
    if not form.per_student and not re.search(r"\{%tr for r in rows(\[[^\]]*\])? %\}", joined):
        problems.append("名单、汇总表须有一行 {%tr for r in rows %} … {%tr endfor %}")
    # every part, a student's form or a college-level list, carries its code
    if form.parts:
        used = set(re.findall(r"\bqr\.(\w+)", joined))
        for part in form.parts:
            if part.id not in used:
                problems.append(f"联「{part.title}」（{part.id}）没有二维码 {{{{ qr.{part.id} }}}}")
        for extra in sorted(used - {p.id for p in form.parts}):
            problems.append(f"qr.{extra}：表单目录中没有这一联")
        second = set(re.findall(r"\bqr2\.(\w+)", joined))
        for part in form.parts:
            if part.id not in second:
                problems.append(
                    f"联「{part.title}」（{part.id}）没有第二个二维码 {{{{ qr2.{part.id} }}}}"
                    "（印在页面左下角，一个二维码被笔画或订书钉遮住时靠它归档）"
                )
        for extra in sorted(second - {p.id for p in form.parts}):
            problems.append(f"qr2.{extra}：表单目录中没有这一联")
        serials = joined.count("{{ serial }}")
        if serials < len(form.parts):
            problems.append(
                f"每一联都要印「第 {{{{ serial }}}} 号」：只找到 {serials} 处，应有 {len(form.parts)} 处"
            )
    return problems
