/* Compose page: show the zone picker only when the audience is one zone. */
(function () {
  "use strict";
  var audience = document.getElementById("id_audience");
  var zone = document.querySelector(".field-zone");
  if (!audience || !zone) return;
  function sync() { zone.classList.toggle("hidden", audience.value !== "zone"); }
  audience.addEventListener("change", sync);
  sync();
})();
