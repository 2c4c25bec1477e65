"""Warning policies (预警规则) as data: one TOML file per institution.

A policy names its levels, most severe first, each with the criteria (any of which puts a
student at that level), and optional history rules (a 解除 rule that keeps a level until
released). Each institution pack (:mod:`yujing.institutions`) has one as ``policy.toml``; a
school copies a pack, changes a threshold, and starts a workspace from the copy. :func:`load_policy` validates every key and raises
:class:`~yujing.errors.PolicyError` naming the key that is wrong.

Criterion syntax (``levels[i].criteria`` is a list of inline tables)::

    { metric = "term_failed_credit_percent", op = ">=", value = 25 }
    { metric = "remarks_in_term", remarks = ["旷考"] }          # op/value default: >= 1
    { metric = "flags_in_term", flags = ["纪律处分"] }
    { metric = "imported_level" }                               # level from the 教务 list

Chinese thresholds: 达到/以上/及以上 → ``>=``; 不足/低于/少于 → ``<``.
"""

from __future__ import annotations

import operator
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from yujing.errors import PolicyError
from yujing.model import FLAG_NAMES, KNOWN_REMARKS, RECORD_KINDS
from yujing.policies.metrics import METRIC_SPECS

OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
}
INPUTS = ("plan", "flags", "levels")


@dataclass(frozen=True)
class Criterion:
    """One condition of a level (预警标准之一): a value only; the engine evaluates it
    (:func:`yujing.engine.assess.holds`)."""

    metric: str
    op: str = ">="
    value: Decimal = Decimal(1)
    params: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Level:
    """A warning level (预警等级); ``name`` is the exact string lists and forms print."""

    name: str
    criteria: tuple[Criterion, ...]
    color: str = ""
    description: str = ""


@dataclass(frozen=True)
class History:
    """Carry-over (警示期): a student warned earlier who meets no condition now keeps the
    earlier level while every ``keep_while`` criterion holds, and is released (解除) after."""

    keep_while: tuple[Criterion, ...]


DUE_FROM = ("list", "issue")


@dataclass(frozen=True)
class Requirement:
    """A document each warned student's folder must hold (档案要求), and by when.

    Satisfied by scanned returns of the form parts ``parts`` (QR part codes) and/or by outside
    documents and typed records of ``kinds`` (``yujing attach`` / ``yujing record``), of
    ``who`` when given; ``count`` of them, or ``per_month`` for every month since the list
    was fixed. ``due_days`` after ``due_from`` (the list's freeze date, or the day the notice
    was issued) the step is overdue; before that a missing document is not a finding.
    """

    id: str
    title: str
    levels: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    who: str = ""
    count: int = 1
    per_month: int = 0
    signed: bool = False
    due_days: int | None = None
    due_from: str = "list"
    source: str = ""
    scope: str = "student"
    """``student``: in each warned student's folder; ``college``: in the college folder
    (``archive/_学院/<学期>/``), once per college with warned students (xinglin's 清单,
    beihai's 汇总表, lanzhou's 名单汇总表)."""

    def applies_to(self, level: str) -> bool:
        return not self.levels or level in self.levels


APPROVERS = ("college", "university")
"""Who approves a draft list (policy.approved_by): the college's reviewer, or the 教务处."""


@dataclass(frozen=True)
class Policy:
    """A school's warning rules."""

    name: str
    school: str
    title: str
    source: str
    levels: tuple[Level, ...]
    requires: frozenset[str]
    history: History | None
    path: Path | None = None
    requirements: tuple[Requirement, ...] = ()
    """What each warned student's folder must hold (档案材料), with deadlines."""
    rules: str = ""
    """The title of the school's rules document (预警办法名称), printed on the forms."""
    freeze_needs_approval: bool = False
    """Whether the list is frozen only after the reviewer (教学副院长) approved it (审核)."""
    approved_by: str = "college"
    """Who approves the draft list (审核): ``college`` (the college's reviewer) or
    ``university`` (the 教务处, where the college's list is 报送教务处审核 — beihai)."""

    @property
    def level_names(self) -> tuple[str, ...]:
        return tuple(level.name for level in self.levels)

    def severity(self, level_name: str) -> int:
        """Higher is more severe; unknown names rank below every level."""
        names = self.level_names
        return len(names) - names.index(level_name) if level_name in names else 0

    def level(self, name: str) -> Level:
        for level in self.levels:
            if level.name == name:
                return level
        raise PolicyError(
            f"规则「{self.name}」没有等级「{name}」；可用等级：{'、'.join(self.level_names)}"
        )

    def uses(self, metric: str) -> bool:
        return any(c.metric == metric for level in self.levels for c in level.criteria)


def load_policy(path: str | Path) -> Policy:
    """Load a policy file (``policy.toml``) by path; a pack by name or folder is loaded with
    :func:`yujing.institutions.load_pack_policy`."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"规则文件 {path} 不是有效的 TOML：{exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PolicyError(f"无法读取规则文件 {path}：{exc}") from exc
    return parse_policy(data, path)


def parse_policy(data: Mapping[str, Any], path: Path | None = None) -> Policy:
    """Validate the parsed TOML of a policy file."""
    where = f"规则文件 {path}" if path else "规则"
    _check_keys(data, {"policy", "levels", "history", "requirements"}, "", where)
    head = _table(data, "policy", where)
    _check_keys(
        head,
        {
            "name",
            "school",
            "title",
            "rules",
            "source",
            "requires",
            "freeze_needs_approval",
            "approved_by",
        },
        "policy.",
        where,
    )
    approved_by = head.get("approved_by", "college")
    if approved_by not in APPROVERS:
        raise PolicyError(f"{where}：键 policy.approved_by 应为 {' 或 '.join(APPROVERS)}")
    approval = head.get("freeze_needs_approval", False)
    if not isinstance(approval, bool):
        raise PolicyError(f"{where}：键 policy.freeze_needs_approval 应为 true 或 false")
    name = _text(head, "name", "policy.", where)
    requires = head.get("requires", [])
    if not isinstance(requires, list) or any(r not in INPUTS for r in requires):
        raise PolicyError(f"{where}：键 policy.requires 应为列表，元素取自 {', '.join(INPUTS)}")
    raw_levels = data.get("levels")
    if not isinstance(raw_levels, list) or not raw_levels:
        raise PolicyError(f"{where}：缺少 [[levels]]（至少一个预警等级，最严重的在前）")
    levels = tuple(_parse_level(raw, i, where) for i, raw in enumerate(raw_levels))
    names = [lv.name for lv in levels]
    for n in names:
        if names.count(n) > 1:
            raise PolicyError(f"{where}：等级名称「{n}」重复（键 levels[].name）")
    history = None
    if "history" in data:
        raw_history = _table(data, "history", where)
        _check_keys(raw_history, {"keep_while"}, "history.", where)
        keep = raw_history.get("keep_while")
        if not isinstance(keep, list) or not keep:
            raise PolicyError(f"{where}：键 history.keep_while 应为非空的条件列表")
        history = History(
            tuple(
                _parse_criterion(c, f"history.keep_while[{j}]", where) for j, c in enumerate(keep)
            )
        )
    return Policy(
        name=name,
        school=_text(head, "school", "policy.", where),
        title=str(head.get("title", "学业预警")),
        source=str(head.get("source", "")),
        levels=levels,
        requires=frozenset(requires),
        history=history,
        path=path,
        requirements=_parse_requirements(data.get("requirements", []), levels, where),
        rules=str(head.get("rules", "")),
        freeze_needs_approval=approval,
        approved_by=approved_by,
    )


def _parse_requirements(
    raw: object, levels: tuple[Level, ...], where: str
) -> tuple[Requirement, ...]:
    if not isinstance(raw, list):
        raise PolicyError(f"{where}：键 requirements 应为 [[requirements]] 表的列表")
    names = {lv.name for lv in levels}
    out: list[Requirement] = []
    for i, item in enumerate(raw):
        key = f"requirements[{i}]"
        if not isinstance(item, dict):
            raise PolicyError(f"{where}：键 {key} 应为表")
        allowed = {
            "id",
            "title",
            "levels",
            "parts",
            "kinds",
            "who",
            "count",
            "per_month",
            "signed",
            "due_days",
            "due_from",
            "source",
            "scope",
        }
        _check_keys(item, allowed, f"{key}.", where)
        scope = item.get("scope", "student")
        if scope not in ("student", "college"):
            raise PolicyError(
                f"{where}：键 {key}.scope 应为 student（学生档案）或 college（学院档案）"
            )
        rid, title = _text(item, "id", f"{key}.", where), _text(item, "title", f"{key}.", where)
        lists: dict[str, tuple[str, ...]] = {}
        for name in ("levels", "parts", "kinds"):
            value = item.get(name, [])
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise PolicyError(f"{where}：键 {key}.{name} 应为文字列表")
            lists[name] = tuple(value)
        for lv in lists["levels"]:
            if lv not in names:
                raise PolicyError(f"{where}：键 {key}.levels 中的「{lv}」不是本规则的等级")
        for kind in lists["kinds"]:
            if kind not in RECORD_KINDS:
                raise PolicyError(
                    f"{where}：键 {key}.kinds 中的「{kind}」无效；应取自 {', '.join(RECORD_KINDS)}"
                )
        if not lists["parts"] and not lists["kinds"]:
            raise PolicyError(f"{where}：{key} 需要 parts 或 kinds（什么材料满足该要求）")
        numbers: dict[str, int | None] = {}
        for name, default in (("count", 1), ("per_month", 0), ("due_days", None)):
            value = item.get(name, default)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < 0
            ):
                raise PolicyError(f"{where}：键 {key}.{name} 应为不小于 0 的整数")
            numbers[name] = value
        due_from = item.get("due_from", "list")
        if due_from not in DUE_FROM:
            raise PolicyError(
                f"{where}：键 {key}.due_from 应为 list（名单冻结日）或 issue（发放日）"
            )
        if any(r.id == rid for r in out):
            raise PolicyError(f"{where}：键 {key}.id「{rid}」重复")
        out.append(
            Requirement(
                id=rid,
                title=title,
                levels=lists["levels"],
                parts=lists["parts"],
                kinds=lists["kinds"],
                who=str(item.get("who", "")),
                count=int(numbers["count"] or 0),
                per_month=int(numbers["per_month"] or 0),
                signed=bool(item.get("signed", False)),
                due_days=numbers["due_days"],
                due_from=due_from,
                source=str(item.get("source", "")),
                scope=scope,
            )
        )
    return tuple(out)


def _parse_level(raw: object, i: int, where: str) -> Level:
    key = f"levels[{i}]"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}：键 {key} 应为表（[[levels]]）")
    _check_keys(raw, {"name", "color", "description", "criteria"}, f"{key}.", where)
    name = _text(raw, "name", f"{key}.", where)
    crits = raw.get("criteria")
    if not isinstance(crits, list) or not crits:
        raise PolicyError(f"{where}：键 {key}.criteria 应为非空的条件列表（等级「{name}」）")
    return Level(
        name=name,
        criteria=tuple(
            _parse_criterion(c, f"{key}.criteria[{j}]", where) for j, c in enumerate(crits)
        ),
        color=str(raw.get("color", "")),
        description=str(raw.get("description", "")),
    )


def _parse_criterion(raw: object, key: str, where: str) -> Criterion:
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}：键 {key} 应为 {{ metric = …, op = …, value = … }}")
    _check_keys(raw, {"metric", "op", "value", "remarks", "flags"}, f"{key}.", where)
    metric_name = raw.get("metric")
    if metric_name not in METRIC_SPECS:
        raise PolicyError(
            f"{where}：键 {key}.metric 的值「{metric_name}」不是已知指标；"
            f"可用指标：{', '.join(METRIC_SPECS)}"
        )
    metric = METRIC_SPECS[metric_name]
    op = raw.get("op", ">=")
    if op not in OPERATORS:
        raise PolicyError(f"{where}：键 {key}.op 的值「{op}」无效；应为 {' '.join(OPERATORS)}")
    value_raw = raw.get("value", 1)
    if isinstance(value_raw, bool) or not isinstance(value_raw, int | float | str):
        raise PolicyError(f"{where}：键 {key}.value 应为数字")
    try:
        value = Decimal(str(value_raw))
    except InvalidOperation:
        raise PolicyError(f"{where}：键 {key}.value 的值「{value_raw}」不是数字") from None
    if not value.is_finite():
        raise PolicyError(f"{where}：键 {key}.value 的值「{value_raw}」不是数字")
    params: frozenset[str] = frozenset()
    allowed = {"remarks": KNOWN_REMARKS, "flags": frozenset(FLAG_NAMES)}
    for pkey, choices in allowed.items():
        if pkey in raw:
            if metric.params != pkey:
                raise PolicyError(f"{where}：键 {key}.{pkey} 不适用于指标 {metric_name}")
            vals = raw[pkey]
            if not isinstance(vals, list) or not vals or any(v not in choices for v in vals):
                raise PolicyError(
                    f"{where}：键 {key}.{pkey} 应为非空列表，元素取自 {'、'.join(sorted(choices))}"
                )
            params = frozenset(vals)
    if metric.params and not params:
        raise PolicyError(f"{where}：指标 {metric_name} 需要键 {key}.{metric.params}")
    return Criterion(metric=metric_name, op=op, value=value, params=params)


def _check_keys(table: Mapping[str, Any], allowed: set[str], prefix: str, where: str) -> None:
    for k in table:
        if k not in allowed:
            raise PolicyError(
                f"{where}：未知的键 {prefix}{k}；此处可用的键：{', '.join(sorted(allowed))}"
            )


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise PolicyError(f"{where}：缺少表 [{key}]")
    return value


def _text(table: Mapping[str, Any], key: str, prefix: str, where: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PolicyError(f"{where}：键 {prefix}{key} 应为非空文字")
    return value
