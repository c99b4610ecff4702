/* Partner form: click the map to place the partner; the latitude and longitude fields follow. */
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("partner-pick-data").textContent);
  var lat = document.querySelector(".sz-pick-lat");
  var lng = document.querySelector(".sz-pick-lng");
  var map = L.map("partner-pick-map").setView(data.center, 16);
  SmartZoneBaseMap.add(map, data.basemap);
  var marker = null;
  function place(latlng) {
    if (marker) { marker.setLatLng(latlng); } else { marker = L.marker(latlng).addTo(map); }
  }
  if (lat.value && lng.value) { place([parseFloat(lat.value), parseFloat(lng.value)]); }
  map.on("click", function (e) {
    place(e.latlng);
    lat.value = e.latlng.lat.toFixed(6);
    lng.value = e.latlng.lng.toFixed(6);
  });
  function moved() {
    var a = parseFloat(lat.value), b = parseFloat(lng.value);
    if (!isNaN(a) && !isNaN(b)) { place([a, b]); map.panTo([a, b]); }
  }
  lat.addEventListener("change", moved);
  lng.addEventListener("change", moved);
})();
