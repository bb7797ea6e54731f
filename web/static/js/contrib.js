// contrib.js: what scripts add to the contribution and moderation pages,
// which all work without them: picking a point on a map (click, drag, the
// map's centre, or the browser's position) that fills the latitude and
// longitude fields; the duplicate check as a new actor is typed; filling a
// conflicting field with the current value; selecting every proposal of a
// page at once; small maps of the points a proposal moves. Text goes
// through textContent only.
(function () {
  "use strict";
  var V = (window.V = window.V || {});
  var SVG = "http://www.w3.org/2000/svg";

  function ready(fn) {
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", fn);
    else fn();
  }

  // decimal formats a coordinate the way the page's language writes it.
  function decimal(f) {
    var s = (Math.round(f * 1e6) / 1e6).toFixed(6).replace(/0+$/, "").replace(/\.$/, "");
    return V.config().lang === "fr" ? s.replace(".", ",") : s;
  }
  function parseDecimal(s) {
    s = String(s || "").trim().replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
    if (!/^-?\d+(\.\d+)?$/.test(s)) return NaN;
    return parseFloat(s);
  }

  // pinIcon is the proposed point: a red pin, easy to tell from the
  // directory's shapes.
  function pinIcon() {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 32 42");
    svg.setAttribute("width", "32");
    svg.setAttribute("height", "42");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var path = document.createElementNS(SVG, "path");
    path.setAttribute("d", "M16 1C7.7 1 1 7.5 1 15.6 1 26.6 16 41 16 41s15-14.4 15-25.4C31 7.5 24.3 1 16 1z");
    path.setAttribute("fill", "#e1000f");
    path.setAttribute("stroke", "#fff");
    path.setAttribute("stroke-width", "2");
    var dot = document.createElementNS(SVG, "circle");
    dot.setAttribute("cx", "16");
    dot.setAttribute("cy", "15.5");
    dot.setAttribute("r", "5.5");
    dot.setAttribute("fill", "#fff");
    svg.appendChild(path);
    svg.appendChild(dot);
    return L.divIcon({ className: "pick-marker", html: svg, iconSize: [32, 42], iconAnchor: [16, 41] });
  }

  // neighbours draws the actors around, from zoom 10, as context: they do
  // not catch clicks, which place the point.
  function neighbours(map) {
    var group = L.layerGroup().addTo(map), ctl = null;
    var load = function () {
      if (ctl) ctl.abort();
      group.clearLayers();
      if (map.getZoom() < 10) return;
      ctl = new AbortController();
      var b = map.getBounds();
      var q = new URLSearchParams({ bbox: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map(function (x) { return x.toFixed(5); }).join(","), limit: "800" });
      V.getJSON("/api/collections/actors/items?" + q.toString(), ctl.signal).then(function (fc) {
        fc.features.forEach(function (f) {
          if (!f.geometry) return;
          var c = f.geometry.coordinates, p = f.properties;
          var size = 12;
          var icon = L.divIcon({ className: "neighbour-marker", html: V.shapeSVG(p.kind, V.isApproximate(p.precision), size), iconSize: [size, size], iconAnchor: [size / 2, size / 2] });
          group.addLayer(L.marker([c[1], c[0]], { icon: icon, interactive: false, keyboard: false }));
        });
      }).catch(function () {});
    };
    map.on("moveend", V.debounce(load, 150));
    load();
  }

  // PointPicker turns el ([data-point-picker]) into a map that fills the
  // inputs named by data-lat-input and data-lon-input.
  function PointPicker(el) {
    var cfg = V.config().page || {};
    var latIn = document.getElementById(el.getAttribute("data-lat-input"));
    var lonIn = document.getElementById(el.getAttribute("data-lon-input"));
    var status = document.querySelector("[data-place-status]");
    var map = V.createMap(el, { scrollWheelZoom: true });
    V.pickerMap = map; // for the browser tests and the console
    var marker = null;

    var typed = latIn && lonIn && isFinite(parseDecimal(latIn.value)) && isFinite(parseDecimal(lonIn.value));
    if (cfg.bbox && cfg.bbox.length === 4 && !cfg.hasPoint) {
      // No point yet: the map shows the département, ready for a zoom.
      map.fitBounds(L.latLngBounds([cfg.bbox[1], cfg.bbox[0]], [cfg.bbox[3], cfg.bbox[2]]).pad(0.2));
    } else if (typeof cfg.lat === "number" && typeof cfg.lon === "number") {
      map.setView([cfg.lat, cfg.lon], cfg.zoom || 13);
    } else {
      map.setView([46.6, 2.4], 5);
    }
    neighbours(map);
    if (cfg.hasPoint) {
      var ll = L.latLng(cfg.lat, cfg.lon);
      if (cfg.approximate) {
        L.circle(ll, { radius: 5000, color: V.kindStyle(cfg.kind).color, weight: 1.5, dashArray: "5 5", fillOpacity: 0.05, interactive: false }).addTo(map);
      }
      var cur = V.actorMarker({ id: "", kind: cfg.kind, name: cfg.name, precision: cfg.approximate ? "postal_area" : "exact" }, ll, { size: 22 });
      cur.unbindPopup();
      cur.options.interactive = false;
      cur.setZIndexOffset(1500).addTo(map);
      cur.on("add", function () {
        var e = cur.getElement();
        if (e) { e.setAttribute("aria-label", V.t("js.placeCurrent")); e.setAttribute("tabindex", "-1"); }
      });
    }

    function say(text) { if (status) status.textContent = text; }

    // set puts the proposed point at ll and fills the inputs (fill false:
    // the inputs are the source, leave them as typed).
    function set(ll, fill) {
      if (!marker) {
        marker = L.marker(ll, { icon: pinIcon(), draggable: true, keyboard: true, zIndexOffset: 3000, title: V.t("js.placeMarker") });
        marker.on("add", function () {
          var e = marker.getElement();
          if (e) e.setAttribute("aria-label", V.t("js.placeMarker"));
        });
        marker.on("dragend", function () { set(marker.getLatLng(), true); });
        marker.addTo(map);
      } else {
        marker.setLatLng(ll);
      }
      if (fill !== false && latIn && lonIn) {
        latIn.value = decimal(ll.lat);
        lonIn.value = decimal(ll.lng);
      }
      el.setAttribute("data-picked", "1");
      say(V.t("js.placeSet", decimal(ll.lat), decimal(ll.lng)));
    }

    map.on("click", function (e) { set(e.latlng, true); });

    function fromInputs() {
      var la = parseDecimal(latIn.value), lo = parseDecimal(lonIn.value);
      if (!isFinite(la) || !isFinite(lo)) return;
      if (la < -90 || la > 90 || lo < -180 || lo > 180) { say(V.t("js.placeOutside")); return; }
      set(L.latLng(la, lo), false);
      if (!map.getBounds().contains([la, lo])) map.setView([la, lo], Math.max(map.getZoom(), 12));
    }
    if (latIn && lonIn) {
      var onType = V.debounce(fromInputs, 400);
      latIn.addEventListener("input", onType);
      lonIn.addEventListener("input", onType);
      if (typed) {
        fromInputs();
        map.setView(marker.getLatLng(), Math.max(map.getZoom(), 13));
      }
    }

    var tools = document.querySelector("[data-picker-tools]");
    if (tools) {
      tools.hidden = false;
      var center = tools.querySelector("[data-picker-center]");
      if (center) {
        el.classList.add("map--crosshair");
        center.addEventListener("click", function () { set(map.getCenter(), true); });
      }
      var geo = tools.querySelector("[data-picker-geolocate]");
      if (geo && navigator.geolocation) {
        geo.hidden = false;
        geo.addEventListener("click", function () {
          navigator.geolocation.getCurrentPosition(function (pos) {
            var ll = L.latLng(pos.coords.latitude, pos.coords.longitude);
            map.setView(ll, 16);
            set(ll, true);
          }, function () { say(V.t("js.geoError")); }, { timeout: 10000, maximumAge: 60000 });
        });
      }
    }
  }

  // DiffMap draws where a place proposal moves an actor from and to.
  function DiffMap(el) {
    var d = el.dataset;
    var map = V.createMap(el, { scrollWheelZoom: false });
    var nw = L.latLng(parseFloat(d.newLat), parseFloat(d.newLon));
    var pin = L.marker(nw, { icon: pinIcon(), keyboard: false, interactive: false });
    pin.addTo(map);
    if (d.oldLat !== undefined) {
      var old = L.latLng(parseFloat(d.oldLat), parseFloat(d.oldLon));
      L.circleMarker(old, { radius: 8, color: "#3a3a3a", weight: 2, dashArray: "3 3", fillColor: "#fff", fillOpacity: 0.9, interactive: false }).addTo(map);
      L.polyline([old, nw], { color: "#3a3a3a", weight: 1.5, dashArray: "4 4", interactive: false }).addTo(map);
      map.fitBounds(L.latLngBounds(old, nw).pad(0.4), { maxZoom: 13 });
    } else {
      map.setView(nw, 11);
    }
    neighbours(map);
    map.keyboard.disable();
    el.removeAttribute("tabindex");
  }

  // duplicateCheck asks the API, as a new actor is typed, which existing
  // actors it may duplicate, and lists them before the form is sent.
  function duplicateCheck(form) {
    var box = form.querySelector("[data-dup-live]");
    if (!box) return;
    // The warning goes right under the name, where the contributor looks.
    var nameInput = form.elements.namedItem("name");
    if (nameInput && nameInput.closest(".field")) nameInput.closest(".field").after(box);
    var ctl = null, last = "";
    var check = V.debounce(function () {
      var el = function (n) { return form.elements.namedItem(n); };
      var kind = el("kind") ? el("kind").value : "";
      var name = el("name") ? el("name").value.trim() : "";
      var changes = { kind: kind, name: name };
      var la = el("lat") ? parseDecimal(el("lat").value) : NaN;
      var lo = el("lon") ? parseDecimal(el("lon").value) : NaN;
      if (isFinite(la) && isFinite(lo)) { changes.lat = la; changes.lon = lo; }
      var key = JSON.stringify(changes);
      if (key === last) return;
      last = key;
      if (!kind || name.length < 3) { box.hidden = true; box.textContent = ""; return; }
      if (ctl) ctl.abort();
      ctl = new AbortController();
      fetch("/api/proposals/check", {
        method: "POST",
        signal: ctl.signal,
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ target_type: "actor", action: "create", changes: changes }),
      }).then(function (r) { return r.ok ? r.json() : null; }).then(function (res) {
        box.textContent = "";
        var dups = (res && res.duplicates) || [];
        if (!dups.length) { box.hidden = true; return; }
        box.appendChild(V.el("p", { className: "duplicates__title", text: V.t("js.dupTitle") }));
        box.appendChild(V.el("ul", { className: "duplicates__list" }, dups.map(function (d) {
          var why = V.t("duplicate." + d.reason);
          if (d.distance_m) why += " · " + V.fmtKm(d.distance_m);
          return V.el("li", {}, [
            V.el("a", { href: V.actorURL(d.id), text: d.name }),
            V.el("span", { className: "muted", text: " — " + V.t("kind." + d.kind) + " · " + why }),
          ]);
        })));
        box.appendChild(V.el("p", { className: "hint", text: V.t("js.dupHint") }));
        box.hidden = false;
      }).catch(function () {});
    }, 400);
    ["input", "change"].forEach(function (ev) { form.addEventListener(ev, check); });
    check();
  }

  // conflicts: "take the current value" fills the field with it; "keep
  // mine" puts the contributor's value back.
  function conflicts() {
    document.querySelectorAll("[data-conflict-take]").forEach(function (take) {
      var input = document.getElementById(take.getAttribute("data-conflict-take"));
      if (!input || input.type === "checkbox" || input.tagName === "FIELDSET") return;
      var mine = input.value;
      var keep = document.querySelector("[data-conflict-keep='" + take.getAttribute("data-conflict-take") + "']");
      take.addEventListener("change", function () { if (take.checked) input.value = take.getAttribute("data-value"); });
      if (keep) keep.addEventListener("change", function () { if (keep.checked) input.value = mine; });
    });
  }

  // bulk wires "select all" and the count of the bulk decision form.
  function bulk() {
    var all = document.querySelector("[data-bulk-all]");
    var count = document.querySelector("[data-bulk-count]");
    var items = document.querySelectorAll("[data-bulk-item]");
    if (!all || !items.length) return;
    document.querySelector("[data-bulk-all-wrap]").hidden = false;
    function update() {
      var n = 0;
      items.forEach(function (i) { if (i.checked) n++; });
      all.checked = n === items.length;
      all.indeterminate = n > 0 && n < items.length;
      if (count) count.textContent = V.t("js.bulkCount", n);
    }
    all.addEventListener("change", function () {
      items.forEach(function (i) { i.checked = all.checked; });
      update();
    });
    items.forEach(function (i) { i.addEventListener("change", update); });
  }

  // each runs one part, so that a failure in one leaves the others working.
  function each(sel, fn) {
    document.querySelectorAll(sel).forEach(function (el) {
      try { fn(el); } catch (e) { if (window.console) console.error(e); }
    });
  }

  ready(function () {
    if (window.L) {
      each("[data-point-picker]", PointPicker);
      each("[data-diff-map]", DiffMap);
    }
    each("form[data-check='actor']", duplicateCheck);
    each("body", conflicts);
    each("body", bulk);
    if (V.copyButtons) V.copyButtons();
  });
})();
