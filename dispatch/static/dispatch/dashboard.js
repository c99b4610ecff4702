/* Dispatch on the duty desk: each SOS or report card lists the free officers on shift, nearest
 * first with the age of their position, to send with one click, or lets the platform offer it
 * (the next nearest if not accepted in time); every step is told on the feed as a notice; the
 * officers' markers on the map show their status (symbol per status) and the queue holds a
 * card per unit at work. */
(function () {
  "use strict";
  var SZ = window.SmartZone;
  if (!SZ) { return; }
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = document.currentScript.src.replace(/dashboard\.js(\?.*)?$/, "dashboard.css");
  document.head.appendChild(css);
  var station = "?station=" + SZ.config.station;
  var labels = {};
  var statusOf = {};  // officer id -> status
  var STATUSES = ["available", "assigned", "on_the_way", "on_scene"];
  var STATUS_OF_STATE = { offered: "assigned", accepted: "assigned", on_the_way: "on_the_way", on_scene: "on_scene" };

  function t(key, params) {
    var s = labels[key] || key;
    Object.keys(params || {}).forEach(function (k) { s = s.split("%(" + k + ")s").join(String(params[k])); });
    return s;
  }
  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content != null) { node.textContent = content; }
    return node;
  }

  /* Mark each officer marker (patrol/dashboard.js draws them) with its status. */
  function paint() {
    document.querySelectorAll(".sz-patrol-officer[data-officer]").forEach(function (node) {
      var status = statusOf[node.getAttribute("data-officer")] || "available";
      node.setAttribute("data-status", status);
      STATUSES.forEach(function (s) { node.classList.toggle("sz-unit-" + s, s === status); });
    });
  }

  var legendDone = false;
  function legend() {
    if (legendDone) { return; }
    legendDone = true;
    // The officers' markers are the patrol's layer: their colours are explained under it.
    SZ.explainOverlay("patrolOfficers", STATUSES.map(function (s) {
      return { symbol: "sz-sym-unit-" + s, label: t(s) };
    }));
  }

  function loadUnits() {
    return SZ.getJSON("/api/v1/dispatch/units/" + station).then(function (answer) {
      labels = answer.labels;
      statusOf = {};
      answer.units.forEach(function (u) { statusOf[u.officer] = u.status; });
      legend();
      paint();
    });
  }

  // --- the cards: ranked free officers, one-click send, automatic offer -------------------
  function decorate(item) {
    if (item.kind !== "sos" && item.kind !== "report") { return; }
    var card = SZ.queue.card(item.key);
    if (!card || card.querySelector(".sz-dispatch")) { return; }
    var box = el("div", "sz-dispatch");
    box.dataset.testid = "dispatch-" + item.key;
    card.insertBefore(box, card.querySelector(".sz-card-status"));
    SZ.getJSON("/api/v1/dispatch/units/" + station + "&kind=" + item.kind + "&id=" + item.id).then(function (answer) {
      labels = answer.labels;
      box.appendChild(el("p", "sz-dispatch-head", answer.units.length ? t("free") : t("noneFree")));
      var list = el("ol", "sz-dispatch-units");
      answer.units.slice(0, 4).forEach(function (u) {
        var li = el("li");
        li.dataset.officer = u.officer;
        var words = u.name + " · " + (u.distance_m == null ? t("noPosition") : t("metres", { n: u.distance_m }));
        if (u.position_age_s != null) { words += " · " + t("age", { n: u.position_age_s }); }
        li.appendChild(el("span", null, words));
        var send = el("button", "sz-act", t("send"));
        send.type = "button";
        send.dataset.action = "send-officer";
        send.addEventListener("click", function () { act(box, "/api/v1/dispatch/offer/", { kind: item.kind, item: item.id, officer: u.officer }, item); });
        li.appendChild(send);
        list.appendChild(li);
      });
      box.appendChild(list);
      if (answer.units.length) {
        var auto = el("button", "sz-act", t("auto"));
        auto.type = "button";
        auto.dataset.action = "offer-nearest";
        auto.addEventListener("click", function () { act(box, "/api/v1/dispatch/offer-nearest/", { kind: item.kind, item: item.id }, item); });
        box.appendChild(auto);
      }
    }).catch(function () { box.remove(); });
  }
  function act(box, url, body, item) {
    box.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    SZ.postJSON(url, body).then(function () {
      SZ.queue.end(item.key);
      SZ.queue.refresh();
    }, function (error) {
      var status = box.parentNode.querySelector(".sz-card-status");
      if (status) { status.textContent = error.message; status.dataset.state = "failed"; }
      box.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
    });
  }
  SZ.queue.on("items", function (items) { items.forEach(decorate); });

  // --- live steps ------------------------------------------------------------------------------
  ["offered", "accepted", "on_the_way", "on_scene", "done", "declined", "expired"].forEach(function (step) {
    SZ.onEvent("dispatch." + step, function (event, map, fresh) {
      var p = event.payload;
      statusOf[p.officer] = STATUS_OF_STATE[p.state] || "available";
      paint();
      if (!fresh) { return; }
      SZ.queue.refresh();
      SZ.notice({ id: "dispatch-" + p.item_key, text: t("step." + step, { name: p.officer_name }) + " · " + p.name,
                  level: step === "expired" || step === "declined" ? "warning" : "info" });
    });
  });
  SZ.onEvent("dispatch.no_officer", function (event, map, fresh) {
    if (!fresh) { return; }
    SZ.queue.refresh();
    SZ.notice({ id: "dispatch-" + event.payload.item_key, text: t("step.no_officer") + " · " + event.payload.name, level: "error" });
  });
  SZ.onEvent("patrol.position", function () { setTimeout(paint, 0); });
  SZ.afterReady(function () { loadUnits().then(function () { setTimeout(paint, 500); }); });
})();
