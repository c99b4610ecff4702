/* SOS on the duty desk: a flashing marker, an item pinned at the top of the feed until it is
 * acknowledged, an alarm beep, and the kiosks with their health. Loaded after smartzone's
 * dashboard.js; open SOS are fetched on load so pinned items survive a reload.
 * An escalated SOS (not acknowledged in time) moves to the top, marked "escalated"; it sounds
 * the alarm again only on the dashboards of its audience (supervisors and admins). */
(function () {
  "use strict";
  var SZ = window.SmartZone;
  if (!SZ) return;
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = document.currentScript.src.replace(/dashboard\.js(\?.*)?$/, "sos.css");
  document.head.appendChild(css);

  var sosLayer = L.featureGroup().addTo(SZ.map);
  var kioskLayer = L.featureGroup().addTo(SZ.map);
  SZ.layers.sos = sosLayer;
  SZ.layers.kiosks = kioskLayer;
  var open = {};  // sos id -> {marker, item}
  // SOS acknowledged or closed since the page loaded: the open list fetched on load (or an
  // older event arriving late) may still show them as open and must not pin them again.
  var ended = {};
  var kiosks = {};
  var pinned = document.createElement("ul");
  pinned.id = "sz-sos-pinned";
  SZ.feed.parentNode.insertBefore(pinned, SZ.feed);

  function beep() {
    try {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      var ctx = new Ctx();
      [0, 0.35, 0.7].forEach(function (t) {
        var osc = ctx.createOscillator();
        var gain = ctx.createGain();
        osc.frequency.value = 880;
        osc.connect(gain); gain.connect(ctx.destination);
        gain.gain.value = 0.2;
        osc.start(ctx.currentTime + t); osc.stop(ctx.currentTime + t + 0.25);
      });
    } catch (e) { /* no audio: the flashing marker still shows */ }
  }

  // Every alarm sounded is counted on the pinned list (data-alarms), so it can be checked.
  function alarm() {
    pinned.dataset.alarms = String(Number(pinned.dataset.alarms || 0) + 1);
    beep();
  }

  function pin(sos, sound) {
    if (open[sos.id] || ended[sos.id]) return;
    var marker = place(sos, null);
    var item = document.createElement("li");
    item.className = "sz-sos-pinned";
    item.dataset.sos = sos.id;
    var link = document.createElement("a");
    link.href = "/sos/" + sos.id + "/";
    link.textContent = "SOS #" + sos.id + " · " + (sos.name || sos.kiosk_name || "") +
      (sos.message ? " · " + sos.message : "");
    item.appendChild(link);
    var help = nearbyList(sos.nearby);
    if (help) item.appendChild(help);
    pinned.insertBefore(item, pinned.firstChild);
    open[sos.id] = { marker: marker, item: item };
    // The number to call back is not in the live event (events keep no phone numbers): the
    // station's open list has it.
    if (sos.callback_phone) callback(open[sos.id], sos.callback_phone);
    else if (sos.source === "public") {
      SZ.getJSON("/api/v1/sos/open/").then(function (list) {
        list.forEach(function (s) { if (open[s.id]) callback(open[s.id], s.callback_phone); });
      });
    }
    if (sound) alarm();
    if (sos.escalated_at) escalate(sos, false);
  }

  function callback(entry, phone) {
    if (!phone || entry.item.querySelector(".sz-sos-callback")) return;
    var call = document.createElement("a");
    call.className = "sz-sos-callback";
    call.href = "tel:" + (phone.charAt(0) === "+" ? "+" : "") + phone.replace(/[^0-9]/g, "");
    call.textContent = "☎ " + phone;
    entry.item.insertBefore(call, entry.item.children[1] || null);
  }

  // A phone SOS may come in before the phone gave its position: no marker until it does.
  function place(sos, marker) {
    if (typeof sos.lat !== "number" || typeof sos.lng !== "number") return marker;
    if (marker) { marker.setLatLng([sos.lat, sos.lng]); return marker; }
    var icon = L.divIcon({ className: "sz-sos-marker", iconSize: [24, 24] });
    return L.marker([sos.lat, sos.lng], { icon: icon })
      .bindTooltip("SOS · " + (sos.name || sos.kiosk_name || "")).addTo(sosLayer);
  }

  function forMe(audience) {
    if (audience !== "supervisors") return true;
    return SZ.config.role === "supervisor" || SZ.config.role === "admin";
  }

  function escalate(sos, sound) {
    if (!open[sos.id]) pin(sos, false);
    var entry = open[sos.id];
    if (!entry || entry.escalated) return;
    entry.escalated = true;
    entry.item.classList.add("sz-sos-escalated");
    entry.item.dataset.escalated = "true";
    var tag = document.createElement("strong");
    tag.className = "sz-sos-escalated-tag";
    tag.textContent = SZ.config.labels["sos.escalated"] || "escalated";
    entry.item.insertBefore(tag, entry.item.firstChild);
    pinned.insertBefore(entry.item, pinned.firstChild);
    var el = entry.marker && entry.marker.getElement && entry.marker.getElement();
    if (el) el.classList.add("sz-sos-marker-escalated");
    if (sound) alarm();
  }

  // The nearest help the server found when the SOS came in (cameras, patrol points, officers).
  function nearbyList(nearby) {
    if (!nearby || !nearby.length) return null;
    var list = document.createElement("ul");
    list.className = "sz-nearby";
    nearby.forEach(function (n) {
      var li = document.createElement("li");
      li.dataset.kind = n.kind;
      li.textContent = (n.kind_label || n.kind) + ": " + n.name + " · " + Math.round(n.distance_m) + " m";
      list.appendChild(li);
    });
    return list;
  }

  function unpin(id) {
    var entry = open[id];
    if (!entry) return;
    if (entry.marker) sosLayer.removeLayer(entry.marker);
    entry.item.remove();
    delete open[id];
  }

  function showKiosk(k) {
    if (kiosks[k.id]) kioskLayer.removeLayer(kiosks[k.id]);
    var icon = L.divIcon({ className: "sz-kiosk-" + k.status, iconSize: [14, 14] });
    kiosks[k.id] = L.marker([k.lat, k.lng], { icon: icon })
      .bindTooltip(k.name + " · " + k.status).addTo(kioskLayer);
  }

  SZ.onEvent("sos.raised", function (event) { pin(event.payload, true); });
  SZ.onEvent("sos.located", function (event) {
    var entry = open[event.payload.id];
    if (!entry) return;
    entry.marker = place(event.payload, entry.marker);
    var old = entry.item.querySelector(".sz-nearby");
    var help = nearbyList(event.payload.nearby);
    if (old) old.remove();
    if (help) entry.item.appendChild(help);
  });
  SZ.onEvent("sos.escalated", function (event) {
    escalate(event.payload, forMe(event.payload.audience));
  });
  ["sos.acknowledged", "sos.closed"].forEach(function (kind) {
    SZ.onEvent(kind, function (event) {
      ended[event.payload.id] = true;
      unpin(event.payload.id);
    });
  });
  ["kiosk.created", "kiosk.online", "kiosk.offline"].forEach(function (kind) {
    SZ.onEvent(kind, function (event) { showKiosk(event.payload); });
  });

  SZ.getJSON("/api/v1/sos/open/").then(function (list) {
    list.forEach(function (sos) { if (sos.state === "received") pin(sos, false); });
  });
  SZ.getJSON("/api/v1/sos/kiosks/").then(function (list) { list.forEach(showKiosk); });
})();
