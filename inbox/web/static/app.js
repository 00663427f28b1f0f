// Queue keyboard navigation (j/k/Enter), saved replies, the CSRF header for htmx.
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
    else if (e.key === "Enter" && current() >= 0 && tag !== "A") {
      e.preventDefault(); window.location.href = rows()[current()].getAttribute("data-href");
    }
  });
  document.addEventListener("htmx:afterSwap", function () {
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
    if (target && e.target.value) { document.getElementById(target).value = e.target.value; }
  });
})();
