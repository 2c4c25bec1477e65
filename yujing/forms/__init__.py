"""The catalogue of annexed forms (附件) of an institution pack: which forms, which parts (联),
which fields.

Each pack (:mod:`yujing.institutions`) has a ``forms.toml``. Each ``[[forms]]`` entry names its
template (a file in the pack's ``templates/`` folder), the levels that need it (empty = every
level), its parts in print order and the fields printed on it. Every part prints on its own A4
page with the serial number (第 N 号) and a QR code whose payload carries the part's
two-character ``code`` (unique across all forms of a pack), so a scanned page can be filed back
into the student's archive folder.

A field's ``name`` is a name of the template context (``student.name``, ``level``, ``box`` …;
``rows.<attr>`` on list/summary forms, see :mod:`yujing.forms.contract`), or "" for a
hand-filled field. ``paper`` is a colour tag (anshan's 家长谈话记录表 is for red warnings only).

:func:`load_forms` validates a catalogue and raises :class:`~yujing.errors.FormsError` naming
the file and the key that is wrong.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from yujing.errors import FormsError
from yujing.forms.contract import field_names

KINDS = (
    "notice",
    "parent-notice",
    "interview",
    "parent-interview",
    "plan",
    "support-record",
    "list",
    "summary",
)
PERS = ("student", "class", "college", "term")
SUMMARY_KINDS = ("list", "summary")
ID_RE = re.compile(r"^[a-z][a-z0-9-]*$")
CODE_RE = re.compile(r"^[A-Z][0-9]$")
COVER_CODE = "Z0"
"""The part code of the class cover sheet (发放单); reserved, no catalogue may use it."""
COVER_TITLE = "材料发放单"


@dataclass(frozen=True)
class PartSpec:
    """One 联 (part) of a form; each part prints on its own A4 page."""

    id: str  # ascii: "stub", "student", "parent", "receipt", "record", "list"
    code: str  # [A-Z][0-9], unique across all forms of the policy; goes in the QR payload
    title: str  # "学院存根", "学生联", "家长联", "回执" …
    returns: bool  # comes back (signed) to be scanned into the archive
    signed_by: tuple[str, ...]  # ("学生",), ("家长",), ("谈话人", "学生") …
    kept_by: str  # "学院", "学生", "家长" …


@dataclass(frozen=True)
class FieldSpec:
    """A field printed on the form."""

    name: str  # context key it is filled from (yujing.forms.contract), "" = hand-filled
    label: str  # the label printed on the form
    handwritten: bool  # left blank for hand filling


@dataclass(frozen=True)
class FormSpec:
    """An annexed form of a policy."""

    id: str
    policy: str
    annex: str  # "附件1", "附件一", "" when not an annex
    title: str  # exact seed title
    kind: str  # one of KINDS
    per: str  # "student" | "class" | "college" | "term"
    levels: tuple[str, ...]  # level names that need it; () = every level
    template: str  # file name in the pack's templates/ folder
    template_path: Path  # where that file is
    parts: tuple[PartSpec, ...]
    fields: tuple[FieldSpec, ...]
    paper: str = ""  # colour tag, e.g. "红色" for a form the seed reserves to red warnings
    note: str = ""
    copies: tuple[str, ...] = ()
    """College-level lists printed in several copies (份别, xinglin's 清单 一式四份): one name
    per copy, each printed with its own serial; () = one copy."""

    @property
    def per_college(self) -> bool:
        """A college-level document (名单、汇总表), printed once per college and batch."""
        return not self.per_student

    @property
    def per_student(self) -> bool:
        return self.per == "student"

    def needed_at(self, level: str) -> bool:
        return not self.levels or level in self.levels

    @property
    def field_names(self) -> frozenset[str]:
        """The context names the form's fields are filled from."""
        return frozenset(f.name for f in self.fields if f.name)

    def part(self, part_id: str) -> PartSpec:
        for part in self.parts:
            if part.id == part_id:
                return part
        raise FormsError(f"表单「{self.title}」（{self.id}）没有联「{part_id}」")


def load_forms(
    path: Path,
    templates_dir: Path | None = None,
    level_names: Sequence[str] | None = None,
    *,
    check_templates: bool = True,
) -> tuple[FormSpec, ...]:
    """The forms of the catalogue file ``path`` (a pack's ``forms.toml``), validated, in
    catalogue order; templates are looked up in ``templates_dir`` (default: ``templates/``
    beside ``path``) and levels checked against ``level_names`` when given."""
    path = Path(path)
    folder = Path(templates_dir) if templates_dir is not None else path.parent / "templates"
    levels = tuple(level_names) if level_names is not None else None
    return _load(path.resolve(), folder.resolve(), levels, check_templates)


@lru_cache(maxsize=64)
def _load(
    path: Path, templates_dir: Path, level_names: tuple[str, ...] | None, check_templates: bool
) -> tuple[FormSpec, ...]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise FormsError(f"表单目录 {path} 不是有效的 TOML：{exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise FormsError(f"无法读取表单目录 {path}：{exc}") from exc
    return parse_catalogue(
        data,
        path,
        templates_dir=templates_dir,
        level_names=level_names,
        check_templates=check_templates,
    )


def forms_for_level(forms: Sequence[FormSpec], level: str) -> tuple[FormSpec, ...]:
    """The per-student forms a student at ``level`` needs, in catalogue order."""
    return tuple(f for f in forms if f.per_student and f.needed_at(level))


def college_label(forms: Sequence[FormSpec]) -> str:
    """What the pack's forms call a college (学院, 学部, 系部): the label of the ``college``
    field of its first form that prints one, without a bracketed note (学部（公章） → 学部)."""
    for form in forms:
        for f in form.fields:
            if f.name == "college" and f.label:
                return f.label.split("（")[0].split("(")[0].strip() or "学院"
    return "学院"


def part_by_code(forms: Sequence[FormSpec], code: str) -> tuple[FormSpec, PartSpec]:
    """The form and part whose QR code is ``code``."""
    for form in forms:
        for part in form.parts:
            if part.code == code:
                return form, part
    raise FormsError(f"表单目录中没有代码为「{code}」的联")


# --------------------------------------------------------------------------- validation


class _Where:
    def __init__(self, path: Path | None) -> None:
        self.path = path

    def error(self, key: str, message: str) -> FormsError:
        where = f"表单目录 {self.path}" if self.path else "表单目录"
        return FormsError(f"{where}：{key} {message}")

    def text(self, table: Mapping[str, Any], name: str, key: str, *, required: bool = True) -> str:
        if name not in table:
            if required:
                raise self.error(f"{key}.{name}", "缺失")
            return ""
        value = table[name]
        if not isinstance(value, str):
            raise self.error(f"{key}.{name}", f"应为字符串，实为 {value!r}")
        if required and not value.strip():
            raise self.error(f"{key}.{name}", "不能为空")
        return value

    def flag(self, table: Mapping[str, Any], name: str, key: str, default: bool) -> bool:
        value = table.get(name, default)
        if not isinstance(value, bool):
            raise self.error(f"{key}.{name}", f"应为 true 或 false，实为 {value!r}")
        return value

    def strings(self, table: Mapping[str, Any], name: str, key: str) -> tuple[str, ...]:
        value = table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.error(f"{key}.{name}", f"应为字符串列表，实为 {value!r}")
        if len(set(value)) != len(value):
            raise self.error(f"{key}.{name}", f"有重复项：{value!r}")
        return tuple(value)

    def tables(self, table: Mapping[str, Any], name: str, key: str) -> Sequence[Mapping[str, Any]]:
        value = table.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.error(f"{key}.{name}", "应为表（table）的列表")
        return value

    def unknown(self, table: Mapping[str, Any], allowed: set[str], key: str) -> None:
        extra = sorted(set(table) - allowed)
        if extra:
            raise self.error(
                key, f"有未知的键：{'、'.join(extra)}；可用：{'、'.join(sorted(allowed))}"
            )


FORM_KEYS = {
    "id",
    "annex",
    "title",
    "kind",
    "per",
    "levels",
    "template",
    "parts",
    "fields",
    "paper",
    "note",
    "copies",
}
PART_KEYS = {"id", "code", "title", "returns", "signed_by", "kept_by"}
FIELD_KEYS = {"name", "label", "handwritten"}


def parse_catalogue(
    data: Mapping[str, Any],
    path: Path | None = None,
    *,
    templates_dir: Path | None = None,
    level_names: Sequence[str] | None = None,
    check_templates: bool = True,
) -> tuple[FormSpec, ...]:
    """Validate the parsed TOML of a catalogue file."""
    w = _Where(path)
    w.unknown(data, {"catalogue", "forms"}, "顶层")
    head = data.get("catalogue")
    if not isinstance(head, dict):
        raise w.error("[catalogue]", "缺失")
    w.unknown(head, {"policy", "school", "source"}, "catalogue")
    policy = w.text(head, "policy", "catalogue")
    w.text(head, "school", "catalogue", required=False)
    w.text(head, "source", "catalogue", required=False)
    if templates_dir is None:
        templates_dir = (path.parent if path is not None else Path.cwd()) / "templates"
    levels_known = tuple(level_names) if level_names is not None else None

    raw_forms = w.tables(data, "forms", "forms")
    if not raw_forms:
        raise w.error("[[forms]]", "没有任何表单")
    forms: list[FormSpec] = []
    form_ids: set[str] = set()
    codes: dict[str, str] = {}
    for i, raw in enumerate(raw_forms):
        key = f"forms[{i}]"
        w.unknown(raw, FORM_KEYS, key)
        form_id = w.text(raw, "id", key)
        key = f"forms[{i}]（{form_id}）"
        if not ID_RE.match(form_id):
            raise w.error(f"{key}.id", "只能用小写 ASCII 字母、数字和连字符")
        if form_id in form_ids:
            raise w.error(f"{key}.id", f"「{form_id}」重复")
        form_ids.add(form_id)
        kind = w.text(raw, "kind", key)
        if kind not in KINDS:
            raise w.error(f"{key}.kind", f"「{kind}」无效；可用：{'、'.join(KINDS)}")
        per = w.text(raw, "per", key)
        if per not in PERS:
            raise w.error(f"{key}.per", f"「{per}」无效；可用：{'、'.join(PERS)}")
        summary = kind in SUMMARY_KINDS
        if summary == (per == "student"):
            raise w.error(
                f"{key}.per",
                "名单、汇总表（list/summary）须按班级、学院或学期（class/college/term），"
                "其他表单须按学生（student）",
            )
        levels = w.strings(raw, "levels", key)
        if levels_known is not None:
            for level in levels:
                if level not in levels_known:
                    raise w.error(
                        f"{key}.levels",
                        f"「{level}」不是规则的等级；可用等级：{'、'.join(levels_known)}",
                    )
        template = w.text(raw, "template", key)
        if template.startswith("/") or ".." in Path(template).parts:
            raise w.error(f"{key}.template", "应为本目录 templates/ 下的文件名")
        if not template.endswith(".docx"):
            raise w.error(f"{key}.template", "应为 .docx 文件")
        template_file = templates_dir / template
        if check_templates and not template_file.is_file():
            raise w.error(f"{key}.template", f"模板文件 {template_file} 不存在")

        parts = _parse_parts(w, raw, key, form_id, codes)
        if summary and len(parts) != 1:
            raise w.error(f"{key}.parts", "名单、汇总表只能有一联")
        fields = _parse_fields(w, raw, key, summary)
        forms.append(
            FormSpec(
                id=form_id,
                policy=policy,
                annex=w.text(raw, "annex", key, required=False),
                title=w.text(raw, "title", key),
                kind=kind,
                per=per,
                levels=levels,
                template=template,
                template_path=template_file,
                parts=parts,
                fields=fields,
                paper=w.text(raw, "paper", key, required=False),
                note=w.text(raw, "note", key, required=False),
                copies=_copies(w, raw, key, summary),
            )
        )
    return tuple(forms)


def _copies(w: _Where, raw: Mapping[str, Any], key: str, summary: bool) -> tuple[str, ...]:
    copies = w.strings(raw, "copies", key)
    if copies and not summary:
        raise w.error(f"{key}.copies", "只有名单、汇总表（list/summary）可以印多份")
    return copies


def _parse_parts(
    w: _Where, raw: Mapping[str, Any], key: str, form_id: str, codes: dict[str, str]
) -> tuple[PartSpec, ...]:
    raw_parts = w.tables(raw, "parts", key)
    if not raw_parts:
        raise w.error(f"{key}.parts", "至少要有一联")
    parts: list[PartSpec] = []
    part_ids: set[str] = set()
    for j, rp in enumerate(raw_parts):
        pkey = f"{key}.parts[{j}]"
        w.unknown(rp, PART_KEYS, pkey)
        part_id = w.text(rp, "id", pkey)
        if not ID_RE.match(part_id) or "-" in part_id:
            raise w.error(
                f"{pkey}.id", "只能用小写 ASCII 字母和数字（它也是模板里 qr.<id> 的名字）"
            )
        if part_id in part_ids:
            raise w.error(f"{pkey}.id", f"「{part_id}」在本表单中重复")
        part_ids.add(part_id)
        code = w.text(rp, "code", pkey)
        if not CODE_RE.match(code):
            raise w.error(f"{pkey}.code", f"「{code}」无效：应为一个大写字母加一个数字，如 N1")
        if code in codes:
            raise w.error(f"{pkey}.code", f"「{code}」重复（已用于 {codes[code]}）")
        if code == COVER_CODE:
            raise w.error(f"{pkey}.code", f"「{code}」留作班级发放单的代码，请换一个")
        codes[code] = f"{form_id}.{part_id}"
        parts.append(
            PartSpec(
                id=part_id,
                code=code,
                title=w.text(rp, "title", pkey),
                returns=w.flag(rp, "returns", pkey, False),
                signed_by=w.strings(rp, "signed_by", pkey),
                kept_by=w.text(rp, "kept_by", pkey),
            )
        )
    return tuple(parts)


def _parse_fields(
    w: _Where, raw: Mapping[str, Any], key: str, summary: bool
) -> tuple[FieldSpec, ...]:
    allowed = field_names(summary)
    fields: list[FieldSpec] = []
    for j, rf in enumerate(w.tables(raw, "fields", key)):
        fkey = f"{key}.fields[{j}]"
        w.unknown(rf, FIELD_KEYS, fkey)
        name = w.text(rf, "name", fkey, required=False)
        if name and name not in allowed:
            raise w.error(f"{fkey}.name", f"「{name}」不是模板上下文中的名字")
        handwritten = w.flag(rf, "handwritten", fkey, not name)
        if not name and not handwritten:
            raise w.error(f"{fkey}.handwritten", "没有 name 的字段只能手填（handwritten = true）")
        fields.append(
            FieldSpec(name=name, label=w.text(rf, "label", fkey), handwritten=handwritten)
        )
    return tuple(fields)
