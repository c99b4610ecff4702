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

  var PRIORITY = { "sz-zone": 0, "sz-landmark": 1, "cctv-camera": 2 };

  function classesOf(layer) {
    var o = layer.options || {};
    var c = o.className || (o.style && o.style.className) || "";
    if (layer.getLayers) { layer.getLayers().forEach(function (l) { c += " " + classesOf(l); }); }
    return c;
  }

  function kindOf(classes) {
    var m = classes.match(LABELLED);
    return m ? m[2] : null;
  }

  /* The point of a group to put its label on: its landmark or camera marker. */
  function pointOf(layer) {
    if (!layer.getLayers) { return null; }
    var found = null;
    layer.getLayers().forEach(function (l) {
      if (!found && l.getLatLng && LABELLED.test(classesOf(l))) { found = l; }
    });
    return found;
  }

  function label(map, layer) {
    var tip = layer.getTooltip && layer.getTooltip();
    if (!tip || tip.options.permanent || layer._szLabelled) { return; }
    var kind = kindOf(classesOf(layer));
    if (!kind) { return; }
    layer._szLabelled = true;
    // The name only: "name · kind" becomes "name"; the cameras of one site, "site #2", "site".
    // A tooltip's content is a text node or element (names are text, never markup) or a string.
    var content = tip.getContent();
    var text = (content && content.nodeType ? content.textContent : String(content)).split(" · ")[0];
    if (kind === "cctv-camera") { text = text.replace(/\s*#\d+$/, ""); }
    var options = {
      permanent: true,
      interactive: false,
      // Beside the point, on the side of the map's centre, so it stays inside the map.
      direction: kind === "sz-zone" ? "center" : "auto",
      className: "sz-map-label sz-map-label-" + kind,
    };
    // A group keeps its hover tooltip and its marker carries the label; a single shape swaps
    // its tooltip for the label (one tooltip per layer).
    var target = kind === "sz-zone" ? null : pointOf(layer);
    if (!target) { layer.unbindTooltip(); target = layer; }
    var name = document.createElement("span");
    name.textContent = text;
    target.bindTooltip(name, options);
    target._szPriority = PRIORITY[kind];
    map.fire("sz:labels");
  }

  /* Hide the labels that would cover a label of higher priority (zone, landmark, camera) or
   * run past the map's edge (zone names always show). */
  function declutter(map) {
    var box = map.getContainer().getBoundingClientRect();
    var shown = [];
    var tips = [];
    map.eachLayer(function (l) {
      var t = l.getTooltip && l.getTooltip();
      if (t && t.options.permanent && t._container && l._szPriority !== undefined) {
        tips.push({ el: t._container, p: l._szPriority });
      }
    });
    tips.sort(function (a, b) { return a.p - b.p; });
    tips.forEach(function (t) {
      t.el.classList.remove("sz-map-label-hidden");
      var r = t.el.getBoundingClientRect();
      var outside = t.p > 0 && (r.left < box.left || r.right > box.right || r.top < box.top || r.bottom > box.bottom);
      var hit = outside || shown.some(function (o) {
        return r.left < o.right && r.right > o.left && r.top < o.bottom && r.bottom > o.top;
      });
      if (hit) { t.el.classList.add("sz-map-label-hidden"); } else { shown.push(r); }
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
    map.eachLayer(function (l) { label(map, l); });
    map.on("layeradd", function (e) { label(map, e.layer); });
    // Once after a burst (a layer of 61 cameras adds 61 labels), when the map has settled.
    var pending = null;
    function later() {
      window.clearTimeout(pending);
      pending = window.setTimeout(function () { declutter(map); }, 60);
    }
    map.on("sz:labels zoomend moveend resize", later);
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
