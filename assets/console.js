// The officers' console: what a /live patch's cue (the console areas it concerns,
// dashboard/protocol.py Cue) makes the page refresh, and how often.
//
// Each area refreshes on its own: its grid re-asks the server for the pages it holds
// (AG Grid's infinite row model; dashboard/console_pages.py answers a page, never the
// table) and its store tick-<area> is bumped, which the callbacks showing that area read.
// Refreshes are merged, never queued: while any of the page's server callbacks is in
// flight, cues only mark their areas dirty, and the dirty areas refresh together once the
// page is idle again (and at most every MIN_GAP_MS), so a slow server gets fewer refreshes
// from each officer, not a growing queue.  Once a second is the console's pace: lists and
// panels that people read, while the wall is the sub-second screen (an officer's page at
// 2.5 refreshes a second cost the server 2.5 times the work for changes no one reads that
// fast; bench/console_officers.py replays this pace, reading it here).  Every console
// receives a patch at the same moment, so each waits a random 0–JITTER_MS more: twenty
// pages asking at once queue each other's answers; spread over a few hundred ms they do not.
(function () {
  "use strict";
  var MIN_GAP_MS = 1000;
  var JITTER_MS = 300;
  var GRIDS = { incidents: "grid-incidents", cameras: "grid-cameras", tickets: "grid-tickets" };
  var dirty = {};
  var inFlight = 0;
  var last = 0;
  var timer = null;
  var ticks = {};

  // A grid's API, or null while it is not mounted (a grid in a tab not yet opened).
  function gridApi(id) {
    try { return (window.dash_ag_grid && window.dash_ag_grid.getApi(id)) || null; } catch (e) { return null; }
  }

  function isConsole() {
    var root = document.getElementById("console-root");
    return !!root && root.dataset.page === "console";
  }

  // Count the page's Dash callback requests in flight (Dash's renderer uses fetch).
  var realFetch = window.fetch.bind(window);
  window.fetch = function (resource, init) {
    var url = typeof resource === "string" ? resource : (resource && resource.url) || "";
    if (url.indexOf("_dash-update-component") < 0) { return realFetch(resource, init); }
    inFlight += 1;
    var done = function () { inFlight = Math.max(0, inFlight - 1); schedule(); };
    return realFetch(resource, init).then(function (response) { done(); return response; },
                                          function (error) { done(); throw error; });
  };

  function schedule() {
    if (timer || inFlight > 0 || !Object.keys(dirty).length) { return; }
    var wait = Math.max(0, MIN_GAP_MS - (performance.now() - last)) + Math.random() * JITTER_MS;
    timer = setTimeout(function () {
      timer = null;
      if (inFlight > 0) { return; }  // fetch's completion schedules again
      last = performance.now();
      var areas = Object.keys(dirty);
      dirty = {};
      areas.forEach(refresh);
    }, wait);
  }

  function refresh(area) {
    if (!isConsole()) { return; }
    var gridId = GRIDS[area];
    var api = gridId && gridApi(gridId);
    if (api) { api.refreshInfiniteCache(); }
    ticks[area] = (ticks[area] || 0) + 1;
    window.dash_clientside.set_props("tick-" + area, { data: ticks[area] });
  }

  function cue(areas) {
    areas.forEach(function (area) { dirty[area] = true; });
    schedule();
  }

  // A fresh /live hello after the first (a reconnect, a resync after a gap, a restored
  // snapshot): the patches in between, and their cues, never came, so every area the
  // page has (the server's Cue list, data-areas of the console root) refreshes once.
  function everything() {
    var root = document.getElementById("console-root");
    var areas = root && root.dataset.areas;
    if (areas) { cue(areas.split(" ")); }
  }

  // Filters changed (clientside callback in callbacks/console.py): every grid back to page 1.
  function resetGrids() {
    Object.keys(GRIDS).forEach(function (area) {
      var api = gridApi(GRIDS[area]);
      if (api) { api.purgeInfiniteCache(); }
    });
    return Date.now();
  }

  window.cnConsole = { cue: cue, everything: everything, pending: function () { return inFlight; } };
  window.dash_clientside = window.dash_clientside || {};
  window.dash_clientside.console = { resetGrids: resetGrids };
})();
