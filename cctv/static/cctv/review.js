/* The match review page: the camera that saw the face, with its field of view, on a small map. */
(function () {
  "use strict";
  var holder = document.getElementById("cctv-match-map");
  if (!holder || !window.L) { return; }
  var c = JSON.parse(document.getElementById("cctv-match-config").textContent);
  var map = L.map(holder).setView([c.lat, c.lng], 18);
  SmartZoneBaseMap.add(map, c.basemap);
  var pts = [[c.lat, c.lng]];
  var half = c.fov_deg / 2;
  var r = c.range_m || 40;
  for (var a = c.direction_deg - half; a <= c.direction_deg + half + 0.01; a += Math.max(2, c.fov_deg / 12)) {
    var rad = a * Math.PI / 180;
    pts.push([c.lat + (r * Math.cos(rad)) / 111320,
      c.lng + (r * Math.sin(rad)) / (111320 * Math.cos(c.lat * Math.PI / 180))]);
  }
  L.polygon(pts, { color: "#b3261e", weight: 1, fillOpacity: 0.15, className: "cctv-fov" }).addTo(map);
  L.circleMarker([c.lat, c.lng], { radius: 7, color: "#b3261e", fillOpacity: 0.9, className: "cctv-camera" })
    .bindTooltip(c.name).addTo(map);
})();
