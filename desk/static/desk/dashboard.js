/* The hotspot grid of the last 30 days as a layer of the duty desk dashboard, off at first:
 * the map's legend switches it on. Drawing comes from desk/hotspots.js. */
(function () {
  "use strict";
  var SZ = window.SmartZone;
  if (!SZ || !window.SmartZoneHotspots) { return; }
  var layer = L.featureGroup();
  function iso(d) { return d.toISOString().slice(0, 10); }
  var today = new Date();
  var since = new Date(today.getTime() - 29 * 86400000);
  var url = "/desk/hotspots.geojson?station=" + SZ.config.station + "&since=" + iso(since) + "&until=" + iso(today);
  SZ.afterReady(function () {
    SZ.getJSON(url).then(function (fc) {
      window.SmartZoneHotspots.draw(SZ.map, layer, fc);
      SZ.addOverlay("deskHotspots", layer, { label: fc.properties.labels.layer, on: false });
    });
  });
})();
