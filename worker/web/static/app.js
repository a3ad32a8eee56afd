// The review queue worked with the keyboard: j/ArrowDown next, k/ArrowUp previous, Enter or 1 accept the
// first candidate, 2..9 choose another, r reject, u undo the last decision. Each key submits the item's own
// form, which htmx posts (with the session's CSRF header); without JavaScript the same forms still work.
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
      if (candidate.dataset.state === "pending") { return candidate; }
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
      select(nextPending(decided));
      decided.classList.remove("current");
      decided.removeAttribute("aria-current");
      var count = document.getElementById("pending-count");
      if (count && /^\d+$/.test(count.textContent)) { count.textContent = String(Math.max(0, +count.textContent - 1)); }
      if (!current()) { select(decided); }
      return;
    }
    var focus = queue.dataset.focus && document.getElementById("item-" + queue.dataset.focus);
    queue.dataset.focus = "";
    if (focus) { select(focus); } else if (!current()) { move(0); }
  }

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
