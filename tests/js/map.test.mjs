// The map's pure parts (assets/map.js, assets/map_view.js): the legend's scale from an indicator's thresholds,
// the point-in-area test and the choice of a label's position.  Run by `make test`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";

const files = ["assets/map.js", "assets/map_view.js"];  // in the order the page loads them
const sources = files.map((name) => readFileSync(new URL(`../../${name}`, import.meta.url), "utf8"));

function loadMap() {
  const window = {};
  const context = vm.createContext({ window, Math, Object, Number, String });
  sources.forEach((source, i) => vm.runInContext(source, context, { filename: files[i] }));
  return window.cnMap;
}

test("the scale reads the thresholds in the indicator's direction and unit", () => {
  const map = loadMap();
  const aqi = { warn: 100, alarm: 150, direction: "above", unit: "", unit_en: "" };
  assert.deepEqual({ ...map.scaleRanges(aqi, "zh") }, { ok: "< 100", warn: "100–150", alarm: "≥ 150", none: "" });
  const rate = { warn: 96, alarm: 90.5, direction: "below", unit: "%", unit_en: "%" };
  assert.deepEqual({ ...map.scaleRanges(rate, "en") }, { ok: "> 96 %", warn: "90.5–96 %", alarm: "≤ 90.5 %", none: "" });
});

test("a point is inside a polygon, not inside its hole", () => {
  const map = loadMap();
  const square = { type: "Polygon", coordinates: [[[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
                                                  [[4, 4], [6, 4], [6, 6], [4, 6], [4, 4]]] };
  assert.equal(map.inGeometry({ lat: 2, lng: 2 }, square), true);
  assert.equal(map.inGeometry({ lat: 5, lng: 5 }, square), false);
  assert.equal(map.inGeometry({ lat: 12, lng: 5 }, square), false);
  const multi = { type: "MultiPolygon", coordinates: [square.coordinates, [[[20, 20], [30, 20], [30, 30], [20, 20]]]] };
  assert.equal(map.inGeometry({ lat: 21, lng: 25 }, multi), true);
});

test("a label moves off what is taken, stays inside, and gives up when nothing fits", () => {
  const map = loadMap();
  const size = { x: 400, y: 300 };
  const anywhere = () => true;
  const free = map.choosePosition({ x: 200, y: 150 }, 80, 20, size, [], anywhere);
  assert.deepEqual([free.dx, free.dy], [0, 0]);
  const cluster = { x: 180, y: 130, w: 40, h: 40 };
  const moved = map.choosePosition({ x: 200, y: 150 }, 80, 20, size, [cluster], anywhere);
  assert.ok(moved && (moved.dx !== 0 || moved.dy !== 0));
  const r = moved.rect;
  assert.ok(!(r.x < cluster.x + cluster.w && cluster.x < r.x + r.w && r.y < cluster.y + cluster.h && cluster.y < r.y + r.h));
  const edge = map.choosePosition({ x: 10, y: 150 }, 80, 20, size, [], anywhere);
  assert.ok(edge.rect.x >= 0, "kept inside the map");
  assert.equal(map.choosePosition({ x: 200, y: 150 }, 80, 20, size, [{ x: 0, y: 0, w: 400, h: 300 }], anywhere), null);
  assert.equal(map.choosePosition({ x: 200, y: 150 }, 80, 20, size, [], () => false), null);
});

test("cluster markers drawn with an older hideout are taken off the map, the newest stay", () => {
  const map = loadMap();
  const layers = [{ _cnSeq: 1 }, { _cnSeq: 2 }, { _cnSeq: 2 }, { other: true }];
  const removed = [];
  const fake = { eachLayer: (fn) => layers.forEach(fn), removeLayer: (layer) => removed.push(layer) };
  map.dropStaleClusters(fake);
  assert.deepEqual(removed, [layers[0]]);
  removed.length = 0;
  map.dropStaleClusters({ eachLayer: (fn) => layers.slice(1).forEach(fn), removeLayer: (l) => removed.push(l) });
  assert.deepEqual(removed, []);
});
