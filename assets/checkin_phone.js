/* Check-in prompt (查岗) at the top of the phone page (/console/m).
 *
 * Asks /console/m/api/checkin for the open requests the signed-in officer may answer
 * (dashboard/checkin_api.py) and shows each with a 确认在岗 button (a ≥ 44 px target).
 * The texts come from the server in the page's language; event text is set with
 * textContent only.  Refreshes when a /live patch cues "duty" (a request came or was
 * answered) or after a reconnect, and every 30 s so that the minutes left stay true.
 */
(function () {
  "use strict";
  var box = document.getElementById("ph-checkin");
  if (!box) { return; }
  var strings = JSON.parse(document.getElementById("phone-strings").textContent || "{}");
  var LANG = strings.lang === "en" ? "en" : "zh";
  var API = "/console/m/api/checkin";
  var note = null;  // the last outcome, shown until the next refresh after it

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)_csrf_token=([^;]*)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function draw(body) {
    while (box.firstChild) { box.removeChild(box.firstChild); }
    var requests = (body && body.requests) || [];
    requests.forEach(function (request) {
      var item = document.createElement("div");
      item.className = "ph-checkin-item";
      item.setAttribute("data-request", request.id);
      var text = document.createElement("p");
      text.className = "ph-checkin-text";
      text.textContent = request.text;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "ph-btn ph-checkin-confirm";
      button.textContent = body.button;
      button.addEventListener("click", function () { confirm(request.id, button); });
      item.appendChild(text);
      item.appendChild(button);
      box.appendChild(item);
    });
    if (note) {
      var said = document.createElement("p");
      said.className = "ph-checkin-note " + (note.ok ? "is-ok" : "is-refused");
      said.setAttribute("role", "status");
      said.textContent = note.message;
      box.appendChild(said);
    }
    box.hidden = !requests.length && !note;
  }

  function load() {
    return fetch(API + "?lang=" + LANG, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body) { draw(body); } })
      .catch(function () { /* offline: the next cue tries again */ });
  }

  function confirm(id, button) {
    button.disabled = true;
    fetch(API + "?lang=" + LANG, {
      method: "POST", credentials: "same-origin", body: JSON.stringify({ request_id: id }),
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
    }).then(function (response) { return response.json(); })
      .then(function (answer) { note = { ok: !!answer.ok, message: String(answer.message || "") }; })
      .catch(function () { button.disabled = false; })
      .then(load);
  }

  if (window.cnLive) {
    window.cnLive.subscribe(function (kind, message) {
      var cue = message && message.cue;
      if (kind === "hello" || (kind === "patch" && cue && cue.indexOf("duty") >= 0)) { load(); }
    });
  }
  setInterval(load, 30000);
  load();
})();
