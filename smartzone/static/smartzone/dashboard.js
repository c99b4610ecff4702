/* The duty desk dashboard: map of the station's zones and landmarks, and the live feed.
 *
 * The socket sends every event of the station; after a reconnect it is asked for the events
 * after the last one seen, so nothing is lost. Apps add handlers for their event kinds with
 * SmartZone.onEvent(kind, fn) from their own static files. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("dashboard-config").textContent);
  var seen = new Set();
  var lastId = config.lastEventId || 0;
  var handlers = {};
  var feed = document.getElementById("feed");
  var state = document.getElementById("live-state");

  var map = L.map("map").setView(config.center, 16);
  SmartZoneBaseMap.add(map, config.basemap);
  var layers = {
    zones: L.featureGroup().addTo(map),
    landmarks: L.featureGroup().addTo(map),
    events: L.featureGroup().addTo(map),
  };

  function addZone(feature) {
    L.geoJSON(feature, {
      style: { color: "#b3261e", weight: 3, fillOpacity: 0.08, className: "sz-zone" },
    }).bindTooltip(feature.properties.name).addTo(layers.zones);
  }

  var kindColours = { gold_shop: "#c9a227", market: "#2e7d32", government: "#1565c0", bank: "#6a1b9a" };
  var landmarkMarkers = {};
  function addLandmark(props) {
    if (landmarkMarkers[props.id]) { layers.landmarks.removeLayer(landmarkMarkers[props.id]); }
    landmarkMarkers[props.id] = L.circleMarker([props.lat, props.lng], {
      radius: 6, color: kindColours[props.kind] || "#455a64", fillOpacity: 0.8, className: "sz-landmark",
    }).bindTooltip(props.name + " · " + (props.kind_label || props.kind)).addTo(layers.landmarks);
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); });
  }
  var stationQuery = "?station=" + config.station;
  getJSON("/api/v1/zones/geojson/" + stationQuery).then(function (fc) {
    fc.features.forEach(addZone);
    if (layers.zones.getLayers().length) { map.fitBounds(layers.zones.getBounds(), { padding: [20, 20] }); }
  });
  getJSON("/api/v1/landmarks/geojson/" + stationQuery).then(function (fc) {
    fc.features.forEach(function (f) { addLandmark(f.properties); });
  });

  function label(event) {
    return config.labels[event.kind] || event.kind;
  }

  function showEvent(event, fresh) {
    var p = event.payload || {};
    var li = document.createElement("li");
    li.dataset.eventId = event.id;
    li.dataset.kind = event.kind;
    if (fresh) { li.className = "fresh"; }
    var kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = label(event);
    li.appendChild(kind);
    if (p.name || p.title) { li.appendChild(document.createTextNode(" " + (p.title || p.name))); }
    var time = document.createElement("time");
    time.dateTime = event.created_at;
    time.textContent = SmartZoneDates.formatDateTime(event.created_at);
    li.appendChild(time);
    feed.insertBefore(li, feed.firstChild);
    while (feed.children.length > 200) { feed.removeChild(feed.lastChild); }
    if (typeof p.lat === "number" && typeof p.lng === "number") {
      if (event.kind === "landmark.created" || event.kind === "landmark.updated") { addLandmark(p); }
      else {
        L.circleMarker([p.lat, p.lng], { radius: 9, color: "#b3261e", className: "sz-event-marker" })
          .bindTooltip(label(event) + (p.name ? " · " + p.name : "")).addTo(layers.events);
      }
    }
    (handlers[event.kind] || []).concat(handlers["*"] || []).forEach(function (fn) { fn(event, map); });
  }

  function receive(event, fresh) {
    if (seen.has(event.id)) { return; }
    seen.add(event.id);
    if (event.id > lastId) { lastId = event.id; }
    showEvent(event, fresh);
  }

  var retry = 500;
  function setState(name, text) { state.dataset.state = name; state.textContent = text; }
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
    };
  }
  window.SmartZone = {
    map: map,
    layers: layers,
    config: config,
    feed: feed,
    getJSON: getJSON,
    /* Call FN(event, map) for each event of KIND ("*" for all), the initial ones included. */
    onEvent: function (kind, fn) { (handlers[kind] = handlers[kind] || []).push(fn); },
  };

  // Apps' scripts load after this one and register their handlers before the page is ready.
  document.addEventListener("DOMContentLoaded", function () {
    config.initialEvents.forEach(function (e) { receive(e, false); });
    connect();
  });
})();
