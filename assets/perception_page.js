/* The console's perception page (layouts/perception.py): fetch /api/perception.json when
 * the page appears and every minute while it stays, and draw each table (AG Grid), its
 * note (what it counts, the period, when computed) and the hotspots figure. */
(function () {
  "use strict";
  var PAGE = "perception-page";
  var EVERY_MS = 60000;
  var last = 0;

  function setProps(id, props) {
    if (window.dash_clientside && window.dash_clientside.set_props && document.getElementById(id)) {
      window.dash_clientside.set_props(id, props);
    }
  }

  function records(table) {
    return table.rows.map(function (row) {
      var record = {};
      table.columns.forEach(function (column, i) { record[column] = row[i]; });
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
          return r.cell + ": " + r.tickets + " (" + r.usual + ") z=" + r.z + " " + r.streets + " " + r.top_category;
        }),
        marker: { size: rows.map(function (r) { return 10 + Math.min(40, r.tickets); }), color: "#ff6b3d" },
      }],
      layout: {
        paper_bgcolor: "#071a36", plot_bgcolor: "#071a36", font: { color: "#e6f1ff" },
        margin: { l: 50, r: 20, t: 20, b: 40 },
        xaxis: { title: "lon", gridcolor: "#1d4275" }, yaxis: { title: "lat", gridcolor: "#1d4275", scaleanchor: "x" },
        annotations: rows.length ? [] : [{ text: table.counts, showarrow: false, xref: "paper", yref: "paper",
                                           x: 0.5, y: 0.5 }],
      },
    };
  }

  function draw(body) {
    body.tables.forEach(function (table) {
      setProps("perception-grid-" + table.name, {
        columnDefs: table.columns.map(function (c) { return { field: c, headerName: c }; }),
        rowData: records(table),
      });
      setProps("perception-note-" + table.name, {
        children: table.counts + " · " + table.first_day + " – " + table.last_day + " · " + table.computed,
      });
      if (table.name === "hotspots") { setProps("perception-hotspots-figure", { figure: hotspotFigure(table) }); }
    });
    setProps("perception-status", { children: body.scope ? body.scope : "" });
  }

  function tick() {
    if (!document.getElementById(PAGE)) { last = 0; return; }
    if (last && performance.now() - last < EVERY_MS) { return; }
    last = performance.now();
    fetch("/api/perception.json", { credentials: "same-origin", cache: "no-store" })
      .then(function (reply) {
        return reply.json().then(function (body) {
          if (!reply.ok) { throw new Error(body.error || String(reply.status)); }
          return body;
        });
      })
      .then(draw)
      .catch(function (error) { setProps("perception-status", { children: String(error.message || error) }); });
  }
  setInterval(tick, 1000);
})();
