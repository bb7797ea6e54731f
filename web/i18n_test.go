package web_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// TestCatalogsMatch checks that the French and English catalogs have the
// same keys, that no message is empty, and that every key the templates
// and scripts ask for exists: a missing one would show its key to users.
func TestCatalogsMatch(t *testing.T) {
	fr, en := loadCatalog(t, "fr"), loadCatalog(t, "en")
	for k, v := range fr {
		if _, ok := en[k]; !ok {
			t.Errorf("%q is in fr.json, not in en.json", k)
		}
		if v == "" {
			t.Errorf("fr.json: %q is empty", k)
		}
	}
	for k, v := range en {
		if _, ok := fr[k]; !ok {
			t.Errorf("%q is in en.json, not in fr.json", k)
		}
		if v == "" {
			t.Errorf("en.json: %q is empty", k)
		}
	}
	// Keys used literally by the templates ({{t "key"}}) and scripts (V.t("key")).
	used := regexp.MustCompile(`(?:\{\{-?\s*t\s+|V\.t\()"([a-zA-Z][a-zA-Z0-9_.-]*)"`)
	var files []string
	for _, pattern := range []string{"templates/*.html", "static/js/*.js"} {
		m, _ := filepath.Glob(pattern)
		files = append(files, m...)
	}
	if len(files) == 0 {
		t.Fatal("no template or script found")
	}
	seen := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllSubmatch(b, -1) {
			if m[1][len(m[1])-1] == '.' {
				continue // a prefix, completed at run time ("kind." + kind)
			}
			seen++
			if _, ok := fr[string(m[1])]; !ok {
				t.Errorf("%s uses %q, which no catalog has", f, m[1])
			}
		}
	}
	if seen < 50 {
		t.Fatalf("only %d keys found in templates and scripts: the pattern no longer matches how they ask", seen)
	}
}

var dynamicKeys = []string{}
