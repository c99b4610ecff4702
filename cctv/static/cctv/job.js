/* The job page: poll the job's API endpoint and move the progress bar until the job ends. */
(function () {
  "use strict";
  var id = JSON.parse(document.getElementById("job-id").textContent);
  var bar = document.getElementById("job-progress");
  var percent = document.getElementById("job-percent");
  var state = document.getElementById("job-state");
  var reason = document.getElementById("job-reason");
  var finals = { done: true, failed: true, cancelled: true, partial: true };
  var endedBefore = finals[state.dataset.state] === true;
  var lastMatches = null;
  var live = document.getElementById("job-live");
  function setText(id, text) { var el = document.getElementById(id); if (el) { el.textContent = text; } }
  function showLive(job) {
    if (!live) { return; }
    live.dataset.state = job.live_state || "";
    setText("job-live-state", job.live_state_label || "-");
    setText("job-live-reason", job.live_reason_label || "");
    setText("job-lag", job.lag_s === null || job.lag_s === undefined ? "-" : job.lag_s.toFixed(1));
    setText("job-dropped", String(job.frames_dropped));
    setText("job-lost", String(Math.round(job.seconds_lost)));
    setText("job-reconnects", String(job.reconnects));
    document.getElementById("job-lag-warning").hidden = !job.lag_warning;
  }
  function poll() {
    fetch("/api/v1/cctv/jobs/" + id + "/", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (job) {
        bar.value = job.percent;
        percent.textContent = job.percent + "%";
        state.textContent = job.state_label;
        state.dataset.state = job.state;
        reason.textContent = job.reason_text || "";
        showLive(job);
        if (lastMatches !== null && job.matches !== lastMatches) { location.reload(); return; }
        lastMatches = job.matches;
        if (finals[job.state]) {
          // Reload once when the job ends, for its summary of faces seen and its candidates.
          if (!endedBefore) { location.reload(); }
          return;
        }
        setTimeout(poll, 1000);
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  poll();
})();
