// numerek web display: the hall's group screen, or a counter's own screen,
// for a smart TV's browser. It follows the location's event stream: a call
// shows at once from its event; every change also fetches the view again
// (debounced) for the rest. While offline the last state stays, with a
// small mark, and the stream reconnects.
(function () {
  "use strict";

  var N = window.numerek;
  var t = N.t, el = N.el, data = N.data;
  var $ = function (id) { return document.getElementById(id); };

  var BLINK_MS = 8000; // the newest call blinks this long, then settles
  var MAX_RECENT = 6;
  var view = null, lastCall = null, blinkTimer = 0, refreshTimer = 0;

  N.clock($("display-clock"), data.tz);

  function serviceName(prefix) {
    var s = (view && view.services || []).filter(function (x) { return x.prefix === prefix; })[0];
    if (!s) return prefix;
    return data.lang === "en" && s.name_en ? s.name_en : s.name_pl;
  }

  // showCall puts a call in the "now" box; a new one (not a re-render of
  // the same) blinks for a while.
  function showCall(c) {
    var key = c ? c.number + ":" + c.counter + ":" + c.time : "";
    var box = $("now");
    if (!box) return;
    box.textContent = "";
    if (!c) {
      box.appendChild(el("p", { className: "now-empty", text: t("display.none") }));
      lastCall = key;
      return;
    }
    box.appendChild(el("p", { className: "now-number", text: c.number }));
    box.appendChild(el("p", { className: "now-arrow", "aria-hidden": "true", text: "→" }));
    box.appendChild(el("p", { className: "now-counter" }, [
      el("span", { className: "now-label", text: t("display.counter") }), " ", String(c.counter)
    ]));
    // Not at the first render: a call made before the page loaded is old.
    if (key !== lastCall && lastCall !== null) {
      box.classList.remove("blink");
      void box.offsetWidth; // restart the animation
      box.classList.add("blink");
      clearTimeout(blinkTimer);
      blinkTimer = setTimeout(function () { box.classList.remove("blink"); }, BLINK_MS);
    }
    lastCall = key;
  }

  function renderGroup() {
    var recent = view.recent || [];
    showCall(recent[0] || null);
    var body = $("recent");
    body.textContent = "";
    recent.slice(1, MAX_RECENT + 1).forEach(function (c) {
      body.appendChild(el("tr", {}, [el("td", { text: c.number }), el("td", { text: String(c.counter) })]));
    });
    var box = $("waiting");
    box.textContent = "";
    var byService = {};
    (view.waiting || []).forEach(function (w) { (byService[w.service] = byService[w.service] || []).push(w.number); });
    var any = false;
    (view.services || []).forEach(function (s) {
      var nums = byService[s.prefix];
      if (!nums || !nums.length) return;
      any = true;
      var chips = el("div", { className: "wait-chips" }, nums.map(function (n) { return el("span", { className: "wait-chip", text: n }); }));
      box.appendChild(el("div", { className: "service-queue" }, [
        el("h3", {}, [el("span", { className: "service-prefix", text: s.prefix }), " ", serviceName(s.prefix)]),
        chips
      ]));
    });
    if (!any) box.appendChild(el("p", { className: "now-empty", text: t("display.nobody") }));
    fitChips();
  }

  // fitChips hides the numbers that do not fit in their service's box and
  // says how many more wait instead.
  function fitChips() {
    Array.prototype.forEach.call(document.querySelectorAll(".service-queue .wait-chips"), function (chips) {
      var all = Array.prototype.slice.call(chips.children);
      var limit = chips.getBoundingClientRect().bottom;
      var hidden = 0;
      for (var i = all.length - 1; i >= 0 && all[i].getBoundingClientRect().bottom > limit + 1; i--) {
        all[i].hidden = true;
        hidden++;
      }
      if (!hidden) return;
      // The "+N" mark takes a place too: hide one more while it overflows.
      var more = el("span", { className: "wait-chip more", text: t("display.more", { n: hidden }) });
      chips.appendChild(more);
      for (var j = all.length - hidden - 1; j >= 0 && more.getBoundingClientRect().bottom > limit + 1; j--) {
        all[j].hidden = true;
        hidden++;
        more.textContent = t("display.more", { n: hidden });
      }
    });
  }

  function renderDesk() {
    var c = (view.counters || []).filter(function (x) { return x.number === data.counter; })[0];
    var num = $("desk-number"), status = $("desk-status"), desk = $("desk");
    if (!c || !c.open) {
      num.textContent = "";
      status.textContent = t("display.break");
      desk.className = "desk closed";
      return;
    }
    var cur = c.current;
    num.textContent = cur ? cur.number : "";
    status.textContent = !cur ? t("display.free") : cur.status === "serving" ? t("display.serving") : t("display.calling");
    var key = cur ? cur.number + ":" + cur.calls + ":" + cur.status : "";
    desk.className = "desk" + (cur && cur.status === "called" ? " calling" : "");
    if (cur && cur.status === "called" && key !== lastCall && lastCall !== null) {
      desk.classList.add("blink");
      clearTimeout(blinkTimer);
      blinkTimer = setTimeout(function () { desk.classList.remove("blink"); }, BLINK_MS);
    }
    lastCall = key;
  }

  function render() {
    if (!view) return;
    if (data.counter) renderDesk(); else renderGroup();
  }

  function refresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      N.api("GET", "/locations/" + encodeURIComponent(data.location) + "/view").then(function (v) {
        view = v;
        render();
      }, function () { /* offline: the stream's error handler says so */ });
    }, 150);
  }

  function offline(on) { $("display-offline").hidden = !on; }

  var es = new EventSource(data.api + "/locations/" + encodeURIComponent(data.location) + "/events");
  es.addEventListener("snapshot", function (ev) {
    try { view = JSON.parse(ev.data); } catch (e) { return; }
    offline(false);
    render();
  });
  ["called", "recalled"].forEach(function (type) {
    es.addEventListener(type, function (ev) {
      var e;
      try { e = JSON.parse(ev.data); } catch (err) { return; }
      if (!data.counter && view) {
        // Show the call now; the view fetched next fills in the rest.
        view.recent = [{ number: e.number, service: e.service, counter: e.counter, time: e.time, attempt: e.attempt }]
          .concat((view.recent || []).filter(function (c) { return c.number !== e.number; }));
        render();
      }
      refresh();
    });
  });
  ["no_show", "missed", "finished", "client_came", "ticket_issued", "booking_entered", "transferred",
    "cancelled", "restored", "counter_opened", "counter_closed", "day_started"].forEach(function (type) {
    es.addEventListener(type, refresh);
  });
  es.addEventListener("open", function () { offline(false); });
  es.addEventListener("error", function () { offline(true); });
  window.addEventListener("resize", function () { if (!data.counter) render(); });

  // A TV runs for days: reload at night to pick up new assets and texts.
  var loadedAt = performance.now();
  setInterval(function () {
    if (performance.now() - loadedAt > 12 * 3600 * 1000 && new Date().getHours() < 6) location.reload();
  }, 10 * 60 * 1000);
})();
