/* The console's street performance page (layouts/performance.py): fetch
 * /api/performance.json for the period of the page's URL (?month=YYYY-MM or ?week=YYYY-Www;
 * none: this month)
 * when the page appears and every five minutes while it stays, and fill the board's grid.
 * Every value is set as data through Dash's set_props (never as markup). */
(function () {
  "use strict";
  var PAGE = "performance-page";
  var EVERY_MS = 300000;
  var last = 0;
  var lastPeriod = null;

  function setProps(id, props) {
    if (window.dash_clientside && window.dash_clientside.set_props && document.getElementById(id)) {
      window.dash_clientside.set_props(id, props);
    }
  }

  function strings() {
    var root = document.getElementById(PAGE);
    try { return JSON.parse(root.getAttribute("data-strings") || "{}"); } catch (e) { return {}; }
  }

  function say(s, key, values) {
    var text = s[key] || key;
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(String(values[name])); });
    return text;
  }

  // the period of the page's URL as a query ("month=2026-11", "week=2026-W48"; "": this month)
  function period() {
    var query = new URLSearchParams(window.location.search);
    var week = query.get("week"), month = query.get("month");
    if (/^\d{4}-W\d{2}$/.test(week || "")) { return "week=" + week; }
    return /^\d{4}-\d{2}$/.test(month || "") ? "month=" + month : "";
  }

  // "93.3% (42)", "12.5 (7)" (one decimal, as the server rounds); a figure missing for the unit: "—", with its cases if any
  function shown(figure, measure, minCases) {
    if (!measure) { return "—"; }
    if (measure.value === null || measure.cases < minCases) { return "— (" + measure.cases + ")"; }
    var unit = figure.unit === "%" ? "%" : "";
    return Number(measure.value).toFixed(1) + unit + " (" + measure.cases + ")";
  }

  function draw(body) {
    var s = strings();
    var rows = body.standings.map(function (u) {
      var row = {
        code: u.unit,
        rank: u.rank === null ? "—" : u.rank,
        unit: s["unit." + u.unit] || u.unit,
        index: u.index === null ? s["perf.unranked"] : Number(u.index).toFixed(1),
        interval: u.rank_low === null ? "—" : (u.rank_low === u.rank_high ? String(u.rank_low) : u.rank_low + "–" + u.rank_high),
        trend: s["perf.trend." + u.trend] + (u.previous_rank ? " (" + u.previous_rank + ")" : ""),
        strongest: u.strongest ? s["perf.figure." + u.strongest] : "—",
        weakest: u.weakest ? s["perf.figure." + u.weakest] : "—",
      };
      body.figures.forEach(function (f) { row[f.key] = shown(f, u.measures[f.key], body.min_cases); });
      return row;
    });
    setProps("performance-grid", { rowData: rows });
    figureKeys = {};
    body.figures.forEach(function (f) { figureKeys[f.key] = true; });
    shownPeriod = body.period_kind + "=" + body.period;
    setProps("performance-status", { children: say(s, "perf.updated", {
      month: body.period, computed: String(body.computed).replace("T", " ").slice(0, 19), draws: body.draws }) });
    document.querySelectorAll(".load-period").forEach(function (link) {
      link.classList.toggle("is-current", link.getAttribute("data-period") === body.period);
    });
  }

  // ---------------------------------------------------------------- the cases behind a figure
  var LINKS = { incident: "incident", ticket: "ticket", callback: "ticket", camera: "camera" };
  var figureKeys = {};
  var shownPeriod = "";

  function component(type, props) { return { type: type, namespace: "dash_html_components", props: props }; }

  function drawCases(body) {
    var s = strings();
    var lang = (document.getElementById(PAGE).getAttribute("data-lang") || "zh") === "en" ? "&lang=en" : "";
    setProps("performance-cases-title", { children: say(s, "perf.cases.title", {
      unit: s["unit." + body.unit] || body.unit, figure: s["perf.figure." + body.figure] || body.figure,
      month: body.period, total: body.total }) + (body.total > body.cases.length ? " · " + say(s, "perf.cases.more", { n: body.cases.length }) : "") });
    var unit = body.figure.slice(-4) === "_min" ? "" : "%";
    setProps("performance-cases", { children: body.cases.map(function (c) {
      var label = (s["perf.kind." + c.kind] || c.kind) + " " + c.id;
      // a share's case: met or not, in words (a reopened case is the bad one of 返工率)
      var good = body.better === "higher" ? c.value >= 100 : c.value <= 0;
      var value = body.flags ? s[good ? "perf.case.good" : "perf.case.bad"] : Number(c.value).toFixed(1) + unit;
      var name = LINKS[c.kind]
        ? component("A", { children: label, href: "/console?" + LINKS[c.kind] + "=" + encodeURIComponent(c.id) + lang, className: "case-link" })
        : component("Span", { children: label });
      return component("Div", { className: "performance-case", children: [name, component("Span", { children: value, className: "case-value" })] });
    }) });
  }

  function showCases(unit, figure) {
    var url = "/api/performance/cases.json?unit=" + encodeURIComponent(unit) + "&figure=" + encodeURIComponent(figure) +
      (shownPeriod ? "&" + shownPeriod : "");
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (reply) { return reply.json().then(function (body) { if (!reply.ok) { throw new Error(body.error || String(reply.status)); } return body; }); })
      .then(drawCases)
      .catch(function (error) { setProps("performance-cases-title", { children: String(error.message || error) }); });
  }

  var listening = false;
  function listen() {
    if (listening) { return; }
    var api = null;
    try { api = window.dash_ag_grid && window.dash_ag_grid.getApi("performance-grid"); } catch (e) { api = null; }
    if (!api) { return; }
    listening = true;
    api.addEventListener("cellClicked", function (event) {
      var field = event.colDef && event.colDef.field;
      if (field && figureKeys[field] && event.data) { showCases(event.data.code, field); }
    });
  }

  function tick() {
    listen();
    if (!document.getElementById(PAGE)) { last = 0; return; }
    var wanted = period();
    if (last && wanted === lastPeriod && performance.now() - last < EVERY_MS) { return; }
    last = performance.now();
    lastPeriod = wanted;
    fetch("/api/performance.json" + (wanted ? "?" + wanted : ""), { credentials: "same-origin", cache: "no-store" })
      .then(function (reply) {
        return reply.json().then(function (body) {
          if (!reply.ok) { throw new Error(body.error || String(reply.status)); }
          return body;
        });
      })
      .then(draw)
      .catch(function (error) { setProps("performance-status", { children: String(error.message || error) }); });
  }
  setInterval(tick, 1000);
})();
