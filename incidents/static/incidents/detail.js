/* The report's spot on a small map on the officer's detail page. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sz-detail-config").textContent);
  var map = L.map("sz-detail-map").setView([config.lat, config.lng], 17);
  if (config.tilesUrl) {
    L.tileLayer(config.tilesUrl, { maxZoom: 19, attribution: "© OpenStreetMap contributors" }).addTo(map);
  }
  L.circleMarker([config.lat, config.lng], { radius: 9, color: "#b3261e" }).addTo(map);
})();
