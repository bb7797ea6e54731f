// combobox.js: search as you type over /api/search, following the WAI-ARIA
// 1.2 combobox pattern (list autocomplete): the input keeps the focus,
// arrows move through the suggestions (aria-activedescendant), Enter picks
// one, Escape closes; the number of suggestions is announced.
(function () {
  "use strict";
  var V = (window.V = window.V || {});

  // Combobox wires root ([data-combobox]); onSelect receives the chosen
  // search feature. opts.kind restricts the kinds searched.
  V.Combobox = function (root, onSelect, opts) {
    opts = opts || {};
    var input = root.querySelector("[role=combobox]");
    var listbox = root.querySelector("[role=listbox]");
    var status = root.querySelector("[data-combobox-status]");
    var items = [], active = -1, controller = null, lastQuery = "";

    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function setActive(i) {
      var opts = listbox.querySelectorAll("[role=option]");
      opts.forEach(function (o, j) { o.setAttribute("aria-selected", j === i ? "true" : "false"); });
      active = i;
      if (i >= 0 && opts[i]) {
        input.setAttribute("aria-activedescendant", opts[i].id);
        opts[i].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    // An Enter that chose must not also submit the form. Browsers send no
    // keypress after a keydown whose default was prevented, but some input
    // paths (automation, some assistive tools) still do: chose stays set
    // from the keydown that chose to the keypress of the same key. Each
    // keydown clears it first; no timer, whose turn could come before the
    // keypress's on a busy machine.
    var chose = false;
    function choose(i) {
      var f = items[i];
      if (!f) return;
      chose = true;
      input.value = f.properties.name;
      lastQuery = input.value;
      close();
      onSelect(f);
    }

    function render(features) {
      items = features;
      listbox.textContent = "";
      features.forEach(function (f, i) {
        var p = f.properties;
        var detail = V.t("kind." + p.kind);
        if (p.departement) detail += " · " + p.departement;
        if (!f.geometry) detail += " · " + V.t("precision.none");
        var li = V.el("li", { id: listbox.id + "-" + i, role: "option", "aria-selected": "false", className: "combobox__option" }, [
          V.shapeSVG ? V.shapeSVG(p.kind, V.isApproximate(p.precision), 14) : null,
          V.el("span", { className: "combobox__name", text: p.name }),
          V.el("span", { className: "combobox__detail", text: detail }),
        ]);
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { choose(i); });
        listbox.appendChild(li);
      });
      if (features.length) {
        listbox.hidden = false;
        input.setAttribute("aria-expanded", "true");
        status.textContent = features.length === 1 ? V.t("js.suggestionsOne") : V.t("js.suggestions", features.length);
      } else {
        close();
        status.textContent = V.t("js.noSuggestion");
      }
      active = -1;
    }

    var search = V.debounce(function () {
      var q = input.value.trim();
      if (q === lastQuery) return;
      lastQuery = q;
      if (controller) controller.abort();
      if (q.length < 2) { items = []; close(); return; }
      controller = new AbortController();
      var params = new URLSearchParams({ q: q, limit: "8" });
      if (opts.kind) params.set("kind", opts.kind);
      V.getJSON("/api/search?" + params.toString(), controller.signal).then(function (fc) {
        if (input.value.trim() !== q) return;
        render(fc.features || []);
        listbox.setAttribute("data-query", q); // which query the suggestions answer
      }).catch(function () {});
    }, 120);

    input.addEventListener("input", function () {
      if (opts.onInput) opts.onInput();
      search();
    });
    input.addEventListener("keydown", function (e) {
      chose = false;
      var open = !listbox.hidden;
      switch (e.key) {
        case "ArrowDown":
          e.preventDefault();
          if (!open && items.length) { listbox.hidden = false; input.setAttribute("aria-expanded", "true"); }
          if (items.length) setActive(active + 1 >= items.length ? 0 : active + 1);
          break;
        case "ArrowUp":
          e.preventDefault();
          if (!open && items.length) { listbox.hidden = false; input.setAttribute("aria-expanded", "true"); }
          if (items.length) setActive(active <= 0 ? items.length - 1 : active - 1);
          break;
        case "Enter":
          if (open && items.length) {
            e.preventDefault();
            choose(active >= 0 ? active : 0);
          }
          break;
        case "Escape":
          if (open) { e.preventDefault(); close(); }
          else if (input.value) { e.preventDefault(); input.value = ""; lastQuery = ""; items = []; }
          break;
        case "Tab":
          close();
          break;
      }
    });
    input.addEventListener("keypress", function (e) {
      if (e.key === "Enter" && chose) e.preventDefault();
    });
    input.addEventListener("blur", function () { setTimeout(close, 150); });
    return { input: input, close: close };
  };
})();
