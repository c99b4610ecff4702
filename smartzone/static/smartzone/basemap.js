/* The base map of every map page, drawn one way: SmartZoneBaseMap.add(map, cfg) with the
 * "basemap" of the page config (smartzone/basemap.py):
 *   {kind: "pmtiles", url, flavor, lang, attribution}  the station's own PMTiles file, drawn by
 *                                                        protomaps-leaflet (vector, on canvas);
 *   {kind: "tiles", url, attribution}                   a tile server;
 *   {kind: "none"}                                       nothing to draw under the map.
 * With no base map (or a tile server that answers nothing) the map is never a blank grey box:
 * it gets a light grid that moves with it, and the zones, landmarks and camera sites any script
 * draws with a tooltip (classes sz-zone, sz-landmark, cctv-camera) show their names as
 * permanent labels. cfg.landmarks ([{name, lat, lng, kind}]) are drawn as small points. */
(function () {
  "use strict";
  var LABELLED = /(^|\s)(sz-zone|sz-landmark|cctv-camera)(\s|$)/;

  function classesOf(layer) {
    var o = layer.options || {};
    var c = o.className || (o.style && o.style.className) || "";
    if (layer.getLayers) { layer.getLayers().forEach(function (l) { c += " " + classesOf(l); }); }
    return c;
  }

  function label(layer) {
    var tip = layer.getTooltip && layer.getTooltip();
    if (!tip || tip.options.permanent) { return; }
    var classes = classesOf(layer);
    if (!LABELLED.test(classes)) { return; }
    // A label carries the name only ("name · kind" on hover becomes "name").
    var text = String(tip.getContent()).split(" · ")[0];
    var zone = /(^|\s)sz-zone(\s|$)/.test(classes);
    layer.unbindTooltip();
    layer.bindTooltip(text, {
      permanent: true,
      direction: zone ? "center" : "right",
      offset: zone ? [0, 0] : [6, 0],
      className: "sz-map-label" + (zone ? " sz-map-label-zone" : ""),
    });
  }

  var Grid = L.GridLayer.extend({
    createTile: function () {
      var tile = document.createElement("div");
      tile.className = "sz-basemap-grid";
      return tile;
    },
  });

  function withoutBaseMap(map) {
    if (map._szNoBaseMap) { return; }
    map._szNoBaseMap = true;
    map.getContainer().classList.add("sz-basemap-none");
    new Grid({ tileSize: 128, pane: "tilePane" }).addTo(map);
    map.eachLayer(label);
    map.on("layeradd", function (e) { label(e.layer); });
  }

  function addLandmarks(map, landmarks) {
    if (!landmarks || !landmarks.length) { return; }
    var group = L.featureGroup().addTo(map);
    landmarks.forEach(function (p) {
      L.circleMarker([p.lat, p.lng], {
        radius: 4, weight: 1, color: "#455a64", fillOpacity: 0.7, className: "sz-landmark",
      }).bindTooltip(p.name).addTo(group);
    });
  }

  /* Draw the base map CFG under MAP; return the kind drawn ("pmtiles", "tiles" or "none"). */
  function add(map, cfg) {
    cfg = cfg || { kind: "none" };
    var kind = cfg.kind;
    if (kind === "pmtiles" && window.protomapsL) {
      protomapsL.leafletLayer({
        url: cfg.url, flavor: cfg.flavor || "light", lang: cfg.lang || "th",
        attribution: cfg.attribution, maxZoom: 19,
      }).addTo(map);
      map.getContainer().classList.add("sz-basemap-pmtiles");
    } else if (kind === "tiles") {
      var loaded = false;
      var layer = L.tileLayer(cfg.url, { maxZoom: 19, attribution: cfg.attribution }).addTo(map);
      layer.on("tileload", function () { loaded = true; });
      // A tile server out of reach (a closed network): label the map rather than leave it grey.
      layer.on("tileerror", function () { if (!loaded) { withoutBaseMap(map); } });
    } else {
      kind = "none";
    }
    if (kind === "none") { withoutBaseMap(map); }
    addLandmarks(map, cfg.landmarks);
    return kind;
  }

  window.SmartZoneBaseMap = { add: add, labels: withoutBaseMap };
})();
