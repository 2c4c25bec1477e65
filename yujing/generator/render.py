"""Rendering many students into one .docx per form and chunk (the DOCX stage of a batch).

A form's template describes ONE student (see :mod:`yujing.forms.contract`). For a batch the body of
the template is wrapped, before rendering, in::

    {%p for d in docs %}{%p with school=d.school, … %}
      [page break before, except for the first student]
      …the template's body…
    {%p endwith %}{%p endfor %}

so one docxtpl render fills a whole chunk of students (≈ 100), instead of loading, rendering
and saving one document per student (the naive loop, ≈ 36 documents/s on one core here).
A school's edited template keeps working: the wrapping is done on the loaded XML, not on the
file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage
from jinja2 import TemplateError

from yujing.errors import OutputError
from yujing.files import atomic_write
from yujing.forms.contract import STUDENT_CONTEXT
from yujing.forms.images import SECOND_QR_MM, CornerImage, page_size
from yujing.qr import qr_png

_W = nsdecls("w")
QR_WIDTH_MM = 22


@dataclass(frozen=True)
class StudentDoc:
    """One student's filled-in form: the template context without images, and the QR payload
    of each part (by part id). Picklable, so chunks render in worker processes."""

    context: dict[str, Any]
    qr: dict[str, str]


class _BatchTemplate(DocxTemplate):
    r"""docxtpl without its "listing" pass, which rescans the whole rendered XML for ``\n \t
    \a \f`` in values (a fifth of the render time of a 50-student chunk here). Batch contexts
    are cleaned of those characters first (:func:`yujing.generator.context.clean`)."""

    def resolve_listing(self, xml: str) -> str:
        return xml


def _tag_paragraph(tag: str) -> Any:
    return parse_xml(f'<w:p {_W}><w:r><w:t xml:space="preserve">{tag}</w:t></w:r></w:p>')


def _page_break_paragraph() -> Any:
    return parse_xml(
        f"<w:p {_W}><w:pPr><w:pageBreakBefore/>"
        '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/>'
        '<w:rPr><w:sz w:val="2"/></w:rPr></w:pPr></w:p>'
    )


def wrap_in_loop(tpl: DocxTemplate, context_names: Iterable[str] = STUDENT_CONTEXT) -> None:
    """Wrap the loaded template's body in the per-student loop (in place); a list template's
    with ``SUMMARY_CONTEXT`` (one list per college, each on its own pages)."""
    tpl.init_docx()
    body = tpl.docx.element.body
    children = [c for c in body.iterchildren() if c.tag != qn("w:sectPr")]
    names = ", ".join(f"{n}=d.{n}" for n in sorted(context_names))
    head = [
        _tag_paragraph("{%p for d in docs %}"),
        _tag_paragraph(f"{{%p with {names} %}}"),
        _tag_paragraph("{%p if not loop.first %}"),
        _page_break_paragraph(),
        _tag_paragraph("{%p endif %}"),
    ]
    tail = [_tag_paragraph("{%p endwith %}"), _tag_paragraph("{%p endfor %}")]
    first = children[0] if children else None
    for element in head:
        if first is not None:
            first.addprevious(element)
        else:
            body.append(element)
    anchor = children[-1] if children else head[-1]
    for element in reversed(tail):
        anchor.addnext(element)


def render_chunk(template: Path, docs: Sequence[StudentDoc], out: Path) -> Path:
    """Render ``docs`` (one student each) through ``template`` into ``out`` (atomically)."""

    def fill(tpl: Any) -> dict[str, Any]:
        wrap_in_loop(tpl)
        page = page_size(tpl)
        contexts = []
        for doc in docs:
            ctx = dict(doc.context)
            ctx["qr"], ctx["qr2"] = _both_codes(tpl, doc.qr, page)
            contexts.append(ctx)
        return {"docs": contexts}

    return _render(template, fill, out)


def render_lists(
    template: Path, contexts: Sequence[tuple[dict[str, Any], dict[str, str]]], out: Path
) -> Path:
    """Render a list template once per context (context, QR payloads by part id) into one
    document, each on its own pages (the term report's 汇总表, one per college)."""
    from yujing.forms.contract import SUMMARY_CONTEXT

    def fill(tpl: Any) -> dict[str, Any]:
        wrap_in_loop(tpl, SUMMARY_CONTEXT)
        page = page_size(tpl)
        docs = []
        for context, qr in contexts:
            ctx = {name: "" for name in SUMMARY_CONTEXT} | dict(context)
            ctx["qr"], ctx["qr2"] = _both_codes(tpl, qr, page)
            docs.append(ctx)
        return {"docs": docs}

    return _render(template, fill, out)


def render_single(template: Path, context: dict[str, Any], qr: dict[str, str], out: Path) -> Path:
    """Render one document (a college-level list: its rows, serial and codes) into ``out``."""

    def fill(tpl: Any) -> dict[str, Any]:
        ctx = dict(context)
        ctx["qr"], ctx["qr2"] = _both_codes(tpl, qr, page_size(tpl))
        return ctx

    return _render(template, fill, out)


def _render(template: Path, fill: Callable[[Any], dict[str, Any]], out: Path) -> Path:
    """Load ``template``, fill it with the context ``fill`` builds on it, and save it to
    ``out`` atomically; a template whose tags do not parse is an OutputError naming it."""
    try:
        tpl = _BatchTemplate(str(template))
        tpl.render(fill(tpl), autoescape=True)
    except TemplateError as exc:
        raise OutputError(
            f"模板 {template} 无法填写：{exc}。如修改过模板，请检查其中的 {{{{ }}}} 与 {{% %}} 标记。"
        ) from exc
    with atomic_write(out, "wb") as fh:
        tpl.save(fh)
    return out


def _both_codes(
    tpl: Any, qr: Mapping[str, str], page: Any
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A part's code (top right) and its second code (bottom-left corner), by part id."""
    pngs = {part: qr_png(payload) for part, payload in qr.items()}
    first = {
        part: InlineImage(tpl, _stream(png), width=Mm(QR_WIDTH_MM)) for part, png in pngs.items()
    }
    second = {
        part: CornerImage(tpl, _stream(png), Mm(SECOND_QR_MM), page) for part, png in pngs.items()
    }
    return first, second


def _stream(png: bytes) -> Any:
    import io

    return io.BytesIO(png)


def chunked(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass(frozen=True)
class ChunkTask:
    """One .docx to render: a form's template and a chunk of students."""

    template: Path
    docs: tuple[StudentDoc, ...]
    out: Path


def run_chunk(task: ChunkTask) -> Path:
    """Worker entry point (module-level so a process pool can pickle it)."""
    return render_chunk(task.template, task.docs, task.out)
