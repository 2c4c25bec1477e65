"""What a stage of the pipeline reads of the workspace (工作区视图).

The front door (:class:`yujing.workspace.Workspace`) hands each stage — issue, scan intake,
the archive's folders and records, the audit, the term reports, accounts and access — itself,
but a stage sees it only as a :class:`WorkspaceView`: the folders, the registry, the
institution pack's policy and forms, the names the workspace prints, and the saved list of a
term. A stage cannot reach back into the front door's other methods, so what it depends on is
written here, and the stages sit below the workspace in the import graph.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from yujing.forms import FormSpec
    from yujing.model import Term
    from yujing.policies import Policy
    from yujing.registry import Registry, SavedList


class WorkspaceView(Protocol):
    """The workspace as a pipeline stage sees it (see the module docstring)."""

    @property
    def root(self) -> Path:
        """The workspace folder."""

    @property
    def archive_dir(self) -> Path:
        """一生一档: the students' folders (and the college's ``_学院``)."""

    @property
    def registry(self) -> Registry:
        """The workspace's registry (登记库), the only place that speaks SQL."""

    @property
    def policy(self) -> Policy:
        """The pack's rules (预警办法) as the workspace copied them."""

    @property
    def forms(self) -> tuple[FormSpec, ...]:
        """The pack's annexed forms (附件表单)."""

    @property
    def school(self) -> str:
        """学校/学院名称 printed on every form (``--school``)."""

    @property
    def rules_title(self) -> str:
        """预警办法名称 printed on the forms (``--rules``)."""

    @property
    def rules_basis(self) -> str:
        """依据 cited by the list and the reports."""

    @property
    def school_address(self) -> str:
        """学院通讯地址 for returns; may be ""."""

    @property
    def school_phone(self) -> str:
        """学院联系电话; may be ""."""

    def saved(self, term: Term) -> SavedList:
        """The saved list (名单) of ``term``; ListStateError when there is none."""
