/* The map's part of the live view (assets/map.js draws it): what the view puts on each
 * layer, sent as props through the page's setProps; called by assets/wall.js as
 * cnMap.render(view, dirty, api) with api = {setProps, S, serverNow, isConsole, queue,
 * config}.  Loaded after map.js (assets load in name order).
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------- the legend's scale
  function fmt(value) {
    var n = Number(value);
    return Number.isInteger(n) ? String(n) : String(Math.round(n * 100) / 100);
  }

  // The ranges of the catalogue's levels for one indicator (its thresholds as sent by the
  // server: the level of each value is computed there, dashboard/catalogue.py).
  function scaleRanges(indicator, lang) {
    var unit = (lang === "en" ? indicator.unit_en : indicator.unit) || "";
    var u = unit ? " " + unit : "";
    var warn = fmt(indicator.warn), alarm = fmt(indicator.alarm);
    if (indicator.direction === "below") {
      return { ok: "> " + warn + u, warn: alarm + "–" + warn + u, alarm: "≤ " + alarm + u, none: "" };
    }
    return { ok: "< " + warn + u, warn: warn + "–" + alarm + u, alarm: "≥ " + alarm + u, none: "" };
  }

  // ---------------------------------------------------------------- the layers' props
  // What the live view puts on the map.  ``api`` comes from assets/wall.js: setProps,
  // S (strings), config, serverNow, isConsole.
  var geoVersion = 0;
  var hideoutSeq = 0, lastVideo = null;
  var resend = { video: false, timers: [] };
  var SENSOR_WINDOW_MS = 30 * 60 * 1000;

  function frame() { return document.querySelector(".map-frame"); }
  function shows(name) {
    var f = frame();
    return !!f && (f.dataset.layers || "").split(",").indexOf(name) >= 0;
  }

  // dash-leaflet 1.1.3 ignores prop changes while a GeoJSON layer is still fetching its
  // url: the first hideout can be lost.  Send it again a few times after a (re)load.
  function resendVideo(queue) {
    resend.timers.forEach(clearTimeout);
    resend.timers = [1000, 3000, 7000].map(function (delay) {
      return setTimeout(function () { resend.video = true; queue(); }, delay);
    });
  }

  // Every hideout sent carries a sequence number: the clusters drawn from it carry it too,
  // and only those of the newest are kept on the map (cnMap.dropStaleClusters).
  function renderVideo(view, api) {
    if (!shows("video")) { return; }
    var status = Object.assign({}, view.video || {});
    ((view.stale && view.stale.video) || []).forEach(function (pid) { status[pid] = "stale"; });
    var key = JSON.stringify(status);
    if (resend.video || key !== lastVideo) {
      resend.video = false;
      lastVideo = key;
      api.setProps("map-video", { hideout: { status: status, order: api.config.camera.worst_first,
                                             colours: api.config.camera.colours, seq: ++hideoutSeq } });
    }
    if (view.geo_version !== undefined && view.geo_version !== geoVersion) {
      geoVersion = view.geo_version;
      api.setProps("map-video", { url: "/api/video.geojson?v=" + geoVersion });
      resendVideo(api.queue);
    }
  }

  function renderIncidents(view, api) {
    if (!shows("incidents") || api.isConsole()) { return; }  // the console's layer follows its filters
    var features = [];
    Object.keys(view.incidents || {}).forEach(function (iid) {
      var incident = view.incidents[iid];
      if (incident.lat === null || incident.lon === null || incident.status === "closed") { return; }
      features.push({ type: "Feature", geometry: { type: "Point", coordinates: [incident.lon, incident.lat] },
                      properties: { id: iid, severity: incident.severity, pulse: incident.severity === 1 } });
    });
    api.setProps("map-incidents", { data: { type: "FeatureCollection", features: features } });
  }

  function renderSensors(view, api) {
    if (!shows("sensors")) { return; }
    var f = frame();
    var windowMs = f && f.dataset.sensorWindowMin ? Number(f.dataset.sensorWindowMin) * 60000 : SENSOR_WINDOW_MS;
    var recent = {};
    Object.keys(view.alarms || {}).forEach(function (aid) {
      var alarm = view.alarms[aid];
      if (api.serverNow() - alarm.ts < windowMs) {
        recent[alarm.sensor_id] = Math.min(recent[alarm.sensor_id] || 9, alarm.level);
      }
    });
    var sensors = [];
    Object.keys(view.sensors || {}).forEach(function (sid) {
      var sensor = view.sensors[sid];
      if (sensor.lat === null || sensor.lat === undefined) { return; }
      sensors.push({ type: "Feature", geometry: { type: "Point", coordinates: [sensor.lon, sensor.lat] },
                     properties: { id: sid, level: recent[sid] || 0,
                                   colour: recent[sid] ? api.config.levels.colours[recent[sid]] : null } });
    });
    api.setProps("map-sensors", { data: { type: "FeatureCollection", features: sensors } });
  }

  // The indicator that shades the streets: ?indicator= on the wall's URL, else the
  // ``map_indicator`` setting; each street takes the level the server computed for it.
  function renderStreets(view, api) {
    if (!shows("streets")) { return; }
    var wanted = new URLSearchParams(window.location.search).get("indicator") || api.config.map.indicator;
    var indicator = api.config.catalogue.filter(function (i) { return i.key === wanted; })[0];
    var levels = {};
    if (indicator) {
      Object.keys(view.indicators || {}).forEach(function (sid) {
        var series = view.indicators[sid];
        if (series.key === indicator.key && series.street && series.value !== null) { levels[series.street] = series.level; }
      });
      var name = api.config.lang === "en" ? indicator.name_en : indicator.name_zh;
      api.setProps("map-indicator-note", { children: api.S("map.indicator", { name: name }) });
      var ranges = scaleRanges(indicator, api.config.lang);
      Object.keys(ranges).forEach(function (shade) { api.setProps("map-scale-" + shade, { children: ranges[shade] }); });
    }
    window.cnMap.setStreetLevels(levels);
  }

  window.cnMap = Object.assign(window.cnMap || {}, {
    scaleRanges: scaleRanges,

    /* Draw what changed (``dirty``: video, incidents, sensors, streets) of ``view``. */
    render: function (view, dirty, api) {
      if (dirty.video) { renderVideo(view, api); }
      if (dirty.incidents) { renderIncidents(view, api); }
      if (dirty.sensors) { renderSensors(view, api); }
      if (dirty.streets) { renderStreets(view, api); }
    },

    /* A new view (hello) or a new page: the point set may have to be styled again. */
    reset: function (api, newPage) {
      if (newPage) { geoVersion = 0; lastVideo = null; }
      resendVideo(api.queue);
    },
  });
})();
