/* Dashboard layer: the station's cameras with their field-of-view wedges, their state live,
 * their current picture on click (fetched by the server), and face-match candidates. */
(function () {
  "use strict";
  var SZ = window.SmartZone;
  if (!SZ) { return; }
  var layer = L.featureGroup().addTo(SZ.map);
  SZ.layers.cameras = layer;
  var shapes = {};
  var colours = { online: "#2e7d32", offline: "#b3261e", unknown: "#757575", disabled: "#9e9e9e" };

  function wedge(c) {
    var pts = [[c.lat, c.lng]];
    var half = c.fov_deg / 2;
    var r = c.range_m || 40;
    for (var a = c.direction_deg - half; a <= c.direction_deg + half + 0.01; a += Math.max(2, c.fov_deg / 12)) {
      var rad = a * Math.PI / 180;
      var dLat = (r * Math.cos(rad)) / 111320;
      var dLng = (r * Math.sin(rad)) / (111320 * Math.cos(c.lat * Math.PI / 180));
      pts.push([c.lat + dLat, c.lng + dLng]);
    }
    return pts;
  }

  function popup(c) {
    var div = document.createElement("div");
    var title = document.createElement("strong");
    title.textContent = c.code + " " + c.name;
    div.appendChild(title);
    var img = document.createElement("img");
    img.className = "cctv-picture";
    img.width = 320;
    img.alt = c.name;
    img.src = "/cctv/cameras/" + c.id + "/picture.jpg?t=" + Date.now();
    div.appendChild(img);
    return div;
  }

  function draw(c) {
    if (shapes[c.id]) { layer.removeLayer(shapes[c.id]); }
    var colour = colours[c.status] || colours.unknown;
    var group = L.featureGroup([
      L.polygon(wedge(c), { color: colour, weight: 1, fillOpacity: 0.15, className: "cctv-fov" }),
      L.circleMarker([c.lat, c.lng], { radius: 5, color: colour, fillOpacity: 0.9, className: "cctv-camera" }),
    ]);
    group.bindTooltip(c.code + " " + c.name);
    group.on("click", function () { group.bindPopup(popup(c)).openPopup(); });
    group.addTo(layer);
    shapes[c.id] = group;
  }

  function load(url) {
    SZ.getJSON(url).then(function (page) {
      page.results.forEach(draw);
      if (page.next) { load(page.next); }
    });
  }
  load("/api/v1/cctv/cameras/?limit=500&station=" + SZ.config.station);

  // A candidate in the feed links to its review page (crop beside the enrollment photo).
  SZ.onEvent("cctv.match", function (event) {
    var p = event.payload || {};
    var item = SZ.feed.querySelector("li[data-event-id='" + event.id + "']");
    if (!item || !p.url || item.querySelector("a.cctv-review")) { return; }
    var link = document.createElement("a");
    link.className = "cctv-review";
    link.href = p.url;
    link.textContent = p.title || p.url;
    var text = Array.prototype.find.call(item.childNodes, function (n) { return n.nodeType === 3; });
    if (text) { item.replaceChild(link, text); } else { item.appendChild(link); }
    item.insertBefore(document.createTextNode(" "), link);
  });

  ["camera.created", "camera.updated", "cctv.camera.online", "cctv.camera.offline"].forEach(function (kind) {
    SZ.onEvent(kind, function (event) { if (event.payload && event.payload.id) { draw(event.payload); } });
  });
})();
