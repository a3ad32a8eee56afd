// The review queue worked with the keyboard: j/ArrowDown next, k/ArrowUp previous, Enter or 1 accept the
// first candidate, 2..9 choose another, r reject, u undo the last decision. Each key submits the item's own
// form, which htmx posts (with the session's CSRF header); without JavaScript the same forms still work.
// Resolving the current card (worker/web/resolve.py): / searches any open invoice (ArrowDown then reaches the
// results, Enter allocates), s split with amounts and a write-off, c customer credit, x not a customer payment,
// l to check later, h its history (Enter on an Undo button undoes that allocation), n a note on the item (any
// state; shown in its history); Escape goes back to the card. On a customer's page, n writes a note on them.
// A (shift+a) accepts the exact matches among the cards shown, after a confirmation with their count and total.
// Keys typed while a decision is being saved wait for its answer, or are refused visibly (at the end).
(function () {
  "use strict";

  function items() { return Array.prototype.slice.call(document.querySelectorAll("#queue .item")); }
  function current() { return document.querySelector("#queue .item.current"); }

  function select(el) {
    if (!el) { return; }
    items().forEach(function (i) { i.classList.remove("current"); i.removeAttribute("aria-current"); });
    el.classList.add("current");
    el.setAttribute("aria-current", "true");
    el.focus({ preventScroll: true });  // a screen reader reads the card the keys now act on
    el.scrollIntoView({ block: "nearest" });
  }

  // What a decision did, said by the page's polite live region (#announce, base.html): the answer carries the
  // sentence, in the page's language (data-announce on the decided card, on the queue after an undo, on a history).
  function announce() {
    var region = document.getElementById("announce");
    var said = document.querySelector("[data-announce]");
    if (!region || !said) { return; }
    region.textContent = said.getAttribute("data-announce");
    said.removeAttribute("data-announce");
  }

  // Nothing left to decide: said where the focus goes, so that the keys do not seem to stop working.
  function done(queue) {
    var note = document.getElementById("queue-done");
    var region = document.getElementById("announce");
    if (!note) {
      note = document.createElement("p");
      note.id = "queue-done";
      note.className = "empty";
      note.tabIndex = -1;
      note.textContent = (region && region.dataset.done) || "Nothing left to review.";
      queue.appendChild(note);
    }
    note.focus();
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
    announce();
    var queue = document.getElementById("queue");
    if (!queue) { return; }
    var decided = queue.querySelector(".item[data-just-decided]");
    if (decided) {
      decided.removeAttribute("data-just-decided");
      var following = nextPending(decided);
      var more = document.getElementById("queue-more");
      if (following === decided && more) { more.click(); return; }  // the page's last pending item: the next page
      var count = document.getElementById("pending-count");
      if (count && /^\d+$/.test(count.textContent)) { count.textContent = String(Math.max(0, +count.textContent - 1)); }
      if (following === decided) { done(queue); return; }
      select(following);
      decided.classList.remove("current");
      decided.removeAttribute("aria-current");
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

  // One key on the current card; false when the key is not the queue's or has nothing to act on.
  function act(key) {
    var item = current();
    if (key === "j" || key === "ArrowDown") { move(1); }
    else if (key === "k" || key === "ArrowUp") { move(-1); }
    else if (key === "Enter" || /^[1-9]$/.test(key)) {
      var n = key === "Enter" ? "1" : key;
      return decide(item && item.querySelector('form.accept[data-key="' + n + '"]'));
    }
    else if (key === "r") { return decide(item && item.querySelector("form.reject")); }
    else if (key === "/") { if (!field(item, ".find-invoice")) { return; } }
    else if (key === "s") { if (!field(item, ".split-invoice")) { return; } }
    else if (key === "c") { if (!field(item, ".credit-customer")) { return; } }
    else if (key === "x") { if (!field(item, ".not-customer-reason")) { return; } }
    else if (key === "l") { if (!field(item, ".to-check-note")) { return; } }
    else if (key === "n") { if (!field(item, ".item-note")) { return; } }
    else if (key === "h") { var shown = item && item.querySelector(".show-history"); if (!shown) { return; } shown.click(); }
    else if (key === "u") { return decide(document.getElementById("undo-form")); }
    else if (key === "A") { return exactShown(); }
    else { return false; }
    return true;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || !document.getElementById("queue")) { return; }
    var target = event.target;
    if (target.closest && target.closest("input, textarea, select, [contenteditable]")) { return; }
    if (event.key === "Enter" && target.closest && target.closest("button, a")) { return; }
    if (saving && Date.now() - savingSince > SAVING_MAX_MS) { saved(true); }  // an answer that never came
    if (saving || typed.length) { if (typeAhead(event.key)) { event.preventDefault(); } return; }
    if (act(event.key)) { event.preventDefault(); }
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

  // A (or its button): which of the pending cards shown are exact matches by the company's rule, to confirm with
  // Enter (count and total shown) or cancel with Escape; only the ids of the cards on the page are sent.
  function exactShown() {
    var open = document.getElementById("accept-exact-open");
    if (!open || !window.htmx) { return false; }
    var ids = items().filter(function (i) { return i.dataset.state === "pending"; })
      .map(function (i) { return "item=" + encodeURIComponent(i.dataset.item); });
    var filters = window.location.search.replace(/^\?/, "");
    window.htmx.ajax("GET", open.dataset.url + "?" + ids.concat(filters ? [filters] : []).join("&"),
                     { target: "#accept-exact", swap: "outerHTML" });
    return true;
  }

  function closeExact() {
    var shown = document.getElementById("accept-exact");
    if (shown) { shown.innerHTML = ""; }
    var item = current();
    if (item) { item.focus(); }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target.closest) { return; }
    if (target.closest("#accept-exact-open")) { exactShown(); }
    else if (target.closest("#accept-exact .cancel-exact")) { closeExact(); }
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && event.target.closest && event.target.closest("#accept-exact")) {
      closeExact();
      event.preventDefault();
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var elt = event.detail && event.detail.elt;
    if (elt && elt.id === "accept-exact") {
      var confirm = elt.querySelector(".confirm-exact");
      if (confirm) { confirm.focus(); }
    }
  });

  // A note written on a card: its box emptied for the next one (the answer is the item's history).
  document.addEventListener("htmx:afterRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (event.detail.successful && elt && elt.matches && elt.matches("form.item-note-form")) { elt.reset(); }
  });

  // The customer's page: n writes a note on the customer (worker/web/desk.py).
  document.addEventListener("keydown", function (event) {
    if (event.key !== "n" || event.ctrlKey || event.metaKey || event.altKey || document.getElementById("queue")) { return; }
    if (event.target.closest && event.target.closest("input, textarea, select, [contenteditable]")) { return; }
    var box = document.querySelector("#customer-notes .customer-note-text");
    if (box) { box.focus(); event.preventDefault(); }
  });

  // Keys typed while a decision is being saved are never dropped silently. Decisions and moves (Enter, 1-9, r,
  // u, j, k, arrows) wait in order and are applied to the following cards, one answer settled after the other;
  // a key opening a field (/, s, c, x, l, h, n, A) is refused, and every key after it until the answer settles (what
  // follows it was meant for that field); keys waiting behind a refused decision, or behind a key that had
  // nothing to act on, are refused too (they were meant for other cards). Each is said above the queue.
  var saving = null;  // the request (or, before htmx sends it, the form) of the decision being saved
  var typed = [];  // keys waiting for it, oldest first
  var blocked = [];  // keys refused while it is saved
  var savingSince = 0;
  var SAVING_MAX_MS = 30000;
  var TYPED_MAX = 50;
  var WAITS = /^(Enter|[1-9]|r|u|j|k|ArrowDown|ArrowUp)$/;
  var FIELDS = /^[\/scxlhnA]$/;

  function decide(form) {
    if (!form) { return false; }
    saving = form;
    savingSince = Date.now();
    submit(form);
    return true;
  }

  function tracked(elt) {
    return !!(elt && elt.matches && elt.matches("#queue form.accept, #queue form.reject, #undo-form, #queue-more, " +
                                                "#accept-exact form"));
  }

  function label(key) { return key === "ArrowDown" ? "\u2193" : key === "ArrowUp" ? "\u2191" : key; }

  function say(kind, keys) {
    var queue = document.getElementById("queue");
    var note = document.getElementById("queue-typed");
    if (!queue) { return; }
    if (!keys.length) { if (note && note.dataset.kind === "waiting") { note.remove(); } return; }
    if (!note) {
      note = document.createElement("p");
      note.id = "queue-typed";
      note.setAttribute("role", "status");
      queue.insertBefore(note, queue.firstChild);
    }
    note.dataset.kind = kind;
    note.className = kind === "waiting" ? "flash" : "flash error";
    note.textContent = (queue.getAttribute("data-typed-" + kind) || kind) + " " + keys.map(label).join(" ");
  }

  function typeAhead(key) {
    if (!WAITS.test(key) && !FIELDS.test(key)) { return false; }
    if (blocked.length || !WAITS.test(key) || typed.length >= TYPED_MAX) {
      blocked.push(key);
      say("blocked", blocked);
    } else {
      typed.push(key);
      say("waiting", typed);
    }
    return true;
  }

  function saved(refused) {
    saving = null;
    blocked = [];
    if (refused) { if (typed.length) { say("refused", typed.splice(0)); } return; }
    while (typed.length && !saving) {
      var key = typed.shift();
      if (!act(key)) { say("nothing", [key].concat(typed.splice(0))); return; }
    }
    say("waiting", typed);
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    if (tracked(event.detail.elt)) { saving = event.detail.xhr; savingSince = Date.now(); }
  });
  document.addEventListener("htmx:afterSettle", function (event) {  // after settle(): the next card is current
    var xhr = event.detail && event.detail.xhr;
    if (saving && xhr === saving) { saved(xhr.status >= 400); }
  });
  ["htmx:responseError", "htmx:sendError", "htmx:timeout", "htmx:sendAbort"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (saving && event.detail && (event.detail.xhr === saving || event.detail.elt === saving)) { saved(true); }
    });
  });
})();
