/* Draw or edit a safety zone's polygon on a map; the GeoJSON goes into the textarea. */
(function () {
  "use strict";
  function setup(container) {
    var textarea = document.getElementById(container.dataset.for);
    var map = L.map(container).setView([16.5445, 104.7245], 15);
    SmartZoneBaseMap.add(map, JSON.parse(container.dataset.basemap || "{}"));
    var drawn = new L.FeatureGroup().addTo(map);
    function load() {
      drawn.clearLayers();
      try {
        L.geoJSON(JSON.parse(textarea.value), {
          onEachFeature: function (f, layer) { drawn.addLayer(layer); },
        });
        if (drawn.getLayers().length) { map.fitBounds(drawn.getBounds(), { padding: [20, 20] }); }
      } catch (e) { /* not JSON yet: the form will say so on save */ }
    }
    function save() {
      var layers = drawn.getLayers();
      if (layers.length) { textarea.value = JSON.stringify(layers[layers.length - 1].toGeoJSON().geometry); }
    }
    map.addControl(new L.Control.Draw({
      edit: { featureGroup: drawn },
      draw: { polygon: true, polyline: false, rectangle: false, circle: false, marker: false, circlemarker: false },
    }));
    map.on(L.Draw.Event.CREATED, function (e) { drawn.clearLayers(); drawn.addLayer(e.layer); save(); });
    map.on(L.Draw.Event.EDITED, save);
    map.on(L.Draw.Event.DELETED, function () { textarea.value = ""; });
    textarea.addEventListener("change", load);
    load();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".sz-boundary-map").forEach(setup);
  });
})();
