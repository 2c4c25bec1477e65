"""The verdicts of the signature check (签字检查的结论), as words: a module of their own so that
naming a verdict (the front door, the CLI, the console) does not load OpenCV and numpy, which
the check itself (:mod:`yujing.archive.signature`) needs."""

from __future__ import annotations

SIGNED, UNSIGNED, PARTIAL, UNKNOWN = "signed", "unsigned", "partial", "unknown"
VERDICT_TEXT = {SIGNED: "已签字", UNSIGNED: "未签字", PARTIAL: "部分签字", UNKNOWN: "无法判断"}
