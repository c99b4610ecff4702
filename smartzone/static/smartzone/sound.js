/* The visible "turn on sound" control shared by the duty desk and the officer's phone.
 *
 * Browsers let a page play sound only after a person touched it, so the choice is a button the
 * officer presses once; it is remembered (localStorage "sz-sound") and, when remembered, the
 * sound comes on at the first touch or key press. SmartZoneSound(button, labels) returns
 * {ready(), beep(times, pitch, gap)}: beep answers false when no sound could play, so that the
 * caller can fall back to something visible. */
"use strict";
window.SmartZoneSound = function (button, labels) {
  var audio = null;
  var wanted = false;
  try { wanted = localStorage.getItem("sz-sound") === "on"; } catch (e) { /* private mode */ }

  function ready() { return wanted && audio && audio.state === "running"; }
  function show() {
    var on = ready();
    button.dataset.state = on ? "on" : "off";
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.textContent = on ? labels.on : labels.off;
  }
  function unlock() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!Ctx) { return null; }
    if (!audio) { audio = new Ctx(); }
    return audio.resume().then(show, show);
  }
  function beep(times, pitch, gap) {
    if (!ready()) { return false; }
    for (var i = 0; i < (times || 1); i++) {
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      var at = audio.currentTime + i * (gap || 0.35);
      osc.frequency.value = pitch || 880;
      osc.connect(gain); gain.connect(audio.destination);
      gain.gain.value = 0.25;
      osc.start(at); osc.stop(at + 0.22);
    }
    return true;
  }

  button.addEventListener("click", function () {
    wanted = !ready();
    try { localStorage.setItem("sz-sound", wanted ? "on" : "off"); } catch (e) { /* kept for the page */ }
    var started = wanted && unlock();
    if (started) { started.then(function () { beep(1); }); } // a sound to say it works
    show();
  });
  if (wanted) {
    unlock();
    ["pointerdown", "keydown"].forEach(function (name) {
      document.addEventListener(name, function () { if (wanted) { unlock(); } }, { once: true, capture: true });
    });
  }
  show();
  return { ready: ready, beep: beep };
};
