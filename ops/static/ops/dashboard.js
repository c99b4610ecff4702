/* Ops on the duty desk: a notice (SmartZone.notice) when the last good backup is older than
 * BACKUP_MAX_AGE_HOURS, taken away once a backup is made. Asks once on load and then hourly. */
(function () {
  "use strict";
  var SZ = window.SmartZone;
  if (!SZ) return;

  function check() {
    SZ.getJSON("/ops/backup-status/")
      .then(function (status) {
        if (status.stale) { SZ.notice({ id: "ops-backup", text: status.text, level: "warning" }); }
        else { SZ.notice({ id: "ops-backup", remove: true }); }
      })
      .catch(function () { /* offline or signed out: the next check tries again */ });
  }
  document.addEventListener("DOMContentLoaded", check);
  setInterval(check, 3600 * 1000);
})();
