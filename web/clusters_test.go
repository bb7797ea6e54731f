package web_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/paulmach/orb/encoding/mvt"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"
)

// TestClustersRoute checks /api/clusters over HTTP: a GeoJSON collection
// that counts every actor of the filter once, its ETag and 304, an ETag
// that changes when an edit moves an actor, and the CORS header.
func TestClustersRoute(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{BaseURL: "http://voisinage.test"})
	const url = "/api/clusters?bbox=-180,-90,180,90&zoom=6&kind=epci"
	var fc struct {
		Type     string `json:"type"`
		Zoom     int    `json:"zoom"`
		Actors   int    `json:"numberActors"`
		Features []struct {
			ID         string `json:"id"`
			Properties struct {
				Cluster bool `json:"cluster"`
				Count   int  `json:"count"`
			} `json:"properties"`
		} `json:"features"`
	}
	first := request(t, srv, "GET", url, nil, "Origin", "https://www.grandest.fr").status(200).contentType("application/geo+json")
	first.json(&fc)
	total := 0
	for _, f := range fc.Features {
		if f.Properties.Cluster {
			total += f.Properties.Count
		} else {
			total++
		}
	}
	var items featureCollection
	request(t, srv, "GET", "/api/collections/actors/items?bbox=-180,-90,180,90&kind=epci&limit=1", nil).status(200).json(&items)
	if fc.Type != "FeatureCollection" || fc.Zoom != 6 || items.NumberMatched == nil || total != *items.NumberMatched || fc.Actors != total || total == 0 {
		t.Fatalf("clusters count %d EPCIs (numberActors %d), items %d", total, fc.Actors, items.NumberMatched)
	}
	if first.Header().Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("CORS: %v", first.Header())
	}
	etag := first.Header().Get("ETag")
	request(t, srv, "GET", url, nil, "If-None-Match", etag).status(304)

	// Placing Île-de-Sein, which had no point, changes the clusters of the
	// communes and their ETag; the next 304 is for the new ETag.
	const sein = "/api/clusters?bbox=-4.9,48.0,-4.8,48.07&zoom=19"
	before := request(t, srv, "GET", sein, nil).status(200)
	if strings.Contains(before.Body.String(), "commune-29083") {
		t.Fatal("Île-de-Sein is on the map before anyone placed it")
	}
	ctx := context.Background()
	mod, err := d.CreateUser(ctx, directory.Registration{Email: "m@x.test", DisplayName: "M", Password: "moderator passphrase"}, directory.RoleModerator)
	if err != nil {
		t.Fatal(err)
	}
	lon, _ := json.Marshal(-4.8512)
	lat, _ := json.Marshal(48.0375)
	if _, err := d.ProposeEdit(ctx, mod, directory.ProposalInput{TargetType: "actor", TargetID: "commune-29083",
		Action: "place", BaseVersion: 1, Changes: map[string]json.RawMessage{"lon": lon, "lat": lat}}); err != nil {
		t.Fatal(err)
	}
	after := request(t, srv, "GET", sein, nil, "If-None-Match", before.Header().Get("ETag")).status(200)
	if !strings.Contains(after.Body.String(), "commune-29083") || after.Header().Get("ETag") == before.Header().Get("ETag") {
		t.Fatalf("after placing: ETag %s → %s, body %.300s", before.Header().Get("ETag"), after.Header().Get("ETag"), after.Body.String())
	}
	request(t, srv, "GET", sein, nil, "If-None-Match", after.Header().Get("ETag")).status(304)
}

// TestTileRoute fetches vector tiles plain and gzipped and decodes them.
func TestTileRoute(t *testing.T) {
	srv := MustOpenServer(t)
	// Zoom 5, the tile of north-eastern France.
	plain := request(t, srv, "GET", "/api/tiles/5/16/11.mvt?kind=commune", nil).status(200).contentType("application/vnd.mapbox-vector-tile")
	if plain.Header().Get("Content-Encoding") != "" {
		t.Fatalf("gzip without Accept-Encoding: %v", plain.Header())
	}
	layers, err := mvt.Unmarshal(plain.Body.Bytes())
	if err != nil || len(layers) != 1 || layers[0].Name != "actors" || len(layers[0].Features) == 0 {
		t.Fatalf("tile: %v %v", layers, err)
	}
	clusters := 0
	for _, f := range layers[0].Features {
		if f.Properties["cluster"] == true {
			clusters++
		}
	}
	if clusters == 0 {
		t.Fatal("no cluster in a zoom 5 tile of France")
	}
	gz := request(t, srv, "GET", "/api/tiles/5/16/11.mvt?kind=commune", nil, "Accept-Encoding", "gzip").status(200)
	if gz.Header().Get("Content-Encoding") != "gzip" || !strings.Contains(gz.Header().Get("Vary"), "Accept-Encoding") ||
		gz.Header().Get("ETag") == plain.Header().Get("ETag") {
		t.Fatalf("gzipped tile headers: %v", gz.Header())
	}
	zl, err := mvt.UnmarshalGzipped(gz.Body.Bytes())
	if err != nil || len(zl[0].Features) != len(layers[0].Features) {
		t.Fatalf("gzipped tile: %v", err)
	}
	request(t, srv, "GET", "/api/tiles/5/16/11.mvt?kind=commune", nil, "If-None-Match", plain.Header().Get("ETag")).status(304)
}

// TestClusterAndTileBadInput checks that bad parameters get a 400 naming
// the parameter and what it takes.
func TestClusterAndTileBadInput(t *testing.T) {
	srv := MustOpenServer(t)
	for url, field := range map[string]string{
		"/api/clusters?bbox=-5,41,9,51":                      "zoom",
		"/api/clusters?bbox=-5,41,9,51&zoom=25":              "zoom",
		"/api/clusters?bbox=-5,41,9,51&zoom=six":             "zoom",
		"/api/clusters?bbox=-5,41,9&zoom=6":                  "bbox",
		"/api/clusters?zoom=6&kind=chateau":                  "kind",
		"/api/clusters?zoom=6&limit=10":                      "limit",
		"/api/tiles/23/0/0.mvt":                              "z",
		"/api/tiles/3/8/0.mvt":                               "x",
		"/api/tiles/3/0/8.mvt":                               "y",
		"/api/tiles/3/0/0.png":                               "y",
		"/api/tiles/3/-1/0.mvt":                              "x",
		"/api/tiles/a/0/0.mvt":                               "z",
		"/api/tiles/3/0/0.mvt?tool=no-such-tool":             "tool",
		"/api/tiles/3/0/0.mvt?bbox=-5,41,9,51":               "bbox",
		"/api/tiles/99999999999999999999/0/0.mvt":            "z",
		"/api/clusters?zoom=6&population_min=-1":             "population_min",
		"/api/clusters?zoom=6&datetime=yesterday":            "datetime",
		"/api/clusters?zoom=6&bbox=10,41,-170,51,3,4,5,6":    "bbox",
		"/api/clusters?zoom=6&department=999":                "departement",
		"/api/clusters?zoom=6&q=" + strings.Repeat("a", 300): "q",
	} {
		var e struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		}
		r := request(t, srv, "GET", url, nil)
		if r.Code != 400 {
			t.Errorf("%s: status %d, want 400: %.200s", url, r.Code, r.Body.String())
			continue
		}
		r.json(&e)
		if e.Fields[field] == "" {
			t.Errorf("%s: no message for %s: %+v", url, field, e)
		}
	}
}
