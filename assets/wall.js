/* The wall's renderer: turns the live view (assets/live.js) into component props.
 *
 * Everything shown goes through window.dash_clientside.set_props, as text props or
 * component descriptions that React renders as text: event text is never HTML.
 * Rendering is throttled to animation frames; props are only sent when they changed.
 * Also here: scaling the design size to the display, the Beijing-time clock, the
 * freshness badge, and attention (banner, fly-to and back, sound).  What is pinned in the
 * feed, whether a flood is on, every count: the server decides (view.attention,
 * view.dimensions, view.summary, view.hotline); this file only renders.
 */
(function () {
  "use strict";

  var config = null;         // /api/wall-config
  var lastProps = {};        // id -> JSON of the props last sent
  var renderTimer = null;   // the pending render, and when it is due (performance.now())
  var renderDue = Infinity;
  var mapDirty = { video: true, incidents: true, sensors: true, streets: true };
  var lastMapRender = 0;
  var clockOffset = 0;       // server time minus local time (from beats)
  var attention = { flyUntil: 0, bannerUntil: 0, current: null };  // the banner and the fly-to
  var MAP_MIN_INTERVAL_MS = 400;
  var hellos = 0;            // /live hellos seen; the console refreshes on each after the first

  function S(key, values) {
    var text = (config && config.strings[key]) || key;
    if (values) {
      Object.keys(values).forEach(function (name) { text = text.replace("{" + name + "}", values[name]); });
    }
    return text;
  }

  function serverNow() { return Date.now() + clockOffset; }

  // The wall and the console share this renderer; each panel renders only where it exists.
  // The admin and perception pages have the header only (the clock and the live badge).
  function pageRoot() {
    return document.getElementById("wall-root") || document.getElementById("console-root") ||
      document.getElementById("admin-root") || document.getElementById("perception-page");
  }
  function has(id) { return !!document.getElementById(id); }
  function isConsole() { var root = pageRoot(); return !!root && root.dataset.page === "console"; }
  function isAdmin() {  // a page with the header only
    var root = pageRoot();
    return !!root && (root.dataset.page === "admin" || root.dataset.page === "perception");
  }

  function setProps(id, props) {
    var encoded = JSON.stringify(props);
    if (lastProps[id] === encoded) { return; }
    if (!pageRoot()) { return; }  // map layers have no element of their own: check the page
    lastProps[id] = encoded;
    window.dash_clientside.set_props(id, props);
  }

  function el(type, props, children) {
    var p = Object.assign({}, props || {});
    if (children !== undefined) { p.children = children; }
    return { type: type, namespace: "dash_html_components", props: p };
  }

  // ------------------------------------------------------------------ formatting
  function formatNumber(value, decimals) {
    if (value === null || value === undefined) { return "—"; }
    var fixed = Number(value).toFixed(decimals || 0);
    var parts = fixed.split(".");
    parts[0] = parts[0].replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return parts.join(".");
  }

  function age(ms) {
    var seconds = Math.max(0, Math.round((serverNow() - ms) / 1000));
    if (seconds < 10) { return S("age.now"); }
    if (seconds < 60) { return S("age.s", { n: seconds }); }
    if (seconds < 3600) { return S("age.min", { n: Math.floor(seconds / 60) }); }
    if (seconds < 86400) { return S("age.h", { n: Math.floor(seconds / 3600) }); }
    return S("age.d", { n: Math.floor(seconds / 86400) });
  }

  function slug(key) { return key.replace(/[._]/g, "-"); }

  // The trend line's vertical range: its points and, when shown, the usual band.
  function sparkRange(history, band) {
    var min = Infinity, max = -Infinity;
    (history || []).forEach(function (p) { min = Math.min(min, p[1]); max = Math.max(max, p[1]); });
    if (band) { min = Math.min(min, band.low); max = Math.max(max, band.high); }
    return { min: min, span: (max - min) || 1 };
  }

  function sparkPoints(history, band) {
    if (!history || history.length < 2) { return ""; }
    var points = history;  // the server keeps history_points of them
    var range = sparkRange(history, band);
    var min = range.min, span = range.span;
    var t0 = points[0][0], t1 = points[points.length - 1][0], tspan = t1 - t0 || 1;
    return points.map(function (p) {
      var x = ((p[0] - t0) / tspan) * 110;
      var y = 31 - ((p[1] - min) / span) * 28;
      return x.toFixed(1) + "," + y.toFixed(1);
    }).join(" ");
  }

  // ------------------------------------------------------------------ panels
  // The tiles show the series the server names for this scope (a street's own, where it
  // has one); the dimension headers show the server's counts (dashboard/figures.py).
  function renderTiles(view) {
    var stale = {};
    ((view.stale && view.stale.indicators) || []).forEach(function (sid) { stale[sid] = true; });
    // every source of the indicators silent: each tile says so, not the plain "stale"
    var silent = silentFamily(view, "indicator");
    var dimensions = view.dimensions || {};
    config.catalogue.forEach(function (indicator) {
      var id = slug(indicator.key);
      if (!document.getElementById("tile-" + id)) { return; }  // not on this wall's layout
      var sid = ((dimensions[indicator.dimension] || {}).series || {})[indicator.key] || indicator.key;
      var series = (view.indicators || {})[sid];
      if (!series) { return; }
      var lvl = series.level;  // from the server: the catalogue's thresholds
      var isStale = !!stale[sid] || !!silent;
      setProps("tile-" + id, { className: "tile level-" + lvl + (isStale ? " is-stale" : "") +
                                          (silent ? " is-source-silent" : "") });
      setProps("tile-value-" + id, { children: formatNumber(series.value, indicator.decimals) });
      // the usual band (dashboard/cards.py band_card: the server says whether the value is in it)
      var band = series.band;
      var shown = !silent && !!(band && band.state === "ready" && band.current && band.low !== null && band.high !== null);
      var drawn = shown ? band : null;
      setProps("tile-spark-" + id, { points: sparkPoints(series.history, drawn) });
      if (shown && series.history && series.history.length >= 2) {
        var range = sparkRange(series.history, drawn);
        var top = 31 - ((band.high - range.min) / range.span) * 28;
        var bottom = 31 - ((band.low - range.min) / range.span) * 28;
        setProps("tile-bandarea-" + id, { y: top.toFixed(1), height: Math.max(0.5, bottom - top).toFixed(1) });
      } else {
        setProps("tile-bandarea-" + id, { height: "0" });
      }
      var outside = shown && band.inside === false;
      setProps("tile-band-" + id, {
        hidden: !shown,
        // the word in the figure's row (it fits beside the widest value); the range is the
        // shade behind the trend line, and the label's title
        children: shown ? S(outside ? "detect.band.word_out" : "detect.band.word_in") : "",
        title: shown ? S("detect.band.range", { low: formatNumber(band.low, indicator.decimals),
                                                high: formatNumber(band.high, indicator.decimals) }) : "",
        className: "tile-band" + (outside ? " is-outside" : " is-inside"),
      });
      setProps("tile-stale-" + id, silent
        ? { hidden: false, children: S("source.silent_short", { since: silent.since }), title: silent.text }
        : { hidden: !isStale, children: S("stale"), title: "" });
    });
    Object.keys(dimensions).forEach(function (dimension) {
      var d = dimensions[dimension];
      var parts = [];
      if (d.incidents) { parts.push(S("summary.incidents", { n: formatNumber(d.incidents) })); }
      if (d.alarms) { parts.push(S("summary.alarms", { n: formatNumber(d.alarms) })); }
      if (d.warnings) { parts.push(S("summary.warnings", { n: formatNumber(d.warnings) })); }
      var cls = "dim-summary" + (d.level === "alarm" ? " has-alarm" : d.level === "warn" ? " has-warn" : "");
      if (has("dim-summary-" + dimension)) {
        setProps("dim-summary-" + dimension, { children: parts.length ? parts.join(" · ") : S("summary.all_ok"),
                                               className: cls });
      }
    });
  }

  // ------------------------------------------------------------------ silent sources
  // A family of events whose every feeding source is silent (dashboard/sources.py
  // silent_families, in view.stale.silent): its panel says since when, naming the
  // sources, and its values are dimmed (assets/wall.css) instead of shown as current.
  var SILENT_MARKS = ["video", "sensor", "hotline", "incident"];  // the tiles mark "indicator"
  function hhmm(ms) {
    var at = window.cnLive.beijing(ms);
    return at.hour + ":" + at.minute;
  }
  function silentFamily(view, family) {
    var entry = ((view.stale && view.stale.silent) || {})[family];
    if (!entry) { return null; }
    var names = (entry.sources || []).map(function (name) { return (config.sources || {})[name] || name; });
    var since = hhmm(entry.since);
    return { since: since, text: S("source.silent_since", { names: names.join(S("list.separator")), since: since }) };
  }
  function renderSilent(view) {
    SILENT_MARKS.forEach(function (family) {
      var id = "source-silent-" + family;
      if (!has(id)) { return; }
      var silent = silentFamily(view, family);
      // a panel's header has room for the time; the legend and the tooltip name the sources
      var text = silent && (family === "sensor" ? silent.text : S("source.silent_short", { since: silent.since }));
      setProps(id, silent ? { hidden: false, children: text, title: silent.text }
                          : { hidden: true, children: "", title: "" });
    });
  }

  function minutesSince(ms) { return Math.max(0, Math.floor((serverNow() - ms) / 60000)); }

  // An alarm's ISA-18.2 state where it is not simply active and unacknowledged
  // (dashboard/alarm_states.py: the server's record says it; the wall only names it).
  function alarmMarks(record) {
    var marks = [];
    if (record.active === false) { marks.push(S(record.acked ? "alarm.state.normal" : "alarm.state.cleared_unacknowledged")); }
    else if (record.acked) { marks.push(S("alarm.state.acknowledged")); }
    if (record.chattering) { marks.push(S("alarm.chattering", { n: record.reactivations })); }
    return marks;
  }

  // An early-warning alarm (kind "anomaly") as a hall reads it from metres away: the
  // series and its value ("PM2.5 58µg/m³") and its usual band ("常态 31–42"), from the
  // alarm's figures; its whole explanation (time, day type, deviations) is the line's
  // tooltip and the console's.  Another alarm: its kind and the producer's message.
  function anomalyWords(record, view) {
    var a = record.anomaly;
    var name = record.sensor_id, unit = "", decimals = 1;
    if (a.key.indexOf("sensor:") === 0) {
      var sensor = (view.sensors || {})[record.sensor_id];
      if (sensor) { name = S("sensor." + sensor.kind); unit = sensor.unit || ""; }
    } else {
      var en = S("lang") === "en";
      ((config && config.catalogue) || []).forEach(function (i) {
        if (i.key === a.key) {
          name = (en ? i.short_en || i.name_en : i.short_zh || i.name_zh);
          unit = en ? i.unit_en : i.unit;
          decimals = i.decimals;
        }
      });
    }
    return { what: S("feed.anomaly", { name: name, value: formatNumber(a.value, decimals), unit: unit }),
             usual: S("feed.anomaly_usual", { low: formatNumber(a.low, decimals), high: formatNumber(a.high, decimals) }) };
  }

  function alarmTitle(record, view) {  // the banner's line: it has the width for all of it
    if (record.kind === "anomaly" && record.anomaly) {
      var words = anomalyWords(record, view);
      return [S("sensor.anomaly"), words.what, words.usual].join(" · ");
    }
    return S("sensor." + record.kind) + (record.message ? " · " + record.message : "");
  }

  function feedItem(kind, record, pinned, view) {
    var isIncident = kind === "incident";
    var anomaly = !isIncident && record.kind === "anomaly" && !!record.anomaly;
    var words = anomaly ? anomalyWords(record, view) : null;
    var severity = isIncident ? record.severity : record.level;
    var title = isIncident ? record.title : words ? words.what : alarmTitle(record, view);
    var street = record.street ? S("unit." + record.street) : S("district");
    var meta = pinned ? (words ? [words.usual, street] : [street])  // a pin: where, and for how long it has waited (below)
      : isIncident ? [S("domain." + record.domain), street, S("incident." + record.status)]
      : words ? [words.usual, street].concat(alarmMarks(record))  // 常态 31–42: early warning's own words
      : [S("alarm.sensor"), street, record.sensor_id].concat(alarmMarks(record));
    var when = isIncident ? record.reported : record.ts;
    var closed = isIncident ? record.status === "closed" : record.active === false;
    // Three components an item, not six: the level and the age are drawn by CSS from
    // data attributes (as text: attr() never parses markup).  Every component the feed
    // replaces costs the Dash renderer; six a line kept the wall's main thread busy.
    // A pinned item (unacknowledged, levels 1–2) says for how long instead of its age, on
    // the line of its street, so its title has the whole line.
    return el("Div", { className: "feed-item feed-event sev-" + severity + (closed ? " is-closed" : "")
                                   + (pinned ? " is-pinned" : ""),
                       key: (pinned ? "pin:" : "") + kind + ":" + record.id,
                       "data-sev": S((isIncident ? "severity." : "level.") + severity),
                       "data-age": pinned ? S("pin.unacked", { n: minutesSince(when) }) : age(when) }, [
      el("Div", { className: "feed-title", "data-text": "event",
                  title: anomaly ? record.message || "" : title }, title),  // the event's own words
      el("Div", { className: "feed-meta" }, meta.join(" · ")),
    ]);
  }

  function renderCounts(view) {  // visitors: open cases by domain, no record at all
    var counts = view.counts || { incidents: {}, alarms: 0 };
    var byDomain = counts.incidents || {};
    var rows = [el("Div", { className: "feed-note", key: "note" }, S("visitor.note")),
                el("Div", { className: "feed-note", key: "title" }, S("visitor.counts"))];
    Object.keys(byDomain).sort(function (a, b) { return byDomain[b] - byDomain[a]; }).forEach(function (d) {
      rows.push(el("Div", { className: "feed-item feed-count", key: d }, [
        el("Div", { className: "feed-main" }, [el("Div", { className: "feed-title" }, S("domain." + d))]),
        el("Div", { className: "feed-age" }, formatNumber(byDomain[d])),
      ]));
    });
    rows.push(el("Div", { className: "feed-note", key: "alarms" }, S("visitor.alarms", { n: counts.alarms || 0 })));
    setProps("live-feed", { children: rows });
  }

  // The server decides what is pinned and whether a flood is on (view.attention); the feed
  // shows the pins, then either the flood's summary or the newest items, as many as the
  // layout has rows for (data-rows).
  function renderFeed(view) {
    if (!has("live-feed")) { return; }
    if (view.audience === "aggregates") { renderCounts(view); return; }
    var rows = Number(document.getElementById("live-feed").dataset.rows || 7);
    var attention = view.attention || { pins: [], more: 0, flood: null };
    var items = [], pinned = {};
    function record(entry) { return (entry[0] === "incident" ? view.incidents : view.alarms || {})[entry[1]]; }
    (attention.pins || []).forEach(function (entry) {
      pinned[entry[0] + ":" + entry[1]] = true;
      if (record(entry)) { items.push(feedItem(entry[0], record(entry), true, view)); }
    });
    if (attention.more) {
      items.push(el("Div", { className: "feed-note feed-more", key: "more" }, S("pin.more", { n: attention.more })));
    }
    var flood = attention.flood;
    if (flood) {
      items.push(el("Div", { className: "feed-flood", key: "flood" }, S("flood.summary", {
        n: formatNumber(flood.alarms), w: Math.round(flood.window_s / 60), s: flood.severe,
        h: formatNumber(flood.hidden) })));
    } else {
      (view.feed || []).forEach(function (entry) {
        if (items.length < rows && !pinned[entry[0] + ":" + entry[1]] && record(entry)) {
          items.push(feedItem(entry[0], record(entry), false, view));
        }
      });
    }
    if (!items.length) { items.push(el("Div", { className: "feed-empty" }, S("no_items"))); }
    setProps("live-feed", { children: items });
  }

  function renderHotline(view) {
    var h = view.hotline || {};
    if (window.cnMap && window.cnMap.setStreetOverdue) {  // the map's per-street badges
      var overdue = {};
      Object.keys(h.streets || {}).forEach(function (code) {
        if (h.streets[code][0]) { overdue[code] = h.streets[code][0]; }
      });
      window.cnMap.setStreetOverdue(overdue);
    }
    if (!has("hotline-new")) { return; }
    var open = 0;
    Object.keys(h.open || {}).forEach(function (status) { open += h.open[status]; });
    setProps("hotline-new", { children: formatNumber(h["new"] || 0) });
    setProps("hotline-open", { children: formatNumber(open) });
    setProps("hotline-overdue", { children: formatNumber(h.overdue || 0) });
    var known = h.satisfaction !== null && h.satisfaction !== undefined;
    setProps("hotline-satisfaction", {
      children: known ? [(h.satisfaction * 100).toFixed(1), el("Span", { className: "kpi-unit" }, "%")] : "—",
    });
  }

  // Every camera figure (the rate, the street bars, the counts, the map legend) is drawn
  // from one summary at one moment, so they agree wherever they are shown; at most every
  // CAMERA_FIGURES_MS (rates per street move slowly, and the bars are the costliest panel:
  // one update for the whole panel, two components a street, the name and the rate drawn
  // by CSS from data attributes).  A change that arrives sooner is drawn when it is due.
  function renderVideo(view) {
    var wait = lastCameraFigures + CAMERA_FIGURES_MS - performance.now();
    if (wait > 0) {
      if (!cameraQueued) {
        cameraQueued = true;
        setTimeout(function () { cameraQueued = false; slowDirty = true; queueRender(); }, wait);
      }
      return;
    }
    lastCameraFigures = performance.now();
    // Per-status counts come from the server (dashboard/camera.py): shown as they are.
    var video = (view.summary && view.summary.video) || { total: 0, online: 0, streets: {} };
    var rate = video.total ? (100 * video.online) / video.total : null;
    if (has("video-rate")) {
      var where = view.scope ? S("unit." + view.scope) : S("video.district");  // a street's wall: its own
      setProps("video-rate", { children: rate === null ? "—" : where + " " + rate.toFixed(1) + "%" });
    }
    if (has("video-streets")) {
      var rows = [];
      config.units.forEach(function (code) {
        if (view.scope && code !== view.scope) { return; }  // a street's wall: its own bar only
        var pair = (video.streets || {})[code];
        var streetRate = pair && pair[0] ? (100 * pair[1]) / pair[0] : null;
        var rateLevel = (video.levels || {})[code];  // from the server (dashboard/camera.py)
        var level = rateLevel === "alarm" || rateLevel === "warn" ? " is-" + rateLevel : "";
        rows.push(el("Div", { className: "bar-row", key: code, "data-label": S("unit." + code),
                              "data-value": streetRate === null ? "—" : streetRate.toFixed(1) + "%" },
          el("Div", { className: "bar-track" + level,
                      style: { "--rate": (streetRate === null ? 0 : streetRate).toFixed(1) + "%" } })));
      });
      setProps("video-streets", { children: rows });
    }
    // the map's legend, if it shows cameras; a console on one street gets that street's
    // counts from its server callback (callbacks/console.py streets) instead
    var streetView = isConsole() && new URLSearchParams(window.location.search).get("street");
    config.camera.statuses.forEach(function (status) {
      var text = { children: formatNumber(video[status] || 0) };
      if (has("video-count-" + status)) { setProps("video-count-" + status, text); }  // the wide wall's
      if (!streetView && has("map-legend-count-" + status)) { setProps("map-legend-count-" + status, text); }
    });
  }

  // ------------------------------------------------------------------ the map
  // Drawn by assets/map.js (cnMap.render) from the same view, at most every
  // MAP_MIN_INTERVAL_MS; this is what it may use of the page.
  var mapApi = {
    setProps: setProps,
    S: S,
    serverNow: serverNow,
    isConsole: isConsole,
    queue: function () { mapDirty.video = true; queueRender(); },
    get config() { return config; },
  };

  function renderMap(view, force) {
    var now = performance.now();
    if (!force && now - lastMapRender < MAP_MIN_INTERVAL_MS) { queueRender(MAP_MIN_INTERVAL_MS); return; }
    lastMapRender = now;
    window.cnMap.render(view, mapDirty, mapApi);
    mapDirty = { video: false, incidents: false, sensors: false, streets: false };
  }

  // ------------------------------------------------------------------ attention
  function beep() {
    try {
      var ctx = new (window.AudioContext || window.webkitAudioContext)();
      var osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.frequency.value = 880; gain.gain.value = 0.15;
      osc.connect(gain); gain.connect(ctx.destination);
      osc.start(); osc.stop(ctx.currentTime + 0.4);
    } catch (err) { /* no audio device: the banner is enough */ }
  }

  function flyTo(lat, lon) {
    setProps("one-map", { viewport: { center: [lat, lon], zoom: 16, transition: "flyTo" } });
  }

  function overview() {
    var b = config.map.bounds;
    setProps("one-map", { viewport: { bounds: b, transition: "flyToBounds" } });
    lastProps["one-map"] = null;
  }

  // The severe items of a patch (severity-1 incidents, level-1 alarms, never conflated)
  // raise the banner; whether a flood is on is the server's word (view.attention.flood).
  function noteNewItems(view, patch) {
    (patch.severe || []).forEach(function (item) {
      var record = (item.kind === "incident" ? view.incidents : view.alarms || {})[item.id];
      if (record) { raise(item.kind, record); }
    });
  }

  function flood() {
    var view = window.cnLive && window.cnLive.view;
    return (view && view.attention && view.attention.flood) || null;
  }

  function raise(kind, record) {
    var inFlood = !!flood();
    attention.current = { kind: kind, record: record };
    attention.bannerUntil = performance.now() + Math.max(15, config.attention.fly_s) * 1000;
    if (config.attention.sound && !inFlood) { beep(); }
    if (!inFlood && record.lat !== null && record.lat !== undefined) {
      flyTo(record.lat, record.lon);
      attention.flyUntil = performance.now() + config.attention.fly_s * 1000;
    }
    renderBanner();
  }

  // The banner names the record's own level, as the feed's pill does (dashboard/levels.py).
  function renderBanner() {
    var now = performance.now();
    if (attention.flyUntil && now > attention.flyUntil) { attention.flyUntil = 0; overview(); }
    var f = flood();
    if (f) {
      setProps("attention-banner", { className: "banner banner-flood",
        children: S("flood.banner", { n: formatNumber(f.alarms), w: Math.round(f.window_s / 60), s: f.severe }) });
      return;
    }
    if (attention.current && now < attention.bannerUntil) {
      var r = attention.current.record, isIncident = attention.current.kind === "incident";
      var street = r.street ? S("unit." + r.street) : S("district");
      var text = isIncident ? r.title : alarmTitle(r, (window.cnLive && window.cnLive.view) || {});
      var kindText = isIncident ? S("banner.incident", { level: S("severity." + r.severity) })
        : S("banner.alarm", { level: S("level." + r.level) });
      setProps("attention-banner", { className: "banner banner-severe sev-" + (isIncident ? r.severity : r.level),
        children: [
          el("Span", { className: "banner-kind" }, kindText),
          el("Span", { className: "banner-text", "data-text": "event" }, text),
          el("Span", { className: "banner-where" }, street),
        ] });
      return;
    }
    setProps("attention-banner", { className: "banner banner-idle", children: "" });
  }

  // The wall's scope (a street's wall names its street) and a layout its token overrode.
  function renderHeader(view) {
    var root = document.getElementById("wall-root");
    if (!root) { return; }
    var asked = new URLSearchParams(window.location.search).get("wall");
    var used = root.dataset.layout;
    var known = (root.dataset.layouts || "").split(",").indexOf(asked) >= 0;
    var note = !asked || asked === used ? "" : S(known ? "layout.token" : "layout.unknown", { used: used, asked: asked });
    setProps("layout-note", { hidden: !note, children: note });
    setProps("wall-scope", { children: view && view.scope ? S("scope.street", { name: S("unit." + view.scope) }) : "" });
  }

  // On duty now (view.roster: posts and surnames, masked by the server): the wall's own
  // centre post by post; the district's wall also counts the unit centres with a vacant post.
  function renderDuty(view) {
    if (!has("wall-duty")) { return; }
    var centre = view.scope || "district";
    var rows = view.roster || [];
    var parts = [el("Span", { className: "duty-label" }, S("roster.now"))];
    rows.forEach(function (row) {
      if (row.center !== centre) { return; }
      parts.push(row.surname
        ? el("Span", { className: "duty-post" }, [row.post, el("B", {}, row.surname)])
        : el("Span", { className: "duty-post duty-vacant" }, row.post + " " + S("roster.vacant")));
    });
    var vacant = {};
    rows.forEach(function (row) { if (row.center !== centre && !row.surname) { vacant[row.center] = true; } });
    var n = Object.keys(vacant).length;
    if (!view.scope && n) { parts.push(el("Span", { className: "duty-vacant" }, S("roster.streets_vacant", { n: n }))); }
    if (parts.length === 1) { parts.push(el("Span", { className: "duty-label" }, S("roster.none"))); }
    setProps("wall-duty", { children: parts });
  }

  // ------------------------------------------------------------------ header

  function renderClock() {
    var at = window.cnLive.beijing(serverNow());  // Beijing time, whatever the kiosk's zone
    setProps("wall-clock", { children: at.hour + ":" + at.minute + ":" + at.second });
    var day = WEEKDAYS.indexOf(at.weekday);
    var text = config.lang === "en"
      ? S("weekday").split(",")[day] + " " + at.year + "-" + at.month + "-" + at.day + " (UTC+8)"
      : at.year + "年" + Number(at.month) + "月" + Number(at.day) + "日 星期" + S("weekday").charAt(day);
    setProps("wall-clock-date", { children: text });
  }
  var WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];  // Intl's short names (en-GB)

  function renderBadge() {
    var live = window.cnLive;
    var text, cls;
    var silentMs = performance.now() - live.lastFrameAt;
    var redisDown = live.lastBeat && live.lastBeat.redis === "down";
    if (!live.connected) {
      text = S("live.disconnected"); cls = "live-badge live-disconnected";
    } else if (silentMs > 3000 || redisDown) {
      text = S("live.delayed", { s: Math.max(1, Math.round(silentMs / 1000)) }); cls = "live-badge live-delayed";
    } else {
      text = S("live.live"); cls = "live-badge live-ok";
    }
    setProps("live-badge", { children: text, className: cls });
  }

  // Leaflet writes its controls' tooltips in English: give them the page's language.
  var CONTROL_TITLES = { ".leaflet-control-zoom-in": "map.zoom_in", ".leaflet-control-zoom-out": "map.zoom_out",
                         ".leaflet-control-layers-toggle": "map.layers" };
  function localiseControls() {
    Object.keys(CONTROL_TITLES).forEach(function (selector) {
      document.querySelectorAll(selector).forEach(function (control) {
        var title = S(CONTROL_TITLES[selector]);
        if (control.title !== title) { control.title = title; control.setAttribute("aria-label", title); }
      });
    });
  }

  // ------------------------------------------------------------------ scaling
  function fit() {
    var root = document.getElementById("wall-root");
    if (!root) { return; }  // the console is an ordinary page, not scaled
    var size = (root.dataset.design || "1920x1080").split("x");
    var w = Number(size[0]), h = Number(size[1]);
    var scale = Math.min(window.innerWidth / w, window.innerHeight / h);
    var left = (window.innerWidth - w * scale) / 2, top = (window.innerHeight - h * scale) / 2;
    root.style.transform = "translate(" + left + "px," + top + "px) scale(" + scale + ")";
  }

  // ------------------------------------------------------------------ driving
  // Two lanes.  What needs attention (the feed, the banner, incidents on the map) renders
  // on every patch; the figures (tiles, 12345, camera rates) at most every SLOW_PANELS_MS.
  // Each set_props is one store update that every Dash component on the page re-checks,
  // so under a steady feed the figures' dozens of small updates per patch kept the main
  // thread busy and delayed a severe alarm behind them (bench: soak, severe p99).
  var SLOW_PANELS_MS = 750;
  var CAMERA_FIGURES_MS = 2000;
  var lastCameraFigures = -Infinity;
  var cameraQueued = false;
  var lastSlowRender = -Infinity;
  var slowQueued = false;
  var slowDirty = true;

  function render() {
    var live = window.cnLive;
    if (!config || !live || !live.view || !pageRoot() || isAdmin()) { return; }
    var view = live.view;
    localiseControls();
    renderFeed(view);
    renderMap(view, false);
    if (!slowDirty) { return; }
    var wait = lastSlowRender + SLOW_PANELS_MS - performance.now();
    if (wait > 0) {
      if (!slowQueued) {
        slowQueued = true;
        setTimeout(function () { slowQueued = false; queueRender(); }, wait);
      }
      return;
    }
    lastSlowRender = performance.now();
    slowDirty = false;
    renderTiles(view);
    renderSilent(view);
    renderHotline(view);
    renderVideo(view);
    renderHeader(view);
    renderDuty(view);
  }

  // One render pending at a time, at the earliest time asked for: a patch that arrives
  // while the map's throttle has a render queued 400 ms ahead must not wait for it.
  function queueRender(delay) {
    var due = performance.now() + (delay || 0);
    if (renderTimer !== null && due >= renderDue) { return; }
    if (renderTimer !== null) { clearTimeout(renderTimer); }
    renderDue = due;
    renderTimer = setTimeout(function () {
      renderTimer = null;
      renderDue = Infinity;
      window.requestAnimationFrame(render);
    }, delay || 0);
  }

  function onLive(kind, message, live) {
    if (kind === "beat" && message) {
      clockOffset = message.now - Date.now();
      return;
    }
    if (kind === "hello" || kind === "patch") { slowDirty = true; }
    if (kind === "hello") {
      hellos += 1;
      if (hellos > 1 && isConsole() && window.cnConsole) { window.cnConsole.everything(); }
      lastSlowRender = lastCameraFigures = -Infinity;  // a new view: every panel at once
      mapDirty = { video: true, incidents: true, sensors: true, streets: true };
      window.cnMap.reset(mapApi, false);
      queueRender();
    } else if (kind === "patch") {
      var sets = message.set || {};
      if (sets.video || message.stale || message.geo_version !== undefined) { mapDirty.video = true; }
      if (sets.incidents || message.del) { mapDirty.incidents = true; }
      if (sets.sensors || sets.alarms) { mapDirty.sensors = true; }
      if (sets.indicators) { mapDirty.streets = true; }
      if (config && !isAdmin()) { noteNewItems(live.view, message); }
      if (isConsole() && message.cue && message.cue.length && window.cnConsole) { window.cnConsole.cue(message.cue); }
      queueRender();
    }
  }

  function pageRendered() {
    lastProps = {};
    window.cnMap.reset(mapApi, true);
    mapDirty = { video: true, incidents: true, sensors: true, streets: true };
    slowDirty = true;
    lastSlowRender = lastCameraFigures = -Infinity;
    fit();
    queueRender();
  }

  function start() {
    var params = new URLSearchParams(window.location.search);
    var lang = params.get("lang") === "en" ? "en" : "zh";
    document.documentElement.lang = lang === "en" ? "en" : "zh-CN";
    fetch("/api/wall-config?lang=" + lang, { credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        config = body;
        window.cnLive.subscribe(onLive);
        queueRender();
      });
    window.addEventListener("resize", fit);
    setInterval(function () {  // the clock, the badge and ages: presentation only, no data polling
      if (!config) { return; }
      renderClock();
      renderBadge();
      renderBanner();
      localiseControls();
      if (window.cnLive.view) { renderFeed(window.cnLive.view); }
    }, 1000);
  }

  // The console's callbacks follow the query string through a store (a second
  // dcc.Location would make the page render itself again and again).
  function syncConsoleSearch() {
    if (isConsole()) { window.dash_clientside.set_props("console-search", { data: window.location.search }); }
  }
  window.addEventListener("_dashprivate_pushstate", function () { setTimeout(syncConsoleSearch, 0); });
  window.addEventListener("popstate", function () { setTimeout(syncConsoleSearch, 0); });

  window.cnWall = { pageRendered: pageRendered, render: render,
                    strings: function () { return (config && config.strings) || null; } };
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
