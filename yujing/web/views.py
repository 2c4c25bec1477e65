"""The console's routes: each parses the request, calls one workspace method (the same the
CLI calls), and renders a template. No business rule lives here."""

from __future__ import annotations

import base64
import json
from collections import Counter
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.responses import RedirectResponse, Response

from yujing.errors import AccessDeniedError, InputError, YujingError
from yujing.model import RECORD_KINDS as ALL_RECORD_KINDS
from yujing.model import TYPED_RECORD_KINDS, Term
from yujing.web.context import COOKIE, Ctx, csp
from yujing.web.routing import download, route, whole_number
from yujing.workspace import (
    IMPORT_COLUMNS,
    JOB_KINDS,
    OUTCOMES,
    JobRef,
    Role,
    allowed,
    audit_html_script_hash,
    render_audit_html,
    write_audit_xlsx,
)

# -- sign-in ---------------------------------------------------------------------------------


@route("/login", "login", ("GET", "POST"))
def login(ctx: Ctx) -> Response:
    nxt = ctx.get("next") or ctx.query("next")
    if not nxt.startswith("/") or nxt.startswith("//"):
        nxt = "/"
    if ctx.request.method == "GET":
        return ctx.render("login.html", next=nxt, error="")
    name = ctx.get("name")
    ip = ctx.request.client.host if ctx.request.client else ""
    try:
        user = ctx.ws.authenticate(name, ctx.get("password"), ip)
    except YujingError as exc:
        return ctx.render("login.html", 401, next=nxt, error=str(exc), name=name)
    cookie, _csrf = ctx.ws.open_session(user.name)
    response = RedirectResponse(nxt, status_code=303)
    response.set_cookie(
        COOKIE,
        cookie,
        httponly=True,
        samesite="lax",
        secure=ctx.request.url.scheme == "https",
        path="/",
    )
    return response


@route("/login/cas", "login_cas")
def login_cas(ctx: Ctx) -> Response:
    """统一身份认证 sign-in ([web] cas_url in yujing.toml; see yujing.web.cas)."""
    from yujing.web.cas import college_sign_in

    return college_sign_in(ctx)


@route("/logout", "logout", ("POST",))
def logout(ctx: Ctx) -> Response:
    ctx.ws.close_session(ctx.request.cookies.get(COOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


@route("/account/password", "password", ("GET", "POST"))
def password(ctx: Ctx) -> Response:
    assert ctx.user is not None
    if ctx.request.method == "POST":
        ip = ctx.request.client.host if ctx.request.client else ""
        ctx.ws.authenticate(ctx.user.name, ctx.get("old"), ip)  # throttled per account+address
        ctx.ws.set_password(ctx.user.name, ctx.get("new"))
        return RedirectResponse("/login", status_code=303)
    return ctx.render("password.html")


@route("/", "home")
def home(ctx: Ctx) -> Response:
    assert ctx.user is not None
    return RedirectResponse(ctx.url(Role(ctx.user.role).start_page), status_code=303)


# -- 名单: imports, assessment, the list, objections, freeze --------------------------------------


def _list_page(ctx: Ctx, term: Term | None) -> dict[str, Any]:
    ws = ctx.ws
    if term is None or ws.registry.list_head(term) is None:
        return {"term": term, "report": None}
    report = ws.report(term)
    warned = report.warned
    return {
        "term": term,
        "report": report,
        "rows": warned,
        "released": [r for r in report.rows if not r.warned and r.change],
        "by_level": report.count_by_level(),
        "by_class": report.count_by_class(),
        "by_change": Counter(r.change for r in report.rows if r.change),
        "approval": ws.approval(term),
        "approvals": ws.registry.approvals(term),
        "flow": ws.workflow(term),
        "needs_approval": ws.policy.freeze_needs_approval,
        "levels": ws.policy.level_names,
        "queue": ws.objection_queue(term),
        "tokens": len(ws.registry.student_tokens(term)),
        "terms": [t["term"] for t in ws.registry.list_terms()],
    }


@route("/list", "list")
def list_(ctx: Ctx) -> Response:
    return ctx.render("list.html", **_list_page(ctx, ctx.term))


@route("/list.xlsx", "list_xlsx")
def list_xlsx(ctx: Ctx) -> Response:
    term = ctx.need_term()
    return download(ctx.ws.list_path(term))


@route("/imports", "imports", ("GET", "POST"))
def imports(ctx: Ctx) -> Response:

    ws = ctx.ws
    results: list[dict[str, object]] = []
    if ctx.request.method == "POST":
        kind = ctx.get("kind")
        term_text = ctx.get("for_term")
        try:
            term = Term.parse(term_text) if term_text else None
        except (ValueError, YujingError):
            ctx.error, ctx.error_field = f"学期「{term_text}」格式应为 2024-2025-1。", "for_term"
            return imports_page(ctx, [], 400)
        if not ctx.files:
            ctx.error, ctx.error_field = "请选择要上传的文件（.csv、.xlsx 或 .xls）。", "files"
            return imports_page(ctx, [], 400)
        for _field, name, content in ctx.files:
            try:
                path = ws.save_upload("import", name, content)
            except YujingError as exc:
                ctx.error, ctx.error_field = exc.for_people(), "files"
                return imports_page(ctx, results, 400)
            try:
                rep = ws.import_file(
                    kind, path, skip_bad_rows=ctx.get("skip") == "1", term=term
                )
                results.append(import_result(kind, path, rep, None))
            except YujingError as exc:
                results.append(import_result(kind, path, None, exc))
    return imports_page(ctx, results)


def imports_page(ctx: Ctx, results: list[dict[str, object]], status: int = 200) -> Response:
    """The imports page with the results of this request's files (a mapping form under a
    file whose columns were not recognised)."""
    return ctx.render(
        "imports.html",
        status,
        results=results,
        history=ctx.ws.registry.imports()[-30:][::-1],
        term=ctx.term,
        next_assess=any(r["report"] and r["kind"] == "grades" for r in results),
    )


@route("/assess", "assess", ("POST",))
def assess(ctx: Ctx) -> Response:
    term_text = ctx.get("term")
    try:
        term = Term.parse(term_text)
    except ValueError as exc:
        raise InputError(f"学期「{term_text}」格式应为 2024-2025-1。") from exc
    report = ctx.ws.assess(term)
    return ctx.done(
        "list", f"已生成 {term} 名单（草稿）：预警 {len(report.warned)} 人", _query={"term": term}
    )


@route("/submit", "submit", ("POST",), action="list.submit")
def submit(ctx: Ctx) -> Response:
    assert ctx.user is not None
    term = ctx.need_term()
    ctx.ws.submit_list(term, account=ctx.user.name)
    return ctx.done("list", f"已提交审核：{term} 名单", _query={"term": term})


@route("/approvals", "approvals")
def approvals(ctx: Ctx) -> Response:
    """The reviewer's start page: every term's list and where it stands, what waits first."""
    flows = ctx.ws.workflows()
    return ctx.render(
        "approvals.html",
        waiting=[f for f in flows if f.waiting],
        others=[f for f in flows if not f.waiting],
    )


@route("/approve", "approve", ("POST",), action="list.decide")
def approve(ctx: Ctx) -> Response:
    assert ctx.user is not None
    term = ctx.need_term()
    state = ctx.ws.decide_list(
        term, approve=ctx.get("decision") == "approve", comment=ctx.get("comment"),
        account=ctx.user.name,
    )
    text = "已审核同意" if state.decision == "approved" else "已退回，理由已记录"
    return ctx.done("approvals", f"{term} 名单{text}")


@route("/review-window", "review_window", ("POST",))
def review_window(ctx: Ctx) -> Response:
    term = ctx.need_term()
    n = ctx.ws.open_review_window(term)
    return ctx.done("slips", f"已开放学生核查：新生成核查链接 {n} 个", _query={"term": term})


def _qr_data_uri(ctx: Ctx, text: str) -> str:
    png = ctx.ws.slip_qr(text)  # made once per link
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


@route("/slips", "slips")
def slips(ctx: Ctx) -> Response:
    term = ctx.need_term()
    base = ctx.ws.public_url or str(ctx.request.base_url).rstrip("/")
    every = ctx.ws.student_slips(term)
    classes = sorted({s.class_name for s in every})
    # a long list is shown one class at a time (the PDF holds them all)
    shown = ctx.query("class") or (classes[0] if len(every) > SLIPS_ON_A_PAGE and classes else "")
    items = [
        {"slip": s, "link": f"{base}/check/{s.token}", "qr": _qr_data_uri(ctx, f"{base}/check/{s.token}")}
        for s in every
        if not shown or s.class_name == shown
    ]
    host = (urlsplit(base).hostname or "").lower()
    on_this_machine = host in ("localhost", "::1") or host.startswith("127.")
    return ctx.render(
        "slips.html",
        term=term,
        items=items,
        on_this_machine=on_this_machine,
        classes=classes if len(every) > SLIPS_ON_A_PAGE else [],
        shown=shown,
        total=len(every),
    )


SLIPS_ON_A_PAGE = 200
"""More slips than this are shown one class at a time (the PDF holds them all)."""


@route("/objections", "objections", ("GET", "POST"))
def objections(ctx: Ctx) -> Response:
    term = ctx.need_term()
    ws = ctx.ws
    if ctx.request.method == "POST":
        sid = ctx.get("student_id")
        ws.decide_objection(
            term,
            sid,
            reason=ctx.get("reason"),
            outcome=ctx.get("outcome"),
            level=ctx.get("level") or None,
            note=ctx.get("note"),
        )
        return ctx.done("objections", f"已登记 {sid} 的异议处理结果", _query={"term": term})
    return ctx.render(
        "objections.html",
        term=term,
        queue=ws.objection_queue(term),
        done=ws.registry.objections(term),
        outcomes=OUTCOMES,
        levels=ws.policy.level_names,
        frozen=ws.saved(term).frozen,
    )


@route("/freeze", "freeze", ("POST",))
def freeze(ctx: Ctx) -> Response:
    term = ctx.need_term()
    report = ctx.ws.freeze(term)
    return ctx.done("print", f"{term} 名单已冻结：{len(report.warned)} 人", _query={"term": term})


# -- 打印 ----------------------------------------------------------------------------------------


@route("/print", "print")
def print_(ctx: Ctx) -> Response:
    ws = ctx.ws
    term = ctx.term
    saved = ws.registry.list_head(term) if term else None
    classes = sorted({e.class_name for e in ws.saved(term).warned}) if saved and term else []
    return ctx.render(
        "print.html",
        term=term,
        head=saved,
        batches=ws.registry.batches(term) if term else [],
        classes=classes,
        levels=ws.policy.level_names,
        jobs=[j for j in ws.registry.jobs() if j["kind"] == "issue"][:5],
    )


@route("/issue", "issue", ("POST",))
def issue(ctx: Ctx) -> Response:
    assert ctx.user is not None
    term = ctx.need_term()
    if not ctx.ws.saved(term).frozen:
        raise InputError(f"{term} 的名单尚未冻结，不能发出通知书。")
    job = ctx.ws.start_job(
        "issue",
        str(term),
        {"classes": ctx.getall("classes"), "levels": ctx.getall("levels")},
        ctx.user.name,
    )
    ctx.request.app.state.wake()
    return RedirectResponse(ctx.url("job", id=job), status_code=303)


@route("/batches/{batch}/{what}", "batch_file")
def batch_file(ctx: Ctx) -> Response:
    batch, what = ctx.param("batch"), ctx.param("what")
    path = ctx.ws.batch_file(batch, what)
    return download(path, f"{batch} {path.name}")


# -- 回收: scans and the review queue ------------------------------------------------------------


def _start_scan(ctx: Ctx) -> int:
    assert ctx.user is not None
    if not ctx.files:
        raise InputError("请选择要上传的扫描件或照片（PDF、TIFF、JPEG、PNG）。")
    paths = [ctx.ws.save_upload("scan", name, content) for _f, name, content in ctx.files]
    job = ctx.ws.start_job(
        "scan",
        "",
        {"paths": [str(p.relative_to(ctx.ws.root)) for p in paths], "account": ctx.user.name},
        ctx.user.name,
    )
    ctx.request.app.state.wake()
    return job


@route("/scans", "scans", ("GET", "POST"))
def scans(ctx: Ctx) -> Response:
    if ctx.request.method == "POST":
        return RedirectResponse(ctx.url("job", id=_start_scan(ctx)), status_code=303)
    return ctx.render(
        "scans.html",
        jobs=[j for j in ctx.ws.registry.jobs() if j["kind"] == "scan"][:10],
        open_items=len(ctx.ws.review_items()),
    )


def _review_parts(ctx: Ctx) -> list[tuple[str, str]]:
    return [(p.code, f"{f.title}-{p.title}") for f in ctx.ws.forms for p in f.parts]


@route("/review", "review")
def review(ctx: Ctx) -> Response:
    return ctx.render(
        "review.html", items=ctx.ws.review_items(), parts=_review_parts(ctx), pending=None
    )


@route("/review/{item}/image", "review_image")
def review_image(ctx: Ctx) -> Response:
    content, media = ctx.ws.review_preview(whole_number(ctx.param("item"), "待处理项"))
    return Response(content, media_type=media)


@route("/review/{item}/page", "review_page")
def review_page(ctx: Ctx) -> Response:
    item = ctx.ws.registry.review_item(whole_number(ctx.param("item"), "待处理项"))
    if item is None or not item["file"]:
        raise InputError("没有这一待处理项。")
    return download(ctx.ws.root / item["file"], inline=True)


@route("/review/{item}/assign", "assign", ("POST",))
def assign(ctx: Ctx) -> Response:
    """Two steps: the typed serial and part are checked and shown (whose folder, which
    document) beside the page; only the confirmation files it."""
    item = whole_number(ctx.param("item"), "待处理项")
    serial, part = whole_number(ctx.get("serial"), "编号"), ctx.get("part")
    if ctx.get("confirm") != "1":
        pending = ctx.ws.assign_preview(item, serial, part)
        return ctx.render(
            "review.html",
            items=[i for i in ctx.ws.review_items() if i.id == item],
            parts=_review_parts(ctx),
            pending=pending,
        )
    done = ctx.ws.assign(item, serial, part, confirmed=True)
    return ctx.done("review", f"已归档到 {done.preview.who} 的「{done.preview.title}」")


@route("/review/{item}/set-aside", "review_discard", ("POST",))
def review_discard(ctx: Ctx) -> Response:
    item = ctx.ws.set_aside(
        whole_number(ctx.param("item"), "待处理项"), ctx.get("what"), ctx.get("note")
    )
    what = "不是本系统材料" if item.status == "discarded" else "重复"
    return ctx.done(
        "review", f"已把 {item.source_name} 第 {item.page} 页标为「{what}」：移出队列，文件保留"
    )


# -- 检查 / 报告 ------------------------------------------------------------------------------------


@route("/audit", "audit")
def audit(ctx: Ctx) -> Response:
    term = ctx.term
    report = ctx.ws.audit(term) if term else None
    jobs = [j for j in ctx.ws.registry.jobs() if j["kind"] == "audit"][:3]
    problems = Counter(f.problem_text for f in report.findings) if report else Counter()
    return ctx.render("audit.html", term=term, report=report, jobs=jobs, problems=problems)


@route("/audit/report.html", "audit_html")
def audit_html(ctx: Ctx) -> Response:
    return Response(
        render_audit_html(ctx.ws.audit(ctx.need_term())),
        media_type="text/html",
        headers={"content-security-policy": csp(audit_html_script_hash())},  # the report's own script
    )


@route("/audit.xlsx", "audit_xlsx")
def audit_xlsx(ctx: Ctx) -> Response:
    term = ctx.need_term()
    out = ctx.ws.root / "reports" / f"{term} 档案检查报告.xlsx"
    write_audit_xlsx(ctx.ws.audit(term), out)
    return download(out)


@route("/audit/verify", "audit_verify", ("POST",))
def audit_verify(ctx: Ctx) -> Response:
    assert ctx.user is not None
    term = ctx.need_term()
    job = ctx.ws.start_job("audit", str(term), {"verify": True}, ctx.user.name)
    ctx.request.app.state.wake()
    return RedirectResponse(ctx.url("job", id=job), status_code=303)


def _report_files(ctx: Ctx) -> list[Path]:
    folder = ctx.ws.root / "reports"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in (".docx", ".xlsx", ".html"))


@route("/reports/make", "reports_make", ("POST",))
def reports_make(ctx: Ctx) -> Response:
    assert ctx.user is not None
    term = ctx.need_term()
    job = ctx.ws.start_job("reports", str(term), {}, ctx.user.name)
    ctx.request.app.state.wake()
    return RedirectResponse(ctx.url("job", id=job), status_code=303)


@route("/reports", "reports")
def reports(ctx: Ctx) -> Response:
    term = ctx.term
    summary = None
    if term is not None and ctx.ws.registry.list_head(term) is not None:
        try:
            summary = ctx.ws.term_summary(term)
        except YujingError:
            summary = None
    return ctx.render("reports.html", term=term, files=_report_files(ctx), summary=summary)


@route("/reports/{name}", "report_file")
def report_file(ctx: Ctx) -> Response:
    wanted = ctx.param("name")
    for path in _report_files(ctx):
        if path.name == wanted:
            return download(path)
    raise InputError("没有这份报告。")


@route("/events", "events")
def events(ctx: Ctx) -> Response:
    return ctx.render("events.html", events=ctx.ws.registry.events_of(limit=300))


# -- folders (一生一档) --------------------------------------------------------------------------


@route("/students", "students")
def students(ctx: Ctx) -> Response:
    assert ctx.user is not None
    term = ctx.term
    allowed = ctx.ws.students_of(ctx.user)
    entries = ctx.ws.registry.list_entries(term, allowed) if term else []
    return ctx.render("students.html", term=term, entries=[e for e in entries if e.warned])


@route("/students/{sid}", "student", action="folder.read")
def student(ctx: Ctx) -> Response:
    assert ctx.user is not None
    sid = ctx.param("sid")
    ctx.ws.check_student(ctx.user, sid, "学生档案")
    row = ctx.ws.registry.student(sid)
    if row is None:
        raise InputError(f"学生名单中没有学号 {sid}。")
    term = ctx.term
    entry = next(iter(ctx.ws.registry.list_entries(term, [sid])), None) if term else None
    due = (
        ctx.ws.due_for(ctx.user, term, only=sid)
        if entry is not None and entry.warned and term is not None
        else []
    )
    files = ctx.ws.student_folder_files(sid)
    this_term = str(term) if term else ""
    return ctx.render(
        "student.html",
        student=row,
        entry=entry,
        term=term,
        due=due[0].items if due else (),
        files=sorted(files, key=lambda f: f.term != this_term),
        copies=ctx.ws.archive_copies_of(sid),
        records=ctx.ws.registry.records_of(sid),
        kinds=RECORD_KINDS,
        can_record=allowed(ctx.user, "record"),
        can_attach=allowed(ctx.user, "attach"),
    )


RECORD_KINDS = {kind: ALL_RECORD_KINDS[kind] for kind in TYPED_RECORD_KINDS}
"""The records an adviser types in the console (the same kinds as ``yujing record``)."""


@route("/students/{sid}/files/{fid}", "student_file", action="folder.read")
def student_file(ctx: Ctx) -> Response:
    assert ctx.user is not None
    sid = ctx.param("sid")
    ctx.ws.check_student(ctx.user, sid, "档案文件")
    path = ctx.ws.student_folder_file(sid, ctx.param("fid"))
    return download(path, inline=ctx.query("view") == "1")


@route("/students/{sid}/attach", "attach", ("POST",))
def attach(ctx: Ctx) -> Response:
    sid = ctx.param("sid")
    if not ctx.files:
        raise InputError("请选择文件。")
    _f, name, content = ctx.files[0]
    path = ctx.ws.save_upload("scan", name, content)
    ctx.ws.attach(sid, path, kind=ctx.get("kind") or "other", term=ctx.term, note=ctx.get("note"))
    return ctx.done("student", f"已归档附件 {name}", sid=sid)


# -- the adviser's start page and phone upload ------------------------------------------------------


@route("/my", "my")
def my(ctx: Ctx) -> Response:
    assert ctx.user is not None
    term = ctx.term
    due = ctx.ws.due_for(ctx.user, term) if term and ctx.ws.registry.list_head(term) else []
    counts = Counter(i.status for d in due for i in d.items)
    return ctx.render("my.html", term=term, due=due, counts=counts)


@route("/my/upload", "upload_return", ("GET", "POST"))
def upload_return(ctx: Ctx) -> Response:
    if ctx.request.method == "POST":
        try:
            return RedirectResponse(ctx.url("job", id=_start_scan(ctx)), status_code=303)
        except YujingError as exc:
            ctx.error, ctx.error_field = exc.for_people(), exc.field or "files"
            return ctx.render("upload.html", 400)
    return ctx.render("upload.html")


# -- jobs ------------------------------------------------------------------------------------------


@route("/jobs", "jobs")
def jobs(ctx: Ctx) -> Response:
    return ctx.render("jobs.html", jobs=ctx.ws.registry.jobs(), kinds=JOB_KINDS)


@route("/jobs/{id}", "job")
def job(ctx: Ctx) -> Response:
    assert ctx.user is not None
    row = ctx.ws.registry.job(whole_number(ctx.param("id"), "任务号"))
    if row is None:
        raise InputError("没有这个任务。")
    if not allowed(ctx.user, "job", JobRef(row["account"] or "")):
        ctx.ws.deny(ctx.user, f"任务 {row['id']}")
        raise AccessDeniedError("这不是您提交的任务。")
    result = json.loads(row["result"] or "{}")
    return ctx.render("job.html", job=row, kinds=JOB_KINDS, result=result)


@route("/jobs/{id}/cancel", "job_cancel", ("POST",))
def job_cancel(ctx: Ctx) -> Response:
    assert ctx.user is not None
    job_id = whole_number(ctx.param("id"), "任务号")
    status = ctx.ws.cancel_job(job_id, ctx.user)
    message = "任务已取消" if status == "cancelled" else "已请求取消：任务将在处理完当前一页后停止"
    return ctx.done("job", message, id=job_id)


@route("/jobs/{id}/rerun", "job_rerun", ("POST",))
def job_rerun(ctx: Ctx) -> Response:
    assert ctx.user is not None
    new = ctx.ws.rerun_job(whole_number(ctx.param("id"), "任务号"), ctx.user.name)
    ctx.request.app.state.wake()
    return RedirectResponse(ctx.url("job", id=new), status_code=303)


# -- accounts --------------------------------------------------------------------------------------


@route("/users", "users", ("GET", "POST"))
def users(ctx: Ctx) -> Response:
    if ctx.request.method == "POST":
        classes = ctx.getall("class") or [
            c for c in ctx.get("classes").replace("，", ",").split(",") if c.strip()
        ]
        user = ctx.ws.add_user(
            ctx.get("name"),
            role=ctx.get("role"),
            password=ctx.get("password"),
            roster_name=ctx.get("roster_name"),
            classes=classes,
            allow_unknown=ctx.get("allow_unknown") == "1",
            phone=ctx.get("phone"),
        )
        return ctx.done("users", f"已添加账号 {user.name}")
    return ctx.render("users.html", users=ctx.ws.users(), choices=ctx.ws.roster_choices())


@route("/users/{name}/disable", "user_disable", ("POST",))
def user_disable(ctx: Ctx) -> Response:
    ctx.ws.disable_user(ctx.param("name"))
    return ctx.done("users", f"已停用账号 {ctx.param('name')}")


@route("/users/{name}/passwd", "user_passwd", ("POST",))
def user_passwd(ctx: Ctx) -> Response:
    ctx.ws.set_password(ctx.param("name"), ctx.get("password"))
    return ctx.done("users", f"已重设 {ctx.param('name')} 的密码")


# -- a student's own check link (学生核查, no account) -------------------------------------------


@route("/check/{token}", "check", ("GET", "POST"))
def check(ctx: Ctx) -> Response:
    token = ctx.param("token")
    if ctx.request.method == "POST":
        view = ctx.ws.respond_check(
            token, agree=ctx.get("answer") == "agree", reason=ctx.get("reason")
        )
        return ctx.render("check.html", view=view, token=token, saved=True)
    return ctx.render("check.html", view=ctx.ws.check_view(token), token=token, saved=False)


def import_result(
    kind: str, path: Path, report: object, exc: YujingError | None
) -> dict[str, object]:
    """One file's import result as the imports page shows it, with the mapping form's data
    when the file's columns were not recognised."""
    columns = getattr(exc, "columns", ())
    return {
        "name": path.name,
        "file": f"{path.parent.name}/{path.name}",
        "kind": kind,
        "report": report,
        "error": exc.for_people() if exc else "",
        "bad": getattr(exc, "bad_rows", ()) or getattr(report, "skipped", ()),
        "columns": columns,
        "missing": getattr(exc, "missing", ()),
        "fields": IMPORT_COLUMNS.get(kind, ()) if columns else (),
    }
