package web_test

import (
	"encoding/json"
	"html"
	"net/url"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/web"
)

// Batches of adoptions through the API and the moderator page: a dry run,
// a refused batch with the report of its rows, a contributor's batch
// waiting for review and approved as a whole, and the page's preview and
// submit.
func TestBatchImportThroughAPIAndPage(t *testing.T) {
	h := newSeededHarness(t, web.Config{})
	good := "actor;tool;usage;status;as_of;source_url\ncommune-88160;wiki;Wiki des quartiers;in_use;2024;https://example.org/wiki-epinal\n" +
		"commune-54395;opendatasoft;Portail open data;planned;2025-06;\n"

	w := h.send(h.users[contributor], "POST", "/api/imports/adoptions?dry_run=true&file=liste.csv", good)
	var rep struct {
		RunID int64 `json:"run_id"`
		OK    int   `json:"ok"`
		Rows  []struct {
			Status string `json:"status"`
			Actor  string `json:"actor"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &rep); err != nil || w.Code != 200 || rep.OK != 2 || rep.RunID != 0 {
		t.Fatalf("dry run: %d %s", w.Code, w.Body)
	}
	w = h.send(h.users[contributor], "POST", "/api/imports/adoptions", "name;departement;tool\nSainte-Marie;;wiki\n")
	var e struct {
		Code        string `json:"code"`
		Description string `json:"description"`
		Report      struct {
			Ambiguous int `json:"ambiguous"`
			Rows      []struct {
				Candidates []struct{ ID string } `json:"candidates"`
			} `json:"rows"`
		} `json:"report"`
	}
	json.Unmarshal(w.Body.Bytes(), &e)
	if w.Code != 400 || e.Report.Ambiguous != 1 || len(e.Report.Rows[0].Candidates) < 2 || !strings.Contains(e.Description, "nothing was stored") {
		t.Fatalf("ambiguous batch: %d %s", w.Code, w.Body)
	}
	w = h.send(h.users[contributor], "POST", "/api/imports/adoptions?file=liste.csv", good)
	json.Unmarshal(w.Body.Bytes(), &rep)
	if w.Code != 201 || rep.RunID == 0 {
		t.Fatalf("contributor's batch: %d %s", w.Code, w.Body)
	}
	page := h.send(h.mod, "GET", "/moderation/imports/"+itoa(rep.RunID, "%d"), nil).Body.String()
	if !strings.Contains(page, "2 propositions attendent la relecture") || !strings.Contains(page, `id="batch-approve"`) {
		t.Fatalf("the batch's page does not offer to approve it")
	}
	w = h.send(h.mod, "POST", "/moderation/imports/"+itoa(rep.RunID, "%d")+"/decision", url.Values{"decision": {"approve"}})
	if w.Code != 303 || !strings.Contains(w.Header().Get("Location"), "fait=batchApproved") {
		t.Fatalf("approve from the page: %d %s", w.Code, w.Header().Get("Location"))
	}
	var item struct {
		Properties struct {
			Adoptions []struct {
				Tool   string `json:"tool"`
				Status string `json:"status"`
			} `json:"adoptions"`
		} `json:"properties"`
	}
	json.Unmarshal(h.send(nil, "GET", "/api/collections/actors/items/commune-54395", nil).Body.Bytes(), &item)
	found := false
	for _, ad := range item.Properties.Adoptions {
		found = found || (ad.Tool == "opendatasoft" && ad.Status == "planned")
	}
	if !found {
		t.Fatalf("Nancy's adoptions after the batch: %+v", item.Properties.Adoptions)
	}

	t.Run("Page", func(t *testing.T) {
		if w := h.send(h.users[contributor], "GET", "/moderation/imports/adoptions", nil); w.Code != 403 {
			t.Fatalf("a contributor opened the batch page: %d", w.Code)
		}
		body := "actor;tool;usage\ncommune-88160;youtube;Vidéos du conseil\n"
		w := h.send(h.mod, "POST", "/moderation/imports/adoptions", url.Values{"action": {"preview"}, "contenu": {body}})
		if w.Code != 200 || !strings.Contains(w.Body.String(), `id="batch-submit"`) || !strings.Contains(w.Body.String(), "1 à importer") {
			t.Fatalf("preview: %d", w.Code)
		}
		w = h.send(h.mod, "POST", "/moderation/imports/adoptions", url.Values{"action": {"submit"}, "contenu": {body}, "fichier_nom": {"videos.csv"}})
		if w.Code != 303 || !strings.Contains(w.Header().Get("Location"), "fait=batchStored") {
			t.Fatalf("submit: %d %s", w.Code, w.Header().Get("Location"))
		}
		w = h.send(h.mod, "POST", "/moderation/imports/adoptions", url.Values{"action": {"preview"}, "contenu": {"actor;tool\ncommune-00000;wiki\n"}})
		if w.Code != 200 || strings.Contains(w.Body.String(), `id="batch-submit"`) || !strings.Contains(w.Body.String(), "non rapprochée") {
			t.Fatalf("preview of an unmatched row: %d", w.Code)
		}
		w = h.send(h.mod, "POST", "/moderation/imports/adoptions", url.Values{"action": {"preview"}, "contenu": {""}})
		if w.Code != 400 {
			t.Fatalf("empty preview: %d", w.Code)
		}
	})
}

// TestBatchUnreadableFiles: a file that cannot be read is refused with a
// reason a French reader reads in French (where, and what to fix), never
// with encoding/csv's or encoding/json's English; the API gives the key
// and where.
func TestBatchUnreadableFiles(t *testing.T) {
	h := newSeededHarness(t, web.Config{})
	for _, tc := range []struct {
		name, body, key string
		french          []string
	}{
		{"bare quote", "actor;tool;usage\ncommune-88160;wiki;le \"wiki\" des quartiers\n", "batch.csv_bare_quote",
			[]string{"ligne 2, colonne", "un guillemet \" dans un champ qui n'est pas entre guillemets"}},
		{"open quote", "actor;tool;usage\ncommune-88160;wiki;\"Wiki des quartiers\n", "batch.csv_quote",
			[]string{"un champ entre guillemets n'est pas fermé"}},
		{"JSON syntax", "{\"type\": \"FeatureCollection\",\n \"features\": [\n  {\"properties\": {\"actor\": \"commune-88160\" \"tool\": \"wiki\"}}\n]}\n",
			"batch.geojson_syntax", []string{"JSON invalide à la ligne 3"}},
		{"JSON type", "{\"type\": \"FeatureCollection\",\n \"features\": {\"properties\": {}}}\n", "batch.geojson_type",
			[]string{"ligne 2, «\u00a0features\u00a0» ne peut pas être un objet"}},
		{"JSON cut", "{\"type\": \"FeatureCollection\", \"features\": [\n", "batch.geojson_cut",
			[]string{"il s'arrête avant la fin de son JSON"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := h.send(h.mod, "POST", "/moderation/imports/adoptions", url.Values{"action": {"preview"}, "contenu": {tc.body}})
			page := html.UnescapeString(w.Body.String())
			if w.Code != 400 {
				t.Fatalf("preview: %d", w.Code)
			}
			for _, want := range tc.french {
				if !strings.Contains(strings.ReplaceAll(page, "&#34;", `"`), want) {
					t.Errorf("the page does not say %q", want)
				}
			}
			for _, english := range []string{"bare", "quote", "invalid character", "unexpected end", "cannot unmarshal", "parse error", "record on line"} {
				if strings.Contains(page, english) {
					t.Errorf("the French page says %q", english)
				}
			}
			var e struct {
				Key  string         `json:"key"`
				Args map[string]any `json:"args"`
			}
			w = h.send(h.mod, "POST", "/api/imports/adoptions?dry_run=true", tc.body)
			if json.Unmarshal(w.Body.Bytes(), &e); w.Code != 400 || e.Key != tc.key {
				t.Errorf("API: %d %s", w.Code, w.Body)
			}
		})
	}
}
