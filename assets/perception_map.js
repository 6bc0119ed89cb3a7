/* The console map's 12345 hotspots layer (layouts/map.py, off at start in the layers
 * control): this week's hot H3 cells of dashboard/perception.py as polygons, from
 * /api/perception/hotspots.geojson (the instance reads the archive; the console worker
 * cannot), when the console appears and every 5 minutes while it stays.  Without an
 * archive (503) or the permission the layer stays empty. */
(function () {
  "use strict";
  var LAYER = "map-hotspots";
  var EVERY_MS = 300000;
  var last = 0;

  function onConsole() {
    var root = document.getElementById("console-root");
    return !!root && root.dataset.page === "console";
  }

  function tick() {
    if (!onConsole()) { last = 0; return; }
    if (last && performance.now() - last < EVERY_MS) { return; }
    last = performance.now();
    fetch("/api/perception/hotspots.geojson", { credentials: "same-origin", cache: "no-store" })
      .then(function (reply) { return reply.ok ? reply.json() : null; })
      .then(function (collection) {
        if (collection && onConsole() && window.dash_clientside && window.dash_clientside.set_props) {
          window.dash_clientside.set_props(LAYER, { data: collection });
        }
      })
      .catch(function () { last = performance.now() - EVERY_MS + 30000; });  // again in 30 s
  }
  setInterval(tick, 1000);
})();
