/* The officer's phone: my status and my assignments, live over my own socket (/ws/officer/). A new
 * offer rings and vibrates until it is accepted (sound needs the visible "turn on sound" tap,
 * as on the desk); each step is one tap, written by the server's services. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("phone-config").textContent);
  var basemap = JSON.parse(document.getElementById("phone-basemap").textContent);
  var ui = config.ui;
  var list = document.getElementById("assignments");
  var empty = document.getElementById("no-assignment");
  var statusNode = document.getElementById("my-status");
  var live = document.getElementById("live-state");
  var drawn = {};  // assignment id -> {json, node, map}
  var myPosition = null;

  function t(key, params) {
    var s = ui[key] || key;
    Object.keys(params || {}).forEach(function (k) { s = s.split("%(" + k + ")s").join(String(params[k])); });
    return s;
  }
  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content != null) { node.textContent = content; }
    return node;
  }
  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(config.sw, { scope: "/officer/" }).catch(function () { /* not installable here */ });
  }
  if ("geolocation" in navigator) {
    navigator.geolocation.watchPosition(function (pos) { myPosition = pos.coords; }, function () {},
      { enableHighAccuracy: true, maximumAge: 5000, timeout: 20000 });
  }

  // --- sound and vibration until accepted -------------------------------------------------
  var sound = window.SmartZoneSound(document.getElementById("sz-sound"), { on: t("soundOn"), off: t("soundOff") });
  var ringTimer = null;
  function ring(on) {
    if (on && !ringTimer) {
      var once = function () {
        document.body.dataset.rings = String(Number(document.body.dataset.rings || 0) + 1);
        sound.beep(2, 988, 0.3);
        if (navigator.vibrate) { navigator.vibrate([400, 200, 400]); }
      };
      once();
      ringTimer = setInterval(once, 1500);
    } else if (!on && ringTimer) {
      clearInterval(ringTimer);
      ringTimer = null;
      if (navigator.vibrate) { navigator.vibrate(0); }
    }
    document.body.dataset.ringing = on ? "true" : "false";
  }

  // --- drawing -----------------------------------------------------------------------------
  var NEXT = {
    offered: ["accept", "decline"],
    accepted: ["on_the_way", "on_scene"],
    on_the_way: ["on_scene"],
    on_scene: [],
  };

  function routeUrl(a) {
    return "https://www.google.com/maps/dir/?api=1&destination=" + a.lat + "," + a.lng;
  }
  function distanceText(a) {
    if (!myPosition || typeof a.lat !== "number") { return a.distance_m != null ? t("metres", { n: a.distance_m }) : ""; }
    var R = 6371000, rad = Math.PI / 180;
    var dLat = (a.lat - myPosition.latitude) * rad, dLng = (a.lng - myPosition.longitude) * rad;
    var h = Math.sin(dLat / 2) * Math.sin(dLat / 2) + Math.cos(a.lat * rad) * Math.cos(myPosition.latitude * rad) * Math.sin(dLng / 2) * Math.sin(dLng / 2);
    return t("metres", { n: Math.round(2 * R * Math.asin(Math.sqrt(h))) });
  }

  function send(a, step, card, form) {
    var body = form ? new FormData(form) : new FormData();
    body.set("step", step);
    var status = card.querySelector(".step-status");
    card.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    status.textContent = "";
    return fetch(a.step_url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRFToken": csrfToken(), Accept: "application/json" },
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (!r.ok) { throw new Error(data.detail || String(r.status)); }
        return data;
      });
    }).then(load, function (error) {
      status.textContent = t("failed", { reason: error.message });
      card.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      load();
    });
  }

  function drawCard(a) {
    var card = el("li", "assignment assignment-" + a.kind);
    card.dataset.assignment = a.id;
    card.dataset.state = a.state;
    card.dataset.testid = "assignment";
    if (String(config.focus) === String(a.id)) { card.classList.add("focus"); }
    var head = el("div", "assignment-head");
    head.appendChild(el("strong", "assignment-kind", a.kind === "sos" ? "SOS" : a.kind_label || ""));
    var badge = head.appendChild(el("span", "sz-badge", a.state_label));
    badge.dataset.state = a.state;
    badge.dataset.testid = "assignment-state";
    card.appendChild(head);
    if (a.state === "offered") {
      var left = Math.max(0, Math.round((Date.parse(a.due_at) - Date.now()) / 1000));
      card.appendChild(el("p", "offer-alert", t("offered", { n: left })));
    }
    card.appendChild(el("h2", "assignment-title", a.title));
    if (a.detail) { card.appendChild(el("p", "assignment-detail", a.detail)); }
    var facts = el("p", "assignment-facts");
    var when = el("time", null, SmartZoneDates.formatDateTime(a.received_at));
    when.dateTime = a.received_at;
    facts.appendChild(when);
    var distance = distanceText(a);
    if (distance) { facts.appendChild(el("span", "distance", " · " + distance)); }
    card.appendChild(facts);
    var links = el("div", "assignment-links");
    if (a.phone) {
      var call = el("a", "big-link call", t("call", { phone: a.phone }));
      call.href = "tel:" + a.phone.replace(/[^0-9+]/g, "");
      call.dataset.testid = "call";
      links.appendChild(call);
    }
    if (typeof a.lat === "number") {
      var route = el("a", "big-link route", t("route"));
      route.href = routeUrl(a);
      route.target = "_blank";
      route.rel = "noopener";
      route.dataset.testid = "route";
      links.appendChild(route);
    }
    card.appendChild(links);
    if (a.photos && a.photos.length) {
      var photos = el("div", "assignment-photos");
      a.photos.forEach(function (src) {
        var img = el("img");
        img.src = src;
        img.alt = t("photos");
        img.loading = "lazy";
        photos.appendChild(img);
      });
      card.appendChild(photos);
    }
    var mapBox = null;
    if (typeof a.lat === "number") {
      mapBox = el("div", "assignment-map");
      card.appendChild(mapBox);
    }
    var actions = el("div", "assignment-actions");
    (NEXT[a.state] || []).forEach(function (step) {
      var button = el("button", "big-button step-" + step, t(step));
      button.type = "button";
      button.dataset.step = step;
      button.dataset.testid = "step-" + step;
      button.addEventListener("click", function () { send(a, step, card); });
      actions.appendChild(button);
    });
    card.appendChild(actions);
    if (a.state !== "offered") {
      var form = el("form", "done-form");
      form.dataset.testid = "done-form";
      var note = el("textarea");
      note.name = "note";
      note.rows = 2;
      note.maxLength = 2000;
      note.placeholder = t("note");
      note.setAttribute("aria-label", t("note"));
      var files = el("input");
      files.type = "file";
      files.name = "photos";
      files.accept = "image/*";
      files.multiple = true;
      files.setAttribute("aria-label", t("photos"));
      var done = el("button", "big-button step-done", t("done"));
      done.type = "submit";
      done.dataset.testid = "step-done";
      // The browser's own file button speaks the browser's language: ours says it in Thai.
      var pick = el("label", "big-link pick-photos", t("photos"));
      files.className = "visually-hidden";
      files.addEventListener("change", function () {
        pick.textContent = t("photos") + (files.files.length ? " (" + files.files.length + ")" : "");
        pick.appendChild(files);
      });
      pick.appendChild(files);
      form.appendChild(note);
      form.appendChild(pick);
      form.appendChild(done);
      form.addEventListener("submit", function (event) { event.preventDefault(); send(a, "done", card, form); });
      card.appendChild(form);
    }
    card.appendChild(el("p", "step-status")).setAttribute("role", "status");
    return { node: card, mapBox: mapBox };
  }

  function drawMap(entry, a) {
    if (!entry.mapBox || !window.L) { return; }
    var map = L.map(entry.mapBox, { zoomControl: false, attributionControl: false }).setView([a.lat, a.lng], 16);
    SmartZoneBaseMap.add(map, basemap);
    L.circleMarker([a.lat, a.lng], { radius: 10, color: "#b3261e", weight: 3, fillColor: "#e53935", fillOpacity: 0.9 }).addTo(map);
    if (myPosition) {
      L.circleMarker([myPosition.latitude, myPosition.longitude], { radius: 7, color: "#0d2a4d", fillColor: "#29b6f6", fillOpacity: 1 }).addTo(map);
    }
    entry.map = map;
  }

  function show(mine) {
    statusNode.dataset.status = mine.status;
    statusNode.textContent = mine.status_label;
    var keep = {};
    var before = null;
    mine.assignments.forEach(function (a) {
      var json = JSON.stringify(a);
      var entry = drawn[a.id];
      if (!entry || entry.json !== json) {
        var fresh = drawCard(a);
        if (entry) { entry.node.replaceWith(fresh.node); if (entry.map) { entry.map.remove(); } }
        entry = drawn[a.id] = { json: json, node: fresh.node, mapBox: fresh.mapBox };
        drawMap(entry, a);
      }
      keep[a.id] = true;
      var next = before ? before.nextSibling : list.firstChild;
      if (entry.node !== next) { list.insertBefore(entry.node, next); }
      before = entry.node;
    });
    Object.keys(drawn).forEach(function (id) {
      if (!keep[id]) { if (drawn[id].map) { drawn[id].map.remove(); } drawn[id].node.remove(); delete drawn[id]; }
    });
    empty.hidden = mine.assignments.length > 0;
    empty.textContent = t("none");
    ring(mine.assignments.some(function (a) { return a.state === "offered"; }));
  }

  var loadSeq = 0;
  function load() {
    var seq = ++loadSeq;
    return fetch(config.mineUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (mine) { if (seq === loadSeq) { show(mine); } })
      .catch(function () { /* the next event or reconnect asks again */ });
  }

  // --- live: the station's socket, my assignments' events only ------------------------------
  var backoff = 1000;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + config.socketPath);
    var ping = null;
    socket.onopen = function () {
      backoff = 1000;
      // "My page is open": while it pings, an offer rings here and LINE waits (dispatch/presence.py).
      ping = setInterval(function () { socket.send(JSON.stringify({ type: "ping" })); }, config.pingMs);
    };
    socket.onmessage = function (message) {
      var data = JSON.parse(message.data);
      if (data.type === "ready") {
        live.dataset.state = "live";
        live.textContent = t("live");
        load();
        return;
      }
      if (data.type !== "event") { return; }
      var event = data.event;  // the socket carries only my own assignments' events
      if (event.kind.indexOf("dispatch.") === 0 && event.payload.officer === config.officer) { load(); }
    };
    socket.onclose = function () {
      clearInterval(ping);
      live.dataset.state = "offline";
      live.textContent = t("offline");
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 15000);
    };
  }

  show(JSON.parse(document.getElementById("phone-mine").textContent));
  connect();
  // A shift's end or a lost event: ask again now and then.
  setInterval(load, 30000);
})();
