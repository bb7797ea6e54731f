// builder.js: the embed builder. Every change rebuilds the embed URL, the
// live preview and the <iframe> snippet; moving the preview map reports its
// view (postMessage from the embed), which the "current view" area uses.
(function () {
  "use strict";
  var V = (window.V = window.V || {});

  function attr(s) {
    return String(s).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
  }

  V.onPage(["builder"], function () {
    var cfg = V.config();
    var base = (cfg.page && cfg.page.embedURL) || location.origin + "/embed";
    var form = document.querySelector("[data-builder]");
    var frame = document.querySelector("[data-builder-preview]");
    var code = document.querySelector("[data-builder-code]");
    var link = document.querySelector("[data-builder-link]");
    var actor = form.querySelector("[data-builder-actor]");
    var shownSrc = frame.getAttribute("src");
    V.copyButtons();

    function val(name) {
      var el = form.elements[name];
      return el ? String(el.value || "").trim() : "";
    }
    function area() {
      var r = form.querySelector("input[name=area]:checked");
      return r ? r.value : "all";
    }

    // query builds the embed's query from the form.
    function query() {
      var q = new URLSearchParams();
      V.FILTERS.forEach(function (k) { if (val(k)) q.set(k, val(k)); });
      if (area() === "view" && val("lat") && val("lon")) {
        q.set("lat", val("lat"));
        q.set("lon", val("lon"));
        if (val("zoom")) q.set("zoom", val("zoom"));
      } else if (area() === "actor" && actor.value) {
        q.set("actor", actor.value);
        q.set("radius_km", val("radius_km") || "20");
      }
      var view = form.querySelector("input[name=view]:checked");
      if (view && view.value !== "map") q.set("view", view.value);
      if (!form.elements.basemap.checked) q.set("basemap", "0");
      if (val("lang") && val("lang") !== "fr") q.set("lang", val("lang"));
      return q.toString();
    }

    function size(name, def) {
      var n = parseInt(val(name), 10);
      return isFinite(n) ? Math.min(2000, Math.max(200, n)) : def;
    }

    // update rebuilds the snippet; reload also reloads the preview.
    function update(reload) {
      var q = query();
      var url = base + (q ? "?" + q : "");
      var rel = "/embed" + (q ? "?" + q : "");
      var w = size("width", 640), h = size("height", 480);
      var title = V.t("js.embedTitle");
      code.value = '<iframe src="' + attr(url) + '" width="' + w + '" height="' + h + '" title="' + attr(title) + '" style="border:0" loading="lazy"></iframe>';
      link.setAttribute("href", rel);
      frame.setAttribute("width", String(w));
      frame.setAttribute("height", String(h));
      if (reload && rel !== shownSrc) {
        shownSrc = rel;
        frame.setAttribute("src", rel);
      }
    }
    var reloadSoon = V.debounce(function () { update(true); }, 350);

    function showArea() {
      form.querySelectorAll("[data-area]").forEach(function (el) {
        el.hidden = el.getAttribute("data-area") !== area();
      });
    }

    form.addEventListener("input", function (e) {
      if (e.target.closest("[data-combobox]")) return;
      showArea();
      update(false);
      reloadSoon();
    });
    form.addEventListener("change", function (e) {
      if (e.target.closest("[data-combobox]")) return;
      showArea();
      update(false);
      reloadSoon();
    });
    form.addEventListener("submit", function (e) { e.preventDefault(); update(true); });

    var combo = form.querySelector("[data-combobox]");
    if (combo) {
      V.Combobox(combo, function (f) {
        actor.value = f.id;
        update(true);
      }, { onInput: function () { actor.value = ""; } });
    }

    // The preview says where its map is; the "current view" area follows it
    // without reloading the preview.
    window.addEventListener("message", function (e) {
      if (e.origin !== location.origin || e.source !== frame.contentWindow) return;
      var m = e.data || {};
      if (m.type !== "voisinage:view") return;
      form.elements.lat.value = m.lat;
      form.elements.lon.value = m.lon;
      form.elements.zoom.value = m.zoom;
      if (area() === "view") {
        update(false);
        shownSrc = link.getAttribute("href");
      }
    });

    showArea();
    update(false);
  });
})();
