/* Partners page: the partners on a map. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("partner-data").textContent);
  var map = L.map("partner-map").setView(data.center, 15);
  SmartZoneBaseMap.add(map, data.basemap);
  var group = L.featureGroup().addTo(map);
  data.points.forEach(function (p) {
    L.circleMarker([p.lat, p.lng], { radius: 7, color: "#0d2a4d", fillOpacity: 0.8, className: "sz-partner" })
      .bindTooltip(p.name + " · " + p.kind).addTo(group);
  });
  if (group.getLayers().length) { map.fitBounds(group.getBounds(), { padding: [20, 20], maxZoom: 17 }); }
})();
