"""The university folder (学校文件夹): every college's workspace under one folder, with the
university's own registry for the 教务处 and the inspectors (督查).

```
DIR/
  university.toml      校名, the colleges (slug, name, folder, pack), [web] cas_url/public_url
  university.sqlite    the university registry (accounts office/supervisor, inspections,
                       findings, rectification deadlines, filed term reports, event log)
  secret.key           the key sealing the university registry's event log
  filings/             the term summary reports the colleges filed (报教务处备案), copied
  <slug>/              one complete college workspace (yujing.toml, pack/, registry, archive …)
```

Each college folder stays a workspace every command and ``-w`` understand. Nothing a college
records is copied up: the roll-up (:mod:`yujing.university.rollup`) reads each college through
its own :class:`~yujing.workspace.Workspace`. :class:`University` is the front door of the
university's commands and of the console's university pages.
"""

from __future__ import annotations

import random
import re
import secrets
import shutil
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from yujing import accounts
from yujing.errors import AccessDeniedError, InputError, ListStateError, WorkspaceError
from yujing.files import atomic_write, sha256_file, toml_string
from yujing.locking import writes
from yujing.model import Term
from yujing.qr import create_secret, read_secret
from yujing.registry import SessionRow, UserRow, now
from yujing.registry.university import (
    Filing,
    InspectionRow,
    Rectification,
    SampledFolder,
    UniversityRegistry,
)
from yujing.workspace import CONFIG_NAME, Workspace

if TYPE_CHECKING:
    from yujing.university.rollup import Opener, Rollup
    from yujing.warnlist.review import ApprovalState

UNIVERSITY_FILE = "university.toml"
REGISTRY_FILE = "university.sqlite"
FILINGS_DIR = "filings"
ROLES = {"office": "教务处", "supervisor": "督查（质量监督/学工部）"}
"""The university's roles (校级角色)."""
OFFICE, SUPERVISOR = "office", "supervisor"
SUMMARY_REPORT = "学期学业帮扶总结报告.docx"
"""The term report a college files with the 教务处 (one of :data:`yujing.reports.documents.REPORT_NAMES`)."""
ROLLUP_HEADERS = (
    ("college", "学院"),
    ("status_text", "名单"),
    ("frozen_at", "冻结时间"),
    ("assessed", "评估人数"),
    ("warned", "预警人数"),
    ("levels_text", "各等级"),
    ("notices", "已发通知书"),
    ("returns", "已回收回执"),
    ("folders", "档案（人）"),
    ("complete", "档案齐全"),
    ("missing", "缺失"),
    ("overdue", "超期未完成"),
    ("unsigned", "未签字"),
    ("interviews", "谈话（已谈/应谈）"),
    ("objections", "异议"),
    ("rectifications", "整改未结（最近期限）"),
)
"""The roll-up's columns (table, CSV, .xlsx, the page): key and Chinese header."""
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


@dataclass(frozen=True)
class College:
    """One college of the university (学院): its short name in addresses, its name, and its
    workspace folder."""

    slug: str
    name: str
    folder: str
    pack: str
    root: Path


@dataclass(frozen=True)
class Inspection:
    """An inspection draw (督查抽样) with its folders."""

    row: InspectionRow
    folders: tuple[SampledFolder, ...]


class University:
    """An opened university folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self._settings = _read(self.root / UNIVERSITY_FILE)
        self._registry: UniversityRegistry | None = None

    def reload(self) -> None:
        """Read ``university.toml`` again (a console kept open sees colleges and settings
        edited since)."""
        self._settings = _read(self.root / UNIVERSITY_FILE)

    # -- opening ---------------------------------------------------------------------------

    @staticmethod
    def is_university(folder: Path) -> bool:
        return (Path(folder) / UNIVERSITY_FILE).is_file()

    @classmethod
    def init(cls, root: Path, *, name: str) -> University:
        """Create the university folder ``root`` (writes ``university.toml``)."""
        root = Path(root)
        if (root / UNIVERSITY_FILE).exists():
            raise WorkspaceError(f"{root} 已是学校文件夹（有 {UNIVERSITY_FILE}），未做改动。")
        if (root / CONFIG_NAME).exists():
            raise WorkspaceError(f"{root} 是一个学院工作区，不能再作学校文件夹。")
        if not name.strip():
            raise InputError("学校名称（--name）不能为空。")
        try:
            root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise WorkspaceError(f"无法创建学校文件夹 {root}：{exc.strerror}") from exc
        _write(root / UNIVERSITY_FILE, {"name": name.strip(), "created": now()}, {}, [])
        create_secret(root)
        uni = cls(root)
        uni.registry.log("university-init", name.strip())
        return uni

    @property
    def name(self) -> str:
        """校名."""
        return str(self._settings["university"].get("name", ""))

    @property
    def colleges(self) -> tuple[College, ...]:
        out = []
        for c in self._settings.get("colleges", []):
            folder = str(c.get("folder") or c["slug"])
            out.append(
                College(
                    str(c["slug"]),
                    str(c["name"]),
                    folder,
                    str(c.get("pack", "")),
                    self.root / folder,
                )
            )
        return tuple(out)

    def college(self, slug: str) -> College:
        for c in self.colleges:
            if c.slug == slug:
                return c
        raise InputError(f"{self.name} 没有学院「{slug}」（见 yujing university list）。")

    @contextmanager
    def open_college(self, slug: str) -> Iterator[Workspace]:
        """The college's workspace, closed after the block."""
        ws = Workspace(self.college(slug).root)
        try:
            yield ws
        finally:
            ws.close()

    @property
    def cas_url(self) -> str:
        """统一身份认证 (CAS) server's address (``[web] cas_url``), "" when not set."""
        return _url(self._settings, "cas_url", self.root / UNIVERSITY_FILE)

    @property
    def public_url(self) -> str:
        return _url(self._settings, "public_url", self.root / UNIVERSITY_FILE)

    @property
    def registry(self) -> UniversityRegistry:
        if self._registry is None:
            secret = read_secret(self.root)
            if secret is None:
                raise WorkspaceError(f"学校文件夹 {self.root} 缺少签名密钥 secret.key。")
            self._registry = UniversityRegistry(self.root / REGISTRY_FILE, secret)
        return self._registry

    def close(self) -> None:
        if self._registry is not None:
            self._registry.close()
            self._registry = None

    @contextmanager
    def acting_as(self, account: str) -> Iterator[None]:
        """Log every event of the block with ``account``."""
        with self.registry.acting_as(account):
            yield

    # -- colleges (学院) -----------------------------------------------------------------------

    @writes
    def add_college(
        self,
        name: str,
        *,
        pack: str | Path,
        school: str = "",
        slug: str = "",
        address: str = "",
        phone: str = "",
    ) -> College:
        """Create the college's workspace inside the university folder (``Workspace.init``,
        the same as ``yujing init``) and list it in ``university.toml``."""
        name = name.strip()
        if not name:
            raise InputError("学院名称不能为空。")
        if any(c.name == name for c in self.colleges):
            raise InputError(f"学院「{name}」已在 {self.name} 中。")
        slug = (slug or _default_slug(pack, {c.slug for c in self.colleges})).strip()
        if not _SLUG.match(slug):
            raise InputError(
                f"学院简称「{slug}」只能用小写字母、数字和连字符（如 art、mech-2），用在网址中。"
            )
        if any(c.slug == slug for c in self.colleges) or (self.root / slug).exists():
            raise InputError(f"学院简称「{slug}」已被使用（或已有同名文件夹）。")
        ws = Workspace.init(
            self.root / slug,
            pack=pack,
            school=school.strip() or f"{self.name}{name}",
            address=address,
            phone=phone,
        )
        origin = str(ws.config.get("pack_origin", ""))
        ws.close()
        entries = [*self._settings.get("colleges", [])]
        entries.append({"slug": slug, "name": name, "folder": slug, "pack": origin})
        _write(
            self.root / UNIVERSITY_FILE,
            self._settings["university"],
            self._settings.get("web", {}),
            entries,
        )
        self._settings = _read(self.root / UNIVERSITY_FILE)
        self.registry.log("college-add", f"{name}（{slug}，院校包 {origin}）")
        return self.college(slug)

    # -- accounts (校级账号) -------------------------------------------------------------------

    def add_user(self, name: str, *, role: str, password: str) -> UserRow:
        return accounts.add_user(_view(self), name, role=role, password=password, roles=ROLES)

    def users(self) -> list[UserRow]:
        return accounts.users(_view(self))

    def set_password(self, name: str, password: str) -> None:
        accounts.set_password(_view(self), name, password)

    def disable_user(self, name: str) -> None:
        accounts.disable_user(_view(self), name)

    def authenticate(self, name: str, password: str, ip: str = "") -> UserRow:
        return accounts.authenticate(_view(self), name, password, ip)

    def open_session(self, name: str) -> tuple[str, str]:
        return accounts.open_session(_view(self), name)

    def session_user(self, cookie: str) -> tuple[UserRow, SessionRow] | None:
        return accounts.session_user(_view(self), cookie)

    def close_session(self, cookie: str) -> None:
        accounts.close_session(_view(self), cookie)

    # -- the roll-up (全校汇总) --------------------------------------------------------------

    def rollup(
        self, term: Term, *, as_of: date | None = None, opener: Opener | None = None
    ) -> Rollup:
        """Every college's figures of ``term`` and of the same term a year before, read
        through each college's workspace (the figures ``list show`` and ``audit`` print);
        ``opener`` opens a college's workspace (default: open, read, close)."""
        from yujing.university.rollup import rollup

        return rollup(self, term, as_of=as_of, opener=opener)

    # -- the 教务处's approval (教务处审核) -----------------------------------------------------

    def approval(self, slug: str, term: Term) -> ApprovalState:
        with self.open_college(slug) as ws:
            return ws.approval(term)

    def decide_list(
        self, slug: str, term: Term, *, approve: bool, comment: str, account: str
    ) -> ApprovalState:
        """The 教务处 approves a college's draft list, or returns it with a comment — only
        where the college's pack says the 教务处 approves (``approved_by = "university"``);
        recorded in the college's registry by the college's own approval step."""
        with self.open_college(slug) as ws:
            if ws.policy.approved_by != "university":
                raise AccessDeniedError(
                    f"{self.college(slug).name}的名单由学院审核（院校包未规定报教务处审核），"
                    "教务处只能查看。"
                )
            with ws.acting_as(account):
                state = ws.decide_list(
                    term, approve=approve, comment=comment, account=account, university=True
                )
        with self.registry.transaction():
            self.registry.log(
                "college-approve" if approve else "college-send-back",
                f"{self.college(slug).name}：{comment.strip() or '同意'}",
                term=str(term),
            )
        return state

    # -- term summary reports filed with the 教务处 (报教务处备案) ------------------------------

    @writes
    def file_report(self, slug: str, term: Term) -> Filing:
        """File the college's term summary report (学期学业帮扶总结报告, made by ``yujing report``)
        with the 教务处: a copy is kept in ``filings/<slug>/`` with its sha256 and the date."""
        college = self.college(slug)
        source = college.root / "reports" / f"{term} {SUMMARY_REPORT}"
        if not source.is_file():
            raise ListStateError(
                f"{college.name}还没有 {term} 的{SUMMARY_REPORT.removesuffix('.docx')}："
                "请先生成学期报告（报告 → 生成）。"
            )
        target = (
            self.root / FILINGS_DIR / slug / f"{term} {now().replace(':', '')} {SUMMARY_REPORT}"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(target, "wb") as fh, source.open("rb") as src:
            shutil.copyfileobj(src, fh)
        registry = self.registry
        with registry.transaction():
            fid = registry.add_filing(
                {
                    "college": slug,
                    "term": str(term),
                    "report": SUMMARY_REPORT.removesuffix(".docx"),
                    "path": str(target.relative_to(self.root)),
                    "sha256": sha256_file(target),
                }
            )
            registry.log("report-filed", f"{college.name}：{term} {SUMMARY_REPORT}", term=str(term))
        filing = registry.filing(fid)
        assert filing is not None
        return filing

    def report_file(self, slug: str, name: str) -> Path:
        """A college's term report (``<学期> <报告名>.docx`` in its ``reports/``), by name;
        any other name is refused (no path reaches the disk)."""
        from yujing.reports.documents import REPORT_NAMES

        college = self.college(slug)
        term_text, _, report = name.partition(" ")
        try:
            Term.parse(term_text)
        except InputError as exc:
            raise InputError("没有这份报告。") from exc
        if report not in REPORT_NAMES:
            raise InputError("没有这份报告。")
        return college.root / "reports" / name

    def filings(self, slug: str | None = None) -> list[Filing]:
        return self.registry.filings(slug)

    def filing_file(self, filing_id: int, slug: str | None = None) -> Path:
        """The filed copy of a report (only of ``slug`` when given)."""
        filing = self.registry.filing(filing_id)
        if filing is None or (slug is not None and filing.college != slug):
            raise InputError("没有这份备案报告。")
        return self.root / filing.path

    # -- inspections (督查抽样、检查意见、限期整改) -------------------------------------------

    @writes
    def draw_sample(
        self, slug: str, term: Term, size: int, *, seed: int | None = None
    ) -> Inspection:
        """Draw ``size`` warned students' folders of the college at random for an inspection
        (the seed is recorded, so the same draw can be made again and checked)."""
        if size < 1:
            raise InputError("抽样份数至少为 1。")
        seed = secrets.randbelow(2**31) if seed is None else seed
        with self.open_college(slug) as ws:
            saved = ws.saved(term)
            warned = sorted(saved.warned, key=lambda r: r.student_id)
        if not warned:
            raise ListStateError(
                f"{self.college(slug).name} {term} 的名单上没有预警学生，无从抽样。"
            )
        drawn = random.Random(seed).sample(warned, min(size, len(warned)))
        folders = [
            {
                "college": slug,
                "student_id": r.student_id,
                "name": r.name,
                "class_name": r.class_name,
                "level": r.level,
            }
            for r in sorted(drawn, key=lambda r: r.student_id)
        ]
        registry = self.registry
        with registry.transaction():
            iid = registry.add_inspection(
                {
                    "term": str(term),
                    "college": slug,
                    "seed": seed,
                    "size": len(folders),
                    "drawn_at": now(),
                    "account": registry.account,
                },
                folders,
            )
            registry.log(
                "inspection-draw",
                f"{self.college(slug).name}：抽取 {len(folders)} 份档案（种子 {seed}）："
                + "、".join(f["student_id"] for f in folders),
                term=str(term),
            )
        return self.inspection(iid)

    def inspections(self, slug: str | None = None) -> list[InspectionRow]:
        return self.registry.inspections(slug)

    def inspection(self, inspection_id: int) -> Inspection:
        row = self.registry.inspection(inspection_id)
        if row is None:
            raise InputError(f"没有第 {inspection_id} 次抽查。")
        return Inspection(row, tuple(self.registry.sampled_folders(inspection_id)))

    @writes
    def record_finding(self, folder_id: int, finding: str) -> SampledFolder:
        """The supervisor's finding (检查意见) on one sampled folder."""
        folder = self.registry.sampled_folder(folder_id)
        if folder is None:
            raise InputError("抽查的档案不存在。")
        if not finding.strip():
            raise InputError("请写明检查意见。")
        registry = self.registry
        with registry.transaction():
            registry.set_finding(folder_id, finding.strip())
            registry.log(
                "inspection-finding",
                f"{self.college(folder.college).name}：{finding.strip()}",
                student_id=folder.student_id,
            )
        updated = registry.sampled_folder(folder_id)
        assert updated is not None
        return updated

    @writes
    def set_deadline(
        self, slug: str, term: Term, what: str, deadline: date, *, inspection_id: int = 0
    ) -> Rectification:
        """Order the college to rectify ``what`` by ``deadline`` (限期整改); open until closed."""
        college = self.college(slug)
        if not what.strip():
            raise InputError("请写明整改要求。")
        if inspection_id:
            found = self.registry.inspection(inspection_id)
            if found is None or found.college != slug:
                raise InputError(f"第 {inspection_id} 次抽查不是{college.name}的。")
        registry = self.registry
        with registry.transaction():
            rid = registry.add_rectification(
                {
                    "inspection_id": inspection_id,
                    "college": slug,
                    "term": str(term),
                    "what": what.strip(),
                    "deadline": deadline.isoformat(),
                }
            )
            registry.log(
                "rectification-set",
                f"{college.name}：{what.strip()}（限 {deadline.isoformat()} 前整改）",
                term=str(term),
            )
        rect = registry.rectification(rid)
        assert rect is not None
        return rect

    @writes
    def close_rectification(self, rect_id: int, note: str) -> Rectification:
        """The supervisor closes a rectification order (整改完成)."""
        rect = self.registry.rectification(rect_id)
        if rect is None:
            raise InputError(f"没有第 {rect_id} 号整改要求。")
        if not rect.open:
            raise ListStateError(f"第 {rect_id} 号整改要求已于 {rect.closed_at} 关闭。")
        registry = self.registry
        with registry.transaction():
            registry.close_rectification(rect_id, note.strip())
            registry.log(
                "rectification-close",
                f"{self.college(rect.college).name}：{rect.what}（{note.strip() or '已整改'}）",
                term=rect.term,
            )
        closed = registry.rectification(rect_id)
        assert closed is not None
        return closed

    def rectifications(
        self, slug: str | None = None, *, open_only: bool = False
    ) -> list[Rectification]:
        return self.registry.rectifications(slug, open_only=open_only)


def find_university(folder: Path) -> University:
    if not University.is_university(folder):
        raise WorkspaceError(
            f"{folder} 不是学校文件夹（没有 {UNIVERSITY_FILE}）。请先运行 "
            "yujing university init DIR --name 校名。"
        )
    return University(folder)


def _view(uni: University) -> Any:
    """The university as the account functions see a workspace (they use its registry)."""
    return cast(Any, uni)


def _default_slug(pack: str | Path, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9-]", "", Path(str(pack)).name.lower()) or "college"
    slug, n = base, 2
    while slug in used:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _url(settings: dict[str, Any], key: str, path: Path) -> str:
    web = settings.get("web", {})
    url = str(web.get(key, "") if isinstance(web, dict) else "").strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise WorkspaceError(f"{path} 的 [web] {key}「{url}」应以 http:// 或 https:// 开头。")
    return url


def _read(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise WorkspaceError(f"{path.parent} 不是学校文件夹（没有 {UNIVERSITY_FILE}）。") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"学校配置 {path} 无法解析：{exc}") from exc
    if not isinstance(data.get("university"), dict):
        raise WorkspaceError(f"学校配置 {path} 缺少 [university] 表。")
    colleges = data.get("colleges", [])
    if not isinstance(colleges, list) or any(
        not isinstance(c, dict) or "slug" not in c or "name" not in c for c in colleges
    ):
        raise WorkspaceError(f"学校配置 {path} 的 [[colleges]] 每项须有 slug 和 name。")
    return data


def _write(
    path: Path, head: dict[str, Any], web: dict[str, Any], colleges: list[dict[str, Any]]
) -> None:
    lines = [
        "# yujing 学校文件夹配置（可用文本编辑器修改）",
        "[university]",
        f"name = {toml_string(str(head.get('name', '')))}",
        f"created = {toml_string(str(head.get('created', '')))}",
        "",
        "# 网页控制台：对外地址与统一身份认证（CAS）服务器地址，如",
        '# public_url = "https://yujing.example.edu.cn"',
        '# cas_url = "https://cas.example.edu.cn/cas"',
        "[web]",
        *(f"{k} = {toml_string(str(v))}" for k, v in web.items()),
        "",
        "# 各学院（每个学院一个完整的工作区文件夹）",
    ]
    for c in colleges:
        lines += [
            "[[colleges]]",
            *(
                f"{k} = {toml_string(str(c[k]))}"
                for k in ("slug", "name", "folder", "pack")
                if k in c
            ),
            "",
        ]
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")


# -- the roll-up's renderings (the front door's, as yujing.workspace's write_audit_*) -----------


def write_rollup_csv(report: Rollup, stream: Any) -> None:
    """The roll-up as CSV rows (this term, then the same term last year) on ``stream``."""
    from yujing.university.rollup import write_csv

    write_csv(report, stream)


def write_rollup_xlsx(report: Rollup, path: Path) -> Path:
    """The roll-up as an .xlsx (text only, no formulas)."""
    from yujing.university.rollup import write_xlsx

    return write_xlsx(report, path)


def rollup_cells(figures: Any, college: str = "") -> list[str]:
    """One row of the roll-up (a college's figures, or the totals) in :data:`ROLLUP_HEADERS`."""
    from yujing.university.rollup import cells

    return cells(figures, college)


def rollup_lines(report: Rollup, which: str) -> list[str]:
    """Every college's figures (and the totals) as one Chinese line each."""
    from yujing.university.rollup import summary_line

    return [summary_line(getattr(r, which)) for r in report.rows] + [
        summary_line(report.total(which), "合计")
    ]
