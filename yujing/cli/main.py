"""The ``yujing`` command: each command parses its options, calls one library function and
renders the result with rich. Errors the library raises on purpose (:class:`YujingError`)
print as one message and exit 1; Ctrl-C exits 130.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from yujing.cli.common import (
    TERM,
    console,
    err_console,
    handle_errors,
    new_table,
    progress_bar,
    read_password,
)
from yujing.errors import InvalidValueError, YujingError
from yujing.model import RECORD_KINDS, TYPED_RECORD_KINDS, Term
from yujing.roles import Role


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    help="工作区目录（默认：当前目录或其上级中含 yujing.toml 的目录）。",
)
@click.version_option(package_name="yujing")
@click.pass_context
def cli(ctx: click.Context, workspace: Path | None) -> None:
    """yujing 学业预警：成绩导入 → 预警名单 → 通知书 → 扫描归档 → 档案检查。"""
    ctx.obj = {"workspace": workspace}


def open_workspace(ctx: click.Context) -> Any:
    from yujing.workspace import Workspace

    ws = Workspace.find(ctx.obj.get("workspace"))
    ctx.call_on_close(ws.close)
    if ws.registry.upgrade_note:  # a registry from before seals was sealed just now
        err_console.print(f"[yellow]注意：[/]{ws.registry.upgrade_note}")
    return ws


# -- init -----------------------------------------------------------------------------------


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--pack",
    "--policy",
    "pack",
    required=True,
    help="院校包：内置院校包名（yujing pack list）或院校包文件夹（yujing pack new 所建）。",
)
@click.option("--school", required=True, help="学校/学院名称，印在名单、通知书和报告上。")
@click.option("--rules", "rules_title", help="预警办法名称（默认取自院校包），印在通知书上。")
@click.option("--address", default="", help="学院通讯地址（含邮编），印在家长回执的寄回地址处。")
@click.option("--phone", default="", help="学院联系电话，印在致家长的通知上。")
@handle_errors
def init(
    directory: Path, pack: str, school: str, rules_title: str | None, address: str, phone: str
) -> None:
    """新建工作区 DIRECTORY（复制院校包到工作区，可在其中修改规则、表单和模板）。"""
    from yujing.workspace import Workspace

    ws = Workspace.init(
        directory,
        pack=pack,
        school=school,
        rules_title=rules_title,
        address=address,
        phone=phone,
    )
    console.print(f"已创建工作区 [bold]{ws.root}[/]（{ws.school}，院校包：{ws.policy.name}）")
    console.print(f"  配置      {ws.root / 'yujing.toml'}")
    console.print(
        f"  院校包    {ws.pack.root}/（规则 policy.toml 可改阈值，templates/ 可用 Word 修改）"
    )
    console.print(f"  登记库    {ws.root / 'registry.sqlite'}")
    console.print(f"  档案      {ws.archive_dir}/")
    ws.close()


# -- import ---------------------------------------------------------------------------------


@cli.command("import")
@click.argument("kind", type=click.Choice(["roster", "grades", "plan", "flags", "levels"]))
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--skip-bad-rows", is_flag=True, help="跳过无法读取的行，只导入其余各行。")
@click.option("--term", type=TERM, help="预警等级名单所属学期（名单没有学年/学期列时必填）。")
@click.option(
    "--profile",
    help="成绩文件的导出格式（默认按表头自动识别）：yujing、zhengfang、zhengfang-codes、"
    "zhengfang-old、qiangzhi、qiangzhi-old、qingguo、urp。",
)
@click.option(
    "--map",
    "maps",
    multiple=True,
    metavar="列名=表头",
    help="指明模板的列在文件中的表头，如 --map 学年=开课学年（可多次给出）。",
)
@click.option("--save-map", is_flag=True, help="把 --map 给出的列映射存入工作区配置 yujing.toml。")
@click.pass_context
@handle_errors
def import_(
    ctx: click.Context,
    kind: str,
    files: tuple[Path, ...],
    skip_bad_rows: bool,
    term: Term | None,
    profile: str | None,
    maps: tuple[str, ...],
    save_map: bool,
) -> None:
    """导入 KIND 文件（.xlsx、.xls 或 .csv；UTF-8、GBK 自动识别）：
    roster 学生名单，grades 成绩，plan 培养方案学分，flags 学生标记，levels 预警等级名单。

    成绩文件按正方、强智、青果、URP 等教务系统的导出格式自动识别；其他格式用 --map 指明各列。"""
    column_map = {}
    for item in maps:
        name, sep, header = item.partition("=")
        if not sep or not name.strip() or not header.strip():
            raise click.BadParameter(
                f"「{item}」应写作 列名=表头，如 学年=开课学年", param_hint="--map"
            )
        column_map[name.strip()] = header.strip()
    ws = open_workspace(ctx)
    for path in files:
        with progress_bar(f"读取 {path.name}") as progress:
            report = ws.import_file(
                kind,
                path,
                skip_bad_rows=skip_bad_rows,
                term=term,
                progress=progress,
                profile=profile,
                column_map=column_map,
                save_map=save_map,
            )
        read_as = f"按 {report.profile} 读取" if report.profile else ""
        console.print(
            f"[bold]{path.name}[/]（{report.encoding}）{read_as}：{report.rows} 行 → "
            f"新增 {report.inserted}，"
            f"更新 {report.updated}，未变 {report.unchanged}"
            + (f"，[yellow]跳过 {len(report.skipped)} 行[/]" if report.skipped else "")
        )
        for note in report.notes:
            console.print(f"  [yellow]注意[/] {note}")
        for bad in report.skipped[:10]:
            console.print(f"  [yellow]跳过[/] {bad}")
        if len(report.skipped) > 10:
            console.print(f"  … 另有 {len(report.skipped) - 10} 行被跳过")
        for line in report.change_lines()[:10]:
            console.print(f"  更新 {line}")
        if len(report.changes) > 10:
            console.print(f"  … 另有 {len(report.changes) - 10} 处更新（均已记录）")
        if report.saved_map:
            console.print(f"列映射已存入 {ws.root / 'yujing.toml'}，下次导入无需再给 --map。")
            save_map = False


# -- assess ---------------------------------------------------------------------------------


@cli.command("assess")
@click.option("--term", type=TERM, required=True, help="评估学期，如 2024-2025-1。")
@click.option("--policy", help="不用工作区时：内置规则名或规则文件。")
@click.option(
    "--grades",
    type=click.Path(dir_okay=False, path_type=Path),
    multiple=True,
    help="成绩文件（可多次给出，如每学期一个）。",
)
@click.option("--roster", type=click.Path(dir_okay=False, path_type=Path), help="学生名单。")
@click.option("--plan", type=click.Path(dir_okay=False, path_type=Path), help="培养方案学分。")
@click.option("--flags", type=click.Path(dir_okay=False, path_type=Path), help="学生标记。")
@click.option("--levels", type=click.Path(dir_okay=False, path_type=Path), help="预警等级名单。")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="输出 .csv 或 .xlsx（不用工作区时必填）。",
)
@click.option("--skip-bad-rows", is_flag=True, help="跳过无法读取的行。")
@click.pass_context
@handle_errors
def assess_cmd(
    ctx: click.Context,
    term: Term,
    policy: str | None,
    grades: tuple[Path, ...],
    roster: Path | None,
    plan: Path | None,
    flags: Path | None,
    levels: Path | None,
    output: Path | None,
    skip_bad_rows: bool,
) -> None:
    """计算 TERM 学期的预警名单。

    在工作区中：保存为草稿名单并写出 .xlsx。给出 --policy 时不用工作区，直接读文件、写 --output。
    """
    if policy is None:
        if grades or any(v is not None for v in (roster, plan, flags, levels, output)):
            raise click.UsageError(
                "--grades/--roster/--output 等只用于不带工作区的评估，需同时给出 --policy。"
            )
        ws = open_workspace(ctx)
        with progress_bar("评估") as progress:
            report = ws.assess(term, progress=progress)
        _render_list(report)
        return
    from yujing.institutions import load_pack_policy as load_policy
    from yujing.workspace import assess_files

    missing = [
        name
        for name, v in (("--grades", grades or None), ("--roster", roster), ("--output", output))
        if v is None
    ]
    if missing:
        raise click.UsageError(f"不带工作区评估时需要 {' '.join(missing)}。")
    assert roster is not None and output is not None
    with progress_bar("评估") as progress:
        result = assess_files(
            load_policy(policy),
            term,
            grades=grades,
            roster=roster,
            output=output,
            plan=plan,
            flags=flags,
            levels=levels,
            skip_bad_rows=skip_bad_rows,
            progress=progress,
        )
    a = result.assessment
    counts = "，".join(f"{k} {v}" for k, v in a.count_by_level().items())
    console.print(
        f"{term}（{a.policy.school}）：评估 {a.assessed_count} 人，预警 {len(a.warned)} 人（{counts}）"
    )
    for parsed in result.inputs:
        if parsed.bad_rows:
            console.print(f"  [yellow]{parsed.path.name} 跳过 {len(parsed.bad_rows)} 行[/]")
    if result.unrostered:
        console.print(f"  [yellow]{len(result.unrostered)} 人有成绩但不在学生名单中[/]")
    console.print(f"名单：{result.output}")


def _render_list(report: Any) -> None:
    from yujing.workspace import label

    status = label(report.status, "list-status")
    counts = report.count_by_level()
    console.print(
        f"[bold]{report.term}[/] {report.policy.title}名单（{status}）：评估 {report.assessed_count} 人，"
        f"预警 [bold]{len(report.warned)}[/] 人"
    )
    level_table = new_table("预警等级", "人数", show_edge=False)
    for level, n in counts.items():
        level_table.add_row(level, str(n))
    console.print(level_table)
    by_class = report.count_by_class()
    if by_class:
        class_table = new_table("学院", "班级", *counts.keys(), "合计", show_edge=False)
        for (college, cls), cell in by_class.items():
            class_table.add_row(
                college, cls, *(str(cell.get(lv, 0)) for lv in counts), str(sum(cell.values()))
            )
        console.print(class_table)
    changes = report.count_by_change()
    if changes:
        console.print("较上学期：" + "，".join(f"{k} {v}" for k, v in changes.items() if k))
    if report.previous_source:
        console.print(f"对比名单：{report.previous_source}")
    if report.not_assessed:
        console.print(
            f"[yellow]名单中 {len(report.not_assessed)} 人无成绩记录，未评估[/]（见名单文件“未评估”表）"
        )
    if report.unrostered:
        console.print(
            f"[yellow]{len(report.unrostered)} 人有成绩但不在学生名单中[/]："
            + "、".join(report.unrostered[:10])
        )
    console.print(f"名单文件：{report.xlsx}")


# -- list -----------------------------------------------------------------------------------


@cli.group("list")
def list_group() -> None:
    """查看、核查（异议）与冻结预警名单。"""


@list_group.command("show")
@click.option("--term", type=TERM, required=True)
@click.option("--all", "show_all", is_flag=True, help="逐人列出（默认只显示统计）。")
@click.pass_context
@handle_errors
def list_show(ctx: click.Context, term: Term, show_all: bool) -> None:
    """显示 TERM 学期的名单。"""
    ws = open_workspace(ctx)
    report = ws.report(term)
    _render_list(report)
    if show_all:
        table = new_table("学号", "姓名", "班级", "预警等级", "较上学期", "预警原因")
        for r in report.rows:
            table.add_row(
                r.student_id,
                r.name,
                r.class_name,
                r.level or "—",
                r.change,
                r.objection or r.reason,
            )
        console.print(table)


@list_group.command("objection")
@click.argument("student_id")
@click.option("--term", type=TERM, required=True)
@click.option("--reason", required=True, help="学生提出的异议。")
@click.option(
    "--outcome",
    required=True,
    type=click.Choice(["corrected", "removed", "upheld"]),
    help="处理结果：corrected 更正等级，removed 移出名单，upheld 维持原判。",
)
@click.option("--level", help="更正后的等级（outcome 为 corrected 时）。")
@click.option("--note", default="", help="备注（如核查人、依据）。")
@click.pass_context
@handle_errors
def list_objection(
    ctx: click.Context,
    student_id: str,
    term: Term,
    reason: str,
    outcome: str,
    level: str | None,
    note: str,
) -> None:
    """登记学生 STUDENT_ID 对名单的异议及处理结果。"""
    ws = open_workspace(ctx)
    row = ws.decide_objection(
        term, student_id, reason=reason, outcome=outcome, level=level, note=note
    )
    console.print(f"已登记：{row.student_id} {row.name} — {row.objection}")


@list_group.command("freeze")
@click.option("--term", type=TERM, required=True)
@click.pass_context
@handle_errors
def list_freeze(ctx: click.Context, term: Term) -> None:
    """冻结 TERM 学期的名单：通知书将按冻结名单打印。"""
    from yujing.errors import ListStateError

    ws = open_workspace(ctx)
    try:
        report = ws.freeze(term)
    except ListStateError as exc:
        state = ws.workflow(term) if ws.registry.list_head(term) else None
        if state is None or state.frozen or not state.blockers:
            raise
        hints = []
        if state.open_objections:
            hints.append(f"登记异议处理结果：yujing list objection 学号 --term {term} …")
        if state.needs_approval and not state.approval.approved:
            if state.stage != "submitted":
                hints.append(f"提交审核：yujing list submit --term {term}")
            hints.append(
                f"审核（网页控制台的审核页，或）：yujing list approve --term {term} --by 审核人账号"
            )
        raise ListStateError(f"{exc}\n" + "\n".join(hints)) from exc
    console.print(f"{term} 名单已冻结：{len(report.warned)} 人。")
    console.print(f"名单文件：{report.xlsx}")


def _render_workflow(state: Any) -> None:
    console.print(f"{state.term} 名单：{state.stage_label}")
    if state.submission is not None:
        console.print(
            f"  提交审核：{state.submission.at.replace('T', ' ')} {state.submission.account or '命令行'}"
            + ("" if state.submission.current else "（此后名单又有改动）")
        )
    a = state.approval
    if a.decision:
        word = "审核同意" if a.decision == "approved" else f"退回：{a.comment}"
        console.print(
            f"  审核：{word}（{a.account}，{a.at.replace('T', ' ')}）"
            + ("" if a.current else "——此后名单又有改动，此审核已失效")
        )
    if state.links:
        console.print(
            f"  学生核查：链接 {state.links} 个，确认 {state.confirmed}，异议 {state.objected}，"
            f"未答复 {state.unanswered}"
        )
    for o in state.open_objections:
        console.print(
            f"  [yellow]异议未处理[/]：{o.student_id} {o.name} {o.class_name}：{o.reason}"
        )
    if not state.frozen:
        if state.blockers:
            console.print("  [yellow]还不能冻结[/]：" + "；".join(state.blockers))
        else:
            console.print("  可以冻结：yujing list freeze --term " + state.term)


@list_group.command("status")
@click.option("--term", type=TERM, required=True)
@click.pass_context
@handle_errors
def list_status(ctx: click.Context, term: Term) -> None:
    """TERM 学期名单的流程：提交审核、审核、学生核查与异议、冻结还缺什么。"""
    _render_workflow(open_workspace(ctx).workflow(term))


@list_group.command("submit")
@click.option("--term", type=TERM, required=True)
@click.option("--by", "account", default="", help="提交人的账号（默认记为命令行）。")
@click.pass_context
@handle_errors
def list_submit(ctx: click.Context, term: Term, account: str) -> None:
    """把 TERM 学期的名单提交审核（审核人在网页控制台或用 yujing list approve 审核）。"""
    state = open_workspace(ctx).submit_list(term, account=account)
    console.print(f"{term} 名单已提交审核。")
    _render_workflow(state)


def _decide(ctx: click.Context, term: Term, account: str, approve: bool, reason: str) -> None:
    ws = open_workspace(ctx)
    with ws.acting_as(account):
        ws.decide_list(term, approve=approve, comment=reason, account=account)
    console.print(f"{term} 名单{'已审核同意' if approve else '已退回：' + reason}（{account}）。")
    _render_workflow(ws.workflow(term))


@list_group.command("approve")
@click.option("--term", type=TERM, required=True)
@click.option("--by", "account", required=True, help="审核人的账号（须为审核人角色）。")
@click.option("--reason", default="", help="意见（可不写）。")
@click.pass_context
@handle_errors
def list_approve(ctx: click.Context, term: Term, account: str, reason: str) -> None:
    """审核同意 TERM 学期已提交的名单。"""
    _decide(ctx, term, account, True, reason)


@list_group.command("return")
@click.option("--term", type=TERM, required=True)
@click.option("--by", "account", required=True, help="审核人的账号（须为审核人角色）。")
@click.option("--reason", required=True, help="退回的理由。")
@click.pass_context
@handle_errors
def list_return(ctx: click.Context, term: Term, account: str, reason: str) -> None:
    """退回 TERM 学期已提交的名单（写明理由），教学秘书改正后重新提交。"""
    _decide(ctx, term, account, False, reason)


# -- print batches --------------------------------------------------------------------------


def _render_batch(result: Any) -> None:
    head = "补完未完成的批次" if result.resumed else "批次"
    console.print(f"{head} [bold]{result.batch}[/]：{len(result.students)} 人")
    by_class: dict[tuple[str, str], int] = {}
    for s in result.students:
        by_class[(s.college, s.class_name)] = by_class.get((s.college, s.class_name), 0) + 1
    for (college, cls), n in sorted(by_class.items()):
        console.print(f"  {college} {cls}：{n} 人")
    if result.pdf is not None:
        console.print(f"打印文件：{result.pdf}（{result.pages} 页）")
        if result.archived:
            console.print(f"已归档发出的通知书 {result.archived} 份（archive/<学号>-<姓名>/）")
        if result.college_docs:
            console.print(
                f"学院材料 {len(result.college_docs)} 份（{'、'.join(result.college_docs)}），"
                "副本已存入 archive/_学院/<学期>/"
            )
    else:
        console.print(f"[yellow]{result.missing}[/]")
        console.print(f"已生成 Word 文件：{result.folder / 'docx'}/")
    for note in result.notes:
        console.print(f"[yellow]注意：{note}[/]")


@cli.command("issue")
@click.option("--term", type=TERM, required=True, help="学期（名单须已冻结）。")
@click.option("--class", "classes", multiple=True, help="只发某班（可多次给出）。")
@click.option("--level", "levels", multiple=True, help="只发某等级（可多次给出）。")
@click.pass_context
@handle_errors
def issue_cmd(
    ctx: click.Context, term: Term, classes: tuple[str, ...], levels: tuple[str, ...]
) -> None:
    """为冻结名单发放编号，打印全部通知书与记录表（每联带编号和二维码），并归档发出的副本。"""
    ws = open_workspace(ctx)
    with progress_bar("生成") as progress:
        results = ws.issue(term, classes=classes, levels=levels, progress=progress)
    if not results:
        console.print(f"{term} 名单上符合条件的学生都已发放编号，没有新的通知书要打印。")
        console.print("重印某一份请用 yujing reprint 编号；作废请用 yujing void 编号 --reason …")
    for result in results:
        _render_batch(result)


@cli.command("reprint")
@click.argument("serial", type=int)
@click.pass_context
@handle_errors
def reprint_cmd(ctx: click.Context, serial: int) -> None:
    """按原编号重印 SERIAL 的全部材料（同一编号、同样的二维码）。"""
    ws = open_workspace(ctx)
    with progress_bar("重印") as progress:
        result = ws.reprint(serial, progress=progress)
    _render_batch(result)


@cli.command("void")
@click.argument("serial", type=int)
@click.option("--reason", required=True, help="作废原因。")
@click.pass_context
@handle_errors
def void_cmd(ctx: click.Context, serial: int, reason: str) -> None:
    """作废编号 SERIAL：其二维码扫描时将被拒收；下次 issue 为该生发放新编号。"""
    from yujing.workspace import format_serial

    ws = open_workspace(ctx)
    row = ws.void(serial, reason)
    console.print(
        f"已作废 第 {format_serial(serial)} 号（{row['student_id']}，{row['term']}）：{reason}"
    )
    console.print(f"为该生补发新编号：yujing issue --term {row['term']}")


# -- scan intake ----------------------------------------------------------------------------


@cli.command("scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.pass_context
@handle_errors
def scan_cmd(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """扫描件归档：按二维码把每一页归入学生档案，无法识别的页进入待处理队列（原件不改动）。

    PATHS 可为 PDF、TIFF、JPEG、PNG 文件或文件夹。"""
    from yujing.workspace import BLANK, FILED, REVIEW

    ws = open_workspace(ctx)
    with progress_bar("扫描") as progress:
        result = ws.scan(paths, progress=progress)
    console.print(
        f"已归档 [green]{result.count(FILED)}[/] 页，待处理 [yellow]{result.count(REVIEW)}[/] 页，"
        f"空白页 {result.count(BLANK)} 页"
    )
    by_student: dict[str, list[str]] = {}
    for page in result.pages:
        if page.result == FILED:
            by_student.setdefault(page.student_id, []).append(Path(page.target).name)
    for i, (student_id, names) in enumerate(sorted(by_student.items())):
        if i == 20 and len(by_student) > 21:
            console.print(f"  … 另有 {len(by_student) - 20} 名学生（见 yujing archive manifest）")
            break
        console.print(f"  [green]归档[/] {student_id}：{len(names)} 份")
    unsigned = [p for p in result.pages if p.result == FILED and p.signed is False]
    for page in unsigned:
        console.print(f"  [yellow]未签字[/] {page.target}（{page.source.name} 第 {page.page} 页）")
    for page in result.pages:
        if page.result == REVIEW:
            console.print(
                f"  [yellow]待处理[/] {page.source.name} 第 {page.page} 页：{page.reason}"
            )
    for path in result.skipped_files:
        console.print(f"  跳过 {path}：同一文件已处理过")
    for path in result.unsupported:
        console.print(f"  [yellow]不支持的文件[/] {path}（只读取 PDF、TIFF、JPEG、PNG）")
    for message in result.errors:
        console.print(f"  [red]无法读取[/] {message}")
    if result.count(REVIEW):
        console.print("查看待处理页：yujing review；人工归档：yujing assign 序号 编号 联别代码")
    if result.errors:
        sys.exit(1)


@cli.command("review")
@click.option(
    "--all", "show_all", is_flag=True, help="也列出空白页；与 --signatures 同用时列出全部签字检查。"
)
@click.option(
    "--signatures",
    is_flag=True,
    help="列出签字判定不确定的页，并把每个签字处的截图写入 review/signatures/。",
)
@click.option(
    "--confirm",
    nargs=2,
    type=(int, click.Choice(["signed", "unsigned"])),
    default=None,
    metavar="ID signed|unsigned",
    help="人工确认第 ID 条签字检查的结论：signed 已签字，unsigned 未签字（须同时给出 --who）。",
)
@click.option("--who", default="", help="复核人（如 辅导员 王颖），与 --confirm 同用。")
@click.pass_context
@handle_errors
def review_cmd(
    ctx: click.Context,
    show_all: bool,
    signatures: bool,
    confirm: tuple[int, str] | None,
    who: str,
) -> None:
    """列出待处理队列（review/）中的扫描页及原因；--signatures 列出待复核的签字判定。"""
    from yujing.workspace import label

    ws = open_workspace(ctx)
    if confirm is not None:
        record = ws.confirm_signature(confirm[0], confirm[1], who)
        console.print(
            f"已记录：第 {record.id} 条（{record.file} 第 {record.file_page} 页）由 {record.confirmed_by} "
            f"确认为{label(record.effective, 'verdict')}（机器判定：{label(record.verdict, 'verdict')}）"
        )
        return
    if signatures:
        reviews = ws.signature_reviews(everything=show_all)
        if not reviews:
            console.print("没有待复核的签字判定。")
            return
        table = new_table("序号", "文件", "页", "判定", "各签字处（新增笔迹占比）")
        for review in reviews:
            r = review.record
            verdict = label(r.effective, "verdict")
            if r.confirmed:
                verdict += f"（{r.confirmed_by} 确认）"
            elif r.reason:
                verdict += f"：{r.reason}"
            areas = "；".join(
                f"{a.label}{'有' if a.signed else '无'}笔迹 {a.ink:.1%}" for a in r.areas
            )
            table.add_row(str(r.id), r.file, str(r.file_page), verdict, areas)
        console.print(table)
        for review in reviews:
            for crop in review.crops:
                console.print(f"  第 {review.record.id} 条签字处截图：{crop}")
        console.print(
            "人工确认：yujing review --confirm 序号 signed|unsigned --who 复核人"
            "（如 yujing review --confirm 3 signed --who 辅导员王颖）"
        )
        return
    items = ws.review_items(include_blank=show_all)
    if not items:
        console.print("待处理队列为空。")
        return
    table = new_table("序号", "来源", "页", "原因", "上传", "文件")
    for item in items:
        table.add_row(
            str(item.id), item.source_name, str(item.page), item.reason, item.uploader, item.file
        )
    console.print(table)
    console.print("人工归档：yujing assign 序号 编号 联别代码（如 yujing assign 3 12 N1）")
    console.print("不是本系统材料或重复：yujing set-aside 序号 discarded|duplicate")


@cli.command("assign")
@click.argument("item", type=int)
@click.argument("serial", type=int)
@click.argument("part")
@click.option("--yes", is_flag=True, help="不再询问，直接归档（已核对过学生和联别）。")
@click.pass_context
@handle_errors
def assign_cmd(ctx: click.Context, item: int, serial: int, part: str, yes: bool) -> None:
    """把待处理第 ITEM 项人工归档为编号 SERIAL 的联别 PART（如 N1）：先显示归入谁的哪份
    材料，确认后才归档。"""
    ws = open_workspace(ctx)
    preview = ws.assign_preview(item, serial, part)
    console.print(f"第 {item} 项将归入 {preview.who} 的「{preview.title}」（{preview.term}）。")
    if not yes and not click.confirm("核对无误，归档？", default=False):
        console.print("未归档。")
        return
    done = ws.assign(item, serial, part, confirmed=True)
    console.print(f"已归档到 {done.preview.who} 的「{done.preview.title}」。")


@cli.command("set-aside")
@click.argument("item", type=int)
@click.argument("what", type=click.Choice(["discarded", "duplicate"]))
@click.option("--note", default="", help="说明（如：微信群二维码页）。")
@click.pass_context
@handle_errors
def set_aside_cmd(ctx: click.Context, item: int, what: str, note: str) -> None:
    """把待处理第 ITEM 项标为 discarded（不是本系统材料）或 duplicate（重复）：移出队列，
    记入日志，文件保留。"""
    ws = open_workspace(ctx)
    done = ws.set_aside(item, what, note)
    console.print(f"第 {done.id} 项已移出待处理队列（{done.source_name} 第 {done.page} 页），文件保留。")


@cli.group("archive")
def archive_group() -> None:
    """学生档案（一生一档）。"""


@archive_group.command("manifest")
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.pass_context
@handle_errors
def archive_manifest(ctx: click.Context, output: Path) -> None:
    """写出档案清单（CSV）：学号, 姓名, 编号, 联别, 文件, 来源, 页码, sha256。"""
    ws = open_workspace(ctx)
    n = ws.write_manifest(output)
    console.print(f"档案清单：{output}（{n} 个文件）")


# -- long-term archive (归档: PDF/A, 归档章, 目录, 卷, 移交, 保管期限) ----------------------------

OUT_DIR = click.Path(file_okay=False, path_type=Path)


@archive_group.command("pdfa")
@click.option("--term", required=True, type=TERM, help="学期，如 2024-2025-1。")
@click.option("--ocr", is_flag=True, help="扫描件加中文文字层（需安装 Tesseract chi_sim）。")
@click.pass_context
@handle_errors
def archive_pdfa_cmd(ctx: click.Context, term: Term, ocr: bool) -> None:
    """为学期的每份材料生成 PDF/A-2b 归档件（加盖归档章、编件号），原件保留不动。"""
    ws = open_workspace(ctx)
    with progress_bar("归档件") as progress:
        result = ws.archive_pdfa(term, ocr=ocr, progress=progress)
    console.print(
        f"{term} 归档件：新生成 {len(result.made)} 份，已有 {result.skipped} 份"
        f"（PDF/A-2b，在各档案夹的 归档件/ 中）"
    )
    if result.settings.defaulted:
        console.print("[yellow]注意：[/]院校包没有 archive.toml，全宗号等使用默认值。")
    if result.ocr == "unavailable":
        console.print("[yellow]注意：[/]未安装 Tesseract 中文（chi_sim），扫描件未加文字层。")
    for problem in result.problems:
        err_console.print(f"  未能归档 {problem.original}：{problem.reason}")
    if result.problems:
        sys.exit(1)


@archive_group.command("catalogue")
@click.option("--term", required=True, type=TERM, help="学期。")
@click.option("--output", "-o", required=True, type=OUT_DIR, help="输出目录。")
@click.pass_context
@handle_errors
def archive_catalogue_cmd(ctx: click.Context, term: Term, output: Path) -> None:
    """写出学期的归档文件目录（按学院，.xlsx 和 PDF）。"""
    ws = open_workspace(ctx)
    for cat in ws.archive_catalogue(term, output):
        console.print(f"{cat.college or '未分学院'}：{cat.items} 件  {cat.xlsx}  {cat.pdf}")


@archive_group.command("volume")
@click.option("--term", required=True, type=TERM, help="学期。")
@click.option("--class", "classes", multiple=True, help="只组这个班级的卷（可重复）。")
@click.option("--output", "-o", required=True, type=OUT_DIR, help="输出目录。")
@click.pass_context
@handle_errors
def archive_volume_cmd(
    ctx: click.Context, term: Term, classes: tuple[str, ...], output: Path
) -> None:
    """按班级（或院校包规定的班级和级别）组卷：卷皮、卷内目录、归档件，编页号，PDF/A。"""
    ws = open_workspace(ctx)
    with progress_bar("组卷") as progress:
        volumes = ws.archive_volumes(term, output, classes=classes, progress=progress)
    for v in volumes:
        console.print(
            f"{v.class_name}{f' {v.level}' if v.level else ''}：{len(v.entries)} 件，"
            f"{v.pages} 页（卷皮和卷内目录 {v.front_pages} 页）  {v.path}"
        )


@archive_group.command("handover")
@click.option("--term", required=True, type=TERM, help="学期。")
@click.option("--output", "-o", required=True, type=OUT_DIR, help="移交包目录（新的或空的）。")
@click.option("--by", "who", required=True, help="移交人。")
@click.option("--to", "recipient", required=True, help="接收人或接收部门。")
@click.pass_context
@handle_errors
def archive_handover_cmd(
    ctx: click.Context, term: Term, output: Path, who: str, recipient: str
) -> None:
    """生成移交包（卷、目录、归档件、清单、四性检测报告）；全部通过则登记移交并封闭该学期。"""
    ws = open_workspace(ctx)
    with progress_bar("四性检测") as progress:
        result = ws.archive_handover(term, output, who=who, recipient=recipient, progress=progress)
    failed = result.failed()
    console.print(
        f"移交包：{result.folder}（卷 {len(result.volumes)} 个，文件 {len(result.files)} 个）"
    )
    console.print(f"四性检测报告：{result.report_html}  {result.report_pdf}")
    for f in failed[:20]:
        notes = "；".join(f"{c.aspect}：{c.detail}" for c in f.checks if not c.ok)
        err_console.print(f"  未通过 {f.file}：{notes}")
    for problem in result.term_problems[:20]:
        err_console.print(f"  完整性：{problem}")
    if result.recorded:
        console.print(f"已登记移交（{who} → {recipient}），{term} 的档案已封闭。")
    else:
        err_console.print("四性检测未全部通过：未登记移交，学期未封闭。")
        sys.exit(1)


@archive_group.command("reopen")
@click.option("--term", required=True, type=TERM, help="学期。")
@click.option("--by", "who", required=True, help="经办人。")
@click.option("--reason", required=True, help="重新开启的原因。")
@click.pass_context
@handle_errors
def archive_reopen_cmd(ctx: click.Context, term: Term, who: str, reason: str) -> None:
    """重新开启已移交封闭的学期档案（记入操作日志）。"""
    ws = open_workspace(ctx)
    ws.archive_reopen(term, who=who, reason=reason)
    console.print(f"{term} 的档案已重新开启（{who}：{reason}）。")


@archive_group.command("due")
@click.option("--as-of", "as_of", help="截至日期，如 2040-09-01（默认今天）。")
@click.pass_context
@handle_errors
def archive_due_cmd(ctx: click.Context, as_of: str | None) -> None:
    """列出保管期限已满的学生档案夹（不删除任何文件）。"""
    ws = open_workspace(ctx)
    folders = ws.archive_due(_as_of(as_of))
    if not folders:
        console.print("没有保管期限已满的档案。")
        return
    table = new_table("学号", "姓名", "档案夹", "最后学期", "起算", "期满")
    for d in folders:
        table.add_row(d.student_id, d.name, d.folder, d.last_term, d.start, d.due)
    console.print(table)
    console.print(f"共 {len(folders)} 个档案夹保管期限已满。")


@archive_group.command("dispose")
@click.argument("student_ids", nargs=-1, required=True)
@click.option("--backup", required=True, type=OUT_DIR, help="先把档案夹备份到这个目录。")
@click.option("--by", "who", required=True, help="经办人。")
@click.option("--as-of", "as_of", help="截至日期（默认今天）。")
@click.option("--yes", is_flag=True, help="确认删除（不加则只说明将做什么）。")
@click.pass_context
@handle_errors
def archive_dispose_cmd(
    ctx: click.Context,
    student_ids: tuple[str, ...],
    backup: Path,
    who: str,
    as_of: str | None,
    yes: bool,
) -> None:
    """保管期限已满的档案夹：先备份并逐个核对，再删除（须加 --yes）。"""
    ws = open_workspace(ctx)
    if not yes:
        console.print(f"将备份到 {backup} 后删除 {len(student_ids)} 个档案夹；确认请加 --yes。")
        return
    for path in ws.archive_dispose(student_ids, backup, who=who, as_of=_as_of(as_of)):
        console.print(f"已备份并删除：{path.name}（备份 {path}）")


def _as_of(text: str | None) -> Any:
    from datetime import date

    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidValueError(f"日期「{text}」格式应为 2040-09-01。") from None


# -- backups -----------------------------------------------------------------------------------


@cli.command("backup")
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@click.pass_context
@handle_errors
def backup_cmd(ctx: click.Context, target: Path) -> None:
    """把工作区完整备份到新目录 TARGET（登记库、签名密钥、院校包、档案、名单、批次）。"""
    ws = open_workspace(ctx)
    out = ws.backup(target)
    console.print(f"已备份到 {out}。请妥善保管：其中的 secret.key 是二维码和登记库封印的密钥。")


@cli.command("migrate")
@click.option("--check", is_flag=True, help="只查看登记库版本和待运行的升级，不升级。")
@click.pass_context
@handle_errors
def migrate_cmd(ctx: click.Context, check: bool) -> None:
    """登记库版本：已运行和待运行的升级（不加 --check 时先升级，升级前自动备份）。"""
    from yujing.workspace import Workspace

    ws = Workspace.find(ctx.obj.get("workspace")) if check else open_workspace(ctx)
    status = ws.registry_status(migrate=not check)
    console.print(f"登记库第 {status.version} 版（本程序最新为第 {status.latest} 版）。")
    table = new_table("版本", "升级", "时间", "说明", show_edge=False)
    for m in status.applied:
        table.add_row(str(m.version), m.name, m.applied_at, m.note)
    if status.applied:
        console.print(table)
    if status.pending:
        shown = "、".join(f"第 {v} 版 {name}" for v, name in status.pending)
        console.print(f"待运行的升级：{shown}（打开工作区时自动运行，先备份登记库）。")
    else:
        console.print("没有待运行的升级。")


@cli.command("restore")
@click.argument("source", type=click.Path(file_okay=False, exists=True, path_type=Path))
@click.argument("target", type=click.Path(file_okay=False, path_type=Path))
@handle_errors
def restore_cmd(source: Path, target: Path) -> None:
    """把备份 SOURCE 恢复为工作区 TARGET（新目录或空目录）；恢复前逐个核对文件。"""
    from yujing.workspace import Workspace

    ws = Workspace.restore(source, target)
    console.print(f"已恢复工作区 {ws.root}。")


# -- documents that do not come from a scan --------------------------------------------------

KIND_CHOICE = click.Choice(list(RECORD_KINDS))


@cli.command("attach")
@click.argument("student_id")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--kind", required=True, type=KIND_CHOICE, help="材料类型。")
@click.option("--term", type=TERM, help="学期（默认：最近的名单）。")
@click.option("--date", "when", help="材料日期，如 2024-10-08（默认今天）。")
@click.option("--note", default="", help="说明。")
@click.pass_context
@handle_errors
def attach_cmd(
    ctx: click.Context,
    student_id: str,
    file: Path,
    kind: str,
    term: Term | None,
    when: str | None,
    note: str,
) -> None:
    """把外来文件（如教务系统的成绩单 PDF）复制进学生 STUDENT_ID 的档案夹（原件不动）。"""
    ws = open_workspace(ctx)
    filed = ws.attach(student_id, file, kind=kind, term=term, when=when, note=note)
    console.print(f"已归档：{filed.path}")


@cli.command("record")
@click.argument("kind", type=click.Choice(TYPED_RECORD_KINDS))
@click.argument("student_id")
@click.option("--date", "when", help="日期，如 2024-10-08（默认今天）。")
@click.option("--who", required=True, help="记录人（如 辅导员 王颖）。")
@click.option("--participants", default="", help="参与人（记录人以外在场的人，如 家长 王父）。")
@click.option("--how", default="面谈", show_default=True, help="方式：面谈、电话、微信…")
@click.option("--summary", required=True, help="内容摘要。")
@click.option("--term", type=TERM, help="学期（默认：最近的名单）。")
@click.pass_context
@handle_errors
def record_cmd(
    ctx: click.Context,
    kind: str,
    student_id: str,
    when: str | None,
    who: str,
    participants: str,
    how: str,
    summary: str,
    term: Term | None,
) -> None:
    """登记一次没有纸质记录的谈话、家长联系、计划或帮扶（存入学生档案夹）。"""
    ws = open_workspace(ctx)
    filed = ws.record(
        student_id,
        kind=kind,
        when=when,
        who=who,
        how=how,
        summary=summary,
        term=term,
        participants=participants,
    )
    console.print(f"已登记：{filed.path}")


@cli.command("transcript")
@click.option("--term", type=TERM, required=True)
@click.option("--student", "students", multiple=True, help="只为某些学号生成。")
@click.pass_context
@handle_errors
def transcript_cmd(ctx: click.Context, term: Term, students: tuple[str, ...]) -> None:
    """按导入的成绩为名单上的学生生成成绩单，放入各自档案夹。"""
    ws = open_workspace(ctx)
    with progress_bar("成绩单") as progress:
        filed = ws.transcripts(term, students=students, progress=progress)
    console.print(f"已生成成绩单 {len(filed)} 份。")


# -- audit ----------------------------------------------------------------------------------


@cli.command("audit")
@click.option("--term", type=TERM, help="学期（默认：最近的名单）。")
@click.option("--class", "classes", multiple=True, help="只查某班（可多次给出）。")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv"]),
    default="table",
    show_default=True,
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="另存为网页报告（单个文件，可离线打开、打印）。",
)
@click.option(
    "--xlsx",
    "xlsx_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="另存为 Excel 报告。",
)
@click.option("--verify", is_flag=True, help="逐一重新计算文件哈希（默认按大小和修改时间判断）。")
@click.option("--as-of", "as_of", help="按某日计算期限（默认今天），如 2025-01-10。")
@click.pass_context
def audit_cmd(
    ctx: click.Context,
    term: Term | None,
    classes: tuple[str, ...],
    fmt: str,
    html_path: Path | None,
    xlsx_path: Path | None,
    verify: bool,
    as_of: str | None,
) -> None:
    """检查每名预警学生的档案是否齐全、按期、签字、未被改动。

    退出码：0 全部齐全；1 发现问题；2 检查本身无法进行。"""
    import json
    from datetime import date

    try:
        day = date.fromisoformat(as_of) if as_of else None
    except ValueError:
        err_console.print(f"[bold red]错误：[/]--as-of「{as_of}」格式应为 2025-01-10。")
        sys.exit(2)
    try:
        ws = open_workspace(ctx)
        with progress_bar("检查") as progress:
            report = ws.audit(term, classes=classes, verify=verify, as_of=day, progress=progress)
        if html_path is not None:
            from yujing.workspace import write_audit_html

            write_audit_html(report, html_path)
        if xlsx_path is not None:
            from yujing.workspace import write_audit_xlsx

            write_audit_xlsx(report, xlsx_path)
    except YujingError as exc:
        err_console.print(f"[bold red]检查无法进行：[/]{exc}")
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    elif fmt == "csv":
        from yujing.workspace import write_audit_csv

        write_audit_csv(report, sys.stdout)
    else:
        _render_audit(report)
    for path, what in ((html_path, "网页报告"), (xlsx_path, "Excel 报告")):
        if path is not None:
            err_console.print(f"{what}：{path}")
    sys.exit(0 if report.complete else 1)


def _render_audit(report: Any) -> None:
    console.print(
        f"[bold]{report.school} {report.term_label} {report.policy_title}档案检查[/]"
        f"（截至 {report.as_of}，{'已校验哈希' if report.verified else '按大小和修改时间'}）"
    )
    complete = sum(1 for s in report.students if s.complete)
    console.print(
        f"预警学生 {len(report.students)} 人，档案齐全 {complete} 人，"
        f"问题 {len(report.findings)} 个"
    )
    totals = new_table(
        "学院", "班级", "学生", "齐全", "缺失", "超期", "逾期", "未签字", "改动", show_edge=False
    )
    for (college, cls), t in report.totals().items():
        totals.add_row(
            college,
            cls,
            str(t.get("students", 0)),
            str(t.get("complete", 0)),
            str(t.get("missing", 0)),
            str(t.get("overdue", 0)),
            str(t.get("late", 0)),
            str(t.get("unsigned", 0)),
            str(t.get("altered", 0)),
        )
    console.print(totals)
    if report.findings:
        table = new_table("班级", "学号", "姓名", "材料", "问题", "说明")
        for f in report.findings:
            colour = "red" if f.problem in ("missing", "overdue", "altered") else "yellow"
            table.add_row(
                f.class_name,
                f.student_id,
                f.name,
                f.title,
                f"[{colour}]{f.problem_text}[/]",
                f.detail,
            )
        console.print(table)
    for note in report.notes:
        console.print(f"[yellow]注意：{note}[/]")
    if report.complete:
        console.print("[green]全部齐全。[/]")


@cli.command("report")
@click.option("--term", type=TERM, required=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(file_okay=False, path_type=Path),
    help="输出目录（默认：工作区的 reports/）。",
)
@click.pass_context
@handle_errors
def report_cmd(ctx: click.Context, term: Term, output: Path | None) -> None:
    """生成学期报告（.docx）：帮扶效果分析报告、学期学业帮扶总结报告、学生学业预警处理结果汇总表。"""
    ws = open_workspace(ctx)
    with progress_bar("报告") as progress:
        paths = ws.term_reports(term, output, progress=progress)
    summary = ws.term_summary(term)
    console.print(
        f"{term}：预警 {summary.warned} 人；上学期 {summary.previous_warned} 人，"
        f"转化（降级或解除）{summary.converted} 人"
    )
    for path in paths:
        console.print(f"  {path}")


# -- institution packs and policies --------------------------------------------------------


@cli.group("pack")
def pack_group() -> None:
    """院校包：预警规则、表单目录和 Word 模板（一所学校一个文件夹）。"""


@pack_group.command("list")
@handle_errors
def pack_list() -> None:
    """列出内置院校包。"""
    from yujing.institutions import builtin_packs

    for pack in builtin_packs():
        policy = pack.policy
        console.print(
            f"{pack.name:14} {policy.school}：{'、'.join(policy.level_names)}；"
            f"表单 {len(pack.forms)} 种"
        )


@pack_group.command("new")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--from", "source", required=True, help="复制哪个院校包（内置名或文件夹）。")
@click.option("--name", help="院校包名称（默认：文件夹名），小写字母、数字和连字符。")
@click.option("--school", help="学校/学院名称。")
@click.option(
    "--rules",
    help="本校预警办法的名称，印在通知书上（默认：《学校名称学生学业预警办法》）。",
)
@handle_errors
def pack_new(
    directory: Path, source: str, name: str | None, school: str | None, rules: str | None
) -> None:
    """由已有院校包复制一个新的院校包到 DIRECTORY。"""
    from yujing.institutions import new_pack

    pack = new_pack(directory, source=source, name=name, school=school, rules=rules)
    console.print(f"已创建院校包 [bold]{pack.root}[/]（由「{source}」复制）")
    console.print(f"  学校      {pack.policy.school}；预警办法 {pack.policy.rules}")
    console.print(f"  预警规则  {pack.policy_path}（用文本编辑器修改阈值）")
    console.print(f"  表单目录  {pack.forms_path}")
    console.print(f"  模板      {pack.templates_dir}/（用 Word 或 WPS 修改措辞）")
    console.print(f"修改后检查：yujing pack check {directory}")
    console.print(f"预览表单：yujing pack sample {directory} 表单 -o 样例.pdf")
    console.print(f"用它新建工作区：yujing init 工作区 --pack {directory} --school 名称")


@pack_group.command("check")
@click.argument("pack")
@handle_errors
def pack_check(pack: str) -> None:
    """检查院校包 PACK（内置名或文件夹）的规则、表单目录和每个模板。"""
    from yujing.institutions import check_pack

    result = check_pack(pack)
    if result.ok:
        console.print(
            f"[green]有效[/]：院校包 {result.pack.root}（{result.pack.policy.school}）："
            f"{len(result.pack.policy.levels)} 个等级，{result.forms} 种表单，"
            f"{result.templates} 个模板均可用"
        )
        return
    err_console.print(f"[bold red]院校包 {result.pack.root} 有 {len(result.problems)} 处问题：[/]")
    for problem in result.problems:
        err_console.print(f"  {problem}")
    sys.exit(1)


@pack_group.command("sample")
@click.argument("pack")
@click.argument("form_id")
@click.option("--level", help="按哪个等级填写（默认：表单适用的第一个等级）。")
@click.option("--school", default=None, help="印在样例上的学校名称（默认：院校包的学校）。")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="样例文件：.docx 或 .pdf（需 LibreOffice）。",
)
@click.option(
    "--long",
    "long_data",
    is_flag=True,
    help="用较长的真实数据填写（长姓名、长专业名、8 门不及格课程）。",
)
@handle_errors
def pack_sample(
    pack: str, form_id: str, level: str | None, school: str | None, output: Path, long_data: bool
) -> None:
    """用虚构的学生填写院校包 PACK 的表单 FORM_ID，生成样例（每联带编号和二维码）。"""
    from yujing.institutions import render_pack_sample

    path = render_pack_sample(pack, form_id, output, level=level, school=school, long=long_data)
    console.print(f"样例：{path}")


@cli.group("policy")
def policy_group() -> None:
    """查看和检查预警规则文件。"""


policy_group.add_command(pack_list, "list")  # the built-in packs' rules: one listing


@policy_group.command("check")
@click.argument("name_or_file")
@handle_errors
def policy_check(name_or_file: str) -> None:
    """检查规则文件是否有效，并列出其等级和条件。"""
    from yujing.institutions import load_pack_policy

    p = load_pack_policy(name_or_file)
    console.print(f"[green]有效[/]：{p.name}（{p.school}）")
    for level in p.levels:
        conds = "；或 ".join(
            f"{c.metric}{'[' + '、'.join(sorted(c.params)) + ']' if c.params else ''} {c.op} {c.value}"
            if c.metric != "imported_level"
            else "教务系统导入的等级"
            for c in level.criteria
        )
        console.print(f"  {level.name}：{conds}")
    if p.history:
        keep = "，且 ".join(f"{c.metric} {c.op} {c.value}" for c in p.history.keep_while)
        console.print(f"  警示期：未达条件时保持原等级，直至不再满足 {keep}")


# -- the web console (issue #13): serve, user ------------------------------------------------


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址。")
@click.option("--port", default=8000, show_default=True, type=int, help="端口。")
@click.option(
    "--ssl-certfile", type=click.Path(dir_okay=False, path_type=Path), help="HTTPS 证书。"
)
@click.option("--ssl-keyfile", type=click.Path(dir_okay=False, path_type=Path), help="HTTPS 私钥。")
@click.pass_context
@handle_errors
def serve_cmd(
    ctx: click.Context,
    host: str,
    port: int,
    ssl_certfile: Path | None,
    ssl_keyfile: Path | None,
) -> None:
    """启动网页控制台（教学秘书、审核人、辅导员、班主任、检查人在浏览器中使用）。"""
    import uvicorn

    from yujing.web.app import create_app, uvicorn_proxy_options

    folder = ctx.obj.get("workspace")
    if folder is not None and (folder / "university.toml").is_file():  # a university folder
        from yujing.cli.university import serve_university

        serve_university(folder, host, port, ssl_certfile, ssl_keyfile)
        return
    ws = open_workspace(ctx)
    app = create_app(ws.root)
    if not ws.users():
        err_console.print(
            "[yellow]还没有账号[/]：先用 yujing user add 名称 --role secretary 添加教学秘书账号。"
        )
    if host not in ("127.0.0.1", "localhost", "::1") and ssl_certfile is None:
        err_console.print(
            f"[yellow]注意[/]：控制台将在 {host} 上对网络开放，但未启用 HTTPS，密码和学生信息会以明文传输。"
            "请放在 HTTPS 反向代理（如 nginx/Caddy）之后，或用 --ssl-certfile/--ssl-keyfile 启用 HTTPS"
            "（见 README「网页控制台」）。"
        )
    scheme = "https" if ssl_certfile else "http"
    shown = f"[{host}]" if ":" in host else host
    console.print(f"控制台：{scheme}://{shown}:{port}/ （工作区 {ws.root}；Ctrl-C 停止）")
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        ssl_certfile=str(ssl_certfile) if ssl_certfile else None,
        ssl_keyfile=str(ssl_keyfile) if ssl_keyfile else None,
        **uvicorn_proxy_options(ws),
    )


@cli.group("user")
def user_group() -> None:
    """网页控制台的账号：添加、列出、改密码、停用。"""


@user_group.command("add")
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice([r.value for r in Role]),
    help="角色：教学秘书、审核人、辅导员、班主任、检查人。",
)
@click.option("--counsellor", "roster_name", default="", help="名单中的辅导员（或班主任）姓名。")
@click.option("--class", "classes", multiple=True, help="所带班级（可多次给出）。")
@click.option("--password", help="初始密码（不给则提示输入）。")
@click.option(
    "--phone",
    default="",
    help="辅导员的联系电话：学生名单中没有“辅导员电话”时，印在其学生的通知书上。",
)
@click.option(
    "--allow-unknown",
    is_flag=True,
    help="名单中的姓名或班级在学生名单中找不到时仍添加（如学生名单尚未导入）。",
)
@click.pass_context
@handle_errors
def user_add(
    ctx: click.Context,
    name: str,
    role: str,
    roster_name: str,
    classes: tuple[str, ...],
    password: str | None,
    phone: str,
    allow_unknown: bool,
) -> None:
    """添加账号 NAME。辅导员、班主任的姓名和班级须在学生名单中。"""
    from yujing.errors import AccountError, RosterMismatchError
    from yujing.roles import ADVISERS
    from yujing.workspace import ROLES

    ws = open_workspace(ctx)
    if Role(role) in ADVISERS and not roster_name and not classes:
        raise AccountError(
            f"{ROLES[role]}账号须用 --counsellor 给出学生名单中的姓名，或用 --class 给出所带班级。"
        )
    try:
        user = ws.add_user(
            name,
            role=role,
            password=read_password(password),
            roster_name=roster_name,
            classes=classes,
            allow_unknown=allow_unknown,
            phone=phone,
        )
    except RosterMismatchError as exc:
        raise RosterMismatchError(
            f"{exc}（确要保留这个姓名或班级，请加 --allow-unknown）"
        ) from exc
    scope = "、".join(filter(None, [user.roster_name, *user.classes]))
    console.print(f"已添加账号 {user.name}（{ROLES[user.role]}{'：' + scope if scope else ''}）")


@user_group.command("list")
@click.pass_context
@handle_errors
def user_list(ctx: click.Context) -> None:
    """列出账号（不显示密码）。"""
    from yujing.workspace import ROLES

    ws = open_workspace(ctx)
    table = new_table("账号", "角色", "名单中的姓名", "班级", "电话", "状态")
    for u in ws.users():
        table.add_row(
            u.name,
            ROLES[u.role],
            u.roster_name,
            "、".join(u.classes),
            u.phone,
            "已停用" if u.disabled else "正常",
        )
    console.print(table)


@user_group.command("passwd")
@click.argument("name")
@click.option("--password", help="新密码（不给则提示输入）。")
@click.pass_context
@handle_errors
def user_passwd(ctx: click.Context, name: str, password: str | None) -> None:
    """重设账号 NAME 的密码（其已登录的会话随之失效）。"""
    ws = open_workspace(ctx)
    ws.set_password(name, read_password(password))
    console.print(f"已重设 {name} 的密码。")


@user_group.command("disable")
@click.argument("name")
@click.pass_context
@handle_errors
def user_disable(ctx: click.Context, name: str) -> None:
    """停用账号 NAME（立即退出登录，不能再登录）。"""
    ws = open_workspace(ctx)
    ws.disable_user(name)
    console.print(f"已停用账号 {name}。")


class _UniversityGroup(click.Group):
    """``yujing university …`` (学校文件夹), loaded from :mod:`yujing.cli.university` when used
    (that module imports this one, so it cannot be imported here)."""

    def _real(self) -> click.Group:
        from yujing.cli.university import university_group

        return university_group

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._real().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self._real().get_command(ctx, cmd_name)


cli.add_command(
    _UniversityGroup("university", help="学校文件夹：各学院工作区、全校汇总、教务处与督查账号。")
)


def main() -> None:
    try:
        cli(prog_name="yujing")
    except Exception as exc:  # a fault of ours: a message and a report file, no traceback
        report = _crash_report(exc)
        err_console.print(
            f"[bold red]错误：[/]yujing 内部出错（{type(exc).__name__}），命令没有完成。"
            "已写入的文件和登记均完整，可以重新运行同一命令。"
            f"请把错误报告 {report} 发给维护人员。",
            markup=True,
            soft_wrap=True,
        )
        sys.exit(70)


def _crash_report(exc: BaseException) -> Path:
    """The traceback of an unexpected error, in a file of the temp folder (never on screen)."""
    import tempfile
    import time
    import traceback

    text = "".join(traceback.format_exception(exc))
    fd, name = tempfile.mkstemp(
        prefix=f"yujing-error-{time.strftime('%Y%m%d-%H%M%S')}-", suffix=".txt"
    )
    with open(fd, "w", encoding="utf-8") as fh:
        fh.write(f"yujing {' '.join(sys.argv[1:])}\n\n{text}")
    return Path(name)


if __name__ == "__main__":
    main()
