"""Every error yujing raises on purpose.

The CLI catches :class:`YujingError` and prints its message (in Chinese, naming the file, row,
key or student concerned and what to do); anything else is a bug and keeps its traceback.
Third-party errors (openpyxl, sqlite3, tomllib, jinja2, zxing) are wrapped where they are met,
with ``raise … from exc``, so the cause is kept for debugging.

Tree::

    YujingError
    ├── WorkspaceError            工作区: missing, already there, config unreadable
    │   ├── SecretMissingError    the signing key secret.key is gone (restore it, never remake)
    │   └── BusyError             another command holds the workspace's writer lock too long
    ├── InputError                输入文件
    │   ├── InvalidValueError     one value (学期, 成绩, 考试性质, 日期, 联别代码) that cannot be read
    │   ├── UnreadableFileError   file missing, not a table, undecodable text, broken xlsx
    │   ├── MissingColumnsError   required headers absent
    │   └── BadRowsError          rows that cannot be read (carries every BadRow)
    ├── PackError                 institution pack (院校包) missing or invalid
    │   ├── PolicyError           policy file invalid (names the key)
    │   └── FormsError            forms catalogue or template invalid (names the key)
    ├── AssessmentError           data cannot be assessed (e.g. no 培养方案 for a major)
    ├── ListStateError            warning list in the wrong state (frozen, absent, …)
    ├── OutputError               a file cannot be written (disk full, no permission)
    ├── RegistryError             the SQLite registry failed
    │   └── RegistryTooNewError   made by a newer yujing (schema version above this program's)
    ├── AccountError              web console account (LoginThrottledError: too many failures)
    ├── AccessDeniedError         not this account's student / file / page
    └── TokenError                a student's check link unknown, forged or expired
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class YujingError(Exception):
    """Base of every error raised on purpose; ``str()`` is the user-facing message.

    ``field`` names the input the message concerns (``"level"``, ``"reason"`` …): the console
    marks that field of its form, the CLI names its own option for it. ``cli`` is what only a
    terminal user needs (a command to run, an option to add), appended by ``str()`` and left
    out by :meth:`for_people`, which is what the console shows."""

    field: str = ""
    cli: str = ""

    def __init__(self, *args: object, field: str = "", cli: str = "") -> None:
        super().__init__(*args)
        if field:
            self.field = field
        if cli:
            self.cli = cli

    def __str__(self) -> str:
        return self.for_people() + self.cli

    def for_people(self) -> str:
        """The message in the domain's words, without command-line hints (the console's)."""
        return super().__str__()


class WorkspaceError(YujingError):
    """The workspace (工作区) is missing, exists already, or its config is unreadable."""


class SecretMissingError(WorkspaceError):
    """The workspace's signing key (``secret.key``) is missing; it must be restored from a
    backup, never made anew (every code already printed would fail its check)."""


class BusyError(WorkspaceError):
    """Another command is changing the workspace and did not finish in time."""


class InputError(YujingError):
    """An input file (成绩、名单、培养方案…) cannot be used."""


class InvalidValueError(InputError):
    """One value cannot be read (学期「2024/2025」, 成绩「A+」, 考试性质「期中」, a date); the
    message says what form it should take. Callers add the file, row and column."""


class UnreadableFileError(InputError):
    """The file is missing, is not .csv/.xlsx, or its bytes cannot be decoded."""


class MissingColumnsError(InputError):
    """Required headers are absent. ``columns`` are the file's headers and ``missing`` the
    template's column names not found, so a form can offer the mapping (列映射)."""

    def __init__(
        self,
        message: str,
        *,
        columns: Sequence[str] = (),
        missing: Sequence[str] = (),
        cli: str = "",
    ) -> None:
        super().__init__(message, field="map", cli=cli)
        self.columns = tuple(columns)
        self.missing = tuple(missing)


@dataclass(frozen=True)
class BadRow:
    """One input row that cannot be read: where it is, what is wrong, what to do."""

    file: str
    row: int
    column: str
    value: str
    reason: str

    def __str__(self) -> str:
        col = f"，列「{self.column}」" if self.column else ""
        val = f"，值「{self.value}」" if self.value != "" else ""
        return f"{self.file} 第 {self.row} 行{col}{val}：{self.reason}"


class BadRowsError(InputError):
    """Rows that cannot be read; nothing was imported."""

    def __init__(self, file: str, bad_rows: Sequence[BadRow], *, total_rows: int) -> None:
        self.file = file
        self.bad_rows = tuple(bad_rows)
        self.total_rows = total_rows
        shown = "\n".join(f"  {b}" for b in self.bad_rows[:20])
        more = len(self.bad_rows) - 20
        tail = f"\n  … 另有 {more} 行有误" if more > 0 else ""
        super().__init__(
            f"{file}：{len(self.bad_rows)} 行无法读取（共 {total_rows} 行），未导入任何数据。\n"
            f"{shown}{tail}\n"
            "请在原文件中改正这些行后重新导入，或选择跳过它们只导入其余各行。",
            field="skip_bad_rows",
            cli="（命令行：加 --skip-bad-rows 跳过它们只导入其余各行。）",
        )


class PackError(YujingError):
    """An institution pack (院校包: policy, forms, templates) is missing or invalid."""


class PolicyError(PackError):
    """A policy file (预警规则) is invalid; the message names the key."""


class FormsError(PackError):
    """A forms catalogue (表单目录) or one of its templates is invalid; names file and key."""


class AssessmentError(YujingError):
    """The data cannot be assessed under the policy (e.g. no 培养方案 rows for a major)."""


class ListStateError(YujingError):
    """The warning list (预警名单) is not in the state the command needs."""


class OutputError(YujingError):
    """An output file cannot be written."""


class RegistryError(YujingError):
    """The SQLite registry (登记库) failed."""


class RegistryTooNewError(RegistryError):
    """The registry's schema version (登记库版本) is newer than this program knows: it was
    upgraded by a newer yujing, and an older one must not write to it."""


class AccountError(YujingError):
    """An account of the web console (账号) cannot be added, changed or signed in."""


class RosterMismatchError(AccountError):
    """An adviser's account names a roster name or class that matches nobody in the roster
    (账号与学生名单不符); the CLI keeps it only when told to (``--allow-unknown``)."""


class LoginThrottledError(AccountError):
    """Too many failed sign-ins for an account or from an address: wait before trying again."""


class AccessDeniedError(YujingError):
    """The account may not see or change this (another counsellor's student, a file of it)."""


class TokenError(YujingError):
    """A student's check link (核查链接) is unknown, forged, or no longer valid."""


class JobStoppedError(YujingError):
    """A background job was stopped between pages: cancelled by its owner or the secretary,
    or past its time limit (任务已停止)."""


class ArchiveStateError(YujingError):
    """The term's archive (归档) is not in the state the command needs: closed after its
    handover (移交后封闭), or not yet archived."""
