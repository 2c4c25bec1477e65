"""Institution packs (院校包): everything that differs between schools, as one folder.

A pack is a folder holding

- ``policy.toml``        the warning rules (预警规则, :mod:`yujing.policies`);
- ``forms.toml``         the catalogue of annexed forms (附件, :mod:`yujing.forms`);
- ``templates/*.docx``   one Word template per form (docxtpl; editable in Word or WPS);
- ``README.md``          what the pack is and the document it follows.

The packs shipped with yujing are the sub-folders of this package, discovered from the folder
itself (no list of names in code). ``yujing init`` copies a pack into the workspace, and every
stage reads the workspace's copy by path. A school makes its own pack with :func:`new_pack`
(``yujing pack new``) and validates it with :func:`check_pack` (``yujing pack check``).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from yujing.errors import PackError, PolicyError, YujingError
from yujing.files import atomic_write, toml_string

if TYPE_CHECKING:
    from yujing.forms import FormSpec
    from yujing.policies import Policy

PACKS_DIR = Path(__file__).resolve().parent
POLICY_FILE = "policy.toml"
FORMS_FILE = "forms.toml"
TEMPLATES = "templates"
NAME_RE = re.compile(r"^[a-z][a-z0-9-]{1,40}$")


@dataclass(frozen=True)
class Pack:
    """An institution pack folder (院校包)."""

    root: Path
    policy_file: Path | None = None
    """Only for workspaces made before packs: their policy copy outside the pack."""

    @property
    def name(self) -> str:
        return self.root.name

    @property
    def policy_path(self) -> Path:
        return self.policy_file or self.root / POLICY_FILE

    @property
    def forms_path(self) -> Path:
        return self.root / FORMS_FILE

    @property
    def templates_dir(self) -> Path:
        return self.root / TEMPLATES

    @cached_property
    def policy(self) -> Policy:
        from yujing.policies import load_policy

        return load_policy(self.policy_path)

    @cached_property
    def forms(self) -> tuple[FormSpec, ...]:
        from yujing.forms import load_forms

        if not self.forms_path.is_file():
            raise PackError(f"院校包 {self.root} 缺少表单目录 {FORMS_FILE}。")
        return load_forms(self.forms_path, self.templates_dir, self.policy.level_names)


def builtin_packs() -> tuple[Pack, ...]:
    """The packs shipped with yujing: every sub-folder of this package with a policy file."""
    return tuple(
        Pack(folder)
        for folder in sorted(PACKS_DIR.iterdir())
        if folder.is_dir() and (folder / POLICY_FILE).is_file()
    )


def builtin_names() -> tuple[str, ...]:
    return tuple(p.name for p in builtin_packs())


def find_pack(name_or_dir: str | Path) -> Pack:
    """A built-in pack by name (``anshan``), or a pack folder by path. A path to a policy file
    (``policy.toml`` of a pack, or a lone policy file) is accepted too: its folder is the pack
    when it holds a forms catalogue."""
    text = str(name_or_dir)
    builtin = PACKS_DIR / text
    if NAME_RE.match(text) and (builtin / POLICY_FILE).is_file():
        return Pack(builtin)
    path = Path(name_or_dir)
    if path.is_dir():
        if not (path / POLICY_FILE).is_file():
            raise PackError(f"{path} 不是院校包：缺少 {POLICY_FILE}。")
        return Pack(path.resolve())
    if path.is_file():
        folder = path.resolve().parent
        if not (folder / FORMS_FILE).is_file():
            raise PackError(
                f"规则文件 {path} 不在院校包中（同一文件夹里没有 {FORMS_FILE}）。"
                "请用 yujing pack new 由内置院校包复制一个院校包，再修改其中的 policy.toml。"
            )
        return Pack(folder, policy_file=path.resolve())
    raise PackError(
        f"找不到院校包或规则「{text}」。内置院校包：{'、'.join(builtin_names())}；"
        "或给出院校包文件夹的路径（yujing pack new 可由内置院校包复制一个）。"
    )


# --------------------------------------------------------------------------- pack new


def new_pack(
    target: Path,
    *,
    source: str | Path,
    name: str | None = None,
    school: str | None = None,
    rules: str | None = None,
) -> Pack:
    """Copy the pack ``source`` (a built-in name or a folder) to the new folder ``target``;
    its policy and catalogue are renamed ``name`` (default: the folder's name) and, with
    ``school``, carry that school's name — and the title of that school's rules (``rules``,
    by default 《<school>学生学业预警办法》), never the source school's."""
    origin = find_pack(source)
    target = Path(target)
    name = name or target.name
    if not NAME_RE.match(name):
        raise PackError(
            f"院校包名称「{name}」无效：只能用小写字母、数字和连字符，以字母开头（如 myschool）。"
        )
    if target.exists():
        raise PackError(f"{target} 已存在，未做改动。请换一个文件夹名。")
    staging = target.with_name(f".{target.name}.partial")
    try:
        if staging.exists():
            shutil.rmtree(staging)
        shutil.copytree(origin.root, staging, ignore=shutil.ignore_patterns("__pycache__"))
        if school and not rules:
            rules = f"《{school}学生学业预警办法》"
        _rename_in(staging / POLICY_FILE, "policy", name, school, rules)
        _rename_in(staging / FORMS_FILE, "catalogue", name, school)
        readme = staging / "README.md"
        old = readme.read_text(encoding="utf-8") if readme.exists() else ""
        with atomic_write(readme, "w", encoding="utf-8") as fh:
            fh.write(
                f"# 院校包 {name}\n\n"
                f"由院校包「{origin.name}」复制而来{f'，供{school}使用' if school else ''}。"
                "修改 policy.toml 中的阈值、forms.toml 中的表单，用 Word 或 WPS 修改 templates/ 里的"
                "模板，然后运行 `yujing pack check` 检查。\n\n"
                "## 来源院校包的说明\n\n" + old
            )
        staging.rename(target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise PackError(f"无法创建院校包 {target}：{exc.strerror or exc}") from exc
    return Pack(target.resolve())


def _rename_in(
    path: Path, table: str, name: str, school: str | None, rules: str | None = None
) -> None:
    """Set ``[table] name/policy``, ``school`` and ``rules`` in a pack's TOML file, keeping
    its comments."""
    if not path.exists():
        return
    text = path.read_text(encoding="utf-8")
    key = "name" if table == "policy" else "policy"
    head = re.search(rf"^\[{table}\]\s*$", text, re.MULTILINE)
    if head is None:
        raise PackError(f"{path} 缺少 [{table}] 表。")
    section_end = re.search(r"^\[", text[head.end() :], re.MULTILINE)
    end = head.end() + section_end.start() if section_end else len(text)
    body = text[head.end() : end]
    body = _set_key(body, key, name)
    if school:
        body = _set_key(body, "school", school)
    if rules:
        body = _set_key(body, "rules", rules)
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(text[: head.end()] + body + text[end:])


def _set_key(body: str, key: str, value: str) -> str:
    line = f"{key} = {toml_string(value)}"
    pattern = re.compile(rf"^{key}\s*=.*$", re.MULTILINE)
    if pattern.search(body):
        return pattern.sub(lambda _m: line, body, count=1)
    return f"\n{line}" + body


# --------------------------------------------------------------------------- pack check


@dataclass(frozen=True)
class PackProblem:
    """One problem found in a pack: the file, the key or place in it, and what is wrong."""

    file: str
    key: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}" + (f"：{self.key}" if self.key else "")
        return f"{where}：{self.message}"


@dataclass(frozen=True)
class PackCheck:
    """What ``yujing pack check`` found."""

    pack: Pack
    problems: tuple[PackProblem, ...]
    forms: int
    templates: int

    @property
    def ok(self) -> bool:
        return not self.problems


def check_pack(name_or_dir: str | Path) -> PackCheck:
    """Validate a whole pack: policy keys; forms' parts and levels against the policy's
    levels; every template's tags parse and use only names the generator supplies; every
    form the requirements name exists."""
    from yujing.forms import load_forms
    from yujing.forms.templates import check_template

    pack = find_pack(name_or_dir)
    problems: list[PackProblem] = []
    try:
        policy = pack.policy
    except YujingError as exc:
        return PackCheck(pack, (PackProblem(POLICY_FILE, "", str(exc)),), 0, 0)
    try:
        forms = load_forms(
            pack.forms_path, pack.templates_dir, policy.level_names, check_templates=False
        )
    except YujingError as exc:
        return PackCheck(pack, (PackProblem(FORMS_FILE, "", str(exc)),), 0, 0)
    checked = 0
    for i, form in enumerate(forms):
        key = f"forms[{i}]（{form.id}）.template"
        if not form.template_path.is_file():
            problems.append(PackProblem(FORMS_FILE, key, f"模板文件 {form.template} 不存在"))
            continue
        checked += 1
        for message in check_template(form, policy.level_names):
            problems.append(PackProblem(f"{TEMPLATES}/{form.template}", "", message))
    codes = {part.code: f"{form.title}·{part.title}" for form in forms for part in form.parts}
    for i, req in enumerate(policy.requirements):
        for code in req.parts:
            if code not in codes:
                problems.append(
                    PackProblem(
                        POLICY_FILE,
                        f"requirements[{i}]（{req.id}）.parts",
                        f"「{code}」不是 {FORMS_FILE} 中任何一联的代码；"
                        f"可用：{'、'.join(sorted(codes))}",
                    )
                )
    if not (pack.root / "README.md").is_file():
        problems.append(PackProblem("README.md", "", "缺少说明文件（写明依据的文件名称和文号）"))
    from yujing.archive.settings import ARCHIVE_FILE, load_archive_settings

    try:
        load_archive_settings(pack.root)
    except YujingError as exc:
        problems.append(PackProblem(ARCHIVE_FILE, "", str(exc)))
    return PackCheck(pack, tuple(problems), len(forms), checked)


def load_pack_policy(name_or_path: str | Path) -> Policy:
    """The policy of a pack (built-in name or folder) or of a policy file (``policy check``)."""
    from yujing.policies import load_policy

    path = Path(name_or_path)
    if not path.is_file():
        path = find_pack(name_or_path).policy_path
        if not path.is_file():
            raise PolicyError(f"院校包中没有规则文件 {POLICY_FILE}：{path}")
    return load_policy(path)


def render_pack_sample(
    pack: str | Path,
    form_id: str,
    output: Path,
    *,
    level: str | None,
    school: str | None = None,
    long: bool = False,
) -> Path:
    """A sample of one form of ``pack`` for a made-up student (.docx or .pdf), printed with the
    pack's own school (or ``school``); with ``long`` the long values the layout test prints
    (long names, majors, 8 failed courses)."""
    from yujing.forms.sample import render_sample

    found = find_pack(pack)
    school = school or found.policy.school
    return render_sample(
        found.name,
        found.forms,
        found.policy,
        form_id,
        output,
        level=level,
        school=school,
        long=long,
    )
