/* Ops on the duty desk: a notice when the last good backup is older than BACKUP_MAX_AGE_HOURS.
 * Asks once on load and then hourly; shown with SmartZone.notice when the dashboard has it,
 * else as a line above the live feed. */
(function () {
  "use strict";
  var SZ = window.SmartZone;
  if (!SZ) return;
  var css = document.createElement("link");
  css.rel = "stylesheet";
  css.href = document.currentScript.src.replace(/dashboard\.js(\?.*)?$/, "ops.css");
  document.head.appendChild(css);
  var shown = null;

  function show(text) {
    if (typeof SZ.notice === "function") {
      SZ.notice({ id: "ops-backup", text: text, level: "warning" });
      return;
    }
    if (!shown) {
      shown = document.createElement("p");
      shown.className = "sz-ops-notice";
      shown.setAttribute("role", "status");
      SZ.feed.parentNode.insertBefore(shown, SZ.feed);
    }
    shown.textContent = text;
  }

  function hide() {
    if (typeof SZ.notice === "function") { SZ.notice({ id: "ops-backup", remove: true }); }
    if (shown) { shown.remove(); shown = null; }
  }

  function check() {
    SZ.getJSON("/ops/backup-status/")
      .then(function (status) { if (status.stale) { show(status.text); } else { hide(); } })
      .catch(function () { /* offline or signed out: the next check tries again */ });
  }
  document.addEventListener("DOMContentLoaded", check);
  setInterval(check, 3600 * 1000);
})();
