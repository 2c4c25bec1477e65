"""The console's job runner (任务执行): one worker thread per queue of :data:`yujing.jobs.QUEUES`
(an adviser's upload never waits behind the secretary's audit, nor the audit behind an
upload), each running its queue's oldest job through :func:`yujing.jobs.run_job`. Between
pages the worker checks the job's cancel flag and its time limit and stops the job there.

What a job is and the functions it runs are the library's (:mod:`yujing.jobs`); this module
is the console's side, so the library never imports the front door.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from yujing.errors import JobStoppedError, YujingError
from yujing.workspace import JOB_KINDS, QUEUES, Claimed, Workspace, run_job

log = logging.getLogger("yujing.jobs")


def run_next_job(ws: Workspace, kinds: Sequence[str] = tuple(JOB_KINDS)) -> int | None:
    """Run the oldest queued job of ``kinds`` here; return its id (None: nothing queued)."""
    registry = ws.registry
    row = registry.claim_job_of(kinds)
    if row is None:
        return None
    job = Claimed(
        int(row["id"]),
        row["kind"],
        row["term"],
        json.loads(row["params"] or "{}"),
        row["account"] or "",
        row["started_at"],
    )
    deadline = time.monotonic() + job.time_limit.total_seconds()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        """Called between pages: record progress, stop a cancelled or overlong job."""
        t = time.monotonic()
        if t > deadline:
            minutes = int(job.time_limit.total_seconds() // 60)
            raise JobStoppedError(
                f"任务超过 {minutes} 分钟的时限，已在处理到第 {done}/{total} 项时停止；"
                "已完成的部分已保存，可缩小范围后重新运行。"
            )
        if registry.job_cancel_requested(job.id):
            raise JobStoppedError(f"任务已取消（处理到第 {done}/{total} 项时停止）。")
        if t - last[0] > 0.3 or done == total:
            last[0] = t
            registry.update_job(job.id, done=done, total=total)

    with ws.acting_as(job.account):
        try:
            message, result = run_job(ws, job.kind, job.term, job.params, progress)
        except JobStoppedError as exc:
            cancelled = registry.job_cancel_requested(job.id)
            registry.finish_job(job.id, "cancelled" if cancelled else "failed", str(exc))
            with registry.transaction():
                registry.log("job-stopped", f"{JOB_KINDS[job.kind]} #{job.id}：{exc}", term=job.term)
            return job.id
        except YujingError as exc:
            registry.finish_job(job.id, "failed", str(exc))
            return job.id
        except Exception as exc:  # a bug: keep the server alive, show it on the page
            log.exception("job %s (%s) failed", job.id, job.kind)
            registry.finish_job(job.id, "failed", f"内部错误：{type(exc).__name__}: {exc}")
            return job.id
    registry.finish_job(job.id, "done", message, json.dumps(result, ensure_ascii=False))
    return job.id


class Worker:
    """One background thread running the jobs of one queue."""

    def __init__(self, root: Path, queue: str) -> None:
        self.root = root
        self.queue = queue
        self.stop = threading.Event()
        self.wake = threading.Event()
        self.thread = threading.Thread(target=self.run, name=f"yujing-{queue}", daemon=True)

    def run(self) -> None:
        ws = Workspace(self.root)
        try:
            while not self.stop.is_set():
                try:
                    ran = run_next_job(ws, QUEUES[self.queue])
                except YujingError as exc:
                    log.warning("worker %s: %s", self.queue, exc)
                    ran = None
                if ran is None:
                    self.wake.wait(1.0)
                    self.wake.clear()
        finally:
            ws.close()


class Workers:
    """A worker per queue (任务队列), started and stopped together."""

    def __init__(self, root: Path) -> None:
        self.all = [Worker(root, queue) for queue in QUEUES]

    def start(self) -> None:
        for worker in self.all:
            worker.thread.start()

    def wake(self) -> None:
        for worker in self.all:
            worker.wake.set()

    def stop(self) -> None:
        for worker in self.all:
            worker.stop.set()
            worker.wake.set()
