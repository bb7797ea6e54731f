// embed.js: the embeddable map (/embed), configured by its URL. The map
// frames what was asked for (the server gives the box: a circle around an
// actor, an EPCI's communes, the actors a filter matches) before any data
// loads, and again when the iframe changes size until the visitor moves the
// map. With few enough actors the server lists them and the map draws that
// list (no API call); otherwise the map loads what is in view, clustered when
// zoomed out, and the list beside it shows the actors in view.
(function () {
  "use strict";
  var V = (window.V = window.V || {});

  V.onPage(["embed"], function () {
    var cfg = V.config();
    var page = cfg.page || {};
    var el = document.querySelector("[data-embed-map]");
    if (!el) return;
    var map = V.createMap(el, { basemap: page.basemap !== false, zoomSnap: 0.5 });
    var markerOptions = { newWindow: true };
    var v = page.view || {};
    var fitting = false, moved = false;

    // frame shows what was asked for, in the map's current size.
    function frame() {
      fitting = true;
      if (typeof v.lat === "number" && typeof v.lon === "number") {
        map.setView([v.lat, v.lon], typeof v.zoom === "number" ? v.zoom : 10, { animate: false });
      } else if (v.bbox && v.bbox.length === 4) {
        map.fitBounds([[v.bbox[1], v.bbox[0]], [v.bbox[3], v.bbox[2]]], { animate: false });
      } else if (page.frame && page.frame.length === 4) {
        var f = page.frame;
        map.fitBounds([[f[1], f[0]], [f[3], f[2]]], { animate: false, padding: [10, 10], maxZoom: page.radius ? 16 : 13 });
      } else {
        map.fitBounds(V.FRANCE, { animate: false });
      }
      fitting = false;
      el.setAttribute("data-framed", "1");
    }
    // The view in the DOM, readable from the page around (tests, builders).
    function bounds() {
      var b = map.getBounds();
      return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(4); }).join(",");
    }
    frame();
    el.setAttribute("data-first-bounds", bounds());
    el.setAttribute("data-bounds", bounds());
    map.on("moveend", function () { el.setAttribute("data-bounds", bounds()); });
    map.on("movestart", function () { if (!fitting) moved = true; });
    if (window.ResizeObserver) {
      var last = el.clientWidth + "x" + el.clientHeight;
      new ResizeObserver(function () {
        var now = el.clientWidth + "x" + el.clientHeight;
        if (now === last) return;
        last = now;
        map.invalidateSize({ animate: false });
        if (!moved) frame();
      }).observe(el);
    }

    if (page.radius) {
      // Drawn once the map has a view: a circle's bounds need one.
      var c = L.latLng(page.radius.lat, page.radius.lon);
      L.circle(c, { radius: page.radius.km * 1000, color: "#000091", weight: 1.5, dashArray: "5 5", fillOpacity: 0.04, interactive: false }).addTo(map);
      L.marker(c, { icon: L.divIcon({ className: "origin-marker", html: V.el("span", { className: "origin-marker__dot" }), iconSize: [18, 18], iconAnchor: [9, 9] }), keyboard: false, interactive: false }).addTo(map);
    }

    var list = document.querySelector("[data-embed-list]");
    if (page.complete && list) {
      V.drawList(map, V.listFeatures(list), markerOptions);
      el.setAttribute("data-state", "list");
    } else {
      var status = document.querySelector("[data-embed-status]");
      var inview = document.querySelector("[data-embed-inview]");
      var layer = new V.ActorLayer(map, {
        filter: function () { return page.filter || {}; },
        markerOptions: markerOptions,
        onData: function (info) {
          el.setAttribute("data-state", info.mode);
          if (!inview || !status) return;
          inview.textContent = "";
          var feats = (info.features || []).filter(function (f) { return f.geometry; });
          if (info.mode === "error") { status.textContent = V.t("js.error"); return; }
          if (info.mode === "clusters" && info.clustered > 0) {
            status.textContent = V.t("js.inviewClusters", V.fmtInt(info.matched));
          } else if (info.mode === "toomany") {
            status.textContent = V.t("js.zoomIn", V.fmtInt(info.matched));
          } else if (!feats.length) {
            status.textContent = V.t("js.inviewNone");
            return;
          } else {
            status.textContent = feats.length === 1 ? V.t("js.inviewCountOne") : V.t("js.inviewCount", V.fmtInt(feats.length));
          }
          var collator = new Intl.Collator(cfg.lang || "fr");
          feats.sort(function (a, b) { return collator.compare(a.properties.name, b.properties.name); });
          feats.slice(0, 200).forEach(function (f) {
            inview.appendChild(V.listItem(Object.assign({ id: f.id }, f.properties), null, markerOptions));
          });
        },
      });
      layer.refresh();
    }

    // Tell the page that frames us (the embed builder) where the map is.
    if (window.parent !== window) {
      var report = function () {
        var ctr = map.getCenter();
        window.parent.postMessage({ type: "voisinage:view", lat: +ctr.lat.toFixed(4), lon: +ctr.lng.toFixed(4), zoom: Math.round(map.getZoom()) }, "*");
      };
      map.on("moveend", report);
      report();
    }
  });
})();
