// numerek kiosk: a touch-screen ticket machine for one location. A press
// on a service POSTs a ticket request with a fresh Idempotency-Key, retried
// with the same key on network errors, so a press never makes two tickets.
// The result stays on screen for a few seconds, then the buttons return.
//
// The e-ticket link is shown as text: a QR code needs a generator the
// project does not have yet.
(function () {
  "use strict";

  var N = window.numerek;
  var t = N.t, data = N.data;
  var ATTEMPTS = 3;

  var busy = false;
  var tickTimer = 0, idleTimer = 0, alertTimer = 0;

  function $(id) { return document.getElementById(id); }

  function buttons() { return document.querySelectorAll(".service-btn"); }

  function setButtons(disabled) {
    Array.prototype.forEach.call(buttons(), function (b) { b.disabled = disabled; });
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  // request POSTs the ticket request, trying up to ATTEMPTS times with the
  // same key while the server cannot be reached or is briefly unavailable.
  function request(service) {
    var key = N.uuid();
    var path = "/locations/" + encodeURIComponent(data.location) + "/tickets";
    var attempt = 0;
    function once() {
      attempt++;
      return N.api("POST", path, { service: service }, { key: key, timeout: 8000 }).catch(function (err) {
        var transient = err.network || err.status === 502 || err.status === 503 || err.status === 504;
        if (!transient || attempt >= ATTEMPTS) throw err;
        return sleep(600 * attempt).then(once);
      });
    }
    return once();
  }

  function take(service) {
    if (busy) return;
    busy = true;
    setButtons(true);
    N.showAlert("");
    $("kiosk-wait").textContent = t("kiosk.wait");
    request(service).then(showResult, showError).finally(function () {
      busy = false;
      $("kiosk-wait").textContent = "";
    });
  }

  function showPanel(id) {
    ["kiosk-services", "kiosk-result", "kiosk-closed"].forEach(function (p) {
      $(p).hidden = p !== id;
    });
  }

  function showResult(res) {
    res = res || {};
    var tk = res.ticket || {};
    $("result-number").textContent = tk.number || "";
    $("result-service").textContent = tk.service ? N.serviceName(tk.service) : "";
    $("result-ahead").textContent = t("kiosk.ahead", { n: res.ahead || 0 });
    $("result-estimate").textContent = t("kiosk.estimate", { time: N.estimate({ low_ns: res.estimate_low_ns, expected_ns: res.estimate_ns, high_ns: res.estimate_high_ns }) });
    $("result-link").textContent = res.eticket_url || "";
    $("result-eticket").hidden = !res.eticket_url;
    showPanel("kiosk-result");
    $("kiosk-result").focus();
    backLater(data.resultSeconds || 10, true);
  }

  function showError(err) {
    if (err.code === "closed") {
      showPanel("kiosk-closed");
      $("kiosk-closed").focus();
      backLater(data.resultSeconds || 10, false);
      return;
    }
    // Stay on the buttons: the visitor may try again at once. The message
    // goes away before the next visitor comes.
    N.showAlert(err.network ? t("kiosk.offline") : t("kiosk.error") + " " + err.message);
    setButtons(false);
    clearTimeout(alertTimer);
    alertTimer = setTimeout(function () { N.showAlert(""); }, 20000);
  }

  // backLater returns to the buttons after seconds, counting down on screen
  // when counting.
  function backLater(seconds, counting) {
    var left = seconds;
    clearInterval(tickTimer);
    var tick = function () { $("result-countdown").textContent = counting ? t("kiosk.back", { n: left }) : ""; };
    tick();
    tickTimer = setInterval(function () {
      left--;
      if (left <= 0) back();
      else tick();
    }, 1000);
  }

  function back() {
    clearInterval(tickTimer);
    N.showAlert("");
    // The next visitor starts in Polish.
    if (data.lang !== "pl") {
      location.replace("?lang=pl");
      return;
    }
    showPanel("kiosk-services");
    setButtons(false);
  }

  Array.prototype.forEach.call(buttons(), function (b) {
    b.addEventListener("click", function () { take(b.getAttribute("data-service")); });
  });
  $("result-done").addEventListener("click", back);
  $("closed-done").addEventListener("click", back);

  // An English kiosk left alone goes back to Polish.
  function idle() {
    clearTimeout(idleTimer);
    if (data.lang === "pl") return;
    idleTimer = setTimeout(function () { if (!busy) back(); else idle(); }, (data.idleSeconds || 60) * 1000);
  }
  ["pointerdown", "keydown"].forEach(function (ev) { document.addEventListener(ev, idle, true); });
  idle();

  // The clock in the header shows the controller's time (see N.clock).
  N.clock($("kiosk-clock"), data.tz);

  // A kiosk runs for days: reload now and then, when no one is using it, to
  // pick up new services, texts and assets.
  // performance.now: the device's clock may jump when NTP sets it.
  var loadedAt = performance.now();
  setInterval(function () {
    if (performance.now() - loadedAt > 6 * 3600 * 1000 && !busy && !$("kiosk-services").hidden) location.reload();
  }, 60000);
})();
