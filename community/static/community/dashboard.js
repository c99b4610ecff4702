/* Community on the duty desk: the network's open decisions above the live feed, refreshed
 * when a decision changes. Loaded after smartzone's dashboard.js. */
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
  var anchor = SZ.feed.previousElementSibling || SZ.feed;
  SZ.feed.parentNode.insertBefore(heading, anchor);
  SZ.feed.parentNode.insertBefore(box, anchor);

  function render(rows) {
    box.textContent = "";
    heading.hidden = rows.length === 0;
    rows.forEach(function (d) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "/community/meetings/" + d.meeting + "/";
      a.textContent = d.text;
      li.appendChild(a);
      li.appendChild(document.createTextNode(" · " + d.owner + (d.due_date ? " · " + d.due_date : "")));
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
  fetchOpen();
})();
