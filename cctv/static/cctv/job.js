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
  function poll() {
    fetch("/api/v1/cctv/jobs/" + id + "/", { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (job) {
        bar.value = job.percent;
        percent.textContent = job.percent + "%";
        state.textContent = job.state_label;
        state.dataset.state = job.state;
        reason.textContent = job.reason_text || "";
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
