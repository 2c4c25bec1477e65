"""The workspace (工作区): one folder per college and school year, holding

- ``yujing.toml``      the readable config (school, the title of its rules, the pack folder);
- ``pack/``            the institution pack (院校包: policy.toml, forms.toml, templates/),
                       copied from a built-in or a school's own pack, editable in place;
- ``registry.sqlite``  the registry (imports, lists, objections, the event log), sealed with
- ``secret.key``       the signing key of the QR codes and the registry's seals (made by init;
                       keep a backup: ``yujing backup DIR``);
- ``lists/``           the warning lists as .xlsx;
- ``archive/``         one folder per student (一生一档).

:class:`Workspace` is the front door: every interface (the CLI, the web console) calls its
methods, and each method hands one pipeline stage what it needs (imports → assessment and
list → print batches → scan intake and records → audit → term reports).
"""

from __future__ import annotations

import os
import shutil
import tomllib
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from yujing.accounts import ADVISER_ROLES, ROLES
from yujing.archive.intake import BLANK, FILED, REVIEW
from yujing.archive.verdicts import VERDICT_TEXT
from yujing.engine.assess import NotAssessed, Progress, assess
from yujing.errors import (
    InputError,
    ListStateError,
    PolicyError,
    WorkspaceError,
)
from yujing.files import atomic_write, bulk, sha256_file, toml_string
from yujing.imports import KINDS, checked, import_settings, parse_file, record_key, save_column_map
from yujing.institutions import FORMS_FILE, Pack, find_pack
from yujing.jobs import ARCHIVE_OUT, JOB_KINDS, QUEUES, Claimed, run_job
from yujing.labels import label
from yujing.locking import writes
from yujing.model import Term, when
from yujing.policies import Policy
from yujing.qr import create_secret, format_serial, read_secret
from yujing.registry import (
    KEY_SEP,
    RECORD_TABLES,
    Registry,
    SavedList,
    SessionRow,
    SignatureRecord,
    UserRow,
    now,
    record_row,
)
from yujing.roles import PUBLIC, RULES, JobRef, Resource, Role, StudentRef, allowed
from yujing.warnlist import (
    ListRow,
    apply_objections,
    assess_files,
    list_rows,
    population,
    previous_levels,
    unrostered,
    write_xlsx,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from yujing.archive.access import FolderFile
    from yujing.archive.catalogue import CatalogueFiles
    from yujing.archive.intake import (
        Assigned,
        AssignPreview,
        IntakeResult,
        ReviewItem,
        SignatureReview,
    )
    from yujing.archive.pdfa import PdfaResult
    from yujing.archive.records import Filed
    from yujing.archive.settings import ArchiveSettings
    from yujing.archive.volume import Volume
    from yujing.checker.due import StudentDue
    from yujing.checker.model import AuditReport
    from yujing.forms import FormSpec
    from yujing.generator.batch import BatchResult
    from yujing.handover import DueFolder, HandoverResult
    from yujing.nextstep import NextStep
    from yujing.registry.migrations import SchemaStatus
    from yujing.registry.pending_archive import ArchiveCopy
    from yujing.reports import TermSummary
    from yujing.warnlist.review import ApprovalState, CheckView, Slip, Workflow

__all__ = [
    "ADVISER_ROLES",
    "ARCHIVE_OUT",
    "BLANK",
    "FILED",
    "JOB_KINDS",
    "PUBLIC",
    "QUEUES",
    "REVIEW",
    "ROLES",
    "RULES",
    "VERDICT_TEXT",
    "Claimed",
    "ImportReport",
    "JobRef",
    "ListReport",
    "Resource",
    "Role",
    "StudentRef",
    "Workspace",
    "allowed",
    "assess_files",
    "format_serial",
    "label",
    "run_job",
    "when",
    "write_audit_csv",
    "write_audit_html",
    "write_audit_xlsx",
]

CONFIG_NAME = "yujing.toml"
REGISTRY_NAME = "registry.sqlite"
POLICY_COPY = "policy.toml"
PACK_COPY = "pack"
ENV_VAR = "YUJING_WORKSPACE"
OUTCOMES = {"corrected": "更正", "removed": "移出", "upheld": "维持"}
IMPORT_COLUMNS = {
    kind: tuple((c.header, c.required) for c in spec.columns) for kind, spec in KINDS.items()
}
"""Each import kind's columns by their template name, and whether required: what a column
mapping (列映射, ``--map``) can name."""


@dataclass(frozen=True)
class ImportReport:
    """What ``yujing import KIND FILE`` did."""

    kind: str
    file: Path
    encoding: str
    rows: int
    inserted: int
    updated: int
    unchanged: int
    skipped: tuple[Any, ...]
    changes: tuple[tuple[str, str, str, str], ...]
    profile: str = ""
    """The export profile a grade file was read with (e.g. 强智教务 成绩导出)."""
    notes: tuple[str, ...] = ()
    saved_map: bool = False

    def change_lines(self) -> list[str]:
        """Each change in Chinese: ``2023010101：姓名「陈明」→「陈敏」``."""
        return [change_line(self.kind, *c) for c in self.changes]


def change_line(kind: str, key: str, column: str, old: str, new: str) -> str:
    """One change of an import, with the column's Chinese header (姓名, 学院, 班级 …)."""
    label = next((c.header for c in KINDS[kind].columns if c.key == column), column)
    return f"{key.replace(KEY_SEP, '/')}：{label}「{old}」→「{new}」"


@dataclass(frozen=True)
class ListReport:
    """A warning list as stored, with what the CLI shows about it."""

    term: Term
    policy: Policy
    status: str
    rows: tuple[ListRow, ...]
    xlsx: Path
    assessed_count: int
    previous_source: str = ""
    not_assessed: tuple[NotAssessed, ...] = ()
    unrostered: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def warned(self) -> tuple[ListRow, ...]:
        return tuple(r for r in self.rows if r.warned)

    def count_by_level(self) -> dict[str, int]:
        c = Counter(r.level for r in self.warned)
        return {lv: c.get(lv, 0) for lv in self.policy.level_names}

    def count_by_class(self) -> dict[tuple[str, str], dict[str, int]]:
        out: dict[tuple[str, str], dict[str, int]] = {}
        for r in self.warned:
            cell = out.setdefault((r.college, r.class_name), {})
            cell[r.level] = cell.get(r.level, 0) + 1
        return dict(sorted(out.items()))

    def count_by_change(self) -> dict[str, int]:
        return dict(Counter(r.change for r in self.rows))


class Workspace:
    """An opened workspace."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._settings = _read_config(self.root / CONFIG_NAME)
        """The whole yujing.toml as read when the workspace was opened."""
        self.config: dict[str, Any] = self._settings["workspace"]
        self._registry: Registry | None = None
        self._policy: Policy | None = None
        self._due_cache: dict[tuple[Any, ...], list[StudentDue]] = {}
        """What :meth:`due_for` computed, kept until the registry changes or the day turns."""

    # -- opening -------------------------------------------------------------------------

    @classmethod
    def init(
        cls,
        root: Path,
        *,
        pack: str | Path,
        school: str,
        rules_title: str | None = None,
        address: str = "",
        phone: str = "",
    ) -> Workspace:
        """Create a workspace at ``root`` with a copy of ``pack`` (a built-in pack's name, a
        pack folder, or a lone policy file whose forms come from the pack it names).
        ``address`` and ``phone`` (学院通讯地址、联系电话) are printed where a form asks the
        parents to send a receipt back or to call."""
        root = Path(root)
        if (root / CONFIG_NAME).exists():
            raise WorkspaceError(f"{root} 已是 yujing 工作区（有 {CONFIG_NAME}），未做改动。")
        if not school.strip():
            raise WorkspaceError("学校/学院名称（--school）不能为空。")
        source = find_pack(pack)
        loaded = source.policy
        source.forms  # noqa: B018  (validates the catalogue before anything is written)
        rules = (rules_title or loaded.rules or "").strip()
        target = root / PACK_COPY
        try:
            root.mkdir(parents=True, exist_ok=True)
            for sub in ("archive", "lists"):
                (root / sub).mkdir(exist_ok=True)
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(source.root, target, ignore=shutil.ignore_patterns("__pycache__"))
        except OSError as exc:
            raise WorkspaceError(f"无法创建工作区 {root}：{exc.strerror}") from exc
        config = (
            "# yujing 工作区配置（可用文本编辑器修改）\n"
            "[workspace]\n"
            "# 学校/学院名称与预警办法名称，印在名单、通知书和报告上\n"
            f"school = {toml_string(school.strip())}\n"
            f"rules_title = {toml_string(rules)}\n"
            "# 学院通讯地址（含邮编）与联系电话：印在家长回执的寄回地址和联系电话处\n"
            f"address = {toml_string(address.strip())}\n"
            f"phone = {toml_string(phone.strip())}\n"
            f"# 院校包（预警规则 policy.toml、表单目录 {FORMS_FILE}、Word 模板 templates/）：\n"
            f"# 由「{source.name}」复制而来，可直接修改其中的阈值、表单和模板\n"
            f"pack = {toml_string(PACK_COPY)}\n"
            f"pack_origin = {toml_string(source.name)}\n"
            f"created = {toml_string(now())}\n"
        )
        with atomic_write(root / CONFIG_NAME, "w", encoding="utf-8") as fh:
            fh.write(config)
        create_secret(root)
        ws = cls(root)
        ws.registry.log("init", f"school={school.strip()} pack={source.name}")
        return ws

    @classmethod
    def find(cls, explicit: Path | None = None, start: Path | None = None) -> Workspace:
        """``explicit`` (``--workspace``), else ``$YUJING_WORKSPACE``, else the current folder
        or the nearest parent holding ``yujing.toml``."""
        if explicit is None and os.environ.get(ENV_VAR):
            explicit = Path(os.environ[ENV_VAR])
        if explicit is not None:
            if not (explicit / CONFIG_NAME).exists():
                raise WorkspaceError(
                    f"{explicit} 不是 yujing 工作区（没有 {CONFIG_NAME}）。"
                    "请先运行 yujing init DIR --policy NAME --school 名称。"
                )
            return cls(explicit)
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / CONFIG_NAME).exists():
                return cls(folder)
        raise WorkspaceError(
            f"当前目录 {here} 不在 yujing 工作区内。请进入工作区目录，或用 --workspace DIR 指明，"
            "或先运行 yujing init DIR --policy NAME --school 名称。"
        )

    @property
    def school(self) -> str:
        """学校/学院名称, as the workspace config says (printed on every form)."""
        return str(self.config.get("school", ""))

    @property
    def rules_title(self) -> str:
        """预警办法名称 (e.g. 《…学生学业预警制度实施办法》), from the config, else the pack's."""
        return str(self.config.get("rules_title") or self.policy.rules or "")

    @property
    def rules_basis(self) -> str:
        """依据: what the list and the reports cite — the pack's source (the rules and article
        its criteria come from), unless the workspace names rules of its own (``--rules``),
        which are then cited instead (a pack copied from another school keeps that school's
        source until someone edits it)."""
        own = str(self.config.get("rules_title") or "").strip()
        policy = self.policy
        if own and own != policy.rules:
            return own
        return policy.source or own or policy.name

    @property
    def school_address(self) -> str:
        """学院通讯地址 (config ``address``), where parents send receipts back; may be ""."""
        return str(self.config.get("address", "")).strip()

    @property
    def school_phone(self) -> str:
        """学院联系电话 (config ``phone``); may be ""."""
        return str(self.config.get("phone", "")).strip()

    def _web_url(self, key: str, example: str) -> str:
        """An address of the config's ``[web]`` table (``key``), without a trailing /; "" when
        not set; refused unless it starts with http:// or https://."""
        web = self._settings.get("web", {})
        url = str(web.get(key, "") if isinstance(web, dict) else "").strip().rstrip("/")
        if url and not url.startswith(("http://", "https://")):
            raise WorkspaceError(
                f"{CONFIG_NAME} 的 [web] {key}「{url}」应以 http:// 或 https:// 开头，如 {example}"
            )
        return url

    @property
    def public_url(self) -> str:
        """控制台对外地址: the address students and staff open the console at (config
        ``[web] public_url``, e.g. ``https://yujing.college.edu.cn``), printed in the links of
        the student check slips; "" when not set (the address the page was asked at is used)."""
        return self._web_url("public_url", "https://yujing.college.edu.cn")

    @property
    def cas_url(self) -> str:
        """统一身份认证 (CAS) server of the console's sign-in (config ``[web] cas_url``, e.g.
        ``https://cas.college.edu.cn/cas``); "" when not set (local passwords only)."""
        return self._web_url("cas_url", "https://cas.college.edu.cn/cas")

    @property
    def trusted_proxies(self) -> tuple[str, ...]:
        """受信任的反向代理: the addresses (config ``[web] trusted_proxies``, e.g.
        ``["127.0.0.1"]``) whose X-Forwarded-For / X-Forwarded-Proto the console believes;
        none by default, so no client can claim another address."""
        web = self._settings.get("web", {})
        given = web.get("trusted_proxies", []) if isinstance(web, dict) else []
        if isinstance(given, str):
            given = [given]
        if not isinstance(given, list) or not all(isinstance(a, str) for a in given):
            raise WorkspaceError(
                f"{CONFIG_NAME} 的 [web] trusted_proxies 应是地址的列表，如 [\"127.0.0.1\"]。"
            )
        return tuple(a.strip() for a in given if a.strip())

    @property
    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = Registry(self.root / REGISTRY_NAME, read_secret(self.root))
        return self._registry

    @property
    def pack(self) -> Pack:
        """The workspace's institution pack. Workspaces made before packs existed have a
        ``policy.toml`` at the top and take forms and templates from the built-in pack they
        were made from."""
        if "pack" in self.config:
            folder = self.root / str(self.config["pack"])
            if not (folder / "policy.toml").is_file():
                raise WorkspaceError(
                    f"工作区的院校包 {folder} 不存在或缺少 policy.toml（见 {CONFIG_NAME}）。"
                )
            return Pack(folder)
        path = self.root / str(self.config.get("policy", POLICY_COPY))
        if not path.exists():
            raise PolicyError(f"工作区的预警规则文件 {path} 不存在（见 {CONFIG_NAME}）。")
        origin = find_pack(str(self.config.get("policy_origin", "")) or path)
        return Pack(origin.root, policy_file=path)

    @property
    def policy(self) -> Policy:
        if self._policy is None:
            self._policy = self.pack.policy
        return self._policy

    @property
    def forms(self) -> tuple[FormSpec, ...]:
        """The annexed forms of the workspace's pack (表单目录), validated against its policy."""
        return self.pack.forms

    def close(self) -> None:
        if self._registry is not None:
            self._registry.close()
            self._registry = None

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    @property
    def lists_dir(self) -> Path:
        return self.root / "lists"

    # -- backups ---------------------------------------------------------------------------

    def registry_status(self, *, migrate: bool = True) -> SchemaStatus:
        """The registry's version (登记库版本), the migrations it ran and those pending. With
        ``migrate`` the registry is opened, and so upgraded (after a backup), first; without,
        it is only read."""
        if migrate:
            return self.registry.schema_status()
        from yujing.registry.migrations import read_status

        return read_status(self.root / REGISTRY_NAME)

    def backup(self, target: Path) -> Path:
        """Write a consistent copy of the workspace into ``target`` (see :mod:`yujing.backup`)."""
        from yujing.backup import backup

        return backup(self, target)

    @classmethod
    def restore(cls, source: Path, target: Path) -> Workspace:
        """Bring a backup made by :meth:`backup` back as the workspace at ``target``."""
        from yujing.backup import restore

        ws = cls(restore(source, target, CONFIG_NAME))
        ws.registry.log("restore", f"从备份 {Path(source).resolve()} 恢复")
        return ws

    # -- imports ---------------------------------------------------------------------------

    @writes
    @bulk()
    def import_file(
        self,
        kind: str,
        path: Path,
        *,
        skip_bad_rows: bool = False,
        term: Term | None = None,
        progress: Progress | None = None,
        profile: str | None = None,
        column_map: Mapping[str, str] | None = None,
        save_map: bool = False,
    ) -> ImportReport:
        """Import one file of ``kind``; all of it or nothing (unless bad rows are skipped).

        ``profile`` forces a grade export profile; ``column_map`` (template name → the file's
        header) adds to the mapping saved in yujing.toml, and ``save_map`` saves it there."""
        if kind not in KINDS:
            raise InputError(f"未知的导入类型「{kind}」；可用：{'、'.join(KINDS)}")
        level_names = self.policy.level_names if kind == "levels" else None
        settings = import_settings(self.root / CONFIG_NAME)
        saved = settings.maps.get(kind, {})
        if save_map and not column_map:
            raise InputError(
                "保存列映射需要同时给出列映射。", field="map", cli="（--save-map 需要同时用 --map 给出列映射）"
            )
        parsed = checked(
            parse_file(
                kind,
                path,
                term=term,
                level_names=level_names,
                progress=progress,
                profile=profile,
                column_map=column_map,
                student_id_pattern=settings.student_id_pattern,
                saved_map=saved,
            ),
            skip_bad_rows=skip_bad_rows,
        )
        rows = [record_row(r, record_key(r)) for r in parsed.records]
        registry = self.registry
        with registry.transaction():
            result = registry.store(kind, rows)
            registry.record_import(
                {
                    "kind": kind,
                    "file": str(Path(path).resolve()),
                    "sha256": sha256_file(path),
                    "encoding": parsed.encoding,
                    "rows": parsed.total_rows,
                    "inserted": result.inserted,
                    "updated": result.updated,
                    "unchanged": result.unchanged,
                    "skipped": len(parsed.bad_rows),
                    "at": now(),
                },
                result.changes,
                RECORD_TABLES[kind],
            )
            registry.log(
                "import",
                f"{label(kind, 'import-kind')} {Path(path).name}"
                + (f"（按 {parsed.profile} 读取）" if parsed.profile else "")
                + f": 新增 {result.inserted}，更新 {result.updated}，"
                f"未变 {result.unchanged}，跳过 {len(parsed.bad_rows)}",
            )
            # A roster change (a new 姓名, 学院, 班级 …) goes into the log per student, in Chinese
            # field names; every import's changes are in the changes table.
            for change in result.changes if kind == "roster" else ():
                registry.log(
                    "roster-change",
                    f"{Path(path).name}：{change_line(kind, *change)}",
                    student_id=change[0],
                )
        return ImportReport(
            kind,
            Path(path),
            parsed.encoding,
            parsed.total_rows,
            result.inserted,
            result.updated,
            result.unchanged,
            parsed.bad_rows,
            result.changes,
            parsed.profile,
            parsed.notes,
            self._save_map(kind, parsed.column_map) if save_map else False,
        )

    def _save_map(self, kind: str, mapping: Mapping[str, str]) -> bool:
        save_column_map(self.root / CONFIG_NAME, kind, mapping)
        self.registry.log(
            "import-map", f"{kind}: " + "，".join(f"{k}={v}" for k, v in mapping.items())
        )
        return True

    # -- the warning list ----------------------------------------------------------------

    def list_path(self, term: Term) -> Path:
        return self.lists_dir / f"{term} {self.policy.title}名单.xlsx"

    @writes
    def assess(self, term: Term, *, progress: Progress | None = None) -> ListReport:
        """Compute and store the draft list of ``term`` (objections already recorded for it
        are applied again) and write it as .xlsx."""
        registry = self.registry
        saved = registry.saved_list(term)
        if saved is not None and saved.frozen:
            raise ListStateError(
                f"{term} 的名单已于 {saved.frozen_at} 冻结，不能重新生成。"
                "冻结后的更正请通过作废并补发通知书完成。"
            )
        policy = self.policy
        for needed in sorted(policy.requires):
            if registry.count(RECORD_TABLES[needed]) == 0:
                raise ListStateError(
                    f"规则「{policy.name}」需要先导入{KINDS[needed].title}："
                    f"yujing import {needed} FILE"
                )
        if registry.count("grades") == 0 and registry.count("imported_levels") == 0:
            raise ListStateError("还没有导入成绩。请先运行 yujing import grades FILE。")
        return self._assess(term, progress)

    @bulk()
    def _assess(self, term: Term, progress: Progress | None) -> ListReport:
        registry, policy = self.registry, self.policy
        roster = registry.students()
        people = population(
            roster, registry.attempts(), registry.flags(), registry.imported_levels()
        )
        plan = registry.plan()
        result = assess(policy, term, people, plan=plan, progress=progress)
        previous_term = term.previous_regular()
        previous_saved = registry.saved_list(previous_term)
        if previous_saved is not None:
            previous = previous_saved.levels()
            source = f"{previous_term} 已{'冻结' if previous_saved.frozen else '保存'}的名单"
        else:
            previous = previous_levels(policy, term, people, plan)
            source = f"按成绩推算的 {previous_term} 名单" if previous else "无（首次评估）"
        rows = apply_objections(
            list_rows(result, previous, roster), registry.objections(term), policy
        )
        with registry.transaction():
            registry.replace_list(term, policy.name, result.assessed_count, rows)
            counts = Counter(r.level for r in rows if r.warned)
            registry.log(
                "assess",
                f"policy={policy.name} " + " ".join(f"{k}={v}" for k, v in sorted(counts.items())),
                term=str(term),
            )
        xlsx = write_xlsx(
            self.list_path(term),
            rows,
            policy,
            term,
            school=self.school,
            basis=self.rules_basis,
            status="草稿",
            not_assessed=result.not_assessed,
        )
        return ListReport(
            term,
            policy,
            "draft",
            tuple(rows),
            xlsx,
            result.assessed_count,
            source,
            result.not_assessed,
            tuple(unrostered(roster, people)),
        )

    def saved(self, term: Term) -> SavedList:
        saved = self.registry.saved_list(term)
        if saved is None:
            raise ListStateError(
                f"{term} 还没有名单。请先生成名单（评估）。",
                cli=f"请先运行 yujing assess --term {term}。",
            )
        return saved

    def report(self, term: Term) -> ListReport:
        saved = self.saved(term)
        return ListReport(
            term,
            self.policy,
            saved.status,
            saved.entries,
            self.list_path(term),
            saved.assessed_count,
        )

    @writes
    def record_objection(
        self,
        term: Term,
        student_id: str,
        *,
        reason: str,
        outcome: str,
        level: str | None = None,
        note: str = "",
    ) -> ListRow:
        """Record a student's objection (学生核查异议) and its outcome, and update the draft."""
        saved = self.saved(term)
        if saved.frozen:
            raise ListStateError(f"{term} 的名单已冻结，不能再登记异议。")
        if outcome not in OUTCOMES:
            raise InputError(f"处理结果应为 {'、'.join(OUTCOMES)} 之一（更正/移出/维持）。")
        if not reason.strip():
            raise InputError("请写明学生提出的异议。", field="reason", cli="（--reason）")
        row = saved.entry(student_id)
        if row is None or not row.warned:
            raise ListStateError(f"学号 {student_id} 不在 {term} 的预警名单上。")
        if outcome == "corrected":
            if not level:
                raise InputError(
                    "处理结果为更正时请给出更正后的等级。", field="level", cli="（--level）"
                )
            self.policy.level(level)
        elif level:
            raise InputError(
                "只有处理结果为更正时才能给出更正后的等级。", field="level", cli="（--level）"
            )
        registry = self.registry
        objection = {
            "term": str(term),
            "student_id": student_id,
            "reason": reason.strip(),
            "outcome": outcome,
            "level": level or "",
            "note": note,
        }
        (updated,) = apply_objections([row], [objection], self.policy)
        with registry.transaction():
            registry.add_objection(objection)
            registry.update_entry(term, updated)
            registry.log(
                "objection",
                f"{OUTCOMES[outcome]}：{reason.strip()}"
                + (f" → {level}" if level else "")
                + (f"（{note}）" if note else ""),
                term=str(term),
                student_id=student_id,
            )
        self._rewrite_xlsx(term)
        return updated

    @writes
    def freeze(self, term: Term) -> ListReport:
        """Fix the list notices are printed from (冻结); it cannot change afterwards."""
        saved = self.saved(term)
        if saved.frozen:
            raise ListStateError(f"{term} 的名单已于 {saved.frozen_at} 冻结。")
        self.check_freeze_allowed(term)
        registry = self.registry
        with registry.transaction():
            registry.set_frozen(term)
            registry.log("freeze", f"{len(saved.warned)} 人", term=str(term))
        self._rewrite_xlsx(term)
        return self.report(term)

    # -- print batches (打印批次) ------------------------------------------------------------

    def issue(
        self,
        term: Term,
        *,
        classes: Sequence[str] = (),
        levels: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> list[BatchResult]:
        """Give every student of the frozen list a serial and print all their forms."""
        from yujing.archive.pdfa import check_open
        from yujing.generator.batch import issue

        check_open(self, term)  # a term handed over to the archive is closed

        return issue(self, term, classes=classes, levels=levels, progress=progress)

    def reprint(self, serial: int, *, progress: Progress | None = None) -> BatchResult:
        """Print ``serial`` again with the same number and codes."""
        from yujing.generator.batch import reprint

        return reprint(self, serial, progress=progress)

    def void(self, serial: int, reason: str) -> dict[str, Any]:
        """Void ``serial`` (作废): its codes are refused from now on."""
        from yujing.generator.batch import void

        return void(self, serial, reason)

    # -- scan intake and the archive (扫描归档、一生一档) -------------------------------------

    def scan(self, paths: Sequence[Path], *, progress: Progress | None = None) -> IntakeResult:
        """File every scanned page of ``paths`` by its QR code, or queue it for review."""
        from yujing.archive.intake import ingest

        return ingest(self, paths, progress=progress)

    def review_items(self, *, include_blank: bool = False) -> list[ReviewItem]:
        """The review queue (待处理): scanned pages that could not be filed, with reasons and
        who uploaded them."""
        from yujing.archive.intake import review_items

        return review_items(self, include_blank=include_blank)

    def assign_preview(self, item: int, serial: int, part: str) -> AssignPreview:
        """What filing review item ``item`` as part ``part`` of ``serial`` would do: the
        student's name and class and the document's title, before anything is filed."""
        from yujing.archive.intake import assign_preview

        return assign_preview(self, item, serial, part)

    def set_aside(self, item: int, status: str, note: str = "") -> ReviewItem:
        """Set review item ``item`` aside as 不是本系统材料 (``discarded``) or 重复
        (``duplicate``): logged, the file kept."""
        from yujing.archive.intake import set_aside

        return set_aside(self, item, status, note)

    def signature_reviews(self, *, everything: bool = False) -> list[SignatureReview]:
        """Scanned pages whose signature verdict a person should check (签字复核), each with
        crops of its signature areas; every checked page with ``everything``."""
        from yujing.archive.intake import signature_reviews

        return signature_reviews(self, everything=everything)

    def confirm_signature(self, check_id: int, verdict: str, who: str) -> SignatureRecord:
        """A person's verdict (``signed``/``unsigned``) on a scanned page; the audit follows it."""
        from yujing.archive.intake import confirm_signature

        return confirm_signature(self, check_id, verdict, who)

    def assign(self, item: int, serial: int, part: str, *, confirmed: bool) -> Assigned:
        """File review item ``item`` by hand as part ``part`` of ``serial``, once a person
        has checked :meth:`assign_preview` (refused unless ``confirmed``)."""
        from yujing.archive.intake import assign

        return assign(self, item, serial, part, confirmed=confirmed)

    def write_manifest(self, output: Path) -> int:
        """Write the archive manifest (档案清单) as CSV; return the number of files."""
        from yujing.archive.intake import write_manifest

        return write_manifest(self, output)

    def attach(
        self,
        student_id: str,
        file: Path,
        *,
        kind: str,
        term: Term | None = None,
        when: str | None = None,
        note: str = "",
    ) -> Filed:
        """File an outside document (e.g. a 成绩单 PDF) into the student's folder."""
        from yujing.archive.records import attach

        return attach(self, student_id, file, kind=kind, term=term, when=when, note=note)

    def record(
        self,
        student_id: str,
        *,
        kind: str,
        when: str | None,
        who: str,
        how: str,
        summary: str,
        term: Term | None = None,
        participants: str = "",
    ) -> Filed:
        """File a typed record (谈话、家长联系、帮扶计划、帮扶记录) into the student's folder;
        ``who`` is the 记录人, ``participants`` (参与人) who else took part."""
        from yujing.archive.records import record

        return record(
            self,
            student_id,
            kind=kind,
            when=when,
            who=who,
            how=how,
            summary=summary,
            term=term,
            participants=participants,
        )

    def transcripts(
        self, term: Term, *, students: Sequence[str] = (), progress: Progress | None = None
    ) -> list[Filed]:
        """Render a 成绩单 from the imported grades into each warned student's folder."""
        from yujing.archive.records import transcripts

        return transcripts(self, term, students=students, progress=progress)

    # -- audit and term reports (档案检查、学期报告) -----------------------------------------

    def audit(
        self,
        term: Term | None = None,
        *,
        classes: Sequence[str] = (),
        verify: bool = False,
        as_of: date | None = None,
        progress: Progress | None = None,
    ) -> AuditReport:
        """The completeness audit of the warned students' folders (the latest list by default)."""
        from yujing.checker.audit import audit

        return audit(self, term, classes=classes, verify=verify, as_of=as_of, progress=progress)

    def term_reports(
        self, term: Term, out_dir: Path | None = None, *, progress: Progress | None = None
    ) -> list[Path]:
        """Write the term reports (.docx) into ``out_dir`` (default: ``reports/``)."""
        from yujing.reports.documents import write_term_reports

        return write_term_reports(self, term, out_dir or self.root / "reports", progress=progress)

    def term_summary(self, term: Term) -> TermSummary:
        """The term's figures the reports are made of (预警人数、转化率 …)."""
        from yujing.reports import term_summary

        return term_summary(self, term)

    def _rewrite_xlsx(self, term: Term) -> None:
        saved = self.saved(term)
        write_xlsx(
            self.list_path(term),
            saved.entries,
            self.policy,
            term,
            school=self.school,
            basis=self.rules_basis,
            status="已冻结" if saved.frozen else "草稿",
        )

    # == the web console's calls (issue #13): accounts, whose students, what is due, the
    # reviewer's approval, student check links, uploads, background jobs ==

    @contextmanager
    def acting_as(self, account: str) -> Iterator[None]:
        """Log every event of the block with ``account``."""
        with self.registry.acting_as(account):
            yield

    # -- accounts (账号) --------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        *,
        role: str,
        password: str,
        roster_name: str = "",
        classes: Sequence[str] = (),
        allow_unknown: bool = False,
        phone: str = "",
    ) -> UserRow:
        """Add a console account; an adviser's roster name and classes must be in the roster
        unless ``allow_unknown``; an adviser's ``phone`` is printed where the roster has none."""
        from yujing.accounts import add_user

        return add_user(
            self,
            name,
            role=role,
            password=password,
            roster_name=roster_name,
            classes=classes,
            allow_unknown=allow_unknown,
            phone=phone,
        )

    def roster_choices(self) -> dict[str, tuple[str, ...]]:
        """The roster's counsellors, class teachers and classes (an adviser account's choices)."""
        from yujing.accounts import roster_choices

        return roster_choices(self)

    def set_password(self, name: str, password: str) -> None:
        from yujing.accounts import set_password

        return set_password(self, name, password)

    def disable_user(self, name: str) -> None:
        from yujing.accounts import disable_user

        return disable_user(self, name)

    def users(self) -> list[UserRow]:
        from yujing.accounts import users

        return users(self)

    def authenticate(self, name: str, password: str, ip: str = "") -> UserRow:
        """Check a sign-in; after LOGIN_MAX_FAILURES failures in LOGIN_WINDOW for the account
        or the address, refuse until the window has passed (登录限流)."""
        from yujing.accounts import authenticate

        return authenticate(self, name, password, ip)

    def open_session(self, name: str) -> tuple[str, str]:
        """A new session for ``name``: (cookie value, CSRF token); only a hash is stored."""
        from yujing.accounts import open_session

        return open_session(self, name)

    def session_user(self, cookie: str) -> tuple[UserRow, SessionRow] | None:
        from yujing.accounts import session_user

        return session_user(self, cookie)

    def close_session(self, cookie: str) -> None:
        from yujing.accounts import close_session

        return close_session(self, cookie)

    # -- whose students (名下学生) ----------------------------------------------------------

    def students_of(self, user: UserRow) -> set[str] | None:
        """The 学号 an adviser may see (None: every student, for the other roles)."""
        from yujing.accounts import students_of

        return students_of(self, user)

    def check_student(self, user: UserRow, student_id: str, what: str = "") -> None:
        """Refuse (and log) an adviser asking for a student who is not theirs."""
        from yujing.accounts import check_student

        return check_student(self, user, student_id, what)

    def deny(self, user: UserRow, what: str) -> None:
        from yujing.accounts import deny

        return deny(self, user, what)

    def archive_copies_of(self, student_id: str) -> list[ArchiveCopy]:
        """A student's archived documents (归档件: PDF/A copy, 件号, 归档章), in filing order."""
        return self.registry.archive_copies_of(student_id)

    def student_folder_files(self, student_id: str) -> list[FolderFile]:
        """Every file in the student's folder (一生一档), each with an opaque id."""
        from yujing.archive.access import student_folder_files

        return student_folder_files(self, student_id)

    def student_folder_file(self, student_id: str, fid: str) -> Path:
        from yujing.archive.access import student_folder_file

        return student_folder_file(self, student_id, fid)

    def due_for(
        self, user: UserRow, term: Term, *, as_of: date | None = None, only: str = ""
    ) -> list[StudentDue]:
        """The adviser's warned students of ``term`` and what is due for each (待办), from
        the completeness audit: missing, pending with deadline and days left, overdue."""
        from yujing.checker.due import due_for

        return due_for(self, user, term, as_of=as_of, cache=self._due_cache, only=only)

    # -- the reviewer's approval (审核) ------------------------------------------------------

    def approval(self, term: Term) -> ApprovalState:
        from yujing.warnlist.review import approval

        return approval(self, term)

    def decide_list(
        self, term: Term, *, approve: bool, comment: str, account: str, university: bool = False
    ) -> ApprovalState:
        """The reviewer (``account``, which must have the reviewer's role) approves the
        submitted list, or returns it with a reason (退回); with ``university`` the 教务处's
        decision, already authorised by the university folder."""
        from yujing.warnlist.review import decide_list

        return decide_list(
            self, term, approve=approve, comment=comment, account=account, university=university
        )

    def workflow(self, term: Term) -> Workflow:
        """Where ``term``'s list stands (名单流程): its stage, the submission and the
        reviewer's decision (stale after a change), the students' answers and open objections,
        and what the freeze still needs, in words."""
        from yujing.warnlist.review import workflow

        return workflow(self, term)

    def workflows(self) -> list[Workflow]:
        """Every term's list and where it stands, newest first (the reviewer's start page)."""
        from yujing.warnlist.review import workflows

        return workflows(self)

    def submit_list(self, term: Term, *, account: str = "") -> Workflow:
        """The secretary submits ``term``'s list for review (提交审核)."""
        from yujing.warnlist.review import submit_list

        return submit_list(self, term, account=account)

    def check_freeze_allowed(self, term: Term) -> None:
        """Refuse the freeze while a student's objection is open and, where the policy says so
        (freeze_needs_approval), until the reviewer approved the list as it is now."""
        from yujing.warnlist.review import check_freeze_allowed

        return check_freeze_allowed(self, term)

    # -- student check links (学生核查) ----------------------------------------------------

    def open_review_window(self, term: Term) -> int:
        """Give every warned student of the draft list a personal check link; returns how many
        were new. The links are valid until the list is frozen."""
        from yujing.warnlist.review import open_review_window

        return open_review_window(self, term)

    def student_slips(self, term: Term) -> list[Slip]:
        from yujing.warnlist.review import student_slips

        return student_slips(self, term)

    def check_view(self, token: str) -> CheckView:
        """The entry a check link shows, or TokenError (unknown, forged, or frozen list)."""
        from yujing.warnlist.review import check_view

        return check_view(self, token)

    def respond_check(self, token: str, *, agree: bool, reason: str) -> CheckView:
        """The student confirms the entry, or objects with a reason (into the secretary's
        objection queue)."""
        from yujing.warnlist.review import respond_check

        return respond_check(self, token, agree=agree, reason=reason)

    def objection_queue(self, term: Term) -> list[dict[str, Any]]:
        """Students' objections raised through their links and not yet decided (异议待处理)."""
        from yujing.warnlist.review import objection_queue

        return objection_queue(self, term)

    def decide_objection(
        self,
        term: Term,
        student_id: str,
        *,
        reason: str,
        outcome: str,
        level: str | None = None,
        note: str = "",
    ) -> ListRow:
        """Record the outcome of an objection (the CLI's ``list objection``) and take it off
        the queue of students' objections."""
        from yujing.warnlist.review import close_objection

        row = self.record_objection(
            term, student_id, reason=reason, outcome=outcome, level=level, note=note
        )
        close_objection(self, term, student_id)
        return row

    # -- scan intake for an adviser (辅导员上传回执) ------------------------------------------

    def scan_own(
        self,
        paths: Sequence[Path],
        user: UserRow,
        *,
        progress: Progress | None = None,
    ) -> IntakeResult:
        """Scan intake for an adviser's upload: every page whose code names a student who is
        not theirs refuses the whole upload (logged) before anything is filed."""
        from yujing.archive.access import scan_own

        return scan_own(self, paths, user, progress=progress)

    def review_preview(self, item_id: int, *, dpi: int = 70) -> tuple[bytes, str]:
        """A picture of a review item's page for the browser: (PNG or JPEG bytes, media type);
        a PDF page is rendered with poppler's pdftoppm."""
        from yujing.archive.access import review_preview

        return review_preview(self, item_id, dpi=dpi)

    def batch_file(self, batch_id: str, what: str) -> Path:
        """A batch's file to download: ``print.pdf``, ``list.xlsx`` (批次名单) or ``covers.pdf``
        (the class cover sheets, 发放单, joined for printing apart)."""
        from yujing.archive.access import batch_file

        return batch_file(self, batch_id, what)

    # -- uploads (上传文件) ------------------------------------------------------------------

    def save_upload(self, purpose: str, name: str, content: bytes) -> Path:
        """Keep an uploaded file under ``uploads/<random>/``: the name is checked (no folders,
        no ``..``), the type by suffix and first bytes; the user's name is never a path."""
        from yujing.archive.access import save_upload

        return save_upload(self, purpose, name, content)

    # -- background jobs (后台任务) ------------------------------------------------------------

    def start_job(self, kind: str, term: str, params: dict[str, Any], account: str) -> int:
        from yujing.jobs import start_job

        return start_job(self, kind, term, params, account)

    def rerun_job(self, job_id: int, account: str) -> int:
        from yujing.jobs import rerun_job

        return rerun_job(self, job_id, account)

    def cancel_job(self, job_id: int, user: UserRow) -> str:
        """Cancel a job for its owner or the secretary (取消任务): a queued one at once, a
        running one between its pages; returns the job's status after the request."""
        from yujing.jobs import cancel_job

        return cancel_job(self, job_id, user)

    # -- the console's other term steps (issue #19): the next step, backups for download ------

    def next_step(self, user: UserRow, term: Term | None) -> NextStep | None:
        """The next step of ``term`` for ``user``'s role (下一步), or None."""
        from yujing.nextstep import next_step

        return next_step(self, user, term)

    def slip_qr(self, link: str) -> bytes:
        """A check link's QR code as PNG, made once per link in this process."""
        from yujing.slips import qr_png

        return qr_png(link)

    def slips_pdf(self, term: Term, base_url: str) -> Path:
        """All of ``term``'s check slips as one PDF (学生核查条), links under ``base_url``."""
        from yujing.slips import write_slips_pdf

        slips = self.student_slips(term)
        links = [f"{base_url.rstrip('/')}/check/{s.token}" for s in slips]
        out = self.lists_dir / f"{term} 学生核查条.pdf"
        return write_slips_pdf(slips, links, term, f"{term} 学业预警名单", out)

    def backup_zip(self) -> Path:
        """A backup of the workspace as one .zip for download, in :meth:`backups_folder`."""
        from yujing.backup import backup_zip

        return backup_zip(self)

    def backups_folder(self) -> Path:
        """Where backups made for download are kept (beside the workspace, never inside)."""
        from yujing.backup import backups_folder

        return backups_folder(self)

    # -- long-term archive (归档: PDF/A, 归档章, 目录, 卷, 移交, 保管期限) -------------------------

    @property
    def archive_settings(self) -> ArchiveSettings:
        """The pack's 归档规则 (archive.toml; defaults when the pack has none)."""
        from yujing.archive.settings import load_archive_settings

        return load_archive_settings(self.pack.root)

    def archive_pdfa(
        self, term: Term, *, ocr: bool = False, progress: Progress | None = None
    ) -> PdfaResult:
        """Make the PDF/A-2b archive copy (归档件, stamped, numbered) of every file of ``term``."""
        from yujing.archive.pdfa import archive_pdfa
        from yujing.converter import find_converter

        return archive_pdfa(
            self,
            term,
            self.archive_settings,
            ocr=ocr,
            converter=find_converter(),
            progress=progress,
        )

    def archive_catalogue(self, term: Term, out_dir: Path) -> list[CatalogueFiles]:
        """The term's 归档文件目录 per college (.xlsx and PDF/A) in ``out_dir``."""
        from yujing.archive.catalogue import write_catalogues
        from yujing.converter import find_converter

        return write_catalogues(self, term, Path(out_dir), find_converter())

    def archive_volumes(
        self,
        term: Term,
        out_dir: Path,
        *,
        classes: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> list[Volume]:
        """One bound volume (卷) per class — or class and level — of ``term`` in ``out_dir``."""
        from yujing.archive.volume import build_volumes
        from yujing.converter import find_converter

        return build_volumes(
            self,
            term,
            self.archive_settings,
            Path(out_dir),
            classes=classes,
            converter=find_converter(),
            progress=progress,
        )

    def archive_handover(
        self,
        term: Term,
        out_dir: Path,
        *,
        who: str,
        recipient: str,
        progress: Progress | None = None,
    ) -> HandoverResult:
        """The handover package of ``term`` and its 四性 report; records and closes the term
        when every check passed."""
        from yujing.converter import find_converter
        from yujing.handover import handover

        return handover(
            self,
            term,
            self.archive_settings,
            Path(out_dir),
            who=who,
            recipient=recipient,
            converter=find_converter(),
            progress=progress,
        )

    def archive_reopen(self, term: Term, *, who: str, reason: str) -> None:
        """Reopen a term closed by its handover (logged, with a reason)."""
        from yujing.handover import reopen

        reopen(self, term, who=who, reason=reason)

    def archive_due(self, as_of: date | None = None) -> list[DueFolder]:
        """The students' folders whose 保管期限 has run out."""
        from yujing.handover import due

        return due(self, self.archive_settings, as_of)

    def archive_dispose(
        self, student_ids: Sequence[str], backup: Path, *, who: str, as_of: date | None = None
    ) -> list[Path]:
        """Remove due folders, each after a checked copy into ``backup``."""
        from yujing.handover import dispose

        return dispose(self, self.archive_settings, student_ids, Path(backup), who=who, as_of=as_of)


def _read_config(path: Path) -> dict[str, Any]:
    """The workspace config file, checked to have its [workspace] table."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise WorkspaceError(f"{path.parent} 不是 yujing 工作区（没有 {CONFIG_NAME}）。") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"工作区配置 {path} 无法解析：{exc}") from exc
    section = data.get("workspace")
    if not isinstance(section, dict):
        raise WorkspaceError(f"工作区配置 {path} 缺少 [workspace] 表。")
    return data


# -- report files of the audit (the front door's renderers) ------------------------------------


def write_audit_html(report: AuditReport, path: Path) -> Path:
    """The audit as one self-contained HTML file (charts, filters, print layout)."""
    from yujing.checker.html import write_html

    return write_html(report, path)


def render_audit_html(report: AuditReport) -> str:
    """The audit's self-contained HTML report as a string (shown inside the web console)."""
    from yujing.checker.html import render_html

    return render_html(report)


def audit_html_script_hash() -> str:
    """The Content-Security-Policy source (``sha256-…``) of the audit report's one script."""
    from yujing.checker.html import SCRIPT_HASH

    return SCRIPT_HASH


def write_audit_xlsx(report: AuditReport, path: Path) -> Path:
    """The audit as an .xlsx workbook."""
    from yujing.checker.xlsx import write_xlsx

    return write_xlsx(report, path)


def write_audit_csv(report: AuditReport, stream: TextIO) -> None:
    """The audit's findings as CSV rows (one per problem) on ``stream``."""
    from yujing.checker.model import FINDING_HEADERS
    from yujing.outputs import csv_writer

    writer = csv_writer(stream)
    writer.writerow(FINDING_HEADERS)
    writer.writerows(f.as_row() for f in report.findings)


# == the web console's library calls (issue #13): accounts, whose students, what is due, the
# reviewer's approval, student check links, background jobs. The CLI's `user` commands and the
# console's routes call these; the SQL is in the registry. ==================================
