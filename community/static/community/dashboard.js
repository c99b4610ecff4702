/* Community on the duty desk: the network's open decisions above the live feed, refreshed
 * when a decision changes, and the partners (shops, banks, volunteers) as a map layer.
 * Loaded after smartzone's dashboard.js. */
(function () {
  "use strict";
  var SZ = window.SmartZone;
  if (!SZ) return;
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = document.currentScript.src.replace(/dashboard\.js(\?.*)?$/, "community.css");
  document.head.appendChild(css);

  var heading = document.createElement("h3");
  heading.textContent = SZ.config.labels["decision.open"] || "Open decisions";
  heading.hidden = true;
  var box = document.createElement("ul");
  box.id = "sz-open-decisions";
  box.dataset.testid = "open-decisions";
  var anchor = document.getElementById("sz-notices") || SZ.feed;
  anchor.parentNode.insertBefore(heading, anchor);
  anchor.parentNode.insertBefore(box, anchor);

  function render(rows) {
    box.textContent = "";
    heading.hidden = rows.length === 0;
    rows.forEach(function (d) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "/community/meetings/" + d.meeting + "/";
      a.textContent = d.text;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" · " + d.owner + (d.due_date ? " · " + SmartZoneDates.formatDate(d.due_date + "T12:00:00") : "")));
      box.appendChild(li);
    });
  }
  var timer = null;
  function load() {
    clearTimeout(timer);
    timer = setTimeout(fetchOpen, 200);
  }
  function fetchOpen() {
    SZ.getJSON("/api/v1/community/open-decisions/?limit=10").then(function (page) {
      render(page.results || page);
    }).catch(function () { /* the feed still works without it */ });
  }
  ["decision.created", "decision.updated", "decision.done", "decision.reopened"].forEach(function (kind) {
    SZ.onEvent(kind, load);
  });
  SZ.afterReady(fetchOpen);

  var partners = SZ.addOverlay("partners", L.featureGroup());
  function showPartner(p) {
    if (typeof p.lat !== "number" || typeof p.lng !== "number") return;
    var icon = L.divIcon({ className: "sz-partner", iconSize: [14, 14] });
    var popup = document.createElement("div");
    popup.appendChild(SZ.text(p.name, "sz-partner-name"));
    popup.appendChild(document.createElement("br"));
    popup.appendChild(SZ.text(p.kind_label || p.kind));
    if (p.phone) {
      var call = document.createElement("a");
      call.href = "tel:" + String(p.phone).replace(/[^0-9+]/g, "");
      call.textContent = " · " + p.phone;
      popup.appendChild(call);
    }
    L.marker([p.lat, p.lng], { icon: icon })
      .bindTooltip(SZ.text(p.name + " · " + (p.kind_label || p.kind)))
      .bindPopup(popup).addTo(partners);
  }
  SZ.afterReady(function () {
    SZ.getJSON("/api/v1/community/partners/?limit=500&station=" + SZ.config.station).then(function (page) {
      (page.results || page).forEach(showPartner);
    }).catch(function () { /* the map works without them */ });
  });
})();
