/* Functions the map's dash-leaflet layers call (layouts/map.py refers to them as
 * {"variable": "cnMap.<name>"}).  dash-leaflet passes the layer's props, hideout
 * included, as the last argument.  No event text ever goes into HTML here: markers are
 * drawn from fixed class names and numbers only.
 */
(function () {
  "use strict";

  var LEVEL_FILL = { ok: "rgba(48, 209, 88, 0.10)", warn: "rgba(255, 214, 10, 0.28)",
                     alarm: "rgba(255, 69, 58, 0.34)", none: "rgba(80, 140, 220, 0.06)" };

  // The hideout holds the status of every camera that is not plainly online (reported
  // offline or fault, or stale), the order in which a cluster takes its colour and the
  // colours, all from the server (dashboard/camera.py via /api/wall-config).
  function pointStatus(id, hideout) {
    return (hideout && hideout.status && hideout.status[id]) || "online";
  }

  function lang() {
    var root = document.getElementById("wall-root") || document.getElementById("console-root");
    return root && root.dataset.lang === "en" ? "en" : "zh";
  }

  window.cnMap = {
    pointStatus: pointStatus,

    districtStyle: function () {
      return { color: "#36c8ff", weight: 3, opacity: 0.95, fill: false, dashArray: null };
    },

    streetStyle: function (feature, context) {
      var levels = (context && context.hideout && context.hideout.levels) || {};
      var level = levels[feature.properties.code] || "none";
      return { color: "#2a6fb0", weight: 1.2, opacity: 0.8, fillColor: LEVEL_FILL[level],
               fillOpacity: 1, dashArray: "4 4" };
    },

    streetLabel: function (feature, layer, context) {
      var labels = (context && context.hideout && context.hideout.labels) || {};
      var label = document.createElement("span");
      label.textContent = labels[feature.properties.code] ||
        (lang() === "en" ? feature.properties.name_en : feature.properties.name_zh);
      layer.bindTooltip(label, { permanent: true, direction: "center", className: "street-label",
                                 interactive: false });
    },

    videoStyle: function () { return {}; },

    videoPoint: function (feature, latlng, context) {
      var hideout = (context && context.hideout) || {};
      var status = pointStatus(feature.properties.id, hideout);
      var normal = status === "online";
      return L.circleMarker(latlng, {
        radius: normal ? 4 : 6, weight: normal ? 0 : 1.5, color: "#0b1628",
        fillColor: (hideout.colours || {})[status] || "#30d158", fillOpacity: normal ? 0.85 : 1,
      });
    },

    // A cluster is drawn in the colour of the worst status among its points.
    videoCluster: function (feature, latlng, index, context) {
      var hideout = (context && context.hideout) || {};
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
      var size = total < 50 ? 34 : total < 500 ? 42 : 52;
      var bad = total - (counts.online || 0);
      var html = '<div class="cluster-core"><b>' + String(total) + "</b>" +
        (bad ? '<i>' + String(bad) + "</i>" : "") + "</div>";
      return L.marker(latlng, {
        icon: L.divIcon({ html: html, className: "video-cluster status-" + worst,
                          iconSize: L.point(size, size) }),
      });
    },

    incidentPoint: function (feature, latlng) {
      var p = feature.properties;
      var classes = "incident-marker sev-" + String(p.severity) + (p.pulse ? " pulse" : "");
      return L.marker(latlng, {
        icon: L.divIcon({ html: "<div></div>", className: classes, iconSize: L.point(22, 22) }),
        zIndexOffset: 1000 - p.severity * 100,
      });
    },

    // A sensor with a recent alarm takes its level's colour (dashboard/levels.py).
    sensorPoint: function (feature, latlng) {
      var p = feature.properties;
      return L.circleMarker(latlng, {
        radius: p.level ? 7 : 3.5, weight: p.level ? 2 : 0, color: "#ffffff",
        fillColor: p.colour || "#64d2ff", fillOpacity: 0.9,
      });
    },
  };
})();
