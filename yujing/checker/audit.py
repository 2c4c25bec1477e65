"""The completeness audit (档案完整性检查) of every warned student's folder.

:func:`audit` is the one entry point. For each warned student of the term it checks, in turn
(small ``_check_*`` functions):

- ``_check_issued``: the notice was issued (an active serial);
- ``_check_requirement``: every document the policy's ``[[requirements]]`` ask for the
  student's level — present in the number required, signed where it must be, on time; a
  step not yet due is not a finding, an overdue one is;
- ``_check_files``: every file the registry placed in the folder still exists, is unchanged
  (size and modification time, or its hash with ``verify``) and readable;

then ``_check_stray`` lists files in the archive that the registry does not know (a file
moved into another student's folder is reported as such). Findings are values
(:mod:`yujing.checker.model`); the CLI decides colours and exit code. Follows DA/T 70-2018's
四性: 真实性 (hashes), 完整性 (required items), 可用性 (readable), 安全性 (no stray files).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yujing.archive import (
    COLLEGE_FOLDER,
    folder_owner,
    folder_problems,
    shared_folders,
    student_folder,
)
from yujing.checker.model import AuditReport, Finding, RequirementStatus, StudentAudit
from yujing.errors import ListStateError, SecretMissingError
from yujing.model import ListRow, Progress, Term, when
from yujing.policies import Requirement
from yujing.qr import format_serial
from yujing.registry import TABLE_TITLES, SavedList, SerialRow, now, today

if TYPE_CHECKING:
    from yujing.stage import WorkspaceView

ISSUED = Requirement(id="issued", title="通知书发放", parts=("*",))


@dataclass(frozen=True)
class _Doc:
    """A document that may satisfy a requirement."""

    path: str
    day: date
    part: str = ""
    kind: str = ""
    who: str = ""
    signed: int | None = None
    entered: date | None = None
    """When a record was entered (录入时间); a deadline is met only by a record both dated
    and entered in time, so a backdated date does not clear it."""

    @property
    def counted(self) -> date:
        """The day a deadline is measured by: the later of the written and the entered day."""
        return max(self.day, self.entered or self.day)


@dataclass(frozen=True)
class _Context:
    root: Path
    term: Term
    as_of: date
    list_day: date
    verify: bool
    facts: Mapping[str, Mapping[str, Any]]
    hashes: Mapping[str, Future[dict[str, tuple[str, bool] | OSError]]] = field(
        default_factory=dict
    )
    """With ``verify``: every known file is being hashed in worker processes while the checks
    run (results are waited for as each file is checked)."""
    signature_notes: Mapping[str, str] = field(default_factory=dict)
    """Per scanned file: what its signature check says beyond "no ink" (which blanks are
    empty, who confirmed it) — the verdict itself is the file's ``signed``, which follows a
    person's confirmation."""


def audit(
    ws: WorkspaceView,
    term: Term | None = None,
    *,
    classes: Sequence[str] = (),
    verify: bool = False,
    as_of: date | None = None,
    progress: Progress | None = None,
    students: Sequence[str] = (),
) -> AuditReport:
    """Audit the folders of the warned students of ``term`` (the latest list by default);
    ``classes`` or ``students`` (学号) audit part of the list, and then only their folders are
    searched for stray files."""
    registry = ws.registry
    term = term or _latest_term(ws)
    saved = ws.saved(term)
    policy = ws.policy
    as_of = as_of or today()
    notes: list[str] = []
    if not saved.frozen:
        notes.append(f"{term} 的名单尚未冻结，按草稿名单检查。")
    if not policy.requirements:
        notes.append(
            "工作区的规则文件（policy.toml）没有 [[requirements]]：只检查通知书发放和文件完整性。"
            "可从内置规则复制档案要求。"
        )
    list_day = _day(saved.frozen_at or saved.created_at)
    wanted = set(students)
    part = bool(classes or wanted)
    entries = [
        e
        for e in saved.warned
        if (not classes or e.class_name in classes) and (not wanted or e.student_id in wanted)
    ]
    if classes and not entries:
        raise ListStateError(f"{term} 的名单上没有班级 {'、'.join(classes)} 的学生。")
    ctx = _Context(
        ws.root,
        term,
        as_of,
        list_day,
        verify,
        registry.file_facts(),
        signature_notes=_signature_notes(registry.signature_checks()),
    )
    serials = {r.student_id: r for r in registry.serial_rows(term, active_only=True).values()}
    scans: dict[str, list[_Doc]] = {}
    for a in registry.archive_file_rows(term):
        scans.setdefault(a.student_id, []).append(
            _Doc(a.path, _day(a.at), part=a.part, signed=a.signed)
        )
    records: dict[str, list[_Doc]] = {}
    record_rows = registry.records(str(term))
    for r in record_rows:
        records.setdefault(r["student_id"], []).append(
            _Doc(
                r["path"],
                _day(r["date"]),
                kind=r["kind"],
                who=r["who"] or "",
                entered=_day(r["at"]) if r.get("at") else None,
            )
        )
    issued_files: dict[str, list[str]] = {}
    for f in registry.issued_files(term):
        issued_files.setdefault(f.student_id, []).append(f.file)
    requirements = [ISSUED, *(r for r in policy.requirements if r.scope == "student")]
    pool = None
    if verify:
        known_paths = {
            d.path for docs in (*scans.values(), *records.values()) for d in docs if d.path
        }
        known_paths |= {p for files in issued_files.values() for p in files}
        pool = ProcessPoolExecutor(max_workers=min(8, (os.cpu_count() or 2) * 2))
        ctx = replace(ctx, hashes=_hash_all(pool, ws.root, sorted(known_paths)))
    people = _people(ws, saved)
    known_folders = registry.student_folders()
    try:
        audited, deferred = _check_students(
            entries,
            requirements,
            policy,
            serials,
            scans,
            records,
            issued_files,
            ctx,
            progress,
            known_folders,
        )
        folders = (
            {
                known_folders.get(e.student_id)
                or student_folder(Path(), e.student_id, e.name).name
                for e in entries
            }
            if part
            else None
        )
        stray = _check_stray(ws, ctx, people, folders)
        if part:  # an adviser's or a class's students: not the college's lists nor every folder
            integrity = _check_seals(ws, people, notes, verify)
            college: list[Finding] = []
        else:
            integrity = (
                _check_seals(ws, people, notes, verify)
                + _check_folders(ws, people)
                + _check_shared_records(record_rows, people)
            )
            college = _check_colleges(ws, term, policy, entries, ctx)
        # With verify, file contents are judged last, so the checks above ran while the
        # worker processes read and hashed.
        late = _resolve_deferred(deferred, ctx)
        audited = [
            replace(a, findings=a.findings + tuple(late.get(a.student_id, ()))) for a in audited
        ]
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return AuditReport(
        school=ws.school,
        policy=policy.name,
        policy_title=policy.title,
        term=str(term),
        term_label=term.label(),
        generated_at=now(),
        as_of=as_of.isoformat(),
        verified=verify,
        requirements=tuple((r.id, r.title) for r in requirements),
        students=tuple(audited),
        stray=tuple(stray),
        notes=tuple(notes),
        integrity=tuple(integrity),
        college=tuple(college),
    )


def _check_students(
    students: Sequence[ListRow],
    requirements: Sequence[Requirement],
    policy: Any,
    serials: Mapping[str, SerialRow],
    scans: Mapping[str, list[_Doc]],
    records: Mapping[str, list[_Doc]],
    issued_files: Mapping[str, list[str]],
    ctx: _Context,
    progress: Progress | None,
    folders: Mapping[str, str],
) -> tuple[list[StudentAudit], list[tuple[_Who, str]]]:
    audited: list[StudentAudit] = []
    deferred: list[tuple[_Who, str]] = []

    for i, entry in enumerate(students, start=1):
        sid = entry.student_id
        who = (sid, entry.name, entry.college, entry.class_name, entry.level)
        statuses: list[RequirementStatus] = []
        findings: list[Finding] = []
        serial = serials.get(sid)
        status, found = _check_issued(who, serial)
        statuses.append(status)
        findings += found
        issue_day = _day(serial.created_at) if serial else None
        docs = scans.get(sid, []) + records.get(sid, [])
        for req in policy.requirements:
            if req.scope != "student":
                continue
            if not req.applies_to(entry.level):
                statuses.append(RequirementStatus(req.id, req.title, "n/a"))
                continue
            status, found = _check_requirement(who, req, docs, ctx, issue_day)
            statuses.append(status)
            findings += found
        known = [d.path for d in docs if d.path] + issued_files.get(sid, [])
        findings += _check_files(who, known, ctx, deferred)
        folder_name = folders.get(sid) or student_folder(Path(), sid, entry.name).name
        folder = Path("archive") / folder_name / str(ctx.term)
        audited.append(
            StudentAudit(
                sid,
                entry.name,
                entry.college,
                entry.class_name,
                entry.level,
                str(folder),
                tuple(statuses),
                tuple(findings),
            )
        )
        if progress is not None and (i % 200 == 0 or i == len(students)):
            progress(i, len(students))
    return audited, deferred


# -- checks ----------------------------------------------------------------------------------

_Who = tuple[str, str, str, str, str]


def _finding(
    who: _Who,
    req: Requirement | None,
    problem: str,
    detail: str,
    *,
    path: str = "",
    due: date | None = None,
    title: str = "",
) -> Finding:
    return Finding(
        *who,
        requirement=req.id if req else "",
        title=title or (req.title if req else ""),
        problem=problem,
        detail=detail,
        path=path,
        due=due.isoformat() if due else "",
    )


def _check_issued(who: _Who, serial: SerialRow | None) -> tuple[RequirementStatus, list[Finding]]:
    if serial is None:
        return (
            RequirementStatus(ISSUED.id, ISSUED.title, "missing", "未发放通知书（无有效编号）"),
            [
                _finding(
                    who,
                    ISSUED,
                    "missing",
                    "名单上有该生，但没有发放通知书（无有效编号）；请打印通知书。",
                )
            ],
        )
    return RequirementStatus(
        ISSUED.id, ISSUED.title, "ok", f"第 {format_serial(serial.serial)} 号", 1, 1
    ), []


def _matching(req: Requirement, docs: Iterable[_Doc]) -> list[_Doc]:
    out = []
    for d in docs:
        if (d.part and d.part in req.parts) or (
            d.kind and d.kind in req.kinds and (not req.who or req.who in d.who)
        ):
            out.append(d)
    return sorted(out, key=lambda d: (d.counted, d.day))


def _months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (1 if end.day < start.day else 0)


def _signature_notes(checks: Sequence[Any]) -> dict[str, str]:
    """File → a note on its signature verdict: the empty blanks of a partly signed page, or
    the person who confirmed it unsigned (later checks of a file replace earlier ones)."""
    notes: dict[str, str] = {}
    for check in checks:
        if check.confirmed == "unsigned":
            notes[check.file] = f"（{check.confirmed_by} 复核确认）"
        elif check.confirmed is None and check.verdict == "partial":
            empty = "、".join(a.label.rstrip("：:") for a in check.areas if not a.signed)
            notes[check.file] = f"（部分签字处为空：{empty}）"
        else:
            notes.pop(check.file, None)
    return notes


def _check_requirement(
    who: _Who, req: Requirement, docs: Sequence[_Doc], ctx: _Context, issue_day: date | None
) -> tuple[RequirementStatus, list[Finding]]:
    found = _matching(req, docs)
    start = issue_day if req.due_from == "issue" else ctx.list_day
    due = None if req.due_days is None or start is None else start + timedelta(req.due_days)
    needed = req.count
    if req.per_month:
        needed = max(0, _months_between(ctx.list_day, ctx.as_of)) * req.per_month
        if needed == 0:
            return RequirementStatus(req.id, req.title, "pending", "未满一个月", len(found), 0), []
    have = len(found)
    if have < needed:
        detail = f"应有 {needed} 份，现有 {have} 份"
        if due is not None and ctx.as_of <= due:
            return RequirementStatus(
                req.id, req.title, "pending", f"{detail}；{due.isoformat()} 前完成", have, needed
            ), []
        if due is not None:
            text = f"{detail}；应于 {due.isoformat()} 前完成，已超期 {(ctx.as_of - due).days} 天"
            return (
                RequirementStatus(req.id, req.title, "overdue", text, have, needed),
                [_finding(who, req, "overdue", text, due=due)],
            )
        return (
            RequirementStatus(req.id, req.title, "missing", detail, have, needed),
            [_finding(who, req, "missing", detail)],
        )
    findings: list[Finding] = []
    status, detail = "ok", f"{have} 份"
    if req.signed:
        scanned = [d for d in found if d.part]
        if scanned and all(d.signed == 0 for d in scanned):
            note = ctx.signature_notes.get(scanned[-1].path, "")
            status, detail = "unsigned", "交回的材料上签字处没有笔迹" + note
            findings.append(_finding(who, req, "unsigned", detail, path=scanned[-1].path))
    last = found[needed - 1]
    if due is not None and last.counted > due:
        late_by = (last.counted - due).days
        if last.counted > last.day:  # dated in time, entered late (补录)
            text = (
                f"记录日期为 {last.day.isoformat()}，但 {last.counted.isoformat()} 才录入（补录），"
                f"应于 {due.isoformat()} 前，逾期 {late_by} 天"
            )
        else:
            text = f"{last.day.isoformat()} 才交回/记录，应于 {due.isoformat()} 前，逾期 {late_by} 天"
        findings.append(_finding(who, req, "late", text, path=last.path, due=due))
        if status == "ok":
            status, detail = "late", text
    return RequirementStatus(req.id, req.title, status, detail, have, needed), findings


def _check_files(
    who: _Who, paths: Iterable[str], ctx: _Context, deferred: list[tuple[_Who, str]]
) -> list[Finding]:
    """Existence and access now; content (hash, format) now for files whose size or time
    changed, or — with ``verify`` — later, once the background hashing has read them
    (``deferred``, resolved by :func:`_resolve_deferred`)."""
    out = []
    base = str(ctx.root)
    for rel in sorted(set(paths)):
        if rel in ctx.hashes:  # verify: a worker thread opens, reads and hashes it
            deferred.append((who, rel))
            continue
        path = f"{base}/{rel}"
        try:
            st = os.stat(path)
        except FileNotFoundError:
            out.append(
                _finding(
                    who,
                    None,
                    "missing",
                    f"登记库记录的文件不存在：{rel}",
                    path=rel,
                    title=Path(rel).name,
                )
            )
            continue
        except OSError as exc:
            out.append(
                _finding(
                    who,
                    None,
                    "unreadable",
                    f"无法访问：{exc.strerror}",
                    path=rel,
                    title=Path(rel).name,
                )
            )
            continue
        fact = ctx.facts.get(rel)
        if fact is None:
            continue
        if st.st_size != fact["size"] or st.st_mtime_ns != fact["mtime_ns"]:
            out += _content_findings(who, rel, ctx, None)
    return out


def _resolve_deferred(
    deferred: Sequence[tuple[_Who, str]], ctx: _Context
) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for who, rel in deferred:
        found = _content_findings(who, rel, ctx, ctx.hashes[rel])
        if found:
            out.setdefault(who[0], []).extend(found)
    return out


def _content_findings(
    who: _Who,
    rel: str,
    ctx: _Context,
    pending: Future[dict[str, tuple[str, bool] | OSError]] | None,
) -> list[Finding]:
    fact = ctx.facts.get(rel)
    title = Path(rel).name
    try:
        result = pending.result()[rel] if pending is not None else _hash_and_check(ctx.root / rel)
        if isinstance(result, OSError):
            raise result
        digest, readable = result
    except FileNotFoundError:
        return [
            _finding(who, None, "missing", f"登记库记录的文件不存在：{rel}", path=rel, title=title)
        ]
    except OSError as exc:
        return [
            _finding(who, None, "unreadable", f"读取失败：{exc.strerror}", path=rel, title=title)
        ]
    if fact is None:
        return []
    if digest != fact["sha256"]:
        return [
            _finding(
                who,
                None,
                "altered",
                f"归档后文件内容被改动（哈希 {digest[:12]}… ≠ 登记的 {str(fact['sha256'])[:12]}…）",
                path=rel,
                title=title,
            )
        ]
    if not readable:
        return [_finding(who, None, "unreadable", "文件已损坏或格式不完整", path=rel, title=title)]
    return []


_HASH_BATCH = 256


def _hash_batch(root: str, rels: Sequence[str]) -> dict[str, tuple[str, bool] | OSError]:
    """Worker: hash a batch of files (module level, so a process pool can run it)."""
    out: dict[str, tuple[str, bool] | OSError] = {}
    for rel in rels:
        try:
            out[rel] = _hash_and_check(Path(root) / rel)
        except OSError as exc:
            out[rel] = exc
    return out


def _hash_all(
    pool: Executor, root: Path, paths: Sequence[str]
) -> dict[str, Future[dict[str, tuple[str, bool] | OSError]]]:
    """Start hashing files in worker processes, in batches (one future per batch). Processes,
    not threads: with threads the GIL held hashing to ≈ 75% of the disk's throughput here,
    with four processes it keeps up with it; and it overlaps the rest of the audit."""
    futures: dict[str, Future[dict[str, tuple[str, bool] | OSError]]] = {}
    for i in range(0, len(paths), _HASH_BATCH):
        rels = list(paths[i : i + _HASH_BATCH])
        future = pool.submit(_hash_batch, str(root), rels)
        futures.update((rel, future) for rel in rels)
    return futures


def _hash_and_check(path: Path) -> tuple[str, bool]:
    """SHA-256 of the file, and whether its format looks whole (PDF header/trailer, zip end)."""
    digest = hashlib.sha256()
    head = tail = b""
    with open(path, "rb", buffering=0) as fh:
        while block := fh.read(1 << 20):  # reads and hashing release the GIL
            if not head:
                head = block[:8]
            tail = block[-2048:] if len(block) >= 2048 else (tail + block)[-2048:]
            digest.update(block)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        readable = head.startswith(b"%PDF") and b"%%EOF" in tail
    elif suffix in {".docx", ".xlsx"}:
        readable = head.startswith(b"PK") and b"PK\x05\x06" in tail
    else:
        readable = True
    return digest.hexdigest(), readable


def _check_colleges(
    ws: WorkspaceView,
    term: Term,
    policy: Any,
    students: Sequence[ListRow],
    ctx: _Context,
) -> list[Finding]:
    """The college-level requirements (``scope = "college"``), once per college with warned
    students: the issued copy of a list filed at ``issue`` counts, a ``signed`` requirement
    asks for the copy that came back signed (scanned into ``archive/_学院/<学期>/``)."""
    reqs = [r for r in policy.requirements if r.scope == "college"]
    if not reqs:
        return []
    registry = ws.registry
    docs = {d["serial"]: d for d in registry.college_docs(term)}
    issued: dict[str, list[_Doc]] = {}
    for d in docs.values():
        if d["file"] and (ws.root / d["file"]).exists():
            issued.setdefault(d["college"], []).append(
                _Doc(d["file"], _day(d["created_at"]), part=d["part"], kind="issued")
            )
    scanned: dict[str, list[_Doc]] = {}
    for r in registry.archive_file_rows(term):
        if r.student_id != COLLEGE_FOLDER or r.serial is None:
            continue
        doc = docs.get(r.serial)
        if doc is not None and (ws.root / r.path).exists():
            scanned.setdefault(doc["college"], []).append(
                _Doc(r.path, _day(r.at), part=r.part, signed=r.signed)
            )
    out: list[Finding] = []
    for college in sorted({e.college or ws.school for e in students}):
        who = (COLLEGE_FOLDER, college, college, "", "")
        for req in reqs:
            have = (
                scanned.get(college, [])
                if req.signed
                else (issued.get(college, []) + scanned.get(college, []))
            )
            _status, found = _check_requirement(who, req, have, ctx, None)
            out += found
    return out


def _people(ws: WorkspaceView, saved: SavedList) -> dict[str, _Who]:
    """学号 → (学号, 姓名, 学院, 班级, 等级) of everyone on the list, else the roster."""
    out: dict[str, _Who] = {
        sid: (sid, s.name, s.college, s.class_name, "") for sid, s in ws.registry.students().items()
    }
    for e in saved.entries:
        sid = e.student_id
        out[sid] = (sid, e.name, e.college, e.class_name, e.level)
    return out


def _who(people: Mapping[str, _Who], sid: str, name: str = "") -> _Who:
    return people.get(sid) or (sid, name, "", "", "")


def _check_seals(
    ws: WorkspaceView, people: Mapping[str, _Who], notes: list[str], verify: bool
) -> list[Finding]:
    """Rows of the registry changed, inserted or deleted by hand (登记库被改动): checked with
    ``verify`` (every sealed row's HMAC, ≈ 1 s for 60,000 rows), like the files' hashes."""
    registry = ws.registry
    for at, detail in registry.seal_upgrades():
        notes.append(f"{at} {detail}（加封之前对登记库的改动无法发现）。")
    head = registry.seal_head()
    if head:  # kept with the report, it shows later which state of the registry was checked
        notes.append(
            f"登记库封印头：{head}（{when(now())}）。保存本报告，与以后报告上的封印头对照，"
            "可发现登记库被整体换回旧副本。"
        )
    if not verify:
        return []
    try:
        state = registry.check_seals()
    except SecretMissingError:
        notes.append("工作区缺少签名密钥 secret.key，登记库的封印无法核对。请从备份恢复该文件。")
        return []
    if state.checkpoint_at:
        notes.append(f"封印检查点 registry.seal 写于 {when(state.checkpoint_at)}，与登记库一致。")
    return [
        _finding(
            _who(people, p.student_id),
            None,
            "tampered",
            f"{TABLE_TITLES.get(p.table, p.table)}第 {p.row_id} 行：{p.problem}"
            + (f"。现存内容：{p.summary}" if p.summary else ""),
            path=p.summary.split("（", 1)[0] if p.table == "archive_files" else "",
            title=f"登记库·{TABLE_TITLES.get(p.table, p.table)}",
        )
        for p in state.problems
    ]


def _check_shared_records(
    rows: Sequence[Mapping[str, Any]], people: Mapping[str, _Who]
) -> list[Finding]:
    """Records of one file whose contents differ: the later one overwrote the earlier (file
    names cut before their digest, in registries written before names kept it)."""
    by_path: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        if r["path"]:
            by_path.setdefault(r["path"], []).append(r)
    out = []
    for path, same in sorted(by_path.items()):
        if len({r["sha256"] for r in same}) < 2:
            continue
        lost = "、".join(f"{r['date']} {r['who'] or ''}".strip() for r in same[:-1])
        out.append(
            _finding(
                _who(people, str(same[0]["student_id"])),
                None,
                "altered",
                f"{len(same)} 条记录共用一个文件，较早的记录（{lost}）已被后来的覆盖，原内容不在档案中",
                path=path,
                title="记录文件",
            )
        )
    return out


def _check_folders(ws: WorkspaceView, people: Mapping[str, _Who]) -> list[Finding]:
    """A 学号 with two folders under two names, or two 学号 sharing one folder."""
    out: list[Finding] = []
    for sid, folders in sorted(folder_problems(ws).items()):
        if len(folders) > 1:
            out.append(
                _finding(
                    _who(people, sid),
                    None,
                    "two-names",
                    f"学号 {sid} 有 {len(folders)} 个档案夹（姓名不同）：{'、'.join(folders)}；"
                    "材料应归在同一个档案夹中",
                    path=f"archive/{folders[0]}",
                    title="档案夹",
                )
            )
    for folder, sids in sorted(shared_folders(ws).items()):
        out.append(
            _finding(
                _who(people, sids[0]),
                None,
                "mismatch",
                f"档案夹 {folder} 中有 {len(sids)} 个学号的材料：{'、'.join(sids)}",
                path=f"archive/{folder}",
                title="档案夹",
            )
        )
    return out


def _check_stray(
    ws: WorkspaceView,
    ctx: _Context,
    people: Mapping[str, _Who],
    folders: set[str] | None = None,
) -> list[Finding]:
    """Files in archive/ (or only in ``folders`` of it) that the registry does not know; a
    known file found elsewhere than recorded (moved into another folder) is reported as a
    mismatch."""
    known = set(ctx.facts)
    by_hash: dict[str, str] = {}
    out: list[Finding] = []
    archive = ws.archive_dir
    if not archive.exists():
        return out
    walks = (
        [_walk(archive, "archive")]
        if folders is None
        else [_walk(archive / f, f"archive/{f}") for f in sorted(folders) if (archive / f).is_dir()]
    )
    for rel, name in (item for walk in walks for item in walk):
        if rel in known:
            continue
        if not by_hash:
            by_hash = {str(f["sha256"]): p for p, f in ctx.facts.items()}
        path = ws.root / rel
        try:
            digest, _ = _hash_and_check(path)
        except OSError:
            digest = ""
        folder = Path(rel).parts[1] if len(Path(rel).parts) > 1 else ""
        sid = folder_owner(ws, folder)
        who = _who(people, sid, folder.split("-", 1)[1] if "-" in folder else "")
        if digest in by_hash and by_hash[digest] != rel:
            out.append(
                _finding(
                    who,
                    None,
                    "mismatch",
                    f"文件与登记的 {by_hash[digest]} 相同，却放在了这里"
                    "（可能被移到了别的学生或学期的档案夹）",
                    path=rel,
                    title=name,
                )
            )
        else:
            out.append(_finding(who, None, "orphan", _orphan_detail(name), path=rel, title=name))
    return out


PART_GRACE_SECONDS = 600
"""A write's temporary ``.part`` file younger than this may belong to a write in progress
(not reported); an older one was left by a crash or a ``kill -9``."""


def _orphan_detail(name: str) -> str:
    """Why an unknown file is reported: a temporary file a write left behind, a hidden file,
    or any other file the registry does not know."""
    if name.startswith(".") and name.endswith(".part"):
        return (
            "写入被中断（断电、强制结束等）留下的临时文件，内容不完整，不是档案；"
            "确认没有正在进行的操作后可删除"
        )
    if name.startswith("."):
        return "档案夹中有登记库没有记录的隐藏文件（文件名以 . 开头）"
    return "档案夹中有登记库没有记录的文件"


def _walk(folder: Path, prefix: str) -> Iterable[tuple[str, str]]:
    """(path relative to the workspace, name) of every file below ``folder``, hidden ones
    too; only the temporary ``.part`` file of a write still in progress (younger than
    PART_GRACE_SECONDS) is skipped. scandir, no Path objects: the archive holds tens of
    thousands of files."""
    stack = [(str(folder), prefix)]
    recent = time.time() - PART_GRACE_SECONDS
    while stack:
        here, rel_here = stack.pop()
        with os.scandir(here) as entries:
            for entry in entries:
                if entry.name.startswith(".") and entry.name.endswith(".part"):
                    with contextlib.suppress(OSError):
                        if entry.stat(follow_symlinks=False).st_mtime > recent:
                            continue
                rel = f"{rel_here}/{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, rel))
                else:
                    yield rel, entry.name


def _latest_term(ws: WorkspaceView) -> Term:
    term = ws.registry.latest_term()
    if term is None:
        raise ListStateError(
            "还没有任何学期的名单。请先生成名单（评估）。",
            cli="请先运行 yujing assess --term 学期。",
        )
    return term


def _day(text: str | None) -> date:
    if not text:
        return today()
    return date.fromisoformat(str(text)[:10])
