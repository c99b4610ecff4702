/* Ops on the duty desk: a notice (SmartZone.notice) when the last good backup is older than
 * BACKUP_MAX_AGE_HOURS. Asks on load, hourly, and when a "backup.created" event arrives, so the
 * notice goes as soon as a backup is made. */
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
  var asking = false;
  function checkOnce() {
    // A reconnect may replay several backup events at once: one question is enough.
    if (asking) { return; }
    asking = true;
    setTimeout(function () { asking = false; check(); }, 0);
  }
  SZ.onEvent("backup.created", function (event, map, fresh) { if (fresh) { checkOnce(); } });
  document.addEventListener("DOMContentLoaded", check);
  setInterval(check, 3600 * 1000);
})();
