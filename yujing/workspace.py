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

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import shutil
import time
import tomllib
from collections import Counter
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from yujing.archive.intake import BLANK, FILED, REVIEW
from yujing.archive.signature import VERDICT_TEXT
from yujing.engine.assess import NotAssessed, Progress, assess
from yujing.errors import (
    AccessDeniedError,
    AccountError,
    InputError,
    ListStateError,
    LoginThrottledError,
    PolicyError,
    TokenError,
    WorkspaceError,
    YujingError,
)
from yujing.files import atomic_write, bulk, sha256_file
from yujing.imports import KINDS, checked, import_settings, parse_file, record_key, save_column_map
from yujing.institutions import FORMS_FILE, Pack, find_pack, toml_string
from yujing.locking import writes
from yujing.model import Term
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

    from yujing.archive.intake import IntakeResult, PageOutcome, SignatureReview
    from yujing.archive.records import Filed
    from yujing.checker.model import AuditReport
    from yujing.forms import FormSpec
    from yujing.generator.batch import BatchResult
    from yujing.reports import TermSummary

__all__ = [
    "BLANK",
    "FILED",
    "REVIEW",
    "VERDICT_TEXT",
    "ImportReport",
    "ListReport",
    "Workspace",
    "assess_files",
    "format_serial",
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
        self.config = _read_config(self.root / CONFIG_NAME)
        self._registry: Registry | None = None
        self._policy: Policy | None = None

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
    def school_address(self) -> str:
        """学院通讯地址 (config ``address``), where parents send receipts back; may be ""."""
        return str(self.config.get("address", "")).strip()

    @property
    def school_phone(self) -> str:
        """学院联系电话 (config ``phone``); may be ""."""
        return str(self.config.get("phone", "")).strip()

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
                raise WorkspaceError(f"工作区的院校包 {folder} 不存在或缺少 policy.toml（见 {CONFIG_NAME}）。")
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

    def backup(self, target: Path) -> Path:
        """Write a consistent copy of the workspace into ``target`` (see :mod:`yujing.backup`)."""
        from yujing.backup import backup

        return backup(self, target)

    @staticmethod
    def restore(source: Path, target: Path) -> Workspace:
        """Bring a backup made by :meth:`backup` back as the workspace at ``target``."""
        from yujing.backup import restore

        return restore(source, target)

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
            raise InputError("--save-map 需要同时用 --map 给出列映射。")
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
                f"{kind} {Path(path).name}"
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
            registry.replace_list(
                term, policy.name, result.assessed_count, [r.to_entry() for r in rows]
            )
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
            raise ListStateError(f"{term} 还没有名单。请先运行 yujing assess --term {term}。")
        return saved

    def report(self, term: Term) -> ListReport:
        saved = self.saved(term)
        rows = tuple(ListRow.from_entry(e) for e in saved.entries)
        return ListReport(
            term, self.policy, saved.status, rows, self.list_path(term), saved.assessed_count
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
            raise InputError("请用 --reason 写明学生提出的异议。")
        entry = next((e for e in saved.entries if e["student_id"] == student_id), None)
        if entry is None or not entry["level"]:
            raise ListStateError(f"学号 {student_id} 不在 {term} 的预警名单上。")
        if outcome == "corrected":
            if not level:
                raise InputError("处理结果为 corrected（更正）时请用 --level 给出更正后的等级。")
            self.policy.level(level)
        elif level:
            raise InputError("只有处理结果为 corrected（更正）时才能给出 --level。")
        registry = self.registry
        objection = {
            "term": str(term),
            "student_id": student_id,
            "reason": reason.strip(),
            "outcome": outcome,
            "level": level or "",
            "note": note,
        }
        row = ListRow.from_entry(entry)
        (updated,) = apply_objections([row], [objection], self.policy)
        with registry.transaction():
            registry.add_objection(objection)
            registry.update_entry(term, student_id, updated.to_entry())
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
        from yujing.generator.batch import issue

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

    def review_items(self, *, include_blank: bool = False) -> list[dict[str, Any]]:
        """The review queue (待处理): scanned pages that could not be filed, with reasons."""
        from yujing.archive.intake import review_items

        return review_items(self, include_blank=include_blank)

    def signature_reviews(self, *, everything: bool = False) -> list[SignatureReview]:
        """Scanned pages whose signature verdict a person should check (签字复核), each with
        crops of its signature areas; every checked page with ``everything``."""
        from yujing.archive.intake import signature_reviews

        return signature_reviews(self, everything=everything)

    def confirm_signature(self, check_id: int, verdict: str, who: str) -> SignatureRecord:
        """A person's verdict (``signed``/``unsigned``) on a scanned page; the audit follows it."""
        from yujing.archive.intake import confirm_signature

        return confirm_signature(self, check_id, verdict, who)

    def assign(self, item: int, serial: int, part: str) -> PageOutcome:
        """File review item ``item`` by hand as part ``part`` of ``serial``."""
        from yujing.archive.intake import assign

        return assign(self, item, serial, part)

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
    ) -> Filed:
        """File a typed record (谈话、家长联系、帮扶计划、帮扶记录) into the student's folder."""
        from yujing.archive.records import record

        return record(
            self, student_id, kind=kind, when=when, who=who, how=how, summary=summary, term=term
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
        from yujing.reports import write_term_reports

        return write_term_reports(self, term, out_dir or self.root / "reports", progress=progress)

    def term_summary(self, term: Term) -> TermSummary:
        """The term's figures the reports are made of (预警人数、转化率 …)."""
        from yujing.reports import term_summary

        return term_summary(self, term)

    def _rewrite_xlsx(self, term: Term) -> None:
        saved = self.saved(term)
        rows = [ListRow.from_entry(e) for e in saved.entries]
        write_xlsx(
            self.list_path(term),
            rows,
            self.policy,
            term,
            status="已冻结" if saved.frozen else "草稿",
        )


    # == the web console's calls (issue #13): accounts, whose students, what is due, the
    # reviewer's approval, student check links, uploads, background jobs ==

    @contextmanager
    def acting_as(self, account: str) -> Iterator[None]:
        """Log every event of the block with ``account``."""
        registry = self.registry
        before, registry.account = registry.account, account
        try:
            yield
        finally:
            registry.account = before

    # -- accounts (账号) --------------------------------------------------------------------

    def add_user(
        self,
        name: str,
        *,
        role: str,
        password: str,
        roster_name: str = "",
        classes: Sequence[str] = (),
    ) -> UserRow:
        name = name.strip()
        if not name or any(c in name for c in "/\\\n\r\t<>\"'"):
            raise AccountError("账号名不能为空，也不能含有 / \\ < > 引号或换行。")
        if role not in ROLES:
            raise AccountError(f"角色应为 {'、'.join(ROLES)} 之一。")
        if self.registry.user(name) is not None:
            raise AccountError(f"账号 {name} 已存在；改密码用 yujing user passwd {name}。")
        if role in ADVISER_ROLES and not roster_name and not classes:
            raise AccountError(
                f"{ROLES[role]}账号须用 --counsellor 给出名单中的姓名，或用 --class 给出所带班级。"
            )
        _check_password(password)
        registry = self.registry
        with registry.transaction():
            registry.save_user(
                {
                    "name": name,
                    "role": role,
                    "roster_name": roster_name.strip(),
                    "classes": "\n".join(c.strip() for c in classes if c.strip()),
                    "password_hash": _hasher().hash(password),
                    "disabled": 0,
                    "created_at": _now_text(),
                }
            )
            registry.log("user-add", f"{name}（{ROLES[role]}）")
        user = registry.user(name)
        assert user is not None
        return user

    def set_password(self, name: str, password: str) -> None:
        registry = self.registry
        if registry.user(name) is None:
            raise AccountError(f"没有账号 {name}。")
        _check_password(password)
        with registry.transaction():
            registry.save_user({"name": name, "password_hash": _hasher().hash(password)})
            registry.delete_sessions(user=name)
            registry.log("user-passwd", name)

    def disable_user(self, name: str) -> None:
        registry = self.registry
        if registry.user(name) is None:
            raise AccountError(f"没有账号 {name}。")
        with registry.transaction():
            registry.save_user({"name": name, "disabled": 1})
            registry.delete_sessions(user=name)
            registry.log("user-disable", name)

    def users(self) -> list[UserRow]:
        return self.registry.users()

    def authenticate(self, name: str, password: str, ip: str = "") -> UserRow:
        """Check a sign-in; after LOGIN_MAX_FAILURES failures in LOGIN_WINDOW for the account
        or the address, refuse until the window has passed (登录限流)."""
        from argon2.exceptions import InvalidHashError, VerificationError

        registry = self.registry
        since = (datetime.now() - LOGIN_WINDOW).isoformat(timespec="seconds")
        if registry.failed_logins_since(name, ip, since) >= LOGIN_MAX_FAILURES:
            registry.add_login_attempt(name, ip, False)
            registry.log("login-throttled", f"{name} {ip}")
            raise LoginThrottledError(
                f"登录失败次数过多，请 {int(LOGIN_WINDOW.total_seconds() // 60)} 分钟后再试。"
            )
        user = registry.user(name)
        stored = registry.password_hash(name)
        ok = False
        if user is not None and stored and not user.disabled:
            try:
                ok = _hasher().verify(stored, password)
            except (VerificationError, InvalidHashError):
                ok = False
        else:
            _hasher().hash(password)  # the same work, so a missing name is not faster
        registry.add_login_attempt(name, ip, ok)
        if not ok or user is None:
            registry.log("login-failed", f"{name} {ip}")
            raise AccountError("账号或密码不对，或账号已停用。")
        return user

    def open_session(self, name: str) -> tuple[str, str]:
        """A new session for ``name``: (cookie value, CSRF token); only a hash is stored."""
        cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        expires = (datetime.now() + timedelta(hours=SESSION_HOURS)).isoformat(timespec="seconds")
        registry = self.registry
        with registry.transaction():
            registry.add_session(_digest(cookie), name, csrf, expires)
            registry.log("login", name)
        return cookie, csrf

    def session_user(self, cookie: str) -> tuple[UserRow, SessionRow] | None:
        if not cookie:
            return None
        session = self.registry.session(_digest(cookie))
        if session is None:
            return None
        user = self.registry.user(session.user)
        return (user, session) if user is not None and not user.disabled else None

    def close_session(self, cookie: str) -> None:
        with self.registry.transaction():
            self.registry.delete_sessions(digest=_digest(cookie))

    # -- whose students (名下学生) ----------------------------------------------------------

    def students_of(self, user: UserRow) -> set[str] | None:
        """The 学号 an adviser may see (None: every student, for the other roles)."""
        if user.role not in ADVISER_ROLES:
            return None
        name = user.roster_name
        return self.registry.students_of(
            counsellor=name if user.role == "counsellor" else "",
            class_teacher=name if user.role == "class-teacher" else "",
            classes=user.classes,
        )

    def check_student(self, user: UserRow, student_id: str, what: str = "") -> None:
        """Refuse (and log) an adviser asking for a student who is not theirs."""
        allowed = self.students_of(user)
        if allowed is None or student_id in allowed:
            return
        with self.registry.transaction():
            self.registry.log(
                "access-denied", f"{user.name}：{what or '学生档案'}", student_id=student_id
            )
        raise AccessDeniedError(f"学号 {student_id} 不是您名下的学生，无权查看或操作。")

    def deny(self, user: UserRow, what: str) -> None:
        with self.registry.transaction():
            self.registry.log("access-denied", f"{user.name}（{user.role}）：{what}")

    def student_folder_files(self, student_id: str) -> list[FolderFile]:
        """Every file in the student's folder (一生一档), each with an opaque id."""
        from yujing.archive import student_folder

        row = self.registry.student(student_id)
        if row is None:
            raise InputError(f"学生名单中没有学号 {student_id}。")
        folder = student_folder(self.archive_dir, student_id, row["name"] or "")
        out: list[FolderFile] = []
        if folder.is_dir():
            for path in sorted(p for p in folder.rglob("*") if p.is_file()):
                rel = str(path.relative_to(self.root))
                term = path.parent.name if path.parent != folder else ""
                out.append(FolderFile(_digest(rel)[:20], rel, path.name, term, path.stat().st_size))
        return out

    def student_folder_file(self, student_id: str, fid: str) -> Path:
        for f in self.student_folder_files(student_id):
            if f.fid == fid:
                return self.root / f.relative
        raise InputError("档案中没有这个文件（可能已被移动）。")

    def due_for(
        self, user: UserRow, term: Term, *, as_of: date | None = None
    ) -> list[StudentDue]:
        """The adviser's warned students of ``term`` and what is due for each (待办), from
        the completeness audit: missing, pending with deadline and days left, overdue.

        The result is kept per workspace object until the registry changes (any event,
        archived file or record) or the day turns; a file altered on disk behind yujing's
        back shows here after the next change, and at once in the audit itself."""
        from yujing.checker.audit import audit

        allowed = self.students_of(user)
        if self.registry.list_head(term) is None:
            raise ListStateError(f"{term} 还没有名单。请先运行 yujing assess --term {term}。")
        mine = [
            sid
            for sid in self.registry.warned_ids(term)
            if allowed is None or sid in allowed
        ]
        if not mine:
            return []
        key = (str(term), tuple(mine), as_of or date.today(), self.registry.change_mark())
        cache: dict[tuple[Any, ...], list[StudentDue]] = self.__dict__.setdefault("_due_cache", {})
        if key in cache:
            return cache[key]
        report = audit(self, term, students=mine, as_of=as_of)
        today = as_of or date.today()
        out: list[StudentDue] = []
        for s in report.students:
            items: list[DueItem] = []
            for st in s.statuses:
                if st.status in ("ok", "n/a"):
                    continue
                due = next((f.due for f in s.findings if f.requirement == st.requirement), "")
                if not due:
                    m = _DATE_RE.search(st.detail)
                    due = m.group(1) if m else ""
                left = (date.fromisoformat(due) - today).days if due else None
                items.append(DueItem(st.title, st.status, st.status_text, st.detail, due, left))
            out.append(StudentDue(s.student_id, s.name, s.class_name, s.level, tuple(items)))
        if len(cache) > 32:
            cache.clear()
        cache[key] = out
        return out

    # -- the reviewer's approval (审核) ------------------------------------------------------

    def approval(self, term: Term) -> ApprovalState:
        rows = self.registry.approvals(term)
        head = self.registry.list_head(term)
        if not rows:
            return ApprovalState("", "", "", "", False)
        last = rows[-1]
        current = head is not None and last["list_updated_at"] == (head["updated_at"] or "")
        return ApprovalState(
            last["decision"], last["comment"] or "", last["account"] or "", last["at"], current
        )

    def decide_list(
        self, term: Term, *, approve: bool, comment: str, account: str
    ) -> ApprovalState:
        """The reviewer approves the draft list, or sends it back with a comment."""
        saved = self.saved(term)
        if saved.frozen:
            raise ListStateError(f"{term} 的名单已冻结，无需再审核。")
        if not approve and not comment.strip():
            raise InputError("退回名单时请写明意见。")
        head = self.registry.list_head(term) or {}
        decision = "approved" if approve else "returned"
        registry = self.registry
        with registry.transaction():
            registry.add_approval(
                {
                    "term": str(term),
                    "decision": decision,
                    "comment": comment.strip(),
                    "account": account,
                    "list_updated_at": head.get("updated_at") or "",
                }
            )
            registry.log(
                "approve" if approve else "send-back",
                comment.strip() or "同意",
                term=str(term),
            )
        return self.approval(term)

    def check_freeze_allowed(self, term: Term) -> None:
        """Where the policy says so (freeze_needs_approval), the reviewer must have approved
        the current draft before it is frozen."""
        if not self.policy.freeze_needs_approval:
            return
        state = self.approval(term)
        if not state.approved:
            why = (
                f"审核人已退回：{state.comment}"
                if state.decision == "returned" and state.current
                else "名单在审核后又重新评估过，须重新审核"
                if state.decision and not state.current
                else "名单尚未经审核"
            )
            raise ListStateError(f"{term} 的名单须经审核同意后才能冻结（{why}）。")

    # -- student check links (学生核查) ----------------------------------------------------

    def _token(self, term: str, student_id: str, nonce: str) -> str:
        from yujing.qr import load_secret

        secret = load_secret(self.root)
        mac = hmac.new(secret, f"check|{term}|{student_id}|{nonce}".encode(), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")

    def open_review_window(self, term: Term) -> int:
        """Give every warned student of the draft list a personal check link; returns how many
        were new. The links are valid until the list is frozen."""
        saved = self.saved(term)
        if saved.frozen:
            raise ListStateError(f"{term} 的名单已冻结，不能再开放核查。")
        registry = self.registry
        have = {r["student_id"] for r in registry.student_tokens(term)}
        new = 0
        with registry.transaction():
            for e in saved.warned:
                if e["student_id"] in have:
                    continue
                nonce = secrets.token_hex(8)
                token = self._token(str(term), e["student_id"], nonce)
                registry.add_student_token(_digest(token), term, e["student_id"], nonce)
                new += 1
            registry.log("review-window", f"核查链接 {new} 个", term=str(term))
        return new

    def student_slips(self, term: Term) -> list[Slip]:
        entries = {e["student_id"]: e for e in self.saved(term).warned}
        out: list[Slip] = []
        for r in self.registry.student_tokens(term):
            e = entries.get(r["student_id"])
            if e is None:
                continue
            token = self._token(r["term"], r["student_id"], r["nonce"])
            out.append(
                Slip(e["student_id"], e["name"], e["class_name"], e["level"], token, r["response"] or "")
            )
        return sorted(out, key=lambda s: (s.class_name, s.student_id))

    def check_view(self, token: str) -> CheckView:
        """The entry a check link shows, or TokenError (unknown, forged, or frozen list)."""
        row = self.registry.student_token(_digest(token)) if token else None
        if row is None or not hmac.compare_digest(
            self._token(row["term"], row["student_id"], row["nonce"]), token
        ):
            raise TokenError("核查链接无效。请向辅导员索取本人的核查条。")
        term = Term.parse(row["term"])
        saved = self.saved(term)
        if saved.frozen:
            raise TokenError(f"{term} 的名单已于 {saved.frozen_at} 确定，核查已结束，链接失效。")
        entry = next((e for e in saved.warned if e["student_id"] == row["student_id"]), None)
        if entry is None:
            raise TokenError("经核查，您已不在本学期的预警名单上，链接失效。")
        courses = _failed_courses(entry.get("reason") or "")
        return CheckView(
            str(term),
            entry["student_id"],
            entry["name"],
            entry["class_name"],
            entry["level"],
            entry.get("reason") or "",
            courses,
            row["response"] or "",
            row["reason"] or "",
        )

    def respond_check(self, token: str, *, agree: bool, reason: str) -> CheckView:
        """The student confirms the entry, or objects with a reason (into the secretary's
        objection queue)."""
        view = self.check_view(token)
        if not agree and not reason.strip():
            raise InputError("提出异议时请写明理由（例如：补考成绩未录入）。")
        registry = self.registry
        with registry.transaction():
            registry.set_token_response(
                _digest(token), "agree" if agree else "object", "" if agree else reason.strip()[:500]
            )
            registry.log(
                "student-confirm" if agree else "student-objection",
                "学生确认无误" if agree else f"学生异议：{reason.strip()[:500]}",
                term=view.term,
                student_id=view.student_id,
            )
        return self.check_view(token)

    def objection_queue(self, term: Term) -> list[dict[str, Any]]:
        """Students' objections raised through their links and not yet decided (异议待处理)."""
        rows = [r for r in self.registry.student_tokens(term) if r["response"] == "object"]
        entries = {
            e["student_id"]: e
            for e in self.registry.list_entries(term, [r["student_id"] for r in rows])
        }
        out = []
        for r in rows:
            if not r["resolved"]:
                e = entries.get(r["student_id"], {})
                out.append(
                    {
                        "student_id": r["student_id"],
                        "name": e.get("name", ""),
                        "class_name": e.get("class_name", ""),
                        "level": e.get("level", ""),
                        "reason": r["reason"],
                        "at": r["responded_at"],
                    }
                )
        return out

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
        row = self.record_objection(
            term, student_id, reason=reason, outcome=outcome, level=level, note=note
        )
        with self.registry.transaction():
            self.registry.resolve_token(term, student_id)
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
        from yujing.archive.reader import iter_pages, scan_pages
        from yujing.qr import load_secret, verify

        allowed = self.students_of(user)
        if allowed is not None:
            secret = load_secret(self.root)
            serials: dict[int, int] = {}
            for path in paths:
                for page, scan in scan_pages(
                    iter_pages(path), accept=lambda text: verify(secret, text).ok
                ):
                    for code in scan.codes:
                        ref = verify(secret, code).ref
                        if ref is not None:
                            serials[ref.serial] = page.page
            owners = self.registry.serial_students(serials)
            foreign = sorted((p, s) for s, p in serials.items() if owners.get(s, "") not in allowed)
            if foreign:
                page_no, serial = foreign[0]
                with self.registry.transaction():
                    self.registry.log(
                        "access-denied",
                        f"{user.name} 上传的扫描件第 {page_no} 页属于其他学生（编号 {serial}），已拒收",
                        student_id=owners.get(serial, ""),
                    )
                raise AccessDeniedError(
                    f"上传的文件第 {page_no} 页的二维码属于不是您名下的学生，整份文件未归档。"
                )
        return self.scan(paths, progress=progress)

    def review_preview(self, item_id: int, *, dpi: int = 70) -> tuple[bytes, str]:
        """A picture of a review item's page for the browser: (PNG or JPEG bytes, media type);
        a PDF page is rendered with poppler's pdftoppm."""
        import subprocess

        item = self.registry.review_item(item_id)
        if item is None or not item["file"]:
            raise InputError(f"没有待处理项 {item_id}。")
        path = self.root / item["file"]
        suffix = path.suffix.lower()
        if suffix in (".png", ".jpg", ".jpeg"):
            return path.read_bytes(), "image/png" if suffix == ".png" else "image/jpeg"
        if shutil.which("pdftoppm") is None:
            raise InputError("无法显示页面图像：未安装 poppler-utils（pdftoppm）。")
        proc = subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", str(path)],
            capture_output=True,
            check=False,
        )
        if proc.returncode != 0 or not proc.stdout:
            raise InputError(f"待处理项 {item_id} 的页面无法显示（{path.name}）。")
        return proc.stdout, "image/png"

    def batch_file(self, batch_id: str, what: str) -> Path:
        """A batch's file to download: ``print.pdf``, ``list.xlsx`` (批次名单) or ``covers.pdf``
        (the class cover sheets, 发放单, joined for printing apart)."""
        batch = self.registry.batch(batch_id)
        if batch is None:
            raise InputError(f"没有批次 {batch_id}。")
        folder = self.root / "batches" / batch["id"]
        if what == "print.pdf":
            return folder / "print.pdf"
        if what == "list.xlsx":
            return folder / "名单.xlsx"
        if what == "covers.pdf":
            from yujing.generator.pdf import join_pdfs

            covers = sorted((folder / "pdf").glob("cover-*.pdf"))
            if not covers:
                raise InputError(f"批次 {batch_id} 没有发放单 PDF（LibreOffice 未安装时只有 Word 文件）。")
            target = folder / "发放单.pdf"
            join_pdfs([(c, None) for c in covers], target)
            return target
        raise InputError(f"批次没有文件「{what}」。")

    # -- uploads (上传文件) ------------------------------------------------------------------

    def save_upload(self, purpose: str, name: str, content: bytes) -> Path:
        """Keep an uploaded file under ``uploads/<random>/``: the name is checked (no folders,
        no ``..``), the type by suffix and first bytes; the user's name is never a path."""
        suffixes = UPLOAD_SUFFIXES[purpose]
        if not name or "/" in name or "\\" in name or ".." in name or "\x00" in name:
            raise InputError(f"文件名「{name}」不可用（不能含有路径）。请改名后再上传。")
        suffix = Path(name).suffix.lower()
        if suffix not in suffixes:
            raise InputError(
                f"文件 {name} 的类型不支持；可上传：{'、'.join(sorted(suffixes))}。"
            )
        if not content:
            raise InputError(f"文件 {name} 是空的。")
        magic = _UPLOAD_MAGIC.get(suffix)
        if magic is not None and not content.startswith(magic):
            raise InputError(f"文件 {name} 的内容与扩展名 {suffix} 不符。")
        from yujing.archive import safe_name

        folder = self.root / "uploads" / f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / safe_name(name)
        with atomic_write(target, "wb") as fh:
            fh.write(content)
        with self.registry.transaction():
            self.registry.log("upload", f"{purpose}：{target.relative_to(self.root)}")
        return target

    # -- background jobs (后台任务) ------------------------------------------------------------

    def start_job(self, kind: str, term: str, params: dict[str, Any], account: str) -> int:
        if kind not in JOB_KINDS:
            raise InputError(f"未知的任务类型 {kind}。")
        registry = self.registry
        with registry.transaction():
            job_id = registry.add_job(kind, term, json.dumps(params, ensure_ascii=False), account)
            registry.log("job", f"{JOB_KINDS[kind]} #{job_id} 已排队", term=term)
        return job_id

    def rerun_job(self, job_id: int, account: str) -> int:
        job = self.registry.job(job_id)
        if job is None:
            raise InputError(f"没有任务 {job_id}。")
        if job["status"] in ("queued", "running"):
            raise InputError(f"任务 {job_id} 还在进行。")
        return self.start_job(job["kind"], job["term"], json.loads(job["params"] or "{}"), account)

    def run_next_job(self) -> int | None:
        """Run the oldest queued job here (the console's worker thread); return its id."""
        registry = self.registry
        job = registry.claim_job()
        if job is None:
            return None
        job_id = int(job["id"])
        last = [0.0]

        def progress(done: int, total: int) -> None:
            t = time.monotonic()
            if t - last[0] > 0.3 or done == total:
                last[0] = t
                registry.update_job(job_id, done=done, total=total)

        params = json.loads(job["params"] or "{}")
        with self.acting_as(job["account"] or ""):
            try:
                message, result = _run_job(self, job["kind"], job["term"], params, progress)
            except YujingError as exc:
                registry.update_job(
                    job_id, status="failed", message=str(exc), finished_at=_now_text()
                )
                return job_id
            except Exception as exc:  # a bug: keep the server alive, show it on the page
                registry.update_job(
                    job_id,
                    status="failed",
                    message=f"内部错误：{type(exc).__name__}: {exc}",
                    finished_at=_now_text(),
                )
                return job_id
        registry.update_job(
            job_id,
            status="done",
            message=message,
            result=json.dumps(result, ensure_ascii=False),
            finished_at=_now_text(),
        )
        return job_id


def _read_config(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise WorkspaceError(f"{path.parent} 不是 yujing 工作区（没有 {CONFIG_NAME}）。") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"工作区配置 {path} 无法解析：{exc}") from exc
    section = data.get("workspace")
    if not isinstance(section, dict):
        raise WorkspaceError(f"工作区配置 {path} 缺少 [workspace] 表。")
    return section


# -- report files of the audit (the front door's renderers) ------------------------------------


def write_audit_html(report: AuditReport, path: Path) -> Path:
    """The audit as one self-contained HTML file (charts, filters, print layout)."""
    from yujing.checker.html import write_html

    return write_html(report, path)


def render_audit_html(report: AuditReport) -> str:
    """The audit's self-contained HTML report as a string (shown inside the web console)."""
    from yujing.checker.html import render_html

    return render_html(report)


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

ROLES = {
    "secretary": "教学秘书/教务员",
    "reviewer": "审核人（教学副院长）",
    "counsellor": "辅导员",
    "class-teacher": "班主任",
    "inspector": "检查（学院领导/教务处）",
}
"""Roles of the console (角色)."""
ADVISER_ROLES = frozenset({"counsellor", "class-teacher"})
MIN_PASSWORD = 8
LOGIN_WINDOW = timedelta(minutes=15)
LOGIN_MAX_FAILURES = 5
SESSION_HOURS = 10
UPLOAD_SUFFIXES = {
    "import": frozenset({".csv", ".xlsx"}),
    "scan": frozenset({".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png"}),
}
_UPLOAD_MAGIC = {
    ".pdf": (b"%PDF",),
    ".png": (b"\x89PNG",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".tif": (b"II*\x00", b"MM\x00*"),
    ".tiff": (b"II*\x00", b"MM\x00*"),
    ".xlsx": (b"PK\x03\x04",),
}
_DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2}) 前完成")


@dataclass(frozen=True)
class ApprovalState:
    """The reviewer's decision on a draft list (审核): approved, returned, or none yet."""

    decision: str  # "approved" | "returned" | ""
    comment: str
    account: str
    at: str
    current: bool
    """False when the list was re-assessed after the decision (it must be reviewed again)."""

    @property
    def approved(self) -> bool:
        return self.decision == "approved" and self.current


@dataclass(frozen=True)
class DueItem:
    """One thing due for a student (待办): a required document missing, pending or overdue."""

    title: str
    status: str  # a key of yujing.checker.model.STATUSES
    status_text: str
    detail: str
    due: str = ""
    days_left: int | None = None


@dataclass(frozen=True)
class StudentDue:
    """A counsellor's warned student and what is due (辅导员待办)."""

    student_id: str
    name: str
    class_name: str
    level: str
    items: tuple[DueItem, ...]

    @property
    def overdue(self) -> bool:
        return any(i.status == "overdue" for i in self.items)


@dataclass(frozen=True)
class FolderFile:
    """A file in a student's folder, named by an opaque id for download routes."""

    fid: str
    relative: str
    name: str
    term: str
    size: int


@dataclass(frozen=True)
class Slip:
    """A student's check link (核查条): the token is shown only on the slip."""

    student_id: str
    name: str
    class_name: str
    level: str
    token: str
    response: str


@dataclass(frozen=True)
class CheckView:
    """What a student sees through their link: only their own entry."""

    term: str
    student_id: str
    name: str
    class_name: str
    level: str
    reason: str
    courses: tuple[str, ...]
    response: str
    response_reason: str


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def _now_text() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位。")


def _failed_courses(reason: str) -> tuple[str, ...]:
    """The courses named in a list reason (…：高等数学A(上)(5)、大学英语Ⅱ(2.5))."""
    out: list[str] = []
    for part in reason.split("；"):
        if "：" in part:
            out.extend(c.strip() for c in part.split("：", 1)[1].split("、") if c.strip())
    return tuple(dict.fromkeys(out))


JOB_KINDS = {
    "issue": "打印批次",
    "scan": "扫描归档",
    "audit": "档案检查（含校验）",
    "reports": "学期报告",
    "transcripts": "生成成绩单",
}


def _run_job(
    ws: Workspace, kind: str, term: str, params: dict[str, Any], progress: Progress
) -> tuple[str, dict[str, Any]]:
    """One background job through the workspace's own methods; (message, result)."""
    t = Term.parse(term) if term else None
    if kind == "issue":
        assert t is not None
        results = ws.issue(
            t,
            classes=params.get("classes", []),
            levels=params.get("levels", []),
            progress=progress,
        )
        batches: list[dict[str, Any]] = [
            {"batch": r.batch, "students": len(r.students), "pages": r.pages, "missing": r.missing}
            for r in results
        ]
        n = sum(len(r.students) for r in results)
        names = "、".join(r.batch for r in results) or "无"
        return f"已发出 {n} 人的通知书（批次 {names}）", {"batches": batches}
    if kind == "scan":
        paths = [ws.root / p for p in params["paths"]]
        account = params.get("account", "")
        user = ws.registry.user(account) if account else None
        if user is not None and user.role in ADVISER_ROLES:
            res = ws.scan_own(paths, user, progress=progress)
        else:
            res = ws.scan(paths, progress=progress)
        pages = [
            {
                "page": p.page,
                "result": p.result,
                "reason": p.reason,
                "student_id": p.student_id,
                "target": p.target,
                "signed": p.signed,
            }
            for p in res.pages
        ]
        msg = (
            f"已归档 {res.count('filed')} 页，待处理 {res.count('review')} 页，"
            f"空白页 {res.count('blank')} 页"
            + (f"，重复文件 {len(res.skipped_files)} 个已跳过" if res.skipped_files else "")
            + ("；" + "；".join(res.errors) if res.errors else "")
        )
        return msg, {"pages": pages}
    if kind == "audit":
        report = ws.audit(t, verify=bool(params.get("verify")), progress=progress)
        out = ws.root / "reports" / f"{report.term} 档案检查报告.html"
        write_audit_html(report, out)
        return f"检查完成：{len(report.students)} 人，问题 {len(report.findings)} 个", {
            "html": str(out.relative_to(ws.root))
        }
    if kind == "reports":
        assert t is not None
        files = ws.term_reports(t, progress=progress)
        return f"已生成 {len(files)} 份学期报告", {
            "files": [str(f.relative_to(ws.root)) for f in files]
        }
    if kind == "transcripts":
        assert t is not None
        filed = ws.transcripts(t, progress=progress)
        return f"已生成成绩单 {len(filed)} 份", {}
    raise InputError(f"未知的任务类型 {kind}。")
