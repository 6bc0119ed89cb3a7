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

  function applyPatch(view, patch) {
    var sections = patch.set || {};
    Object.keys(sections).forEach(function (section) {
      var target = view[section] || (view[section] = {});
      var updates = sections[section];
      Object.keys(updates).forEach(function (key) {
        var value = updates[key];
        if (section === "indicators" && target[key] && target[key].history) {
          var history = target[key].history;
          var last = history[history.length - 1];
          if (!last || value.ts > last[0]) { history.push([value.ts, value.value]); }
          if (history.length > 288) { history.splice(0, history.length - 288); }
          value.history = history;
        }
        if (section === "video" && value === "online") { delete target[key]; return; }
        target[key] = value;
      });
    });
    var deletions = patch.del || {};
    Object.keys(deletions).forEach(function (section) {
      deletions[section].forEach(function (key) { if (view[section]) { delete view[section][key]; } });
    });
    ["summary", "feed", "hotline", "counts"].forEach(function (name) {
      if (patch[name] !== undefined) { view[name] = patch[name]; }
    });
    view.last_id = patch.last_id;
    view.applied = patch.applied;
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
  window.cnLive = live;
  connect();
})();
