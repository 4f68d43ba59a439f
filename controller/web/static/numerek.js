// numerek: helpers shared by the pages' scripts. Plain JavaScript, no build
// step. The page's static data (texts, locations, services) is the JSON in
// <script id="page-data">; live data comes from the API.
(function () {
  "use strict";

  var dataEl = document.getElementById("page-data");
  var data = dataEl ? JSON.parse(dataEl.textContent) : { text: {}, api: "/api/v1" };

  // t returns the text for key with {name} placeholders filled from params.
  function t(key, params) {
    var s = data.text[key];
    if (s === undefined) {
      if (window.console) console.warn("numerek: no text", key);
      return key;
    }
    return s.replace(/\{(\w+)\}/g, function (m, name) {
      return params && params[name] !== undefined ? String(params[name]) : m;
    });
  }

  // ApiError is a failed API call: status 0 and network true when the
  // server could not be reached at all.
  function ApiError(status, code, message, network) {
    this.status = status;
    this.code = code || "";
    this.message = message || "";
    this.network = !!network;
  }

  // api calls the JSON API. opts: csrf (X-CSRF-Token value), key
  // (Idempotency-Key), timeout in ms (default 10 s). It resolves to the
  // parsed body (null for 204) and rejects with an ApiError.
  function api(method, path, body, opts) {
    opts = opts || {};
    var headers = { Accept: "application/json", "Accept-Language": document.documentElement.lang || "pl" };
    if (body !== undefined && body !== null) headers["Content-Type"] = "application/json";
    if (opts.csrf) headers["X-CSRF-Token"] = opts.csrf;
    if (opts.key) headers["Idempotency-Key"] = opts.key;
    var ctrl = typeof AbortController === "function" ? new AbortController() : null;
    var timer = ctrl ? setTimeout(function () { ctrl.abort(); }, opts.timeout || 10000) : 0;
    return fetch(data.api + path, {
      method: method,
      headers: headers,
      body: body !== undefined && body !== null ? JSON.stringify(body) : undefined,
      credentials: "same-origin",
      cache: "no-store",
      signal: ctrl ? ctrl.signal : undefined
    }).then(function (res) {
      clearTimeout(timer);
      return res.text().then(function (text) {
        var parsed = null;
        if (text) {
          try { parsed = JSON.parse(text); } catch (e) { parsed = null; }
        }
        if (res.ok) return parsed;
        var err = parsed && parsed.error ? parsed.error : {};
        throw new ApiError(res.status, err.code, err.message || t("err.status", { status: res.status }));
      });
    }, function () {
      clearTimeout(timer);
      throw new ApiError(0, "network", t("err.network"), true);
    });
  }

  // uuid is a random version-4 UUID. crypto.randomUUID needs a secure
  // context, which a kiosk on plain http in the hall is not.
  function uuid() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  // estimate says a wait estimate ({low_ns, expected_ns, high_ns}) as the
  // e-ticket and the printed ticket do (queue.Estimate.Minutes in Go):
  // "10–15 min", "ok. 5 min", "do 4 min", "za chwilę".
  function estimate(e) {
    e = e || {};
    var round = function (ns) {
      var m = Math.floor(((ns || 0) + 3e10) / 6e10);
      if (m > 60) m = Math.floor((m + 2) / 5) * 5;
      return Math.max(m, 0);
    };
    var lo = round(e.low_ns), exp = round(e.expected_ns), hi = round(e.high_ns);
    if (lo > exp || hi < exp) lo = hi = exp;
    var span = function (m) {
      if (m < 60) return t("et.min", { n: m });
      if (m % 60 === 0) return t("et.h", { h: m / 60 });
      return t("et.hmin", { h: Math.floor(m / 60), m: m % 60 });
    };
    if (hi < 1) return t("estimate.soon");
    if (lo === hi) return t("et.wait.about", { time: span(hi) });
    if (lo < 1) return t("et.wait.upto", { time: span(hi) });
    if (hi < 60) return t("et.wait.range", { lo: lo, time: span(hi) });
    return span(lo) + " – " + span(hi);
  }

  // clockTime formats a time as "09:05", in the time zone tz (an IANA
  // name) when the browser knows it, else in the browser's own.
  function clockTime(date, tz) {
    var d = date instanceof Date ? date : new Date(date);
    if (isNaN(d.getTime())) return "";
    try {
      return new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hour12: false, timeZone: tz || undefined }).format(d);
    } catch (e) {
      return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
    }
  }

  // clock keeps elem showing the controller's time, not the device's: a
  // kiosk or a TV that booted without a network (a Raspberry Pi before
  // NTP) believes it is 1970. /healthz says the controller's time; the
  // offset is that minus the page's monotonic clock (performance.now, which
  // a jump of the device's clock does not move), taken at the middle of the
  // round trip. elem stays blank until the first answer and keeps the last
  // offset while the controller cannot be reached.
  function clock(elem, tz) {
    var offset = null, clockTimer = 0, syncTimer = 0;
    var SYNC_EVERY = 10 * 60 * 1000, SYNC_RETRY = 30 * 1000;

    function tick() {
      clearTimeout(clockTimer);
      if (offset === null) return;
      var now = performance.now() + offset;
      elem.textContent = clockTime(new Date(now), tz);
      // The next minute, as the controller counts it.
      clockTimer = setTimeout(tick, 60000 - (now % 60000) + 50);
    }

    function sync() {
      clearTimeout(syncTimer);
      var sent = performance.now();
      var ctrl = typeof AbortController === "function" ? new AbortController() : null;
      var abort = ctrl ? setTimeout(function () { ctrl.abort(); }, 8000) : 0;
      fetch("/healthz", { cache: "no-store", credentials: "same-origin", signal: ctrl ? ctrl.signal : undefined })
        .then(function (res) {
          if (!res.ok) throw new Error("status " + res.status);
          return res.json();
        })
        .then(function (h) {
          // Go writes nanoseconds; Date.parse is sure of milliseconds only.
          var server = Date.parse(String(h && h.time).replace(/(\.\d{3})\d+/, "$1"));
          if (isNaN(server)) throw new Error("no time");
          var got = performance.now();
          offset = server - (sent + got) / 2;
          tick();
          syncTimer = setTimeout(sync, SYNC_EVERY);
        })
        .catch(function () { syncTimer = setTimeout(sync, offset === null ? SYNC_RETRY / 6 : SYNC_RETRY); })
        .finally(function () { clearTimeout(abort); });
    }
    sync();
  }

  // el builds an element; children are nodes or strings (as text, never
  // as HTML).
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (v === undefined || v === null || v === false) return;
      if (k === "text") e.textContent = v;
      else if (k === "className") e.className = v;
      else if (v === true) e[k] = true; // disabled, hidden
      else e.setAttribute(k, v);
    });
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  }

  // showAlert puts msg in the page's role="alert" region; an empty msg
  // clears it.
  function showAlert(msg) {
    var a = document.getElementById("alert");
    if (a) a.textContent = msg || "";
  }

  // A click on the alert dismisses it.
  document.addEventListener("click", function (e) {
    if (e.target && e.target.id === "alert") showAlert("");
  });

  // serviceName is the name of the service with prefix in the page's language.
  function serviceName(prefix) {
    for (var i = 0; i < data.services.length; i++) {
      if (data.services[i].prefix === prefix) return data.services[i].name;
    }
    return prefix;
  }

  window.numerek = {
    data: data,
    t: t,
    api: api,
    ApiError: ApiError,
    uuid: uuid,
    estimate: estimate,
    clockTime: clockTime,
    clock: clock,
    el: el,
    showAlert: showAlert,
    serviceName: serviceName
  };
})();
