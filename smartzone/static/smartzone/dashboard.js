/* The duty desk dashboard: the queue of what needs a person, the map with its layers and
 * legend, the alarm, and the quieter live feed of system notices.
 *
 * The socket sends every event of the station; after a reconnect it is asked for the events
 * after the last one seen, so nothing is lost. Apps add handlers for their event kinds with
 * SmartZone.onEvent(kind, fn), map layers with SmartZone.addOverlay(...), and refresh or end
 * queue items with SmartZone.queue, from their own static files.
 *
 * Every name shown on the map goes in as text (SmartZone.text), never as markup. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("dashboard-config").textContent);
  var ui = config.ui || {};
  var seen = new Set();
  var lastId = config.lastEventId || 0;
  var handlers = {};
  var feed = document.getElementById("feed");
  var state = document.getElementById("live-state");
  var stationQuery = "?station=" + config.station;

  /* Return UI's text for KEY with %(name)s replaced from PARAMS. */
  function t(key, params) {
    var s = ui[key] || key;
    Object.keys(params || {}).forEach(function (k) { s = s.split("%(" + k + ")s").join(String(params[k])); });
    return s;
  }
  /* Return a DOM node showing VALUE as plain text (for tooltips and popups). */
  function text(value, className) {
    var span = document.createElement("span");
    if (className) { span.className = className; }
    span.textContent = value == null ? "" : String(value);
    return span;
  }
  function el(tag, className, content) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (content != null) { node.textContent = content; }
    return node;
  }

  // What must be drawn before the desk counts as ready (apps add theirs as they load).
  var pending = { zones: true, queue: true };
  var loaded = false;
  var afterReady = [];
  function done(name) {
    delete pending[name];
    if (loaded && !Object.keys(pending).length && !document.body.dataset.ready) {
      document.body.dataset.ready = "true";
      if (window.performance && performance.mark) { performance.mark("sz-dashboard-ready"); }
      afterReady.splice(0).forEach(function (fn) { fn(); });
    }
  }

  var map = L.map("map").setView(config.center, 16);
  SmartZoneBaseMap.add(map, config.basemap);
  var layers = {
    zones: L.featureGroup().addTo(map),
    landmarks: L.featureGroup().addTo(map),
  };

  // --- map layers and legend --------------------------------------------------------------
  var overlays = [];  // {key, layer, label, symbol, legend}
  var legendList = el("div", "sz-legend-list");
  /* Add LAYER to the map's layer control and legend under KEY (its label is ui "layer.KEY"
   * unless OPTIONS.label): OPTIONS.symbol is the CSS symbol class, OPTIONS.legend a list of
   * {symbol, label} shown under it, OPTIONS.on false to start hidden. */
  function addOverlay(key, layer, options) {
    options = options || {};
    layers[key] = layer;
    if (options.on !== false) { layer.addTo(map); }
    overlays.push({ key: key, layer: layer, label: options.label || t("layer." + key),
                    symbol: options.symbol || "sz-sym-" + key,
                    legend: explained[key] || options.legend || [] });
    drawLegend();
    return layer;
  }
  /* Show ROWS ({symbol, label}) under the layer KEY in the legend, now or when it is added:
   * for an app that colours another app's markers (dispatch colours the patrol's officers). */
  var explained = {};
  function explainOverlay(key, rows) {
    explained[key] = rows;
    overlays.forEach(function (o) { if (o.key === key) { o.legend = rows; } });
    drawLegend();
  }
  function drawLegend() {
    legendList.textContent = "";
    overlays.forEach(function (o) {
      var row = el("label", "sz-legend-row");
      row.dataset.layer = o.key;
      var box = document.createElement("input");
      box.type = "checkbox";
      box.checked = map.hasLayer(o.layer);
      box.dataset.layer = o.key;
      box.addEventListener("change", function () {
        if (box.checked) { map.addLayer(o.layer); } else { map.removeLayer(o.layer); }
      });
      row.appendChild(box);
      row.appendChild(el("span", "sz-sym " + o.symbol));
      row.appendChild(text(o.label));
      legendList.appendChild(row);
      if (o.legend.length) {
        var sub = el("div", "sz-legend-sub");
        o.legend.forEach(function (entry) {
          var item = el("span", "sz-legend-item");
          item.appendChild(el("span", "sz-sym " + entry.symbol));
          item.appendChild(text(entry.label));
          sub.appendChild(item);
        });
        legendList.appendChild(sub);
      }
    });
  }
  var Legend = L.Control.extend({
    options: { position: "topright" },
    onAdd: function () {
      var box = el("details", "sz-legend leaflet-bar");
      box.dataset.testid = "legend";
      box.open = window.innerWidth > 800;
      box.appendChild(el("summary", null, t("layers")));
      box.appendChild(legendList);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    },
  });
  new Legend().addTo(map);
  addOverlay("zones", layers.zones);
  addOverlay("landmarks", layers.landmarks);

  function addZone(feature) {
    L.geoJSON(feature, {
      style: { color: "#b3261e", weight: 3, fillOpacity: 0.06, className: "sz-zone" },
    }).bindTooltip(text(feature.properties.name)).addTo(layers.zones);
  }

  var kindColours = { gold_shop: "#c9a227", market: "#2e7d32", government: "#1565c0", bank: "#6a1b9a" };
  var landmarkMarkers = {};
  function addLandmark(props) {
    if (landmarkMarkers[props.id]) { layers.landmarks.removeLayer(landmarkMarkers[props.id]); }
    landmarkMarkers[props.id] = L.circleMarker([props.lat, props.lng], {
      radius: 4, weight: 1, color: "#37474f", fillColor: kindColours[props.kind] || "#90a4ae",
      fillOpacity: 1, className: "sz-landmark",
    }).bindTooltip(text(props.name + " · " + (props.kind_label || props.kind))).addTo(layers.landmarks);
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }
  /* POST BODY as JSON with the CSRF token; resolve to the answer, reject with its reason. */
  function postJSON(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body || {}),
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) {
        if (r.ok) { return data; }
        var reason = data.detail || Object.keys(data).map(function (k) { return [].concat(data[k]).join(" "); }).join(" ");
        throw new Error(reason || String(r.status));
      });
    });
  }

  // The queue is asked for first: it is what the officer acts on.
  var firstQueue = getJSON("/api/v1/dashboard/queue/" + stationQuery);
  getJSON("/api/v1/zones/geojson/" + stationQuery).then(function (fc) {
    fc.features.forEach(addZone);
    if (layers.zones.getLayers().length) { map.fitBounds(layers.zones.getBounds(), { padding: [20, 20] }); }
  }).finally(function () { done("zones"); });
  getJSON("/api/v1/landmarks/geojson/" + stationQuery).then(function (fc) {
    fc.features.forEach(function (f) { addLandmark(f.properties); });
  });

  // --- sound and the flashing title ------------------------------------------------------
  var sound = window.SmartZoneSound(document.getElementById("sz-sound"), { on: t("soundOn"), off: t("soundOff") });

  var pageTitle = document.title;
  var flashing = null;  // {keys: {queue key: true}, timer}
  function stopFlash() {
    if (!flashing) { return; }
    clearInterval(flashing.timer);
    flashing = null;
    document.title = pageTitle;
  }
  function flashTitle(key, words) {
    if (!flashing) {
      var on = false;
      flashing = { keys: {}, timer: setInterval(function () {
        on = !on;
        document.title = on ? "🔴 " + flashing.words : pageTitle;
      }, 800) };
    }
    flashing.keys[key] = true;
    flashing.words = words;
    document.title = "🔴 " + words;
  }
  window.addEventListener("focus", stopFlash);

  var queueList = document.getElementById("sz-queue");
  /* Sound the alarm for the queue item KEY (WORDS for the title when no sound can play).
   * Every alarm is counted on the queue (data-alarms), so it can be checked. */
  function alarm(key, words) {
    queueList.dataset.alarms = String(Number(queueList.dataset.alarms || 0) + 1);
    if (!sound.beep(3)) { flashTitle(key, words); }
  }

  // --- the queue -----------------------------------------------------------------------
  var queueCount = document.getElementById("sz-queue-count");
  var queueEmpty = document.getElementById("sz-queue-empty");
  var cards = {};  // key -> {json, node}
  var ended = {};  // keys handled since the page loaded: a stale answer must not bring them back
  var queueSeq = 0;
  var queueTimer = null;

  function elapsed(since) {
    var s = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 1000));
    if (s < 60) { return t("seconds", { n: s }); }
    var m = Math.floor(s / 60);
    if (m < 60) { return t("minutes", { n: m }); }
    return t("hours", { h: Math.floor(m / 60), m: m % 60 });
  }
  function tick() {
    queueList.querySelectorAll("time.sz-elapsed").forEach(function (node) {
      node.textContent = elapsed(node.dateTime);
    });
  }
  setInterval(tick, 5000);

  function runAction(item, action, card, button) {
    var status = card.querySelector(".sz-card-status");
    card.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    status.textContent = t("working");
    status.dataset.state = "working";
    var chain = Promise.resolve();
    action.steps.forEach(function (step) {
      chain = chain.then(function () { return postJSON(step.url, step.body); });
    });
    chain.then(function () {
      status.textContent = "";
      status.dataset.state = "done";
      card.dataset.done = action.name;
      if (item.kind !== "match") { queue.end(item.key); }
      queue.refresh();
    }, function (error) {
      status.textContent = t("failed", { reason: error.message });
      status.dataset.state = "failed";
      card.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
      queue.refresh();
    });
    button.blur();
  }

  function drawCard(item) {
    var card = el("li", "sz-card sz-card-" + item.kind + (item.kind === "sos" ? " sz-sos-pinned" : ""));
    card.dataset.key = item.key;
    card.dataset.kind = item.kind;
    card.dataset.id = item.id;
    if (item.kind === "sos") { card.dataset.sos = item.id; }
    if (item.escalated) {
      card.classList.add("sz-sos-escalated");
      card.dataset.escalated = "true";
    }
    var head = el("div", "sz-card-head");
    head.appendChild(el("strong", "sz-card-kind", item.kind_label));
    if (item.escalated) { head.appendChild(el("strong", "sz-sos-escalated-tag", t("escalated"))); }
    else { head.appendChild(el("span", "sz-badge", item.state_label)).dataset.state = item.state; }
    var time = el("time", "sz-elapsed", elapsed(item.since));
    time.dateTime = item.since;
    time.title = SmartZoneDates.formatDateTime(item.since);
    head.appendChild(time);
    card.appendChild(head);
    var title = el("a", "sz-card-title", item.title);
    title.href = item.url;
    card.appendChild(title);
    if (item.detail) { card.appendChild(el("p", "sz-card-detail", item.detail)); }
    if (item.phone) {
      var phone = el("a", "sz-phone", t("callBack", { phone: item.phone }));
      phone.href = "tel:" + item.phone.replace(/[^0-9+]/g, "");
      card.appendChild(phone);
    }
    if (item.nearby && item.nearby.length) {
      var list = el("ul", "sz-nearby");
      list.setAttribute("aria-label", t("nearby"));
      item.nearby.forEach(function (n) {
        var li = el("li", null, (n.kind_label || n.kind) + ": " + n.name + " · " + t("metres", { n: Math.round(n.distance_m) }));
        li.dataset.kind = n.kind;
        list.appendChild(li);
      });
      card.appendChild(list);
    }
    var actions = el("div", "sz-card-actions");
    (item.actions || []).forEach(function (action, i) {
      var button = el("button", i === 0 ? "sz-act primary-act" : "sz-act", action.label);
      button.type = "button";
      button.dataset.action = action.name;
      button.addEventListener("click", function () { runAction(item, action, card, button); });
      actions.appendChild(button);
    });
    var open = el("a", "sz-act sz-open", t("open"));
    open.href = item.url;
    actions.appendChild(open);
    card.appendChild(actions);
    card.appendChild(el("p", "sz-card-status")).setAttribute("role", "status");
    if (typeof item.lat === "number" && typeof item.lng === "number") {
      title.addEventListener("mouseenter", function () { queue.emit("focus", item); });
    }
    return card;
  }

  function showQueue(items) {
    items = items.filter(function (item) { return !ended[item.key]; });
    var keep = {};
    var before = null;
    items.forEach(function (item) {
      var json = JSON.stringify(item);
      var entry = cards[item.key];
      if (!entry || entry.json !== json) {
        var node = drawCard(item);
        if (entry) { entry.node.replaceWith(node); }
        entry = cards[item.key] = { json: json, node: node, item: item };
      }
      keep[item.key] = true;
      var next = before ? before.nextSibling : queueList.firstChild;
      if (entry.node !== next) { queueList.insertBefore(entry.node, next); }
      before = entry.node;
    });
    Object.keys(cards).forEach(function (key) {
      if (!keep[key]) { cards[key].node.remove(); delete cards[key]; }
    });
    queueCount.textContent = String(items.length);
    queueEmpty.hidden = items.length > 0;
    if (flashing && !Object.keys(flashing.keys).some(function (k) { return keep[k]; })) { stopFlash(); }
    queue.emit("items", items);
  }

  var queueListeners = {};
  var queue = {
    /* Ask for the queue again (soon: several events in a burst make one request). */
    refresh: function () {
      clearTimeout(queueTimer);
      queueTimer = setTimeout(loadQueue, 150);
    },
    /* KEY ("sos:12") is handled: take its card away now, and never show it again. */
    end: function (key) {
      ended[key] = true;
      if (cards[key]) { cards[key].node.remove(); delete cards[key]; }
      queueCount.textContent = String(Object.keys(cards).length);
      queueEmpty.hidden = Object.keys(cards).length > 0;
      if (flashing && flashing.keys[key]) {
        delete flashing.keys[key];
        if (!Object.keys(flashing.keys).length) { stopFlash(); }
      }
      queue.emit("items", queue.items());
    },
    items: function () { return Object.keys(cards).map(function (k) { return cards[k].item; }); },
    card: function (key) { return cards[key] ? cards[key].node : null; },
    /* Call FN(items) after each redraw ("items"), FN(item) when a card is pointed at ("focus"). */
    on: function (name, fn) { (queueListeners[name] = queueListeners[name] || []).push(fn); },
    emit: function (name, value) { (queueListeners[name] || []).forEach(function (fn) { fn(value); }); },
  };
  function loadQueue() {
    var seq = ++queueSeq;
    return getJSON("/api/v1/dashboard/queue/" + stationQuery).then(function (answer) {
      if (seq === queueSeq) { showQueue(answer.items); }
    }).catch(function () { /* the next event asks again */ });
  }

  // --- the live feed (system notices and everything else, quieter) -----------------------
  var notices = document.getElementById("sz-notices");
  var noticesCount = document.getElementById("sz-notices-count");
  try {
    var remembered = localStorage.getItem("sz-notices-open");
    notices.open = remembered ? remembered === "1" : window.innerWidth > 800;
  } catch (e) { notices.open = window.innerWidth > 800; }
  notices.addEventListener("toggle", function () {
    try { localStorage.setItem("sz-notices-open", notices.open ? "1" : "0"); } catch (e) { /* fine */ }
  });
  function countFeed() { noticesCount.textContent = String(feed.children.length); }

  function label(event) {
    return config.labels[event.kind] || event.kind;
  }

  function feedItem(id, kind, words, when, fresh, level) {
    var li = el("li", fresh ? "fresh" : null);
    li.dataset.eventId = id;
    li.dataset.kind = kind;
    if (level) { li.dataset.level = level; }
    li.appendChild(words);
    if (when) {
      var time = el("time", null, SmartZoneDates.formatDateTime(when));
      time.dateTime = when;
      li.appendChild(time);
    }
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > 200) { feed.removeChild(feed.lastChild); }
    countFeed();
    return li;
  }

  function showEvent(event, fresh) {
    var p = event.payload || {};
    var words = document.createDocumentFragment();
    words.appendChild(el("span", "kind", label(event)));
    if (p.name || p.title) { words.appendChild(document.createTextNode(" " + (p.title || p.name))); }
    feedItem(event.id, event.kind, words, event.created_at, fresh);
    if ((event.kind === "landmark.created" || event.kind === "landmark.updated") &&
        typeof p.lat === "number" && typeof p.lng === "number") { addLandmark(p); }
    (handlers[event.kind] || []).concat(handlers["*"] || []).forEach(function (fn) { fn(event, map, fresh); });
  }

  /* Add a system notice (ID replaces an earlier one of the same id): TEXT, LEVEL "info",
   * "warning" or "error"; {id, remove: true} takes it away. */
  function notice(n) {
    var id = "notice-" + n.id;
    var old = feed.querySelector("li[data-notice='" + CSS.escape(String(n.id)) + "']");
    if (old) { old.remove(); countFeed(); }
    if (n.remove) { return null; }
    var li = feedItem(id, "notice", el("span", "kind", n.text), new Date().toISOString(), true, n.level || "info");
    li.dataset.notice = n.id;
    if (n.level === "warning" || n.level === "error") { notices.open = true; }
    return li;
  }

  function receive(event, fresh) {
    if (seen.has(event.id)) { return; }
    seen.add(event.id);
    if (event.id > lastId) { lastId = event.id; }
    showEvent(event, fresh);
  }

  var retry = 500;
  function setState(name, words) { state.dataset.state = name; state.textContent = words; }
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/dashboard/" + stationQuery + "&after=" + lastId);
    socket.onopen = function () { retry = 500; };
    socket.onmessage = function (m) {
      var msg = JSON.parse(m.data);
      if (msg.type === "event") { receive(msg.event, true); }
      else if (msg.type === "ready") { setState("live", config.labels["_live"] || "live"); }
    };
    socket.onclose = function () {
      setState("offline", config.labels["_offline"] || "offline");
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 10000);
      queue.refresh();  // what changed while the socket was down
    };
  }
  window.SmartZone = {
    map: map,
    layers: layers,
    config: config,
    feed: feed,
    getJSON: getJSON,
    postJSON: postJSON,
    t: t,
    text: text,
    addOverlay: addOverlay,
    explainOverlay: explainOverlay,
    queue: queue,
    alarm: alarm,
    notice: notice,
    /* Call FN once the desk is drawn (for what can wait: hotspots, partners, ...). */
    afterReady: function (fn) { if (document.body.dataset.ready) { fn(); } else { afterReady.push(fn); } },
    /* Say that NAME (e.g. "cameras") is drawn; the desk is ready when all are. */
    waitFor: function (name) { pending[name] = true; return function () { done(name); }; },
    /* Call FN(event, map, fresh) for each event of KIND ("*" for all), the initial ones
     * included (FRESH false for those). */
    onEvent: function (kind, fn) { (handlers[kind] = handlers[kind] || []).push(fn); },
  };

  // Apps' scripts load after this one and register their handlers before the page is ready.
  document.addEventListener("DOMContentLoaded", function () {
    config.initialEvents.forEach(function (e) { receive(e, false); });
    connect();
    var seq = ++queueSeq;
    firstQueue.then(function (answer) { if (seq === queueSeq) { showQueue(answer.items); } })
      .catch(function () { queue.refresh(); })
      .finally(function () { done("queue"); });
    loaded = true;
    done("_");
  });
})();
