// map.js: the project's map code over Leaflet — the base map (or France's
// outline on a plain background when no tile server is configured), actor
// markers shaped and coloured by kind (approximate points hollow and dashed),
// server clusters, popups built with DOM nodes, and the layer that loads what
// is in view (clusters at low zoom, individual actors from zoom 11).
(function () {
  "use strict";
  var V = (window.V = window.V || {});
  var SVG = "http://www.w3.org/2000/svg";

  // Metropolitan France, [[south, west], [north, east]].
  V.FRANCE = [[41.3, -5.2], [51.1, 9.6]];
  V.DETAIL_ZOOM = 11; // from this zoom, individual actors are loaded

  // createMap makes a Leaflet map in el. opts.basemap false draws no tiles.
  // The bundled base (départements and commune names on a plain background)
  // shows until a tile of the chosen base map has loaded, and again if the
  // visitor picks a base map whose tiles never come: a map is never blank,
  // and a base map's attribution shows only once one of its tiles is drawn.
  V.createMap = function (el, opts) {
    opts = opts || {};
    var cfg = V.config();
    var map = L.map(el, {
      minZoom: 2,
      maxZoom: 18,
      zoomSnap: opts.zoomSnap || 1, // embeds fit their frame in half steps
      keyboard: true,
      scrollWheelZoom: opts.scrollWheelZoom !== false,
      attributionControl: true,
    });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    map.attributionControl.addAttribution(escapeHTML(cfg.dataAttribution || ""));
    var offline = new V.OfflineBase();
    offline.addTo(map);
    el.classList.add("map--plain");
    el.setAttribute("data-basemap", "offline");
    var bases = opts.basemap === false ? [] : cfg.basemaps || [];
    var menu = {};
    bases.forEach(function (b, i) {
      var tl = L.tileLayer(b.url, { maxZoom: b.maxZoom || 19, attribution: "" });
      var drawn = false;
      tl.on("tileload", function () {
        if (drawn) return;
        drawn = true;
        map.attributionControl.addAttribution(b.attribution);
        offline.remove();
        el.classList.remove("map--plain");
        el.setAttribute("data-basemap", b.id);
      });
      tl.on("remove", function () {
        if (drawn) map.attributionControl.removeAttribution(b.attribution);
        drawn = false;
        if (!map.hasLayer(offline)) offline.addTo(map);
        el.classList.add("map--plain");
        el.setAttribute("data-basemap", "offline");
      });
      menu[b.name] = tl;
      if (i === 0) tl.addTo(map);
    });
    if (bases.length > 1) L.control.layers(menu, null, { position: "topright" }).addTo(map);
    // On a narrow map the credits keep to one line and are written out in
    // full while hovered, touched (a tap opens and closes them) or while one
    // of their links has the focus: three or four lines of them would hide
    // a quarter of a small map.
    var credits = map.attributionControl.getContainer();
    var compact = function () { el.classList.toggle("map--compact", map.getSize().x < 520); };
    map.on("resize", compact);
    compact();
    L.DomEvent.on(credits, "click", function (e) {
      if (e.target.tagName !== "A") el.classList.toggle("map--credits-open");
    });
    // A legend laid over the map's bottom (app.css) keeps above the credits,
    // however many lines they take: --credits-h is their height.
    if (window.ResizeObserver && el.parentNode) {
      new ResizeObserver(function () { el.parentNode.style.setProperty("--credits-h", credits.offsetHeight + "px"); }).observe(credits);
    }
    return map;
  };

  var outlines = null; // the départements' outlines, fetched once per page
  var neighbours = null; // the countries beside France, fetched once per page
  var communeLabels = {}; // département code → promise of its labels

  // OfflineBase draws the départements and the countries beside France
  // and, at the zooms where they fit, their names and the names of the
  // communes, from the site's own files.
  // (Pages without a map load no Leaflet: nothing of it may run at load.)
  if (window.L) V.OfflineBase = L.Layer.extend({
    onAdd: function (map) {
      var self = this;
      this._map = map;
      if (!map.getPane("outline")) {
        map.createPane("outline").style.zIndex = 250;
        var lp = map.createPane("labels");
        lp.style.zIndex = 450;
        lp.style.pointerEvents = "none";
        lp.setAttribute("aria-hidden", "true");
      }
      this._pane = map.getPane("labels");
      this._pane.hidden = false;
      map.attributionControl.addAttribution(escapeHTML(V.t("js.outlineCredit")));
      var cfg = V.config();
      if (!outlines && cfg.outlineURL) outlines = V.getJSON(cfg.outlineURL);
      if (!neighbours && cfg.neighboursURL) neighbours = V.getJSON(cfg.neighboursURL);
      if (outlines) {
        // The countries first, so that France's départements are drawn over
        // them (their borders come from different sources).
        Promise.all([outlines, (neighbours || Promise.resolve(null)).catch(function () { return null; })]).then(function (got) {
          if (!self._map) return;
          if (!self._geo) {
            var en = cfg.lang === "en";
            self._countries = [];
            if (got[1]) {
              self._near = L.geoJSON(got[1], {
                pane: "outline",
                interactive: false,
                style: { color: "#9a9aab", weight: 1, opacity: 1, fillColor: "#ecebe4", fillOpacity: 1, className: "outline-country" },
              });
              self._near.eachLayer(function (l) {
                var p = l.feature.properties;
                var rings = l.feature.geometry.coordinates.map(function (poly) { return poly[0]; });
                self._countries.push({ name: (en && p.name_en) || p.name, bounds: l.getBounds(), rings: rings });
              });
            }
            self._geo = L.geoJSON(got[0], {
              pane: "outline",
              interactive: false,
              style: { color: "#7b7b8c", weight: 1, opacity: 1, fillColor: "#fbfbf8", fillOpacity: 1 },
            });
            self._deps = [];
            self._geo.eachLayer(function (l) {
              var p = l.feature.properties;
              self._deps.push({ code: p.code, name: p.nom, bounds: l.getBounds(), label: p.label });
            });
          }
          if (self._near) self._near.addTo(map);
          self._geo.addTo(map);
          self.place();
        }).catch(function () {});
      }
      // data-labels-state says whether the names drawn fit the view and
      // the markers ("done") or are about to be placed again ("pending").
      var later = V.debounce(function () { self.place(); }, 60);
      this._place = function () { map.getContainer().setAttribute("data-labels-state", "pending"); later(); };
      map.getContainer().setAttribute("data-labels-state", "pending");
      map.on("moveend zoomend resize actorsdrawn", this._place, this);
      map.on("zoomstart", this._hide, this);
      // A legend opened or closed over the map uncovers or hides names.
      this._toggled = function (e) { if (e.target.closest && e.target.closest(".legend")) self._place(); };
      document.addEventListener("toggle", this._toggled, true);
      return this;
    },
    onRemove: function (map) {
      if (this._geo) map.removeLayer(this._geo);
      if (this._near) map.removeLayer(this._near);
      map.attributionControl.removeAttribution(escapeHTML(V.t("js.outlineCredit")));
      map.off("moveend zoomend resize actorsdrawn", this._place, this);
      map.off("zoomstart", this._hide, this);
      document.removeEventListener("toggle", this._toggled, true);
      map.getContainer().removeAttribute("data-labels-state");
      if (this._pane) { this._pane.textContent = ""; this._pane.hidden = true; }
      this._map = null;
    },
    _hide: function () {
      if (this._pane) this._pane.textContent = "";
      if (this._map) this._map.getContainer().setAttribute("data-labels-state", "pending");
    },
    // place writes the names that fit: départements from zoom 7 to 9, then
    // communes, most populous first, none overlapping another.
    place: function () {
      var map = this._map, self = this;
      if (!map || !this._deps) return;
      var z = map.getZoom(), view = map.getBounds(), size = map.getSize();
      var cands = [];
      var visible = this._deps.filter(function (d) { return d.bounds.intersects(view); });
      if (z >= 7 && z <= 9) {
        visible.forEach(function (d) {
          if (d.label) cands.push({ name: d.name, lat: d.label[1], lon: d.label[0], cls: "map-label--departement" });
        });
      }
      // A neighbouring country's name on the part of it in view.
      if (z >= 5 && z <= 10) {
        (this._countries || []).forEach(function (c) {
          var at = c.bounds.intersects(view) && pointInView(c, view);
          if (at) cands.push({ name: c.name, lat: at[0], lon: at[1], cls: "map-label--country" });
        });
      }
      var minPop = z >= 12 ? 0 : z >= 11 ? 200 : z >= 10 ? 1000 : z >= 9 ? 3000 : 15000;
      var waiting = false;
      if (z >= 8 && visible.length <= 30) { // box-wise: a view at zoom 8–9 meets about 10–25 départements
        visible.forEach(function (d) {
          var got = communeLabels[d.code];
          if (!got) {
            got = communeLabels[d.code] = V.getJSON(V.config().labelsURL.replace("{code}", encodeURIComponent(d.code)));
            got.then(function (rows) { d.rows = rows; }, function () { d.rows = []; }).then(function () { self._place(); });
          }
          got.then(function (rows) { d.rows = rows; }).catch(function () { d.rows = []; });
          if (!d.rows) waiting = true;
          (d.rows || []).forEach(function (r) {
            // An approximate point (a postal area's mean) is kilometres
            // off: the base names only places where they are.
            if (r[3] < minPop || r[4]) return;
            var big = r[3] >= 20000;
            cands.push({ name: r[0], lon: r[1], lat: r[2], cls: "map-label--commune" + (big ? " map-label--big" : "") });
          });
        });
      }
      var pane = this._pane;
      pane.textContent = "";
      // The markers, clusters and count badges drawn: no name goes over one.
      var cont = map.getContainer().getBoundingClientRect();
      // Each marker's box includes its count badge; cx, cy is its point.
      var markers = [];
      map.getPane("markerPane").querySelectorAll(".leaflet-marker-icon").forEach(function (e) {
        var r = e.getBoundingClientRect();
        if (!r.width) return;
        var m = { x: r.left, y: r.top, r: r.right, b: r.bottom, cx: (r.left + r.right) / 2 - cont.left, cy: (r.top + r.bottom) / 2 - cont.top };
        var badge = e.querySelector(".stack-marker__count");
        if (badge) {
          var q = badge.getBoundingClientRect();
          m.x = Math.min(m.x, q.left); m.y = Math.min(m.y, q.top); m.r = Math.max(m.r, q.right); m.b = Math.max(m.b, q.bottom);
        }
        markers.push({ x: m.x - cont.left, y: m.y - cont.top, w: m.r - m.x, h: m.b - m.y, cx: m.cx, cy: m.cy });
      });
      // The controls drawn over the map (zoom, attribution, a legend) too.
      var wrap = map.getContainer().parentNode;
      wrap.querySelectorAll(".leaflet-control, .legend").forEach(function (e) {
        var r = e.getBoundingClientRect();
        if (r.width) markers.push({ x: r.left - cont.left, y: r.top - cont.top, w: r.width, h: r.height, cx: -1e6, cy: -1e6 });
      });
      var placed = [], shown = 0;
      var free = function (b, own, gap) {
        if (b.x < 0 || b.y < 0 || b.x + b.w > size.x || b.y + b.h > size.y) return false;
        for (var j = 0; j < placed.length; j++) {
          var o = placed[j];
          if (b.x < o.x + o.w + 4 && o.x < b.x + b.w + 4 && b.y < o.y + o.h + 2 && o.y < b.y + b.h + 2) return false;
        }
        for (var k = 0; k < markers.length; k++) {
          var m = markers[k];
          // (with a gap, so that a name never reads as another marker's)
          if (own.indexOf(m) < 0 && b.x < m.x + m.w + gap && m.x < b.x + b.w + gap && b.y < m.y + m.h + gap / 2 && m.y < b.y + b.h + gap / 2) return false;
        }
        return true;
      };
      for (var i = 0; i < cands.length && shown < 300; i++) {
        var c = cands[i];
        var pt = map.latLngToContainerPoint([c.lat, c.lon]);
        var dep = c.cls.indexOf("departement") >= 0 || c.cls.indexOf("country") >= 0; // an area's name
        var w = Math.ceil(labelWidth(pane, c.name, c.cls)) + 6, h = dep ? 18 : 16;
        // A commune's name above the marker drawn on its point (or above
        // the point), else to its right, left, below or on a diagonal; a
        // département's name on its label point, else shifted by half its
        // width or a line or two.
        // The markers drawn on the point itself (an actor, a stack, the
        // origin of a search) are the place's own: the name goes around them.
        var own = [];
        if (!dep) {
          for (var k = 0; k < markers.length; k++) {
            if (Math.abs(markers[k].cx - pt.x) < 2 && Math.abs(markers[k].cy - pt.y) < 2) own.push(markers[k]);
          }
        }
        var o = { x: pt.x - 11, y: pt.y - 11, w: 22, h: 22 };
        if (own.length) {
          var x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
          own.forEach(function (m) { x0 = Math.min(x0, m.x); y0 = Math.min(y0, m.y); x1 = Math.max(x1, m.x + m.w); y1 = Math.max(y1, m.y + m.h); });
          o = { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
        }
        var tries = dep ? [[0, 0], [0, -1], [0, 1], [-0.5, 0], [0.5, 0], [0, -2], [0, 2], [-0.5, -1], [0.5, -1], [-0.5, 1], [0.5, 1]].map(function (d) {
          return [pt.x - w / 2 + d[0] * (w + 8), pt.y - h / 2 + d[1] * (h + 6)];
        })
          : [[pt.x - w / 2, o.y - h - 1], [o.x + o.w + 3, pt.y - h / 2], [o.x - 3 - w, pt.y - h / 2], [pt.x - w / 2, o.y + o.h + 1],
            [o.x + o.w + 1, o.y - h + 2], [o.x - w - 1, o.y - h + 2], [o.x + o.w + 1, o.y + o.h - 2], [o.x - w - 1, o.y + o.h - 2]];
        var box = null;
        for (var t = 0; t < tries.length && !box; t++) {
          var b = { x: tries[t][0], y: tries[t][1], w: w, h: h };
          if (free(b, own, dep ? 0 : 4)) box = b;
        }
        if (!box) continue;
        placed.push(box);
        shown++;
        var lab = V.el("span", { className: "map-label " + c.cls, text: c.name });
        lab.style.width = w + "px";
        pane.appendChild(lab);
        L.DomUtil.setPosition(lab, map.containerPointToLayerPoint([box.x, box.y]));
      }
      map.getContainer().setAttribute("data-labels", String(shown));
      map.getContainer().setAttribute("data-labels-state", waiting ? "pending" : "done");
    },
  });

  // pointInView is a point [lat, lon] of country c inside view, as near the
  // middle of the part of c in view as a 5 × 5 grid finds; null if none.
  function pointInView(c, view) {
    var b = c.bounds;
    var s = Math.max(b.getSouth(), view.getSouth()), n = Math.min(b.getNorth(), view.getNorth());
    var w = Math.max(b.getWest(), view.getWest()), e = Math.min(b.getEast(), view.getEast());
    if (s >= n || w >= e) return null;
    var best = null, bestD = Infinity, mx = (w + e) / 2, my = (s + n) / 2;
    for (var i = 1; i <= 5; i++) {
      for (var j = 1; j <= 5; j++) {
        var x = w + (e - w) * i / 6, y = s + (n - s) * j / 6;
        if (!c.rings.some(function (r) { return inRing(r, x, y); })) continue;
        var d = (x - mx) * (x - mx) + (y - my) * (y - my);
        if (d < bestD) { bestD = d; best = [y, x]; }
      }
    }
    return best;
  }

  function inRing(ring, x, y) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var a = ring[i], b = ring[j];
      if ((a[1] > y) !== (b[1] > y) && x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0]) inside = !inside;
    }
    return inside;
  }

  // labelWidth measures a name as its label class draws it (font, case,
  // letter spacing), so that a label is never wider than its box.
  var measure = null, labelFonts = {};
  function labelWidth(pane, text, cls) {
    var f = labelFonts[cls];
    if (!f) {
      var probe = V.el("span", { className: "map-label " + cls, text: "x" });
      pane.appendChild(probe);
      var cs = getComputedStyle(probe);
      f = labelFonts[cls] = { font: cs.fontStyle + " " + cs.fontWeight + " " + cs.fontSize + " " + cs.fontFamily, upper: cs.textTransform === "uppercase", spacing: parseFloat(cs.letterSpacing) || 0 };
      pane.removeChild(probe);
    }
    if (!measure) measure = document.createElement("canvas").getContext("2d");
    measure.font = f.font;
    var t = f.upper ? text.toUpperCase() : text;
    return measure.measureText(t).width + f.spacing * t.length;
  }

  function escapeHTML(s) {
    var d = document.createElement("div");
    d.textContent = s;
    return d.innerHTML;
  }

  // kindStyle returns the shape, colour and size of a kind (from the server).
  V.kindStyle = function (kind) {
    var k = V.config().kinds || {};
    return k[kind] || k.organisation || { shape: "circle", color: "#3a3a3a", size: 14 };
  };

  var shapes = {
    circle: function () { return svgEl("circle", { cx: 10, cy: 10, r: 7.5 }); },
    square: function () { return svgEl("rect", { x: 3, y: 3, width: 14, height: 14 }); },
    diamond: function () { return svgEl("polygon", { points: "10,1.2 18.8,10 10,18.8 1.2,10" }); },
    triangle: function () { return svgEl("polygon", { points: "10,1.5 18.8,17.8 1.2,17.8" }); },
    pentagon: function () { return svgEl("polygon", { points: "10,1.5 18.5,7.8 15.3,17.8 4.7,17.8 1.5,7.8" }); },
    hexagon: function () { return svgEl("polygon", { points: "10,1.2 17.8,5.6 17.8,14.4 10,18.8 2.2,14.4 2.2,5.6" }); },
  };

  function svgEl(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    return e;
  }

  // shapeSVG draws a kind's symbol; approximate points are hollow and dashed.
  V.shapeSVG = function (kind, approximate, size, label) {
    var st = V.kindStyle(kind);
    size = size || st.size;
    var svg = svgEl("svg", { viewBox: "0 0 20 20", width: size, height: size, "aria-hidden": "true", focusable: "false" });
    var s = (shapes[st.shape] || shapes.circle)();
    if (approximate) {
      s.setAttribute("fill", "#ffffff");
      s.setAttribute("fill-opacity", "0.85");
      s.setAttribute("stroke", st.color);
      s.setAttribute("stroke-width", "2.2");
      s.setAttribute("stroke-dasharray", "3 2");
    } else {
      s.setAttribute("fill", st.color);
      s.setAttribute("stroke", "#ffffff");
      s.setAttribute("stroke-width", "1.5");
    }
    svg.appendChild(s);
    if (label !== undefined) {
      var t = svgEl("text", { x: 10, y: 10.5, "text-anchor": "middle", "dominant-baseline": "middle", "font-size": "9", "font-weight": "700", fill: approximate ? st.color : "#ffffff" });
      t.textContent = String(label);
      svg.appendChild(t);
    }
    return svg;
  };

  // actorLabel is a marker's accessible name: name, kind, and "approximate".
  V.actorLabel = function (p) {
    var parts = [p.name, V.t("kind." + p.kind)];
    if (V.isApproximate(p.precision)) parts.push(V.t("js.approx"));
    return parts.join(", ");
  };

  // toolNames lists the names of the tools an actor uses (in use only).
  V.toolNames = function (p) {
    var names = [];
    (p.adoptions || []).forEach(function (a) {
      if (a.status === "in_use") names.push(a.tool_name || a.tool);
    });
    if (!names.length && p.tools) {
      var known = V.config().tools || {};
      p.tools.forEach(function (slug) { names.push(known[slug] || slug); });
    }
    return names;
  };

  // popupContent builds an actor's popup as DOM nodes (never an HTML string:
  // Leaflet would render it).
  V.popupContent = function (p, opts) {
    opts = opts || {};
    var linkAttrs = { href: V.actorURL(p.id) };
    if (opts.newWindow) { linkAttrs.target = "_blank"; linkAttrs.rel = "noopener"; }
    var box = V.el("div", { className: "popup" });
    var title = V.el("p", { className: "popup__title" }, [V.el("a", Object.assign({ text: p.name }, linkAttrs))]);
    box.appendChild(title);
    var kind = V.t("kind." + p.kind);
    if (p.departement) kind += " · " + p.departement;
    box.appendChild(V.el("p", { className: "popup__kind", text: kind }));
    if (typeof p.distance_m === "number") {
      box.appendChild(V.el("p", { className: "popup__distance", text: V.fmtKm(p.distance_m) }));
    }
    if (V.isApproximate(p.precision)) {
      box.appendChild(V.el("p", { className: "popup__approx", text: V.t("precision." + p.precision) }));
    }
    var tools = V.toolNames(p);
    if (tools.length) {
      box.appendChild(V.el("p", { className: "popup__label", text: V.t("js.tools") }));
      box.appendChild(V.el("ul", { className: "popup__tools" }, tools.map(function (n) { return V.el("li", { text: n }); })));
    }
    box.appendChild(V.el("p", { className: "popup__more" }, [V.el("a", Object.assign({ text: V.t("js.seePage") }, linkAttrs))]));
    return box;
  };

  // actorMarker is a keyboard-focusable marker for an actor feature's
  // properties p at latlng; opts.rank draws a number in it.
  V.actorMarker = function (p, latlng, opts) {
    opts = opts || {};
    var st = V.kindStyle(p.kind);
    var size = opts.size || (opts.rank !== undefined ? 24 : st.size);
    var approx = V.isApproximate(p.precision);
    var icon = L.divIcon({
      className: "actor-marker" + (approx ? " actor-marker--approx" : ""),
      html: V.shapeSVG(p.kind, approx, size, opts.rank),
      iconSize: [size, size],
      iconAnchor: [size / 2, size / 2],
      popupAnchor: [0, -size / 2],
    });
    var m = L.marker(latlng, { icon: icon, keyboard: true, riseOnHover: true, title: p.name });
    m.on("add", function () {
      var e = m.getElement();
      if (e) e.setAttribute("aria-label", (opts.rank !== undefined ? opts.rank + ". " : "") + V.actorLabel(p));
    });
    m.bindPopup(function () { return V.popupContent(p, opts); }, { maxWidth: 280, minWidth: 180, autoPanPaddingTopLeft: [56, 12] });
    keyboardPopup(m);
    m.actorID = p.id;
    return m;
  };

  // keyboardPopup moves the focus into a marker's popup when it was opened
  // from the keyboard, and back to the marker when the popup closes.
  function keyboardPopup(m) {
    m.on("popupopen", function (e) {
      var el = m.getElement();
      // Escape closes it (Leaflet listens for it only when the map itself has the focus).
      e.popup.getElement().addEventListener("keydown", function (k) {
        if (k.key === "Escape") { k.preventDefault(); m.closePopup(); }
      });
      if (el && document.activeElement === el) {
        var link = e.popup.getElement().querySelector("a, button");
        if (link) link.focus();
        m._focusBack = true;
      }
    });
    m.on("popupclose", function () {
      var el = m.getElement();
      if (m._focusBack && el) el.focus();
      m._focusBack = false;
    });
  }

  // pointKey groups actors drawn at the same place (to about a metre).
  V.pointKey = function (c) {
    return c[0].toFixed(5) + "," + c[1].toFixed(5);
  };

  // stackMarker is one marker for several actors at the same point (a
  // chef-lieu holds its commune, its EPCI, its département and the
  // préfecture): it shows how many, and its popup lists them all.
  V.stackMarker = function (ps, latlng, opts) {
    opts = opts || {};
    var size = 28;
    var first = ps[0];
    var box = V.el("span", { className: "stack-marker__box" }, [
      V.shapeSVG(first.kind, V.isApproximate(first.precision), 20, opts.rank),
      V.el("span", { className: "stack-marker__count", text: String(ps.length) }),
    ]);
    var allApprox = ps.every(function (p) { return V.isApproximate(p.precision); });
    var icon = L.divIcon({ className: "stack-marker" + (allApprox ? " stack-marker--approx" : ""), html: box, iconSize: [size, size], iconAnchor: [size / 2, size / 2], popupAnchor: [0, -size / 2] });
    var names = ps.map(function (p) { return p.name; });
    var m = L.marker(latlng, { icon: icon, keyboard: true, riseOnHover: true, title: V.t("js.stack", ps.length) });
    m.on("add", function () {
      var e = m.getElement();
      if (e) e.setAttribute("aria-label", (opts.rank !== undefined ? opts.rank + ". " : "") + V.t("js.stackLabel", ps.length, names.join(", ")));
    });
    m.bindPopup(function () {
      var linkAttrs = opts.newWindow ? { target: "_blank", rel: "noopener" } : {};
      var list = V.el("ul", { className: "popup__stack" }, ps.map(function (p) {
        var meta = V.t("kind." + p.kind);
        if (p.departement) meta += " · " + p.departement;
        if (typeof p.distance_m === "number") meta += " · " + V.fmtKm(p.distance_m);
        if (V.isApproximate(p.precision)) meta += " · " + V.t("js.approx");
        var tools = V.toolNames(p);
        if (tools.length) meta += " · " + tools.join(", ");
        return V.el("li", {}, [
          V.shapeSVG(p.kind, V.isApproximate(p.precision), 14),
          V.el("span", { className: "popup__stack-text" }, [
            V.el("a", Object.assign({ href: V.actorURL(p.id), text: (p.rank !== undefined ? p.rank + ". " : "") + p.name }, linkAttrs)),
            V.el("span", { className: "popup__kind", text: meta }),
          ]),
        ]);
      }));
      return V.el("div", { className: "popup" }, [V.el("p", { className: "popup__title", text: V.t("js.stack", ps.length) }), list]);
    }, { maxWidth: 300, minWidth: 200, autoPanPaddingTopLeft: [56, 12] });
    keyboardPopup(m);
    m.actorIDs = ps.map(function (p) { return p.id; });
    return m;
  };

  // markersFor makes the markers of actor features (properties p with id,
  // a [lon, lat] point c, an optional rank): one per point, stacked where
  // several share it. It returns the markers and a map id → marker.
  V.markersFor = function (items, opts) {
    var groups = {}, order = [];
    items.forEach(function (it) {
      var k = V.pointKey(it.c);
      if (!groups[k]) { groups[k] = []; order.push(k); }
      groups[k].push(it);
    });
    var out = [], byID = {};
    order.forEach(function (k) {
      var g = groups[k], m;
      var o = Object.assign({}, opts || {});
      var ll = L.latLng(g[0].c[1], g[0].c[0]);
      if (g.length === 1) {
        if (g[0].rank !== undefined) o.rank = g[0].rank;
        m = V.actorMarker(g[0].p, ll, o);
      } else {
        g.sort(function (a, b) { return (a.rank || 0) - (b.rank || 0); });
        if (g[0].rank !== undefined) o.rank = g[0].rank;
        m = V.stackMarker(g.map(function (it) { return Object.assign({ rank: it.rank }, it.p); }), ll, o);
      }
      m._vkey = k + "|" + g.map(function (it) { return it.p.id + ":" + (it.rank || "") + ":" + (it.p.precision || ""); }).join(",");
      g.forEach(function (it) { byID[it.p.id] = m; });
      out.push(m);
    });
    return { markers: out, byID: byID };
  };

  // clusterMarker draws a server cluster; clicking it (or Enter) zooms in.
  V.clusterMarker = function (map, f) {
    var p = f.properties, c = f.geometry.coordinates;
    var n = p.count || 0;
    var size = Math.round(Math.min(64, 26 + 9 * Math.log10(Math.max(n, 1))));
    var box = V.el("div", { className: "cluster-marker__disc" }, [V.el("span", { text: compact(n) })]);
    var icon = L.divIcon({ className: "cluster-marker", html: box, iconSize: [size, size], iconAnchor: [size / 2, size / 2] });
    var m = L.marker([c[1], c[0]], { icon: icon, keyboard: true });
    m.on("add", function () {
      var e = m.getElement();
      if (e) e.setAttribute("aria-label", V.t("js.cluster", V.fmtInt(n)));
    });
    m.on("click", function () {
      if (p.bbox && p.bbox.length === 4 && !(typeof p.expansion_zoom === "number")) {
        map.fitBounds([[p.bbox[1], p.bbox[0]], [p.bbox[3], p.bbox[2]]]);
      } else {
        map.setView([c[1], c[0]], Math.min(typeof p.expansion_zoom === "number" ? p.expansion_zoom : map.getZoom() + 2, map.getMaxZoom()));
      }
    });
    return m;
  };

  // compact writes a large count short, as the page's language does
  // ("21 k" in French, "21K" in English).
  var compactFormat = null;
  function compact(n) {
    if (n < 10000) return V.fmtInt(n);
    if (compactFormat === null) {
      try {
        compactFormat = new Intl.NumberFormat(V.config().lang || "fr", { notation: "compact", maximumFractionDigits: 0 });
      } catch (e) {
        compactFormat = false;
      }
    }
    return compactFormat ? compactFormat.format(n) : V.fmtInt(Math.round(n / 1000)) + "k";
  }

  var FILTERS = ["kind", "tool", "theme", "department", "region"];
  V.FILTERS = FILTERS;

  // filterQuery turns a filter object into query parameters.
  V.filterQuery = function (f, q) {
    q = q || new URLSearchParams();
    FILTERS.forEach(function (k) { if (f && f[k]) q.set(k, f[k]); });
    return q;
  };

  function bboxOf(map) {
    var b = map.getBounds().pad(0.1);
    var w = Math.max(-180, b.getWest()), e = Math.min(180, b.getEast());
    var s = Math.max(-90, b.getSouth()), n = Math.min(90, b.getNorth());
    return [w, s, e, n].map(function (x) { return x.toFixed(5); }).join(",");
  }

  // ActorLayer keeps the actors in view on the map: server clusters below
  // DETAIL_ZOOM (while /api/clusters answers; without it, the actors when
  // few enough match), individual actors from DETAIL_ZOOM.
  V.ActorLayer = function (map, opts) {
    this.map = map;
    this.opts = opts || {};
    this.group = L.layerGroup().addTo(map);
    this.markers = {};
    this.clusters = null; // null: not tried yet; true/false: /api/clusters answers or not
    this.controller = null;
    var self = this;
    map.on("moveend", V.debounce(function () { self.refresh(); }, 120));
  };

  V.ActorLayer.ITEMS_LIMIT = 2000;
  V.ActorLayer.FALLBACK_LIMIT = 1500;

  V.ActorLayer.prototype.refresh = function () {
    var self = this, map = this.map;
    if (this.controller) this.controller.abort();
    var ctl = (this.controller = new AbortController());
    var filter = this.opts.filter ? this.opts.filter() : {};
    var z = map.getZoom();
    var q = V.filterQuery(filter);
    q.set("bbox", bboxOf(map));
    var report = function (info) { if (self.opts.onData) self.opts.onData(info); };
    var fail = function (err) {
      if (err && err.name === "AbortError") return;
      report({ mode: "error" });
    };
    var items = function (limit) {
      var iq = new URLSearchParams(q);
      iq.set("limit", String(limit));
      return V.getJSON("/api/collections/actors/items?" + iq.toString(), ctl.signal);
    };
    // numberMatched is left out when counting would cost more than the
    // page: then the next link says there are more, and the count shown is
    // a lower bound.
    var more = function (fc) {
      return (fc.links || []).some(function (l) { return l.rel === "next"; });
    };
    var matched = function (fc) {
      return typeof fc.numberMatched === "number" ? fc.numberMatched : fc.features.length;
    };
    var atLeast = function (fc) { return typeof fc.numberMatched !== "number" && more(fc); };
    if (z >= V.DETAIL_ZOOM) {
      items(V.ActorLayer.ITEMS_LIMIT).then(function (fc) {
        self.draw(fc.features, "actors");
        report({ mode: "actors", features: fc.features, matched: matched(fc), atLeast: atLeast(fc), truncated: more(fc) });
      }).catch(fail);
      return;
    }
    var fallback = function () {
      items(V.ActorLayer.FALLBACK_LIMIT).then(function (fc) {
        if (more(fc)) {
          // Too many to draw one by one: show those whose tools are known
          // (the ones the directory is about), and ask to zoom for the rest.
          if (filter.tool || filter.theme) {
            self.draw([], "none");
            report({ mode: "toomany", features: [], matched: matched(fc), atLeast: atLeast(fc) });
            return;
          }
          var tq = new URLSearchParams(q);
          tq.set("theme", V.config().themes.join(","));
          tq.set("limit", "1000");
          return V.getJSON("/api/collections/actors/items?" + tq.toString(), ctl.signal).then(function (tf) {
            self.draw(tf.features, "actors");
            report({ mode: "toomany", features: tf.features, matched: matched(fc), atLeast: atLeast(fc), withTools: tf.features.length });
          });
        } else {
          self.draw(fc.features, "actors");
          report({ mode: "actors", features: fc.features, matched: matched(fc) });
        }
      }).catch(fail);
    };
    if (this.clusters === false) {
      fallback();
      return;
    }
    var cq = new URLSearchParams(q);
    cq.set("zoom", String(Math.floor(z)));
    V.getJSON("/api/clusters?" + cq.toString(), ctl.signal).then(function (fc) {
      self.clusters = true;
      var actors = [], total = 0;
      fc.features.forEach(function (f) {
        if (f.properties && f.properties.cluster) total += f.properties.count || 0;
        else { actors.push(f); total++; }
      });
      self.draw(fc.features, "clusters");
      report({ mode: "clusters", features: actors, matched: total, clustered: total - actors.length });
    }).catch(function (err) {
      if (err && err.name === "AbortError") return;
      if (err && err.status && self.clusters !== true) {
        self.clusters = false; // no clusters route (an older server, a filtering proxy): load actors when few enough
        fallback();
        return;
      }
      fail(err);
    });
  };

  // draw replaces the markers with features (clusters or actors).
  // draw shows features (clusters or actors). Markers already drawn for
  // the same actors at the same place are kept, so that an open popup (and
  // the keyboard focus in it) survives the reload a popup's panning causes.
  V.ActorLayer.prototype.draw = function (features, mode) {
    var self = this;
    this.mode = mode;
    var actors = [], fresh = [];
    features.forEach(function (f) {
      if (!f.geometry) return;
      if (f.properties && f.properties.cluster) {
        var m = V.clusterMarker(self.map, f);
        m._vkey = "c|" + V.pointKey(f.geometry.coordinates) + "|" + f.properties.count;
        fresh.push(m);
      } else {
        actors.push({ p: Object.assign({ id: f.id }, f.properties), c: f.geometry.coordinates });
      }
    });
    var made = V.markersFor(actors, self.opts.markerOptions);
    fresh = fresh.concat(made.markers);
    var old = this.byKey || {}, next = {};
    fresh.forEach(function (m) {
      var keep = old[m._vkey];
      next[m._vkey] = keep || m;
      if (!keep) self.group.addLayer(m);
    });
    Object.keys(old).forEach(function (k) { if (!next[k]) self.group.removeLayer(old[k]); });
    this.byKey = next;
    this.markers = {};
    Object.keys(made.byID).forEach(function (id) { self.markers[id] = next[made.byID[id]._vkey]; });
    this.map.fire("actorsdrawn"); // the bundled base's names make way for them
  };

  // open shows an actor's popup if its marker is drawn.
  V.ActorLayer.prototype.open = function (id) {
    var m = this.markers[id];
    if (m) { m.openPopup(); return true; }
    return false;
  };

  // listItem renders an actor of a list (in-view list, embed) with a button
  // that shows it on the map.
  V.listItem = function (p, onLocate, opts) {
    opts = opts || {};
    var linkAttrs = { href: V.actorURL(p.id), className: "actor-item__name", text: p.name };
    if (opts.newWindow) { linkAttrs.target = "_blank"; linkAttrs.rel = "noopener"; }
    var meta = V.t("kind." + p.kind);
    if (p.departement) meta += " · " + p.departement;
    if (V.isApproximate(p.precision)) meta += " · " + V.t("js.approx");
    var li = V.el("li", { className: "actor-item" }, [
      V.shapeSVG(p.kind, V.isApproximate(p.precision), 16),
      V.el("a", linkAttrs),
      V.el("span", { className: "actor-item__meta", text: meta }),
    ]);
    if (onLocate) {
      var b = V.el("button", { type: "button", className: "link-button", text: V.t("js.locate"), "aria-label": V.t("js.locateLabel", p.name) });
      b.addEventListener("click", function () { onLocate(p); });
      li.appendChild(b);
    }
    return li;
  };

  // listFeatures reads the actors of a server-rendered list (li elements
  // with data-id, data-kind, data-name, data-lon, data-lat, data-precision).
  V.listFeatures = function (list) {
    var out = [];
    list.querySelectorAll("li[data-id]").forEach(function (li) {
      var d = li.dataset;
      var p = { id: d.id, kind: d.kind, name: d.name, precision: d.precision || "" };
      var f = { type: "Feature", id: d.id, properties: p, geometry: null, element: li };
      if (d.lon !== undefined && d.lat !== undefined && d.lon !== "") {
        f.geometry = { type: "Point", coordinates: [parseFloat(d.lon), parseFloat(d.lat)] };
      }
      if (d.rank) f.rank = parseInt(d.rank, 10);
      out.push(f);
    });
    return out;
  };

  // drawList puts the actors of a server-rendered list on a map and returns
  // their bounds (null when none has a point).
  V.drawList = function (map, features, opts) {
    var bounds = null, items = [];
    features.forEach(function (f) {
      if (!f.geometry) return;
      var c = f.geometry.coordinates, ll = L.latLng(c[1], c[0]);
      items.push({ p: f.properties, c: c, rank: f.rank });
      bounds = bounds ? bounds.extend(ll) : L.latLngBounds(ll, ll);
    });
    V.markersFor(items, opts).markers.forEach(function (m) { m.addTo(map); });
    map.fire("actorsdrawn");
    return bounds;
  };
})();
