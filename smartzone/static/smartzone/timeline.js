/* The timeline page: label the kinds, and put new events that match the filters on top. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("timeline-config").textContent);
  var list = document.getElementById("timeline");
  var seen = new Set();
  list.querySelectorAll("[data-event-id]").forEach(function (li) { seen.add(Number(li.dataset.eventId)); });
  list.querySelectorAll("[data-kind-label]").forEach(function (el) {
    el.textContent = config.labels[el.dataset.kindLabel] || el.dataset.kindLabel;
  });

  function matches(event) {
    if ((config.hidden || []).indexOf(event.kind) >= 0) { return false; }
    if (config.kinds.length && !config.kinds.some(function (k) {
      return event.kind === k || event.kind.indexOf(k + ".") === 0;
    })) { return false; }
    if (config.zone && event.zone !== config.zone) { return false; }
    if (config.q && (event.text || "").toLowerCase().indexOf(config.q.toLowerCase()) < 0) { return false; }
    return true;
  }

  function prepend(event) {
    if (seen.has(event.id) || !matches(event)) { return; }
    seen.add(event.id);
    var empty = list.querySelector(".empty");
    if (empty) { empty.remove(); }
    var li = document.createElement("li");
    li.className = "fresh";
    li.dataset.eventId = event.id;
    li.dataset.kind = event.kind;
    var time = document.createElement("time");
    time.dateTime = event.created_at;
    time.textContent = SmartZoneDates.formatDateTime(event.created_at);
    var kind = document.createElement("span");
    kind.className = "kind";
    kind.textContent = config.labels[event.kind] || event.kind;
    li.append(time, " ", kind, " ");
    var url = event.payload && event.payload.url;
    if (url && url.charAt(0) === "/") {
      var a = document.createElement("a");
      a.href = url;
      a.textContent = event.text || "…";
      li.appendChild(a);
    } else {
      li.appendChild(document.createTextNode(event.text || ""));
    }
    list.insertBefore(li, list.firstChild);
  }

  if (!config.live) { return; }
  var lastId = config.lastEventId;
  var retry = 500;
  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + location.host + "/ws/dashboard/?station=" + config.station + "&after=" + lastId);
    socket.onmessage = function (m) {
      var msg = JSON.parse(m.data);
      if (msg.type === "event") {
        if (msg.event.id > lastId) { lastId = msg.event.id; }
        prepend(msg.event);
      }
    };
    socket.onopen = function () { retry = 500; };
    socket.onclose = function () { setTimeout(connect, retry); retry = Math.min(retry * 2, 10000); };
  }
  connect();
})();
