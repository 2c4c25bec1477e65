#!/usr/bin/env bash
# make demo: the whole job on the bundled sample data (demo/data/, made by demo/make_sample.py).
# A fresh workspace in ./demo-workspace each run: init → import → assess → objection → freeze.
set -euo pipefail
cd "$(dirname "$0")/.."
Y=.venv/bin/yujing
WS=demo-workspace
DATA=demo/data

# `make demo` has installed what it could; say now, not at the end, what this run leaves out.
if ! missing=$(.venv/bin/python scripts/system_deps.py --check --for demo); then
  printf '%s\n' "$missing"
  echo "本次演示将跳过需要这些组件的部分：没有 LibreOffice 只生成 Word 文件（不生成 PDF），没有 poppler 不模拟扫描归档。"
  echo "This run leaves out what needs them: without LibreOffice only .docx files (no PDF), without poppler no scan intake."
fi

rm -rf "$WS"
export COLUMNS="${COLUMNS:-130}"
step() { printf '\n\033[1m== %s ==\033[0m\n' "$*"; }

step "1. 新建工作区（鞍山师范学院规则）"
$Y init "$WS" --pack anshan --school "鞍山师范学院"

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

pdf=$(ls "$WS"/batches/*/print.pdf 2>/dev/null | head -1 || true)
if [ -n "$pdf" ]; then
  step "7. 辅导员交回签字材料，批量扫描（模拟：有的没交、有的没签字、有的倒着扫、夹了空白页和微信群二维码）"
  mkdir -p "$WS/scans"
  .venv/bin/python demo/simulate_returns.py "$WS" "$pdf" "$WS/scans/扫描_第1批.pdf"
  $Y -w "$WS" scan "$WS/scans"
  echo "同一扫描件再扫一次，不会重复归档："
  $Y -w "$WS" scan "$WS/scans" | tail -2

  step "8. 待处理队列，待复核的签字判定"
  $Y -w "$WS" review
  $Y -w "$WS" review --signatures
else
  echo "（未安装 LibreOffice，跳过扫描归档：apt-get install libreoffice-writer-nogui fonts-noto-cjk）"
fi

step "9. 没有纸质记录的材料：登记谈话与家长联系，生成成绩单"
students=$($Y -w "$WS" list show --term 2024-2025-1 --all | grep -oE '[0-9]{10}' | head -6)
for s in $students; do
  $Y -w "$WS" record interview "$s" --who "辅导员 马颖" --how 面谈 --summary "分析挂科原因，制定补考复习计划"
done
for s in $(echo "$students" | head -2); do
  $Y -w "$WS" record parent-contact "$s" --who "辅导员 马颖" --how 电话 --summary "告知家长预警情况，家长表示配合"
done
$Y -w "$WS" transcript --term 2024-2025-1

step "10. 检查前的档案完整性检查（期限按 45 天后计算，以显示超期的步骤）"
asof=$(date -d "+45 days" +%F 2>/dev/null || date -v+45d +%F)
set +e
$Y -w "$WS" audit --term 2024-2025-1 --as-of "$asof" --html "$WS/档案检查报告.html" \
  --xlsx "$WS/档案检查报告.xlsx" > "$WS/档案检查.txt"
code=$?
set -e
head -40 "$WS/档案检查.txt"
echo "…（全部问题见 $WS/档案检查.txt）"
echo "（audit 退出码 $code：0 全部齐全，1 发现问题，2 无法检查）"

step "11. 学期报告：帮扶效果分析、学期帮扶总结、处理结果汇总表"
$Y -w "$WS" report --term 2024-2025-1

step "完成"
echo "工作区：$WS/"
echo "本学期预警名单：$(ls "$WS"/lists/2024-2025-1*.xlsx)"
if [ -n "$pdf" ]; then
  echo "打印文件：$pdf"
else
  echo "（未安装 LibreOffice，只生成了 Word 文件：$WS/batches/*/docx/）"
fi
echo "学生档案：$WS/archive/"
echo "档案检查报告（浏览器打开）：$WS/档案检查报告.html"

step "12. 网页控制台的演示账号（make serve 启动，浏览器打开 http://127.0.0.1:8000/）"
# One account per role; the passwords are demo passwords, printed here on purpose.
$Y -w "$WS" user add 教务员 --role secretary --password demo-secretary
$Y -w "$WS" user add 副院长 --role reviewer --password demo-reviewer
$Y -w "$WS" user add 马颖 --role counsellor --counsellor 马颖 --password demo-counsellor
$Y -w "$WS" user add 肖东 --role class-teacher --counsellor 肖东 --password demo-teacher
$Y -w "$WS" user add 督导 --role inspector --password demo-inspector
echo "账号（角色）        密码"
echo "教务员（教学秘书）  demo-secretary"
echo "副院长（审核人）    demo-reviewer"
echo "马颖（辅导员）      demo-counsellor"
echo "肖东（班主任）      demo-teacher"
echo "督导（检查人）      demo-inspector"
echo "启动控制台：make serve"
