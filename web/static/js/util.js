// util.js: helpers shared by every page script. Nothing here builds HTML
// from strings: text always goes through textContent, so that a name typed
// by a contributor can never run as code.
(function () {
  "use strict";
  var V = (window.V = window.V || {});
  document.documentElement.classList.add("js");

  var cfg = null;
  // config returns the page's JSON configuration block.
  V.config = function () {
    if (!cfg) {
      var el = document.getElementById("config");
      cfg = el ? JSON.parse(el.textContent || "{}") || {} : {};
      cfg.strings = cfg.strings || {};
    }
    return cfg;
  };

  // t returns the translated string for key, {0}, {1}… replaced by args.
  V.t = function (key) {
    var s = V.config().strings[key];
    if (s === undefined) s = key;
    for (var i = 1; i < arguments.length; i++) {
      s = s.split("{" + (i - 1) + "}").join(String(arguments[i]));
    }
    return s;
  };

  // el builds an element: attrs are set as attributes (className and text
  // are special), children are nodes or strings (made text nodes).
  V.el = function (tag, attrs, children) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === undefined || v === null || v === false) return;
        if (k === "className") e.className = v;
        else if (k === "text") e.textContent = v;
        else e.setAttribute(k, v === true ? "" : String(v));
      });
    }
    (children || []).forEach(function (c) {
      if (c === null || c === undefined) return;
      e.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return e;
  };

  V.actorURL = function (id) {
    return "/acteurs/" + encodeURIComponent(id);
  };

  var nf = {};
  function numberFormat(digits) {
    var k = digits;
    if (!nf[k]) nf[k] = new Intl.NumberFormat(V.config().lang || "fr", { maximumFractionDigits: digits, minimumFractionDigits: digits });
    return nf[k];
  }
  V.fmtInt = function (n) {
    return numberFormat(0).format(n);
  };
  // fmtKm formats metres as kilometres the way the language writes them ("12,3 km").
  V.fmtKm = function (m) {
    var km = m / 1000;
    return (km >= 100 ? numberFormat(0) : numberFormat(1)).format(km) + "\u00a0km";
  };

  V.debounce = function (fn, ms) {
    var timer = null;
    return function () {
      var args = arguments, self = this;
      clearTimeout(timer);
      timer = setTimeout(function () { fn.apply(self, args); }, ms);
    };
  };

  // getJSON fetches url; it rejects with an Error carrying the HTTP status.
  V.getJSON = function (url, signal) {
    return fetch(url, { signal: signal, headers: { Accept: "application/geo+json, application/json" } }).then(function (r) {
      if (!r.ok) {
        var err = new Error("HTTP " + r.status);
        err.status = r.status;
        throw err;
      }
      return r.json();
    });
  };

  V.isApproximate = function (precision) {
    return precision === "postal_area" || precision === "epci_area";
  };

  // copyButtons wires the buttons with data-copy="#target": they copy the
  // target's value and say so.
  V.copyButtons = function () {
    document.querySelectorAll("[data-copy]").forEach(function (b) {
      var target = document.querySelector(b.getAttribute("data-copy"));
      if (!target) return;
      b.hidden = false;
      var label = b.textContent;
      b.addEventListener("click", function () {
        var done = function () {
          b.textContent = V.t("js.copied");
          setTimeout(function () { b.textContent = label; }, 2000);
        };
        target.select();
        if (navigator.clipboard && navigator.clipboard.writeText) {
          navigator.clipboard.writeText(target.value).then(done, function () {
            document.execCommand("copy");
            done();
          });
        } else {
          document.execCommand("copy");
          done();
        }
      });
    });
  };

  // onPage runs fn once the document is parsed, on the pages named.
  V.onPage = function (names, fn) {
    var run = function () {
      if (names.indexOf(document.body.getAttribute("data-page")) >= 0) fn();
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
    else run();
  };
})();
