/* The wall's 12345 perception line (感知研判) in the hotline panel: recurring
 * issues, this week's unsatisfied share, hotspots and rising categories (its own row
 * under the panel's figures), from
 * /api/perception/summary.json (aggregates only) every minute.  Pages without the
 * element (the console, the admin page) do nothing. */
(function () {
  "use strict";
  var ID = "perception-summary";
  var EVERY_MS = 60000;

  // The line as parts (the label, then each figure): a row that wraps between parts,
  // never inside one (assets/wall.css), so it is whole on every layout.
  function span(text, className) {
    return { type: "Span", namespace: "dash_html_components", props: { children: text, className: className } };
  }

  function show(parts, title) {
    var node = document.getElementById(ID);
    if (!node) { return false; }
    var children = parts.map(function (part, i) {
      return span(String(part), i === 0 ? "perception-part perception-label" : "perception-part");
    });
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(ID, { children: children, title: title });
    } else {
      node.textContent = parts.join(" ");
      node.title = title;
    }
    return true;
  }

  var RETRY_MS = 5000;
  var retrying = null;
  function retrySoon() {
    if (retrying === null) { retrying = setTimeout(function () { retrying = null; refresh(); }, RETRY_MS); }
  }

  function refresh() {
    if (!document.getElementById(ID)) { return; }
    // the server away (/live down): no request that can only fail and log; the next round asks
    if (window.cnLive && !window.cnLive.connected) { retrySoon(); return; }
    fetch("/api/perception/summary.json", { credentials: "same-origin", cache: "no-store" })
      .then(function (reply) { return reply.ok ? reply.json() : null; })
      .then(function (summary) {
        if (!summary) { return; }
        if (summary.available === false) { retrySoon(); return; }  // no archive readable here yet
        var lang = (document.documentElement.lang || "zh").slice(0, 2) === "en" ? "en" : "zh";
        show(summary.parts ? summary.parts[lang] : [summary.text[lang]], summary.title[lang]);
      })
      .catch(function () { /* the next round tries again */ });
  }

  function start(tries) {
    if (document.getElementById(ID)) { refresh(); setInterval(refresh, EVERY_MS); return; }
    // the layout arrives after the script; a page without the line gives up after 30 s
    if (tries < 30) { setTimeout(function () { start(tries + 1); }, 1000); }
  }
  start(0);
})();
