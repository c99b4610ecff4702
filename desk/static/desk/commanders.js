/* The commanders' map: every covered station's zones and a marker linking to its read-only
 * page, fitted to them all. Data from the page (json_script "commanders-data"). */
(function () {
  "use strict";
  var el = document.getElementById("commanders-map");
  var source = document.getElementById("commanders-data");
  if (!el || !source) { return; }
  var data = JSON.parse(source.textContent);
  var map = L.map(el).setView([16.545, 104.724], 9);
  SmartZoneBaseMap.add(map, JSON.parse(el.dataset.basemap || "{}"));
  var group = L.featureGroup().addTo(map);
  data.zones.forEach(function (z) {
    L.geoJSON(z.boundary, { style: { color: "#1565c0", weight: 2, fillOpacity: 0.15, className: "sz-zone" } })
      .bindTooltip(z.name).addTo(group);
  });
  data.stations.forEach(function (s) {
    var link = document.createElement("a");
    link.href = s.url;
    link.textContent = s.name;
    L.circleMarker([s.lat, s.lng], { radius: 7, color: "#0b2545", fillColor: "#c9a227", fillOpacity: 1, className: "commander-station" })
      .bindPopup(link).bindTooltip(s.name).addTo(group);
  });
  if (group.getLayers().length && group.getBounds().isValid()) {
    map.fitBounds(group.getBounds(), { padding: [24, 24], maxZoom: 15 });
  }
  el.dataset.stations = String(data.stations.length);
})();
