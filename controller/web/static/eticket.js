// numerek e-ticket: keeps the server-rendered page live. Every "status"
// message of the stream is the whole status, already in words, so this only
// puts texts in place; an "alive" message says the office is still there.
// Without JavaScript the page refreshes itself instead.
(function () {
  "use strict";

  var N = window.numerek;
  var data = N.data;
  var section = document.getElementById("et");
  if (!section || !data.stream || typeof EventSource !== "function") return;

  var $ = function (id) { return document.getElementById(id); };
  var updated = $("et-updated");
  var state = section.getAttribute("data-state");
  var calls = -1; // unknown until the first status: the page already shows it
  var asOf = new Date(updated.getAttribute("data-as-of"));
  var online = true;

  // clock formats a time as the office's wall clock.
  function clock(d) {
    try {
      return d.toLocaleTimeString(data.lang === "en" ? "en-GB" : "pl-PL", { timeZone: data.tz, hour12: false });
    } catch (e) {
      return d.toTimeString().slice(0, 8);
    }
  }

  function showUpdated() {
    updated.textContent = N.t(online ? "et.updated" : "et.offline", { time: clock(asOf) });
    updated.classList.toggle("et-offline", !online);
  }

  function setLine(id, text) {
    var el = $(id);
    el.textContent = text || "";
    el.hidden = !text;
  }

  // The sound works once the page has been touched: browsers keep audio
  // off until then.
  var audio = null;
  function unlockAudio() {
    var Ctx = window.AudioContext || window.webkitAudioContext;
    if (!audio && Ctx) {
      try { audio = new Ctx(); } catch (e) { audio = null; }
    }
    if (audio && audio.state === "suspended") audio.resume().catch(function () {});
  }
  document.addEventListener("pointerdown", unlockAudio, { once: true });
  document.addEventListener("keydown", unlockAudio, { once: true });

  // ring: a short two-tone chime and a vibration, where the browser allows.
  function ring() {
    if (navigator.vibrate) {
      try { navigator.vibrate([300, 150, 300]); } catch (e) { /* not allowed */ }
    }
    if (!audio || audio.state !== "running") return;
    [[659.25, 0], [523.25, 0.28]].forEach(function (n) {
      var osc = audio.createOscillator(), gain = audio.createGain();
      var t0 = audio.currentTime + n[1];
      osc.frequency.value = n[0];
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(0.4, t0 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.6);
      osc.connect(gain).connect(audio.destination);
      osc.start(t0);
      osc.stop(t0 + 0.65);
    });
  }

  function apply(s) {
    var called = s.state === "called" && (state !== "called" || (calls >= 0 && s.calls > calls));
    section.className = section.className.replace(/\bet-[a-z_]+\b/, "et-" + s.state);
    section.setAttribute("data-state", s.state);
    $("et-headline").textContent = s.headline;
    $("et-detail").textContent = s.detail;
    setLine("et-ahead", s.ahead);
    setLine("et-estimate", s.estimate);
    setLine("et-booked", s.booked);
    var leave = $("et-leave");
    if (leave) leave.hidden = !s.can_leave;
    state = s.state;
    calls = s.calls || 0;
    asOf = new Date(s.as_of);
    online = true;
    showUpdated();
    if (called) {
      document.title = s.headline + " – numerek";
      ring();
    }
  }

  var es = new EventSource(data.stream);
  es.addEventListener("status", function (ev) {
    try { apply(JSON.parse(ev.data)); } catch (e) { /* a broken message: the next one mends it */ }
  });
  es.addEventListener("alive", function (ev) {
    try { asOf = new Date(JSON.parse(ev.data).as_of); } catch (e) { return; }
    online = true;
    showUpdated();
  });
  es.addEventListener("open", function () { online = true; showUpdated(); });
  es.addEventListener("error", function () {
    online = false;
    showUpdated();
    // A closed stream (the ticket is gone with the day) is not retried by
    // the browser: reload later, and the page says what became of it.
    if (es.readyState === EventSource.CLOSED) setTimeout(function () { location.reload(); }, 30000);
  });
})();
