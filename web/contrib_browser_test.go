package web_test

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/voisinage/voisinage/directory"
)

// The contribution and moderation screens in the browser: a contributor
// registers and proposes a correction, a moderator approves it in the
// queue, places, duplicates, reports, conflicts, reverts, keyboard use,
// accessibility and injected scripts. The subtests share the server and
// run in order: later ones see what earlier ones did.

const (
	xssComment = `<img src=x onerror="window.__xss=4"><script>window.__xss=5</script>`
	modEmail   = "moderatrice@region.example"
	modPass    = "moderation-2026"
	contribPwd = "contribution-2026"
)

// waitFor waits for expr like wait, across the page being replaced by the
// next one while a form is sent.
func (b *browser) waitFor(expr string) { b.t.Helper(); b.wait(expr) }

// set gives a form field a value, as typing would (input events included).
func (b *browser) set(sel, value string) {
	b.t.Helper()
	evalJS[chromedp.Void](b, `(() => { const e = document.querySelector(`+jsString(sel)+`);
		if (!e) throw new Error("no `+strings.ReplaceAll(sel, `"`, `'`)+`");
		e.value = `+jsString(value)+`; e.dispatchEvent(new Event("input", {bubbles: true})); e.dispatchEvent(new Event("change", {bubbles: true})); })()`)
}

// click clicks an element with the mouse (a real click, not a script's).
func (b *browser) click(sel string) {
	b.t.Helper()
	b.do(chromedp.ScrollIntoView(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel)))
}

// submitted clicks a form's button (or a link) and waits for the next page.
func (b *browser) submitted(sel, until string) {
	b.t.Helper()
	evalJS[chromedp.Void](b, `window.__stay = 1`)
	b.click(sel)
	b.waitFor(`!window.__stay && document.readyState === "complete" && (` + until + `)`)
	b.noXSS(evalJS[string](b, `location.pathname`))
}

func (b *browser) text(sel string) string {
	b.t.Helper()
	return evalJS[string](b, `(document.querySelector(`+jsString(sel)+`) || {textContent: ""}).textContent.replace(/\s+/g, " ").trim()`)
}

// login logs in through the form.
func (b *browser) login(email, password string) {
	b.t.Helper()
	b.nav("/connexion")
	b.set("#f-email", email)
	b.set("#f-password", password)
	b.submitted(`.auth__form button[type=submit]`, `location.pathname === "/compte"`)
}

// proposalIDFromURL reads the id of the confirmation page /contribuer/merci/{id}.
func (b *browser) proposalIDFromURL() int64 {
	b.t.Helper()
	path := evalJS[string](b, `location.pathname`)
	id, err := strconv.ParseInt(strings.TrimPrefix(path, "/contribuer/merci/"), 10, 64)
	if err != nil {
		b.t.Fatalf("not on a confirmation page: %s", path)
	}
	return id
}

func contributionTests(t *testing.T, br *browser) {
	ctx := context.Background()
	d := br.dir
	mod, err := d.CreateUser(ctx, directory.Registration{Email: modEmail, DisplayName: "Marie (Région Grand Est)", Password: modPass}, directory.RoleModerator)
	if err != nil {
		t.Fatal(err)
	}
	// A second contributor, prepared directly, whose proposals carry
	// injected scripts (in a changed value, a comment and a discussion).
	other, err := d.CreateUser(ctx, directory.Registration{Email: "autre@example.org", DisplayName: `Paul <img src=x onerror="window.__xss=6">`,
		Password: contribPwd}, directory.RoleContributor)
	if err != nil {
		t.Fatal(err)
	}
	var junk []int64
	for _, id := range []string{"commune-88465", "commune-88209"} {
		a, err := d.FindActorByID(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		pr, err := d.ProposeEdit(ctx, other, directory.ProposalInput{TargetType: "actor", TargetID: id, Action: "update",
			BaseVersion: a.Version, Comment: xssComment,
			Changes: map[string]json.RawMessage{"description": mustJSONRaw(t, "Description "+xssComment)}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := d.CommentOn(ctx, mod, pr.ID, "Source ? "+xssComment); err != nil {
			t.Fatal(err)
		}
		junk = append(junk, pr.ID)
	}

	contributor := br.session(t)
	moderator := br.session(t)
	var correction int64

	t.Run("RegisterAndProposeCorrection", func(t *testing.T) {
		b := contributor
		b.t = t
		b.nav("/acteurs/commune-88160")
		b.submitted(`a[href^="/inscription"]`, `location.pathname === "/inscription"`)
		// A first try with mistakes shows each message next to its field.
		b.set("#f-email", "claire@")
		b.set("#f-display_name", "Claire, mairie d'Épinal")
		b.set("#f-password", "court")
		b.set("#f-password_confirm", "autre")
		b.submitted(`.auth__form button[type=submit]`, `document.querySelector(".error-summary")`)
		if n := evalJS[int](b, `document.querySelectorAll(".field__error").length`); n != 3 {
			t.Fatalf("%d field errors, want 3 (e-mail, password, confirmation)", n)
		}
		if got := evalJS[string](b, `document.activeElement.className`); !strings.Contains(got, "error-summary") {
			t.Errorf("focus is on %q, not the error summary", got)
		}
		if desc := evalJS[string](b, `document.getElementById("f-email").getAttribute("aria-describedby")`); !strings.Contains(desc, "f-email-error") {
			t.Errorf("the e-mail input is described by %q", desc)
		}
		b.shot("contrib-register-errors")
		b.set("#f-email", "claire@mairie-epinal.example")
		b.set("#f-password", contribPwd)
		b.set("#f-password_confirm", contribPwd)
		// Registering does not log in (the answer must not tell whether the
		// address was taken): the login page follows, the address filled in.
		b.submitted(`.auth__form button[type=submit]`, `location.pathname === "/connexion"`)
		if v := evalJS[string](b, `document.getElementById("f-email").value`); v != "claire@mairie-epinal.example" {
			t.Fatalf("the login page's e-mail = %q", v)
		}
		if !strings.Contains(b.text(".flash"), "votre compte est créé") {
			t.Fatalf("the notice after registering: %q", b.text(".flash"))
		}
		b.set("#f-password", contribPwd)
		b.submitted(`.auth__form button[type=submit]`, `location.pathname.startsWith("/acteurs/commune-88160")`)
		if !strings.Contains(b.text(".user-nav"), "Claire, mairie d'Épinal") {
			t.Fatalf("the header does not say who is logged in: %q", b.text(".user-nav"))
		}
		b.submitted(`a[href="/contribuer/acteurs/commune-88160/corriger"]`, `document.querySelector("#f-website")`)
		if !evalJS[bool](b, `!document.querySelector("#f-name") && document.querySelector(".official").textContent.includes("88160")`) {
			t.Error("the official fields of a commune are not read-only")
		}
		b.shot("contrib-correct-form")
		b.set("#f-website", "www.epinal.fr")
		b.submitted(`.contrib-form button[type=submit]`, `document.querySelector(".error-summary")`)
		if msg := b.text("#f-website-error"); !strings.Contains(msg, "https://") {
			t.Fatalf("website error = %q", msg)
		}
		b.shot("contrib-correct-error")
		b.set("#f-website", "https://www.epinal.fr")
		b.set("#f-source", "https://www.epinal.fr/mentions-legales")
		b.set("#f-comment", "Site officiel de la ville")
		b.submitted(`.contrib-form button[type=submit]`, `location.pathname.startsWith("/contribuer/merci/")`)
		correction = b.proposalIDFromURL()
		if h1 := b.text("h1"); !strings.Contains(h1, "en attente") {
			t.Fatalf("confirmation h1 = %q", h1)
		}
		b.shot("contrib-thanks-pending")
		b.submitted(`a[href="/compte/propositions"]`, `document.querySelector("#proposition-`+itoa(correction, "%d")+`")`)
		card := "#proposition-" + itoa(correction, "%d")
		if st := b.text(card + " .proposal__status .tag"); st != "en attente" {
			t.Fatalf("status in my proposals = %q", st)
		}
		if v := b.text(card + " .diff__new"); v != "https://www.epinal.fr" {
			t.Fatalf("proposed value = %q", v)
		}
		b.shot("contrib-my-proposals")
		// The public page still shows the old value.
		anon := br.session(t)
		anon.nav("/acteurs/commune-88160")
		if strings.Contains(anon.text("#contact-title + *"), "epinal.fr") {
			t.Fatal("the pending website is already public")
		}
	})

	t.Run("ModeratorApprovesAndBulkRejects", func(t *testing.T) {
		b := moderator
		b.t = t
		b.login(modEmail, modPass)
		if badge := b.text(".user-nav__mod .badge"); badge == "" || badge == "0" {
			t.Fatalf("the moderation link has no pending count (%q)", badge)
		}
		b.submitted(".user-nav__mod", `location.pathname === "/moderation" && document.querySelector(".proposal")`)
		card := "#proposition-" + itoa(correction, "%d")
		if v := b.text(card + " .diff__new"); v != "https://www.epinal.fr" {
			t.Fatalf("queue shows %q", v)
		}
		if !evalJS[bool](b, `document.querySelector("#proposition-`+itoa(junk[0], "%d")+` .proposal__comment").textContent.includes("<img src=x")`) {
			t.Error("the injected comment is not shown literally")
		}
		b.noXSS("moderation queue")
		b.shot("moderation-queue")
		b.set(card+" textarea[name=reason]", "Vérifié sur le site de la ville")
		b.submitted(card+` button[value=approve]`, `document.querySelector(".flash")`)
		if f := b.text(".flash"); !strings.Contains(f, "approuvée") {
			t.Fatalf("flash = %q", f)
		}
		// Bulk: both injected proposals rejected with one reason.
		for _, id := range junk {
			b.click("#select-" + itoa(id, "%d"))
		}
		b.set("#bulk-reason", "Description sans rapport avec la commune")
		b.shot("moderation-bulk-selected")
		b.submitted(`#bulk button[value=reject]`, `document.querySelector(".flash")`)
		if f := b.text(".flash"); !strings.Contains(f, "2 proposition(s) rejetée(s)") {
			t.Fatalf("flash = %q", f)
		}
		for _, id := range junk {
			pr, err := d.FindProposalByID(ctx, mod, id)
			if err != nil || pr.Status != "rejected" || pr.Reason != "Description sans rapport avec la commune" {
				t.Fatalf("proposal %d: %v %+v", id, err, pr)
			}
		}
		b.nav("/acteurs/commune-88160")
		if !evalJS[bool](b, `!!document.querySelector('a[href="https://www.epinal.fr"]')`) {
			t.Fatal("the approved website is not on the public page")
		}
		row := evalJS[string](b, `[...document.querySelectorAll("#historique .diff__row")].map(r => r.textContent.replace(/\s+/g, " ").trim()).join(" | ")`)
		if !strings.Contains(row, "Site web") || !strings.Contains(row, "https://www.epinal.fr") {
			t.Fatalf("history rows = %q", row)
		}
		b.do(chromedp.ScrollIntoView(chromedp.CSS("#historique")))
		b.shot("actor-history")
		// The author sees the fate.
		c := contributor
		c.t = t
		c.nav("/compte/propositions")
		if st := c.text("#proposition-" + itoa(correction, "%d") + " .fate"); !strings.Contains(st, "Approuvée par un modérateur") || !strings.Contains(st, "Vérifié sur le site") {
			t.Fatalf("fate = %q", st)
		}
	})

	t.Run("StaleVersionConflict", func(t *testing.T) {
		b := contributor
		b.t = t
		b.nav("/contribuer/acteurs/commune-88160/corriger")
		b.set("#f-phone", "03 29 68 50 00")
		// Meanwhile a moderator saves another number.
		a, _ := d.FindActorByID(ctx, "commune-88160")
		if _, err := d.ProposeEdit(ctx, mod, directory.ProposalInput{TargetType: "actor", TargetID: a.ID, Action: "update",
			BaseVersion: a.Version, Changes: map[string]json.RawMessage{"phone": mustJSONRaw(t, "03 29 00 00 00")}}); err != nil {
			t.Fatal(err)
		}
		b.submitted(`.contrib-form button[type=submit]`, `document.querySelector(".conflict")`)
		vals := b.text("#f-phone-conflict .conflict__values")
		if !strings.Contains(vals, "03 29 68 50 00") || !strings.Contains(vals, "03 29 00 00 00") {
			t.Fatalf("conflict shows %q", vals)
		}
		if v := evalJS[string](b, `document.querySelector("input[name=base_version]").value`); v != strconv.Itoa(a.Version+1) {
			t.Fatalf("the form now starts from version %s, want %d", v, a.Version+1)
		}
		b.shot("contrib-conflict")
		// "Take the current value" fills the field; keeping mine proposes it again.
		b.click("#f-phone-take")
		if v := evalJS[string](b, `document.getElementById("f-phone").value`); v != "03 29 00 00 00" {
			t.Fatalf("take current: field = %q", v)
		}
		b.click("#f-phone-keep")
		b.submitted(`.contrib-form button[type=submit]`, `location.pathname.startsWith("/contribuer/merci/")`)
		pr, err := d.FindProposalByID(ctx, mod, b.proposalIDFromURL())
		if err != nil || pr.Status != "pending" || pr.BaseVersion != a.Version+1 {
			t.Fatalf("re-proposal: %v %+v", err, pr)
		}
	})

	t.Run("PlaceUnlocatedCommune", func(t *testing.T) {
		b := contributor
		b.t = t
		b.nav("/acteurs/commune-29083")
		b.submitted(`a[href="/contribuer/acteurs/commune-29083/placer"]`, `window.V && V.pickerMap && document.querySelector("#place-map .leaflet-outline-pane path")`)
		b.shot("place-sein-start")
		// Zoom to the island and click the town hall.
		evalJS[chromedp.Void](b, `void V.pickerMap.setView([48.0375, -4.8512], 15, {animate: false})`)
		b.do(chromedp.ScrollIntoView(chromedp.CSS("#place-map")))
		xy := evalJS[[]float64](b, `(() => { const r = document.getElementById("place-map").getBoundingClientRect();
			const p = V.pickerMap.latLngToContainerPoint([48.0375, -4.8512]); return [r.left + p.x, r.top + p.y]; })()`)
		b.do(chromedp.MouseClickXY(xy[0], xy[1]))
		b.waitFor(`document.getElementById("f-lat").value !== ""`)
		lat, _ := strconv.ParseFloat(strings.Replace(evalJS[string](b, `document.getElementById("f-lat").value`), ",", ".", 1), 64)
		lon, _ := strconv.ParseFloat(strings.Replace(evalJS[string](b, `document.getElementById("f-lon").value`), ",", ".", 1), 64)
		if abs(lat-48.0375) > 0.001 || abs(lon+4.8512) > 0.001 {
			t.Fatalf("the click gave %v, %v", lat, lon)
		}
		if st := b.text("[data-place-status]"); !strings.Contains(st, "Position choisie") {
			t.Errorf("status = %q", st)
		}
		b.set("#f-comment", "Mairie, quai des Français libres")
		b.shot("place-sein-picked")
		b.submitted(`.place-form button[type=submit]`, `location.pathname.startsWith("/contribuer/merci/")`)
		id := b.proposalIDFromURL()
		m := moderator
		m.t = t
		m.nav("/moderation")
		card := "#proposition-" + itoa(id, "%d")
		m.waitFor(`document.querySelector("` + card + ` .diff-map .pick-marker")`)
		m.do(chromedp.ScrollIntoView(chromedp.CSS(card)))
		m.shot("moderation-place")
		m.submitted(card+` button[value=approve]`, `document.querySelector(".flash")`)
		m.nav("/acteurs/commune-29083")
		m.waitFor(`document.querySelector("#actor-map .actor-marker")`)
		if !strings.Contains(m.text(".actor-grid__side"), "placée par un contributeur") {
			t.Fatalf("location = %q", m.text(".actor-grid__side"))
		}
	})

	t.Run("DuplicateActorWarning", func(t *testing.T) {
		b := contributor
		b.t = t
		b.nav("/contribuer/nouvel-acteur")
		b.set("#f-kind", "association")
		b.set("#f-name", "Villes Internet")
		b.waitFor(`!document.querySelector("[data-dup-live]").hidden`)
		if !strings.Contains(b.text("[data-dup-live]"), "Villes Internet") {
			t.Fatalf("live duplicates = %q", b.text("[data-dup-live]"))
		}
		b.shot("contrib-new-actor-duplicates-live")
		b.set("#f-source", "https://www.villes-internet.net")
		b.submitted(`.contrib-form button[type=submit]`, `document.querySelector(".duplicates[tabindex]")`)
		if !strings.Contains(b.text(".duplicates[tabindex]"), "Villes Internet") || !evalJS[bool](b, `!!document.getElementById("confirm-duplicates")`) {
			t.Fatal("the server does not list the duplicate with a confirmation")
		}
		b.shot("contrib-new-actor-duplicates")
	})

	t.Run("AnonymousReport", func(t *testing.T) {
		b := br.session(t)
		b.nav("/acteurs/commune-88160")
		b.submitted(`.page-head__actions a[href^="/contribuer/signaler"]`, `location.pathname === "/contribuer/signaler"`)
		if !strings.Contains(b.text(".contrib-form"), "anonyme") {
			t.Errorf("the form does not say the report is anonymous: %q", b.text("main"))
		}
		b.click("#f-reason-outdated")
		b.set("#f-comment", "Le numéro a changé "+xssComment)
		b.shot("report-form")
		b.submitted(`.contrib-form button[type=submit]`, `location.pathname === "/contribuer/signalement-envoye"`)
		m := moderator
		m.t = t
		m.nav("/moderation/signalements")
		if !strings.Contains(m.text(".report"), "Signalement anonyme") || !strings.Contains(m.text(".report"), "<img src=x") {
			t.Fatalf("report = %q", m.text(".report"))
		}
		m.noXSS("reports")
		m.shot("moderation-reports")
		m.set(".report textarea[name=note]", "Numéro vérifié")
		m.submitted(`.report button[value=resolved]`, `document.querySelector(".flash")`)
		if !strings.Contains(m.text(".flash"), "traité") {
			t.Fatalf("flash = %q", m.text(".flash"))
		}
	})

	t.Run("CommunityVote", func(t *testing.T) {
		pr, err := d.ProposeEdit(ctx, other, directory.ProposalInput{TargetType: "actor", TargetID: "commune-88209", Action: "update",
			BaseVersion: mustVersion(t, d, "commune-88209"), Changes: map[string]json.RawMessage{"website": mustJSONRaw(t, "https://www.golbey.fr")}})
		if err != nil {
			t.Fatal(err)
		}
		b := contributor
		b.t = t
		b.nav("/propositions")
		card := "#proposition-" + itoa(pr.ID, "%d")
		b.waitFor(`document.querySelector("` + card + `")`)
		b.submitted(card+` button[value="1"]`, `document.querySelector(".flash")`)
		if p := evalJS[string](b, `document.querySelector("`+card+` button[value='1']").getAttribute("aria-pressed")`); p != "true" {
			t.Fatalf("vote for: aria-pressed = %q", p)
		}
		b.shot("community-vote")
	})

	t.Run("KeyboardCorrection", func(t *testing.T) {
		b := contributor
		b.t = t
		b.nav("/contribuer/acteurs/commune-88465/corriger")
		reached := false
		for i := 0; i < 40 && !reached; i++ {
			b.keys(kb.Tab)
			reached = evalJS[string](b, `document.activeElement.id`) == "f-website"
		}
		if !reached {
			t.Fatal("Tab never reaches the website field")
		}
		if style := evalJS[string](b, `getComputedStyle(document.activeElement).outlineStyle`); style == "none" {
			t.Error("the focused field has no visible focus outline")
		}
		for _, r := range "https://www.thaon-les-vosges.fr" {
			b.keys(string(r))
		}
		onSubmit := false
		for i := 0; i < 30 && !onSubmit; i++ {
			b.keys(kb.Tab)
			onSubmit = evalJS[bool](b, `document.activeElement.type === "submit"`)
		}
		if !onSubmit {
			t.Fatal("Tab never reaches the submit button")
		}
		evalJS[chromedp.Void](b, `window.__stay = 1`)
		b.keys(kb.Enter)
		b.waitFor(`!window.__stay && location.pathname.startsWith("/contribuer/merci/")`)
		pr, err := d.FindProposalByID(ctx, mod, b.proposalIDFromURL())
		if err != nil || string(pr.Changes["website"].New) != `"https://www.thaon-les-vosges.fr"` {
			t.Fatalf("keyboard proposal: %v %+v", err, pr)
		}
	})

	t.Run("RevertFromHistory", func(t *testing.T) {
		b := moderator
		b.t = t
		b.nav("/acteurs/commune-88160#historique")
		before := mustVersion(t, d, "commune-88160")
		b.click(`#version-1 .revert summary`)
		// The reason is required: the page says so next to the field.
		b.submitted(`#version-1 .revert__form button`, `document.querySelector("#version-1 .field__error")`)
		b.shot("history-revert-error")
		b.set("#revert-reason-1", "Retour aux données d'origine")
		b.submitted(`#version-1 .revert__form button`, `document.querySelector(".flash")`)
		if f := b.text(".flash"); !strings.Contains(f, "version "+strconv.Itoa(before+1)) {
			t.Fatalf("flash = %q", f)
		}
		if evalJS[bool](b, `!!document.querySelector('a[href="https://www.epinal.fr"]')`) {
			t.Fatal("the reverted website is still shown")
		}
		if !strings.Contains(b.text("#version-"+strconv.Itoa(before+1)), "Retour aux données d'origine") {
			t.Error("the revert's reason is not in the history")
		}
		b.shot("history-reverted")
	})

	t.Run("ContribNoScriptInjection", func(t *testing.T) {
		b := moderator
		b.t = t
		b.do(chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, page.SetBypassCSP, page.SetBypassCSPParams{Enabled: true})
			return err
		}))
		pr, err := d.ProposeEdit(ctx, other, directory.ProposalInput{TargetType: "adoption", TargetID: "adoption-" + xssActor + "-wiki",
			Action: "update", BaseVersion: 1, Comment: xssComment,
			Changes: map[string]json.RawMessage{"usage": mustJSONRaw(t, "Wiki "+xssComment)}})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/moderation", "/moderation?statut=tous&auteur=" + itoa(other.ID, "%d"), "/propositions",
			"/moderation/signalements?statut=resolved", "/contribuer/acteurs/" + xssActor + "/corriger",
			"/contribuer/acteurs/" + xssActor + "/outils", "/contribuer/acteurs/" + xssActor + "/outils/wiki",
			"/contribuer/signaler?acteur=" + xssActor, "/acteurs/commune-88465", "/contribuer/merci/" + itoa(pr.ID, "%d")} {
			b.nav(p)
			b.waitFor(`document.readyState === "complete"`)
			b.noXSS(p)
		}
		if !evalJS[bool](b, `document.body.textContent.includes("window.__xss=4")`) {
			t.Error("the confirmation does not show the injected comment literally")
		}
	})

	t.Run("ContribAccessibility", func(t *testing.T) {
		b := moderator
		b.t = t
		for _, p := range []struct{ path, ready, shot string }{
			{"/moderation", `document.querySelector(".proposal")`, ""},
			{"/moderation/signalements?statut=resolved", `true`, ""},
			{"/propositions", `true`, "community"},
			{"/compte", `true`, "account"},
			{"/acteurs/commune-88160", `document.querySelector("#actor-map .actor-marker")`, ""},
			{"/contribuer/acteurs/commune-88160/corriger", `true`, ""},
			{"/contribuer/acteurs/commune-29083/placer", `document.querySelector("#place-map .leaflet-outline-pane path")`, ""},
			{"/contribuer/acteurs/" + xssActor + "/outils/wiki", `true`, "adoption-edit"},
			{"/contribuer/nouvel-acteur", `document.querySelector("#picker-map .leaflet-outline-pane path")`, ""},
			{"/contribuer/outils/wiki/corriger", `true`, "tool-correct"},
			{"/contribuer/acteurs/association-villes-internet/supprimer", `true`, "delete-actor"},
		} {
			b.nav(p.path)
			b.waitFor(p.ready)
			b.axe(p.path)
			if p.shot != "" {
				b.shot(p.shot)
			}
		}
		anon := br.session(t)
		for _, p := range []string{"/connexion", "/inscription", "/contribuer/signaler?outil=wiki"} {
			anon.nav(p)
			anon.axe(p)
		}
		// A form with errors.
		b.nav("/contribuer/nouvel-outil")
		b.submitted(`.contrib-form button[type=submit]`, `document.querySelector(".error-summary")`)
		b.axe("tool form with errors")
		b.shot("contrib-tool-errors")
	})
}

func mustJSONRaw(t *testing.T, v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustVersion(t *testing.T, d *directory.Directory, id string) int {
	a, err := d.FindActorByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return a.Version
}
