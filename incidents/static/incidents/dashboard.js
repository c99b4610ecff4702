/* Citizen reports on the duty desk map: a marker per open report, coloured by state, linking to
 * the report; new reports arrive live (report.submitted), state changes recolour or remove them. */
(function () {
  "use strict";
  var SZ = window.SmartZone;
  if (!SZ) { return; }
  var layer = L.featureGroup().addTo(SZ.map);
  SZ.layers.reports = layer;
  var markers = {};
  var colours = { new: "#d32f2f", triaged: "#f57c00", dispatched: "#1976d2", on_scene: "#7b1fa2" };
  var closed = { resolved: true, rejected: true };

  function show(p) {
    var id = p.report || p.id;
    if (closed[p.state]) { remove(id); return; }
    if (markers[id]) { markers[id].setStyle({ color: colours[p.state] || "#455a64" }); return; }
    if (typeof p.lat !== "number" || typeof p.lng !== "number") { return; }
    var popup = document.createElement("div");
    var link = document.createElement("a");
    link.href = "/reports/" + id + "/";
    link.textContent = (p.category_label || p.category || "") + " · " + (p.code || "");
    popup.appendChild(link);
    // A new report's event carries the nearest help found for it (cameras, points, officers).
    if (p.nearby && p.nearby.length) {
      var list = document.createElement("ul");
      list.className = "sz-nearby";
      p.nearby.forEach(function (n) {
        var li = document.createElement("li");
        li.dataset.kind = n.kind;
        li.textContent = (n.kind_label || n.kind) + ": " + n.name + " · " + Math.round(n.distance_m) + " m";
        list.appendChild(li);
      });
      popup.appendChild(list);
    }
    markers[id] = L.circleMarker([p.lat, p.lng], {
      radius: 8, weight: 3, color: colours[p.state] || "#455a64", fillOpacity: 0.5,
      className: "sz-report-marker" + (p.outside_zone ? " sz-outside-zone" : ""),
    }).bindPopup(popup).addTo(layer);
    var element = markers[id].getElement();
    if (element) { element.dataset.report = id; }
  }
  function remove(id) {
    if (markers[id]) { layer.removeLayer(markers[id]); delete markers[id]; }
  }

  SZ.onEvent("report.submitted", function (event) { show(event.payload); });
  ["triaged", "dispatched", "on_scene", "resolved", "rejected", "merged"].forEach(function (step) {
    SZ.onEvent("report." + step, function (event) { show(event.payload); });
  });
  SZ.getJSON("/api/v1/reports/geojson/?limit=500").then(function (fc) {
    fc.features.forEach(function (f) {
      var p = f.properties;
      show({ id: f.id, lat: f.geometry.coordinates[1], lng: f.geometry.coordinates[0], state: p.state,
             code: p.code, category: p.category, outside_zone: p.outside_zone });
    });
  }).catch(function () { /* the live events still show */ });
})();
