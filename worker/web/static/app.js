// The review queue worked with the keyboard: j/ArrowDown next, k/ArrowUp previous, Enter or 1 accept the
// first candidate, 2..9 choose another, r reject, u undo the last decision. Each key submits the item's own
// form, which htmx posts (with the session's CSRF header); without JavaScript the same forms still work.
// Resolving the current card (worker/web/resolve.py): / searches any open invoice (ArrowDown then reaches the
// results, Enter allocates), s split with amounts and a write-off, c customer credit, x not a customer payment,
// l to check later, h its history (Enter on an Undo button undoes that allocation); Escape goes back to the card.
(function () {
  "use strict";

  function items() { return Array.prototype.slice.call(document.querySelectorAll("#queue .item")); }
  function current() { return document.querySelector("#queue .item.current"); }

  function select(el) {
    if (!el) { return; }
    items().forEach(function (i) { i.classList.remove("current"); i.removeAttribute("aria-current"); });
    el.classList.add("current");
    el.setAttribute("aria-current", "true");
    el.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var list = items();
    if (!list.length) { return; }
    var at = list.indexOf(current());
    var next = at < 0 ? 0 : Math.min(Math.max(at + step, 0), list.length - 1);
    select(list[next]);
  }

  function nextPending(from) {
    var list = items();
    var at = list.indexOf(from);
    for (var k = 1; k <= list.length; k++) {
      var candidate = list[(at + k) % list.length];
      if (candidate.dataset.state === "pending" || candidate.dataset.state === "to_check") { return candidate; }
    }
    return from;
  }

  function submit(form) { if (form) { form.requestSubmit(); } }

  function settle() {
    var queue = document.getElementById("queue");
    if (!queue) { return; }
    var decided = queue.querySelector(".item[data-just-decided]");
    if (decided) {
      decided.removeAttribute("data-just-decided");
      var following = nextPending(decided);
      var more = document.getElementById("queue-more");
      if (following === decided && more) { more.click(); return; }  // the page's last pending item: the next page
      select(following);
      decided.classList.remove("current");
      decided.removeAttribute("aria-current");
      var count = document.getElementById("pending-count");
      if (count && /^\d+$/.test(count.textContent)) { count.textContent = String(Math.max(0, +count.textContent - 1)); }
      if (!current()) { select(decided); }
      return;
    }
    var focus = queue.dataset.focus && document.getElementById("item-" + queue.dataset.focus);
    queue.dataset.focus = "";
    var before = lastCurrent && document.getElementById(lastCurrent);  // a card swapped with a refusal
    if (focus) { select(focus); } else if (!current() && before) { select(before); } else if (!current()) { move(0); }
  }

  var lastCurrent = null;
  document.addEventListener("htmx:beforeSwap", function () { var c = current(); lastCurrent = c ? c.id : null; });

  // The card's own fields, reached by a key: its resolve panel opened first when the field is inside it.
  function field(item, selector) {
    var el = item && item.querySelector(selector);
    if (!el) { return false; }
    var details = el.closest("details");
    if (details) { details.open = true; }
    el.focus();
    if (el.select) { el.select(); }
    return true;
  }

  // Keys inside a card's fields: Escape back to the card, arrows from the search box through its results.
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    var item = target.closest && target.closest("#queue .item");
    if (!item) { return; }
    if (event.key === "Escape" && target.closest("input, textarea, select, button")) {
      select(item);
      item.focus();
      event.preventDefault();
      return;
    }
    var choices = Array.prototype.slice.call(item.querySelectorAll(".found button.choose"));
    if (!choices.length || (event.key !== "ArrowDown" && event.key !== "ArrowUp")) { return; }
    if (target.classList.contains("find-invoice") && event.key === "ArrowDown") { choices[0].focus(); }
    else if (target.classList.contains("choose")) {
      var at = choices.indexOf(target) + (event.key === "ArrowDown" ? 1 : -1);
      if (at < 0) { field(item, ".find-invoice"); } else { choices[Math.min(at, choices.length - 1)].focus(); }
    }
    else { return; }
    event.preventDefault();
    event.stopPropagation();
  }, true);

  // A history just loaded by its key: focus on its first Undo button (Enter undoes that allocation).
  document.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.classList || !elt.classList.contains("history")) { return; }
    var undo = elt.querySelector("form.undo-allocation button");
    if (undo) { undo.focus(); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !document.getElementById("queue")) { return; }
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) { return; }
    if (event.key === "Enter" && target.closest && target.closest("button, a")) { return; }
    var item = current();
    var key = event.key;
    if (key === "j" || key === "ArrowDown") { move(1); }
    else if (key === "k" || key === "ArrowUp") { move(-1); }
    else if (key === "Enter" || /^[1-9]$/.test(key)) {
      var n = key === "Enter" ? "1" : key;
      if (item) { submit(item.querySelector('form.accept[data-key="' + n + '"]')); }
    }
    else if (key === "r") { if (item) { submit(item.querySelector("form.reject")); } }
    else if (key === "/") { if (!field(item, ".find-invoice")) { return; } }
    else if (key === "s") { if (!field(item, ".split-invoice")) { return; } }
    else if (key === "c") { if (!field(item, ".credit-customer")) { return; } }
    else if (key === "x") { if (!field(item, ".not-customer-reason")) { return; } }
    else if (key === "l") { if (!field(item, ".to-check-note")) { return; } }
    else if (key === "h") { var shown = item && item.querySelector(".show-history"); if (!shown) { return; } shown.click(); }
    else if (key === "u") { submit(document.getElementById("undo-form")); }
    else { return; }
    event.preventDefault();
  });

  // A refused or failed request (expired form, server error): said above the queue, never swapped in.
  document.addEventListener("htmx:responseError", function () {
    var queue = document.getElementById("queue");
    if (!queue) { return; }
    var note = document.getElementById("queue-error");
    if (!note) {
      note = document.createElement("p");
      note.id = "queue-error";
      note.className = "flash error";
      note.setAttribute("role", "alert");
      queue.insertBefore(note, queue.firstChild);
    }
    note.textContent = queue.dataset.error || "Error";
  });

  document.addEventListener("htmx:afterSettle", settle);
  document.addEventListener("DOMContentLoaded", settle);
})();
