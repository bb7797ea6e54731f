package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/web"
)

// client is a browser-like API client with its own cookie jar.
type client struct {
	t    *testing.T
	base string
	http *http.Client
	hdr  map[string]string
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar}, hdr: map[string]string{}}
}

// do sends a request with a JSON body and decodes the JSON answer into out
// (if not nil); it returns the status and the raw body.
func (c *client) do(method, path string, body any, out any) (int, []byte, http.Header) {
	c.t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.hdr {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil && len(b) > 0 {
		json.Unmarshal(b, out)
	}
	return resp.StatusCode, b, resp.Header
}

func (c *client) must(status int, method, path string, body any, out any) []byte {
	c.t.Helper()
	got, b, _ := c.do(method, path, body, out)
	if got != status {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, got, status, b)
	}
	return b
}

type proposalResp struct {
	ID        int64                     `json:"id"`
	Status    string                    `json:"status"`
	Changes   map[string]map[string]any `json:"changes"`
	Conflicts map[string]map[string]any `json:"conflicts"`
	Applied   int                       `json:"applied_version"`
}

func TestModerationScenario(t *testing.T) {
	srv, d := MustOpenServerDir(t, web.Config{})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	ctx := context.Background()
	if _, err := d.CreateUser(ctx, directory.Registration{Email: "mod@region.test", DisplayName: "Modération Grand Est",
		Password: "moderator passphrase"}, directory.RoleModerator); err != nil {
		t.Fatal(err)
	}

	// Two contributors register, then log in (the session rotates).
	alice, bob, mod, anon := newClient(t, ts.URL), newClient(t, ts.URL), newClient(t, ts.URL), newClient(t, ts.URL)
	// Registering does not log in (its answer must not tell whether the
	// e-mail was taken): each logs in after.
	alice.must(202, "POST", "/api/register", map[string]string{"email": "alice@mairie.test", "display_name": "Alice", "password": "alice passphrase"}, nil)
	bob.must(202, "POST", "/api/register", map[string]string{"email": "bob@mairie.test", "display_name": "Bob", "password": "bob's passphrase"}, nil)
	bob.must(200, "POST", "/api/login", map[string]string{"email": "bob@mairie.test", "password": "bob's passphrase"}, nil)
	u, _ := parseURL(ts.URL)
	session := func() string {
		for _, c := range alice.http.Jar.Cookies(u) {
			if c.Name == "voisinage_session" {
				return c.Value
			}
		}
		return ""
	}
	alice.must(200, "POST", "/api/login", map[string]string{"email": "alice@mairie.test", "password": "alice passphrase"}, nil)
	before := session()
	alice.must(200, "POST", "/api/login", map[string]string{"email": "alice@mairie.test", "password": "alice passphrase"}, nil)
	if after := session(); before == "" || after == "" || before == after {
		t.Fatalf("login did not rotate the session: %q → %q", before, after)
	}
	mod.must(200, "POST", "/api/login", map[string]string{"email": "mod@region.test", "password": "moderator passphrase"}, nil)

	// Alice places an unlocated commune and corrects another actor's website.
	var place, site proposalResp
	alice.must(201, "POST", "/api/proposals", map[string]any{"target_type": "actor", "target_id": "commune-29083", "action": "place",
		"base_version": 1, "geometry": map[string]any{"type": "Point", "coordinates": []float64{-4.8512, 48.0375}}}, &place)
	alice.must(201, "POST", "/api/proposals", map[string]any{"target_type": "actor", "target_id": "commune-88160", "action": "update",
		"base_version": 1, "changes": map[string]any{"website": "https://www.epinal.fr"}, "comment": "site officiel"}, &site)
	if place.Status != "pending" || site.Status != "pending" {
		t.Fatalf("statuses %s %s", place.Status, site.Status)
	}
	// Pending: invisible in the public API.
	var sein feature
	anon.must(200, "GET", "/api/collections/actors/items/commune-29083", nil, &sein)
	if sein.Geometry != nil {
		t.Fatal("pending placement is public")
	}
	var queue struct{ Proposals []proposalResp }
	anon.must(401, "GET", "/api/proposals?status=pending", nil, nil)
	bob.must(200, "GET", "/api/proposals?status=pending", nil, &queue)
	if len(queue.Proposals) != 2 {
		t.Fatalf("queue has %d proposals", len(queue.Proposals))
	}
	// A contributor cannot approve; anonymous writes get 401.
	bob.must(403, "POST", itoa(place.ID, "/api/proposals/%d/approve"), nil, nil)
	anon.must(401, "POST", itoa(place.ID, "/api/proposals/%d/approve"), nil, nil)
	anon.must(401, "POST", "/api/proposals", map[string]any{"target_type": "actor"}, nil)

	// The moderator approves both: they appear, with two versions and the diff.
	mod.must(200, "POST", itoa(place.ID, "/api/proposals/%d/approve"), map[string]any{"reason": "vérifié sur l'IGN"}, &place)
	mod.must(200, "POST", "/api/review", map[string]any{"action": "approve", "ids": []int64{site.ID}}, nil)
	anon.must(200, "GET", "/api/collections/actors/items/commune-29083", nil, &sein)
	if sein.Geometry == nil || sein.Properties["precision"] != "contributed" {
		t.Fatalf("placed commune = %+v", sein)
	}
	var hist struct {
		Versions []struct {
			Version int
			Action  string
			Changes map[string]map[string]any
		}
	}
	anon.must(200, "GET", "/api/actors/commune-88160/history", nil, &hist)
	if len(hist.Versions) != 2 || hist.Versions[0].Changes["website"]["new"] != "https://www.epinal.fr" {
		t.Fatalf("history = %+v", hist)
	}

	// Bob, still on version 1, changes the website too: 409 naming the field with both values.
	var conflict struct {
		Code      string
		Conflicts map[string]map[string]any
	}
	bob.must(409, "POST", "/api/proposals", map[string]any{"target_type": "actor", "target_id": "commune-88160", "action": "update",
		"base_version": 1, "changes": map[string]any{"website": "https://epinal.example"}}, &conflict)
	if c := conflict.Conflicts["website"]; c["current"] != "https://www.epinal.fr" || c["yours"] != "https://epinal.example" {
		t.Fatalf("409 body = %+v", conflict)
	}

	// A revert restores the earlier value as a new version.
	bob.must(403, "POST", "/api/actors/commune-88160/revert", map[string]any{"version": 1, "reason": "x"}, nil)
	var rev struct{ Version int }
	mod.must(200, "POST", "/api/actors/commune-88160/revert", map[string]any{"version": 1, "reason": "retour au texte officiel"}, &rev)
	var epinal feature
	anon.must(200, "GET", "/api/collections/actors/items/commune-88160", nil, &epinal)
	if rev.Version != 3 || epinal.Properties["website"] != nil || epinal.Properties["version"] != float64(3) {
		t.Fatalf("after revert: %+v %+v", rev, epinal.Properties)
	}

	// An XSS payload in a name comes back inert in JSON and pages.
	payload := `<script>window.__xss=1</script><img src=x onerror=alert(1)>`
	var created proposalResp
	mod.must(201, "POST", "/api/proposals", map[string]any{"target_type": "actor", "action": "create",
		"changes": map[string]any{"kind": "association", "name": payload, "lon": 6.4, "lat": 48.2}}, &created)
	body := anon.must(200, "GET", "/api/search?q=script+window", nil, nil)
	if bytes.Contains(body, []byte("<script")) {
		t.Fatalf("raw payload in JSON: %s", body)
	}
	var found featureCollection
	json.Unmarshal(body, &found)
	if len(found.Features) == 0 || found.Features[0].Properties["name"] != payload {
		t.Fatalf("payload not kept as text: %s", body)
	}
	page := anon.must(200, "GET", "/acteurs/"+found.Features[0].ID, nil, nil)
	if bytes.Contains(page, []byte("<script>window.__xss")) || bytes.Contains(page, []byte("<img src=x")) {
		t.Fatal("raw payload in the actor page")
	}

	// The Atom feed lists the applied changes.
	feedBody := anon.must(200, "GET", "/feeds/changes.atom?department=88", nil, nil)
	var feed struct {
		Entries []struct {
			Title string `xml:"title"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal(feedBody, &feed); err != nil || len(feed.Entries) < 2 || !strings.Contains(feed.Entries[0].Title, "Épinal") {
		t.Fatalf("feed: %v %s", err, feedBody)
	}
	anon.must(401, "GET", "/feeds/queue.atom", nil, nil)

	// A burst of proposals from a new account is rate limited, with Retry-After.
	carol := newClient(t, ts.URL)
	carol.must(202, "POST", "/api/register", map[string]string{"email": "carol@mairie.test", "display_name": "Carol", "password": "carol passphrase"}, nil)
	carol.must(200, "POST", "/api/login", map[string]string{"email": "carol@mairie.test", "password": "carol passphrase"}, nil)
	var status int
	var hdr http.Header
	for i := 0; i < 20 && status != 429; i++ {
		status, _, hdr = carol.do("POST", "/api/proposals", map[string]any{"target_type": "actor", "target_id": "commune-54395",
			"action": "update", "base_version": 1, "changes": map[string]any{"phone": "03 83 85 30 " + itoa2(i)}}, nil)
		if status != 201 && status != 429 {
			t.Fatalf("proposal %d: status %d", i, status)
		}
	}
	if status != 429 || hdr.Get("Retry-After") == "" {
		t.Fatalf("burst: last status %d, Retry-After %q", status, hdr.Get("Retry-After"))
	}
}

func TestWriteRequests(t *testing.T) {
	srv, _ := MustOpenServerDir(t, web.Config{})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := newClient(t, ts.URL)
	c.must(202, "POST", "/api/register", map[string]string{"email": "dana@mairie.test", "display_name": "Dana", "password": "dana passphrase"}, nil)
	c.must(200, "POST", "/api/login", map[string]string{"email": "dana@mairie.test", "password": "dana passphrase"}, nil)

	post := func(contentType, body string, headers ...string) (int, errorBody) {
		req, _ := http.NewRequest("POST", ts.URL+"/api/proposals", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		for i := 0; i+1 < len(headers); i += 2 {
			req.Header.Set(headers[i], headers[i+1])
		}
		resp, err := c.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e errorBody
		json.NewDecoder(resp.Body).Decode(&e)
		return resp.StatusCode, e
	}
	for _, tc := range []struct {
		name, ct, body, field string
		status                int
	}{
		{"NotJSON", "application/json", "{nope", "body", 400},
		{"Empty", "application/json", "", "body", 400},
		{"Array", "application/json", "[]", "body", 400},
		{"UnknownField", "application/json", `{"target_type":"actor","colour":"red"}`, "colour", 400},
		{"WrongType", "application/json", `{"base_version":"one"}`, "base_version", 400},
		{"Trailing", "application/json", `{} {}`, "body", 400},
		{"ContentType", "text/plain", `{}`, "Content-Type", 415},
		{"TooBig", "application/json", `{"comment":"` + strings.Repeat("x", 2<<20) + `"}`, "body", 413},
		{"BadGeometry", "application/json", `{"target_type":"actor","target_id":"commune-88160","action":"place","base_version":1,"geometry":{"type":"LineString","coordinates":[]}}`, "geometry", 400},
		{"Fields", "application/json", `{"target_type":"actor","target_id":"commune-88160","action":"update","base_version":1,"changes":{"website":"ftp://x","email":"@"}}`, "changes.website", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, e := post(tc.ct, tc.body)
			if status != tc.status || e.Fields[tc.field] == "" {
				t.Fatalf("status %d, body %+v; want %d naming %s", status, e, tc.status, tc.field)
			}
		})
	}
	// Cross-site form posts are refused before reaching the handler.
	status, _ := post("application/x-www-form-urlencoded", "a=b", "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if status != 403 {
		t.Fatalf("cross-site post: %d", status)
	}
	// Same-origin posts from the site's pages go through.
	status, _ = post("application/json", `{"target_type":"actor","target_id":"commune-88160","action":"update","base_version":1,"changes":{"phone":"03 29 68 50 00"}}`,
		"Origin", ts.URL, "Sec-Fetch-Site", "same-origin")
	if status != 201 {
		t.Fatalf("same-origin post: %d", status)
	}
	// Logout ends the session server-side.
	c.must(200, "GET", "/api/me", nil, nil)
	c.must(204, "POST", "/api/logout", nil, nil)
	c.must(401, "GET", "/api/me", nil, nil)
}

func TestAPITokens(t *testing.T) {
	srv, _ := MustOpenServerDir(t, web.Config{})
	ts := httptest.NewServer(srv)
	defer ts.Close()
	c := newClient(t, ts.URL)
	c.must(202, "POST", "/api/register", map[string]string{"email": "eve@mairie.test", "display_name": "Eve", "password": "eve's passphrase"}, nil)
	c.must(200, "POST", "/api/login", map[string]string{"email": "eve@mairie.test", "password": "eve's passphrase"}, nil)
	var created struct {
		Token struct {
			ID    int64
			Token string
		}
	}
	c.must(201, "POST", "/api/tokens", map[string]string{"name": "import"}, &created)
	script := newClient(t, ts.URL)
	script.hdr["Authorization"] = "Bearer " + created.Token.Token
	var me struct {
		User struct {
			DisplayName string `json:"display_name"`
		}
	}
	script.must(200, "GET", "/api/me", nil, &me)
	if me.User.DisplayName != "Eve" {
		t.Fatalf("token user = %+v", me)
	}
	var list struct {
		Tokens []struct{ Token, Prefix string }
	}
	c.must(200, "GET", "/api/tokens", nil, &list)
	if len(list.Tokens) != 1 || list.Tokens[0].Token != "" || list.Tokens[0].Prefix == "" {
		t.Fatalf("token list shows secrets or nothing: %+v", list)
	}
	c.must(204, "DELETE", itoa(created.Token.ID, "/api/tokens/%d"), nil, nil)
	script.must(401, "GET", "/api/me", nil, nil)
}
