/* The coverage page's map: the points with their radius, and where check-ins were made as
 * faint dots that add up to a darker patch where patrols went often. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("coverage-config").textContent);
  var map = L.map("coverage-map").setView(config.center, 16);
  SmartZoneBaseMap.add(map, config.basemap);
  var all = L.featureGroup().addTo(map);
  config.points.forEach(function (p) {
    L.circle([p.lat, p.lng], {
      radius: p.radius, color: p.planned && p.met < p.planned ? "#b3261e" : "#2e7d32",
      weight: 2, fillOpacity: 0.05, className: "sz-coverage-point",
    }).bindTooltip(p.name + " · " + p.met + "/" + p.planned + " · " + p.visits).addTo(all);
  });
  config.heat.forEach(function (c) {
    L.circleMarker([c.lat, c.lng], {
      radius: 10, stroke: false, fillOpacity: 0.22,
      fillColor: c.away ? "#e65100" : "#1565c0", className: "sz-coverage-heat",
    }).addTo(all);
  });
  if (all.getLayers().length) { map.fitBounds(all.getBounds(), { padding: [20, 20], maxZoom: 18 }); }
})();
