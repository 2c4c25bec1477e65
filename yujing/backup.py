"""Backups (备份) of a workspace: ``yujing backup DIR`` and ``yujing restore BACKUP WORKSPACE``.

A backup is a folder holding a consistent copy of everything the workspace needs: the
registry copied with SQLite's online backup API (a snapshot, even while readers work), the
signing key ``secret.key`` (unless the key is kept outside the workspace, ``[secret] path``:
then the backup names it and leaves it where it is), the seal checkpoint ``registry.seal``,
the config, the institution pack, and the folders of files
(``archive/``, ``lists/``, ``batches/``, ``review/``, ``reports/``). It is taken holding the
writer lock, so no command changes the workspace while it is copied. ``yujing-backup.json``
lists every file with its SHA-256; :func:`restore` checks them before anything is put in
place, so a damaged backup is refused rather than restored half.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from yujing.errors import OutputError, WorkspaceError
from yujing.files import sha256_file
from yujing.locking import LOCK_NAME, writer_lock
from yujing.qr import SECRET_NAME, secret_path
from yujing.registry import now
from yujing.registry.sealfile import CHECKPOINT_NAME
from yujing.registry.snapshot import copy_registry

if TYPE_CHECKING:
    from yujing.stage import WorkspaceView

MANIFEST = "yujing-backup.json"
REGISTRY_NAME = "registry.sqlite"
_SKIP = {
    LOCK_NAME,
    REGISTRY_NAME,
    f"{REGISTRY_NAME}-wal",
    f"{REGISTRY_NAME}-shm",
    f"{CHECKPOINT_NAME}.lock",
    MANIFEST,
}


def backup(ws: WorkspaceView, target: Path) -> Path:
    """Copy the workspace into the new folder ``target``; returns ``target``."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise OutputError(f"备份目录 {target} 已存在且不是空的；请指定一个新目录。")
    if target.resolve().is_relative_to(ws.root):
        raise OutputError(f"备份目录 {target} 不能在工作区 {ws.root} 之内。")
    key = secret_path(ws.root)
    if not key.exists():
        raise WorkspaceError(f"工作区缺少签名密钥 {key}，这样的备份无法恢复二维码核验。")
    key_outside = not key.resolve().is_relative_to(ws.root)
    with writer_lock(ws.root):
        try:
            target.mkdir(parents=True, exist_ok=True)
            copy_registry(ws.root / REGISTRY_NAME, target / REGISTRY_NAME)
            for entry in sorted(ws.root.iterdir()):
                if entry.name in _SKIP or entry.name.startswith(".secret."):
                    continue
                if entry.is_dir():
                    shutil.copytree(entry, target / entry.name, symlinks=False)
                else:
                    shutil.copy2(entry, target / entry.name)
            files = _listing(target)
            (target / MANIFEST).write_text(
                json.dumps(
                    {
                        "made": now(),
                        "workspace": str(ws.root),
                        "files": files,
                        # a key kept outside the folder stays outside its backups too
                        "secret_outside": str(key) if key_outside else "",
                    },
                    ensure_ascii=False,
                    indent=1,
                ),
                encoding="utf-8",
            )
        except OSError as exc:
            raise OutputError(f"无法写入备份 {target}：{exc.strerror}（{exc.filename}）") from exc
        ws.registry.log("backup", f"备份到 {target.resolve()}（{len(files)} 个文件）")
    return target


def restore(source: Path, target: Path, config_name: str) -> Path:
    """Restore the backup at ``source`` as the workspace folder ``target`` (a new or empty
    folder); every file is checked against the backup's listing first, and the backup must
    hold the key and the workspace config ``config_name``. Returns ``target``."""
    source, target = Path(source), Path(target)
    listing = source / MANIFEST
    if not listing.is_file():
        raise WorkspaceError(f"{source} 不是 yujing 备份（没有 {MANIFEST}）。")
    if target.exists() and any(target.iterdir()):
        raise WorkspaceError(
            f"{target} 已存在且不是空的。请恢复到一个新目录，核对后再替换原工作区；"
            f"若只是丢失了 {SECRET_NAME}，把备份中的 {SECRET_NAME} 复制回原工作区即可。"
        )
    try:
        files = json.loads(listing.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError) as exc:
        raise WorkspaceError(f"备份清单 {listing} 无法读取。") from exc
    bad = [rel for rel, digest in files.items() if _digest(source / rel) != digest]
    outside = str(json.loads(listing.read_text(encoding="utf-8")).get("secret_outside") or "")
    has_key = bool(outside) or (source / SECRET_NAME).is_file()
    if bad or not has_key or not (source / config_name).is_file():
        shown = "、".join(bad[:5]) or f"{SECRET_NAME} 或 {config_name}"
        raise WorkspaceError(f"备份 {source} 不完整或已被改动（{shown}），未恢复任何内容。")
    staging = target.with_name(f".{target.name}.restoring")
    try:
        if staging.exists():
            shutil.rmtree(staging)
        shutil.copytree(source, staging, ignore=shutil.ignore_patterns(MANIFEST))
        if (staging / SECRET_NAME).exists():
            os.chmod(staging / SECRET_NAME, 0o600)
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError(f"无法恢复到 {target}：{exc.strerror}") from exc
    return target


def _listing(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): sha256_file(p)
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


def _digest(path: Path) -> str:
    try:
        return sha256_file(path)
    except OSError:
        return ""


def backups_folder(ws: WorkspaceView) -> Path:
    """Where the console keeps the backups it made for download (备份下载): beside the
    workspace, never inside it (a backup inside would be copied into the next one)."""
    return ws.root.parent / f"{ws.root.name}-备份"


def backup_zip(ws: WorkspaceView, folder: Path | None = None) -> Path:
    """A backup as one .zip file (for a download) in ``folder`` (default
    :func:`backups_folder`): the backup folder is made beside it, zipped, then removed."""
    import tempfile
    import zipfile

    out_dir = Path(folder) if folder is not None else backups_folder(ws)
    stamp = now().replace(":", "").replace("-", "").replace("T", "-")
    out = out_dir / f"{ws.root.name} 备份 {stamp}.zip"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=out_dir, prefix=".backup-") as tmp:
            made = backup(ws, Path(tmp) / "backup")
            partial = out.with_name(f".{out.name}.part")
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(made.rglob("*")):
                    if path.is_file():
                        archive.write(path, path.relative_to(made).as_posix())
            os.replace(partial, out)
    except OSError as exc:
        raise OutputError(f"无法写入备份 {out}：{exc.strerror}（{exc.filename}）") from exc
    return out
