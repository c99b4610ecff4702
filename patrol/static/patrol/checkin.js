/* The check-in page a point's QR code opens: find the phone's position, show how far the point
 * is and fill the form's hidden position fields (share.js sends it to the desk on shift). */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("checkin-config").textContent);
  var labels = config.labels;
  var form = document.getElementById("checkin-form");
  var state = document.getElementById("geo-state");
  var submit = document.getElementById("checkin-submit");
  var away = document.getElementById("away");
  var field = function (name) { return form.querySelector("input[name='" + name + "']"); };
  // Allowance for the phone's reported accuracy; the server applies the same rule.
  var MAX_ALLOWANCE_M = 50;

  function fmt(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (_m, key) { return values[key]; });
  }

  function distanceM(lat1, lng1, lat2, lng2) {
    // Haversine is close enough for the hint; the server measures on the ellipsoid.
    var rad = Math.PI / 180, r = 6371008.8;
    var dLat = (lat2 - lat1) * rad, dLng = (lng2 - lng1) * rad;
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(lat1 * rad) * Math.cos(lat2 * rad) * Math.sin(dLng / 2) * Math.sin(dLng / 2);
    return 2 * r * Math.asin(Math.sqrt(a));
  }

  function onPosition(pos) {
    var c = pos.coords;
    field("lat").value = c.latitude.toFixed(7);
    field("lng").value = c.longitude.toFixed(7);
    field("accuracy").value = Math.round(c.accuracy * 10) / 10;
    var d = distanceM(c.latitude, c.longitude, config.point.lat, config.point.lng);
    var inside = d - Math.min(c.accuracy, MAX_ALLOWANCE_M) <= config.point.radius;
    state.textContent = fmt(labels.distance, { d: Math.round(d), a: Math.round(c.accuracy) }) +
      " " + (inside ? labels.inside : labels.outside);
    state.dataset.state = inside ? "inside" : "outside";
    state.dataset.distance = String(Math.round(d));
    away.classList.toggle("needed", !inside);
    submit.disabled = false;
  }

  function onError(err) {
    state.dataset.state = "error";
    state.textContent = err.code === 1 ? labels.denied : labels.locating + " " + (err.message || "");
  }

  if (!("geolocation" in navigator)) {
    state.dataset.state = "error";
    state.textContent = labels.unsupported;
  } else {
    navigator.geolocation.watchPosition(onPosition, onError, {
      enableHighAccuracy: true, maximumAge: 5000, timeout: 20000,
    });
  }

})();
