/* Feeds the live counters of the minimal page (ids from layouts/ids.py). */
(function () {
  "use strict";
  var pending = false;

  function setText(id, text) {
    if (!document.getElementById(id) || !window.dash_clientside || !window.dash_clientside.set_props) { return; }
    window.dash_clientside.set_props(id, { children: String(text) });
  }

  function render(live) {
    pending = false;
    var view = live.view;
    if (!view) { return; }
    var video = (view.summary && view.summary.video) || {};
    setText("count-applied", view.applied);
    setText("count-last-id", view.last_id);
    setText("count-video", (video.online || 0) + " / " + (video.total || 0));
    setText("count-incidents", Object.keys(view.incidents || {}).length);
    setText("count-alarms", Object.keys(view.alarms || {}).length);
  }

  function badge(live) {
    var text = live.connected ? "实时" : "已断开";
    setText("live-status", text);
  }

  function start() {
    if (!window.cnLive) { setTimeout(start, 50); return; }
    window.cnLive.subscribe(function (kind, message, live) {
      if (kind === "open" || kind === "close") { badge(live); }
      if ((kind === "hello" || kind === "patch") && !pending) {
        pending = true;
        window.requestAnimationFrame(function () { render(live); });
      }
    });
  }
  start();
})();
