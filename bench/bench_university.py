"""Benchmark: the roll-up (全校汇总) of a university of many colleges.

A university folder of ``--colleges`` colleges (20 by default) with ``--students`` students
(30,000) of whom ``--warned`` (3,000) are on the term's lists, each warned student with a
notice serial and one or two filed scans; registry rows and files are fabricated, as in
bench_console.py. Then, each figure beside the obvious alternative:

1. the roll-up computed cold (a fresh process's first call, no cache) — target < 2 s —
   beside reading the same figures college by college through the CLI
   (``yujing -w COLLEGE list show`` + ``yujing -w COLLEGE audit --format json``, one process
   each, as a 教务处 would without yujing university);
2. the roll-up page (/u/rollup) warm, median of 30 requests to one real uvicorn process on
   127.0.0.1 — target < 300 ms.

Run: ``.venv/bin/python bench/bench_university.py [--colleges 20 --students 30000 --warned 3000]``
(a small size for a quick look: ``--colleges 4 --students 2000 --warned 200``). ``--keep DIR``
keeps the university for timing whole processes with farm-bench, e.g.
``farm-bench -n 5 -- .venv/bin/yujing university rollup DIR --term 2024-2025-1 --format csv``
``--vs "sh -c 'for c in DIR/c*; do .venv/bin/yujing -w $c audit --format json; done'"``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import httpx

from yujing.archive import student_folder
from yujing.model import Term
from yujing.registry import now
from yujing.university import University
from yujing.workspace import Workspace

TERM = Term.parse("2024-2025-1")
LEVELS = ("红色预警", "橙色预警", "黄色预警")
PASSWORD = "bench-password"


def fabricate(ws: Workspace, college: str, students: int, warned: int, first_id: int) -> None:
    """``students`` on the roster, the first ``warned`` of them on the frozen list of TERM,
    each with a serial and one or two scans filed (registry rows + files)."""
    conn = ws.registry.db.conn
    t = str(TERM)
    day = (date.today() - timedelta(days=10)).isoformat()
    conn.execute(
        "insert into lists (term, policy, status, assessed_count, created_at, updated_at, "
        "frozen_at) values (?, 'anshan', 'frozen', ?, ?, ?, ?)",
        [t, students, day, day, day],
    )
    roster, entries, serials, scans, facts = [], [], [], [], []
    for i in range(students):
        sid = f"{first_id + i:010d}"
        name = f"学生{first_id + i}"
        cls = f"{college}{22 + i % 3}{i % 20:02d}"
        roster.append(
            (
                sid,
                sid,
                name,
                "男",
                college,
                "专业",
                "2022",
                cls,
                "",
                "",
                "",
                "",
                f"辅导员{i % 10}",
                f"班主任{i % 20}",
            )
        )
        if i >= warned:
            continue
        entries.append(
            (
                t,
                sid,
                i + 1,
                name,
                "",
                college,
                "专业",
                "2022",
                cls,
                LEVELS[i % 3],
                "本学期未通过 6/22 学分；累计未通过 9 学分：高等数学A(5)",
                "新增",
                "",
                "",
                "",
                "{}",
            )
        )
        serials.append((first_id + i, t, sid, "b", "active", now()))
        folder = student_folder(ws.archive_dir, sid, name) / t
        folder.mkdir(parents=True)
        for part in ("N1", "T1") if i % 2 else ("N1",):
            path = folder / f"{first_id + i:06d} {part}（回收 20241101）.pdf"
            body = b"%PDF-1.4\n" + sid.encode() + part.encode() + b"\n%%EOF\n"
            path.write_bytes(body)
            rel = str(path.relative_to(ws.root))
            digest = hashlib.sha256(body).hexdigest()
            scans.append((sid, t, first_id + i, part, rel, day, digest))
            st = path.stat()
            facts.append((rel, digest, st.st_size, st.st_mtime_ns, day))
    conn.executemany(
        "insert into students (key, student_id, name, gender, college, major, grade, class_name, "
        "parent_name, parent_phone, address, postcode, counsellor, class_teacher) values "
        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        roster,
    )
    conn.executemany(
        "insert into list_entries (term, student_id, seq, name, gender, college, "
        "major, grade, class_name, level, reason, change, previous_level, "
        "carried_from, objection, figures) values "
        "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        entries,
    )
    conn.executemany(
        "insert into serials (serial, term, student_id, batch, status, created_at) "
        "values (?,?,?,?,?,?)",
        serials,
    )
    conn.executemany(
        "insert into archive_files (student_id, term, serial, part, path, at, "
        "sha256, kind, signed) values (?,?,?,?,?,?,?,'scan',1)",
        scans,
    )
    conn.executemany(
        "insert into file_facts (path, sha256, size, mtime_ns, at) values (?,?,?,?,?)", facts
    )
    conn.commit()


def build(root: Path, colleges: int, students: int, warned: int) -> Path:
    uni = University.init(root, name="基准大学")
    per, per_warned = students // colleges, warned // colleges
    for n in range(colleges):
        college = uni.add_college(f"第{n + 1}学院", pack="anshan", slug=f"c{n + 1:02d}")
        ws = Workspace(college.root)
        fabricate(ws, college.name, per, per_warned, 2022000000 + n * per)
        ws.close()
    uni.add_user("教务处", role="office", password=PASSWORD)
    uni.close()
    return root


def cold_rollup(root: Path) -> float:
    """The roll-up's first call in a fresh process (no cache)."""
    code = (
        "import time,sys;from yujing.university import University;from yujing.model import Term;"
        "u=University(sys.argv[1]);t=time.perf_counter();r=u.rollup(Term.parse(sys.argv[2]));"
        "print(time.perf_counter()-t, sum(x.current.warned for x in r.rows))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(root), str(TERM)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    return float(out[0])


def college_by_college(root: Path, sample: int) -> tuple[float, int]:
    """The same figures through the CLI, one college at a time (list show + audit), for the
    first ``sample`` colleges (0: all); returns (seconds, colleges read)."""
    colleges = sorted(p for p in root.iterdir() if (p / "yujing.toml").is_file())
    if sample:
        colleges = colleges[:sample]
    start = time.perf_counter()
    for college in colleges:
        for args in (
            ["list", "show", "--term", str(TERM)],
            ["audit", "--term", str(TERM), "--format", "json"],
        ):
            subprocess.run(
                [sys.executable, "-m", "yujing.cli.main", "-w", str(college), *args],
                capture_output=True,
                check=False,
            )
    return time.perf_counter() - start, len(colleges)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def warm_page(root: Path, n: int = 30) -> tuple[float, float]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "yujing.cli.main", "-w", str(root), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        client = httpx.Client(base_url=base, timeout=120)
        for _ in range(200):
            try:
                client.get("/login")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        client.post(
            "/login",
            data={
                "name": "教务处",
                "password": PASSWORD,
                "next": "/",
                "csrf": client.cookies.get("yj_univ_csrf"),
            },
        )
        start = time.perf_counter()
        first = client.get(f"/u/rollup?term={TERM}")
        first_ms = (time.perf_counter() - start) * 1000
        assert first.status_code == 200, first.text[:300]
        times = []
        for _ in range(n):
            start = time.perf_counter()
            assert client.get(f"/u/rollup?term={TERM}").status_code == 200
            times.append((time.perf_counter() - start) * 1000)
        return first_ms, statistics.median(times)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--colleges", type=int, default=20)
    parser.add_argument("--students", type=int, default=30000)
    parser.add_argument("--warned", type=int, default=3000)
    parser.add_argument(
        "--cli-colleges",
        type=int,
        default=0,
        help="read only this many colleges through the CLI and scale up (0: all)",
    )
    parser.add_argument("--keep", type=Path, help="build the university here and keep it")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="yujing-university-bench-"))
    root = args.keep or tmp / "university"
    try:
        start = time.perf_counter()
        build(root, args.colleges, args.students, args.warned)
        print(
            f"built {args.colleges} colleges, {args.students} students, {args.warned} warned "
            f"in {time.perf_counter() - start:.1f} s ({os.cpu_count()} cores)"
        )
        cold = cold_rollup(root)
        cli_read, read = college_by_college(root, args.cli_colleges)
        cli = cli_read * args.colleges / read
        first, warm = warm_page(root)
        print(f"{'what':<58}{'seconds':>10}")
        print(f"{'roll-up, cold (fresh process, first call)  target < 2 s':<58}{cold:>10.3f}")
        scaled = "" if read == args.colleges else f", {read} colleges read and scaled up"
        print(
            f"{'same figures college by college via CLI (list show+audit)':<58}{cli:>10.3f}"
            f"   ({cli / cold:.1f}× the roll-up{scaled})"
        )
        print(f"{'roll-up page, first request (cold cache)':<58}{first / 1000:>10.3f}")
        print(
            f"{'roll-up page, warm, median of 30  target < 0.300 s':<58}{warm / 1000:>10.3f}"
            f"   {'OK' if warm < 300 and cold < 2 else 'SLOW'}"
        )
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
