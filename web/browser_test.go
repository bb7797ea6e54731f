package web_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
	"github.com/voisinage/voisinage/web"
)

// The browser tests drive the real pages in Debian's headless Chromium
// (make test installs it; a missing browser fails the tests, it does not skip
// them) over the real seeded database, with no tile server, as on a machine
// with no network. One actor's name carries an injected script; every page
// visit checks that it never runs.

const chromiumPath = "/usr/bin/chromium"

// xssName is the injected name of Bras-sur-Meuse (a wiki adopter near Épinal,
// so it shows up on the map, in searches, the finder, the wiki page and embeds).
const (
	xssActor = "commune-55073"
	xssName  = `Bras-sur-Meuse <img src=x onerror="window.__xss=1"><script>window.__xss=2</script>`
	xssUsage = `<img src=x onerror="window.__xss=3">`
)

//go:embed testdata/axe.min.js
var axeSource string

// browser is one tab on the test server, with helpers.
type browser struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string
	dir   *directory.Directory // the server's, to prepare accounts and data
}

// startBrowser starts the server (over a seeded copy with the injected name)
// and Chromium; both stop when t ends.
func startBrowser(t *testing.T) *browser {
	t.Helper()
	return startBrowserWith(t, web.Config{TileURL: ""})
}

// startBrowserWith is startBrowser with the server's configuration.
func startBrowserWith(t *testing.T, cfg web.Config) *browser {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("Chromium is needed for the browser tests: %v (make test installs Debian's chromium)", err)
	}
	path := directorytest.SeededPath(t)
	db, err := directory.OpenSQL(path, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`UPDATE actors SET name = '` + strings.ReplaceAll(xssName, "'", "''") + `' WHERE id = '` + xssActor + `'`,
		`UPDATE adoptions SET usage = usage || ' ` + xssUsage + `' WHERE actor_id = '` + xssActor + `'`,
	} {
		if res, err := db.Exec(q); err != nil {
			t.Fatal(err)
		} else if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("%s: %d rows", q, n)
		}
	}
	db.Close()
	store, err := directory.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	dir, err := directory.New(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := web.NewServer(cfg, dir)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.NoSandbox,
		chromedp.Headless,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("lang", "fr-FR"),
		chromedp.Flag("accept-lang", "fr-FR,fr"),
		chromedp.WindowSize(1280, 860),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	shots := os.Getenv("VOISINAGE_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, ctx: ctx, base: ts.URL, shots: shots, dir: dir}
}

// tab returns the browser in a new tab for subtest t (closed when t ends).
func (b *browser) tab(t *testing.T) *browser {
	ctx, cancel := chromedp.NewContext(b.ctx)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 860)); err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, ctx: ctx, base: b.base, shots: b.shots, dir: b.dir}
}

// session returns a tab in a browser context of its own (its own cookies:
// one person logged in), closed when t ends.
func (b *browser) session(t *testing.T) *browser {
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 860)); err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, ctx: ctx, base: b.base, shots: b.shots, dir: b.dir}
}

func (b *browser) do(actions ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		b.t.Fatalf("browser: %v", err)
	}
}

// nav opens path and checks that no injected script ran.
func (b *browser) nav(path string) {
	b.t.Helper()
	b.do(chromedp.Navigate(b.base + path))
	b.noXSS(path)
}

func (b *browser) noXSS(where string) {
	b.t.Helper()
	if v := evalJS[string](b, `String(window.__xss)`); v != "undefined" {
		b.t.Fatalf("%s: an injected script ran (window.__xss = %s)", where, v)
	}
	if n := evalJS[int](b, `document.querySelectorAll('img[src="x"], script:not([src]):not([type])').length`); n != 0 {
		b.t.Fatalf("%s: %d injected elements are in the DOM", where, n)
	}
}

// evalJS evaluates expr in the page and decodes its value.
func evalJS[T any](b *browser, expr string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("evaluate %.80s: %v", expr, err)
	}
	return v
}

// wait waits until expr is true in the page. The page itself watches expr
// (after every task of its event loop that may change it: a DOM mutation,
// or a timer tick for state outside the DOM) and resolves a promise when it
// holds, so the test neither sleeps nor decides on time; an exception
// thrown by expr counts as false (an element not there yet). A navigation
// that replaces the page while it waits (a clicked link, a sent form)
// loses the promise: the wait starts again on the next page, until the
// deadline. chromedp's Poll would do the watching but compiles its
// predicate with new Function, which the pages' CSP forbids; Evaluate is
// not bound by it.
func (b *browser) wait(expr string) {
	b.t.Helper()
	watch := watchJS(expr)
	ctx, cancel := context.WithTimeout(b.ctx, 15*time.Second)
	defer cancel()
	for {
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](watch, chromedp.EvalAwaitPromise))
		if err == nil {
			return
		}
		if ctx.Err() == nil && navigated(err) {
			continue // the page was replaced while it was watched: watch the new one
		}
		b.rawShot("timeout-" + strings.NewReplacer("/", "_", " ", "_").Replace(b.t.Name()))
		b.t.Fatalf("waiting for %s: %v", expr, err)
	}
}

// watchJS is a promise that resolves when expr holds in the document it
// runs in (see wait).
func watchJS(expr string) string {
	return `new Promise(resolve => {
		const holds = () => { try { return !!(` + expr + `); } catch (e) { return false; } };
		if (holds()) return resolve(true);
		let done = false, timer = 0;
		const obs = new MutationObserver(check);
		function check() {
			if (done || !holds()) return;
			done = true; obs.disconnect(); clearInterval(timer); resolve(true);
		}
		obs.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
		timer = setInterval(check, 25);
	})`
}

// waitInFrame waits until expr is true in the document of the page's i-th
// iframe, which may be of another origin, whose document the page's own
// scripts cannot read: the watch of wait runs in a world of the test's
// inside that frame (it shares the frame's DOM, not its scripts). A frame
// that loads another document while watched (about:blank, then the embed)
// is watched again, until the deadline; the error says what was awaited.
func (b *browser) waitInFrame(i int, expr string) error {
	b.t.Helper()
	b.wait(`document.querySelectorAll("iframe").length > ` + strconv.Itoa(i))
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	yes := true
	for {
		frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll("iframe"), chromedp.AtLeast(0)))
		if err != nil || len(frames) <= i || frames[i].FrameID == "" {
			return fmt.Errorf("iframe %d: %d frames, %v", i, len(frames), err)
		}
		world, err := chromedp.Call(ctx, page.CreateIsolatedWorld, page.CreateIsolatedWorldParams{FrameID: frames[i].FrameID, WorldName: "voisinage-test"})
		if err != nil {
			return fmt.Errorf("iframe %d: %v", i, err)
		}
		res, err := chromedp.Call(ctx, runtime.Evaluate, runtime.EvaluateParams{Expression: watchJS(expr),
			ContextID: world.ExecutionContextID, AwaitPromise: &yes, ReturnByValue: &yes})
		switch {
		case err == nil && res.ExceptionDetails == nil:
			return nil
		case err == nil:
			return fmt.Errorf("waiting in iframe %d for %s: %s", i, expr, res.ExceptionDetails.Text)
		case ctx.Err() == nil && navigated(err):
			continue // the frame loaded another document while watched: watch the new one
		default:
			return fmt.Errorf("waiting in iframe %d for %s: %v", i, expr, err)
		}
	}
}

// navigated reports whether err says that the page an evaluation ran in
// went away (navigated, reloaded, closed) before it answered.
func navigated(err error) bool {
	msg := err.Error()
	for _, s := range []string{"navigated or closed", "Execution context was destroyed", "Cannot find context with specified id", "context with specified id"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// shot saves a screenshot of the whole page as name.png, once the names
// the maps' bundled base draws are placed (they make way for the markers)
// and the popups open have faded in.
func (b *browser) shot(name string) {
	b.t.Helper()
	b.wait(`!document.querySelector("[data-labels-state=pending]") &&
		![...document.querySelectorAll(".leaflet-popup")].some(p => getComputedStyle(p).opacity !== "1")`)
	b.rawShot(name)
}

// rawShot saves a screenshot of the page as it is.
func (b *browser) rawShot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(b.shots, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
	b.t.Logf("screenshot: %s", path)
}

func (b *browser) keys(k string) { b.t.Helper(); b.do(chromedp.KeyEvent(k)) }

// axe runs axe-core on the page and fails on serious or critical violations.
func (b *browser) axe(name string) {
	b.t.Helper()
	evalJS[chromedp.Void](b, axeSource+";0")
	raw := evalJS[string](b, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then(r => JSON.stringify(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": " + n.failureSummary)}))))`)
	var violations []struct {
		ID, Impact, Help string
		Nodes            []string
	}
	if err := json.Unmarshal([]byte(raw), &violations); err != nil {
		b.t.Fatal(err)
	}
	for _, v := range violations {
		msg := fmt.Sprintf("%s: axe %s (%s): %s\n\t%s", name, v.ID, v.Impact, v.Help, strings.Join(v.Nodes, "\n\t"))
		if v.Impact == "serious" || v.Impact == "critical" {
			b.t.Error(msg)
		} else {
			b.t.Log(msg)
		}
	}
}

// query returns the page URL's query.
func (b *browser) query() url.Values {
	u, err := url.Parse(evalJS[string](b, `location.href`))
	if err != nil {
		b.t.Fatal(err)
	}
	return u.Query()
}

func TestBrowser(t *testing.T) {
	if _, err := exec.LookPath(chromiumPath); err != nil {
		t.Fatalf("Chromium is needed for the browser tests: %v (make test installs Debian's chromium)", err)
	}
	br := startBrowser(t)

	t.Run("MapShowsActors", func(t *testing.T) {
		b := br.tab(t)
		b.nav("/")
		b.wait(`document.querySelector("[data-map]").dataset.state`)
		b.wait(`document.querySelectorAll(".leaflet-outline-pane path").length > 0`)
		if n := evalJS[int](b, `document.querySelectorAll(".legend__list li").length`); n < 7 {
			t.Fatalf("legend has %d entries", n)
		}
		// All of France: server clusters.
		b.wait(`document.querySelectorAll(".cluster-marker").length > 0`)
		b.shot("home-france")
		evalJS[chromedp.Void](b, `document.querySelector(".cluster-marker").click()`)
		b.wait(`document.querySelector("[data-map]").dataset.state && +new URLSearchParams(location.search).get("zoom") > 6`)
		// Zoomed in: actors one by one.
		b.nav("/?lat=48.1733&lon=6.4497&zoom=12")
		b.wait(`document.querySelectorAll(".actor-marker").length > 10`)
		b.wait(`document.querySelectorAll("[data-inview-list] li").length > 10`)
		if n := evalJS[int](b, `document.querySelectorAll(".actor-marker--approx, .stack-marker--approx").length`); n == 0 {
			t.Error("no approximate point is drawn as such near Épinal")
		}
		if label := evalJS[string](b, `document.querySelector(".actor-marker").getAttribute("aria-label")`); label == "" {
			t.Error("actor markers have no accessible name")
		}
		b.shot("home-epinal")
		// A popup, built from DOM nodes: name, kind, link to the page.
		// Épinal shares its point with its EPCI, the département and the
		// préfecture: one marker lists them.
		evalJS[chromedp.Void](b, `[...document.querySelectorAll('.stack-marker')].find(e => e.getAttribute("aria-label").includes("Épinal")).click()`)
		b.wait(`document.querySelector(".leaflet-popup-content .popup__stack a")`)
		if !evalJS[bool](b, `[...document.querySelectorAll(".leaflet-popup-content .popup__stack a")].some(a => a.getAttribute("href") === "/acteurs/commune-88160")`) {
			t.Error("the popup at Épinal does not link to Épinal's page")
		}
		b.shot("home-popup")
	})

	t.Run("SearchSelectsEpinal", func(t *testing.T) {
		b := br.tab(t)
		b.nav("/")
		b.wait(`document.querySelector("[data-map]").dataset.state`)
		b.do(chromedp.SendKeys(chromedp.CSS("#home-search"), "epinal"))
		b.wait(`document.querySelector("#home-search-listbox").dataset.query === "epinal"`)
		if first := evalJS[string](b, `document.querySelector("#home-search-listbox [role=option] .combobox__name").textContent`); first != "Épinal" {
			t.Fatalf("first suggestion for epinal = %q", first)
		}
		b.shot("search-suggestions")
		b.do(chromedp.Click(chromedp.CSS("#home-search-listbox [role=option]")))
		b.wait(`new URLSearchParams(location.search).get("sel") === "commune-88160"`)
		q := b.query()
		lat, _ := strconv.ParseFloat(q.Get("lat"), 64)
		lon, _ := strconv.ParseFloat(q.Get("lon"), 64)
		zoom, _ := strconv.Atoi(q.Get("zoom"))
		if abs(lat-48.183) > 0.01 || abs(lon-6.453) > 0.01 || zoom < 13 {
			t.Fatalf("map is at %v, %v zoom %d, not on Épinal", lat, lon, zoom)
		}
		b.wait(`document.querySelector(".leaflet-popup-content") && document.querySelector(".leaflet-popup-content").textContent.includes("Épinal")`)
		b.wait(`document.querySelectorAll(".actor-marker").length > 5 && document.querySelector("[data-map-hint]").textContent === ""`)
		b.wait(`getComputedStyle(document.querySelector(".leaflet-popup")).opacity === "1"`) // the popup has faded in
		b.shot("search-epinal")
	})

	// The map's search box finds by official code and forgives a typo,
	// best match first.
	t.Run("SearchByCodeAndTypo", func(t *testing.T) {
		b := br.tab(t)
		b.nav("/")
		b.wait(`document.querySelector("[data-map]").dataset.state`)
		for _, c := range []struct{ q, first string }{
			{"88160", "Épinal"},     // INSEE code
			{"218801603", "Épinal"}, // SIREN
			{"88000", "Épinal"},     // postal code: Épinal and the other communes that share it
			{"brset", "Brest"},      // two letters swapped
			{"epinall", "Épinal"},   // a letter too many
		} {
			evalJS[chromedp.Void](b, `(() => { const i = document.getElementById("home-search"); i.value = ""; i.focus(); })()`)
			b.do(chromedp.SendKeys(chromedp.CSS("#home-search"), c.q))
			b.wait(`document.querySelector("#home-search-listbox").dataset.query === ` + strconv.Quote(c.q))
			if first := evalJS[string](b, `document.querySelector("#home-search-listbox [role=option] .combobox__name").textContent`); first != c.first {
				t.Errorf("first suggestion for %s = %q, want %q", c.q, first, c.first)
			}
			if c.q == "88000" {
				if n := evalJS[int](b, `document.querySelectorAll("#home-search-listbox [role=option]").length`); n != 8 {
					t.Errorf("88000: %d suggestions, want 8 (the box shows 8 of the 9 communes)", n)
				}
				b.shot("search-postal-code")
			}
		}
	})

	t.Run("KeyboardSearch", func(t *testing.T) {
		b := br.tab(t)
		b.nav("/")
		b.wait(`document.querySelector("[data-map]").dataset.state`)
		reached := false
		for i := 0; i < 15 && !reached; i++ {
			b.keys(kb.Tab)
			reached = evalJS[string](b, `document.activeElement.id`) == "home-search"
		}
		if !reached {
			t.Fatal("Tab never reaches the search box")
		}
		if style := evalJS[string](b, `getComputedStyle(document.activeElement).outlineStyle`); style == "none" {
			t.Error("the focused search box has no visible focus outline")
		}
		for _, r := range "brest" {
			b.keys(string(r))
		}
		b.wait(`document.querySelector("#home-search-listbox").dataset.query === "brest" && document.querySelectorAll("#home-search-listbox [role=option]").length > 1 && document.querySelector("#home-search").getAttribute("aria-expanded") === "true"`)
		b.keys(kb.ArrowDown)
		b.keys(kb.ArrowDown)
		if id := evalJS[string](b, `document.querySelector("#home-search").getAttribute("aria-activedescendant")`); id != "home-search-listbox-1" {
			t.Fatalf("after two arrows down, active option = %q", id)
		}
		if sel := evalJS[string](b, `document.getElementById("home-search-listbox-1").getAttribute("aria-selected")`); sel != "true" {
			t.Fatalf("second option aria-selected = %q", sel)
		}
		b.keys(kb.ArrowUp)
		want := evalJS[string](b, `document.getElementById("home-search-listbox-0").querySelector(".combobox__name").textContent`)
		b.shot("keyboard-suggestions")
		b.keys(kb.Enter)
		b.wait(`new URLSearchParams(location.search).get("sel")`)
		if got := evalJS[string](b, `document.querySelector("#home-search").value`); got != want {
			t.Fatalf("Enter chose %q, want the active option %q", got, want)
		}
		if evalJS[string](b, `document.activeElement.id`) != "home-search" {
			t.Error("focus left the search box after choosing")
		}
	})

	t.Run("FiltersInURLAndBackButton", func(t *testing.T) {
		b := br.tab(t)
		b.nav("/?lat=48.1733&lon=6.4497&zoom=8")
		b.wait(`document.querySelector("[data-map]").dataset.state`)
		evalJS[chromedp.Void](b, `(() => { const s = document.getElementById("f-tool"); s.value = "wiki"; s.dispatchEvent(new Event("change", {bubbles: true})); })()`)
		b.wait(`new URLSearchParams(location.search).get("tool") === "wiki"`)
		b.wait(`document.querySelectorAll(".actor-marker").length > 0`)
		evalJS[chromedp.Void](b, `history.back()`)
		b.wait(`!new URLSearchParams(location.search).get("tool") && document.getElementById("f-tool").value === ""`)
		// The permalink restores the filter.
		b.nav("/?tool=wiki&lat=48.5&lon=2.5&zoom=6")
		if v := evalJS[string](b, `document.getElementById("f-tool").value`); v != "wiki" {
			t.Fatalf("tool filter from the URL = %q", v)
		}
	})

	t.Run("PeerFinder", func(t *testing.T) {
		b := br.tab(t)
		b.nav("/voisins")
		b.do(chromedp.SendKeys(chromedp.CSS("#origin"), "Épinal"))
		b.wait(`document.querySelector("#origin-listbox").dataset.query === "Épinal"`)
		evalJS[chromedp.Void](b, `(() => { const s = document.getElementById("n-tool"); s.value = "wiki"; })()`)
		b.do(chromedp.Click(chromedp.CSS("#origin-listbox [role=option]")))
		b.wait(`location.search.includes("actor=commune-88160") && document.querySelectorAll(".result").length > 0`)
		b.noXSS("finder results")
		q := b.query()
		if q.Get("tool") != "wiki" || q.Get("origin_q") != "" {
			t.Fatalf("finder URL query = %v", q)
		}
		n := evalJS[int](b, `document.querySelectorAll(".result").length`)
		if n < 2 {
			t.Fatalf("%d wiki adopters near Épinal", n)
		}
		dists := evalJS[[]string](b, `[...document.querySelectorAll(".result__distance")].map(e => e.textContent)`)
		re := regexp.MustCompile(`^\d+(,\d)?\x{a0}km$`)
		last := -1.0
		for _, d := range dists {
			if !re.MatchString(d) {
				t.Fatalf("distance %q is not in French format", d)
			}
			v, _ := strconv.ParseFloat(strings.ReplaceAll(strings.TrimSuffix(d, "\u00a0km"), ",", "."), 64)
			if v < last {
				t.Fatalf("distances not ascending: %v", dists)
			}
			last = v
		}
		first := evalJS[string](b, `document.querySelector(".result__name a").textContent`)
		if first != xssName {
			t.Fatalf("nearest wiki adopter = %q, want the injected name shown literally", first)
		}
		if !evalJS[bool](b, `document.querySelector(".result").textContent.includes("Brasiwiki")`) {
			t.Error("the result does not show how the tool is used")
		}
		b.wait(`document.querySelectorAll(".leaflet-marker-icon").length >= 3`)
		share := evalJS[string](b, `document.querySelector("[data-share-url]").value`)
		if !strings.Contains(share, "/voisins?") || !strings.Contains(share, "actor=commune-88160") || !strings.Contains(share, "tool=wiki") {
			t.Fatalf("share link = %q", share)
		}
		b.shot("peer-finder")
	})

	t.Run("ActorAndToolPages", func(t *testing.T) {
		b := br.tab(t)
		b.nav("/acteurs/commune-88160")
		if h1 := evalJS[string](b, `document.querySelector("h1").textContent`); h1 != "Épinal" {
			t.Fatalf("h1 = %q", h1)
		}
		if !evalJS[bool](b, `document.body.textContent.includes("88160") && !!document.querySelector('a[href="/acteurs/epci-200068757"]')`) {
			t.Error("actor page lacks its INSEE code or its EPCI link")
		}
		b.wait(`document.querySelectorAll("#actor-map .actor-marker").length > 1`)
		if !evalJS[bool](b, `!!document.querySelector('a[href="/contribuer/acteurs/commune-88160/corriger"]') && !!document.querySelector('a[href^="/contribuer/signaler"]')`) {
			t.Error("no correction or report link")
		}
		b.shot("actor-epinal")
		approx := findActor(t, b.base, "precision=postal_area&department=88")
		b.nav("/acteurs/" + approx)
		b.wait(`document.querySelector("#actor-map .actor-marker--approx") && document.querySelector('a[href$="/placer"]')`)
		b.shot("actor-approximate")
		b.nav("/acteurs/" + xssActor)
		if h1 := evalJS[string](b, `document.querySelector("h1").textContent`); h1 != xssName {
			t.Fatalf("h1 = %q", h1)
		}
		b.nav("/outils/wiki")
		if n := evalJS[int](b, `document.querySelectorAll(".adopter").length`); n != 3 {
			t.Fatalf("wiki has %d adopters listed", n)
		}
		b.wait(`document.querySelectorAll("#tool-map .actor-marker").length >= 2`)
		b.shot("tool-wiki")
		b.nav("/outils")
		if n := evalJS[int](b, `document.querySelectorAll(".theme-section").length`); n != 8 {
			t.Fatalf("catalogue has %d theme sections", n)
		}
		b.shot("tools")
	})

	t.Run("EmbedFromAnotherOrigin", func(t *testing.T) {
		b := br.tab(t)
		b.nav("/integrer")
		evalJS[chromedp.Void](b, `(() => {
			const s = document.getElementById("b-tool"); s.value = "wiki"; s.dispatchEvent(new Event("change", {bubbles: true}));
			const r = document.getElementById("b-view-both"); r.checked = true; r.dispatchEvent(new Event("change", {bubbles: true}));
		})()`)
		b.wait(`document.querySelector("[data-builder-code]").value.includes("tool=wiki") && document.querySelector("[data-builder-code]").value.includes("view=both")`)
		b.wait(`document.getElementById("b-preview").getAttribute("src").includes("tool=wiki")`)
		snippet := evalJS[string](b, `document.querySelector("[data-builder-code]").value`)
		if !strings.HasPrefix(snippet, `<iframe src="`+b.base+`/embed?`) {
			t.Fatalf("snippet = %q", snippet)
		}
		// The preview (same origin) has drawn its map and list.
		b.wait(`(d => d && d.querySelectorAll(".actor-marker").length >= 2 && d.querySelectorAll(".embed-item").length >= 2)(document.getElementById("b-preview").contentDocument)`)
		b.shot("builder")

		// A page of another origin pastes the snippet.
		host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, `<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8"><title>Site régional</title></head>
<body style="font-family:sans-serif;margin:2rem"><h1>Les communes qui utilisent un wiki</h1>%s<p>Texte après la carte.</p></body></html>`, snippet)
		}))
		defer host.Close()
		if strings.Split(host.URL, ":")[2] == strings.Split(b.base, ":")[2] {
			t.Fatal("the host page must be on another origin")
		}
		b.do(chromedp.Navigate(host.URL))
		// Wiki is in use in Brest and Bras-sur-Meuse (Mégalis only plans it).
		if err := b.waitInFrame(0, `document.querySelectorAll(".embed-item").length >= 2 && document.querySelectorAll(".actor-marker").length >= 2`); err != nil {
			b.rawShot("embed-host-timeout")
			frame := iframeNode(t, b)
			t.Fatalf("the embed shows %d listed actors and %d markers: %v", inFrame(t, b, frame, ".embed-item"), inFrame(t, b, frame, ".actor-marker"), err)
		}
		b.shot("embed-other-origin")
	})

	t.Run("NoScriptInjection", func(t *testing.T) {
		b := br.tab(t)
		// Without the CSP's protection, so that the test shows that names are
		// escaped and popups built as text, not merely that CSP blocks them.
		b.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
			return err
		}))
		b.nav("/")
		b.wait(`document.querySelector("[data-map]").dataset.state`)
		b.do(chromedp.SendKeys(chromedp.CSS("#home-search"), "bras-sur-m"))
		b.wait(`[...document.querySelectorAll("#home-search-listbox .combobox__name")].some(e => e.textContent === ` + jsString(xssName) + `)`)
		b.noXSS("search suggestions")
		b.nav("/?lat=49.21&lon=5.3777&zoom=13")
		b.wait(`document.querySelector('.actor-marker[aria-label^="Bras-sur-Meuse <img"]')`)
		evalJS[chromedp.Void](b, `document.querySelector('.actor-marker[aria-label^="Bras-sur-Meuse <img"]').click()`)
		b.wait(`document.querySelector(".leaflet-popup-content .popup__title")`)
		if title := evalJS[string](b, `document.querySelector(".leaflet-popup-content .popup__title").textContent`); title != xssName {
			t.Fatalf("popup title = %q", title)
		}
		b.wait(`[...document.querySelectorAll("[data-inview-list] .actor-item__name")].some(e => e.textContent === ` + jsString(xssName) + `)`)
		b.noXSS("map popup and list")
		b.shot("xss-popup")
		for _, p := range []string{"/voisins?actor=commune-88160&tool=wiki", "/outils/wiki", "/acteurs/" + xssActor,
			"/recherche?q=bras", "/acteurs/epci-200049187", "/embed?tool=wiki&view=both"} {
			b.nav(p)
			b.wait(`document.readyState === "complete"`)
			if !evalJS[bool](b, `document.body.textContent.includes(`+jsString(xssName)+`)`) {
				t.Errorf("%s does not show the name literally", p)
			}
			b.noXSS(p)
		}
		b.wait(`document.querySelector('.actor-marker[aria-label^="Bras-sur-Meuse <img"]')`)
		evalJS[chromedp.Void](b, `document.querySelector('.actor-marker[aria-label^="Bras-sur-Meuse <img"]').click()`)
		b.wait(`document.querySelector(".leaflet-popup-content .popup__title")`)
		b.noXSS("embed popup")
		b.shot("xss-embed")
	})

	t.Run("English", func(t *testing.T) {
		b := br.tab(t)
		b.nav("/?lang=en")
		if lang := evalJS[string](b, `document.documentElement.lang`); lang != "en" {
			t.Fatalf("?lang=en gives lang=%q", lang)
		}
		if nav := evalJS[string](b, `document.querySelector(".main-nav a").textContent`); nav != "Map" {
			t.Fatalf("nav = %q", nav)
		}
		b.wait(`document.querySelector("[data-inview-status]").textContent !== "Loading the map…"`)
		b.shot("home-en")
		b.nav("/outils") // the choice is remembered
		if h1 := evalJS[string](b, `document.querySelector("h1").textContent`); h1 != "Tool catalogue" {
			t.Fatalf("after ?lang=en, /outils h1 = %q", h1)
		}
		b.nav("/voisins?actor=commune-88160&tool=wiki")
		if d := evalJS[string](b, `document.querySelector(".result__distance").textContent`); !regexp.MustCompile(`^\d+(\.\d)?\x{a0}km$`).MatchString(d) {
			t.Fatalf("English distance = %q", d)
		}
		b.nav("/?lang=fr")
		if lang := evalJS[string](b, `document.documentElement.lang`); lang != "fr" {
			t.Fatalf("?lang=fr gives lang=%q", lang)
		}
	})

	t.Run("Accessibility", func(t *testing.T) {
		b := br.tab(t)
		for _, p := range []struct{ path, ready string }{
			{"/", `document.querySelector("[data-map]").dataset.state`},
			{"/?lat=48.1733&lon=6.4497&zoom=12", `document.querySelectorAll(".actor-marker").length > 0`},
			{"/voisins?actor=commune-88160&tool=wiki", `document.querySelectorAll(".leaflet-marker-icon").length > 0`},
			{"/acteurs/commune-88160", `document.querySelector("#actor-map .actor-marker")`},
			{"/acteurs/epci-200068757", `true`},
			{"/outils", `true`},
			{"/outils/wiki", `document.querySelector("#tool-map .actor-marker")`},
			{"/integrer", `true`},
			{"/recherche?q=epinal", `true`},
			{"/embed?tool=wiki&view=both", `document.querySelector(".actor-marker")`},
			{"/acteurs/nope", `true`},
			// A browser gets error pages, not JSON, from the API too.
			{"/api/nulle-part", `document.contentType == "text/html" && document.querySelector("main h1") !== null`},
			{"/api/collections/actors/items?bogus=1", `document.contentType == "text/html" && document.querySelector("main h1") !== null`},
		} {
			b.nav(p.path)
			b.wait(p.ready)
			b.axe(p.path)
		}
	})

	// The contribution and moderation screens (contrib_browser_test.go).
	contributionTests(t, br)
}

// findActor returns the id of an actor matching the items query.
func findActor(t *testing.T, base, query string) string {
	resp, err := http.Get(base + "/api/collections/actors/items?limit=1&" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var fc featureCollection
	if err := json.NewDecoder(resp.Body).Decode(&fc); err != nil || len(fc.Features) == 0 {
		t.Fatalf("no actor for %s: %v", query, err)
	}
	return fc.Features[0].ID
}

// iframeNode returns the page's iframe node with its content document.
func iframeNode(t *testing.T, b *browser) *chromedp.Node {
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("iframe"), chromedp.Populate(-1, true)))
	if err != nil || len(nodes) == 0 {
		t.Fatalf("iframe: %v", err)
	}
	return nodes[0]
}

// inFrame counts the elements matching sel in the iframe's document.
func inFrame(t *testing.T, b *browser, frame *chromedp.Node, sel string) int {
	if frame.ContentDocument == nil {
		return 0
	}
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSSAll(sel), chromedp.FromNode(frame.ContentDocument), chromedp.AtLeast(0)))
	if err != nil {
		return 0
	}
	return len(nodes)
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}
