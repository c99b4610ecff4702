/* Hotspot grid on the desk's analysis page and on the dashboard: cells shaded by their count
 * in the period, outlined red where it rose against the previous period. */
(function () {
  "use strict";
  function shade(count, max) {
    if (!count) { return 0; }
    return Math.min(5, Math.max(1, Math.ceil(5 * count / max)));
  }
  function draw(map, layer, fc) {
    var labels = fc.properties.labels;
    layer.clearLayers();
    var max = 0;
    fc.features.forEach(function (f) { max = Math.max(max, f.properties.count); });
    var colours = ["#ffffff", "#fff3b0", "#ffd166", "#f8961e", "#e85d04", "#9d0208"];
    L.geoJSON(fc, {
      style: function (f) {
        var p = f.properties;
        var level = shade(p.count, max || 1);
        return {
          weight: p.change > 0 ? 2 : 1, color: p.change > 0 ? "#b3261e" : "#777",
          fillColor: colours[level], fillOpacity: level ? 0.55 : 0.1,
          className: "sz-hotspot-cell sz-hotspot-" + level,
        };
      },
      onEachFeature: function (f, shape) {
        var p = f.properties;
        var sign = p.change > 0 ? "+" : "";
        var words = document.createElement("span");
        words.textContent = p.count + " " + labels.incidents + " (" + labels.previous + " " + p.previous +
          ", " + sign + p.change + ")";
        shape.bindTooltip(words);
      },
    }).addTo(layer);
    return layer;
  }
  window.SmartZoneHotspots = { draw: draw };

  var el = document.getElementById("desk-map");
  if (!el) { return; }
  var map = L.map(el).setView([parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)], 15);
  SmartZoneBaseMap.add(map, JSON.parse(el.dataset.basemap || "{}"));
  var layer = L.featureGroup().addTo(map);
  fetch(el.dataset.url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
    .then(function (fc) {
      draw(map, layer, fc);
      if (layer.getLayers().length && layer.getBounds().isValid()) { map.fitBounds(layer.getBounds(), { padding: [20, 20] }); }
      el.dataset.cells = String(fc.features.length);
    });
})();
