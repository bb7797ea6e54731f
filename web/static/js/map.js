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

  // createMap makes a Leaflet map in el. opts.basemap false hides the tiles.
  V.createMap = function (el, opts) {
    opts = opts || {};
    var cfg = V.config();
    var map = L.map(el, {
      minZoom: 2,
      maxZoom: 18,
      zoomSnap: 1,
      keyboard: true,
      scrollWheelZoom: opts.scrollWheelZoom !== false,
      attributionControl: true,
    });
    map.attributionControl.setPrefix('<a href="https://leafletjs.com">Leaflet</a>');
    var tiles = cfg.tileURL && opts.basemap !== false;
    if (tiles) {
      L.tileLayer(cfg.tileURL, { maxZoom: 19, attribution: cfg.tileAttribution || "" }).addTo(map);
    } else {
      el.classList.add("map--plain");
    }
    map.attributionControl.addAttribution(escapeHTML(cfg.dataAttribution || ""));
    map.createPane("outline");
    map.getPane("outline").style.zIndex = 250;
    if (cfg.outlineURL) {
      V.getJSON(cfg.outlineURL).then(function (data) {
        L.geoJSON(data, {
          pane: "outline",
          interactive: false,
          style: {
            color: tiles ? "#000091" : "#8a8a9a",
            weight: tiles ? 1 : 1.2,
            opacity: tiles ? 0.35 : 1,
            fillColor: "#ffffff",
            fillOpacity: tiles ? 0 : 1,
          },
        }).addTo(map);
      }).catch(function () {});
    }
    return map;
  };

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
    m.bindPopup(function () { return V.popupContent(p, opts); }, { maxWidth: 280, minWidth: 180 });
    m.actorID = p.id;
    return m;
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

  function compact(n) {
    if (n >= 10000) return V.fmtInt(Math.round(n / 1000)) + "k";
    return V.fmtInt(n);
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
    cq.set("zoom", String(z));
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
  V.ActorLayer.prototype.draw = function (features, mode) {
    var self = this;
    this.group.clearLayers();
    this.markers = {};
    this.mode = mode;
    features.forEach(function (f) {
      if (!f.geometry) return;
      var c = f.geometry.coordinates;
      var m;
      if (f.properties && f.properties.cluster) {
        m = V.clusterMarker(self.map, f);
      } else {
        var p = Object.assign({ id: f.id }, f.properties);
        m = V.actorMarker(p, [c[1], c[0]], self.opts.markerOptions);
        self.markers[p.id] = m;
      }
      self.group.addLayer(m);
    });
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
    var bounds = null;
    features.forEach(function (f) {
      if (!f.geometry) return;
      var c = f.geometry.coordinates, ll = L.latLng(c[1], c[0]);
      var o = Object.assign({}, opts || {});
      if (f.rank !== undefined) o.rank = f.rank;
      V.actorMarker(f.properties, ll, o).addTo(map);
      bounds = bounds ? bounds.extend(ll) : L.latLngBounds(ll, ll);
    });
    return bounds;
  };
})();
