/**
 * The portal's progressive enhancement, served as `/portal/assets/portal.js` and loaded with
 * the page's nonce. Every page works without it; with it, tables gain a search box and
 * sortable headers, copy buttons copy, expiry times count down and the theme can be toggled.
 */
export const portalScript = `"use strict";
(function () {
  var root = document.documentElement;
  try {
    var saved = localStorage.getItem("crabbox-theme");
    if (saved === "light" || saved === "dark") root.setAttribute("data-theme", saved);
  } catch (e) {}

  function currentTheme() {
    var explicit = root.getAttribute("data-theme");
    if (explicit) return explicit;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  document.querySelectorAll("[data-theme-toggle]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var next = currentTheme() === "dark" ? "light" : "dark";
      root.setAttribute("data-theme", next);
      try { localStorage.setItem("crabbox-theme", next); } catch (e) {}
    });
  });

  function cellKey(row, index) {
    var cell = row.cells[index];
    if (!cell) return "";
    return cell.hasAttribute("data-sort") ? cell.getAttribute("data-sort") : cell.textContent.trim();
  }

  function compare(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) return x - y;
    return a.localeCompare(b, undefined, { numeric: true, sensitivity: "base" });
  }

  function enhanceTable(table) {
    var body = table.tBodies[0];
    if (!body) return;
    var rows = Array.prototype.slice.call(body.rows);
    enableSorting(table, body, rows);
    // A one-row table needs no search box.
    if (rows.length < 2) return;
    var tools = document.createElement("div");
    tools.className = "table-tools";
    var search = document.createElement("input");
    search.type = "search";
    search.placeholder = "Search this table";
    search.setAttribute("aria-label", "Search " + (table.getAttribute("aria-label") || "table"));
    search.setAttribute("data-table-search", "");
    var count = document.createElement("span");
    count.className = "muted";
    count.setAttribute("aria-live", "polite");
    tools.appendChild(search);
    tools.appendChild(count);
    var anchor = table.closest(".table-wrap") || table;
    anchor.parentNode.insertBefore(tools, anchor);

    function applySearch() {
      var terms = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.textContent.toLowerCase();
        var match = terms.every(function (term) { return text.indexOf(term) >= 0; });
        row.hidden = !match;
        if (match) shown++;
      });
      count.textContent = shown + " of " + rows.length;
    }
    search.addEventListener("input", applySearch);
    applySearch();

  }

  function enableSorting(table, body, rows) {
    var headers = table.tHead ? Array.prototype.slice.call(table.tHead.rows[0].cells) : [];
    headers.forEach(function (th, index) {
      if (th.hasAttribute("data-nosort")) return;
      th.setAttribute("aria-sort", "none");
      th.tabIndex = 0;
      function sort() {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (other) { if (other.hasAttribute("aria-sort")) other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        rows.sort(function (a, b) {
          var order = compare(cellKey(a, index), cellKey(b, index));
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (event) {
        if (event.key === "Enter" || event.key === " ") { event.preventDefault(); sort(); }
      });
    });
  }
  document.querySelectorAll("table[data-portal-table]").forEach(enhanceTable);

  function fallbackCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { document.body.removeChild(area); }
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var text = button.getAttribute("data-copy") || "";
      var done = function () {
        var label = button.textContent;
        button.textContent = "Copied";
        setTimeout(function () { button.textContent = label; }, 1500);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done, function () { fallbackCopy(text); done(); });
      } else {
        fallbackCopy(text);
        done();
      }
    });
  });

  function remaining(ms) {
    if (ms <= 0) return "now";
    var s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return "in " + (h ? h + "h " : "") + (h || m ? m + "m " : "") + (s % 60) + "s";
  }
  var countdowns = document.querySelectorAll("[data-countdown]");
  function tick() {
    countdowns.forEach(function (el) {
      var at = Date.parse(el.getAttribute("data-countdown") || "");
      if (!isNaN(at)) el.textContent = remaining(at - Date.now());
    });
  }
  if (countdowns.length) { tick(); setInterval(tick, 1000); }
})();
`;
