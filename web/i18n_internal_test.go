package web

import (
	"testing"
	"time"

	"github.com/voisinage/voisinage/directory"
)

// French writes the first day of a month "1er" ("1er décembre 2026"),
// English "December 1, 2026"; in dates of moments and of sources alike.
func TestDatesFirstOfMonth(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	fr, en := cats["fr"], cats["en"]
	first := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, c := range []struct{ got, want string }{
		{fr.Date(first), "1er décembre 2026"},
		{fr.Date(first.AddDate(0, 0, 1)), "2 décembre 2026"},
		{en.Date(first), "December 1, 2026"},
		{fr.SourceDate("2026-12-01"), "1er décembre 2026"},
		{fr.SourceDate("2016-02-25"), "25 février 2016"},
		{en.SourceDate("2026-12-01"), "December 1, 2026"},
		{fr.AsOf("2026-12-01"), "le 1er décembre 2026"},
		{fr.AsOf("2026-12-02"), "le 2 décembre 2026"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// A cause wrapped in another message (a batch's line that cannot be
// applied) is said in the page's language, by its key, as a clause: no
// English inside a French sentence.
func TestWrappedReasonTranslated(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	args := directory.Args{"line": 3, "reason": "tool is required: the tool's slug (see /api/tools) or its name",
		"reason_key": "batch.tool_required", "reason_args": directory.Args(nil)}
	for lang, want := range map[string]string{
		"fr": "Ligne 3\u00a0: l'outil est obligatoire\u00a0: son identifiant (voir /api/tools) ou son nom\u00a0; rien n'a été enregistré.",
		"en": "Line 3: the tool is required: its slug (see /api/tools) or its name; nothing was stored.",
	} {
		if got := cats[lang].keyed("batch.line", args, "line 3: tool is required…"); got != want {
			t.Errorf("%s: got %q, want %q", lang, got, want)
		}
	}
	if got := clause("SIREN inconnu."); got != "SIREN inconnu" {
		t.Errorf("clause lower-cased an acronym: %q", got)
	}
}

// A fact whose source is missing, or cannot be named (only a quote), reads
// as a sentence, not "En 2009, selon" with nothing after; a provenance
// without a date has no dangling comma.
func TestProvenanceWithoutSource(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	fr, en := cats["fr"], cats["en"]
	quoteOnly := []directory.Source{{Quote: "La commune utilise un wiki.", Year: 2009}}
	paperblog := []directory.Source{{Publication: "Paperblog", Date: "2009"}}
	for _, c := range []struct{ got, want string }{
		{fr.Provenance("2009", nil), "En 2009, sans source citée"},
		{en.Provenance("2009", nil), "In 2009, with no source cited"},
		{fr.Provenance("2009", quoteOnly), "En 2009, sans source citée"},
		{en.Provenance("2009", quoteOnly), "In 2009, with no source cited"},
		{fr.Provenance("", quoteOnly), ""},
		{fr.Provenance("2009", paperblog), "En 2009, selon Paperblog"},
		{en.Provenance("", paperblog), "According to Paperblog (undated source)"},
		{provenanceSaid(fr, directory.Provenance{Source: directory.SourceDILA + "123"}), "selon l'annuaire Service-Public.fr"},
		{provenanceSaid(en, directory.Provenance{Source: directory.SourceDILA + "123"}), "according to the Service-Public.fr directory"},
		{provenanceSaid(fr, directory.Provenance{AsOf: "2024"}), "sans source citée, 2024"},
		{provenanceSaid(en, directory.Provenance{AsOf: "2024"}), "no source cited, 2024"},
		{provenanceSaid(fr, directory.Provenance{}), ""},
		{provenanceSaid(fr, directory.Provenance{Source: directory.SourceDILA + "123", AsOf: "2026-11-18"}), "selon l'annuaire Service-Public.fr, 18 novembre 2026"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

// A run's duration is written as people write it, not as Go prints it.
func TestTook(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	fr, en := cats["fr"], cats["en"]
	for _, c := range []struct{ got, want string }{
		{fr.Took("12ms"), "12\u00a0ms"},
		{fr.Took("3.24s"), "3,2\u00a0s"},
		{en.Took("3.24s"), "3.2\u00a0s"},
		{fr.Took("1m3.2s"), "1\u00a0min 3\u00a0s"},
		{fr.Took("soon"), "soon"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
