/* Ops on the duty desk: a notice when the last good backup is older than BACKUP_MAX_AGE_HOURS.
 * Asks once on load and then hourly; shown with SmartZone.notice when the dashboard has it,
 * else as a line at the top of the live feed. */
(function () {
  "use strict";
  var SZ = window.SmartZone;
  if (!SZ) return;
  var shown = null;

  function show(text) {
    if (typeof SZ.notice === "function") {
      SZ.notice({ id: "ops-backup", text: text, level: "warning" });
      return;
    }
    if (shown) { shown.textContent = text; return; }
    shown = document.createElement("li");
    shown.className = "sz-ops-notice";
    shown.dataset.kind = "ops.backup";
    shown.textContent = text;
    SZ.feed.insertBefore(shown, SZ.feed.firstChild);
  }

  function check() {
    SZ.getJSON("/ops/backup-status/")
      .then(function (status) { if (status && status.stale) { show(status.text); } })
      .catch(function () { /* offline: the next check tries again */ });
  }
  document.addEventListener("DOMContentLoaded", check);
  setInterval(check, 3600 * 1000);
})();
