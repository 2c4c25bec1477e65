"""The console's pages for the rest of the term's steps (the CLI's commands that had no page):
transcripts (成绩单) as a background job, the column mapping of an unknown export (列映射),
signature review with the crops (签字复核), backups (备份). Like :mod:`yujing.web.views`, each
route parses the request, calls one library function and renders a template.

:func:`form` makes a refused form come back with its message on it and the input kept."""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from pathlib import Path

from starlette.responses import RedirectResponse, Response

from yujing.errors import InputError, YujingError
from yujing.web.context import Ctx, Handler
from yujing.web.routing import download, route, whole_number
from yujing.web.views import RECORD_KINDS, import_result, imports_page, print_, student
from yujing.workspace import IMPORT_COLUMNS, label


def form(page: Handler) -> Callable[[Handler], Handler]:
    """Decorate a POST handler: a :class:`YujingError` re-renders ``page`` (the page the form
    is on) with the message on the form, the field it concerns marked and the input kept."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def wrapped(ctx: Ctx) -> Response:
            try:
                return handler(ctx)
            except YujingError as exc:
                ctx.error, ctx.error_field = exc.for_people(), exc.field
                response = page(ctx)
                response.status_code = 400
                return response

        return wrapped

    return decorate


# -- reprint and void: errors on the print page's forms ----------------------------------------------


@route("/reprint", "reprint", ("POST",))
@form(print_)
def reprint(ctx: Ctx) -> Response:
    serial = whole_number(ctx.get("serial"), "编号")
    result = ctx.ws.reprint(serial)
    return ctx.done(
        "print", f"已重印编号 {serial}（批次 {result.batch}）", _query={"term": ctx.get("term")}
    )


@route("/void", "void", ("POST",))
@form(print_)
def void(ctx: Ctx) -> Response:
    serial = whole_number(ctx.get("serial"), "编号")
    row = ctx.ws.void(serial, ctx.get("reason"))
    return ctx.done(
        "print",
        f"编号 {serial} 已作废（{row['student_id']}）：其二维码此后不再归档；"
        "该生在下一次打印时得到新编号",
        _query={"term": row["term"]},
    )


@route("/students/{sid}/record", "record", ("POST",))
@form(student)
def record(ctx: Ctx) -> Response:
    assert ctx.user is not None
    sid = ctx.param("sid")
    ctx.ws.check_student(ctx.user, sid, "登记记录")
    kind = ctx.get("kind")
    if kind not in RECORD_KINDS:
        raise InputError(f"记录类型应为 {'、'.join(RECORD_KINDS.values())} 之一。", field="kind")
    if not ctx.get("summary"):
        raise InputError("请填写记录内容。", field="summary")
    # 记录人 is the signed-in account's person, never typed in; others present are 参与人
    who = f"{label(ctx.user.role, 'role')} {ctx.user.roster_name or ctx.user.name}"
    ctx.ws.record(
        sid,
        kind=kind,
        when=ctx.get("when") or None,
        who=who,
        how=ctx.get("how") or "面谈",
        summary=ctx.get("summary"),
        term=ctx.term,
        participants=ctx.get("participants"),
    )
    return ctx.done("student", f"已登记{RECORD_KINDS[kind]}，已存入档案", sid=sid)


# -- 成绩单: per class or per batch, in the background -------------------------------------------------


@route("/transcripts", "transcripts", ("GET", "POST"))
def transcripts(ctx: Ctx) -> Response:
    ws = ctx.ws
    term = ctx.need_term()
    entries = ws.saved(term).warned
    serials = ws.registry.serial_rows(term, active_only=True)
    if ctx.request.method == "POST":
        assert ctx.user is not None
        classes, batches = set(ctx.getall("classes")), set(ctx.getall("batches"))
        students = sorted(
            {e.student_id for e in entries if e.class_name in classes}
            | {s.student_id for s in serials.values() if s.batch in batches}
        )
        if (classes or batches) and not students:
            raise InputError("所选班级或批次没有名单上的学生。")
        job = ws.start_job("transcripts", str(term), {"students": students}, ctx.user.name)
        ctx.request.app.state.wake()
        return RedirectResponse(ctx.url("job", id=job), status_code=303)
    return ctx.render(
        "transcripts.html",
        term=term,
        classes=sorted({e.class_name for e in entries}),
        batches=sorted({s.batch for s in serials.values()}),
        warned=len(entries),
        jobs=[j for j in ws.registry.jobs() if j["kind"] == "transcripts"][:5],
    )


# -- 列映射: an export the console does not recognise ---------------------------------------------------


@route("/imports/map", "import_map", ("POST",))
def import_map(ctx: Ctx) -> Response:
    """Import an uploaded file again under the mapping typed into the form, saving it for the
    next term when asked (what ``yujing import KIND FILE --map … --save-map`` does)."""
    ws = ctx.ws
    kind = ctx.get("kind")
    if kind not in IMPORT_COLUMNS:
        raise InputError(f"未知的导入类型「{kind}」。")
    upload = _upload(ctx, ctx.get("file"))
    mapping = {
        header: ctx.get(f"map.{header}")
        for header, _required in IMPORT_COLUMNS[kind]
        if ctx.get(f"map.{header}")
    }
    try:
        report = ws.import_file(
            kind,
            upload,
            column_map=mapping,
            save_map=ctx.get("save") == "1" and bool(mapping),
            skip_bad_rows=ctx.get("skip") == "1",
        )
    except YujingError as exc:
        return imports_page(ctx, [import_result(kind, upload, None, exc)], status=400)
    return imports_page(ctx, [import_result(kind, upload, report, None)])


UPLOAD_REF = re.compile(r"^[0-9]{8}-[0-9]{6}-[0-9a-f]{8}/[^/\\]+$")
"""An upload as a form names it again: its folder under ``uploads/`` and its file name."""


def _upload(ctx: Ctx, ref: str) -> Path:
    path = ctx.ws.root / "uploads" / ref
    if not UPLOAD_REF.match(ref) or ".." in ref or not path.is_file():
        raise InputError("上传的文件已不在服务器上，请重新上传。", field="files")
    return path


# -- 签字复核: the crops and a person's verdict -----------------------------------------------------------


@route("/signatures", "signatures")
def signatures(ctx: Ctx) -> Response:
    reviews = ctx.ws.signature_reviews(everything=ctx.query("all") == "1")
    names = {sid: s.name for sid, s in ctx.ws.registry.students().items()}
    serials = ctx.ws.registry.serial_rows()
    rows = []
    for review in reviews:
        r = review.record
        owner = serials.get(r.serial) if r.serial is not None else None
        sid = owner.student_id if owner else ""
        rows.append({"r": r, "crops": len(review.crops), "sid": sid, "name": names.get(sid, "")})
    return ctx.render("signatures.html", rows=rows, everything=ctx.query("all") == "1")


@route("/signatures/{item}/crop", "signature_crop")
def signature_crop(ctx: Ctx) -> Response:
    check = whole_number(ctx.param("item"), "签字检查")
    n = whole_number(ctx.query("n", "0"), "签字处")
    crops = next(
        (r.crops for r in ctx.ws.signature_reviews(everything=True) if r.record.id == check), ()
    )
    if n >= len(crops):
        raise InputError("没有这个签字处的截图。")
    return download(crops[n], inline=True)


@route("/signatures/{item}/confirm", "signature_confirm", ("POST",))
@form(signatures)
def signature_confirm(ctx: Ctx) -> Response:
    assert ctx.user is not None
    check = whole_number(ctx.param("item"), "签字检查")
    verdict = ctx.get("verdict")
    who = (
        ctx.get("who") or f"{label(ctx.user.role, 'role')} {ctx.user.roster_name or ctx.user.name}"
    )
    record = ctx.ws.confirm_signature(check, verdict, who)
    return ctx.done(
        "signatures",
        f"已确认第 {record.id} 条为{label(record.effective, 'verdict')}"
        f"（机器判定：{label(record.verdict, 'verdict')}）",
    )


# -- 备份: into a folder on the server, or a download --------------------------------------------------


@route("/backup", "backup", ("GET", "POST"))
def backup(ctx: Ctx) -> Response:
    ws = ctx.ws
    if ctx.request.method == "POST":
        assert ctx.user is not None
        folder = ctx.get("folder")
        if ctx.get("how") == "folder" and not folder:
            ctx.error, ctx.error_field = (
                "请写明服务器上的备份目录（工作区之外的新目录）。",
                "folder",
            )
            return ctx.render("backup.html", 400, files=_backups(ctx), jobs=_backup_jobs(ctx))
        job = ws.start_job(
            "backup", "", {"folder": folder if ctx.get("how") == "folder" else ""}, ctx.user.name
        )
        ctx.request.app.state.wake()
        return RedirectResponse(ctx.url("job", id=job), status_code=303)
    return ctx.render("backup.html", files=_backups(ctx), jobs=_backup_jobs(ctx))


def _backups(ctx: Ctx) -> list[Path]:
    folder = ctx.ws.backups_folder()
    return sorted(folder.glob("*.zip"), reverse=True) if folder.is_dir() else []


def _backup_jobs(ctx: Ctx) -> list[dict[str, object]]:
    return [j for j in ctx.ws.registry.jobs() if j["kind"] == "backup"][:5]


@route("/backup/{name}", "backup_file")
def backup_file(ctx: Ctx) -> Response:
    wanted = ctx.param("name")
    for path in _backups(ctx):
        if path.name == wanted:
            return download(path)
    raise InputError("没有这份备份。")


# -- 学生核查条 as one PDF -------------------------------------------------------------------------


@route("/slips.pdf", "slips_pdf")
def slips_pdf(ctx: Ctx) -> Response:
    term = ctx.need_term()
    base = ctx.ws.public_url or str(ctx.request.base_url).rstrip("/")
    return download(ctx.ws.slips_pdf(term, base))


# -- 请重拍: an adviser's photo without a readable code, sent on to the review queue -------------------


@route("/jobs/{id}/send-on", "job_send_on", ("POST",))
def job_send_on(ctx: Ctx) -> Response:
    """Send the photos of one's own upload that asked for a retake on to the secretary's
    review queue (the adviser decided they are right as they are)."""
    import json

    assert ctx.user is not None
    row = ctx.ws.registry.job(whole_number(ctx.param("id"), "任务号"))
    if row is None or row["kind"] != "scan" or row["account"] != ctx.user.name:
        raise InputError("没有这个上传任务。")
    pages = json.loads(row["result"] or "{}").get("pages", [])
    uploads = [p["upload"] for p in pages if p.get("result") == "retake" and p.get("upload")]
    if not uploads:
        raise InputError("这次上传没有需要重拍的照片。")
    job = ctx.ws.start_job(
        "scan", "", {"paths": uploads, "account": ctx.user.name, "send_on": True}, ctx.user.name
    )
    ctx.request.app.state.wake()
    return RedirectResponse(ctx.url("job", id=job), status_code=303)
