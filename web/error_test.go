package web_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"

	// Registers the MCP server's error keys, which web never imports, so
	// that TestErrorKeysTranslated checks them too.
	_ "github.com/voisinage/voisinage/mcpserver"
)

// keyedError is an error body with the keys programs translate from.
type keyedError struct {
	Code        string            `json:"code"`
	Description string            `json:"description"`
	Key         string            `json:"key"`
	Args        map[string]any    `json:"args"`
	Fields      map[string]string `json:"fields"`
	FieldKeys   map[string]struct {
		Key  string         `json:"key"`
		Args map[string]any `json:"args"`
	} `json:"field_keys"`
}

// TestErrorBody_Keys checks that API errors keep their English message and
// carry the key and arguments of the error and of each field.
func TestErrorBody_Keys(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{RateLimits: generousLimits})

	// A query parameter problem, found by web.
	var e keyedError
	request(t, srv, "GET", "/api/collections/actors/items?bogus=1", nil).status(http.StatusBadRequest).json(&e)
	if e.Code != directory.EINVALID || e.Key != "param.unknown" || !strings.HasPrefix(e.Description, "bogus is not a parameter") ||
		e.FieldKeys["bogus"].Key != "param.unknown" || !strings.Contains(e.FieldKeys["bogus"].Args["accepted"].(string), "bbox") ||
		e.Fields["bogus"] == "" {
		t.Errorf("unknown parameter: %+v", e)
	}

	// A field problem, found by the directory, with its arguments.
	u := newUser(t, d, "keys@example.org", directory.RoleContributor)
	body := `{"target_type":"actor","target_id":"commune-88160","action":"update","base_version":1,` +
		`"changes":{"address":"` + strings.Repeat("a", 301) + `"}}`
	e = keyedError{}
	request(t, srv, "POST", "/api/proposals", strings.NewReader(body), "Content-Type", "application/json",
		"Cookie", sessionFor(t, d, u)).status(http.StatusBadRequest).json(&e)
	fk := e.FieldKeys["changes.address"]
	if e.Key != "field.too_long" || fk.Key != "field.too_long" || fk.Args["max"] != float64(300) || fk.Args["got"] != float64(301) ||
		e.Fields["changes.address"] != "must be at most 300 characters (got 301)" {
		t.Errorf("too long: %+v", e)
	}

	// A field the request does not have: encoding/json says so only in
	// words (body.go reads them), so this checks they still read so.
	e = keyedError{}
	body = `{"target_type":"actor","target_id":"commune-88160","action":"update","base_version":1,"colour":"red","changes":{}}`
	request(t, srv, "POST", "/api/proposals", strings.NewReader(body), "Content-Type", "application/json",
		"Cookie", sessionFor(t, d, u)).status(http.StatusBadRequest).json(&e)
	if fk := e.FieldKeys["colour"]; e.Key != "body.unknown_field" || fk.Key != "body.unknown_field" ||
		!strings.Contains(fk.Args["fields"].(string), "target_id") {
		t.Errorf("unknown field: %+v", e)
	}

	// An error of the whole request, with a status more precise than its code's.
	e = keyedError{}
	request(t, srv, "POST", "/api/proposals", strings.NewReader("{}"), "Content-Type", "text/plain",
		"Cookie", sessionFor(t, d, u)).status(http.StatusUnsupportedMediaType).json(&e)
	if e.Code != directory.EINVALID || e.Key != "body.content_type" || e.FieldKeys["Content-Type"].Key != "body.content_type_field" {
		t.Errorf("media type: %+v", e)
	}
}

// TestErrorText_Translated checks that pages word the domain's errors in
// their language from the key, arguments included.
func TestErrorText_Translated(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{RateLimits: generousLimits})
	anon := pageClient{t: t, srv: srv}
	form := url.Values{"email": {"x@mairie.example"}, "display_name": {"A"}, "password": {"a-long-enough-password"},
		"password_confirm": {"a-long-enough-password"}}
	anon.post("/inscription", form).status(http.StatusBadRequest).has("Indiquez un nom de 2 à 60 caractères.")
	anon.post("/inscription?lang=en", form).status(http.StatusBadRequest).has("Give a name of 2 to 60 characters.")

	// Arguments fill the translation.
	u := newUser(t, d, "agent@mairie.example", directory.RoleContributor)
	c := pageClient{t: t, srv: srv, cookie: sessionFor(t, d, u)}
	long := url.Values{"base_version": {"1"}, "address": {strings.Repeat("a", 301)}, "orig_address": {""}}
	c.post("/contribuer/acteurs/commune-88160/corriger", long).status(http.StatusBadRequest).
		has(`id="f-address-error"`, "Au plus 300 caractères (vous en avez saisi 301).")
	c.post("/contribuer/acteurs/commune-88160/corriger?lang=en", long).status(http.StatusBadRequest).
		has("At most 300 characters (you typed 301).")
}

// TestErrorKeysTranslated checks that every key the directory and web can
// produce, found in directory's registry, has a French and an English
// message using only the arguments its English wording names, and that
// the catalogs hold no translation of a key that no longer exists.
func TestErrorKeysTranslated(t *testing.T) {
	cats := map[string]map[string]string{}
	for _, lang := range []string{"fr", "en"} {
		cats[lang] = loadCatalog(t, lang)
	}
	keys := directory.Keys()
	declared := map[string]bool{}
	for _, k := range keys {
		declared[k.Name()] = true
	}
	// Every package's keys are registered: one of each.
	for _, k := range []string{"field.too_long", "param.unknown", "mcp.no_area"} {
		if !declared[k] {
			t.Fatalf("the registry lacks %q: are keys declared with directory.NewKey?", k)
		}
	}
	for _, k := range keys {
		args := map[string]bool{}
		for _, a := range directory.Placeholders(k.English()) {
			args[a] = true
		}
		for lang, cat := range cats {
			msg, ok := cat["err."+k.Name()]
			if !ok {
				t.Errorf("%s.json has no %q (%s)", lang, "err."+k.Name(), k.English())
				continue
			}
			for _, a := range directory.Placeholders(msg) {
				if !args[a] {
					t.Errorf("%s.json: %q uses {%s}, which %q does not give", lang, "err."+k.Name(), a, k.English())
				}
			}
		}
	}
	for lang, cat := range cats {
		for k := range cat {
			if name, ok := strings.CutPrefix(k, "err."); ok && !declared[name] {
				t.Errorf("%s.json translates %q, which no code declares", lang, k)
			}
		}
	}
}

func loadCatalog(t *testing.T, lang string) map[string]string {
	t.Helper()
	b, err := os.ReadFile("i18n/" + lang + ".json")
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	return m
}
