// yujing console: table filter and sort, drag-and-drop on file inputs, confirmations,
// auto-submitting selects, print and back buttons. No framework, no inline script.
(function () {
  "use strict";
  function text(cell) { return (cell && cell.textContent || "").trim(); }
  document.querySelectorAll("input.filter[data-table]").forEach(function (box) {
    var table = document.getElementById(box.dataset.table);
    if (!table) return;
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      table.querySelectorAll("tbody tr").forEach(function (tr) {
        var t = tr.textContent.toLowerCase();
        tr.hidden = !words.every(function (w) { return t.indexOf(w) >= 0; });
      });
    });
  });
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th, i) {
      th.addEventListener("click", function () {
        var dir = th.dataset.dir === "asc" ? "desc" : "asc";
        table.querySelectorAll("thead th").forEach(function (o) { delete o.dataset.dir; });
        th.dataset.dir = dir;
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = text(a.cells[i]), y = text(b.cells[i]);
          var nx = parseFloat(x), ny = parseFloat(y);
          var c = (!isNaN(nx) && !isNaN(ny) && /^[\d.\-]+/.test(x) && /^[\d.\-]+/.test(y)) ? nx - ny : x.localeCompare(y, "zh-CN");
          return dir === "asc" ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  // No inline script or handler anywhere (the Content-Security-Policy forbids them):
  // the pages say what they want with data- attributes.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { if (select.form) { select.form.submit(); } });
  });
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (ev) { if (!window.confirm(form.dataset.confirm)) { ev.preventDefault(); } });
  });
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  document.querySelectorAll("a[data-back]").forEach(function (link) {
    link.addEventListener("click", function (ev) { if (window.history.length > 1) { ev.preventDefault(); window.history.back(); } });
  });
  // a whole student card (a row with data-href) opens the student, not only its link
  document.querySelectorAll("tr[data-href]").forEach(function (tr) {
    tr.style.cursor = "pointer";
    tr.addEventListener("click", function (ev) {
      if (ev.target.closest("a, button, input, select, textarea")) return;
      window.location.href = tr.dataset.href;
    });
  });
  document.querySelectorAll("label.drop").forEach(function (zone) {
    var input = zone.querySelector("input[type=file]");
    ["dragenter", "dragover"].forEach(function (e) { zone.addEventListener(e, function (ev) { ev.preventDefault(); zone.classList.add("over"); }); });
    ["dragleave", "drop"].forEach(function (e) { zone.addEventListener(e, function () { zone.classList.remove("over"); }); });
    zone.addEventListener("drop", function (ev) { ev.preventDefault(); if (input && ev.dataTransfer.files.length) { input.files = ev.dataTransfer.files; } });
  });
  // the phone upload page: name the files chosen with either button (拍照 / 选择文件)
  var chosen = document.getElementById("chosen");
  if (chosen) {
    var inputs = document.querySelectorAll("#upload-form input[type=file]");
    inputs.forEach(function (input) {
      input.addEventListener("change", function () {
        var names = [];
        inputs.forEach(function (i) { for (var k = 0; k < i.files.length; k++) { names.push(i.files[k].name); } });
        chosen.textContent = names.length ? "已选择 " + names.length + " 个：" + names.join("、") : "";
      });
    });
  }
})();
