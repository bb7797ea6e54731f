package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/voisinage/voisinage/web"
)

// The maps at every zoom, size and embed kind (issue 15), in Chromium with
// no base-map network: each view frames what it was asked for, stacked
// actors open as one marker, the bundled base stays readable zoomed in, the
// phone layout holds, swapped coordinates are pointed out, and the
// accessibility statement is there. Each check saves a screenshot at
// desktop (1280×900) and phone (390×844) size into $VOISINAGE_SCREENSHOTS.

type viewport struct {
	name  string
	w, h  int64
	phone bool
}

var viewports = []viewport{{"desktop", 1280, 900, false}, {"phone", 390, 844, true}}

// resize emulates the viewport (a phone: mobile, touch).
func (b *browser) resize(v viewport) {
	b.t.Helper()
	if v.phone {
		b.do(chromedp.EmulateViewport(v.w, v.h, chromedp.EmulateMobile))
	} else {
		b.do(chromedp.EmulateViewport(v.w, v.h))
	}
}

// at returns the browser on another server (same Chromium).
func (b *browser) at(base string) *browser {
	c := *b
	c.base = base
	return &c
}

// box is [west, south, east, north].
type box [4]float64

func parseBox(t *testing.T, s string) box {
	t.Helper()
	parts := strings.Split(s, ",")
	if len(parts) != 4 {
		t.Fatalf("bounds %q", s)
	}
	var b box
	for i, p := range parts {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil {
			t.Fatalf("bounds %q: %v", s, err)
		}
		b[i] = f
	}
	return b
}

func (b box) contains(lon, lat float64) bool {
	return lon >= b[0] && lon <= b[2] && lat >= b[1] && lat <= b[3]
}

// embedCase is one kind of embed and what its view must show.
type embedCase struct {
	name     string
	path     string
	points   [][2]float64 // [lon, lat] that must be in view
	maxWidth float64      // degrees of longitude the view may span at most (0: no bound)
	markers  int          // markers that must be drawn inside the map
}

func embedCases(t *testing.T, base string) []embedCase {
	epci := findActor(t, base, "kind=epci&department=88&q=epinal")
	return []embedCase{
		{"actor-radius", "/embed?actor=commune-88160&radius_km=20",
			[][2]float64{{6.45, 48.17}, {6.45 - 0.26, 48.17}, {6.45 + 0.26, 48.17}, {6.45, 48.17 - 0.17}, {6.45, 48.17 + 0.17}}, 1.6, 10},
		{"commune", "/embed?actor=commune-29019&view=both", [][2]float64{{-4.486, 48.39}}, 1.6, 5},
		{"epci", "/embed?actor=" + epci + "&view=both", [][2]float64{{6.453, 48.183}, {6.4397, 48.1976}}, 2.5, 5},
		{"departement", "/embed?department=88&view=both",
			[][2]float64{{6.453, 48.183}, {6.949, 48.284}, {5.696, 48.356}, {6.588, 48.018}}, 5, 5},
		{"region", "/embed?region=44&view=both", [][2]float64{{7.75, 48.58}, {4.03, 49.26}, {6.453, 48.183}}, 12, 2},
		{"tool", "/embed?tool=wiki&view=both", [][2]float64{{-4.486, 48.39}, {5.3777, 49.21}}, 0, 2},
		{"bbox", "/embed?bbox=6.3,48.1,6.6,48.3", [][2]float64{{6.3, 48.1}, {6.6, 48.3}, {6.45, 48.2}}, 1, 5},
	}
}

// markersInside counts the markers drawn within the map's box.
const markersInside = `(() => {
	const m = document.querySelector("[data-embed-map], [data-map]").getBoundingClientRect();
	return [...document.querySelectorAll(".actor-marker, .stack-marker, .cluster-marker")].filter(e => {
		const r = e.getBoundingClientRect();
		const x = r.left + r.width / 2, y = r.top + r.height / 2;
		return x >= m.left && x <= m.right && y >= m.top && y <= m.bottom;
	}).length;
})()`

func TestBrowserMaps(t *testing.T) {
	br := startBrowser(t)

	// The page a wait watches may be replaced by another while it waits (a
	// clicked link): the wait carries on on the new page.
	t.Run("WaitAcrossNavigation", func(t *testing.T) {
		b := br.tab(t)
		for range 3 {
			b.nav("/accessibilite")
			evalJS[chromedp.Void](b, `setTimeout(() => document.querySelector('a[href="/outils"]').click(), 30); 0`)
			b.wait(`location.pathname === "/outils" && document.readyState === "complete" && document.querySelector("h1")`)
			b.nav("/accessibilite")
			evalJS[chromedp.Void](b, `setTimeout(() => location.reload(), 30); 0`)
			b.wait(`performance.getEntriesByType("navigation")[0].type === "reload" && document.querySelector("h1")`)
		}
	})

	t.Run("EmbedFraming", func(t *testing.T) {
		b := br.tab(t)
		for _, v := range viewports {
			b.resize(v)
			for _, c := range embedCases(t, b.base) {
				b.nav(c.path)
				b.wait(`document.querySelector("[data-embed-map]") && document.querySelector("[data-embed-map]").dataset.framed === "1"`)
				first := parseBox(t, evalJS[string](b, `document.querySelector("[data-embed-map]").dataset.firstBounds`))
				b.wait(`document.querySelector("[data-embed-map]").dataset.state && document.querySelector("[data-embed-map]").dataset.state !== "error"`)
				b.wait(markersInside + ` >= ` + strconv.Itoa(c.markers))
				after := parseBox(t, evalJS[string](b, `document.querySelector("[data-embed-map]").dataset.bounds`))
				for _, when := range []struct {
					name string
					b    box
				}{{"before the data", first}, {"after the data", after}} {
					for _, p := range c.points {
						if !when.b.contains(p[0], p[1]) {
							t.Errorf("%s at %s, %s: %v is outside the view %v", c.name, v.name, when.name, p, when.b)
						}
					}
					if c.maxWidth > 0 && when.b[2]-when.b[0] > c.maxWidth {
						t.Errorf("%s at %s, %s: the view spans %.2f° of longitude, more than %.2f: not framed on what was asked",
							c.name, v.name, when.name, when.b[2]-when.b[0], c.maxWidth)
					}
				}
				if h := evalJS[float64](b, `document.querySelector(".leaflet-control-attribution").getBoundingClientRect().height`); v.phone && h > 24 {
					t.Errorf("%s at %s: the map's credits are %.0f px high: more than one line on a narrow map", c.name, v.name, h)
				}
				if txt := evalJS[string](b, `document.body.innerText`); strings.Contains(strings.ToLower(txt), "précisez") {
					t.Errorf("%s at %s: the page asks to choose an area although one was given", c.name, v.name)
				}
				b.shot("embed-" + c.name + "-" + v.name)
			}
		}
		// As small as a sidebar's iframe: everything, credits included,
		// within the frame.
		b.do(chromedp.EmulateViewport(300, 220))
		for _, c := range embedCases(t, b.base) {
			b.nav(c.path)
			b.wait(`document.querySelector("[data-embed-map]").dataset.framed === "1"`)
			if over := evalJS[float64](b, `Math.max(document.documentElement.scrollHeight - innerHeight, document.querySelector(".leaflet-control-attribution").getBoundingClientRect().bottom - innerHeight)`); over > 0.5 {
				t.Errorf("%s in 300×220: the page overflows the frame by %.0f px (the credits are cut)", c.name, over)
			}
		}
		b.resize(viewports[0])
	})

	t.Run("EmbedFramingFromAnotherOrigin", func(t *testing.T) {
		b := br.tab(t)
		cases := embedCases(t, b.base)
		host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			var frames strings.Builder
			for _, c := range cases {
				// Small iframes: the view must still hold what was asked.
				fmt.Fprintf(&frames, `<figure style="display:inline-block;margin:4px"><iframe src="%s%s" width="300" height="220" title="%s" style="border:1px solid #999"></iframe><figcaption>%s</figcaption></figure>`,
					b.base, c.path, c.name, c.name)
			}
			fmt.Fprintf(w, `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Site régional</title></head><body style="font-family:sans-serif;margin:1rem"><h1>Nos cartes</h1>%s</body></html>`, frames.String())
		}))
		defer host.Close()
		b.do(chromedp.Navigate(host.URL))
		for i, c := range cases {
			// The frame's view, once drawn, holds every point asked for.
			var inView []string
			for _, p := range c.points {
				inView = append(inView, fmt.Sprintf("b[0] <= %g && %g <= b[2] && b[1] <= %g && %g <= b[3]", p[0], p[0], p[1], p[1]))
			}
			expr := `(n => { const b = n.dataset.bounds.split(",").map(Number);
				return n.dataset.state && b.length === 4 && ` + strings.Join(inView, " && ") + `; })(document.querySelector("[data-embed-map]"))`
			if err := b.waitInFrame(i, expr); err != nil {
				b.rawShot("embed-other-origin-timeout")
				var got string
				if nodes := frameNodes(t, b, i, "[data-embed-map]"); len(nodes) == 1 {
					got = attr(nodes[0], "data-bounds")
				}
				t.Fatalf("%s in a 300×220 iframe of another site: view %q misses some of %v (%v)", c.name, got, c.points, err)
			}
		}
		b.shot("embed-kinds-other-origin-desktop")
	})

	t.Run("StackedMarkers", func(t *testing.T) {
		b := br.tab(t)
		for _, v := range viewports {
			b.resize(v)
			b.nav("/?lat=48.1733&lon=6.4497&zoom=13")
			sel := `[...document.querySelectorAll(".stack-marker")].find(e => (e.getAttribute("aria-label") || "").includes("Épinal"))`
			b.wait(sel)
			label := evalJS[string](b, sel+`.getAttribute("aria-label")`)
			if !strings.Contains(label, "acteurs à cet endroit") {
				t.Errorf("stack marker label = %q", label)
			}
			// The keyboard opens it and reaches every actor it holds.
			evalJS[chromedp.Void](b, sel+`.focus()`)
			b.keys(kb.Enter)
			b.wait(`document.querySelectorAll(".leaflet-popup .popup__stack li a").length >= 3`)
			names := evalJS[[]string](b, `[...document.querySelectorAll(".leaflet-popup .popup__stack li a")].map(a => a.textContent)`)
			want := map[string]bool{}
			for _, n := range names {
				want[n] = true
			}
			if !want["Épinal"] || len(names) < 3 {
				t.Errorf("the stack at Épinal lists %v", names)
			}
			if !evalJS[bool](b, `!!document.activeElement.closest(".leaflet-popup")`) {
				t.Error("opening the stack from the keyboard does not move the focus into its list")
			}
			b.wait(`getComputedStyle(document.querySelector(".leaflet-popup")).opacity === "1"`) // faded in
			b.shot("stacked-markers-" + v.name)
			b.keys(kb.Escape)
			b.wait(`!document.querySelector(".leaflet-popup")`)
			if !evalJS[bool](b, `document.activeElement.classList.contains("stack-marker")`) {
				t.Error("closing the stack's list does not give the focus back to its marker")
			}
		}
		b.resize(viewports[0])
	})

	t.Run("OfflineLabelsAtZoom12", func(t *testing.T) {
		// No tile server (the browser server), then the OpenStreetMap preset
		// with no network to reach it: the bundled base either way.
		osm := httptest.NewServer(mustServer(t, web.Config{Basemaps: []web.Basemap{web.BasemapPresets["osm"], web.BasemapPresets["ign"]}}, br))
		defer osm.Close()
		for _, srv := range []struct{ name, base string }{{"none", br.base}, {"osm-unreachable", osm.URL}} {
			b := br.tab(t).at(srv.base)
			for _, v := range viewports {
				b.resize(v)
				b.nav("/?lat=48.1733&lon=6.4497&zoom=12")
				b.wait(`+document.querySelector("[data-map]").dataset.labels >= 4`)
				b.wait(`document.querySelectorAll(".leaflet-outline-pane path").length > 50`)
				labels := evalJS[[]string](b, `[...document.querySelectorAll(".map-label")].map(e => e.textContent)`)
				if !contains(labels, "Épinal") || !contains(labels, "Golbey") {
					t.Errorf("%s at %s, zoom 12: labels %v lack Épinal or Golbey", srv.name, v.name, labels)
				}
				// Labels must not overlap one another.
				if n := evalJS[int](b, `(() => { const r = [...document.querySelectorAll(".map-label")].map(e => e.getBoundingClientRect()); let n = 0;
					for (let i = 0; i < r.length; i++) for (let j = i + 1; j < r.length; j++) { const a = r[i], c = r[j];
						if (a.left < c.right && c.left < a.right && a.top < c.bottom && c.top < a.bottom) n++; } return n; })()`); n > 0 {
					t.Errorf("%s at %s: %d pairs of labels overlap", srv.name, v.name, n)
				}
				// Nor a marker, a cluster or a count badge, nor the map's edge.
				if over := evalJS[[]string](b, `(() => { const map = document.querySelector("[data-map]").getBoundingClientRect();
					const m = [...document.querySelectorAll(".leaflet-marker-pane .leaflet-marker-icon, .leaflet-marker-pane .stack-marker__count")].map(e => e.getBoundingClientRect());
					const out = [];
					for (const e of document.querySelectorAll(".map-label")) { const a = e.getBoundingClientRect();
						if (e.scrollWidth > e.clientWidth + 1) out.push(e.textContent + " (wider than its box)");
						if (a.left < map.left || a.right > map.right || a.top < map.top || a.bottom > map.bottom) out.push(e.textContent + " (cut by the edge)");
						for (const c of m) if (a.left < c.right && c.left < a.right && a.top < c.bottom && c.top < a.bottom) { out.push(e.textContent); break; } }
					return out; })()`); len(over) > 0 {
					t.Errorf("%s at %s: labels over a marker or cut: %v", srv.name, v.name, over)
				}
				attr := evalJS[string](b, `document.querySelector(".leaflet-control-attribution").textContent`)
				if strings.Contains(attr, "OpenStreetMap") || strings.Contains(attr, "IGN –") {
					t.Errorf("%s at %s: attribution %q credits a base map none of whose tiles loaded", srv.name, v.name, attr)
				}
				if !strings.Contains(attr, "IGN via France GeoJSON") {
					t.Errorf("%s at %s: attribution %q does not credit the outlines drawn", srv.name, v.name, attr)
				}
				if got := evalJS[string](b, `document.querySelector("[data-map]").dataset.basemap`); got != "offline" {
					t.Errorf("%s at %s: data-basemap = %q", srv.name, v.name, got)
				}
				b.shot("offline-zoom12-" + srv.name + "-" + v.name)
			}
			b.resize(viewports[0])
		}
		// Zoomed out, the départements are named.
		b := br.tab(t)
		b.nav("/?lat=48.4&lon=6.2&zoom=8")
		b.wait(`[...document.querySelectorAll(".map-label--departement")].some(e => e.textContent === "Vosges")`)
		// Germany is land, named, and credited, not sea.
		b.wait(`document.querySelectorAll("path.outline-country").length >= 10 && [...document.querySelectorAll(".map-label--country")].some(e => e.textContent === "Allemagne")`)
		if !evalJS[bool](b, `(() => { const m = document.querySelector("[data-map]").getBoundingClientRect();
			const l = [...document.querySelectorAll(".map-label--country")].find(e => e.textContent === "Allemagne").getBoundingClientRect();
			return l.left > m.left + m.width / 2 && l.right <= m.right && [...document.querySelectorAll("path.outline-country")].some(p => {
				const r = p.getBoundingClientRect(); return r.left < l.left && r.right > l.right && r.top < l.top && r.bottom > l.bottom; }); })()`) {
			t.Error("at zoom 8 over the Vosges, Germany is not drawn east of the view with its name on it")
		}
		if attr := evalJS[string](b, `document.querySelector(".leaflet-control-attribution").textContent`); !strings.Contains(attr, "Natural Earth") {
			t.Errorf("attribution %q does not credit the neighbouring countries drawn", attr)
		}
		b.shot("offline-zoom8-desktop")
	})

	t.Run("TilesWhenReachable", func(t *testing.T) {
		// A tile server on this machine: its tiles replace the bundled base
		// and its attribution appears.
		tiles := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			img := image.NewRGBA(image.Rect(0, 0, 256, 256))
			for i := range img.Pix {
				img.Pix[i] = 0xee
			}
			img.Set(0, 0, color.Black)
			w.Header().Set("Content-Type", "image/png")
			png.Encode(w, img)
		}))
		defer tiles.Close()
		srv := httptest.NewServer(mustServer(t, web.Config{Basemaps: []web.Basemap{{ID: "test", Name: "Test", URL: tiles.URL + "/{z}/{x}/{y}.png", Attribution: "© Tuiles de test", MaxZoom: 19}}}, br))
		defer srv.Close()
		b := br.tab(t).at(srv.URL)
		b.nav("/?lat=48.1733&lon=6.4497&zoom=12")
		b.wait(`document.querySelector("[data-map]").dataset.basemap === "test"`)
		if attr := evalJS[string](b, `document.querySelector(".leaflet-control-attribution").textContent`); !strings.Contains(attr, "Tuiles de test") || strings.Contains(attr, "IGN via France GeoJSON") {
			t.Errorf("with tiles drawn, attribution = %q", attr)
		}
		if n := evalJS[int](b, `document.querySelectorAll(".map-label").length`); n != 0 {
			t.Errorf("with tiles drawn, %d bundled labels remain", n)
		}
	})

	t.Run("PhoneLayout", func(t *testing.T) {
		b := br.tab(t)
		b.resize(viewports[1])
		b.nav("/")
		b.wait(`document.querySelector("[data-map]").dataset.state`)
		if !evalJS[bool](b, `document.querySelector("#home-search").getBoundingClientRect().top < document.querySelector("[data-map]").getBoundingClientRect().top`) {
			t.Error("on a phone the search box is not above the map")
		}
		if evalJS[bool](b, `document.querySelector(".legend details").open`) {
			t.Error("on a phone the legend is open at first")
		}
		if h := evalJS[float64](b, `document.querySelector("[data-map]").getBoundingClientRect().height`); h < 400 {
			t.Errorf("on a phone the map is %.0f px high", h)
		}
		for _, v := range viewports {
			b.resize(v)
			for _, open := range []bool{false, true} {
				evalJS[chromedp.Void](b, `document.querySelector(".legend details").open = `+strconv.FormatBool(open)+`; 0`)
				if over := evalJS[string](b, `(() => {
					const a = document.querySelector(".leaflet-control-attribution").getBoundingClientRect();
					const l = document.querySelector(".legend").getBoundingClientRect();
					const m = document.querySelector("[data-map]").getBoundingClientRect();
					if (a.left < l.right && l.left < a.right && a.top < l.bottom && l.top < a.bottom) return "covers the attribution";
					if (innerWidth < 768 && m.left < l.right && l.left < m.right && m.top < l.bottom && l.top < m.bottom) return "covers the map";
					return "";
				})()`); over != "" {
					t.Errorf("at %s, the legend (open: %v) %s", v.name, open, over)
				}
			}
		}
		b.resize(viewports[1])
		evalJS[chromedp.Void](b, `document.querySelector(".legend details").open = false; 0`)
		// The credits keep to one line on a narrow map, and are written out
		// in full when one of their links has the focus or they are tapped.
		const credits = `document.querySelector(".leaflet-control-attribution")`
		b.wait(`document.querySelector("[data-map]").classList.contains("map--compact")`) // the map takes its new size on the next frame
		if h := evalJS[float64](b, credits+`.getBoundingClientRect().height`); h > 24 {
			t.Errorf("on a phone the map's credits are %.0f px high: more than one line", h)
		}
		evalJS[chromedp.Void](b, credits+`.querySelector("a").focus(); 0`)
		if !evalJS[bool](b, credits+`.scrollWidth <= `+credits+`.clientWidth && `+credits+`.getBoundingClientRect().height > 24`) {
			t.Error("on a phone the map's credits are not written out when their link has the focus")
		}
		evalJS[chromedp.Void](b, `document.activeElement.blur(); 0`)
		b.do(chromedp.Click(chromedp.CSS(".leaflet-control-attribution")))
		if !evalJS[bool](b, credits+`.getBoundingClientRect().height > 24`) {
			t.Error("on a phone a tap on the map's credits does not write them out")
		}
		b.do(chromedp.Click(chromedp.CSS(".leaflet-control-attribution")))
		b.shot("home-phone")
		for _, p := range []struct{ path, ready string }{
			{"/", `document.querySelector("[data-map]").dataset.state`},
			{"/?lat=48.1733&lon=6.4497&zoom=12", `document.querySelectorAll(".actor-marker").length > 0`},
			{"/voisins?actor=commune-88160&tool=wiki", `document.querySelectorAll(".leaflet-marker-icon").length > 0`},
			{"/acteurs/commune-88160", `document.querySelector("#actor-map .actor-marker")`},
			{"/outils/wiki", `document.querySelector("#tool-map .actor-marker")`},
			{"/outils", `true`},
			{"/integrer", `true`},
			{"/recherche?q=epinal", `true`},
			{"/accessibilite", `true`},
			{"/embed?department=88&view=both", `document.querySelector("[data-embed-map]").dataset.state`},
		} {
			b.nav(p.path)
			b.wait(p.ready)
			if w := evalJS[int](b, `document.documentElement.scrollWidth - window.innerWidth`); w > 0 {
				t.Errorf("%s on a phone scrolls %d px sideways", p.path, w)
			}
			small := evalJS[[]string](b, `[...document.querySelectorAll(".leaflet-control-zoom a, .leaflet-control-layers-toggle, .button, .main-nav a, select, input[type=text], input[type=search], .legend summary")]
				.filter(e => e.offsetParent !== null).map(e => [e, e.getBoundingClientRect()]).filter(([e, r]) => r.height < 43.5)
				.map(([e, r]) => (e.className || e.tagName) + " " + Math.round(r.width) + "×" + Math.round(r.height))`)
			if len(small) > 0 {
				t.Errorf("%s on a phone: controls under 44 px: %v", p.path, small)
			}
			b.axe(p.path + " (phone)")
			b.shot("phone" + strings.NewReplacer("/", "_", "?", "_", "&", "_", "=", "-").Replace(p.path))
		}
	})

	t.Run("SwappedCoordinates", func(t *testing.T) {
		resp, err := http.Get(br.base + "/api/nearby?lon=48.17&lat=6.45&limit=1")
		if err != nil {
			t.Fatal(err)
		}
		var fc struct{ Warnings []string }
		json.NewDecoder(resp.Body).Decode(&fc)
		resp.Body.Close()
		if len(fc.Warnings) != 1 || !strings.Contains(fc.Warnings[0], "swapped") {
			t.Fatalf("/api/nearby with swapped coordinates: warnings = %v", fc.Warnings)
		}
		b := br.tab(t)
		for _, v := range viewports {
			b.resize(v)
			b.nav("/voisins?lat=6.45&lon=48.17&tool=wiki")
			b.wait(`document.querySelector("[data-swapped]")`)
			msg := evalJS[string](b, `document.querySelector("[data-swapped]").textContent`)
			if !strings.Contains(msg, "inversées") {
				t.Errorf("the finder's warning says %q", msg)
			}
			b.shot("swapped-" + v.name)
		}
		b.resize(viewports[0])
		evalJS[chromedp.Void](b, `document.querySelector("[data-swapped] a").click()`)
		b.wait(`new URLSearchParams(location.search).get("lat") === "48.17000" && !document.querySelector("[data-swapped]") && document.querySelectorAll(".result").length > 0`)
	})

	t.Run("AccessibilityStatement", func(t *testing.T) {
		b := br.tab(t)
		b.nav("/outils")
		if href := evalJS[string](b, `document.querySelector("footer [data-statement-link]").getAttribute("href")`); href != "/accessibilite" {
			t.Fatalf("footer statement link = %q", href)
		}
		for _, v := range viewports {
			b.resize(v)
			for _, p := range []struct{ path, h1, status string }{
				{"/accessibilite", "Déclaration d'accessibilité", "non conforme"},
				{"/accessibility", "Accessibility statement", "not compliant"},
			} {
				b.nav(p.path)
				if h1 := evalJS[string](b, `document.querySelector("h1").textContent`); h1 != p.h1 {
					t.Errorf("%s h1 = %q", p.path, h1)
				}
				if s := evalJS[string](b, `document.querySelector("[data-conformance]").textContent`); !strings.Contains(s, p.status) {
					t.Errorf("%s conformance = %q", p.path, s)
				}
				if n := evalJS[int](b, `document.querySelectorAll("[data-nonconformities] li").length`); n < 3 {
					t.Errorf("%s lists %d known non-conformities", p.path, n)
				}
				if evalJS[string](b, `document.querySelector("[data-contact] a").getAttribute("href")`) == "" {
					t.Errorf("%s gives no contact", p.path)
				}
				b.axe(p.path + " at " + v.name)
				b.shot("statement" + strings.ReplaceAll(p.path, "/", "-") + "-" + v.name)
			}
		}
	})
}

// frameNodes returns the nodes matching sel in the i-th iframe's document.
func frameNodes(t *testing.T, b *browser, i int, sel string) []*chromedp.Node {
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("iframe"), chromedp.Populate(-1, true)))
	if err != nil || len(frames) <= i || frames[i].ContentDocument == nil {
		return nil
	}
	ctx2, cancel2 := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel2()
	nodes, err := chromedp.Run(ctx2, chromedp.Nodes(chromedp.CSSAll(sel), chromedp.FromNode(frames[i].ContentDocument), chromedp.AtLeast(0)))
	if err != nil {
		return nil
	}
	return nodes
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// attr returns a node's attribute value, "" when it has none.
func attr(n *chromedp.Node, name string) string {
	for i := 0; i+1 < len(n.Attributes); i += 2 {
		if n.Attributes[i] == name {
			return n.Attributes[i+1]
		}
	}
	return ""
}

// mustServer builds a server over the browser's directory.
func mustServer(t *testing.T, cfg web.Config, b *browser) *web.Server {
	t.Helper()
	srv, err := web.NewServer(cfg, b.dir)
	if err != nil {
		t.Fatal(err)
	}
	return srv
}
