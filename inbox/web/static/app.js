// Queue keyboard navigation (j/k/Enter, x ticks the row), ticking rows (shift-click
// for a range), saved replies, the CSRF header for htmx, and the counters of fields
// with a limit (inbox/core/limits.py): a form with a text over its limit is not sent.
(function () {
  "use strict";
  var token = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener("htmx:configRequest", function (e) {
    if (token) { e.detail.headers["X-CSRF-Token"] = token.content; }
  });

  // Keep the selection across the table's self-refresh (htmx swaps the tbody).
  var selectedHref = null;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr[data-href]")); }
  function select(index) {
    var all = rows();
    if (!all.length) { return; }
    index = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (r) { r.classList.remove("selected"); r.removeAttribute("aria-selected"); });
    var row = all[index];
    row.classList.add("selected");
    row.setAttribute("aria-selected", "true");
    selectedHref = row.getAttribute("data-href");
    var link = row.querySelector("a.rowlink");
    if (link) { link.focus({ preventScroll: false }); }
  }
  function current() { return rows().findIndex(function (r) { return r.classList.contains("selected"); }); }
  document.addEventListener("keydown", function (e) {
    if (!document.getElementById("queue")) { return; }
    var tag = (e.target && e.target.tagName) || "";
    if (/INPUT|SELECT|TEXTAREA/.test(tag) || e.altKey || e.ctrlKey || e.metaKey) { return; }
    if (e.key === "j") { e.preventDefault(); select(current() + 1); }
    else if (e.key === "k") { e.preventDefault(); select(Math.max(current() - 1, 0)); }
    else if (e.key === "x" && current() >= 0) {
      e.preventDefault();
      var box = rows()[current()].querySelector("input.pick");
      if (box) { box.checked = !box.checked; lastPick = box; counted(); }
    }
    else if (e.key === "Enter" && current() >= 0 && tag !== "A") {
      e.preventDefault(); window.location.href = rows()[current()].getAttribute("data-href");
    }
  });
  // Ticked rows: shift-click ticks (or clears) every row between it and the last one.
  var lastPick = null;
  var ticked = [];
  function picks() { return Array.prototype.slice.call(document.querySelectorAll("#queue input.pick")); }
  function counted() {
    var out = document.getElementById("bulk-count");
    if (out) { out.textContent = String(picks().filter(function (b) { return b.checked; }).length); }
  }
  document.addEventListener("click", function (e) {
    var box = e.target.closest && e.target.closest("#queue input.pick");
    if (!box) { return; }
    if (e.shiftKey && lastPick && lastPick !== box) {
      var all = picks(), a = all.indexOf(lastPick), b = all.indexOf(box);
      if (a >= 0 && b >= 0) {
        for (var i = Math.min(a, b); i <= Math.max(a, b); i++) { all[i].checked = box.checked; }
      }
    }
    lastPick = box;
    counted();
  });
  document.addEventListener("htmx:beforeSwap", function () {
    ticked = picks().filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
  });
  document.addEventListener("htmx:afterSwap", function () {
    picks().forEach(function (b) { if (ticked.indexOf(b.value) >= 0) { b.checked = true; } });
    lastPick = null;
    counted();
    if (!selectedHref) { return; }
    var all = rows();
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute("data-href") === selectedHref) { all[i].classList.add("selected"); }
    }
  });
  document.addEventListener("click", function (e) {
    var row = e.target.closest && e.target.closest("#queue tbody tr[data-href]");
    if (row && !e.target.closest("a, button, input, select")) { window.location.href = row.getAttribute("data-href"); }
  });
  document.addEventListener("change", function (e) {
    var target = e.target.getAttribute && e.target.getAttribute("data-fill");
    if (target && e.target.value) {
      var box = document.getElementById(target);
      box.value = e.target.value;
      box.dispatchEvent(new Event("input", { bubbles: true }));
    }
  });

  // Counters: "123 av 8 000 tecken", or how many too many. Characters as the server
  // counts them (code points; a line break is one). A quiet counter (short fields)
  // shows itself only near the limit.
  function length(value) { return Array.from(value.replace(/\r\n/g, "\n")).length; }
  function grouped(n) {
    var sep = document.documentElement.lang === "en" ? "," : "\u00a0";
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, sep);
  }
  function counters(root) { return Array.prototype.slice.call((root || document).querySelectorAll(".counter[data-for]")); }
  function recount(counter) {
    var input = document.getElementById(counter.getAttribute("data-for"));
    if (!input) { return true; }
    var most = parseInt(counter.getAttribute("data-limit"), 10);
    var n = length(input.value);
    var over = n > most;
    var text = over
      ? counter.getAttribute("data-over").replace("{over}", grouped(n - most))
      : counter.getAttribute("data-left").replace("{count}", grouped(n));
    if (counter.textContent !== text) { counter.textContent = text; }
    counter.classList.toggle("over", over);
    counter.hidden = counter.hasAttribute("data-quiet") && !over && n < most * 0.8;
    if (over) { input.setAttribute("aria-invalid", "true"); } else { input.removeAttribute("aria-invalid"); }
    return !over;
  }
  counters().forEach(recount);
  document.addEventListener("input", function (e) {
    var id = e.target && e.target.id;
    if (!id) { return; }
    counters().forEach(function (c) { if (c.getAttribute("data-for") === id) { recount(c); } });
  });
  document.addEventListener("submit", function (e) {
    var bad = counters(e.target).filter(function (c) { return !recount(c); });
    if (!bad.length) { return; }
    e.preventDefault();
    var input = document.getElementById(bad[0].getAttribute("data-for"));
    if (input) { input.focus(); }
  }, true);
})();
