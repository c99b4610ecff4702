/* The public SOS page. Pressing SOS sends at once what the phone has: with a callback number
 * the SOS goes out without waiting for a position, and the position follows when the phone
 * gives it; with no number it waits for the position. Then the page follows the SOS's state
 * (received, taken by an officer, closed) until it is closed, also across a reload. */
(function () {
  "use strict";
  var form = document.getElementById("sz-sos-form");
  if (!form) return;
  var T = JSON.parse(document.getElementById("sz-sos-texts").textContent);
  var note = document.getElementById("sz-sos-status");
  var panel = document.getElementById("sz-sos-state");
  var stateText = document.getElementById("sz-sos-status-text");
  var where = document.getElementById("sz-sos-location");
  var phone = form.elements.callback_phone;
  var phoneError = document.getElementById("sz-sos-phone-error");
  var button = form.querySelector("button[type=submit]");
  var KEY = "sz-sos";
  var sent = null;      // {token, status_url, locate_url} once the SOS is stored
  var position = null;  // a position waiting for the SOS to be stored
  var busy = false;
  var noPosition = false;  // the phone said it gives none
  var ORDER = ["received", "acknowledged", "dispatched", "on_scene", "closed"];

  function csrf() {
    var m = document.cookie.match(/(?:^|; )csrftoken=([^;]*)/);
    return m ? decodeURIComponent(m[1]) : form.elements.csrfmiddlewaretoken.value;
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST", body: data, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf() },
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return { status: r.status, body: body }; });
    });
  }

  function say(text) { note.textContent = text; }

  function fieldErrors(errors) {
    var all = [];
    Object.keys(errors || {}).forEach(function (k) {
      (errors[k] || []).forEach(function (e) { all.push(e.message || e); });
    });
    return all.join(" ");
  }

  function showState(status) {
    panel.hidden = false;
    form.hidden = true;
    panel.dataset.state = status.state;
    stateText.textContent = T[status.state] || status.state_label;
    var reached = ORDER.indexOf(status.state);
    panel.querySelectorAll("[data-step]").forEach(function (li) {
      var step = li.dataset.step;
      var done = step === "closed" ? status.state === "closed" : ORDER.indexOf(step) <= reached;
      li.classList.toggle("done", done);
      var time = li.querySelector("time");
      var at = status[time.dataset.at];
      time.textContent = at && window.SmartZoneDates ? SmartZoneDates.formatTime(at) : "";
      if (at) time.setAttribute("datetime", at);
    });
    if (status.located) where.textContent = T.located;
  }

  function poll() {
    if (!sent) return;
    fetch(sent.status_url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (r.status === 404) { return "gone"; }
        return r.ok ? r.json() : null;
      })
      .then(function (status) {
        if (status === "gone") {  // a kept link that leads nowhere: offer the button again
          forget(); sent = null; form.hidden = false; panel.hidden = true; say(""); return;
        }
        if (status) { showState(status); say(""); }
        if (!status || status.state !== "closed") setTimeout(poll, 3000);
        else forget();
      }, function () { say(T.offline); setTimeout(poll, 5000); });
  }

  function forget() { try { sessionStorage.removeItem(KEY); } catch (e) { /* private mode */ } }

  function stored(body) {
    sent = { token: body.token, status_url: body.status_url, locate_url: body.locate_url };
    try { sessionStorage.setItem(KEY, JSON.stringify(sent)); } catch (e) { /* private mode */ }
    showState(body.status);
    say("");
    if (position) sendPosition(position);
    else if (noPosition) where.textContent = T.no_location_sent;
    else if (!body.status.located) where.textContent = T.located_later;
    setTimeout(poll, 3000);
  }

  function sendPosition(pos) {
    position = pos;
    if (!sent) return;
    var data = new FormData();
    data.append("lat", pos.lat);
    data.append("lng", pos.lng);
    post(sent.locate_url, data).then(function (answer) {
      if (answer.status === 200) { position = null; where.textContent = T.located; }
    }, function () { /* the poll says when the connection is back; the number still reaches the desk */ });
  }

  function send(withPosition) {
    var data = new FormData(form);
    if (withPosition && position) { data.set("lat", position.lat); data.set("lng", position.lng); }
    else { data.delete("lat"); data.delete("lng"); }
    say(T.sending);
    return post(form.action, data).then(function (answer) {
      busy = false;
      if (answer.status === 201) {
        if (withPosition) position = null;
        stored(answer.body);
      } else if (answer.status === 400) {
        var errors = answer.body.errors || {};
        phoneError.hidden = !errors.callback_phone;
        phoneError.textContent = fieldErrors({ callback_phone: errors.callback_phone });
        say(fieldErrors(errors));
        if (errors.callback_phone) phone.focus();
      } else {
        say(answer.body.error || T.failed);
      }
      button.disabled = false;
    }, function () { busy = false; button.disabled = false; say(T.offline); });
  }

  function locate(onPosition, onNone) {
    if (!navigator.geolocation) { onNone(); return; }
    navigator.geolocation.getCurrentPosition(function (p) {
      onPosition({ lat: p.coords.latitude.toFixed(6), lng: p.coords.longitude.toFixed(6) });
    }, onNone, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (busy || sent) return;  // a second tap sends no second SOS
    busy = true;
    button.disabled = true;
    phoneError.hidden = true;
    if (phone.value.trim()) {
      // A number to call back: the SOS goes now, the position follows.
      send(false);
      locate(sendPosition, function () {
        noPosition = true;
        if (sent) where.textContent = T.no_location_sent;
      });
      return;
    }
    say(T.locating);
    locate(function (pos) { position = pos; send(true); }, function () {
      busy = false;
      button.disabled = false;
      say("");
      phoneError.textContent = T.no_location;  // next to the box to fill in
      phoneError.hidden = false;
      phone.focus();
    });
  });

  try {
    var saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
    if (saved && saved.status_url) { sent = saved; say(T.waiting); poll(); }
  } catch (e) { /* nothing kept */ }
})();
