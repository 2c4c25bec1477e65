"""Benchmark: the web console over 3,000 warned students with their folders.

1. The counsellor's start page (/my) and the secretary's list page (/list): median of 50
   requests each to one real uvicorn process on 127.0.0.1, printed beside the same data read
   through the library call the CLI makes (Workspace.due_for / Workspace.report). Target:
   each page under 200 ms.
2. 20 concurrent sessions (counsellors) browse, record interviews and upload photos for
   ``--seconds`` (60 by default; loopback only, bounded in time and count). Afterwards every
   accepted record and upload must be in the registry and on disk (the upload's scan job done,
   its file hashed the same), the registry passes ``pragma integrity_check`` and the archive
   manifest's hashes match the files.

The archive is fabricated (registry rows and files), as in bench_audit.py.
Run: ``.venv/bin/python bench/bench_console.py [--students 3000] [--seconds 60]``.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import httpx
from fabricated import seal_as_upgrade
from PIL import Image

from yujing.archive import student_folder
from yujing.model import Term
from yujing.registry import now
from yujing.workspace import Workspace

TERM = Term.parse("2024-2025-1")
LEVELS = ("红色预警", "橙色预警", "黄色预警")
COUNSELLORS = 10
PASSWORD = "bench-password"


def fabricate(ws: Workspace, students: int) -> None:
    conn = ws.registry.db.conn
    t = str(TERM)
    day = (date.today() - timedelta(days=10)).isoformat()
    conn.execute(
        "insert into lists (term, policy, status, assessed_count, created_at, updated_at, "
        "frozen_at) values (?, 'anshan', 'frozen', ?, ?, ?, ?)",
        [t, students, day, day, day],
    )
    roster, entries, serials, scans, facts = [], [], [], [], []
    payload = os.urandom(24 * 1024)
    for i in range(students):
        sid = f"2022{i:06d}"
        name = f"学生{i}"
        cls = f"机械{22 + i % 3}{i % 40:02d}"
        counsellor = f"辅导员{(i % 40) % COUNSELLORS}"
        roster.append((sid, sid, name, "男", "机械工程学院", "机械", "2022", cls, "", "", "", "",
                       counsellor, f"班主任{i % 40}"))
        level = LEVELS[i % 3]
        entries.append((t, sid, i + 1, name, "", "机械工程学院", "机械", "2022", cls, level,
                        f"本学期未通过 {5 + i % 7}/22 学分；累计未通过 {8 + i % 9} 学分：高等数学A(5)、大学英语(2.5)",
                        "新增" if i % 4 else "升级", "", "", "", "{}"))
        serials.append((i + 1, t, sid, "b", "active", now()))
        folder = student_folder(ws.archive_dir, sid, name) / t
        folder.mkdir(parents=True)
        for part in ("N1", "T1") if i % 2 else ("N1",):
            path = folder / f"{i + 1:06d} {part}（回收 20241101）.pdf"
            body = b"%PDF-1.4\n" + payload[i % 1024:] + b"\n%%EOF\n"
            path.write_bytes(body)
            rel = str(path.relative_to(ws.root))
            scans.append((sid, t, i + 1, part, rel, day, hashlib.sha256(body).hexdigest()))
            st = path.stat()
            facts.append((rel, hashlib.sha256(body).hexdigest(), st.st_size, st.st_mtime_ns, day))
    conn.executemany(
        "insert into students (key, student_id, name, gender, college, major, grade, class_name, "
        "parent_name, parent_phone, address, postcode, counsellor, class_teacher) values "
        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", roster)
    conn.executemany("insert into list_entries (term, student_id, seq, name, gender, college, "
                     "major, grade, class_name, level, reason, change, previous_level, "
                     "carried_from, objection, figures) values "
                     "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", entries)
    conn.execute("update lists set status = 'draft', frozen_at = null")
    conn.executemany("insert into serials (serial, term, student_id, batch, status, created_at) "
                     "values (?,?,?,?,?,?)", serials)
    conn.executemany("insert into archive_files (student_id, term, serial, part, path, at, "
                     "sha256, kind, signed) values (?,?,?,?,?,?,?,'scan',1)", scans)
    conn.executemany("insert into file_facts (path, sha256, size, mtime_ns, at) values "
                     "(?,?,?,?,?)", facts)
    conn.commit()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def login(base: str, name: str) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=60)
    client.get("/login")
    resp = client.post("/login", data={"name": name, "password": PASSWORD,
                                       "csrf": client.cookies.get("yj_csrf")})
    assert resp.status_code == 303, resp.text[:300]
    page = client.get("/account/password").text
    csrf = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    return client, csrf


def median_ms(fn, n: int = 50) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


PAGES = {
    "secretary": (
        "/list", "/slips", "/objections", "/print", "/scans", "/review", "/signatures",
        "/transcripts", "/audit", "/reports", "/students", "/students/{sid}", "/events", "/jobs",
        "/users", "/imports", "/backup",
    ),
    "counsellor": ("/my", "/my/upload", "/students/{sid}"),
    "inspector": ("/audit", "/students", "/reports", "/events"),
}
"""Every page of the console by the role that opens it (a page a version lacks answers 404)."""


def sweep(ws: Workspace, clients: dict[str, httpx.Client], n: int) -> list[str]:
    """The server's median per page (``n`` requests each); the pages over 200 ms."""
    user = ws.registry.user("c0")
    own = sorted(ws.students_of(user))[0] if user else "2022000000"  # type: ignore[arg-type]
    print(f"\n{'page (median of ' + str(n) + ')':44}{'ms':>10}")
    slow = []
    for role, pages in PAGES.items():
        for page in pages:
            url = page.format(sid=own) + ("&" if "?" in page else "?") + f"term={TERM}"
            first = clients[role].get(url)
            if first.status_code == 404:
                print(f"{role + ' ' + page:44}{'—':>10}   (no such page)")
                continue
            assert first.status_code == 200, (url, first.status_code, first.text[:300])
            ms = median_ms(lambda: clients[role].get(url), n)  # noqa: B023
            print(f"{role + ' ' + page:44}{ms:>10.1f}   {'OK' if ms < 200 else 'SLOW'}")
            if ms >= 200:
                slow.append(f"{role} {page}")
    return slow


def photo(seed: int) -> bytes:
    """A small 'phone photo' with no code on it (handed back to the adviser: 请重拍)."""
    rng = random.Random(seed)
    img = Image.new("RGB", (600, 800), (250, 250, 245))
    px = img.load()
    for _ in range(3000):
        px[rng.randrange(600), rng.randrange(800)] = (rng.randrange(256),) * 3  # type: ignore[index]
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=70)
    return buf.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=3000)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--pages", type=int, default=10, help="requests per page in the sweep")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="yujing-console-bench-"))
    proc = None
    try:
        ws = Workspace.init(tmp / "ws", pack="anshan", school="基准测试学院")
        start = time.perf_counter()
        fabricate(ws, args.students)
        ws.close()
        seal_as_upgrade(ws.root)  # the fabricated rows sealed as an upgrade does
        ws = Workspace(ws.root)
        ws.add_user("教务员", role="secretary", password=PASSWORD)
        ws.add_user("督导", role="inspector", password=PASSWORD)
        ws.open_review_window(TERM)  # a check link per student: the slips page has them all
        for c in range(COUNSELLORS):
            ws.add_user(f"c{c}", role="counsellor", roster_name=f"辅导员{c}", password=PASSWORD)
        print(f"workspace: {args.students:,} warned students with folders, {COUNSELLORS} "
              f"counsellors (made in {time.perf_counter() - start:.1f} s)")
        user = ws.registry.user("c0")
        assert user is not None
        def uncached() -> None:
            ws._due_cache.clear()
            ws.due_for(user, TERM)

        lib_due = median_ms(uncached)
        lib_list = median_ms(lambda: ws.report(TERM))
        mine = len(ws.due_for(user, TERM))

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "yujing.cli.main", "-w", str(ws.root), "serve",
             "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            try:
                httpx.get(f"{base}/login", timeout=2)
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        cou, _ = login(base, "c0")
        sec, _ = login(base, "教务员")
        for client, url in ((cou, f"/my?term={TERM}"), (sec, f"/list?term={TERM}")):
            assert client.get(url).status_code == 200
        web_due = median_ms(lambda: cou.get(f"/my?term={TERM}"))
        web_list = median_ms(lambda: sec.get(f"/list?term={TERM}"))

        def after_change() -> None:
            with ws.registry.transaction():
                ws.registry.log("bench", "a change: the start page is computed afresh")
            cou.get(f"/my?term={TERM}")

        web_due_cold = median_ms(after_change, 20)
        insp, _ = login(base, "督导")
        slow = sweep(ws, {"secretary": sec, "counsellor": cou, "inspector": insp}, args.pages)
        print(f"\n{'page (median of 50)':44}{'web ms':>10}{'library ms':>12}")
        print(f"{'counsellor start page /my (' + str(mine) + ' students)':44}{web_due:>10.1f}{lib_due:>12.1f}"
              f"   {'OK' if web_due < 200 else 'SLOW'}")
        print(f"{'  the same right after a change (of 20)':44}{web_due_cold:>10.1f}{lib_due:>12.1f}")
        print(f"{'secretary list page /list (' + str(args.students) + ' rows)':44}{web_list:>10.1f}"
              f"{lib_list:>12.1f}   {'OK' if web_list < 200 else 'SLOW'}")

        # -- 20 sessions browsing, recording and uploading
        ids = {c: sorted(ws.students_of(ws.registry.user(f"c{c}"))) for c in range(COUNSELLORS)}  # type: ignore[arg-type]
        stop = time.monotonic() + args.seconds
        lock = threading.Lock()
        accepted_records: list[str] = []
        accepted_uploads: list[tuple[int, str]] = []
        errors: list[str] = []
        requests = [0]

        def session(n: int) -> None:
            c = n % COUNSELLORS
            client, csrf = login(base, f"c{c}")
            rng = random.Random(n)
            i = 0
            while time.monotonic() < stop and i < 10_000:
                i += 1
                sid = rng.choice(ids[c])
                try:
                    kind = i % 6
                    if kind in (0, 1):
                        r = client.get(f"/my?term={TERM}")
                    elif kind in (2, 3):
                        r = client.get(f"/students/{sid}?term={TERM}")
                    elif kind == 4:
                        note = f"会话{n}-{i} 谈话"
                        r = client.post(f"/students/{sid}/record", data={
                            "csrf": csrf, "kind": "interview", "summary": note, "term": str(TERM)})
                        if r.status_code == 303:
                            with lock:
                                accepted_records.append(note)
                    else:
                        content = photo(n * 100_000 + i)
                        r = client.post("/my/upload", data={"csrf": csrf},
                                        files={"files": (f"回执{n}-{i}.jpg", content, "image/jpeg")})
                        if r.status_code == 303:
                            job = int(r.headers["location"].rsplit("/", 1)[1])
                            with lock:
                                accepted_uploads.append((job, hashlib.sha256(content).hexdigest()))
                    if r.status_code >= 400:
                        with lock:
                            errors.append(f"{r.request.method} {r.request.url.path}: {r.status_code}")
                    with lock:
                        requests[0] += 1
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(repr(exc))

        start = time.perf_counter()
        threads = [threading.Thread(target=session, args=(n,)) for n in range(args.sessions)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - start
        # wait for the scan jobs of the uploads (bounded)
        deadline = time.monotonic() + 600
        check = Workspace(ws.root)
        while time.monotonic() < deadline:
            pending = [j for j, _ in accepted_uploads
                       if (check.registry.job(j) or {}).get("status") in ("queued", "running")]
            if not pending:
                break
            time.sleep(1)
        print(f"\n{args.sessions} sessions for {elapsed:.0f} s: {requests[0]:,} requests "
              f"({requests[0] / elapsed:.1f}/s), {len(accepted_records)} records, "
              f"{len(accepted_uploads)} uploads, {len(errors)} errors")
        for e in errors[:5]:
            print("  error:", e)
        recorded = {r["summary"] for r in check.registry.records(str(TERM))}
        lost_records = [n for n in accepted_records if n not in recorded]
        sources = {r["sha256"]: r for r in check.registry.db.query("select * from scan_sources")}
        def handled(job: int, sha: str) -> bool:
            """Filed or queued (the scan source done), or handed back to retake (请重拍)."""
            row = check.registry.job(job) or {}
            if row.get("status") != "done":
                return False
            retake = '"result": "retake"' in (row.get("result") or "")
            return retake or sources.get(sha, {}).get("status") == "done"

        lost_uploads = [(j, sha) for j, sha in accepted_uploads if not handled(j, sha)]
        integrity = check.registry.integrity_check()
        manifest = tmp / "manifest.csv"
        files = check.write_manifest(manifest)
        bad_hashes = 0
        with manifest.open(encoding="utf-8-sig") as fh:
            for row in csv.DictReader(fh):
                path = check.root / row.get("path", row.get("文件", ""))
                digest = row.get("sha256", "")
                if digest and path.is_file() and hashlib.sha256(path.read_bytes()).hexdigest() != digest:
                    bad_hashes += 1
        seals = check.registry.check_seals().problems  # rows, heads and registry.seal
        print(f"lost records: {len(lost_records)}, lost uploads: {len(lost_uploads)}, "
              f"registry integrity: {integrity}, seal problems: {len(seals)}, "
              f"manifest: {files:,} files, hash mismatches: {bad_hashes}")
        ok = (not lost_records and not lost_uploads and integrity == "ok" and not bad_hashes
              and not seals)
        fast = web_due < 200 and web_list < 200 and not slow
        print("RESULT:", "OK" if ok and fast else "CHECK ABOVE")
        check.close()
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
