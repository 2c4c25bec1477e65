"""Benchmark: audit 10,000 warned students' folders (≈ 60,000 files).

Targets (issue #5): without --verify at most 5 s; with --verify at least 70% of the disk's
read throughput, measured in the same run (files evicted from the page cache with
posix_fadvise before each timed pass, so both passes read from the disk).

The archive is fabricated directly (registry rows and files of realistic size), because
printing and scanning 10,000 students would take hours and is measured elsewhere.
Run: ``.venv/bin/python bench/bench_audit.py [--students N] [--kb SIZE]``.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

from fabricated import seal_as_upgrade

from yujing.archive import student_folder
from yujing.checker.audit import audit
from yujing.model import Term
from yujing.registry import now
from yujing.workspace import Workspace

TERM = Term.parse("2024-2025-1")
LEVELS = ("红色预警", "橙色预警", "黄色预警")


def fabricate(ws: Workspace, students: int, kb: int) -> list[Path]:
    rng = random.Random(5)
    registry = ws.registry
    conn = registry.db.conn
    t = str(TERM)
    day = (date.today() - timedelta(days=10)).isoformat()
    conn.execute(
        "insert into lists (term, policy, status, assessed_count, created_at, updated_at, "
        "frozen_at) values (?, 'anshan', 'frozen', ?, ?, ?, ?)",
        [t, students, day, day, day],
    )
    files: list[Path] = []
    entries, serials, scans, records, facts = [], [], [], [], []
    payload = os.urandom(kb * 1024)
    for i in range(students):
        sid = f"2022{i:06d}"
        name = f"学生{i}"
        cls = f"机械{22 + i % 3}{i % 40:02d}"
        level = LEVELS[i % 3]
        entries.append((t, sid, i + 1, name, "", "机械工程学院", "机械", "2022", cls, level,
                        "原因", "新增", "", "", "", "{}"))
        serials.append((i + 1, t, sid, "b", "active", now()))
        folder = student_folder(ws.archive_dir, sid, name) / t
        folder.mkdir(parents=True)
        parts = ["N1", "T1", "H1", "R1"] + (["P1"] if level == "红色预警" else [])
        for part in parts:
            files.append(folder / f"{part}.pdf")
            scans.append((sid, t, i + 1, part, str(files[-1].relative_to(ws.root)), day))
        files.append(folder / "成绩单.pdf")
        records.append((sid, t, "transcript", day, str(files[-1].relative_to(ws.root))))
        if level == "红色预警":
            records.append((sid, t, "parent-contact", day, ""))
        records.append((sid, t, "interview", day, ""))
    for path in files:
        body = b"%PDF-1.4\n" + payload[rng.randrange(1024):] + b"\n%%EOF\n"
        path.write_bytes(body)
        st = path.stat()
        import hashlib

        facts.append((str(path.relative_to(ws.root)), hashlib.sha256(body).hexdigest(),
                      st.st_size, st.st_mtime_ns, day))
    conn.executemany("insert into list_entries (term, student_id, seq, name, gender, college, "
                     "major, grade, class_name, level, reason, change, previous_level, "
                     "carried_from, objection, figures) values "
                     "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", entries)
    conn.executemany("insert into serials (serial, term, student_id, batch, status, created_at) "
                     "values (?,?,?,?,?,?)", serials)
    conn.executemany("insert into archive_files (student_id, term, serial, part, path, at, "
                     "kind, signed) values (?,?,?,?,?,?,'scan',1)", scans)
    conn.executemany("insert into records (student_id, term, kind, date, path) values "
                     "(?,?,?,?,?)", records)
    conn.executemany("insert into file_facts (path, sha256, size, mtime_ns, at) values "
                     "(?,?,?,?,?)", facts)
    conn.commit()  # rows without seals: sealed as an upgrade does (bench/fabricated.py)
    return files


def evict(files: list[Path]) -> None:
    """Drop the files from the page cache so the next read comes from the disk."""
    os.sync()
    for path in files:
        fd = os.open(path, os.O_RDONLY)
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def raw_read(files: list[Path]) -> int:
    """Read every file, as fast as the disk allows (same thread count as the audit)."""
    def one(path: Path) -> int:
        with open(path, "rb", buffering=0) as fh:
            n = 0
            while block := fh.read(1 << 20):
                n += len(block)
            return n

    with ThreadPoolExecutor(max_workers=min(8, (os.cpu_count() or 2) * 2)) as pool:
        return sum(pool.map(one, files, chunksize=64))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=10_000)
    parser.add_argument("--kb", type=int, default=48, help="size of each archived file")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="yujing-audit-bench-"))
    try:
        ws = Workspace.init(tmp / "ws", pack="anshan", school="基准测试学院")
        start = time.perf_counter()
        files = fabricate(ws, args.students, args.kb)
        ws.close()
        seal_as_upgrade(tmp / "ws")
        ws = Workspace(tmp / "ws")  # seals the fabricated rows (as an upgrade)
        total = sum(p.stat().st_size for p in files)
        print(f"archive: {args.students:,} students, {len(files):,} files, "
              f"{total / 1e9:.2f} GB (made in {time.perf_counter() - start:.1f} s)")

        start = time.perf_counter()
        report = audit(ws, TERM)
        quick = time.perf_counter() - start
        assert report.complete, report.findings[:3]

        evict(files)
        start = time.perf_counter()
        read = raw_read(files)
        disk = read / (time.perf_counter() - start)
        evict(files)
        start = time.perf_counter()
        verified = audit(ws, TERM, verify=True)
        verify_time = time.perf_counter() - start
        assert verified.complete
        rate = total / verify_time
        print()
        print(f"{'audit, trusting size and mtime':38} {quick:8.2f} s   (target ≤ 5 s)"
              f"   {'OK' if quick <= 5 else 'TOO SLOW'}")
        print(f"{'disk read throughput (cold cache)':38} {disk / 1e6:8.0f} MB/s")
        print(f"{'audit --verify (cold cache)':38} {rate / 1e6:8.0f} MB/s   "
              f"{rate / disk:5.0%} of the disk (target ≥ 70%)   {verify_time:.1f} s")
        ws.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
