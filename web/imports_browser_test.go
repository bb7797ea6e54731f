package web_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/voisinage/voisinage/directory"
)

// The official sync, the batch import and freshness in the browser: the
// provenance of an imported town hall on its page, a moderator reading the
// DILA report, previewing a batch with an ambiguous row, fixing it and
// importing it, a contributor confirming a stale fact "toujours
// d'actualité" and a moderator validating it in the queue of facts to
// check; each screen checked with axe.
func TestBrowserImportsAndFreshness(t *testing.T) {
	br := startBrowser(t)
	ctx := context.Background()
	d := br.dir
	if _, err := d.CreateUser(ctx, directory.Registration{Email: "mod-imports@region.example", DisplayName: "Modératrice imports",
		Password: "moderation-imports-2026"}, directory.RoleModerator); err != nil {
		t.Fatal(err)
	}
	if _, err := d.CreateUser(ctx, directory.Registration{Email: "agent@mairie.example", DisplayName: "Agent de mairie",
		Password: "contribution-imports-2026"}, directory.RoleContributor); err != nil {
		t.Fatal(err)
	}
	fixture, err := os.ReadFile(dilaFixture)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := d.ImportDILA(ctx, bytes.NewReader(fixture), directory.DILAOptions{FileName: "2026-11-18_053120-data.gouv_local.json"})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("ProvenanceOnTheActorPage", func(t *testing.T) {
		b := br.tab(t)
		b.nav("/acteurs/commune-74010")
		b.wait(`document.querySelector(".fact__said")`)
		if s := b.text(".fact__said"); !strings.Contains(s, "selon l'annuaire Service-Public.fr, 18 novembre 2026") {
			t.Errorf("provenance shown: %q", s)
		}
		if s := b.text("#contact-title + .facts"); !strings.Contains(s, "Lundi au vendredi : 8h30–17h30") || !strings.Contains(s, "04 50 00 00 20") {
			t.Errorf("contact shown: %q", s)
		}
		b.shot("actor-dila-desktop")
		b.do(chromedp.EmulateViewport(390, 844))
		b.shot("actor-dila-phone")
		b.do(chromedp.EmulateViewport(1280, 860))
		b.axe("/acteurs/commune-74010")
	})

	mod := br.session(t)
	mod.login("mod-imports@region.example", "moderation-imports-2026")

	t.Run("DILAReport", func(t *testing.T) {
		mod.nav("/moderation/imports")
		mod.wait(`document.querySelector("table")`)
		mod.axe("/moderation/imports")
		mod.submitted(`a[href="/moderation/imports/`+itoa(rep.RunID, "%d")+`"]`, `location.pathname.startsWith("/moderation/imports/")`)
		dd := func(label string) string {
			return evalJS[string](mod, `(() => { for (const dt of document.querySelectorAll("dt")) if (dt.textContent.trim() === `+
				jsString(label)+`) return dt.nextElementSibling.textContent.trim(); return ""; })()`)
		}
		if got := dd("Fiches lues"); got != "14" {
			t.Errorf("records read: %q", got)
		}
		if got := dd("Rapprochées d'un acteur"); got != "9" {
			t.Errorf("matched: %q", got)
		}
		if body := mod.text("main"); !strings.Contains(body, "Mairie - Seynod (fiche antérieure à la fusion)") {
			t.Errorf("the report page does not list the unmatched record")
		}
		mod.shot("dila-report")
		mod.axe("/moderation/imports/1")

		// On a phone the tables of runs and of a report fit the screen:
		// each row stacks its cells under their columns' names.
		mod.resize(viewports[1])
		mod.fitsWidth("/moderation/imports/" + itoa(rep.RunID, "%d") + " at 390 px")
		mod.shot("dila-report-phone")
		mod.nav("/moderation/imports")
		mod.wait(`document.querySelector("table")`)
		mod.fitsWidth("/moderation/imports at 390 px")
		if label := evalJS[string](mod, `getComputedStyle(document.querySelector("tbody td"), "::before").content`); !strings.Contains(label, "Import") {
			t.Errorf("a run's cell on a phone is not labelled with its column: %s", label)
		}
		mod.shot("imports-phone")
		mod.axe("/moderation/imports (phone)")
		mod.resize(viewports[0])
	})

	t.Run("BatchPreviewFixAndImport", func(t *testing.T) {
		mod.nav("/moderation/imports/adoptions")
		mod.wait(`document.querySelector("#batch-content")`)
		mod.axe("/moderation/imports/adoptions")
		mod.set("#batch-content", "nom;departement;outil;statut;usage\nSainte-Marie;;wiki;in_use;Wiki citoyen\nÉpinal;88;opendatasoft;planned;Portail open data\n")
		mod.submitted("#batch-preview", `document.querySelector("#batch-rows")`)
		if s := mod.text("#batch-summary"); !strings.Contains(s, "1 à importer") || !strings.Contains(s, "1 ambiguë") {
			t.Errorf("preview summary: %q", s)
		}
		if n := evalJS[int](mod, `document.querySelectorAll(".candidates li").length`); n < 5 {
			t.Errorf("the ambiguous row lists %d candidates", n)
		}
		if evalJS[bool](mod, `!!document.querySelector("#batch-submit")`) {
			t.Fatal("a batch with an ambiguous row can be submitted")
		}
		mod.shot("batch-preview-ambiguous")
		mod.axe("/moderation/imports/adoptions (preview)")
		mod.resize(viewports[1])
		mod.fitsWidth("the batch preview at 390 px")
		mod.shot("batch-preview-ambiguous-phone")
		mod.resize(viewports[0])
		// Fixed: La Réunion's Sainte-Marie.
		mod.set("#batch-content", "nom;departement;outil;statut;usage\nSainte-Marie;974;wiki;in_use;Wiki citoyen\nÉpinal;88;opendatasoft;planned;Portail open data\n")
		mod.submitted("#batch-preview", `document.querySelector("#batch-submit")`)
		mod.submitted("#batch-submit", `location.search.includes("fait=batchStored")`)
		if s := mod.text("#batch-state"); !strings.Contains(s, "appliqué aussitôt") {
			t.Errorf("a moderator's batch: %q", s)
		}
		mod.nav("/acteurs/commune-97418")
		if s := mod.text("#outils"); !strings.Contains(s, "Wiki citoyen") {
			t.Errorf("Sainte-Marie's tools after the batch: %q", s)
		}
	})

	t.Run("ConfirmStaleFact", func(t *testing.T) {
		agent := br.session(t)
		agent.login("agent@mairie.example", "contribution-imports-2026")
		agent.nav("/acteurs/commune-88160")
		agent.wait(`document.querySelector("#outils .tag--stale")`)
		agent.shot("actor-stale")
		agent.axe("/acteurs/commune-88160 (signed in)")
		agent.submitted(`#outils .confirm-form button`, `location.search.includes("fait=confirmPending")`)
		if s := agent.text(".flash, [role=status]"); !strings.Contains(s, "modérateur validera") {
			t.Errorf("flash after confirming: %q", s)
		}

		mod.nav("/moderation/a-verifier")
		mod.wait(`document.querySelector("[id^=confirmation-]")`)
		mod.axe("/moderation/a-verifier")
		mod.shot("stale-queue")
		mod.submitted(`[id^=confirmation-] button[value=approve]`, `location.search.includes("fait=confirmationApproved")`)
		mod.nav("/acteurs/commune-88160")
		if s := mod.text("#outils .fact__verified"); !strings.Contains(s, "confirmé le") || !strings.Contains(s, "Agent de mairie") {
			t.Errorf("the confirmed adoption: %q", s)
		}
	})

	// The adoption form takes the date the source gives: a fact of May
	// 2019 is shown as of then and « à vérifier »; one stated without a
	// date is as of today, and current.
	t.Run("AdoptionAsOfFromTheForm", func(t *testing.T) {
		adoption := func(tool string) string {
			return evalJS[string](mod, `(() => { for (const li of document.querySelectorAll("#outils li.adoption"))
				if (li.querySelector("h3 a[href='/outils/`+tool+`']")) return li.textContent.replace(/\s+/g, " "); return ""; })()`)
		}
		add := func(tool, asOf string) {
			mod.nav("/contribuer/acteurs/commune-88160/outils")
			mod.wait(`document.querySelector("#f-as_of")`)
			mod.set("#f-tool", tool)
			mod.set("#f-usage", "Ajouté depuis le formulaire")
			mod.set("#f-as_of", asOf)
			mod.submitted(`.contrib-form button[type=submit]`, `!location.pathname.endsWith("/outils")`)
		}
		add("youtube", "2019-05")
		add("blog", "")
		mod.nav("/acteurs/commune-88160")
		if s := adoption("youtube"); !strings.Contains(s, "En mai 2019") || !strings.Contains(s, "à vérifier") {
			t.Errorf("an adoption as of May 2019: %q", s)
		}
		if s := adoption("blog"); s == "" || strings.Contains(s, "à vérifier") {
			t.Errorf("an adoption stated today: %q", s)
		}
		mod.nav("/contribuer/acteurs/commune-88160/outils/youtube")
		if v := evalJS[string](mod, `document.querySelector("#f-as_of").value`); v != "2019-05" {
			t.Errorf("the correction form shows as_of %q", v)
		}
		mod.shot("adoption-as-of-form")
		mod.axe("/contribuer/acteurs/commune-88160/outils/youtube")
	})
}

// fitsWidth fails the test when the page, or a table in it, scrolls
// sideways. A phone's layout viewport widens to a page wider than the
// screen: the page is measured against the screen.
func (b *browser) fitsWidth(where string) {
	b.t.Helper()
	over := evalJS[[]string](b, `[document.documentElement, ...document.querySelectorAll(".table-wrap, table")]
		.filter(e => e.scrollWidth > (e === document.documentElement ? Math.min(innerWidth, screen.width) : e.clientWidth) + 1)
		.map(e => (e.id || e.className || e.tagName) + " " + e.scrollWidth + " px")`)
	if len(over) > 0 {
		b.t.Errorf("%s scrolls sideways: %v", where, over)
	}
}
