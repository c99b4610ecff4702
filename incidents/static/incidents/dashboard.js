/* Citizen reports on the duty desk: a marker per open report, coloured by state, linking to the
 * report; new reports arrive live (report.submitted) and join the queue while they are new;
 * state changes recolour or remove the markers and take triaged reports out of the queue. */
(function () {
  "use strict";
  var SZ = window.SmartZone;
  if (!SZ) { return; }
  var colours = { new: "#d32f2f", triaged: "#f57c00", dispatched: "#1976d2", on_scene: "#7b1fa2" };
  var layer = SZ.addOverlay("reports", L.featureGroup(), {
    legend: Object.keys(colours).map(function (state) {
      return { symbol: "sz-sym-report-" + state, label: SZ.t("state." + state) };
    }),
  });
  var markers = {};
  var closed = { resolved: true, rejected: true };

  function popup(p, id) {
    var div = document.createElement("div");
    var link = document.createElement("a");
    link.href = "/reports/" + id + "/";
    link.textContent = (p.category_label || p.category || "") + " · " + (p.code || "");
    div.appendChild(link);
    if (p.state) { div.appendChild(SZ.text(" · " + SZ.t("state." + p.state))); }
    // A new report's event carries the nearest help found for it (cameras, points, officers).
    if (p.nearby && p.nearby.length) {
      var list = document.createElement("ul");
      list.className = "sz-nearby";
      p.nearby.forEach(function (n) {
        var li = document.createElement("li");
        li.dataset.kind = n.kind;
        li.textContent = (n.kind_label || n.kind) + ": " + n.name + " · " + SZ.t("metres", { n: Math.round(n.distance_m) });
        list.appendChild(li);
      });
      div.appendChild(list);
    }
    return div;
  }

  function show(p) {
    var id = p.report || p.id;
    if (closed[p.state]) { remove(id); return; }
    if (markers[id]) { markers[id].setStyle({ color: colours[p.state] || "#455a64" }); return; }
    if (typeof p.lat !== "number" || typeof p.lng !== "number") { return; }
    markers[id] = L.circleMarker([p.lat, p.lng], {
      radius: 7, weight: 3, color: colours[p.state] || "#455a64", fillOpacity: 0.35,
      className: "sz-report-marker" + (p.outside_zone ? " sz-outside-zone" : ""),
    }).bindPopup(function () { return popup(p, id); }).addTo(layer);
    var element = markers[id].getElement();
    if (element) { element.dataset.report = id; }
  }
  function remove(id) {
    if (markers[id]) { layer.removeLayer(markers[id]); delete markers[id]; }
  }

  SZ.onEvent("report.submitted", function (event, map, fresh) {
    show(event.payload);
    if (fresh) { SZ.queue.refresh(); }
  });
  ["triaged", "dispatched", "on_scene", "resolved", "rejected", "merged"].forEach(function (step) {
    SZ.onEvent("report." + step, function (event) {
      show(event.payload);
      SZ.queue.end("report:" + (event.payload.report || event.payload.id));
    });
  });
  var ready = SZ.waitFor("reports");
  SZ.getJSON("/api/v1/reports/geojson/?limit=500").then(function (fc) {
    fc.features.forEach(function (f) {
      var p = f.properties;
      show({ id: f.id, lat: f.geometry.coordinates[1], lng: f.geometry.coordinates[0], state: p.state,
             code: p.code, category: p.category, category_label: p.category_label, outside_zone: p.outside_zone });
    });
  }).catch(function () { /* the live events still show */ }).finally(ready);
})();
