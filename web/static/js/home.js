// home.js: the map page. The view and the filters live in the URL
// (?kind=&tool=&theme=&department=&region=&lat=&lon=&zoom=&sel=): moving the
// map replaces the history entry, a filter, a search or a jump adds one, and
// the back button restores the state.
(function () {
  "use strict";
  var V = (window.V = window.V || {});

  V.onPage(["home"], function () {
    var cfg = V.config();
    var page = cfg.page || {};
    var mapEl = document.querySelector("[data-map]");
    var form = document.querySelector("[data-filters]");
    var status = document.querySelector("[data-inview-status]");
    var list = document.querySelector("[data-inview-list]");
    var hint = document.querySelector("[data-map-hint]");
    var territory = document.querySelector("[data-territory]");
    // On a phone the legend would hide most of the map: closed at first.
    var legend = document.querySelector(".legend details");
    if (legend && window.matchMedia("(max-width: 48rem)").matches) legend.open = false;
    var map = V.createMap(mapEl);
    var selected = (page.view && page.view.sel) || "";
    var restoring = false;

    function readForm() {
      var f = {};
      V.FILTERS.forEach(function (k) {
        var el = form.elements[k];
        if (el && el.value) f[k] = el.value;
      });
      return f;
    }
    function writeForm(f) {
      V.FILTERS.forEach(function (k) {
        var el = form.elements[k];
        if (el) el.value = f[k] || "";
      });
    }

    var layer = new V.ActorLayer(map, { filter: readForm, onData: showData });

    function stateURL() {
      var q = V.filterQuery(readForm());
      var c = map.getCenter();
      q.set("lat", c.lat.toFixed(4));
      q.set("lon", c.lng.toFixed(4));
      q.set("zoom", String(map.getZoom()));
      if (selected) q.set("sel", selected);
      return location.pathname + "?" + q.toString();
    }
    function push() { if (!restoring) history.pushState(null, "", stateURL()); }
    function replace() { if (!restoring) history.replaceState(null, "", stateURL()); }

    // The initial view: the URL's, else all of France.
    var v = page.view || {};
    if (typeof v.lat === "number" && typeof v.lon === "number") {
      map.setView([v.lat, v.lon], typeof v.zoom === "number" ? v.zoom : 12);
    } else if (v.bbox && v.bbox.length === 4) {
      map.fitBounds([[v.bbox[1], v.bbox[0]], [v.bbox[3], v.bbox[2]]]);
    } else {
      map.fitBounds(V.FRANCE);
    }
    history.replaceState(null, "", stateURL());
    layer.refresh();
    if (selected) openSelected(selected);

    map.on("moveend", function () { replace(); });

    form.addEventListener("change", function () {
      push();
      layer.refresh();
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); push(); layer.refresh(); });
    var reset = document.querySelector("[data-filters-reset]");
    if (reset) {
      reset.addEventListener("click", function (e) {
        e.preventDefault();
        writeForm({});
        push();
        layer.refresh();
      });
    }

    territory.addEventListener("change", function () {
      var opt = territory.options[territory.selectedIndex];
      var b = opt.getAttribute("data-bbox").split(",").map(parseFloat);
      restoring = true;
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { animate: false });
      restoring = false;
      push();
    });

    window.addEventListener("popstate", function () {
      var q = new URLSearchParams(location.search);
      var f = {};
      V.FILTERS.forEach(function (k) { if (q.get(k)) f[k] = q.get(k); });
      writeForm(f);
      selected = q.get("sel") || "";
      var lat = parseFloat(q.get("lat")), lon = parseFloat(q.get("lon")), z = parseInt(q.get("zoom"), 10);
      restoring = true;
      if (isFinite(lat) && isFinite(lon)) map.setView([lat, lon], isFinite(z) ? z : map.getZoom(), { animate: false });
      else map.fitBounds(V.FRANCE, { animate: false });
      restoring = false;
      layer.refresh();
    });

    // The search box centres the map on the chosen actor and opens it.
    var combo = document.querySelector("[data-home-search] [data-combobox]");
    if (combo) {
      V.Combobox(combo, function (f) {
        if (!f.geometry) {
          location.href = V.actorURL(f.id);
          return;
        }
        selected = f.id;
        var c = f.geometry.coordinates;
        restoring = true;
        map.setView([c[1], c[0]], Math.max(13, map.getZoom()), { animate: false });
        restoring = false;
        push();
        showPopup(f);
      });
    }

    var popup = null;
    function showPopup(f) {
      var c = f.geometry.coordinates;
      var p = Object.assign({ id: f.id }, f.properties);
      if (popup) map.closePopup(popup);
      popup = L.popup({ maxWidth: 280, minWidth: 180, offset: [0, -6] }).setLatLng([c[1], c[0]]).setContent(V.popupContent(p)).openOn(map);
    }
    function openSelected(id) {
      V.getJSON("/api/collections/actors/items/" + encodeURIComponent(id)).then(function (f) {
        if (f.geometry) showPopup(f);
      }).catch(function () {});
    }

    // The list of what is in view: the map's text alternative.
    function showData(info) {
      list.textContent = "";
      hint.textContent = "";
      mapEl.setAttribute("data-state", info.mode);
      if (info.mode === "error") {
        status.textContent = V.t("js.error");
        return;
      }
      var feats = (info.features || []).filter(function (f) { return f.geometry; });
      // A count the server did not make is a lower bound: "1 500+".
      var count = V.fmtInt(info.matched) + (info.atLeast ? "+" : "");
      if (info.mode === "toomany") {
        status.textContent = V.t("js.zoomIn", count);
        hint.textContent = status.textContent;
        if (info.withTools) status.textContent += " " + V.t("js.withTools", V.fmtInt(info.withTools));
        else return;
      }
      if (info.mode === "toomany") {
        // status already says it
      } else if (info.mode === "clusters" && info.clustered > 0) {
        status.textContent = V.t("js.inviewClusters", V.fmtInt(info.matched));
      } else if (!info.matched) {
        status.textContent = V.t("js.inviewNone");
      } else if (feats.length > 100 || info.truncated) {
        status.textContent = V.t("js.inviewMore", count, Math.min(100, feats.length));
      } else {
        status.textContent = info.matched === 1 ? V.t("js.inviewCountOne") : V.t("js.inviewCount", count);
      }
      if (info.truncated) hint.textContent = V.t("js.truncated", V.fmtInt(feats.length));
      var collator = new Intl.Collator(cfg.lang || "fr");
      feats.sort(function (a, b) { return collator.compare(a.properties.name, b.properties.name); });
      feats.slice(0, 100).forEach(function (f) {
        var p = Object.assign({ id: f.id }, f.properties);
        list.appendChild(V.listItem(p, function () {
          var c = f.geometry.coordinates;
          map.panTo([c[1], c[0]]);
          if (!layer.open(p.id)) showPopup(f);
        }));
      });
    }
  });
})();
