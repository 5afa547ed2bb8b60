/* zhizao web UI: the little interaction the pages need, in plain JS (no build step). */
(function () {
  "use strict";

  // Phone navigation: the menu collapses behind a button below 720px.
  function initNav() {
    var btn = document.querySelector(".nav-toggle");
    var nav = document.querySelector(".site-header nav");
    if (!btn || !nav) return;
    btn.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      btn.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Sorting headers: numbers sort as numbers (data-value wins over the shown text, so
  // "1,234.5" or "高碳3级" can carry a sortable key); blanks go last.
  function cellKey(row, idx) {
    var cell = row.children[idx];
    if (!cell) return "";
    var v = cell.getAttribute("data-value");
    return v !== null ? v : cell.textContent.trim();
  }
  function asNumber(s) {
    if (s === "" || s === "—" || s === "-") return null;
    var n = Number(String(s).replace(/,/g, "").replace(/%$/, ""));
    return isNaN(n) ? undefined : n;
  }
  function sortTable(th) {
    var table = th.closest("table");
    var tbody = table.tBodies[0];
    if (!tbody) return;
    var idx = Array.prototype.indexOf.call(th.parentNode.children, th);
    var asc = !th.classList.contains("sort-asc");
    Array.prototype.forEach.call(th.parentNode.children, function (h) {
      h.classList.remove("sort-asc", "sort-desc");
    });
    th.classList.add(asc ? "sort-asc" : "sort-desc");
    var rows = Array.prototype.slice.call(tbody.rows).filter(function (r) { return !r.classList.contains("empty-row"); });
    rows.sort(function (a, b) {
      var ka = cellKey(a, idx), kb = cellKey(b, idx);
      var na = asNumber(ka), nb = asNumber(kb);
      if (na === null && nb !== null) return 1;
      if (nb === null && na !== null) return -1;
      var c;
      if (na !== undefined && nb !== undefined && na !== null && nb !== null) c = na - nb;
      else c = String(ka).localeCompare(String(kb), "zh-Hans-CN");
      return asc ? c : -c;
    });
    rows.forEach(function (r) { tbody.appendChild(r); });
  }
  function initSorting() {
    document.querySelectorAll("th.sortable").forEach(function (th) {
      th.setAttribute("tabindex", "0");
      th.addEventListener("click", function () { sortTable(th); });
      th.addEventListener("keydown", function (e) { if (e.key === "Enter") sortTable(th); });
    });
  }

  // Charts: each <div data-chart="ID"> takes its ECharts option from <script type="application/json" id="ID">,
  // so the page works with the data embedded by the server and needs no extra request.
  var charts = [];
  function initCharts() {
    if (typeof echarts === "undefined") return;
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var src = document.getElementById(el.getAttribute("data-chart"));
      if (!src) return;
      var option;
      try { option = JSON.parse(src.textContent); } catch (e) { return; }
      var chart = echarts.init(el, null, { renderer: "canvas" });
      option.animation = false;  // draw at once: printing, screenshots and slow phones
      chart.setOption(option);
      charts.push(chart);
      el.setAttribute("data-rendered", "1");
    });
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }

  // Confirm buttons (publish, decide): a plain confirm() is enough here.
  function initConfirm() {
    document.querySelectorAll("form[data-confirm]").forEach(function (f) {
      f.addEventListener("submit", function (e) {
        if (!window.confirm(f.getAttribute("data-confirm"))) e.preventDefault();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    initNav();
    initSorting();
    initCharts();
    initConfirm();
    window.zhizaoCharts = charts;
  });
})();
