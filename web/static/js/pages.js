// pages.js: the small maps of the actor and tool pages, and copy buttons.
(function () {
  "use strict";
  var V = (window.V = window.V || {});

  V.onPage(["actor"], function () {
    var el = document.querySelector("[data-actor-map]");
    if (!el) return;
    var d = el.dataset;
    var ll = L.latLng(parseFloat(d.lat), parseFloat(d.lon));
    var approx = V.isApproximate(d.precision);
    var map = V.createMap(el, { scrollWheelZoom: false });
    map.setView(ll, approx ? 10 : 11);
    if (approx) {
      // The measured error of approximate points is a few kilometres.
      L.circle(ll, { radius: 5000, color: V.kindStyle(d.kind).color, weight: 1.5, dashArray: "4 4", fillOpacity: 0.06, interactive: false }).addTo(map);
    }
    // The neighbours give the point its context; the actor itself stands out.
    new V.ActorLayer(map, {}).refresh();
    var halo = L.circleMarker(ll, { radius: 16, color: "#e1000f", weight: 3, fill: false, interactive: false }).addTo(map);
    halo.bringToFront();
    var m = V.actorMarker({ id: "", kind: d.kind, name: d.name, precision: d.precision }, ll, { size: 24 });
    m.setZIndexOffset(2000).addTo(map).unbindPopup();
  });

  V.onPage(["tool"], function () {
    var el = document.querySelector("[data-list-map]");
    if (!el) return;
    var map = V.createMap(el, { scrollWheelZoom: false });
    var list = document.querySelector("[data-map-list='" + el.id + "']");
    var b = list ? V.drawList(map, V.listFeatures(list)) : null;
    if (b) map.fitBounds(b.pad(0.2), { maxZoom: 9 });
    else map.fitBounds(V.FRANCE);
  });

  // A form that comes back with errors, or a page that confirms what was
  // just done, moves the focus to its message ([data-autofocus]) so that
  // screen readers read it; an anchor in the URL keeps its scroll position.
  var focusFirst = function () {
    var el = document.querySelector("[data-autofocus]");
    if (el) el.focus({ preventScroll: !!location.hash });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", focusFirst);
  else focusFirst();
})();
