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

  // Numbers on chart axes and tooltips: the same rules as zhizao.web.fmt.axis_num (separators,
  // 万/亿 for large values, never scientific notation). The server marks where they go with
  // "zhizao:num" / "zhizao:pct" (JSON carries no functions).
  function axisNum(v) {
    if (v === null || v === undefined || v === "" || isNaN(Number(v))) return v === null || v === undefined ? "" : String(v);
    var x = Number(v), a = Math.abs(x);
    function short(n) { return n.toLocaleString("en-US", { maximumSignificantDigits: 4 }); }
    if (a >= 1e8) return short(x / 1e8) + "亿";
    if (a >= 1e5) return short(x / 1e4) + "万";
    if (Number.isInteger(x)) return x.toLocaleString("en-US");
    return short(x);
  }
  function axisPct(v) { return v === null || v === undefined ? "" : axisNum(v) + "%"; }
  // a pie's slice: its name over its count (1,130), and in the tooltip its share as well
  function pieLabel(p) { return p.name + "\n" + axisNum(p.value); }
  function pieTip(p) { return p.name + "：" + axisNum(p.value) + "（" + p.percent + "%）"; }
  var FORMATTERS = { "zhizao:num": axisNum, "zhizao:pct": axisPct, "zhizao:pie-label": pieLabel,
                     "zhizao:pie-tip": pieTip };
  function withFormatters(o) {
    if (Array.isArray(o)) return o.map(withFormatters);
    if (o && typeof o === "object") {
      Object.keys(o).forEach(function (k) {
        var v = o[k];
        if (typeof v === "string" && FORMATTERS[v]) o[k] = FORMATTERS[v];
        else o[k] = withFormatters(v);
      });
    }
    return o;
  }
  window.zhizaoAxisNum = axisNum;

  // Drafts: what is typed into a posted form is kept in this tab's sessionStorage until the
  // server confirms it (a success message), so a session that ends while a firm writes an
  // objection loses nothing: after logging in the form is filled in again.
  function draftKey(form) { return "zhizao-draft:" + location.pathname + ":" + (form.getAttribute("action") || ""); }
  function draftFields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.name !== "csrf_token" && (el.tagName === "TEXTAREA" || el.tagName === "SELECT" ||
        (el.tagName === "INPUT" && /^(text|number|date|email|tel|url|search)$/.test(el.type)));
    });
  }
  function initDrafts() {
    var store;
    try { store = window.sessionStorage; store.getItem("x"); } catch (e) { return; }
    if (document.querySelector(".flash.success")) {
      Object.keys(store).forEach(function (k) { if (k.indexOf("zhizao-draft:") === 0 && store.getItem(k + ":sent")) { store.removeItem(k); store.removeItem(k + ":sent"); } });
    }
    document.querySelectorAll("form[method=post]").forEach(function (form) {
      var action = form.getAttribute("action") || "";
      if (action === "/login" || action === "/logout") return;
      var fields = draftFields(form);
      if (!fields.some(function (el) { return el.tagName === "TEXTAREA" || el.type === "text"; })) return;
      var key = draftKey(form), saved = null;
      try { saved = JSON.parse(store.getItem(key) || "null"); } catch (e) { saved = null; }
      if (saved) {
        fields.forEach(function (el) { if (saved[el.name] !== undefined && !el.value) el.value = saved[el.name]; });
        fields.forEach(function (el) { if (saved[el.name] !== undefined && el.tagName === "SELECT") el.value = saved[el.name]; });
        form.setAttribute("data-draft-restored", "1");
      }
      function save() {
        var data = {};
        fields.forEach(function (el) { data[el.name] = el.value; });
        store.setItem(key, JSON.stringify(data));
      }
      form.addEventListener("input", save);
      form.addEventListener("change", save);
      form.addEventListener("submit", function () { save(); store.setItem(key + ":sent", "1"); });
    });
  }

  // Phone cards: each cell carries its column's header as data-label (the CSS shows it
  // before the value when the table collapses into cards below 640px).
  function initCardTables() {
    document.querySelectorAll(".table-wrap table:not(.no-cards)").forEach(function (table) {
      var head = table.tHead && table.tHead.rows[0];
      if (!head) return;
      var labels = Array.prototype.map.call(head.cells, function (th) {
        var mark = th.querySelector(".sort-mark");
        var text = th.textContent.trim();
        if (mark) text = text.replace(mark.textContent, "").trim();
        return text;
      });
      Array.prototype.forEach.call(table.tBodies, function (tb) {
        Array.prototype.forEach.call(tb.rows, function (tr) {
          Array.prototype.forEach.call(tr.cells, function (td, i) {
            if (!td.hasAttribute("data-label")) td.setAttribute("data-label", labels[i] || "");
          });
        });
      });
    });
  }

  // Charts: each <div data-chart="ID"> takes its ECharts option from <script type="application/json" id="ID">,
  // so the page works with the data embedded by the server and needs no extra request.
  var charts = [];
  function initCharts() {
    if (!document.querySelector("[data-chart]")) return;
    if (typeof echarts === "undefined") {
      // a page whose charts come from a room's section: the library is fetched when needed
      var tag = document.createElement("script");
      tag.src = "/static/vendor/echarts/echarts.min.js";
      tag.onload = initCharts;
      document.head.appendChild(tag);
      return;
    }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var src = document.getElementById(el.getAttribute("data-chart"));
      if (!src) return;
      var option;
      try { option = withFormatters(JSON.parse(src.textContent)); } catch (e) { return; }
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
    document.querySelectorAll("button[data-confirm]").forEach(function (b) {
      b.addEventListener("click", function (e) {
        if (!window.confirm(b.getAttribute("data-confirm"))) e.preventDefault();
      });
    });
  }

  // A job's progress page (a report being prepared): poll its JSON status every 2 s, show the
  // status fields ([data-job-field]), and go to data-done-url once it is ready or failed.
  // Without JS the page's <noscript> meta refresh does the same.
  function initJobPoll() {
    var box = document.querySelector("[data-poll-url]");
    if (!box || !window.fetch) return;
    var url = box.getAttribute("data-poll-url"), done = box.getAttribute("data-done-url");
    function tick() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (st) {
          if (!st) return setTimeout(tick, 4000);
          if (st.ready || st.failed) { window.location.replace(done); return; }
          box.querySelectorAll("[data-job-field]").forEach(function (el) {
            var v = st[el.getAttribute("data-job-field")];
            if (v !== undefined && v !== null && v !== "") el.textContent = v;
          });
          var bar = box.querySelector("progress");
          if (bar && st.step) bar.value = st.step;
          setTimeout(tick, 2000);
        })
        .catch(function () { setTimeout(tick, 4000); });
    }
    setTimeout(tick, 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    initJobPoll();
    initNav();
    initSorting();
    initCharts();
    initConfirm();
    initDrafts();
    initCardTables();
    window.zhizaoCharts = charts;
  });
})();
