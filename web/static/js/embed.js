// embed.js: the embeddable map (/embed), configured by its URL. With few
// enough actors the server lists them and the map draws that list (no API
// call); otherwise the map loads what is in view, clustered when zoomed out.
(function () {
  "use strict";
  var V = (window.V = window.V || {});

  V.onPage(["embed"], function () {
    var cfg = V.config();
    var page = cfg.page || {};
    var el = document.querySelector("[data-embed-map]");
    if (!el) return;
    var map = V.createMap(el, { basemap: page.basemap !== false });
    var markerOptions = { newWindow: true };
    var bounds = null;
    var list = document.querySelector("[data-embed-list]");
    if (page.complete && list) {
      bounds = V.drawList(map, V.listFeatures(list), markerOptions);
    } else {
      var layer = new V.ActorLayer(map, { filter: function () { return page.filter || {}; }, markerOptions: markerOptions });
      map.whenReady(function () { layer.refresh(); });
    }
    if (page.radius) {
      var c = L.latLng(page.radius.lat, page.radius.lon);
      var circle = L.circle(c, { radius: page.radius.km * 1000, color: "#000091", weight: 1.5, dashArray: "5 5", fillOpacity: 0.04, interactive: false }).addTo(map);
      L.marker(c, { icon: L.divIcon({ className: "origin-marker", html: V.el("span", { className: "origin-marker__dot" }), iconSize: [18, 18], iconAnchor: [9, 9] }), keyboard: false, interactive: false }).addTo(map);
      bounds = circle.getBounds();
    }
    var v = page.view || {};
    if (typeof v.lat === "number" && typeof v.lon === "number") {
      map.setView([v.lat, v.lon], typeof v.zoom === "number" ? v.zoom : 10);
    } else if (v.bbox && v.bbox.length === 4) {
      map.fitBounds([[v.bbox[1], v.bbox[0]], [v.bbox[3], v.bbox[2]]]);
    } else if (bounds) {
      map.fitBounds(bounds.pad(0.1), { maxZoom: 11 });
    } else {
      map.fitBounds(V.FRANCE);
    }

    // Tell the page that frames us (the embed builder) where the map is.
    if (window.parent !== window) {
      var report = function () {
        var c = map.getCenter();
        window.parent.postMessage({ type: "voisinage:view", lat: +c.lat.toFixed(4), lon: +c.lng.toFixed(4), zoom: map.getZoom() }, "*");
      };
      map.on("moveend", report);
      report();
    }
  });
})();
