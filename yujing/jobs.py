"""Background jobs of the console (后台任务): what a job is — its kind, the queue it waits in,
its bounds (pages per upload and per job, a time limit) — and the functions it runs (issue,
scan, audit with --verify, term reports, transcripts, through the workspace's own methods).

The runner that takes jobs off the queues and runs them lives on the console's side
(:mod:`yujing.web.jobs`); this module imports nothing of the front door, which sees it only
through the small :class:`JobWorkspace` protocol.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from yujing.accounts import ADVISER_ROLES
from yujing.checker.html import write_html
from yujing.engine.assess import Progress
from yujing.errors import AccessDeniedError, InputError, UnreadableFileError
from yujing.model import Term
from yujing.registry import now
from yujing.roles import JobRef, allowed

if TYPE_CHECKING:
    from yujing.archive.intake import IntakeResult
    from yujing.archive.pdfa import PdfaResult
    from yujing.archive.records import Filed
    from yujing.archive.volume import Volume
    from yujing.checker.model import AuditReport
    from yujing.generator.batch import BatchResult
    from yujing.handover import HandoverResult
    from yujing.registry import UserRow
    from yujing.stage import WorkspaceView

JOB_KINDS = {
    "issue": "打印批次",
    "scan": "扫描归档",
    "audit": "档案检查（含校验）",
    "reports": "学期报告",
    "transcripts": "生成成绩单",
    "backup": "备份",
    "archive": "归档：组卷或移交包",
}

QUEUES: Mapping[str, tuple[str, ...]] = {
    "uploads": ("scan",),
    "office": ("issue", "audit", "reports", "transcripts", "backup", "archive"),
}
"""The queues (任务队列), each with a worker of its own: an adviser's phone upload or a long
scan never holds back the secretary's audit, issue or reports."""

MAX_PAGES_PER_UPLOAD = 1000
"""Most pages one uploaded file may hold (a scanner's batch of returns is a few hundred)."""

MAX_PAGES_PER_JOB = 2000
"""Most pages one scan job may hold, all its files together."""

TIME_LIMITS: Mapping[str, timedelta] = {
    "scan": timedelta(minutes=30),
    "issue": timedelta(hours=2),
    "audit": timedelta(hours=1),
    "reports": timedelta(minutes=30),
    "transcripts": timedelta(hours=1),
    "backup": timedelta(hours=1),
    "archive": timedelta(hours=4),
}
"""How long a job may run before the worker stops it (任务时限), checked between pages."""

STATUS = {
    "queued": "排队中",
    "running": "进行中",
    "done": "已完成",
    "failed": "失败",
    "interrupted": "已中断",
    "cancelled": "已取消",
}


class JobWorkspace(Protocol):
    """What a job needs of the workspace: the registry and the stages it runs."""

    @property
    def root(self) -> Path: ...

    @property
    def registry(self) -> Any: ...

    def issue(
        self,
        term: Term,
        *,
        classes: Sequence[str] = (),
        levels: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> list[BatchResult]: ...

    def scan(self, paths: Sequence[Path], *, progress: Progress | None = None) -> IntakeResult: ...

    def backup(self, target: Path) -> Path: ...

    def archive_pdfa(
        self, term: Term, *, ocr: bool = False, progress: Progress | None = None
    ) -> PdfaResult: ...

    def archive_volumes(
        self,
        term: Term,
        out_dir: Path,
        *,
        classes: Sequence[str] = (),
        progress: Progress | None = None,
    ) -> list[Volume]: ...

    def archive_handover(
        self,
        term: Term,
        out_dir: Path,
        *,
        who: str,
        recipient: str,
        progress: Progress | None = None,
    ) -> HandoverResult: ...

    def backup_zip(self) -> Path: ...

    def scan_own(
        self, paths: Sequence[Path], user: UserRow, *, progress: Progress | None = None
    ) -> IntakeResult: ...

    def audit(
        self,
        term: Term | None = None,
        *,
        classes: Sequence[str] = (),
        verify: bool = False,
        as_of: date | None = None,
        progress: Progress | None = None,
    ) -> AuditReport: ...

    def term_reports(
        self, term: Term, out_dir: Path | None = None, *, progress: Progress | None = None
    ) -> list[Path]: ...

    def transcripts(
        self, term: Term, *, students: Sequence[str] = (), progress: Progress | None = None
    ) -> list[Filed]: ...


@dataclass(frozen=True)
class Claimed:
    """A job a worker has taken off its queue (已领取的任务)."""

    id: int
    kind: str
    term: str
    params: dict[str, Any]
    account: str
    started: str

    @property
    def time_limit(self) -> timedelta:
        return TIME_LIMITS.get(self.kind, timedelta(hours=1))


def run_job(
    ws: JobWorkspace, kind: str, term: str, params: dict[str, Any], progress: Progress
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
            {
                "batch": r.batch,
                "students": len(r.students),
                "pages": r.pages,
                "missing": r.missing,
                "notes": list(r.notes),
            }
            for r in results
        ]
        n = sum(len(r.students) for r in results)
        names = "、".join(r.batch for r in results) or "无"
        summary = f"已发出 {n} 人的通知书（批次 {names}）"
        blank = sum(r.without_phone for r in results)
        if blank:  # said before the pile is printed: the number is then written by hand
            summary += f"；其中 {blank} 名学生的通知未印辅导员联系电话（学生名单中没有辅导员电话）"
        return summary, {"batches": batches}
    if kind == "scan":
        paths = [ws.root / p for p in params["paths"]]
        account = params.get("account", "")
        user = ws.registry.user(account) if account else None
        if user is not None and user.role in ADVISER_ROLES and not params.get("send_on"):
            res = ws.scan_own(paths, user, progress=progress)
        else:
            res = ws.scan(paths, progress=progress)
        people = {sid: s.name for sid, s in ws.registry.students().items()}
        pages = [
            {
                "page": p.page,
                "source": Path(p.source).name,
                "result": p.result,
                "reason": p.reason,
                "student_id": p.student_id,
                "name": people.get(p.student_id, ""),
                "target": p.target,
                "title": Path(p.target).stem if p.target else "",
                "signed": p.signed,
                "upload": str(Path(p.source).relative_to(ws.root)) if p.result == "retake" else "",
            }
            for p in res.pages
        ]
        msg = (
            f"已归档 {res.count('filed')} 页，待处理 {res.count('review')} 页，"
            f"空白页 {res.count('blank')} 页"
            + (f"，请重拍 {res.count('retake')} 张" if res.count("retake") else "")
            + (f"，重复文件 {len(res.skipped_files)} 个已跳过" if res.skipped_files else "")
            + ("；" + "；".join(res.errors) if res.errors else "")
        )
        return msg, {"pages": pages}
    if kind == "audit":
        report = ws.audit(t, verify=bool(params.get("verify")), progress=progress)
        out = ws.root / "reports" / f"{report.term} 档案检查报告.html"
        write_html(report, out)
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
        filed = ws.transcripts(t, students=params.get("students", []), progress=progress)
        people = {sid: s.name for sid, s in ws.registry.students().items()}
        return f"已生成成绩单 {len(filed)} 份，已存入各生档案", {
            "students": [
                {"student_id": f.student_id, "name": people.get(f.student_id, "")}
                for f in filed
            ]
        }
    if kind == "backup":
        if params.get("folder"):
            out = ws.backup(Path(params["folder"]))
            return f"已备份到服务器上的目录 {out}", {"folder": str(out)}
        out = ws.backup_zip()
        return "备份已完成，可以下载", {"zip": out.name}
    if kind == "archive":
        assert t is not None
        return _archive_job(ws, t, params, progress)
    raise InputError(f"未知的任务类型 {kind}。")


ARCHIVE_OUT = "handovers"
"""Where the console's archive jobs write (volumes, handover packages), inside the workspace."""


def _archive_job(
    ws: JobWorkspace, term: Term, params: dict[str, Any], progress: Progress
) -> tuple[str, dict[str, Any]]:
    """Make the term's PDF/A copies, then its volumes or its handover package."""
    from yujing.archive import safe_name

    ws.archive_pdfa(term, progress=progress)
    stamp = now().replace(":", "").replace("-", "")[:15]
    if params.get("what") == "handover":
        folder = ws.root / ARCHIVE_OUT / safe_name(f"{term} 移交包 {stamp}")
        result = ws.archive_handover(
            term,
            folder,
            who=str(params.get("account", "")),
            recipient=str(params.get("recipient", "")),
            progress=progress,
        )
        said = "已登记移交，学期已封闭" if result.recorded else "四性检测未全部通过，未登记移交"
        return f"移交包已生成（{len(result.files)} 个文件）：{said}", {
            "folder": str(folder.relative_to(ws.root))
        }
    folder = ws.root / ARCHIVE_OUT / safe_name(f"{term} 卷 {stamp}")
    volumes = ws.archive_volumes(term, folder, progress=progress)
    return f"已组卷 {len(volumes)} 卷", {"folder": str(folder.relative_to(ws.root))}


def count_scan_pages(ws: WorkspaceView, paths: Sequence[str]) -> int:
    """The pages of a scan job's files (relative to the workspace), refused when one file
    holds more than MAX_PAGES_PER_UPLOAD or all of them more than MAX_PAGES_PER_JOB."""
    from yujing.archive.reader import page_count

    total = 0
    for rel in paths:
        try:
            pages = page_count(ws.root / rel)
        except UnreadableFileError:
            pages = 1  # the scan itself reports the damaged file, page by page
        if pages > MAX_PAGES_PER_UPLOAD:
            raise InputError(
                f"{Path(rel).name} 有 {pages} 页，超过每个文件 {MAX_PAGES_PER_UPLOAD} 页的上限，"
                "未排队。请分成几个文件上传。"
            )
        total += pages
    if total > MAX_PAGES_PER_JOB:
        raise InputError(
            f"这次上传共 {total} 页，超过每个任务 {MAX_PAGES_PER_JOB} 页的上限，未排队。请分批上传。"
        )
    return total


def start_job(
    ws: WorkspaceView, kind: str, term: str, params: dict[str, Any], account: str
) -> int:
    """Queue a job (排队); a scan's pages are counted first and bounded."""
    if kind not in JOB_KINDS:
        raise InputError(f"未知的任务类型 {kind}。")
    pages = count_scan_pages(ws, params.get("paths", [])) if kind == "scan" else 0
    registry = ws.registry
    with registry.transaction():
        job_id = registry.add_job(kind, term, json.dumps(params, ensure_ascii=False), account)
        if pages:
            registry.update_job(job_id, pages=pages)
        registry.log("job", f"{JOB_KINDS[kind]} #{job_id} 已排队", term=term)
    return job_id


def rerun_job(ws: WorkspaceView, job_id: int, account: str) -> int:
    job = ws.registry.job(job_id)
    if job is None:
        raise InputError(f"没有任务 {job_id}。")
    if job["status"] in ("queued", "running"):
        raise InputError(f"任务 {job_id} 还在进行。")
    return start_job(ws, job["kind"], job["term"], json.loads(job["params"] or "{}"), account)


def cancel_job(ws: WorkspaceView, job_id: int, user: UserRow) -> str:
    """Cancel a job (取消任务) for its owner or the secretary: a queued job is cancelled at
    once, a running one is asked to stop and its worker stops it before its next page;
    returns the job's status after the request."""
    registry = ws.registry
    job = registry.job(job_id)
    if job is None:
        raise InputError(f"没有任务 {job_id}。")
    if not allowed(user, "job_cancel", JobRef(job["account"])):
        with registry.transaction():
            registry.log("access-denied", f"{user.name}（{user.role}）：取消任务 {job_id}")
        raise AccessDeniedError("这不是您提交的任务，不能取消。")
    if job["status"] not in ("queued", "running"):
        raise InputError(f"任务 {job_id} 已{STATUS.get(job['status'], job['status'])}，无需取消。")
    with registry.transaction():
        status = registry.request_job_cancel(job_id, now())
        registry.log("job-cancel", f"{JOB_KINDS.get(job['kind'], job['kind'])} #{job_id}", term=job["term"])
    return status
