/* SOS on the duty desk: its card leads the queue (smartzone's dashboard.js draws the cards from
 * /api/v1/dashboard/queue/), a flashing marker on the map while it waits, the alarm, and the
 * kiosks with their health. An escalated SOS (not acknowledged in time) goes to the top marked
 * "escalated"; it sounds the alarm again only on the dashboards of its audience (supervisors
 * and admins). Acknowledged or closed, it leaves the queue and the map. */
(function () {
  "use strict";
  var SZ = window.SmartZone;
  if (!SZ) return;
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = document.currentScript.src.replace(/dashboard\.js(\?.*)?$/, "sos.css");
  document.head.appendChild(css);

  var sosLayer = SZ.addOverlay("sos", L.featureGroup());
  var kioskLayer = SZ.addOverlay("kiosks", L.featureGroup(), {
    legend: [
      { symbol: "sz-sym-kiosk-online", label: SZ.t("camera.online") },
      { symbol: "sz-sym-kiosk-offline", label: SZ.t("camera.offline") },
    ],
  });
  var markers = {};  // sos id -> marker
  var kiosks = {};

  // The open SOS on the map follow the queue's SOS cards.
  SZ.queue.on("items", function (items) {
    var open = {};
    items.forEach(function (item) {
      if (item.kind !== "sos") return;
      open[item.id] = true;
      var marker = markers[item.id];
      // A phone SOS may come in before the phone gave its position: no marker until it does.
      if (typeof item.lat !== "number" || typeof item.lng !== "number") return;
      if (marker) marker.setLatLng([item.lat, item.lng]);
      if (!marker) {
        var icon = L.divIcon({ className: "sz-sos-marker", iconSize: [24, 24] });
        marker = markers[item.id] = L.marker([item.lat, item.lng], { icon: icon, zIndexOffset: 1000 })
          .bindTooltip(SZ.text(item.kind_label + " · " + item.title)).addTo(sosLayer);
        marker.on("click", function () { window.location.href = item.url; });
      }
      var element = marker.getElement && marker.getElement();
      if (element) { element.classList.toggle("sz-sos-marker-escalated", !!item.escalated); }
    });
    Object.keys(markers).forEach(function (id) {
      if (!open[id]) { sosLayer.removeLayer(markers[id]); delete markers[id]; }
    });
  });

  // An SOS already waiting when the page opens alarms once (or flashes the title).
  var first = true;
  SZ.queue.on("items", function (items) {
    if (!first) return;
    first = false;
    var waiting = items.filter(function (item) { return item.kind === "sos"; });
    var rang = Number(document.getElementById("sz-queue").dataset.alarms || 0);
    if (waiting.length && !rang) SZ.alarm("sos:" + waiting[0].id, "SOS · " + waiting[0].title);
  });

  function forMe(audience) {
    if (audience !== "supervisors") return true;
    return SZ.config.role === "supervisor" || SZ.config.role === "admin";
  }

  function showKiosk(k) {
    if (kiosks[k.id]) kioskLayer.removeLayer(kiosks[k.id]);
    if (k.retired) { delete kiosks[k.id]; return; }
    var status = k.status === "online" ? "online" : "offline";
    var icon = L.divIcon({ className: "sz-kiosk sz-kiosk-" + status, iconSize: [16, 16] });
    kiosks[k.id] = L.marker([k.lat, k.lng], { icon: icon })
      .bindTooltip(SZ.text(k.name + " · " + SZ.t("camera." + status))).addTo(kioskLayer);
  }

  SZ.onEvent("sos.raised", function (event, map, fresh) {
    if (fresh) SZ.alarm("sos:" + event.payload.id, "SOS · " + (event.payload.name || ""));
    if (fresh) SZ.queue.refresh();
  });
  // The phone gave its position after the SOS: the card's help and the marker follow.
  SZ.onEvent("sos.located", function (event, map, fresh) { if (fresh) SZ.queue.refresh(); });
  SZ.onEvent("sos.escalated", function (event, map, fresh) {
    if (fresh && forMe(event.payload.audience)) {
      SZ.alarm("sos:" + event.payload.id, "SOS · " + (event.payload.name || ""));
    }
    if (fresh) SZ.queue.refresh();
  });
  ["sos.acknowledged", "sos.dispatched", "sos.on_scene", "sos.closed"].forEach(function (kind) {
    SZ.onEvent(kind, function (event) { SZ.queue.end("sos:" + event.payload.id); });
  });
  ["kiosk.created", "kiosk.online", "kiosk.offline"].forEach(function (kind) {
    SZ.onEvent(kind, function (event) { showKiosk(event.payload); });
  });

  SZ.getJSON("/api/v1/sos/kiosks/").then(function (list) { list.forEach(showKiosk); });
})();
