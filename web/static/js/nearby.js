// nearby.js: the peer finder. The results are rendered by the server (the
// page's URL is the shareable result); this script adds the search box for
// the starting point, browser geolocation, picking a point on the map, and
// draws the starting point and the numbered results.
(function () {
  "use strict";
  var V = (window.V = window.V || {});

  V.onPage(["nearby"], function () {
    var form = document.querySelector("[data-nearby-form]");
    var actor = form.querySelector("[data-origin-actor]");
    var lat = form.querySelector("[data-origin-lat]");
    var lon = form.querySelector("[data-origin-lon]");
    var mapEl = document.querySelector("[data-nearby-map]");
    V.copyButtons();

    // Empty fields stay out of the URL, so that the result's address is short.
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && !el.value) el.disabled = true;
      });
    });
    window.addEventListener("pageshow", function () {
      Array.prototype.forEach.call(form.elements, function (el) { el.disabled = false; });
    });

    function submitFrom(la, lo) {
      actor.value = "";
      lat.value = la.toFixed(5);
      lon.value = lo.toFixed(5);
      form.requestSubmit();
    }

    var combo = form.querySelector("[data-combobox]");
    V.Combobox(combo, function (f) {
      actor.value = f.id;
      lat.value = "";
      lon.value = "";
      form.requestSubmit();
    });
    // The typed name is only a search: it is not part of the shared URL.
    combo.querySelector("input").removeAttribute("name");

    var geo = form.querySelector("[data-geolocate]");
    if (navigator.geolocation && geo) {
      geo.hidden = false;
      geo.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (pos) {
          submitFrom(pos.coords.latitude, pos.coords.longitude);
        }, function () {
          geo.textContent = V.t("js.geoError");
        }, { timeout: 10000, maximumAge: 600000 });
      });
    }
    var pickHint = form.querySelector("[data-map-pick-hint]");
    if (pickHint) pickHint.hidden = false;

    var map = V.createMap(mapEl, { scrollWheelZoom: false });
    var bounds = null;
    var d = mapEl.dataset;
    if (d.originLat !== undefined && d.originLon !== undefined) {
      var o = L.latLng(parseFloat(d.originLat), parseFloat(d.originLon));
      var pin = L.divIcon({ className: "origin-marker", html: V.el("span", { className: "origin-marker__dot" }), iconSize: [22, 22], iconAnchor: [11, 11] });
      var om = L.marker(o, { icon: pin, keyboard: true, title: d.originName, zIndexOffset: 1000 });
      om.on("add", function () { om.getElement().setAttribute("aria-label", V.t("js.originLabel", d.originName)); });
      om.addTo(map);
      om.bindPopup(function () { return V.el("p", { className: "popup__title", text: V.t("js.originLabel", d.originName) }); });
      bounds = L.latLngBounds(o, o);
    }
    var list = document.querySelector("[data-map-list]");
    if (list) {
      var b = V.drawList(map, V.listFeatures(list));
      if (b) bounds = bounds ? bounds.extend(b) : b;
    }
    if (bounds) map.fitBounds(bounds.pad(0.15), { maxZoom: 11 });
    else map.fitBounds(V.FRANCE);

    map.on("click", function (e) { submitFrom(e.latlng.lat, e.latlng.lng); });
  });
})();
