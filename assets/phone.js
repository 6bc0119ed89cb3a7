/* The officers' phone page for 12345 work orders (/console/m, dashboard/phone_api.py).
 *
 * The list of my units' open tickets by deadline (50 at a time, "more" for the next),
 * one ticket's detail (#t=<id>) with the steps I may take now, and the answer to a step
 * in words.  Everything from the server is data: written with textContent, never as
 * markup.  Refreshes when a /live patch cues "tickets" (window.cnLive, assets/live.js),
 * at most once a second; no polling.
 */
(function () {
  "use strict";

  var S = JSON.parse(document.getElementById("phone-strings").textContent);
  var LANG = S.lang === "en" ? "en" : "zh";
  var API = "/console/m/api/tickets";
  var PAGE = 50;
  var MIN_GAP_MS = 1000;  // at most one refresh a second, however many cues come

  var shown = { rows: [], total: 0, card: null, openId: null, listScroll: 0 };
  var refresh = { timer: null, last: 0, running: false, again: false };
  var helloSeen = false;
  var keepOutcome = false;  // the answer to a step stays when it takes us back to the list

  function $(id) { return document.getElementById(id); }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function fill(template, values) {
    return String(template).replace(/\{(\w+)\}/g, function (all, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : all;
    });
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)_csrf_token=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function signIn() {
    var back = window.location.pathname + window.location.search + window.location.hash;
    window.location.assign("/login?next=" + encodeURIComponent(back) + (LANG === "en" ? "&lang=en" : ""));
  }

  // fetch JSON; resolves {status, body}; a signed-out answer goes to the sign-in form
  function call(url, options) {
    var opts = options || {};
    opts.credentials = "same-origin";
    opts.headers = opts.headers || {};
    opts.headers.Accept = "application/json";
    return fetch(url, opts).then(function (response) {
      if (response.status === 401) { signIn(); }
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { status: response.status, body: body };
      });
    });
  }

  function say(text, ok) {
    var box = $("ph-outcome");
    box.textContent = text;
    box.className = "ph-outcome " + (ok ? "is-ok" : "is-error");
    box.hidden = !text;
  }

  // ------------------------------------------------------------------ connection
  function connection(up) {
    var badge = $("ph-conn");
    badge.textContent = up ? S["phone.live"] : S["phone.reconnecting"];
    badge.className = "ph-conn " + (up ? "is-on" : "is-off");
  }

  // ------------------------------------------------------------------ the list
  function flagBadge(flag, text) {
    return el("span", "ph-flag is-" + (flag || "ok"), text);
  }

  function listItem(row) {
    var li = el("li", "ph-item-wrap");
    var button = el("button", "ph-item" + (row.flag ? " is-" + row.flag : ""));
    button.type = "button";
    button.setAttribute("data-id", row.id);
    var top = el("span", "ph-item-top");
    if (row.flag) { top.appendChild(flagBadge(row.flag, row.flag_text)); }
    top.appendChild(el("span", "ph-due", row.deadline ? fill(S["phone.due"], { day: row.deadline }) : "—"));
    top.appendChild(el("span", "ph-status", row.status_text));
    button.appendChild(top);
    button.appendChild(el("span", "ph-summary", row.summary || "—"));
    button.appendChild(el("span", "ph-meta", [row.category, row.street_name].filter(Boolean).join(" · ")));
    button.addEventListener("click", function () { openTicket(row.id); });
    li.appendChild(button);
    return li;
  }

  function drawList() {
    var list = $("ph-list");
    var items = shown.rows.map(listItem);
    list.replaceChildren.apply(list, items);
    $("ph-count").textContent = shown.total ? shown.countText : S["phone.empty"];
    $("ph-more").hidden = shown.rows.length >= shown.total;
    document.body.setAttribute("data-list-drawn", String(shown.rows.length));
  }

  function loadList(offset, limit) {
    return call(API + "?offset=" + offset + "&limit=" + limit + "&lang=" + LANG).then(function (answer) {
      if (answer.status !== 200) {
        $("ph-count").textContent = fill(S["phone.failed"], {
          reason: (answer.body.code && S["phone.guard." + answer.body.code]) || answer.body.error || answer.status });
        return;
      }
      var body = answer.body;
      if (offset === 0) {
        shown.rows = body.rows;
      } else {  // the next page; a ticket that moved up meanwhile is not shown twice
        var have = {};
        shown.rows.forEach(function (row) { have[row.id] = true; });
        shown.rows = shown.rows.concat(body.rows.filter(function (row) { return !have[row.id]; }));
      }
      shown.total = body.total;
      shown.countText = body.count_text;
      drawList();
    });
  }

  // ------------------------------------------------------------------ one ticket
  function field(list, label, value) {
    if (value === null || value === undefined || value === "") { return; }
    list.appendChild(el("dt", null, label));
    list.appendChild(el("dd", "ph-data", value));
  }

  function drawCard(card, keepInputs) {
    var old = { text: "", until: "" };
    if (keepInputs && $("ph-text")) { old.text = $("ph-text").value; }
    if (keepInputs && $("ph-until")) { old.until = $("ph-until").value; }
    shown.card = card;
    var box = $("ph-detail");
    var parts = [];
    var head = el("div", "ph-card-head");
    head.appendChild(el("h2", "ph-card-title ph-data", card.summary || card.id));
    var line = el("p", "ph-card-line");
    if (card.flag) { line.appendChild(flagBadge(card.flag, card.flag_text)); }
    line.appendChild(el("span", "ph-due", card.deadline ? fill(S["phone.due"], { day: card.deadline }) : "—"));
    line.appendChild(el("span", "ph-status", card.status_text));
    head.appendChild(line);
    head.appendChild(el("p", "ph-card-id", card.id + " · v" + card.version));
    parts.push(head);

    if (card.extension_requested) {
      parts.push(el("p", "ph-pending", fill(S["phone.pending"], { until: card.extension_requested })));
    }
    var fields = el("dl", "ph-fields");
    field(fields, S["ticket.category"], card.category);
    field(fields, S["ticket.urgency"], card.urgency_text);
    field(fields, S["col.street"], card.street_name);
    field(fields, S["ticket.handling_unit"], card.unit_text);
    field(fields, S["ticket.created"], card.created_text);
    field(fields, S["field.caller_name"], card.caller_name);
    field(fields, S["field.caller_phone"], card.caller_phone);
    field(fields, S["field.address"], card.address);
    field(fields, S["ticket.reply"], card.reply);
    field(fields, S["ticket.callback"], card.result_text);
    field(fields, S["ticket.extended_until"], card.extended_until);
    parts.push(fields);

    parts.push(el("h3", "ph-h3", S["phone.timeline"]));
    var steps = el("ol", "ph-timeline");
    (card.timeline || []).forEach(function (step) {
      var item = el("li", "ph-step");
      var top = el("div", "ph-step-top");
      top.appendChild(el("span", "ph-step-name", step.step_text));
      top.appendChild(el("span", "ph-step-when", step.when));
      item.appendChild(top);
      var who = [step.by, step.words].filter(Boolean).join(" · ");
      if (who) { item.appendChild(el("div", "ph-step-who ph-data", who)); }
      if (step.text) { item.appendChild(el("div", "ph-step-text ph-data", step.text)); }
      steps.appendChild(item);
    });
    parts.push(steps);

    var buttons = card.buttons || [];
    var form = el("div", "ph-form");
    if (buttons.indexOf("reply") >= 0 || buttons.indexOf("return") >= 0 || buttons.indexOf("extend") >= 0) {
      var label = el("label", "ph-label", S["phone.text"]);
      label.htmlFor = "ph-text";
      var text = el("textarea", "ph-input ph-textarea");
      text.id = "ph-text";
      text.maxLength = 4000;
      text.rows = 3;
      text.value = old.text;
      form.appendChild(label);
      form.appendChild(text);
    }
    if (buttons.indexOf("extend") >= 0) {
      var dateLabel = el("label", "ph-label", S["phone.until"]);
      dateLabel.htmlFor = "ph-until";
      var until = el("input", "ph-input ph-date");
      until.id = "ph-until";
      until.type = "date";
      until.value = old.until;
      form.appendChild(dateLabel);
      form.appendChild(until);
    }
    parts.push(form);
    var bar = el("div", "ph-actions");
    if (!buttons.length) { bar.appendChild(el("p", "ph-none", S["phone.no_actions"])); }
    buttons.forEach(function (name) {
      var button = el("button", "ph-btn ph-act ph-act-" + name, S["ticket.button." + name]);
      button.type = "button";
      button.setAttribute("data-button", name);
      button.addEventListener("click", function () { step(name, button); });
      bar.appendChild(button);
    });
    parts.push(bar);
    box.replaceChildren.apply(box, parts);
    document.body.setAttribute("data-card-version", String(card.version));
  }

  function loadCard(id, keepInputs) {
    return call(API + "/" + encodeURIComponent(id) + "?lang=" + LANG).then(function (answer) {
      if (shown.openId !== id) { return; }
      if (answer.status !== 200) {
        shown.card = null;
        $("ph-detail").replaceChildren(el("p", "ph-none", answer.body.error || String(answer.status)));
        return;
      }
      if (!keepInputs || !shown.card || shown.card.version !== answer.body.version) {
        drawCard(answer.body, keepInputs);
      }
    });
  }

  function step(name, button) {
    var card = shown.card;
    if (!card) { return; }
    var body = { button: name, version: card.version };
    if ($("ph-text")) { body.text = $("ph-text").value; }
    if (name === "extend" && $("ph-until")) { body.until = $("ph-until").value; }
    var all = document.querySelectorAll(".ph-act");
    Array.prototype.forEach.call(all, function (b) { b.disabled = true; });
    button.setAttribute("aria-busy", "true");
    call(API + "/" + encodeURIComponent(card.id) + "?lang=" + LANG, {
      method: "POST", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    }).then(function (answer) {
      var result = answer.body || {};
      // the guard's refusals carry a code the page says in its language (dashboard/guard.py)
      var guard = result.code && S["phone.guard." + result.code];
      say(result.message || guard || result.error || String(answer.status), !!result.ok);
      if (result.ticket) {
        drawCard(result.ticket, !result.ok);  // refused: the ticket as it is now, my text kept
      } else if (answer.status === 200) {  // no longer mine (returned, or sent elsewhere): the list
        keepOutcome = true;
        closeTicket();
      } else {
        Array.prototype.forEach.call(all, function (b) { b.disabled = false; });
        button.removeAttribute("aria-busy");
      }
      schedule();
    }).catch(function () {
      say(S["phone.reconnecting"], false);
      Array.prototype.forEach.call(all, function (b) { b.disabled = false; });
    });
  }

  // ------------------------------------------------------------------ where we are (#t=<id>)
  function openTicket(id) { window.location.hash = "t=" + encodeURIComponent(id); }

  function closeTicket() {
    if (window.location.hash) { window.location.hash = ""; } else { route(); }
  }

  function route() {
    var match = window.location.hash.match(/^#t=(.+)$/);
    var id = match ? decodeURIComponent(match[1]) : null;
    if (id === shown.openId) { return; }
    if (id && !shown.openId) { shown.listScroll = window.scrollY; }
    shown.openId = id;
    shown.card = null;
    if (!keepOutcome) { say("", true); }
    keepOutcome = false;
    $("ph-list-view").hidden = !!id;
    $("ph-detail-view").hidden = !id;
    if (id) {
      $("ph-detail").replaceChildren(el("p", "ph-none", S["phone.loading"]));
      window.scrollTo(0, 0);
      loadCard(id, false);
    } else {
      loadList(0, Math.max(PAGE, shown.rows.length)).then(function () { window.scrollTo(0, shown.listScroll); });
    }
  }

  // ------------------------------------------------------------------ refresh on /live cues
  function refreshNow() {
    refresh.timer = null;
    if (refresh.running) { refresh.again = true; return; }
    refresh.running = true;
    refresh.last = Date.now();
    var work = shown.openId ? loadCard(shown.openId, true)
      : loadList(0, Math.min(Math.max(PAGE, shown.rows.length), 200));
    work.catch(function () { /* offline: the next cue or reconnect tries again */ }).then(function () {
      refresh.running = false;
      if (refresh.again) { refresh.again = false; schedule(); }
    });
  }

  function schedule() {
    if (refresh.timer !== null) { return; }
    var wait = Math.max(0, refresh.last + MIN_GAP_MS - Date.now());
    refresh.timer = setTimeout(refreshNow, wait);
  }

  function cuesTickets(message) {
    var cue = message && message.cue;
    return !!cue && cue.indexOf("tickets") >= 0;
  }

  function onLive(kind, message, live) {
    if (kind === "open") { connection(true); }
    if (kind === "close") { connection(false); }
    if (kind === "hello") {
      connection(!!live.connected);
      if (helloSeen) { schedule(); }  // back after a gap: what was missed
      helloSeen = true;
    }
    if (kind === "patch" && cuesTickets(message)) { schedule(); }
  }

  $("ph-more").addEventListener("click", function () { loadList(shown.rows.length, PAGE); });
  $("ph-back").addEventListener("click", closeTicket);
  window.addEventListener("hashchange", route);
  if (window.cnLive) {
    connection(!!window.cnLive.connected);
    window.cnLive.subscribe(onLive);
  }
  loadList(0, PAGE);  // the list behind, even when the page opens on a ticket
  route();
})();
