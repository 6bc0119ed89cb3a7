/* The map: the functions its dash-leaflet layers call (layouts/map.py refers to them as
 * {"variable": "cnMap.<name>"}), the street shading, the street labels and their
 * placement.  assets/map_view.js turns the live view into the layers' props.
 * dash-leaflet passes the layer's props, hideout included, as the last argument.  No
 * event text ever goes into HTML here: markers are drawn from fixed class names and
 * numbers, labels are text nodes.
 */
(function () {
  "use strict";

  // ---------------------------------------------------------------- helpers
  function ctxHideout(context) { return (context && context.hideout) || {}; }

  // The hideout holds the status of every camera that is not plainly online (reported
  // offline or fault, or stale), the order in which a cluster takes its colour and the
  // colours, all from the server (dashboard/camera.py via /api/wall-config).
  function pointStatus(id, hideout) {
    return (hideout && hideout.status && hideout.status[id]) || "online";
  }

  function rectsMeet(a, b) {
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
  }

  function lang() {
    var root = document.getElementById("wall-root") || document.getElementById("console-root");
    return root && root.dataset.lang === "en" ? "en" : "zh";
  }

  // Ray casting over a GeoJSON (Multi)Polygon, coordinates [lon, lat].
  function inRing(lon, lat, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) { inside = !inside; }
    }
    return inside;
  }
  function inGeometry(latlng, geometry) {
    var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
    for (var p = 0; p < polygons.length; p++) {
      if (inRing(latlng.lng, latlng.lat, polygons[p][0])) {
        var hole = false;
        for (var h = 1; h < polygons[p].length; h++) { if (inRing(latlng.lng, latlng.lat, polygons[p][h])) { hole = true; } }
        if (!hole) { return true; }
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- street areas
  // Street areas are drawn as SVG (the map prefers canvas for its many points) so that
  // each area's level is a class: the colours of the levels are CSS (assets/wall.css,
  // "the map" block), the same that paint the legend's swatches.
  var svg = null;
  var streets = { levels: {}, areas: {}, labels: {}, maps: [], overdue: {} };

  function areaClass(code) {
    return "street-area street-" + code + " level-" + (streets.levels[code] || "none");
  }

  function restyle(code) {
    (streets.areas[code] || []).forEach(function (layer) {
      if (layer._path) { layer._path.setAttribute("class", areaClass(code) + " leaflet-interactive"); }
    });
  }

  // ---------------------------------------------------------------- street labels
  // One label a street, at the area's label point (dashboard/geo.py), in a pane between
  // the areas and the markers.  After every move and whenever markers come and go, the
  // labels are placed again: each at the first of a few positions near its point that
  // stays inside its area and meets neither a placed label nor a cluster or incident
  // marker; a label with no such position is hidden.
  var LABEL_PANE = "cnStreetLabels";
  var placing = null;

  function schedulePlacement(map) {
    if (placing !== null) { clearTimeout(placing); }
    // after every other moveend handler (dash-leaflet re-clusters on moveend)
    placing = setTimeout(function () { placing = null; window.requestAnimationFrame(function () { place(map); }); }, 60);
  }

  function isObstacle(layer) {
    var icon = layer && layer.options && layer.options.icon;
    var cls = (icon && icon.options && icon.options.className) || "";
    return layer.options.pane !== LABEL_PANE &&
      (cls.indexOf("video-cluster") >= 0 || cls.indexOf("incident-marker") >= 0);
  }

  function watch(map) {
    if (streets.maps.indexOf(map) >= 0) { return; }
    streets.maps.push(map);
    if (!map.getPane(LABEL_PANE)) { map.createPane(LABEL_PANE).style.zIndex = 450; }
    map.on("moveend zoomend resize viewreset", function () { schedulePlacement(map); });
    map.on("layeradd layerremove", function (e) { if (isObstacle(e.layer)) { schedulePlacement(map); } });
    // The console's map changes size when its detail opens, and Leaflet only follows the
    // window: keep showing what was shown (the district, a street, a case) at the new size.
    // A flight under way (to a case) ends where it was going, at the new size.
    var intended = null, refitting = false, moving = false;
    map.on("movestart", function () { moving = true; });
    map.on("moveend", function () { moving = false; if (!refitting) { intended = map.getBounds(); } });
    if (window.ResizeObserver) {
      new ResizeObserver(function () {
        var keep = intended || map.getBounds();
        refitting = true;
        map.invalidateSize({ pan: false });
        if (!moving) { map.fitBounds(keep, { animate: false }); }
        refitting = false;
      }).observe(map.getContainer());
    }
  }

  function labelFor(code, map) {
    var item = streets.labels[code];
    if (item.marker && item.map === map) { return item.marker; }
    var text = document.createElement("span");
    text.className = "street-label-text";
    text.textContent = item.texts[0];
    if (streets.overdue[code]) { text.dataset.overdue = String(streets.overdue[code]); }
    item.element = text;
    item.marker = L.marker(item.latlng, {
      icon: L.divIcon({ className: "street-label", html: text, iconSize: null }),
      pane: LABEL_PANE, interactive: false, keyboard: false,
    }).addTo(map);
    item.map = map;
    return item.marker;
  }

  // One drawing of the clusters on the map at a time: every cluster marker records the
  // sequence number of the hideout it was drawn with (assets/map_view.js numbers them);
  // the live layer redraws with each new one, so markers of an older one still on the
  // map belong to a layer that should be gone and would stack a second badge on a cluster.
  function dropStaleClusters(map) {
    var newest = 0, markers = [];
    map.eachLayer(function (layer) {
      if (layer._cnSeq !== undefined) { markers.push(layer); newest = Math.max(newest, layer._cnSeq); }
    });
    markers.forEach(function (layer) { if (layer._cnSeq < newest) { map.removeLayer(layer); } });
  }

  function place(map) {
    if (!map._loaded) { return; }
    dropStaleClusters(map);
    if (!map.getPane(LABEL_PANE)) { return; }
    var size = map.getSize();
    var obstacles = [];
    map.eachLayer(function (layer) {
      if (!isObstacle(layer) || !layer.getLatLng) { return; }
      var p = map.latLngToContainerPoint(layer.getLatLng());
      var s = L.point(layer.options.icon.options.iconSize || [24, 24]);
      obstacles.push({ x: p.x - s.x / 2 - 3, y: p.y - s.y / 2 - 3, w: s.x + 6, h: s.y + 6 });
    });
    var items = Object.keys(streets.labels).map(function (code) { return streets.labels[code]; });
    items.sort(function (a, b) { return b.area - a.area; });  // the large areas choose first
    var placed = [];
    items.forEach(function (item) {
      labelFor(item.code, map);
      var element = item.element;
      element.parentNode.classList.remove("is-hidden");
      var base = map.latLngToContainerPoint(item.latlng);
      var found = null;
      for (var t = 0; t < item.texts.length && !found; t++) {
        element.textContent = item.texts[t];
        found = fit(map, item, element, base, size, placed, obstacles);
      }
      if (found) {
        placed.push(found.rect);
        element.style.left = found.dx + "px"; element.style.top = found.dy + "px";
      } else {
        element.textContent = item.texts[0];
        element.parentNode.classList.add("is-hidden");
      }
    });
  }

  // The first candidate position of a label that is free, or null.
  function fit(map, item, element, base, size, placed, obstacles) {
    element.style.left = "0px"; element.style.top = "0px";
    return choosePosition(base, element.offsetWidth, element.offsetHeight, size, placed.concat(obstacles),
                          function (c) { return inGeometry(map.containerPointToLatLng(L.point(c.x, c.y)), item.geometry); });
  }

  // Where a w×h label near ``base`` (container pixels) goes: the first of OFFSETS whose
  // box stays inside ``size``, meets none of ``taken`` and whose centre is ``inside``.
  function choosePosition(base, w, h, size, taken, inside) {
    for (var i = 0; i < OFFSETS.length; i++) {
      var dx = OFFSETS[i][0] * w, dy = OFFSETS[i][1] * h;
      var c = { x: base.x + dx, y: base.y + dy };
      var r = { x: c.x - w / 2 - 2, y: c.y - h / 2 - 2, w: w + 4, h: h + 4 };
      if (r.x < 0 || r.y < 0 || r.x + r.w > size.x || r.y + r.h > size.y) { continue; }
      if (taken.some(function (o) { return rectsMeet(o, r); })) { continue; }
      if (!inside(c)) { continue; }
      return { dx: dx, dy: dy, rect: r };
    }
    return null;
  }

  // Candidate positions, in label widths (x) and heights (y) from the label point,
  // nearest first.
  var OFFSETS = (function () {
    var out = [];
    [0, -0.3, 0.3, -0.6, 0.6, -0.9, 0.9, -1.2, 1.2, -1.6, 1.6].forEach(function (x) {
      [0, -0.8, 0.8, -1.3, 1.3, -1.8, 1.8, -2.4, 2.4, -3.2, 3.2, -4, 4].forEach(function (y) { out.push([x, y]); });
    });
    out.sort(function (a, b) { return Math.hypot(a[0] * 3, a[1]) - Math.hypot(b[0] * 3, b[1]); });
    return out;
  })();

  function registerStreet(feature, layer, labels) {
    var p = feature.properties || {};
    var code = p.code;
    layer.options.renderer = svg || (svg = L.svg({ padding: 0.1 }));
    (streets.areas[code] = streets.areas[code] || []).push(layer);
    layer.on("remove", function () {
      streets.areas[code] = (streets.areas[code] || []).filter(function (l) { return l !== layer; });
    });
    // one label a street: the first area of a load that has a label point (a street
    // drawn anew, as on a new page, replaces its label)
    var old = streets.labels[code];
    var current = old && old.layer && old.layer._map;
    if (!current && p.label_lat !== undefined && p.label_lon !== undefined) {
      if (old && old.marker) { old.marker.remove(); }
      streets.labels[code] = {
        code: code, layer: layer, latlng: L.latLng(p.label_lat, p.label_lon), geometry: feature.geometry,
        texts: labels[code] || [(lang() === "en" ? p.name_en : p.name_zh) || code], area: 0, marker: null, element: null, map: null,
      };
    }
    layer.on("add", function () {
      var map = layer._map;
      watch(map);
      var item = streets.labels[code];
      if (item && item.layer === layer) {
        var b = layer.getBounds(), nw = map.latLngToLayerPoint(b.getNorthWest()), se = map.latLngToLayerPoint(b.getSouthEast());
        item.area = Math.abs((se.x - nw.x) * (se.y - nw.y));
      }
      schedulePlacement(map);
    });
  }

  window.cnMap = Object.assign(window.cnMap || {}, {
    pointStatus: pointStatus,
    choosePosition: choosePosition,
    dropStaleClusters: dropStaleClusters,
    inGeometry: inGeometry,

    /* The street levels (code → ok / warn / alarm), restyling the areas at once. */
    setStreetLevels: function (levels) {
      var codes = Object.keys(Object.assign({}, streets.levels, levels));
      streets.levels = Object.assign({}, levels);
      codes.forEach(restyle);
    },

    /* Overdue 12345 tickets per street (code → count): a badge on the street's label
       (drawn by CSS from data-overdue, so placing the label measures it too). */
    setStreetOverdue: function (counts) {
      streets.overdue = Object.assign({}, counts);
      Object.keys(streets.labels).forEach(function (code) {
        var element = streets.labels[code].element;
        if (!element) { return; }
        if (streets.overdue[code]) { element.dataset.overdue = String(streets.overdue[code]); }
        else { delete element.dataset.overdue; }
      });
    },

    districtStyle: function () {
      return { color: "#36c8ff", weight: 3, opacity: 0.95, fill: false, dashArray: null };
    },

    streetStyle: function (feature) {
      return { className: areaClass(feature.properties.code), color: "#2a6fb0", weight: 1.2, opacity: 0.8,
               fill: true, fillOpacity: 1, dashArray: "4 4" };
    },

    streetFeature: function (feature, layer, context) {
      registerStreet(feature, layer, ctxHideout(context).labels || {});
    },

    videoStyle: function () { return {}; },

    videoPoint: function (feature, latlng, context) {
      var hideout = ctxHideout(context);
      var status = pointStatus(feature.properties.id, hideout);
      var normal = status === "online";
      return L.circleMarker(latlng, {
        radius: normal ? 4 : 6, weight: normal ? 0 : 1.5, color: "#0b1628",
        fillColor: (hideout.colours || {})[status] || "#30d158", fillOpacity: normal ? 0.85 : 1,
      });
    },

    // A cluster is drawn in the colour of the worst status among its points; its number
    // is how many cameras it holds, the tag below how many of them are not online.
    videoCluster: function (feature, latlng, index, context) {
      var hideout = ctxHideout(context);
      var order = hideout.order || ["online"];
      var leaves = index.getLeaves(feature.properties.cluster_id, Infinity);
      var counts = {};
      for (var i = 0; i < leaves.length; i++) {
        var status = pointStatus(leaves[i].properties.id, hideout);
        counts[status] = (counts[status] || 0) + 1;
      }
      var worst = "online";
      for (var k = 0; k < order.length; k++) {
        if (counts[order[k]] > 0) { worst = order[k]; break; }
      }
      var total = feature.properties.point_count;
      var size = total < 50 ? 40 : total < 500 ? 48 : 58;
      var bad = total - (counts.online || 0);
      var html = '<div class="cluster-core"><b>' + String(total) + "</b>" +
        (bad ? "<i>" + String(bad) + "</i>" : "") + "</div>";
      var marker = L.marker(latlng, {
        icon: L.divIcon({ html: html, className: "video-cluster status-" + worst, iconSize: L.point(size, size) }),
        keyboard: false,
      });
      marker._cnSeq = hideout.seq || 0;
      if (context && context.map) { watch(context.map); }
      return marker;
    },

    incidentPoint: function (feature, latlng) {
      var p = feature.properties;
      var classes = "incident-marker sev-" + String(p.severity) + (p.pulse ? " pulse" : "");
      return L.marker(latlng, {
        icon: L.divIcon({ html: "<div></div>", className: classes, iconSize: L.point(24, 24) }),
        zIndexOffset: 1000 - p.severity * 100, keyboard: false,
      });
    },

    // The console's 12345 hotspots (H3 cells of dashboard/perception.py): coloured by how
    // far this week is above the cell's usual (z), the tooltip a text node.
    hotspotStyle: function (feature, context) {
      var z = (feature && feature.properties && feature.properties.z) || 0;
      var limits = ctxHideout(context).z || [5, 8];
      var tier = z >= limits[1] ? 2 : z >= limits[0] ? 1 : 0;
      // the colours are the CSS class's (assets/wall.css .hot-<tier>), shared with the legend
      return { weight: 2, opacity: 0.95, fillOpacity: 0.35, className: "hotspot-cell hot-" + tier };
    },

    hotspotFeature: function (feature, layer) {
      var p = feature.properties || {};
      layer.options.renderer = svg || (svg = L.svg({ padding: 0.1 }));  // SVG like the streets: styled by class
      var tip = (p.tip && p.tip[lang()]) || p.cell || "";
      var text = document.createElement("span");
      text.className = "hotspot-tip";
      text.textContent = tip;
      layer.bindTooltip(text, { sticky: true });
    },

    // A sensor with a recent alarm takes its level's colour (dashboard/levels.py).
    sensorPoint: function (feature, latlng) {
      var p = feature.properties;
      return L.circleMarker(latlng, {
        radius: p.level ? 7 : 3.5, weight: p.level ? 2 : 0, color: "#ffffff",
        fillColor: p.colour || "#64d2ff", fillOpacity: 0.9,
        className: p.level ? "sensor-point is-alarm" : "sensor-point",
      });
    },
  });
})();
