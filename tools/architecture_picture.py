"""Draws docs/architecture.svg, the picture of docs/architecture.md: the interfaces, the front
door, the pipeline stages and what they share. ``python -m tools.architecture_picture``; edit the
boxes here when a package is added or moved. A development tool (not installed)."""

from html import escape
from pathlib import Path

W, H = 1120, 760
out: list[str] = []
def box(x, y, w, h, title, sub="", fill="#eef3fb", stroke="#4a6fa5", bold=True):
    out.append(f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="8" fill="{fill}" stroke="{stroke}" stroke-width="1.5"/>')
    ty = y + (h/2 + 5 if not sub else 22)
    out.append(f'<text x="{x+w/2}" y="{ty}" text-anchor="middle" class="{"t" if bold else "s"}">{escape(title)}</text>')
    if sub:
        for i, line in enumerate(sub.split("\n")):
            out.append(f'<text x="{x+w/2}" y="{y+40+i*16}" text-anchor="middle" class="s">{escape(line)}</text>')
def arrow(x1, y1, x2, y2, dash=False):
    d = ' stroke-dasharray="5,4"' if dash else ""
    out.append(f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="#333" stroke-width="1.4" marker-end="url(#a)"{d}/>')
def label(x, y, text, cls="s", anchor="start"):
    out.append(f'<text x="{x}" y="{y}" text-anchor="{anchor}" class="{cls}">{escape(text)}</text>')

# row 1: interfaces
label(20, 30, "interfaces (thin: parse, call one method, render)", "h")
box(140, 45, 260, 60, "yujing (CLI)", "yujing/cli/main.py · click + rich", "#fff5e6", "#c07a1a")
box(520, 45, 300, 60, "web console (yujing serve)", "yujing/web/ · Starlette + Jinja2", "#fff5e6", "#c07a1a")
box(860, 45, 220, 60, "background jobs", "yujing/jobs.py", "#fff5e6", "#c07a1a")
arrow(270, 105, 500, 150)
arrow(670, 105, 560, 150)
arrow(970, 105, 640, 150)
arrow(820, 75, 860, 75)
# row 2: front door
label(20, 140, "front door", "h")
box(300, 150, 520, 60, "Workspace (yujing/workspace.py)", "one method per thing a person does · holds the registry, the pack, the lock", "#e9f6ec", "#2f7d46")
# row 3: stages
out.append('<line x1="89" y1="250" x2="1019" y2="250" stroke="#333" stroke-width="1.4"/>')
out.append('<line x1="560" y1="210" x2="560" y2="250" stroke="#333" stroke-width="1.4"/>')
label(20, 232, "pipeline stages (each handed a WorkspaceView, yujing/stage.py; none imports the front door)", "h")
stages = [
    ("1 imports", "exports → rows\nprofiles/*.toml"),
    ("2 engine", "courses → figures\n→ levels (pure)"),
    ("3 warnlist", "the list, changes,\nobjections, .xlsx"),
    ("4 generator", "print batches: serials,\n.docx → PDF, covers"),
    ("5 archive", "scans → QR → folders\nsignatures, records"),
    ("6 checker", "audit: findings,\nHTML / .xlsx reports"),
    ("7 reports", "term reports:\nfigures, charts, .docx"),
]
bw, gap, x0, y = 138, 17, 20, 290
for i, (t, s) in enumerate(stages):
    x = x0 + i * (bw + gap)
    box(x, y, bw, 78, t, s)
    arrow(x + bw/2, 250, x + bw/2, y)
    if i < len(stages) - 1:
        arrow(x + bw, y + 39, x + bw + gap, y + 39, dash=True)
label(560, 390, "dashed: what one stage's output is to the next (a list feeds a batch, a batch's serials feed intake …)", "s", "middle")
# row 4: shared values and services
label(20, 410, "shared below the stages", "h")
shared = [
    ("policies/", "policy values:\nlevels, criteria,\nmetric vocabulary"),
    ("forms/", "forms catalogue,\ntemplate contract,\nQR images, samples"),
    ("institutions/", "packs (data only):\npolicy.toml, forms.toml,\ntemplates/*.docx"),
    ("registry/", "SQLite (sqlite-utils):\nall SQL, event log,\nseals, migrations"),
    ("converter.py", "LibreOffice\n.docx → PDF,\nretry, fonts.conf"),
    ("pdfkit.py", "pypdf + PDFium:\ncount, join, texts,\nrender, layout"),
    ("qr.py · files.py", "signed QR refs,\natomic writes,\nlocking.py"),
]
y = 430
for i, (t, s) in enumerate(shared):
    x = x0 + i * (bw + gap)
    box(x, y, bw, 92, t, s, "#f4f4f4", "#777")
label(560, 560, "model.py (terms, students, attempts, flags, remarks) · errors.py (one exception tree) · outputs.py (no formulas in .xlsx/.csv) · all SQL in registry/", "s", "middle")
# arrows stages -> shared (a few representative)
arrow(20 + bw/2 + 155, 368, 20 + bw/2, 430)          # engine -> policies
arrow(20 + 3*155 + bw/2 - 20, 368, 20 + 155 + bw/2, 430)  # generator -> forms
arrow(20 + 3*155 + bw/2, 368, 20 + 4*155 + bw/2, 430)  # generator -> converter
arrow(20 + 3*155 + bw/2 + 20, 368, 20 + 5*155 + bw/2 - 10, 430)  # generator -> pdfkit
arrow(20 + 4*155 + bw/2, 368, 20 + 5*155 + bw/2 + 10, 430)  # archive -> pdfkit
# legend / data folders
label(20, 595, "the workspace on disk", "h")
box(20, 605, 1080, 120, "", "", "#fbfbf0", "#999", False)
lines = [
    "yujing.toml — school, rules title, the pack folder  ·  pack/ — the workspace's own copy of its institution pack (editable)",
    "registry.sqlite — imports, lists, serials, issued parts, filed pages, records, accounts, jobs, the event log (sealed rows)",
    "lists/ — the lists as .xlsx/.csv  ·  batches/ — print batches: .docx, the print PDF, archive copies  ·  archive/ — 一生一档 folders",
    "the secret key — signs the QR references (a code carries only an opaque signed reference)  ·  backups/ — yujing backup",
]
for i, line in enumerate(lines):
    label(40, 635 + i * 24, line, "s")
svg = f'''<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" font-family="Noto Sans CJK SC, Source Han Sans SC, Microsoft YaHei, DejaVu Sans, sans-serif">
<title>yujing: the interfaces, the front door, the stages and what they share</title>
<defs><marker id="a" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker>
<style>.t{{font-size:15px;font-weight:bold;fill:#111}} .s{{font-size:12px;fill:#333}} .h{{font-size:14px;font-weight:bold;fill:#555}}</style></defs>
<rect width="{W}" height="{H}" fill="#fff"/>
{chr(10).join(out)}
</svg>
'''
Path(__file__).resolve().parent.parent.joinpath("docs", "architecture.svg").write_text(svg, encoding="utf-8")
