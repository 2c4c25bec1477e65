"""``yujing university …``: the university folder (学校文件夹) — its colleges, the roll-up,
the university's accounts and inspections. Each command parses, calls one method of
:class:`yujing.university.University`, and renders the result."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click
from rich.table import Table

from yujing.cli.common import TERM, console, err_console, handle_errors, read_password
from yujing.errors import InputError
from yujing.model import Term

FOLDER = click.Path(file_okay=False, path_type=Path)


def _open(folder: Path) -> Any:
    from yujing.university import find_university

    uni = find_university(folder)
    click.get_current_context().call_on_close(uni.close)
    return uni


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InputError(f"日期「{text}」格式应为 2025-01-10。") from exc


@click.group("university")
def university_group() -> None:
    """学校文件夹：各学院工作区、全校汇总、教务处与督查账号。"""


@university_group.command("init")
@click.argument("directory", type=FOLDER)
@click.option("--name", required=True, help="学校名称，如 某某大学。")
@handle_errors
def init(directory: Path, name: str) -> None:
    """新建学校文件夹 DIRECTORY（写入 university.toml）。"""
    from yujing.university import University

    uni = University.init(directory, name=name)
    console.print(f"已创建学校文件夹 [bold]{uni.root}[/]（{uni.name}）")
    console.print(f"  配置      {uni.root / 'university.toml'}")
    console.print("  下一步    yujing university add DIR 学院名 --pack 院校包")
    uni.close()


@university_group.command("add")
@click.argument("directory", type=FOLDER)
@click.argument("college")
@click.option("--pack", required=True, help="院校包：内置院校包名或院校包文件夹。")
@click.option("--school", default="", help="印在表单上的名称（默认：校名 + 学院名）。")
@click.option("--slug", default="", help="学院简称，用于网址和文件夹名（小写字母、数字、-）。")
@click.option("--address", default="", help="学院通讯地址（含邮编）。")
@click.option("--phone", default="", help="学院联系电话。")
@handle_errors
def add(
    directory: Path, college: str, pack: str, school: str, slug: str, address: str, phone: str
) -> None:
    """在学校文件夹 DIRECTORY 中新建学院 COLLEGE 的工作区。"""
    uni = _open(directory)
    c = uni.add_college(college, pack=pack, school=school, slug=slug, address=address, phone=phone)
    console.print(f"已添加学院 [bold]{c.name}[/]（简称 {c.slug}，院校包 {c.pack}）")
    console.print(f"  工作区    {c.root}/  （yujing -w {c.root} … 可直接使用）")


@university_group.command("list")
@click.argument("directory", type=FOLDER)
@handle_errors
def list_(directory: Path) -> None:
    """列出学校文件夹 DIRECTORY 中的学院。"""
    uni = _open(directory)
    table = Table("简称", "学院", "院校包", "工作区", title=uni.name)
    for c in uni.colleges:
        table.add_row(c.slug, c.name, c.pack, str(c.root))
    console.print(table)
    if not uni.colleges:
        console.print("还没有学院：yujing university add DIR 学院名 --pack 院校包")


@university_group.command("rollup")
@click.argument("directory", type=FOLDER)
@click.option("--term", type=TERM, required=True)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "csv", "xlsx"]),
    default="table",
    show_default=True,
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="输出文件（xlsx 必须给出；csv 不给则输出到屏幕）。",
)
@click.option("--as-of", "as_of", help="按某日计算期限（默认今天），如 2025-01-10。")
@handle_errors
def rollup_cmd(
    directory: Path, term: Term, fmt: str, output: Path | None, as_of: str | None
) -> None:
    """全校汇总：各学院 TERM 学期的名单、通知书、回执、档案、谈话、异议，及去年同期。"""
    from yujing.university import rollup_lines, write_rollup_csv, write_rollup_xlsx

    uni = _open(directory)
    report = uni.rollup(term, as_of=_day(as_of))
    if fmt == "xlsx":
        if output is None:
            raise InputError("输出 Excel 时请用 --output 给出文件名，如 --output 汇总.xlsx。")
        write_rollup_xlsx(report, output)
        console.print(f"全校汇总：{output}")
        return
    if fmt == "csv":
        if output is None:
            write_rollup_csv(report, sys.stdout)
        else:
            with output.open("w", encoding="utf-8-sig", newline="") as fh:
                write_rollup_csv(report, fh)
            console.print(f"全校汇总：{output}")
        return
    for which, title in (
        ("current", report.term),
        ("last_year", f"去年同期 {report.last_year_term}"),
    ):
        console.print(f"[bold]{report.university} {title}[/]（截至 {report.as_of}）")
        for line in rollup_lines(report, which):
            console.print("  " + line)
    for row in report.rows:
        if row.current.error:
            err_console.print(
                f"[yellow]注意：{row.current.college}无法读取：{row.current.error}[/]"
            )


@university_group.group("user")
def user_group() -> None:
    """学校账号：教务处（office）、督查（supervisor）。"""


@user_group.command("add")
@click.argument("directory", type=FOLDER)
@click.argument("name")
@click.option(
    "--role",
    required=True,
    type=click.Choice(["office", "supervisor"]),
    help="office 教务处；supervisor 督查（质量监督/学工部）。",
)
@click.option("--password", help="初始密码（不给则提示输入）。")
@handle_errors
def user_add(directory: Path, name: str, role: str, password: str | None) -> None:
    """在学校文件夹 DIRECTORY 中添加账号 NAME。"""
    from yujing.university import ROLES

    uni = _open(directory)
    user = uni.add_user(name, role=role, password=read_password(password))
    console.print(f"已添加学校账号 {user.name}（{ROLES[user.role]}）")


@user_group.command("list")
@click.argument("directory", type=FOLDER)
@handle_errors
def user_list(directory: Path) -> None:
    """列出学校账号（不显示密码）。"""
    from yujing.university import ROLES

    uni = _open(directory)
    table = Table("账号", "角色", "状态")
    for u in uni.users():
        table.add_row(u.name, ROLES.get(u.role, u.role), "已停用" if u.disabled else "正常")
    console.print(table)


@user_group.command("passwd")
@click.argument("directory", type=FOLDER)
@click.argument("name")
@click.option("--password", help="新密码（不给则提示输入）。")
@handle_errors
def user_passwd(directory: Path, name: str, password: str | None) -> None:
    """重设学校账号 NAME 的密码（其已登录的会话随之失效）。"""
    uni = _open(directory)
    uni.set_password(name, read_password(password))
    console.print(f"已重设 {name} 的密码。")


@user_group.command("disable")
@click.argument("directory", type=FOLDER)
@click.argument("name")
@handle_errors
def user_disable(directory: Path, name: str) -> None:
    """停用学校账号 NAME（立即退出登录，不能再登录）。"""
    uni = _open(directory)
    uni.disable_user(name)
    console.print(f"已停用学校账号 {name}。")


@university_group.command("sample")
@click.argument("directory", type=FOLDER)
@click.argument("college")
@click.option("--term", type=TERM, required=True)
@click.option("--size", type=int, default=5, show_default=True, help="抽取几份档案。")
@click.option("--seed", type=int, help="随机种子（默认随机生成，并记录）。")
@handle_errors
def sample(directory: Path, college: str, term: Term, size: int, seed: int | None) -> None:
    """督查抽样：随机抽取学院 COLLEGE（简称）TERM 学期的预警学生档案。"""
    uni = _open(directory)
    inspection = uni.draw_sample(college, term, size, seed=seed)
    console.print(
        f"第 {inspection.row.id} 次抽查：{uni.college(college).name} {term}，"
        f"{inspection.row.size} 份（种子 {inspection.row.seed}）"
    )
    for f in inspection.folders:
        console.print(f"  {f.student_id} {f.name} {f.class_name} {f.level}")


@university_group.command("file-report")
@click.argument("directory", type=FOLDER)
@click.argument("college")
@click.option("--term", type=TERM, required=True)
@handle_errors
def file_report(directory: Path, college: str, term: Term) -> None:
    """学院 COLLEGE 将 TERM 学期的学期学业帮扶总结报告报教务处备案。"""
    uni = _open(directory)
    filing = uni.file_report(college, term)
    console.print(
        f"已备案：{uni.college(college).name} {term} {filing.report}（{filing.filed_at}）"
    )


def serve_university(
    folder: Path, host: str, port: int, certfile: Path | None, keyfile: Path | None
) -> None:
    """``yujing serve -w DIR`` on a university folder: every college under one address."""
    import uvicorn

    from yujing.web.university import create_university_app

    uni = _open(folder)
    app = create_university_app(uni.root)
    if not uni.users():
        err_console.print(
            "[yellow]还没有学校账号[/]：先用 yujing university user add DIR 名称 --role office 添加。"
        )
    if host not in ("127.0.0.1", "localhost", "::1") and certfile is None:
        err_console.print(
            f"[yellow]注意[/]：控制台将在 {host} 上对网络开放，但未启用 HTTPS。"
            "请放在 HTTPS 反向代理（nginx/Caddy）之后（见 docs/deployment.md）。"
        )
    scheme = "https" if certfile else "http"
    console.print(
        f"全校控制台：{scheme}://{host}:{port}/ （{uni.name}，{len(uni.colleges)} 个学院；Ctrl-C 停止）"
    )
    for c in uni.colleges:
        console.print(f"  {c.name}：{scheme}://{host}:{port}/c/{c.slug}/")
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
        proxy_headers=True,
    )
