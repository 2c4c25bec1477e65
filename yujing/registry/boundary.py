"""The registry's one error boundary (登记库出错): sqlite3 errors become
:class:`~yujing.errors.RegistryError` with a Chinese sentence, SQLite's English text kept in
the exception's cause.

:func:`translate_sqlite_errors` is applied explicitly, as a class decorator, to
:class:`~yujing.registry.Registry`: it wraps every public method and property the class
defines (a method added later is covered without being named), and the registry's own
``__init__`` and ``transaction`` translate their errors themselves with the workspace's path.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from yujing.errors import RegistryError

T = TypeVar("T", bound=type)

_UNWRAPPED = frozenset({"transaction", "close"})
"""Public members that manage errors themselves (``transaction`` is a context manager whose
errors name the failed write; ``close`` never fails in a way a user can act on)."""


def sqlite_message(exc: sqlite3.Error) -> str:
    """SQLite's error as a Chinese sentence (the English text never reaches the user)."""
    text = str(exc).lower()
    for needle, message in (
        ("locked", "登记库正被另一个程序占用，请稍后再试"),
        ("busy", "登记库正被另一个程序占用，请稍后再试"),
        ("not a database", "登记库文件已损坏或不是 yujing 的登记库"),
        ("malformed", "登记库文件已损坏"),
        ("encrypted", "登记库文件已损坏或不是 yujing 的登记库"),
        ("disk is full", "磁盘已满"),
        ("full", "磁盘已满"),
        ("readonly", "没有写入登记库的权限（只读）"),
        ("read-only", "没有写入登记库的权限（只读）"),
        ("unable to open", "无法打开登记库文件（文件夹不存在或没有权限）"),
        ("disk i/o", "读写磁盘出错"),
        ("no such table", "登记库缺少数据表（可能被手工改动）"),
        ("no such column", "登记库缺少数据列（可能被手工改动）"),
        ("unique constraint", "登记库中已有相同的记录"),
        ("constraint", "登记库的约束不允许这项改动"),
        ("interrupt", "操作被中断"),
    ):
        if needle in text:
            return message
    return "登记库出错"


@contextmanager
def registry_errors(path: object) -> Iterator[None]:
    """``with registry_errors(path):`` — a sqlite3 error inside becomes a RegistryError that
    names the registry file."""
    try:
        yield
    except sqlite3.Error as exc:
        raise RegistryError(f"{sqlite_message(exc)}（{path}）。") from exc


def _wrap(method: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        with registry_errors(getattr(self, "path", "登记库")):
            return method(self, *args, **kwargs)

    return wrapper


def translate_sqlite_errors(cls: T) -> T:
    """Class decorator: every public method and property of ``cls`` (its own, not
    inherited) translates sqlite3 errors through :func:`registry_errors`."""
    for name, member in list(vars(cls).items()):
        if name.startswith("_") or name in _UNWRAPPED:
            continue
        if isinstance(member, property):
            setattr(
                cls,
                name,
                property(
                    _wrap(member.fget) if member.fget else None,
                    member.fset,
                    member.fdel,
                    member.__doc__,
                ),
            )
        elif isinstance(member, (staticmethod, classmethod)):
            continue
        elif callable(member):
            setattr(cls, name, _wrap(member))
    return cls
