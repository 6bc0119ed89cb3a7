/* The browser side of /live (docs/live-protocol.md).
 *
 * Keeps one copy of the view, applies patches in sequence order, asks for a resync on
 * any gap, reconnects with backoff, and tells listeners what changed.  Renderers
 * (counters.js, wall.js, ...) subscribe with window.cnLive.subscribe(fn); they feed Dash
 * components through window.dash_clientside.set_props, never by building HTML from
 * event text.
 */
(function () {
  "use strict";

  var live = {
    view: null,          // the current view (hello.view with patches applied)
    seq: -1,             // sequence number of the last frame applied
    connected: false,
    lastFrameAt: 0,      // performance.now() of the last frame of any kind
    lastBeat: null,      // the last beat message
    listeners: [],
    socket: null,
    retryMs: 250,
  };

  function scopeFromUrl() {
    var params = new URLSearchParams(window.location.search);
    return params.get("scope");
  }

  function notify(kind, message) {
    for (var i = 0; i < live.listeners.length; i++) {
      try { live.listeners[i](kind, message, live); } catch (err) { console.warn("cnLive listener", err); }
    }
  }

  // Patch fields that are not parts of the view: the envelope and its event lists.
  var NOT_VIEW = { t: 1, seq: 1, set: 1, del: 1, severe: 1, rejections: 1, cue: 1 };

  // An indicator card of a patch carries `tail`, its newest points, and `n`, the index of
  // the last one: append those past the client's own `n`, keep `history_points`.
  function mergeIndicator(old, card, keep) {
    var tail = card.tail || [];
    var have = old ? old.n : card.n - tail.length;
    var first = card.n - tail.length + 1;
    var history = old ? old.history.slice() : [];
    for (var i = 0; i < tail.length; i++) { if (first + i > have) { history.push(tail[i]); } }
    var merged = {};
    Object.keys(card).forEach(function (name) { if (name !== "tail") { merged[name] = card[name]; } });
    merged.history = keep ? history.slice(-keep) : [];
    return merged;
  }

  // The protocol's rules, all of them (docs/live-protocol.md): set/del on record sections,
  // every other field replaces the view's.  tests/js/live.test.mjs holds it to the golden frames.
  function applyPatch(view, patch) {
    var keep = view.history_points || 0;
    var sections = patch.set || {};
    Object.keys(sections).forEach(function (section) {
      var target = view[section] || (view[section] = {});
      var updates = sections[section];
      Object.keys(updates).forEach(function (key) {
        var value = updates[key];
        if (section === "video" && value === "online") { delete target[key]; return; }
        target[key] = section === "indicators" ? mergeIndicator(target[key], value, keep) : value;
      });
    });
    var deletions = patch.del || {};
    Object.keys(deletions).forEach(function (section) {
      deletions[section].forEach(function (key) { if (view[section]) { delete view[section][key]; } });
    });
    Object.keys(patch).forEach(function (name) { if (!NOT_VIEW[name]) { view[name] = patch[name]; } });
  }

  // Beijing time, whatever the kiosk's own time zone: parts of an epoch-ms time.
  var beijingParts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Shanghai", hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", weekday: "short",
  });
  function beijing(ms) {
    var out = {};
    beijingParts.formatToParts(new Date(ms)).forEach(function (part) { out[part.type] = part.value; });
    return out;  // {year, month, day, hour, minute, second, weekday}: strings, zero-padded
  }

  function send(message) {
    if (live.socket && live.socket.readyState === 1) { live.socket.send(JSON.stringify(message)); }
  }

  function onMessage(event) {
    var message;
    try { message = JSON.parse(event.data); } catch (err) { return; }
    live.lastFrameAt = performance.now();
    if (message.t === "hello") {
      live.view = message.view;
      live.seq = message.seq;
      notify("hello", message);
    } else if (message.t === "patch") {
      if (live.view === null || message.seq <= live.seq) { return; }  // stale after a resync
      if (message.seq !== live.seq + 1) {  // a gap: our copy can no longer be trusted
        live.view = null;
        send({ t: "resync" });
        notify("gap", message);
        return;
      }
      applyPatch(live.view, message);
      live.seq = message.seq;
      notify("patch", message);
    } else if (message.t === "beat") {
      live.lastBeat = message;
      notify("beat", message);
    } else if (message.t === "bye" || message.t === "error") {
      console.info("cnLive:", message.reason);
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var scope = scopeFromUrl();
    var url = scheme + window.location.host + "/live" + (scope ? "?scope=" + encodeURIComponent(scope) : "");
    var socket = new WebSocket(url);
    live.socket = socket;
    socket.onopen = function () { live.connected = true; live.retryMs = 250; notify("open", null); };
    socket.onmessage = onMessage;
    socket.onclose = function () {
      live.connected = false;
      live.socket = null;
      notify("close", null);
      setTimeout(connect, live.retryMs);
      live.retryMs = Math.min(live.retryMs * 2, 5000);
    };
    socket.onerror = function () { /* onclose follows */ };
  }

  live.subscribe = function (fn) { live.listeners.push(fn); if (live.view) { fn("hello", null, live); } };
  live.send = send;
  live.applyPatch = applyPatch;
  live.beijing = beijing;
  window.cnLive = live;
  connect();
})();
