// The public SOS button: send the phone's location (and an optional callback number).
(function () {
  "use strict";
  var form = document.getElementById("sz-sos-form");
  if (!form) return;
  var texts = JSON.parse(document.getElementById("sz-sos-texts").textContent);
  var status = document.getElementById("sz-sos-status");
  function send() {
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (r) { status.textContent = r.ok ? texts.sent : texts.failed; })
      .catch(function () { status.textContent = texts.failed; });
  }
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    status.textContent = texts.sending;
    if (!navigator.geolocation) { status.textContent = texts.no_location; return; }
    navigator.geolocation.getCurrentPosition(function (pos) {
      form.elements.lat.value = pos.coords.latitude;
      form.elements.lng.value = pos.coords.longitude;
      send();
    }, function () { status.textContent = texts.no_location; }, { enableHighAccuracy: true, timeout: 15000 });
  });
})();
