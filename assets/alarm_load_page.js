/* The console's alarm-load page (layouts/alarm_load.py): fetch /api/alarm-load.json for the
 * period of the page's URL (?days=1|7|30) when the page appears and every minute while it
 * stays, and draw each figure with its verdict (the server says whether a target is met:
 * dashboard/alarm_load.py Load.met), the alarms per hour and the top sources.  Text is set
 * through Dash's set_props (never as markup). */
(function () {
  "use strict";
  var PAGE = "alarm-load-page";
  var EVERY_MS = 60000;
  var last = 0;
  var lastDays = null;

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

  function percent(share) { return (Math.round(share * 1000) / 10) + "%"; }

  function days() {
    var asked = new URLSearchParams(window.location.search).get("days");
    return /^\d+$/.test(asked || "") ? asked : "7";
  }

  function verdict(s, name, met) {
    setProps("alarm-load-" + name + "-verdict", {
      children: met ? s["alarmload.met"] : s["alarmload.missed"],
      className: "load-verdict " + (met ? "is-met" : "is-missed"),
    });
  }

  function draw(body) {
    var s = strings();
    var p = body.priorities;
    var values = {
      alarms: String(body.alarms),
      per_10_min: body.per_10_min.mean + " / " + body.per_10_min.max,
      per_hour: body.per_hour.mean + " / " + body.per_hour.max,
      flood: say(s, "alarmload.minutes", { m: body.flood.minutes, p: percent(body.flood.share), n: body.flood.floods }),
      top_share: percent(body.top_share),
      chattering: String(body.chattering),
      stale: String(body.stale),
      priorities: percent(p.high.share) + " / " + percent(p.medium.share) + " / " + percent(p.low.share),
    };
    Object.keys(values).forEach(function (name) { setProps("alarm-load-" + name, { children: values[name] }); });
    Object.keys(body.met).forEach(function (name) { verdict(s, name, body.met[name]); });
    // Beijing wall-clock times (UTC+8, no daylight saving), as plotly's naive date strings
    var hours = body.hourly.map(function (_, i) {
      return new Date(body.start_ms + i * 3600000 + 8 * 3600000).toISOString().slice(0, 19).replace("T", " ");
    });
    setProps("alarm-load-hourly", { figure: {
      data: [{ type: "bar", x: hours, y: body.hourly, marker: { color: "#36c8ff" }, name: s["alarmload.hourly"] }],
      layout: {
        paper_bgcolor: "#071a36", plot_bgcolor: "#071a36", font: { color: "#e6f1ff" },
        margin: { l: 50, r: 20, t: 10, b: 40 }, bargap: 0.1,
        xaxis: { type: "date", gridcolor: "#1d4275" }, yaxis: { gridcolor: "#1d4275", rangemode: "tozero" },
        shapes: [{ type: "line", xref: "paper", x0: 0, x1: 1, y0: body.targets.per_hour, y1: body.targets.per_hour,
                   line: { color: "#f5c542", dash: "dash", width: 1 } }],
      },
    } });
    setProps("alarm-load-sources", { rowData: body.top_sources.map(function (row, i) {
      return {
        rank: i + 1, source: row.source, kind: s["sensor." + row.kind] || row.kind,
        street: row.street ? (s["unit." + row.street] || row.street) : s.district,
        alarms: row.alarms, share: percent(row.share),
      };
    }) });
    var seat = body.seat === "district" ? s.district : (s["unit." + body.seat] || body.seat);
    setProps("alarm-load-status", { children: say(s, "alarmload.updated", { seat: seat, computed: String(body.computed).replace("T", " ").slice(0, 19) }) });
    document.querySelectorAll(".load-period").forEach(function (link) {
      link.classList.toggle("is-current", link.getAttribute("data-days") === String(body.days));
    });
  }

  function tick() {
    if (!document.getElementById(PAGE)) { last = 0; return; }
    var wanted = days();
    if (last && wanted === lastDays && performance.now() - last < EVERY_MS) { return; }
    last = performance.now();
    lastDays = wanted;
    fetch("/api/alarm-load.json?days=" + wanted, { credentials: "same-origin", cache: "no-store" })
      .then(function (reply) {
        return reply.json().then(function (body) {
          if (!reply.ok) { throw new Error(body.error || String(reply.status)); }
          return body;
        });
      })
      .then(draw)
      .catch(function (error) { setProps("alarm-load-status", { children: String(error.message || error) }); });
  }
  setInterval(tick, 1000);
})();
