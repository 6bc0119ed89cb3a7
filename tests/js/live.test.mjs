// The shipped browser client (assets/live.js) against the golden /live frames
// (tests/fixtures/live-golden.json, made by tests/fixtures/live_golden.py): applying every
// patch to the first hello must give exactly the final hello's view, as the Python test
// client does (tests/unit/test_live_golden.py).  Run by `make test`: node --test tests/js
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";

const root = new URL("../../", import.meta.url);
const source = readFileSync(new URL("assets/live.js", root), "utf8");
const golden = JSON.parse(readFileSync(new URL("tests/fixtures/live-golden.json", root), "utf8"));

// A page with just enough of a browser for live.js: a location, a WebSocket we drive by hand.
function loadClient() {
  const sockets = [];
  class FakeSocket {
    constructor(url) { this.url = url; this.readyState = 1; this.sent = []; sockets.push(this); }
    send(text) { this.sent.push(JSON.parse(text)); }
    close() {}
  }
  const window = { location: { protocol: "http:", host: "127.0.0.1:8050", search: "" } };
  const context = vm.createContext({
    window, WebSocket: FakeSocket, URLSearchParams, Intl, Date, JSON, Math, Object,
    performance: { now: () => 0 }, console: { info() {}, warn() {} }, setTimeout: () => 0,
  });
  vm.runInContext(source, context, { filename: "assets/live.js" });
  const live = window.cnLive;
  const socket = sockets[0];
  socket.onopen();
  return { live, socket, deliver: (frame) => socket.onmessage({ data: JSON.stringify(frame) }) };
}

for (const scope of Object.keys(golden)) {
  test(`live.js ends with a fresh hello's view (${scope})`, () => {
    const { live, deliver } = loadClient();
    const { frames, final } = golden[scope];
    const seen = [];
    live.subscribe((kind) => seen.push(kind));
    frames.forEach(deliver);
    assert.equal(live.seq, frames[frames.length - 1].seq);
    assert.deepEqual(JSON.parse(JSON.stringify(live.view)), final);
    assert.equal(seen.filter((kind) => kind === "patch").length, frames.length - 1);
  });
}

test("live.js asks for a resync on a gap and drops its copy", () => {
  const { live, socket, deliver } = loadClient();
  const { frames } = golden.district;
  deliver(frames[0]);
  deliver(frames[2]);  // frames[1] never arrived
  assert.equal(live.view, null);
  assert.deepEqual(socket.sent, [{ t: "resync" }]);
});

test("live.js formats Beijing time whatever the machine's zone", () => {
  const { live } = loadClient();
  const at = live.beijing(Date.UTC(2026, 0, 1, 16, 5, 9));  // 2026-01-02 00:05:09 in Beijing
  assert.deepEqual([at.year, at.month, at.day, at.hour, at.minute, at.second, at.weekday],
                   ["2026", "01", "02", "00", "05", "09", "Fri"]);
});
