package web_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/web"
)

type nearbyDoc struct {
	Features []struct {
		ID         string `json:"id"`
		Properties struct {
			Adopter string `json:"adopter"`
			Matched []struct {
				Tool    string `json:"tool"`
				Status  string `json:"status"`
				AsOf    string `json:"as_of"`
				Sources []struct {
					Title string `json:"title"`
				} `json:"sources"`
			} `json:"matched_adoptions"`
		} `json:"properties"`
	} `json:"features"`
	Empty *struct {
		Reason      string            `json:"reason"`
		Message     string            `json:"message"`
		NearestKm   float64           `json:"nearest_km"`
		Themes      []string          `json:"suggested_themes"`
		Suggestions []json.RawMessage `json:"suggestions"`
		Unplaced    []struct {
			ID string `json:"id"`
		} `json:"unplaced"`
	} `json:"empty"`
}

func getNearby(t *testing.T, h *harness, query string) nearbyDoc {
	t.Helper()
	w := h.send(nil, "GET", "/api/nearby?"+query, nil)
	if w.Code != 200 {
		t.Fatalf("GET /api/nearby?%s: %d %s", query, w.Code, w.Body)
	}
	var d nearbyDoc
	if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil {
		t.Fatal(err)
	}
	return d
}

// /api/nearby and the peer finder answer a question about a tool or a
// theme with its adopters (planned ones marked), and say why when nobody
// is found, with whom to ask instead.
func TestNearbyAnswersAboutTools(t *testing.T) {
	h := newHarness(t, web.Config{})
	from := "lon=6.13&lat=48.3"

	d := getNearby(t, h, from+"&tool=portail-open-data")
	if len(d.Features) != 1 || d.Features[0].ID != "commune-29177" || d.Features[0].Properties.Adopter != "planned" ||
		len(d.Features[0].Properties.Matched) != 1 || d.Features[0].Properties.Matched[0].AsOf == "" || d.Empty != nil {
		t.Fatalf("open-data portals: %+v", d)
	}
	d = getNearby(t, h, from+"&tool=portail-open-data&max_km=30")
	if len(d.Features) != 0 || d.Empty == nil || d.Empty.Reason != "none_within_distance" || d.Empty.NearestKm < 500 ||
		len(d.Empty.Suggestions) != 1 || !strings.Contains(d.Empty.Message, "nearest") {
		t.Fatalf("within 30 km: %+v", d.Empty)
	}
	d = getNearby(t, h, from+"&tool=click2map")
	if len(d.Features) != 0 || d.Empty == nil || d.Empty.Reason != "no_adopter" || len(d.Empty.Themes) != 1 || len(d.Empty.Suggestions) == 0 {
		t.Fatalf("a tool nobody uses: %+v", d.Empty)
	}
	d = getNearby(t, h, from+"&tool=affinitiz")
	if len(d.Features) != 0 || d.Empty == nil || d.Empty.Reason != "adopters_without_point" || len(d.Empty.Unplaced) != 1 ||
		d.Empty.Unplaced[0].ID != "public-agency-artesi-ile-de-france" {
		t.Fatalf("a tool only an unplaced actor plans: %+v", d.Empty)
	}
	d = getNearby(t, h, from+"&tool=any&limit=5")
	if len(d.Features) == 0 || d.Features[0].ID != "commune-88160" {
		t.Fatalf("any tool: %+v", d.Features)
	}
	for _, f := range d.Features {
		if len(f.Properties.Matched) == 0 || f.Properties.Adopter == "" {
			t.Errorf("any tool returned %s, which uses none", f.ID)
		}
	}
	// Without a tool nor a theme, nearby answers every actor, as before.
	if d := getNearby(t, h, from+"&limit=3"); len(d.Features) != 3 || d.Empty != nil || d.Features[0].Properties.Adopter != "" {
		t.Fatalf("no tool: %+v", d)
	}

	t.Run("PeerFinder", func(t *testing.T) {
		body := h.send(nil, "GET", "/voisins?"+from+"&tool=portail-open-data", nil).Body.String()
		if !strings.Contains(body, "tag--planned") || !strings.Contains(body, "/acteurs/commune-29177") {
			t.Errorf("the finder does not show the planned adopter")
		}
		body = h.send(nil, "GET", "/voisins?"+from+"&tool=portail-open-data&max_km=30", nil).Body.String()
		if !strings.Contains(body, `id="empty-answer"`) || !strings.Contains(body, "le plus proche est à") || !strings.Contains(body, "/acteurs/commune-29177") {
			t.Errorf("the finder does not explain an empty answer within 30 km")
		}
		body = h.send(nil, "GET", "/voisins?"+from+"&tool=affinitiz", nil).Body.String()
		if !strings.Contains(body, `id="unplaced-adopters"`) || !strings.Contains(body, "/acteurs/public-agency-artesi-ile-de-france") ||
			!strings.Contains(body, "pas encore placé sur la carte") {
			t.Errorf("the finder does not name the adopter without a point")
		}
		body = h.send(nil, "GET", "/voisins?"+from+"&tool=click2map", nil).Body.String()
		if !strings.Contains(body, "Aucun acteur ne l&#39;utilise") || !strings.Contains(body, "Communication") {
			t.Errorf("the finder does not suggest same-theme adopters")
		}
		// "Tous les outils": actors that use at least one tool.
		body = h.send(nil, "GET", "/voisins?"+from, nil).Body.String()
		if !strings.Contains(body, "/acteurs/commune-88160") || strings.Contains(body, `id="empty-answer"`) {
			t.Errorf("any tool: Épinal (the nearest adopter) is not listed")
		}
	})
}
