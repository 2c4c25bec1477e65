"""Background jobs of the console (后台任务): issue, scan, audit with --verify, term reports
and transcripts, run one at a time by a worker through the workspace's own methods; a job
interrupted by a restart is marked so and can be run again."""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from yujing.accounts import ADVISER_ROLES
from yujing.checker.html import write_html
from yujing.engine.assess import Progress
from yujing.errors import (
    InputError,
    YujingError,
)
from yujing.model import Term
from yujing.registry import now

if TYPE_CHECKING:
    from yujing.workspace import Workspace

log = logging.getLogger("yujing.jobs")

JOB_KINDS = {
    "issue": "打印批次",
    "scan": "扫描归档",
    "audit": "档案检查（含校验）",
    "reports": "学期报告",
    "transcripts": "生成成绩单",
    "archive": "归档：组卷或移交包",
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
        filed = ws.transcripts(t, progress=progress)
        return f"已生成成绩单 {len(filed)} 份", {}
    if kind == "archive":
        assert t is not None
        return _archive_job(ws, t, params, progress)
    raise InputError(f"未知的任务类型 {kind}。")


ARCHIVE_OUT = "handovers"
"""Where the console's archive jobs write (volumes, handover packages), inside the workspace."""


def _archive_job(
    ws: Workspace, term: Term, params: dict[str, Any], progress: Progress
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


def start_job(ws: Workspace, kind: str, term: str, params: dict[str, Any], account: str) -> int:
    if kind not in JOB_KINDS:
        raise InputError(f"未知的任务类型 {kind}。")
    registry = ws.registry
    with registry.transaction():
        job_id = registry.add_job(kind, term, json.dumps(params, ensure_ascii=False), account)
        registry.log("job", f"{JOB_KINDS[kind]} #{job_id} 已排队", term=term)
    return job_id


def rerun_job(ws: Workspace, job_id: int, account: str) -> int:
    job = ws.registry.job(job_id)
    if job is None:
        raise InputError(f"没有任务 {job_id}。")
    if job["status"] in ("queued", "running"):
        raise InputError(f"任务 {job_id} 还在进行。")
    return ws.start_job(job["kind"], job["term"], json.loads(job["params"] or "{}"), account)


def run_next_job(ws: Workspace) -> int | None:
    """Run the oldest queued job here (the console's worker thread); return its id."""
    registry = ws.registry
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
    with ws.acting_as(job["account"] or ""):
        try:
            message, result = _run_job(ws, job["kind"], job["term"], params, progress)
        except YujingError as exc:
            registry.update_job(job_id, status="failed", message=str(exc), finished_at=now())
            return job_id
        except Exception as exc:  # a bug: keep the server alive, show it on the page
            log.exception("job %s (%s) failed", job_id, job["kind"])
            registry.update_job(
                job_id,
                status="failed",
                message=f"内部错误：{type(exc).__name__}: {exc}",
                finished_at=now(),
            )
            return job_id
    registry.update_job(
        job_id,
        status="done",
        message=message,
        result=json.dumps(result, ensure_ascii=False),
        finished_at=now(),
    )
    return job_id
