/* Dashboard layer: the station's cameras with their field-of-view wedges, their state live
 * (online and offline drawn apart), their current picture on click (fetched by the server;
 * when none comes, the popup says why), and face-match candidates in the queue. */
(function () {
  "use strict";
  var SZ = window.SmartZone;
  if (!SZ) { return; }
  var layer = SZ.addOverlay("cameras", L.featureGroup(), {
    legend: [
      { symbol: "sz-sym-camera-online", label: SZ.t("camera.online") },
      { symbol: "sz-sym-camera-offline", label: SZ.t("camera.offline") },
    ],
  });
  var shapes = {};
  var colours = { online: "#00796b", offline: "#757575", unknown: "#757575", disabled: "#9e9e9e" };

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

  var shown = null;  // the object URL of the picture in the open popup
  function popup(c) {
    var div = document.createElement("div");
    div.className = "cctv-popup";
    var title = document.createElement("strong");
    title.textContent = c.code + " " + c.name;
    div.appendChild(title);
    var note = document.createElement("p");
    note.className = "cctv-picture-note muted";
    note.textContent = SZ.t("working");
    div.appendChild(note);
    var live = document.createElement("a");
    live.className = "cctv-live-link";
    live.href = "/cctv/cameras/" + c.id + "/live/";
    live.textContent = SZ.t("camera.live");
    div.appendChild(live);
    fetch("/cctv/cameras/" + c.id + "/picture.jpg?t=" + Date.now(), { credentials: "same-origin" })
      .then(function (r) {
        if (r.ok) { return r.blob(); }
        return r.text().then(function (words) { throw new Error(words); });
      })
      .then(function (blob) {
        if (shown) { URL.revokeObjectURL(shown); }
        shown = URL.createObjectURL(blob);
        var img = document.createElement("img");
        img.className = "cctv-picture";
        img.width = 320;
        img.alt = c.name;
        img.onerror = function () { img.remove(); note.hidden = false; note.textContent = SZ.t("camera.noPicture"); };
        img.src = shown;
        note.hidden = true;
        div.appendChild(img);
      })
      .catch(function (error) {
        // The server's answer is a short sentence in the officer's language; anything else
        // (a proxy's page, a network failure) gets the plain one.
        var words = error.message || "";
        note.textContent = words && words.length < 200 && words.indexOf("<") < 0 ? words : SZ.t("camera.noPicture");
        note.classList.add("cctv-no-picture");
      });
    return div;
  }

  function draw(c) {
    if (shapes[c.id]) { layer.removeLayer(shapes[c.id]); }
    var status = c.status === "online" ? "online" : "offline";
    var colour = colours[c.status] || colours.unknown;
    var group = L.featureGroup([
      L.polygon(wedge(c), {
        color: colour, weight: 1, fillOpacity: status === "online" ? 0.15 : 0.05,
        dashArray: status === "online" ? null : "3 3", className: "cctv-fov",
      }),
      L.circleMarker([c.lat, c.lng], {
        radius: 5, weight: 2, color: "#fff", fillColor: colour, fillOpacity: 1,
        className: "cctv-camera cctv-camera-" + status,
      }),
    ]);
    group.bindTooltip(SZ.text(c.code + " " + c.name + " · " + SZ.t("camera." + status)));
    group.on("click", function () { group.bindPopup(popup(c)).openPopup(); });
    group.addTo(layer);
    shapes[c.id] = group;
  }

  var ready = SZ.waitFor("cameras");
  function load(url) {
    SZ.getJSON(url).then(function (page) {
      page.results.forEach(draw);
      if (page.next) { load(page.next); } else { ready(); }
    }).catch(ready);
  }
  load("/api/v1/cctv/cameras/?limit=500&station=" + SZ.config.station);

  // A candidate in the feed links to its review page (crop beside the enrollment photo).
  SZ.onEvent("cctv.match", function (event, map, fresh) {
    var p = event.payload || {};
    if (fresh) { SZ.queue.refresh(); }
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
  ["confirmed", "dismissed", "withdrawn"].forEach(function (step) {
    SZ.onEvent("cctv.match." + step, function (event) { SZ.queue.end("match:" + event.payload.id); });
  });

  ["camera.created", "camera.updated", "cctv.camera.online", "cctv.camera.offline"].forEach(function (kind) {
    SZ.onEvent(kind, function (event) { if (event.payload && event.payload.id) { draw(event.payload); } });
  });
})();
