// slakeeper console: countdowns between refreshes, keyboard moves in the queue, tidy filter
// URLs. Plain JavaScript, no build step; the pages work without it.
(function () {
  "use strict";

  function duration(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600);
    var m = Math.floor((s % 3600) / 60), sec = s % 60;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    if (d) return d + "d " + h + "h";
    if (h) return h + "h " + pad(m) + "m";
    return m ? m + "m " + pad(sec) + "s" : sec + "s";
  }

  // The server's `now` (a fixed clock in tests and demos) against the browser's clock.
  var offset = 0;
  function syncClock() {
    var queue = document.querySelector("[data-now]");
    if (queue) offset = Date.parse(queue.getAttribute("data-now")) - Date.now();
  }

  function tick() {
    var now = Date.now() + offset;
    document.querySelectorAll(".badge[data-due]").forEach(function (badge) {
      var state = badge.getAttribute("data-state");
      if (state === "paused") return;
      var due = Date.parse(badge.getAttribute("data-due"));
      var warn = badge.getAttribute("data-warn");
      if (now >= due) state = "breached";
      else if (warn && now >= Date.parse(warn)) state = "warning";
      badge.setAttribute("data-state", state);
      badge.className = "badge badge-" + state;
      var label = badge.getAttribute("data-metric") + ": ";
      badge.textContent = state === "breached"
        ? label + "breached " + duration(now - due) + " ago"
        : label + duration(due - now) + " left" + (state === "warning" ? " (at risk)" : "");
    });
  }

  // Keyboard: j/k (or arrows) move the selection, Enter or o open it, / goes to the filters.
  var selected = null;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("table.queue tbody tr")); }
  function select(row) {
    rows().forEach(function (r) { r.classList.remove("selected"); });
    if (!row) return;
    row.classList.add("selected");  // the row's link takes the focus: that is what is announced
    selected = row.getAttribute("data-ticket");
    var link = row.querySelector("a.open");
    if (link) link.focus({ preventScroll: false });
  }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    var index = all.findIndex(function (r) { return r.getAttribute("data-ticket") === selected; });
    index = index < 0 ? 0 : Math.min(all.length - 1, Math.max(0, index + step));
    select(all[index]);
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    if (target && /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName)) return;
    if (!document.querySelector("table.queue")) return;
    if (event.key === "j" || event.key === "ArrowDown") { move(1); event.preventDefault(); }
    else if (event.key === "k" || event.key === "ArrowUp") { move(-1); event.preventDefault(); }
    else if (event.key === "o") {
      var row = document.querySelector("tr.selected a.open");
      if (row) { row.click(); event.preventDefault(); }
    } else if (event.key === "/") {
      var first = document.querySelector(".filters input");
      if (first) { first.focus(); event.preventDefault(); }
    }
  });

  // A refresh replaces the table: keep the selection, and the keyboard focus on it (the
  // document, and so the scroll position, stay as they are).
  var focusWasInQueue = false;
  document.addEventListener("htmx:beforeSwap", function () {
    var active = document.activeElement;
    focusWasInQueue = !!(active && active.closest && active.closest("#queue"));
  });
  document.addEventListener("htmx:afterSettle", function () {
    syncClock();
    tick();
    if (selected) {
      var row = document.querySelector('table.queue tr[data-ticket="' + CSS.escape(selected) + '"]');
      if (row) {
        row.classList.add("selected");
        var link = row.querySelector("a.open");
        if (link && focusWasInQueue) link.focus({ preventScroll: true });
      }
    }
  });
  // Filters: leave empty fields out of the URL.
  document.addEventListener("htmx:configRequest", function (event) {
    var params = event.detail.parameters;
    var names = [];
    if (params && typeof params.forEach === "function") params.forEach(function (_v, k) { names.push(k); });
    else if (params) names = Object.keys(params);
    names.forEach(function (name) {
      var value = params.get ? params.get(name) : params[name];
      if (value === "" || value === null) {
        if (params.delete) params.delete(name); else delete params[name];
      }
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    syncClock();
    tick();
    setInterval(tick, 1000);
  });
})();
