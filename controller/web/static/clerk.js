// numerek clerk terminal: login, choice of a counter, and the terminal that
// calls and serves clients. One page; this script shows one of its three
// views by the session. Live data: the location's event stream triggers a
// fresh GET …/view (debounced); the last state stays on screen while offline.
(function () {
  "use strict";

  var N = window.numerek;
  var t = N.t, el = N.el, data = N.data;

  // The event types of the stream, each of which changes the view.
  var EVENT_TYPES = ["called", "recalled", "no_show", "missed", "finished", "client_came",
    "ticket_issued", "booking_entered", "transferred", "cancelled", "restored",
    "counter_opened", "counter_closed", "day_started", "visit_booked"];

  // Which action buttons a current ticket's status allows ("" = no client).
  // The engine has the last word: a refused action shows its message.
  var ENABLED = {
    "btn-next": function (s) { return s === ""; },
    "btn-call-number": function (s) { return s === ""; },
    "btn-recall": function (s) { return s === "called"; },
    "btn-noshow": function (s) { return s === "called"; },
    "btn-came": function (s) { return s === "called"; },
    "btn-finish": function (s) { return s === "serving"; },
    "btn-transfer": function (s) { return s === "serving"; }
  };

  // Keyboard shortcuts, only when focus is not in a text field or a list.
  var SHORTCUTS = { n: "btn-next", p: "btn-recall", x: "btn-noshow", k: "btn-came", z: "btn-finish" };

  var state = {
    clerk: null,    // {login, name, locations}
    csrf: "",
    loc: "",        // the counter taken: location id …
    counter: 0,     // … and number; 0 when none
    view: null,     // the last View rendered
    busy: false,    // an action is in flight
    es: null,       // the EventSource
    devTimer: 0,    // the next device-health refresh
    alertTimer: 0,  // the next look at long waits, soon after a change
    esRetry: 0,     // reconnect backoff step
    esTimer: 0,
    refreshTimer: 0,
    refreshing: false,
    lastCurrent: "",   // "number:calls" of the current ticket last rendered
    ownCall: "",       // "number:calls" of the last call this terminal made
    calling: false,    // the action in flight is a call
    doneMsg: "",       // the message of the action just answered, said at the next render
    autoMsg: "",       // the automatic call seen since the last action
    focusAfter: "",    // "": leave focus be; "answer": the action came from
                       // a control, whose focus moves on once it is
                       // answered; "view": … once the view after it is shown
    focusFrom: null,   // that control
    focusOnKeyUp: ""   // the field a shortcut focuses when its key goes up
  };

  function $(id) { return document.getElementById(id); }

  function say(msg) { $("status").textContent = msg || ""; }

  function locationData(id) {
    for (var i = 0; i < data.locations.length; i++) {
      if (data.locations[i].id === id) return data.locations[i];
    }
    return null;
  }

  function encode(s) { return encodeURIComponent(s); }

  function locPath(loc) { return "/locations/" + encode(loc); }

  function counterPath(action) {
    return locPath(state.loc) + "/counters/" + state.counter + "/" + action;
  }

  function attemptText(calls) {
    return calls ? t("terminal.attempt", { n: calls, max: data.maxCalls }) : "";
  }

  // ---- views ----

  function show(name) {
    $("loading").hidden = true;
    ["login", "counter", "terminal"].forEach(function (v) {
      $("view-" + v).hidden = v !== name;
    });
    $("session-bar").hidden = name === "login";
    $("btn-close").hidden = name !== "terminal";
    if (name !== "terminal") disconnect();
    if (name === "login") {
      state.clerk = null;
      state.csrf = "";
      state.counter = 0;
      $("password").value = "";
      $("login").focus();
    }
  }

  function showLogin(msg) {
    show("login");
    N.showAlert(msg || "");
  }

  // handleError shows err; a lost session sends the clerk to the login form.
  function handleError(err) {
    if (err.status === 401) {
      showLogin(t("login.expired"));
      return;
    }
    if (err.network) setOffline(true);
    N.showAlert(err.message);
  }

  // ---- session ----

  // nextPage is where ?next= asks to go after the login: one of the
  // staff's pages of this site, or "".
  function nextPage() {
    var next = new URLSearchParams(location.search).get("next") || "";
    return /^\/(manager|devices)(?:[?\/]|$)/.test(next) ? next : "";
  }

  function onSession(s) {
    var next = nextPage();
    if (next) {
      location.replace(next);
      return;
    }
    state.clerk = s.clerk || {};
    state.csrf = s.csrf || "";
    var name = state.clerk.name || state.clerk.login || "";
    $("session-who").textContent = name;
    $("counter-hello").textContent = t("counter.hello", { name: name });
    if (s.counter && s.counter.location && s.counter.number) {
      enterTerminal(s.counter.location, s.counter.number);
    } else {
      showChooser();
    }
  }

  function start() {
    N.api("GET", "/session").then(onSession, function (err) {
      if (err.status === 401) showLogin();
      else showLogin(err.message);
    });
  }

  $("login-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var login = $("login").value.trim(), password = $("password").value;
    if (!login || !password) {
      N.showAlert(t("login.bad"));
      return;
    }
    var btn = $("login-submit");
    btn.disabled = true;
    N.api("POST", "/session", { login: login, password: password }).then(function (s) {
      N.showAlert("");
      $("password").value = "";
      onSession(s);
    }, function (err) {
      if (err.status === 401) N.showAlert(t("login.bad"));
      else if (err.status === 429) N.showAlert(t("login.tooMany"));
      else N.showAlert(err.message);
      $("password").focus();
    }).finally(function () { btn.disabled = false; });
  });

  function logout() {
    var done = function () {
      N.api("DELETE", "/session", null, { csrf: state.csrf }).then(function () {
        say("");
        showLogin();
      }, function (err) {
        if (err.status === 401) showLogin();
        else N.showAlert(err.message);
      });
    };
    if (!state.counter) {
      done();
      return;
    }
    N.api("POST", counterPath("close"), null, { csrf: state.csrf }).then(function () {
      state.counter = 0;
      done();
    }, function (err) {
      if (err.status === 401) {
        showLogin();
        return;
      }
      N.showAlert(err.message);
      if (window.confirm(t("confirm.logout"))) done();
    });
  }
  $("btn-logout").addEventListener("click", logout);

  // ---- choice of a counter ----

  function allowedLocations() {
    var mine = state.clerk && state.clerk.locations;
    if (!mine || !mine.length) return data.locations; // empty means everywhere
    return data.locations.filter(function (l) { return mine.indexOf(l.id) >= 0; });
  }

  function showChooser() {
    state.counter = 0;
    show("counter");
    var sel = $("location-select");
    sel.textContent = "";
    var locs = allowedLocations();
    locs.forEach(function (l) { sel.appendChild(el("option", { value: l.id, text: l.name })); });
    if (!locs.length) {
      N.showAlert(t("counter.noLocations"));
      $("take-counter").disabled = true;
      return;
    }
    $("take-counter").disabled = false;
    var last = localStorage.getItem("numerek.clerk.location");
    if (last && locationData(last) && locs.some(function (l) { return l.id === last; })) sel.value = last;
    fillCounters();
    sel.focus();
  }

  function fillCounters() {
    var loc = locationData($("location-select").value);
    var sel = $("counter-select");
    sel.textContent = "";
    if (!loc) return;
    loc.counters.forEach(function (c) {
      sel.appendChild(el("option", {
        value: String(c.number),
        text: t("counter.option", { n: c.number, services: c.services.join(", ") })
      }));
    });
    if (!loc.counters.length) N.showAlert(t("counter.noCounters"));
    var last = localStorage.getItem("numerek.clerk.counter");
    if (last && loc.counters.some(function (c) { return String(c.number) === last; })) sel.value = last;
    // Mark the counters someone already staffs.
    N.api("GET", locPath(loc.id) + "/view").then(function (v) {
      if ($("location-select").value !== loc.id) return;
      (v.counters || []).forEach(function (c) {
        var opt = sel.querySelector('option[value="' + c.number + '"]');
        if (!opt) return;
        var base = t("counter.option", { n: c.number, services: (c.services || []).join(", ") });
        opt.textContent = c.open ? base + " – " + t("counter.taken") : base;
        opt.disabled = !!c.open;
      });
    }, function () { /* the choice works without it */ });
  }
  $("location-select").addEventListener("change", fillCounters);

  $("counter-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var loc = $("location-select").value, n = parseInt($("counter-select").value, 10);
    if (!loc || !n) return;
    var btn = $("take-counter");
    btn.disabled = true;
    N.api("POST", locPath(loc) + "/counters/" + n + "/open", null, { csrf: state.csrf }).then(function () {
      localStorage.setItem("numerek.clerk.location", loc);
      localStorage.setItem("numerek.clerk.counter", String(n));
      N.showAlert("");
      say(t("msg.opened", { n: n }));
      enterTerminal(loc, n);
    }, handleError).finally(function () { btn.disabled = false; });
  });

  // ---- terminal ----

  function enterTerminal(loc, n) {
    state.loc = loc;
    state.counter = n;
    state.view = null;
    state.lastCurrent = "";
    var l = locationData(loc);
    var where = t("terminal.counter", { n: n }) + (l ? " · " + l.name : "");
    $("terminal-where").textContent = "– " + where;
    // The header names only the clerk: the counter and the location are in
    // the heading of the current client, and the header must stay one row.
    $("session-who").textContent = state.clerk.name || state.clerk.login || "";
    var sel = $("transfer-service");
    while (sel.options.length > 1) sel.remove(1);
    data.services.forEach(function (s) {
      sel.appendChild(el("option", { value: s.prefix, text: s.prefix + " – " + s.name }));
    });
    show("terminal");
    renderCurrent(null);
    connect();
    refresh();
  }

  $("btn-close").addEventListener("click", function () {
    if (state.busy) return;
    state.busy = true;
    var n = state.counter;
    N.api("POST", counterPath("close"), null, { csrf: state.csrf }).then(function () {
      N.showAlert("");
      say(t("msg.closed", { n: n }));
      showChooser();
    }, handleError).finally(function () { state.busy = false; updateButtons(); });
  });

  function myCounter(v) {
    var cs = (v && v.counters) || [];
    for (var i = 0; i < cs.length; i++) {
      if (cs[i].number === state.counter) return cs[i];
    }
    return null;
  }

  function currentStatus() {
    var c = myCounter(state.view);
    return c && c.current ? c.current.status : "";
  }

  function updateButtons() {
    var s = currentStatus();
    Object.keys(ENABLED).forEach(function (id) {
      $(id).disabled = state.busy || !state.view || !ENABLED[id](s);
    });
    var cur = myCounter(state.view);
    var curService = cur && cur.current ? cur.current.service : "";
    Array.prototype.forEach.call($("transfer-service").options, function (o) {
      if (o.value) o.disabled = o.value === curService;
    });
    Array.prototype.forEach.call(document.querySelectorAll("#waiting-list button[data-action=call]"), function (b) {
      b.disabled = state.busy || s !== "";
    });
  }

  // FOCUS_NEXT is the button that does the likely next step, by the status
  // of the current ticket.
  var FOCUS_NEXT = { "": "btn-next", called: "btn-came", serving: "btn-finish" };

  // isActionControl tells whether e is a control of the terminal that an
  // action disables, re-renders or clears: a button of the terminal, or
  // the field whose form an action submits.
  function isActionControl(e) {
    if (!e || !$("view-terminal").contains(e)) return false;
    return e.tagName === "BUTTON" || e.id === "transfer-service" || e.id === "call-number";
  }

  // settleFocus gives the focus, lost when the clicked button was disabled
  // or its list re-rendered, to the button of the likely next step. It
  // takes the focus only from nowhere or from the button that acted: never
  // from a field, or from a control the clerk has moved to meanwhile.
  function settleFocus() {
    var from = state.focusFrom;
    state.focusAfter = "";
    state.focusFrom = null;
    var a = document.activeElement;
    var lost = !a || a === document.body || a.disabled || !document.contains(a) ||
      (a === from && a.tagName === "BUTTON");
    if (!lost || $("view-terminal").hidden) return;
    var b = $(FOCUS_NEXT[currentStatus()] || "btn-next");
    if (b && !b.disabled) b.focus();
  }

  function renderCurrent(cur) {
    var box = $("current");
    box.setAttribute("data-status", cur ? cur.status : "");
    $("current-number").textContent = cur ? cur.number : "–";
    $("current-service").textContent = cur ? N.serviceName(cur.service) : "";
    $("current-status").textContent = cur ? t(cur.status === "serving" ? "status.serving" : "status.called") : t("terminal.none");
    $("current-attempt").textContent = cur && cur.status === "called" ? attemptText(cur.calls) : "";
  }

  function render(v) {
    if (!v || v.location !== state.loc || !state.counter) return;
    if (state.view && v.seq < state.view.seq) return; // an older answer
    var mine = myCounter(v);
    if (mine && !mine.open && !state.busy) {
      var n = state.counter;
      showChooser();
      N.showAlert(t("msg.counterClosed", { n: n }));
      return;
    }
    var first = !state.view;
    state.view = v;
    var cur = mine ? mine.current : null;
    renderCurrent(cur);

    // A call this terminal did not make: the engine's automatic call of a
    // no-show after the client before it finished.
    var key = cur ? cur.number + ":" + (cur.calls || 0) : "";
    if (!first && !state.calling && cur && cur.status === "called" && cur.calls > 1 &&
        key !== state.lastCurrent && key !== state.ownCall) {
      state.autoMsg = t("msg.autoCalled", { number: cur.number, attempt: attemptText(cur.calls) });
      if (!state.doneMsg) say(state.autoMsg);
    }
    state.lastCurrent = key;
    if (state.doneMsg) {
      say(state.doneMsg + (state.autoMsg ? " " + state.autoMsg : ""));
      state.doneMsg = "";
    }

    var served = (mine && mine.services) || [];
    renderServices(v.services || [], served);
    renderPending((mine && mine.pending) || []);
    renderWaiting(v.waiting || [], served);
    renderMissed(v.missed || []);
    updateButtons();
  }

  function renderServices(services, served) {
    var body = $("service-counts");
    body.textContent = "";
    services.forEach(function (s) {
      var here = served.indexOf(s.prefix) >= 0;
      body.appendChild(el("tr", { className: here ? "mine" : "" }, [
        el("th", { scope: "row" }, [el("span", { className: "prefix", text: s.prefix }), " " + N.serviceName(s.prefix)]),
        el("td", { className: "num", text: String(s.waiting) }),
        el("td", { className: "num", text: s.waiting ? N.estimate(s.estimate) : "–" })
      ]));
    });
  }

  function renderPending(pending) {
    var list = $("pending-list");
    list.textContent = "";
    if (!pending.length) list.appendChild(el("li", { className: "none", text: t("queue.none") }));
    pending.forEach(function (num) { list.appendChild(el("li", { className: "chip", text: num })); });
  }

  function keyTime(iso) {
    var l = locationData(state.loc);
    return N.clockTime(iso, l && l.tz);
  }

  function ticketRow(tk, extra, actions) {
    return el("li", { className: "ticket" + (extra ? " " + extra : ""), "data-number": tk.number }, [
      el("span", { className: "ticket-number", text: tk.number }),
      el("span", { className: "ticket-info" }, [
        el("span", { className: "ticket-service", text: N.serviceName(tk.service) }),
        el("span", { className: "ticket-meta", text: keyTime(tk.key) + (tk.kind === "booked" ? " · " + t("queue.booked") : "") })
      ]),
      el("span", { className: "ticket-actions", role: "group", "aria-label": t("queue.ticketActions", { number: tk.number }) }, actions)
    ]);
  }

  function renderWaiting(waiting, served) {
    var list = $("waiting-list");
    list.textContent = "";
    $("waiting-count").textContent = "(" + waiting.length + ")";
    if (!waiting.length) list.appendChild(el("li", { className: "none", text: t("queue.empty") }));
    waiting.forEach(function (tk) {
      var here = served.indexOf(tk.service) >= 0;
      list.appendChild(ticketRow(tk, here ? "" : "elsewhere", [
        el("button", { type: "button", className: "button small", "data-action": "call", "data-number": tk.number, text: t("btn.call") }),
        el("button", { type: "button", className: "button small quiet", "data-action": "cancel", "data-number": tk.number, text: t("btn.cancel") })
      ]));
    });
  }

  function renderMissed(missed) {
    var list = $("missed-list");
    list.textContent = "";
    if (!missed.length) list.appendChild(el("li", { className: "none", text: t("queue.none") }));
    missed.forEach(function (tk) {
      list.appendChild(ticketRow(tk, "", [
        el("button", { type: "button", className: "button small", "data-action": "restore", "data-number": tk.number, text: t("btn.restore") })
      ]));
    });
  }

  // ---- actions ----

  // act POSTs path; on success it refreshes the view and says
  // message(ticket) with it. calling marks the calls, whose new current
  // ticket is not an automatic call.
  // Focus: when the action came from a control of the terminal, the focus
  // goes on to the button of the next step once the new view is on screen
  // (or at once when the action failed), so a keyboard user keeps a place.
  function act(path, body, message, calling) {
    if (state.busy) return;
    state.busy = true;
    state.calling = !!calling;
    state.autoMsg = "";
    state.focusFrom = document.activeElement;
    state.focusAfter = isActionControl(state.focusFrom) ? "answer" : "";
    updateButtons();
    N.api("POST", path, body, { csrf: state.csrf }).then(function (res) {
      var tk = (res && res.ticket) || {};
      N.showAlert("");
      state.doneMsg = message(tk);
      if (state.focusAfter) state.focusAfter = "view";
      refresh();
    }, handleError).finally(function () {
      state.busy = false;
      state.calling = false;
      updateButtons();
      if (state.focusAfter === "answer") settleFocus();
    });
  }

  function called(tk) {
    state.ownCall = tk.number + ":" + (tk.calls || 0);
    return t("msg.called", { number: tk.number });
  }

  var ACTIONS = {
    "btn-next": function () { act(counterPath("call-next"), null, called, true); },
    "btn-recall": function () {
      act(counterPath("recall"), null, function (tk) {
        state.ownCall = tk.number + ":" + (tk.calls || 0);
        return t("msg.recalled", { number: tk.number, attempt: attemptText(tk.calls) });
      }, true);
    },
    "btn-noshow": function () {
      act(counterPath("no-show"), null, function (tk) {
        return t(tk.status === "missed" ? "msg.missed" : "msg.noshow", { number: tk.number });
      });
    },
    "btn-came": function () {
      act(counterPath("came"), null, function (tk) { return t("msg.came", { number: tk.number }); });
    },
    "btn-finish": function () {
      act(counterPath("finish"), null, function (tk) { return t("msg.finished", { number: tk.number }); });
    }
  };
  Object.keys(ACTIONS).forEach(function (id) { $(id).addEventListener("click", ACTIONS[id]); });

  function transfer() {
    var svc = $("transfer-service").value;
    if (!svc) {
      N.showAlert(t("transfer.invalid"));
      $("transfer-service").focus();
      return;
    }
    act(counterPath("transfer"), { service: svc }, function (tk) {
      $("transfer-service").value = "";
      $("transfer-service").blur();
      return t("msg.transferred", { number: tk.number || "", service: N.serviceName(tk.service || svc) });
    });
  }
  $("transfer-form").addEventListener("submit", function (e) { e.preventDefault(); transfer(); });
  $("transfer-service").addEventListener("keydown", function (e) {
    if (e.key === "Enter") { e.preventDefault(); transfer(); }
  });

  // normalNumber turns "a12" into "A012"; "" when it is not a number.
  function normalNumber(s) {
    var m = /^\s*([A-Za-z])\s*-?\s*(\d{1,4})\s*$/.exec(s);
    if (!m) return "";
    var d = m[2].length < 3 ? ("00" + m[2]).slice(-3) : m[2];
    return m[1].toUpperCase() + d;
  }

  function callNumber(num) {
    act(counterPath("call"), { number: num }, function (tk) {
      $("call-number").value = "";
      $("call-number").blur(); // the shortcuts work again
      return called(tk);
    }, true);
  }

  $("call-form").addEventListener("submit", function (e) {
    e.preventDefault();
    if ($("btn-call-number").disabled) return;
    var num = normalNumber($("call-number").value);
    if (!num) {
      N.showAlert(t("callNumber.invalid"));
      $("call-number").focus();
      return;
    }
    callNumber(num);
  });

  // The buttons in the waiting and missed lists.
  function listClick(e) {
    var b = e.target.closest("button[data-action]");
    if (!b || b.disabled) return;
    var num = b.getAttribute("data-number");
    switch (b.getAttribute("data-action")) {
    case "call":
      callNumber(num);
      break;
    case "cancel":
      if (window.confirm(t("confirm.cancel", { number: num }))) {
        act(locPath(state.loc) + "/tickets/" + encode(num) + "/cancel", null, function () {
          return t("msg.cancelled", { number: num });
        });
      }
      break;
    case "restore":
      act(locPath(state.loc) + "/tickets/" + encode(num) + "/restore", null, function () {
        return t("msg.restored", { number: num });
      });
      break;
    }
  }
  $("waiting-list").addEventListener("click", listClick);
  $("missed-list").addEventListener("click", listClick);

  document.addEventListener("keydown", function (e) {
    if ($("view-terminal").hidden || e.ctrlKey || e.altKey || e.metaKey || e.repeat) return;
    var tag = e.target && e.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || (e.target && e.target.isContentEditable)) {
      if (e.key === "Escape") e.target.blur();
      return;
    }
    var k = (e.key || "").toLowerCase();
    var id = SHORTCUTS[k];
    if (id) {
      e.preventDefault();
      if (!$(id).disabled) ACTIONS[id]();
    } else if (k === "t") {
      e.preventDefault();
      if ($("btn-transfer").disabled) return;
      if ($("transfer-service").value) transfer();
      else $("transfer-service").focus();
    } else if (k === "w") {
      // Focus on key up, so the letter itself is not typed into the field.
      e.preventDefault();
      state.focusOnKeyUp = "call-number";
    }
  });
  document.addEventListener("keyup", function (e) {
    if (state.focusOnKeyUp && (e.key || "").toLowerCase() === "w") {
      $(state.focusOnKeyUp).focus();
      $(state.focusOnKeyUp).select();
      state.focusOnKeyUp = "";
    }
  });

  // ---- live data ----

  function setOffline(off) { $("offline").hidden = !off; }

  // refresh fetches the view now (or soon, debounced by delay ms).
  function refresh(delay) {
    clearTimeout(state.refreshTimer);
    state.refreshTimer = setTimeout(function () {
      if (!state.counter) return;
      var loc = state.loc;
      // The view asked for after an action's answer shows its outcome:
      // then the focus moves on.
      var settle = state.focusAfter === "view";
      N.api("GET", locPath(loc) + "/view").then(function (v) {
        if (loc !== state.loc) return;
        render(v);
        loadAlerts(1000);
        setOffline(!state.es || state.es.readyState === 2);
        if (settle && state.focusAfter === "view" && !state.busy) settleFocus();
      }, function (err) {
        if (state.doneMsg) say(state.doneMsg);
        state.doneMsg = "";
        if (state.focusAfter === "view") settleFocus();
        if (err.status === 401) handleError(err);
        else setOffline(true);
      });
    }, delay || 0);
  }

  // ---- long waits ----

  // loadAlerts shows the services whose longest wait passed the limit of
  // the configuration ([stats] alert_after): with each round of the
  // device health, and soon after the queue changes (debounced).
  function loadAlerts(delay) {
    clearTimeout(state.alertTimer);
    state.alertTimer = setTimeout(function () {
      var loc = state.loc;
      if (!loc || !state.counter) return;
      N.api("GET", locPath(loc) + "/alerts").then(function (a) {
        if (loc === state.loc && state.counter) renderAlerts((a && a.alerts) || []);
      }, function () { /* the next round tries again */ });
    }, delay || 0);
  }

  // renderAlerts fills the role="status" banner; an unchanged list is not
  // rewritten, so that a screen reader does not say it again.
  function renderAlerts(list) {
    var box = $("wait-alerts");
    var lines = list.map(function (a) {
      var name = N.serviceName(a.service);
      return t("walert.line", {
        service: a.service + (name && name !== a.service ? " – " + name : ""),
        number: a.number,
        minutes: a.waited_minutes,
        limit: Math.floor(a.threshold_ns / 6e10)
      });
    });
    var key = lines.join("\n");
    if (box.getAttribute("data-shown") === key) return;
    box.setAttribute("data-shown", key);
    box.textContent = "";
    if (!lines.length) return;
    box.appendChild(el("div", { className: "wait-alert" }, [
      el("p", { className: "wait-alert-title", text: t("walert.title") }),
      el("ul", {}, lines.map(function (line) { return el("li", { text: line }); }))
    ]));
  }

  // ---- device health ----

  // loadDevices shows the health of the location's devices, and again every
  // 30 seconds (the devices report that often).
  function loadDevices() {
    clearTimeout(state.devTimer);
    var loc = state.loc;
    N.api("GET", locPath(loc) + "/devices").then(function (list) {
      if (loc === state.loc) renderDevices(list || []);
    }, function () { /* the next round tries again */ });
    loadAlerts();
    state.devTimer = setTimeout(loadDevices, 30000);
  }

  // deviceWords names device states, roles and printer states, each key in
  // full so that the test of text keys sees them.
  function deviceWords() {
    return {
      state: { ok: t("device.ok"), degraded: t("device.degraded"), error: t("device.error"), offline: t("device.offline"), never: t("device.never") },
      role: { dispenser: t("role.dispenser"), display: t("role.display"), announcer: t("role.announcer"), kiosk: t("role.kiosk") },
      printer: { offline: t("printer.offline"), paper_out: t("printer.paper_out"), paper_low: t("printer.paper_low"), cover_open: t("printer.cover_open"), unknown: t("printer.unknown") }
    };
  }

  function renderDevices(list) {
    var ul = $("device-list");
    var words = deviceWords();
    ul.textContent = "";
    if (!list.length) ul.appendChild(el("li", { className: "none", text: t("devices.none") }));
    list.forEach(function (d) {
      var what = words.state[d.state] || d.state;
      if (d.printer && d.printer !== "ok") what += " – " + (words.printer[d.printer] || d.printer);
      if (d.detail && d.state !== "ok") what += " (" + d.detail + ")";
      var li = el("li", { className: "device device-" + d.state });
      li.appendChild(el("span", { className: "device-name", text: d.name }));
      li.appendChild(el("span", { className: "device-role", text: (words.role[d.role] || d.role) + (d.counter ? " " + d.counter : "") }));
      li.appendChild(el("span", { className: "device-state", text: what }));
      ul.appendChild(li);
    });
  }

  function disconnect() {
    clearTimeout(state.devTimer);
    clearTimeout(state.alertTimer);
    renderAlerts([]);
    clearTimeout(state.esTimer);
    clearTimeout(state.refreshTimer);
    if (state.es) state.es.close();
    state.es = null;
    setOffline(false);
  }

  // connect follows the location's events. EventSource reconnects by itself
  // (with Last-Event-ID); when the server ends the stream for good (an HTTP
  // error), connect tries again with a growing pause.
  function connect() {
    disconnect();
    if (typeof EventSource !== "function") return;
    var es = new EventSource(data.api + locPath(state.loc) + "/events");
    state.es = es;
    loadDevices();
    es.addEventListener("snapshot", function (ev) {
      try { render(JSON.parse(ev.data)); } catch (e) { refresh(100); }
      setOffline(false);
    });
    EVENT_TYPES.forEach(function (type) {
      es.addEventListener(type, function () { refresh(100); });
    });
    es.onmessage = function () { refresh(100); };
    es.onopen = function () {
      state.esRetry = 0;
      setOffline(false);
      refresh(100);
    };
    es.onerror = function () {
      setOffline(true);
      if (es.readyState === 2 && state.es === es) {
        var wait = Math.min(30000, 2000 * Math.pow(2, state.esRetry++));
        state.esTimer = setTimeout(function () { if (state.es === es) connect(); }, wait);
      }
    };
  }

  start();
})();
