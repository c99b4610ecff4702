/* The citizen's report form: pick the spot on the map or use the phone's location, see whether
 * it is inside a safety zone, stay anonymous, send; with no connection the report is kept on the
 * phone (queue.js) and sent once when the connection returns. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sz-report-config").textContent);
  var T = config.texts;
  var form = document.getElementById("sz-report-form");
  var zoneState = document.getElementById("sz-zone-state");
  var sendState = document.getElementById("sz-send-state");
  var latInput = form.querySelector("input[name=lat]");
  var lngInput = form.querySelector("input[name=lng]");
  var keyInput = form.querySelector("input[name=idempotency_key]");
  var photos = form.querySelector("input[name=photos]");
  var anonymous = form.querySelector("input[name=anonymous]");
  var contact = document.getElementById("sz-contact");
  var Queue = window.SzReportQueue;

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_, k) { return values[k] === undefined ? "" : values[k]; });
  }

  // --- the map ------------------------------------------------------------------------------
  var map = L.map("sz-report-map", { tap: true }).setView(config.center, 16);
  SmartZoneBaseMap.add(map, config.basemap);
  var zoneLayer = L.featureGroup().addTo(map);
  config.zones.forEach(function (z) {
    L.geoJSON(z.boundary, { style: { color: "#b3261e", weight: 2, fillOpacity: 0.08, className: "sz-zone" } })
      .bindTooltip(z.name).addTo(zoneLayer);
  });
  if (zoneLayer.getLayers().length) { map.fitBounds(zoneLayer.getBounds(), { padding: [10, 10] }); }
  var marker = null;

  function inRing(lng, lat, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > lat) !== (yj > lat) && lng < (xj - xi) * (lat - yi) / (yj - yi) + xi) { inside = !inside; }
    }
    return inside;
  }
  function zoneAt(lat, lng) {
    for (var i = 0; i < config.zones.length; i++) {
      var rings = config.zones[i].boundary.coordinates;
      if (inRing(lng, lat, rings[0]) && !rings.slice(1).some(function (h) { return inRing(lng, lat, h); })) {
        return config.zones[i];
      }
    }
    return null;
  }

  function setPoint(lat, lng, pan) {
    latInput.value = lat.toFixed(6);
    lngInput.value = lng.toFixed(6);
    if (!marker) {
      marker = L.marker([lat, lng], { draggable: true }).addTo(map);
      marker.on("dragend", function () { var p = marker.getLatLng(); setPoint(p.lat, p.lng, false); });
    } else { marker.setLatLng([lat, lng]); }
    if (pan) { map.setView([lat, lng], Math.max(map.getZoom(), 17)); }
    var zone = zoneAt(lat, lng);
    zoneState.dataset.state = zone ? "inside" : "outside";
    zoneState.textContent = zone ? fmt(T.inside, { zone: zone.name }) : T.outside;
  }
  map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng, false); });

  function locate() {
    if (!navigator.geolocation) { zoneState.textContent = T.no_location; return; }
    zoneState.textContent = T.locating;
    navigator.geolocation.getCurrentPosition(
      function (pos) { setPoint(pos.coords.latitude, pos.coords.longitude, true); zoneState.dataset.located = "1"; },
      function () { if (!marker) { zoneState.textContent = T.no_location; } },
      { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 }
    );
  }
  document.getElementById("sz-locate").addEventListener("click", locate);
  if (latInput.value && lngInput.value) { setPoint(parseFloat(latInput.value), parseFloat(lngInput.value), true); }

  // --- anonymous and photos -------------------------------------------------------------------
  function showContact() {
    contact.hidden = anonymous.checked;
    if (anonymous.checked) { contact.querySelectorAll("input").forEach(function (i) { i.value = ""; }); }
  }
  anonymous.addEventListener("change", showContact);
  showContact();
  photos.addEventListener("change", function () {
    photos.setCustomValidity(photos.files.length > config.maxPhotos ? T.too_many_photos : "");
    if (photos.files.length > config.maxPhotos) { photos.reportValidity(); }
  });

  // --- sending --------------------------------------------------------------------------------
  function setSend(state, text, link) {
    sendState.dataset.state = state;
    sendState.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link;
      a.id = "sz-status-link";
      a.textContent = " " + T.open_status;
      sendState.appendChild(a);
    }
  }

  function newKey() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID().replace(/-/g, ""); }
    return String(Date.now()) + Math.random().toString(16).slice(2);
  }

  function cookie(name) {
    var m = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return m ? decodeURIComponent(m[1]) : "";
  }

  function showErrors(errors) {
    form.querySelectorAll(".sz-js-error").forEach(function (e) { e.remove(); });
    var messages = [];
    Object.keys(errors || {}).forEach(function (field) {
      errors[field].forEach(function (e) { messages.push(e.message || e); });
      var input = form.querySelector("[name=" + (field === "__all__" ? "none" : field) + "]");
      var p = document.createElement("p");
      p.className = "errorlist sz-js-error";
      p.textContent = errors[field].map(function (e) { return e.message || e; }).join(" ");
      if (input && input.type !== "hidden") { input.insertAdjacentElement("afterend", p); }
    });
    return messages.join(" ");
  }

  // A report is in: empty the form (going back finds nothing to send again) and open its
  // confirmation page, the tracking code on it.
  function done(answer) {
    setSend("sent", fmt(T.sent, { code: answer.body.code }), answer.body.sent_url || answer.body.status_url);
    form.reset();
    showContact();
    keyInput.value = newKey();
    if (marker) { map.removeLayer(marker); marker = null; }
    if (answer.body.sent_url) { window.location.assign(answer.body.sent_url); }
  }

  function answered(item, answer) {
    if (!answer) { setSend("queued", T.queued); return; }
    if (answer.status === 200 || answer.status === 201) {
      done(answer);
    } else if (answer.status === 400) {
      setSend("failed", fmt(T.failed, { reason: showErrors(answer.body.errors) }));
    } else {
      setSend("failed", fmt(T.failed, { reason: answer.body.error || answer.body.detail || answer.status }));
    }
  }

  function keep(item) {
    return Queue.put(item).then(function () {
      setSend("queued", T.queued);
      // Kept on the phone: the form empties so that tapping send again queues no copy.
      form.reset();
      showContact();
      if (marker) { map.removeLayer(marker); marker = null; }
      keyInput.value = newKey(); // the next report is another one
      if (navigator.serviceWorker && navigator.serviceWorker.ready) {
        navigator.serviceWorker.ready.then(function (reg) {
          if (reg.sync) { return reg.sync.register("sz-report-queue"); }
        }).catch(function () { /* no background sync: the page sends it when online */ });
      }
    });
  }

  var submitButton = form.querySelector("button[type=submit]");
  var sending = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) { return; } // a double tap sends once
    if (photos.files.length > config.maxPhotos) { photos.reportValidity(); return; }
    if (!keyInput.value) { keyInput.value = newKey(); }
    var item = Queue.fromForm(form, keyInput.value);
    if (!navigator.onLine) { keep(item); return; }
    sending = true;
    submitButton.disabled = true;
    setSend("sending", T.sending);
    // The same key until the server answers: a resend of this report is still one report.
    Queue.send(item, cookie("csrftoken")).then(
      function (answer) { sending = false; submitButton.disabled = false; answered(item, answer); },
      function () { sending = false; submitButton.disabled = false; keep(item); }
    );
  });

  var flushing = false;
  function flush() {
    if (flushing || !navigator.onLine) { return; }
    flushing = true;
    Queue.all().then(function (items) {
      if (!items.length) { return; }
      setSend("sending", T.retrying);
      return Queue.flush(answered, cookie("csrftoken"));
    }).finally(function () { flushing = false; });
  }
  window.addEventListener("online", flush);
  window.addEventListener("offline", function () {
    Queue.all().then(function (items) { if (items.length) { setSend("queued", T.queued); } });
  });
  flush();

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register(config.serviceWorker).catch(function () { /* optional */ });
    navigator.serviceWorker.addEventListener("message", function (m) {
      if (m.data && m.data.type === "sz-report-sent") { answered(null, m.data.answer); }
    });
  }
})();
