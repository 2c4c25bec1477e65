"""The console's archive page (归档): the secretary builds a term's volumes or its handover
package as a background job; the secretary and the inspector download what was built. Each
route calls one workspace method (through the job) or serves one file of ``handovers/``."""

from __future__ import annotations

from pathlib import Path

from starlette.responses import RedirectResponse, Response

from yujing.errors import InputError
from yujing.web.context import Ctx
from yujing.web.routing import download, route
from yujing.workspace import ARCHIVE_OUT

WHAT = {"volumes": "组卷（每班一卷）", "handover": "移交包（含四性检测）"}


def _built(ctx: Ctx) -> list[tuple[str, list[Path]]]:
    """(folder name, its files) of everything built, newest first."""
    root = ctx.ws.root / ARCHIVE_OUT
    if not root.is_dir():
        return []
    out = []
    for folder in sorted((p for p in root.iterdir() if p.is_dir()), reverse=True):
        files = sorted(p for p in folder.rglob("*") if p.is_file() and p.parent.name != "文件")
        out.append((folder.name, files))
    return out


@route("/handover", "archive")
def archive(ctx: Ctx) -> Response:
    term = ctx.term
    copies = ctx.ws.registry.archive_copies(term) if term else []
    state = ctx.ws.registry.archive_term_state(term) if term else None
    jobs = [j for j in ctx.ws.registry.jobs() if j["kind"] == "archive"][:5]
    return ctx.render(
        "archive.html",
        term=term,
        copies=len(copies),
        state=state,
        built=_built(ctx),
        jobs=jobs,
        what=WHAT,
        root=ctx.ws.root / ARCHIVE_OUT,
    )


@route("/handover/build", "archive_build", ("POST",))
def archive_build(ctx: Ctx) -> Response:
    assert ctx.user is not None
    term = ctx.need_term()
    what = ctx.get("what")
    if what not in WHAT:
        raise InputError("请选择要生成的内容：组卷或移交包。")
    recipient = ctx.get("recipient").strip()
    if what == "handover" and not recipient:
        raise InputError("移交包须写明接收人或接收部门。")
    params = {"what": what, "recipient": recipient, "account": ctx.user.name}
    job = ctx.ws.start_job("archive", str(term), params, ctx.user.name)
    ctx.request.app.state.wake()
    return RedirectResponse(ctx.url("job", id=job), status_code=303)


@route("/handover/file", "archive_file")
def archive_file(ctx: Ctx) -> Response:
    root = (ctx.ws.root / ARCHIVE_OUT).resolve()
    wanted = (root / ctx.query("path")).resolve()
    if root not in wanted.parents or not wanted.is_file():
        raise InputError("没有这个文件。")
    return download(wanted)
