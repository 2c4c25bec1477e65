"""What every ``yujing`` command shares (命令行公用): the rich consoles (made on first use, so
``yujing --help`` stays quick; their markup only the few style tags the commands write), the
学期 parameter type, the one error handler that turns the library's errors into a message and
an exit code, the progress bar fed by the library's callback, and the password prompt."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

import click

from yujing.errors import InvalidValueError, YujingError
from yujing.model import Term

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table as RichTable

_STYLE_TAG = re.compile(r"\[(?!(?:/|/?(?:bold red|bold|yellow|green|red|dim|cyan))\])")
"""A ``[`` that does not open one of the few style tags the commands write."""


def _plain_bracket_console(**options: Any) -> Console:
    """A rich console whose markup is only the few style tags the commands write: any other
    ``[…]`` in a message (a TOML table such as ``[import.map.grades]``, a file name, a
    student's reason) is text, never swallowed as markup."""
    from rich.console import Console

    class PlainBracketConsole(Console):
        def render_str(self, text: str, **kwargs: Any) -> Any:
            markup = kwargs.get("markup")
            if markup or (markup is None and self._markup):
                text = _STYLE_TAG.sub(r"\\[", text)
            return super().render_str(text, **kwargs)

    return PlainBracketConsole(**options)


class _LazyConsole:
    """A rich Console made on first use, so that ``yujing --help`` (and every command's start)
    does not pay for importing rich's console, tables and progress bars."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._console: Console | None = None

    def get(self) -> Console:
        if self._console is None:
            self._console = _plain_bracket_console(**self._options)
        return self._console

    def __getattr__(self, name: str) -> Any:
        return getattr(self.get(), name)


def new_table(*headers: Any, **options: Any) -> RichTable:
    """rich's Table, imported when a command first draws one."""
    from rich.table import Table

    return Table(*headers, **options)


console: Console = _LazyConsole(highlight=False, soft_wrap=True)  # type: ignore[assignment]
err_console: Console = _LazyConsole(stderr=True, highlight=False, soft_wrap=True)  # type: ignore[assignment]
F = TypeVar("F", bound=Callable[..., Any])


class TermType(click.ParamType):
    name = "学期"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Term:
        if isinstance(value, Term):
            return value
        try:
            return Term.parse(str(value))
        except InvalidValueError as exc:
            self.fail(str(exc), param, ctx)


TERM = TermType()


def handle_errors(func: F) -> F:
    """Turn the library's errors into one message and an exit code, never a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except YujingError as exc:
            err_console.print(f"[bold red]错误：[/]{exc}", markup=True, soft_wrap=True)
            sys.exit(1)
        except KeyboardInterrupt:
            err_console.print("已中断。已完成的部分均已保存，重新运行同一命令即可继续。")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress_bar(description: str) -> Iterator[Callable[[int, int], None]]:
    """A rich progress bar fed by the library's ``progress(done, total)`` callback."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console.get() if isinstance(err_console, _LazyConsole) else err_console,
        transient=True,
        disable=not err_console.is_terminal,
    ) as bar:
        task = bar.add_task(description, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


def read_password(given: str | None, confirm: bool = True) -> str:
    if given:
        return given
    return str(click.prompt("密码（至少 8 位）", hide_input=True, confirmation_prompt=confirm))
