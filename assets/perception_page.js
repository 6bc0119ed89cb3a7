/* The console's perception page (layouts/perception.py): fetch /api/perception.json when
 * the page appears and every minute while it stays, and draw each table (AG Grid), its
 * note (what it counts with its thresholds, the period, when computed) and the hotspots
 * figure, in the page's language.  The API keeps its machine fields (street and unit
 * codes, English column names); the page's ``data-labels`` (rendered by the server from
 * dashboard/i18n.py) names them.  Ticket ids link to the console's ticket (a React
 * element per id: event text is never markup).  The header's badge and clock are
 * assets/wall.js's, fed by /live as on the console. */
(function () {
  "use strict";
  var PAGE = "perception-page";
  var EVERY_MS = 60000;
  var last = 0;
  var labels = null;

  function setProps(id, props) {
    if (window.dash_clientside && window.dash_clientside.set_props && document.getElementById(id)) {
      window.dash_clientside.set_props(id, props);
    }
  }

  function pageLabels() {
    var root = document.getElementById(PAGE);
    if (!root) { return null; }
    if (!labels || labels._root !== root) {
      try { labels = JSON.parse(root.dataset.labels || "{}"); } catch (err) { labels = {}; }
      labels._root = root;
    }
    return labels;
  }

  function word(key, values) {
    var text = ((labels && labels.words) || {})[key] || key;
    Object.keys(values || {}).forEach(function (name) { text = text.replace("{" + name + "}", values[name]); });
    return text;
  }

  function locale() { return labels && labels.lang === "en" ? "en-GB" : "zh-CN"; }

  // ---------------------------------------------------------------- names for codes
  function unitName(code) {
    if (code === null || code === undefined || code === "") { return "—"; }
    var units = (labels && labels.units) || {};
    return units[code] || String(code);
  }
  function streetNames(joined) {
    if (!joined) { return ""; }
    return String(joined).split("、").map(unitName).join("、");
  }
  function weekName(code) { return ((labels && labels.columns) || {})[code] || String(code); }
  var NAMED = { street: unitName, unit: unitName, streets: streetNames, week: weekName };

  // ---------------------------------------------------------------- number formats
  var KINDS = {
    share: "percent", return_share: "percent", p: "p", z: "decimal", usual: "decimal", ratio: "decimal",
    lat: "coordinate", lon: "coordinate", overdue: "yes", ticket_ids: "links", ticket_id: "links",
  };
  function kindOf(column) { return KINDS[column] || "plain"; }

  function fmtInt(value) {
    if (typeof value !== "number") { return value === null || value === undefined ? "—" : String(value); }
    return new Intl.NumberFormat(locale()).format(value);
  }
  var FORMATS = {
    percent: function (v) { return typeof v === "number" ? (v * 100).toFixed(1) + "%" : "—"; },
    p: function (v) { return typeof v === "number" ? (v < 0.001 ? v.toExponential(1) : String(v)) : "—"; },
    decimal: function (v) {
      return typeof v === "number" ? new Intl.NumberFormat(locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v) : "—";
    },
    coordinate: function (v) { return typeof v === "number" ? v.toFixed(5) : "—"; },
    yes: function (v) { return v ? word("yes") : ""; },
    plain: fmtInt,
  };

  // AG Grid calls these by name (dash-ag-grid's function strings; no eval).
  var grid = window.dashAgGridFunctions = window.dashAgGridFunctions || {};
  Object.keys(FORMATS).forEach(function (kind) {
    grid["cnPerception_" + kind] = function (params) { return FORMATS[kind](params.value); };
  });

  // Ticket ids as links to the console's ticket (/console?ticket=ID), one element each.
  var components = window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {};
  components.CnTicketLinks = function (props) {
    var React = window.React;
    var ids = String(props.value || "").split(" ").filter(Boolean);
    var children = [];
    ids.forEach(function (id, i) {
      if (i) { children.push(" "); }
      children.push(React.createElement("a", {
        key: id, className: "perception-ticket",
        href: "/console?ticket=" + encodeURIComponent(id) + (labels && labels.lang === "en" ? "&lang=en" : ""),
      }, id));
    });
    return React.createElement("span", { className: "perception-tickets" }, children);
  };

  function columnDef(column) {
    var kind = kindOf(column);
    var def = { field: column, headerName: ((labels && labels.columns) || {})[column] || column };
    if (kind === "links") {
      def.cellRenderer = "CnTicketLinks";
      def.tooltipField = column;
      if (column === "ticket_ids") { def.minWidth = 240; def.flex = 1; }
      if (column === "ticket_id") { def.minWidth = 200; }
    } else {
      def.valueFormatter = { "function": "cnPerception_" + kind + "(params)" };
    }
    if (column === "place" || column === "streets") { def.tooltipField = column; }
    return def;
  }

  function records(table) {
    return table.rows.map(function (row) {
      var record = {};
      table.columns.forEach(function (column, i) {
        var value = row[i];
        record[column] = NAMED[column] ? NAMED[column](value) : value;
      });
      return record;
    });
  }

  function hotspotFigure(table) {
    var rows = records(table);
    return {
      data: [{
        type: "scatter", mode: "markers+text",
        x: rows.map(function (r) { return r.lon; }), y: rows.map(function (r) { return r.lat; }),
        text: rows.map(function (r) { return String(r.tickets); }), textposition: "top center",
        hovertext: rows.map(function (r) {
          return r.streets + " · " + word("tip", { now: r.tickets, usual: r.usual, z: r.z, category: r.top_category });
        }),
        hoverinfo: "text",
        marker: { size: rows.map(function (r) { return 10 + Math.min(40, r.tickets); }), color: "#ff6b3d" },
      }],
      layout: {
        paper_bgcolor: "#071a36", plot_bgcolor: "#071a36", font: { color: "#e6f1ff" },
        margin: { l: 60, r: 20, t: 20, b: 40 },
        xaxis: { title: labels.columns.lon || "lon", gridcolor: "#1d4275" },
        yaxis: { title: labels.columns.lat || "lat", gridcolor: "#1d4275", scaleanchor: "x" },
        annotations: rows.length ? [] : [{ text: table.description ? table.description[labels.lang] : table.counts,
                                           showarrow: false, xref: "paper", yref: "paper", x: 0.5, y: 0.5 }],
      },
    };
  }

  function note(table) {
    var lang = labels.lang;
    var text = (table.description && table.description[lang]) || table.counts;
    var computed = String(table.computed || "").replace("T", " ").slice(0, 19);
    return text + " · " + word("period", { first: table.first_day, last: table.last_day }) + " · " +
      word("computed", { t: computed });
  }

  function clockText() {
    var live = window.cnLive;
    var at = live && live.beijing ? live.beijing(Date.now()) : null;
    return at ? at.hour + ":" + at.minute + ":" + at.second : new Date().toTimeString().slice(0, 8);
  }

  function draw(body) {
    body.tables.forEach(function (table) {
      setProps("perception-grid-" + table.name, { columnDefs: table.columns.map(columnDef), rowData: records(table) });
      setProps("perception-note-" + table.name, { children: note(table) });
      if (table.name === "hotspots") { setProps("perception-hotspots-figure", { figure: hotspotFigure(table) }); }
    });
    var status = word("updated", { t: clockText() });
    if (body.scope) { status = word("scope", { name: unitName(body.scope) }) + " · " + status; }
    setProps("perception-status", { children: status, className: "perception-status is-ok" });
  }

  function tick() {
    if (!document.getElementById(PAGE)) { last = 0; return; }
    if (last && performance.now() - last < EVERY_MS) { return; }
    last = performance.now();
    pageLabels();
    fetch("/api/perception.json", { credentials: "same-origin", cache: "no-store" })
      .then(function (reply) {
        return reply.json().then(function (body) {
          if (!reply.ok) { throw new Error(body.error || String(reply.status)); }
          return body;
        });
      })
      .then(draw)
      .catch(function (error) {
        last = performance.now() - EVERY_MS + 10000;  // try again in 10 s
        setProps("perception-status", { children: word("failed", { e: String(error.message || error) }),
                                        className: "perception-status is-error" });
      });
  }
  window.cnPerception = { unitName: unitName, streetNames: streetNames };
  setInterval(tick, 1000);
})();
