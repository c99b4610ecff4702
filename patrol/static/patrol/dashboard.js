/* Patrol on the duty desk dashboard: the points and their radius, check-ins as they happen,
 * and the officers on shift moving on the map; an officer's marker goes when the shift ends. */
(function () {
  "use strict";
  var SZ = window.SmartZone;
  if (!SZ) { return; }
  var map = SZ.map;
  var station = "?station=" + SZ.config.station;
  var points = SZ.addOverlay("patrolPoints", L.featureGroup());
  var checkins = SZ.addOverlay("patrolCheckins", L.featureGroup());
  var officers = SZ.addOverlay("patrolOfficers", L.featureGroup());

  var pointShapes = {};
  function addPoint(p) {
    if (pointShapes[p.id]) { points.removeLayer(pointShapes[p.id]); delete pointShapes[p.id]; }
    if (p.active === false) { return; }
    pointShapes[p.id] = L.circle([p.lat, p.lng], {
      radius: p.radius_m, color: "#6d4c41", weight: 2, dashArray: "4 3", fillOpacity: 0.08,
      className: "sz-patrol-point",
    }).bindTooltip(SZ.text(p.name + " · " + p.short_id)).addTo(points);
  }
  SZ.getJSON("/api/v1/patrol/points/geojson/" + station).then(function (fc) {
    fc.features.forEach(function (f) { addPoint(f.properties); });
  });
  ["patrol_point.created", "patrol_point.updated"].forEach(function (kind) {
    SZ.onEvent(kind, function (event) { addPoint(event.payload); });
  });

  SZ.onEvent("patrol.checkin", function (event) {
    var p = event.payload;
    var marker = L.circleMarker([p.lat, p.lng], {
      radius: 7, weight: 2, fillOpacity: 0.9,
      color: p.away ? "#e65100" : "#2e7d32",
      className: "sz-patrol-checkin" + (p.away ? " sz-patrol-away" : ""),
    }).bindTooltip(SZ.text(p.point_name + " · " + p.officer_name + " · " + SZ.t("metres", { n: Math.round(p.distance_m) })));
    marker.addTo(checkins);
  });

  // One marker per officer and shift, moved by each position report.
  var moving = {};
  function removeOfficer(key) {
    var entry = moving[key];
    if (!entry) { return; }
    clearTimeout(entry.timer);
    officers.removeLayer(entry.marker);
    delete moving[key];
  }
  function place(pos) {
    var key = pos.officer + ":" + pos.shift;
    var endsAt = Date.parse(pos.ends_at);
    if (!(endsAt > Date.now())) { removeOfficer(key); return; }
    var entry = moving[key];
    if (entry && entry.reportedAt > Date.parse(pos.reported_at)) { return; }
    if (!entry) {
      var marker = L.circleMarker([pos.lat, pos.lng], {
        radius: 8, weight: 3, color: "#0d2a4d", fillColor: "#29b6f6", fillOpacity: 1,
        className: "sz-patrol-officer",
      }).bindTooltip(SZ.text(pos.officer_name)).addTo(officers);
      var el = marker.getElement && marker.getElement();
      if (el) { el.setAttribute("data-officer", pos.officer); el.setAttribute("data-shift", pos.shift); }
      entry = moving[key] = { marker: marker, shift: pos.shift };
      // The shift's end is in the payload: hide the officer then even if no event comes.
      entry.timer = setTimeout(function () { removeOfficer(key); }, endsAt - Date.now());
    }
    entry.reportedAt = Date.parse(pos.reported_at);
    entry.marker.setLatLng([pos.lat, pos.lng]);
  }
  SZ.onEvent("patrol.position", function (event) {
    var p = event.payload;
    place({
      officer: p.officer, officer_name: p.officer_name, shift: p.shift, ends_at: p.ends_at,
      reported_at: p.reported_at, lat: p.position.lat, lng: p.position.lng,
    });
    // Positions come every few seconds: keep them off the feed.
    var item = SZ.feed.querySelector("li[data-event-id='" + event.id + "']");
    if (item) { item.remove(); }
  });
  SZ.onEvent("patrol.shift_ended", function (event) {
    Object.keys(moving).forEach(function (key) {
      if (moving[key].shift === event.payload.shift) { removeOfficer(key); }
    });
  });
  SZ.afterReady(function () {
    SZ.getJSON("/api/v1/patrol/positions/" + station).then(function (rows) { rows.forEach(place); });
  });
})();
