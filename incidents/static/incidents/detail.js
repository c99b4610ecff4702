/* The report's spot on a small map on the officer's detail page. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sz-detail-config").textContent);
  var map = L.map("sz-detail-map").setView([config.lat, config.lng], 17);
  SmartZoneBaseMap.add(map, config.basemap);
  L.circleMarker([config.lat, config.lng], { radius: 9, color: "#b3261e" }).addTo(map);
})();
