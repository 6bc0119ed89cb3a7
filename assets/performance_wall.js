/* The wall's ranking board (比学赶超): every street's rank, index, trend since last month
 * and 90 % rank interval under the sensitivity draws, from /api/performance/summary.json
 * (aggregates only; dashboard/performance_api.py) every five minutes.  Once there is a
 * board, it takes the cameras' panel's place in turns (ROTATE_MS each; the cameras'
 * figures stay on the map's legend meanwhile).  Without a readable archive nothing turns:
 * the cameras stay.  Text is set as data through Dash's set_props, never as markup.
 * Pages without the board (the console, the admin page) do nothing. */
(function () {
  "use strict";
  var ROWS = "board-rows";
  var EVERY_MS = 300000;
  var RETRY_MS = 15000;
  var ROTATE_MS = 15000;
  var ARROWS = { up: "↑", down: "↓", same: "→", new: "·" };
  var hasBoard = false;
  var retries = 0;  // an instance without the archive (yet): asked again soon, a few times

  // the wall's words (/api/wall-config, read by assets/wall.js); null until it has them
  function strings() { return (window.cnWall && window.cnWall.strings && window.cnWall.strings()) || null; }

  function span(text, className) {
    return { type: "Span", namespace: "dash_html_components", props: { children: String(text), className: className } };
  }

  // as the map labels its streets where room is short (layouts/map.py street_labels)
  function shortName(name) { return name.replace(/街道$/, "").replace(/ Sub-district$/, ""); }

  function row(s, u) {
    var interval = u.rank_low === null ? "" : (u.rank_low === u.rank_high ? String(u.rank_low) : u.rank_low + "–" + u.rank_high);
    return { type: "Div", namespace: "dash_html_components", props: {
      className: "board-row trend-" + u.trend + (u.rank === null ? " is-unranked" : ""),
      children: [
        span(u.rank === null ? "—" : u.rank, "board-rank"),
        span(shortName(s["unit." + u.unit] || u.unit), "board-name"),
        span(u.index === null ? "—" : Number(u.index).toFixed(1), "board-index"),
        span(ARROWS[u.trend] || "", "board-trend"),
        span(interval, "board-interval"),
      ],
    } };
  }

  function show(summary) {
    if (!window.dash_clientside || !window.dash_clientside.set_props || !document.getElementById(ROWS)) { return; }
    var s = strings();
    if (!s) { setTimeout(function () { show(summary); }, 1000); return; }
    window.dash_clientside.set_props(ROWS, { children: summary.standings.map(function (u) { return row(s, u); }) });
    var month = (s["board.month"] || "{month}").split("{month}").join(summary.month);
    window.dash_clientside.set_props("board-month", { children: month });
    hasBoard = summary.standings.some(function (u) { return u.rank !== null; });
  }

  function refresh() {
    if (!document.getElementById(ROWS)) { return; }
    // the server away (/live down): no request that can only fail and log; ask once it is back
    if (window.cnLive && !window.cnLive.connected) { setTimeout(refresh, RETRY_MS); return; }
    fetch("/api/performance/summary.json", { credentials: "same-origin", cache: "no-store" })
      .then(function (reply) { return reply.ok ? reply.json() : null; })
      .then(function (summary) {
        if (!summary) { return; }
        if (summary.available === false) {
          if (retries < 4) { retries += 1; setTimeout(refresh, RETRY_MS); }  // then every EVERY_MS
          return;
        }
        show(summary);
      })
      .catch(function () { /* the next round tries again */ });
  }

  function turn() {
    var column = document.getElementById("right-column");
    if (!column) { return; }
    var board = hasBoard && !column.classList.contains("show-board");
    column.classList.toggle("show-board", board);
  }

  function start(tries) {
    if (document.getElementById(ROWS)) {
      refresh();
      setInterval(refresh, EVERY_MS);
      setInterval(turn, ROTATE_MS);
      window.cnBoard = { turn: turn, shown: function () { return hasBoard; } };  // tests and the tour
      return;
    }
    if (tries < 30) { setTimeout(function () { start(tries + 1); }, 1000); }
  }
  start(0);
})();
