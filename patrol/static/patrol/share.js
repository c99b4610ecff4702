/* While the officer is on shift, send the phone's position to the desk every few seconds
 * (the check-in page and the page after it). The server refuses outside the shift; then this
 * stops and says why. */
(function () {
  "use strict";
  var box = document.getElementById("share-position");
  var configNode = document.getElementById("share-config");
  if (!box || !configNode || !("geolocation" in navigator)) { return; }
  var config = JSON.parse(configNode.textContent);
  var state = document.getElementById("share-state");
  var csrf = box.form.querySelector("input[name='csrfmiddlewaretoken']").value;
  var last = null, sent = false, timer = null;

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  function send() {
    if (!box.checked || !last) { return; }
    var body = new URLSearchParams({ lat: last.latitude, lng: last.longitude, accuracy: last.accuracy });
    fetch(config.positionUrl, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "X-CSRFToken": csrf, Accept: "application/json" },
    }).then(function (r) {
      return r.json().then(function (data) { return { ok: r.ok, data: data }; });
    }).then(function (res) {
      if (res.ok) {
        state.dataset.state = "shared";
        state.textContent = fmt(config.labels.shared, { t: new Date().toLocaleTimeString() });
      } else {
        state.dataset.state = "refused";
        state.textContent = fmt(config.labels.refused, { r: res.data.detail || "" });
        box.checked = false;
        clearInterval(timer);
      }
    }).catch(function () { state.dataset.state = "offline"; });
  }

  navigator.geolocation.watchPosition(function (pos) {
    last = pos.coords;
    if (!sent) { sent = true; send(); }
  }, function () {}, { enableHighAccuracy: true, maximumAge: 5000, timeout: 20000 });
  timer = setInterval(send, config.shareSeconds * 1000);
  box.addEventListener("change", function () { if (box.checked) { send(); } });
})();
