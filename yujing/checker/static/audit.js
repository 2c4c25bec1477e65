// The audit report's filters (yujing/checker/html.py inlines this into the page).
(function () {
  "use strict";
  var doc = document;
  doc.documentElement.classList.remove("no-js");
  var text = doc.getElementById("filter-text"),
      only = doc.getElementById("only-problems"),
      klass = doc.getElementById("filter-class"),
      reset = doc.getElementById("filter-reset"),
      count = doc.getElementById("filter-count"),
      note = doc.getElementById("filter-note"),
      boxes = [].slice.call(doc.querySelectorAll("input.problem-filter")),
      rows = [].slice.call(doc.querySelectorAll("tr.student")),
      sections = [].slice.call(doc.querySelectorAll("section.class-section"));
  if (!text) { return; }
  function norm(s) { return (s || "").toLowerCase().replace(/\s+/g, ""); }
  function apply() {
    var q = norm(text.value), want = [], shown = 0, bits = [];
    boxes.forEach(function (b) { if (b.checked) { want.push(b.value); } });
    var sec = klass.value;
    rows.forEach(function (tr) {
      var probs = (tr.getAttribute("data-problems") || "").split(" ").filter(Boolean);
      var show = true;
      if (q && norm(tr.getAttribute("data-search")).indexOf(q) < 0) { show = false; }
      if (only.checked && !probs.length) { show = false; }
      if (want.length && !want.some(function (p) { return probs.indexOf(p) >= 0; })) { show = false; }
      if (sec !== "" && tr.getAttribute("data-section") !== sec) { show = false; }
      tr.hidden = !show;
      tr.classList.toggle("filtered-out", !show);
      [].forEach.call(tr.querySelectorAll("li.finding"), function (li) {
        li.classList.toggle("dimmed", want.length > 0 && want.indexOf(li.getAttribute("data-problem")) < 0);
      });
      if (show) { shown += 1; }
    });
    sections.forEach(function (s) {
      var any = s.querySelector("tr.student:not([hidden])") !== null;
      s.hidden = !any;
      s.classList.toggle("filtered-out", !any);
    });
    count.textContent = "显示 " + shown + " / " + rows.length + " 名学生";
    if (text.value) { bits.push("查找“" + text.value + "”"); }
    if (sec !== "") { bits.push(klass.options[klass.selectedIndex].text); }
    if (only.checked) { bits.push("只看有问题的学生"); }
    if (want.length) {
      bits.push("问题：" + boxes.filter(function (b) { return b.checked; })
        .map(function (b) { return b.getAttribute("data-label"); }).join("、"));
    }
    note.textContent = bits.length ? "已筛选（" + bits.join("；") + "），显示 " + shown + " / " + rows.length + " 名学生" : "";
  }
  function fromHash() {
    var h = location.hash.replace(/^#/, "");
    if (!h) { return false; }
    var used = false;
    h.split("&").forEach(function (part) {
      var i = part.indexOf("="), k = i < 0 ? part : part.slice(0, i), v = i < 0 ? "" : part.slice(i + 1);
      try { v = decodeURIComponent(v.replace(/\+/g, " ")); } catch (e) { /* keep it raw */ }
      if (k === "filter") { text.value = v; used = true; }
      else if (k === "only-problems") { only.checked = v !== "0"; used = true; }
      else if (k === "problem") {
        var ps = v.split(",");
        boxes.forEach(function (b) { b.checked = ps.indexOf(b.value) >= 0; });
        used = true;
      } else if (k === "class") {
        klass.value = "";
        [].forEach.call(klass.options, function (o) {
          if (o.value !== "" && (o.getAttribute("data-class") === v || o.value === v)) { klass.value = o.value; }
        });
        used = true;
      }
    });
    return used;
  }
  text.addEventListener("input", apply);
  only.addEventListener("change", apply);
  klass.addEventListener("change", apply);
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  reset.addEventListener("click", function () {
    text.value = ""; only.checked = false; klass.value = "";
    boxes.forEach(function (b) { b.checked = false; });
    apply();
  });
  window.addEventListener("hashchange", function () { if (fromHash()) { apply(); } });
  fromHash();
  apply();
})();
