#!/usr/bin/env bash
# make demo: the whole job on the bundled sample data (demo/data/, made by demo/make_sample.py).
# A fresh workspace in ./demo-workspace each run: init → import → assess → objection → freeze.
set -euo pipefail
cd "$(dirname "$0")/.."
Y=.venv/bin/yujing
WS=demo-workspace
DATA=demo/data

rm -rf "$WS"
step() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

step "1. 新建工作区（鞍山师范学院规则）"
$Y init "$WS" --policy anshan --school "鞍山师范学院"

step "2. 导入学生名单、各学期成绩（含 GBK、正方字段名、.xlsx）和学生标记"
$Y -w "$WS" import roster "$DATA/学生名单.xlsx"
$Y -w "$WS" import grades "$DATA"/成绩_*.csv "$DATA"/成绩_*.xlsx
$Y -w "$WS" import flags "$DATA/学生标记.csv"
echo "再导入一次同一文件，什么也不变："
$Y -w "$WS" import grades "$DATA/成绩_2024-2025-1.xlsx"

step "3. 上学期名单（2023-2024-2），冻结"
$Y -w "$WS" assess --term 2023-2024-2 >/dev/null
$Y -w "$WS" list freeze --term 2023-2024-2

step "4. 本学期名单（2024-2025-1）：按等级、按班级统计，并与上学期对比"
$Y -w "$WS" assess --term 2024-2025-1

step "5. 学生核查：登记一条异议（维持原判），然后冻结名单"
first=$($Y -w "$WS" list show --term 2024-2025-1 --all | grep -oE '[0-9]{10}' | head -1)
$Y -w "$WS" list objection "$first" --term 2024-2025-1 \
  --reason "认为补考成绩未录入" --outcome upheld --note "经教务系统核实，补考成绩已录入"
$Y -w "$WS" list freeze --term 2024-2025-1

step "6. 打印批次：每名学生的全部材料，每联带编号和二维码，按班级排好，发出的副本归档"
$Y -w "$WS" issue --term 2024-2025-1

step "完成"
echo "工作区：$WS/"
echo "本学期预警名单：$(ls "$WS"/lists/2024-2025-1*.xlsx)"
pdf=$(ls "$WS"/batches/*/print.pdf 2>/dev/null | head -1 || true)
if [ -n "$pdf" ]; then
  echo "打印文件：$pdf"
else
  echo "（未安装 LibreOffice，只生成了 Word 文件：$WS/batches/*/docx/）"
fi
echo "学生档案：$WS/archive/"
