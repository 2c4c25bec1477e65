"""Who may call which route of the console (权限表): the console's view of the one rule in
:mod:`yujing.roles`.

A route declares its action on the route (``@route(path, name, action=…)``; by default the
action is the route's name) and every action has a rule in :data:`yujing.roles.RULES`;
:func:`yujing.web.app.create_app` refuses to start when a route's action has none, and
``tests/test_web_permissions.py`` calls every route as every role. Per-student and per-job
checks (an adviser's own students, one's own jobs) go through the same
:func:`yujing.roles.allowed` with a resource, in the library
(:meth:`yujing.workspace.Workspace.check_student`) and in the routes that name one.
"""

from __future__ import annotations

from yujing.workspace import PUBLIC, RULES, Role, allowed

__all__ = ["ACTIONS", "PUBLIC", "RULES", "Role", "action_of", "allowed"]

ACTIONS: dict[str, str] = {}
"""Route name → its action, where a route declares one other than its name."""


def action_of(route: str) -> str:
    """The action a route takes (its rule's key in :data:`RULES`)."""
    return ACTIONS.get(route, route)
