// cedar-gates web inbox: countdowns, live list updates (polling /api/pending), scope confirmation.
// No inline script anywhere (CSP script-src 'self'); server HTML is escaped by the templates,
// and nothing from /api/pending is ever inserted as HTML.
"use strict";
(function () {
  var list = document.getElementById("pending");
  var live = document.getElementById("live");
  var offset = 0; // server clock minus this browser's clock, in seconds

  function fmt(left) {
    if (left < 0) return "expired";
    if (left >= 60) {
      var s = left % 60;
      return Math.floor(left / 60) + "m " + (s < 10 ? "0" : "") + s + "s left";
    }
    return left + "s left";
  }

  function tick() {
    var now = Date.now() / 1000 + offset;
    document.querySelectorAll(".countdown[data-deadline]").forEach(function (el) {
      var left = Math.floor(Number(el.dataset.deadline) - now);
      el.textContent = fmt(left);
      el.classList.toggle("urgent", left >= 0 && left < 30);
      var card = el.closest(".card");
      if (card && left < 0) settle(card, "Its deadline passed: timed out (denied).");
    });
  }

  function settle(card, text) {
    if (card.classList.contains("settled")) return;
    card.classList.add("settled");
    card.querySelectorAll("button, input, textarea, select").forEach(function (el) { el.disabled = true; });
    var note = document.createElement("p");
    note.className = "settled-note";
    note.textContent = text + " See History.";
    card.appendChild(note);
  }

  function syncConfirm(form) {
    var chosen = form.querySelector("input[name=scope_kind]:checked");
    var wide = !!(chosen && chosen.dataset.sessionWide);
    var box = form.querySelector("input[name=confirm_session]");
    if (!box) return;
    box.required = wide;
    box.closest(".confirm").classList.toggle("off", !wide);
    if (!wide) box.checked = false;
  }

  document.addEventListener("change", function (ev) {
    var t = ev.target;
    if (t && t.name === "scope_kind" && t.form) syncConfirm(t.form);
  });
  document.addEventListener("focusin", function (ev) {
    // typing a pattern or choosing a rule picks that scope
    var t = ev.target;
    if (!t || !t.form || !t.closest(".scope")) return;
    var radio = t.closest(".scope").querySelector("input[name=scope_kind]");
    if (radio && !radio.checked && t !== radio) { radio.checked = true; syncConfirm(t.form); }
  });

  function prepare(root) {
    root.querySelectorAll("form.approve").forEach(syncConfirm);
  }

  function updateCount() {
    if (!list) return;
    var n = list.querySelectorAll(".card:not(.settled)").length;
    var count = document.getElementById("count");
    if (count) count.textContent = String(n);
    var empty = document.getElementById("empty");
    if (empty) empty.classList.toggle("hidden", list.querySelectorAll(".card").length > 0);
    document.title = "Pending (" + n + ") · cedar-gates";
  }

  async function poll() {
    try {
      var res = await fetch("/api/pending", { credentials: "same-origin", cache: "no-store" });
      if (!res.ok) throw new Error("HTTP " + res.status);
      var data = await res.json();
      offset = data.now - Date.now() / 1000;
      var ids = new Set(data.pending.map(function (p) { return p.id; }));
      list.querySelectorAll(".card[data-id]").forEach(function (card) {
        if (!ids.has(card.dataset.id)) settle(card, "Decided elsewhere or timed out.");
      });
      for (var i = 0; i < data.pending.length; i++) {
        var id = data.pending[i].id;
        if (document.getElementById("req-" + id)) continue;
        var part = await fetch("/partials/request/" + encodeURIComponent(id), { credentials: "same-origin", cache: "no-store" });
        if (!part.ok) continue;
        var tpl = document.createElement("template");
        tpl.innerHTML = await part.text(); // server-rendered, autoescaped
        var card = tpl.content.querySelector(".card");
        if (card && !document.getElementById(card.id)) { prepare(tpl.content); list.appendChild(card); }
      }
      if (live) { live.textContent = "live · updated " + new Date().toLocaleTimeString(); live.classList.remove("offline"); }
    } catch (e) {
      if (live) { live.textContent = "offline: " + e.message + " (retrying)"; live.classList.add("offline"); }
    }
    updateCount();
    tick();
  }

  prepare(document);
  tick();
  setInterval(tick, 1000);
  if (list) {
    var every = Number((live && live.dataset.pollMs) || 2000);
    setInterval(poll, every);
    poll();
  }
})();
