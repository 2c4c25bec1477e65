"""The console's routes as registered (路由表): each view module declares its pages with
:func:`route`; :func:`yujing.web.app.create_app` imports the view modules and builds the app
from :data:`ROUTES`. Small helpers every view module uses (a file download, a number typed in a
form) live here too, so the view modules need not import each other."""

from __future__ import annotations

import mimetypes
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from starlette.responses import FileResponse, Response

from yujing.errors import InputError
from yujing.web.context import Handler
from yujing.web.permissions import ACTIONS

ROUTES: list[tuple[str, str, Handler, tuple[str, ...]]] = []


def route(
    path: str, name: str, methods: tuple[str, ...] = ("GET",), *, action: str = ""
) -> Callable[[Handler], Handler]:
    """Register a route; its ``action`` (the key of its rule in :data:`yujing.roles.RULES`)
    is its name unless declared."""

    def register(fn: Handler) -> Handler:
        ROUTES.append((path, name, fn, methods))
        if action:
            ACTIONS[name] = action
        return fn

    return register


def download(path: Path, name: str | None = None, inline: bool = False) -> Response:
    if not path.is_file():
        raise InputError("文件不存在（可能尚未生成）。")
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    shown = name or path.name
    disposition = "inline" if inline else "attachment"
    return FileResponse(
        path,
        media_type=kind,
        headers={"content-disposition": f"{disposition}; filename*=UTF-8''{quote(shown)}"},
    )


def whole_number(text: str, what: str) -> int:
    if not (text.isascii() and text.isdigit()):  # not ², ⑤ (str.isdigit's, int() refuses)
        raise InputError(f"{what}应为数字，而不是「{text}」。")
    return int(text)
