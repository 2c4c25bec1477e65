"""Checkpoints for the fault-injection tests (故障注入): with ``YUJING_FAULT_AT=N`` in the
environment the process kills itself (``os._exit(137)``, as ``kill -9`` would) at the Nth
checkpoint it passes; with ``YUJING_FAULT_LOG=FILE`` it appends each checkpoint's number and
name to FILE. Without either variable a checkpoint costs one dictionary lookup.

Checkpoints sit where a crash matters: before and after every registry commit, before and
after every file is renamed into place, between chunks of a bulk import.
"""

from __future__ import annotations

import os

_passed = 0


def checkpoint(name: str) -> None:
    """Count a checkpoint; die here when it is the one ``YUJING_FAULT_AT`` names."""
    at = os.environ.get("YUJING_FAULT_AT")
    log = os.environ.get("YUJING_FAULT_LOG")
    if not at and not log:
        return
    global _passed
    _passed += 1
    if log:
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(f"{_passed} {name}\n")
    if at and int(at) == _passed:
        os._exit(137)
