package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"
)

// The accessibility statement ("déclaration d'accessibilité") that the
// RGAA asks every French public site to publish: its conformance level, the
// known non-conformities, how to reach someone and the remedies. It is at
// /accessibilite in French and /accessibility in English, linked from every
// footer. Config.AccessibilityContact gives the address to write to.

// statementPaths are the statement's address in each language.
var statementPaths = map[string]string{"fr": "/accessibilite", "en": "/accessibility"}

func (p *pages) registerStatementRoutes() {
	for lang, path := range statementPaths {
		p.s.get(path, p.handleStatement(lang))
	}
}

func (p *pages) handleStatement(lang string) gin.HandlerFunc {
	return func(c *gin.Context) {
		// The address says the language; ?lang= (the switch) still wins.
		cat := p.cats[lang]
		if l := c.Query("lang"); isLang(l) {
			cat = p.lang(c, true)
		}
		pg := p.newPage(c, cat, "statement", "", cat.T("a11y.title"))
		pg.AltURL = statementPaths[pg.AltLang]
		pg.Config = p.config(c, cat, nil)
		d := struct{ ContactMail, ContactHref string }{ContactHref: "/contribuer/signaler"}
		if ct := strings.TrimSpace(p.s.cfg.AccessibilityContact); ct != "" {
			if u := safeWebURL(ct); u != "" {
				d.ContactHref, d.ContactMail = u, u
			} else if strings.Contains(ct, "@") && !strings.ContainsAny(ct, "<>\"' ") {
				d.ContactHref, d.ContactMail = "mailto:"+url.PathEscape(ct), ct
			}
		}
		pg.Data = d
		p.render(c, http.StatusOK, "accessibility", pg)
	}
}
