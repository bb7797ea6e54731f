package mcpserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
	"github.com/voisinage/voisinage/mcpserver"
)

func TestMain(m *testing.M) {
	code := m.Run()
	directorytest.Cleanup()
	os.Exit(code)
}

// bearer adds an Authorization header to every request of a client.
type bearer struct {
	token string
	next  http.RoundTripper
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	if b.token != "" {
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return b.next.RoundTrip(r)
}

// connect starts a real HTTP server with the MCP handler over f's directory
// and connects the SDK's own client to it, with token as its bearer token
// ("" for none).
func connect(t *testing.T, f *directorytest.Fixture, token string) *mcp.ClientSession {
	t.Helper()
	return connectTB(t, f, token)
}

func connectB(b *testing.B, f *directorytest.Fixture) *mcp.ClientSession { return connectTB(b, f, "") }

func connectTB(t testing.TB, f *directorytest.Fixture, token string) *mcp.ClientSession {
	t.Helper()
	srv := httptest.NewServer(mcpserver.Handler(mcpserver.New(f.D, mcpserver.Config{BaseURL: "https://voisinage.test"}), nil))
	t.Cleanup(srv.Close)
	client := mcp.NewClient(&mcp.Implementation{Name: "test-client", Version: "1.0.0"}, nil)
	cs, err := client.Connect(context.Background(), &mcp.StreamableClientTransport{Endpoint: srv.URL,
		HTTPClient: &http.Client{Transport: bearer{token, http.DefaultTransport}}}, nil)
	if err != nil {
		t.Fatalf("initialize: %v", err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// call calls a tool and decodes its structured result into out; it fails
// the test on a protocol error and returns the tool's error text, if any.
func call(t *testing.T, cs *mcp.ClientSession, name string, args map[string]any, out any) string {
	t.Helper()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if res.IsError {
		var texts []string
		for _, c := range res.Content {
			if tc, ok := c.(*mcp.TextContent); ok {
				texts = append(texts, tc.Text)
			}
		}
		return strings.Join(texts, "\n")
	}
	b, err := json.Marshal(res.StructuredContent)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("%s: structured content %s: %v", name, b, err)
	}
	// The text content is the same JSON, for clients that read only text.
	if len(res.Content) != 1 {
		t.Fatalf("%s: %d content blocks", name, len(res.Content))
	}
	if tc, ok := res.Content[0].(*mcp.TextContent); !ok || !json.Valid([]byte(tc.Text)) {
		t.Fatalf("%s: the text content is not the JSON result", name)
	}
	return ""
}

func TestToolsAndSchemas(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	cs := connect(t, f, "")
	init := cs.InitializeResult()
	if init.ServerInfo.Name != "voisinage" || !strings.Contains(init.Instructions, "find_peers") {
		t.Fatalf("initialize: %+v", init)
	}
	res, err := cs.ListTools(context.Background(), nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range res.Tools {
		names = append(names, tl.Name)
		schema, _ := json.Marshal(tl.InputSchema)
		if !strings.Contains(string(schema), `"type":"object"`) || tl.OutputSchema == nil {
			t.Errorf("%s: input schema %s, output schema %v", tl.Name, schema, tl.OutputSchema)
		}
		// French, then English.
		fr, en, ok := strings.Cut(tl.Description, "\n\n")
		if !ok || fr == "" || en == "" {
			t.Errorf("%s: description is not French then English: %q", tl.Name, tl.Description)
		}
		if m, _ := tl.Meta["voisinage/description"].(map[string]any); m["fr"] != fr || m["en"] != en {
			t.Errorf("%s: _meta descriptions %v", tl.Name, tl.Meta)
		}
		if tl.Annotations == nil {
			t.Fatalf("%s: no annotations", tl.Name)
		}
		if readOnly := tl.Name != "propose_change"; tl.Annotations.ReadOnlyHint != readOnly {
			t.Errorf("%s: readOnlyHint = %v", tl.Name, tl.Annotations.ReadOnlyHint)
		}
	}
	slices.Sort(names)
	want := []string{"actors_in_area", "find_peers", "get_actor", "get_tool", "list_tools", "propose_change", "search_actors"}
	if !slices.Equal(names, want) {
		t.Fatalf("tools = %v, want %v", names, want)
	}

	// Resources: the themes and the tool catalogue.
	rs, err := cs.ListResources(context.Background(), nil)
	if err != nil || len(rs.Resources) != 2 {
		t.Fatalf("resources: %+v, %v", rs, err)
	}
	var themes struct {
		Themes []struct {
			ID, Fr, En string
			Tools      int
		}
	}
	readJSON(t, cs, "voisinage://themes", &themes)
	if len(themes.Themes) != 8 || themes.Themes[2].ID != "democratie" || themes.Themes[2].Fr != "Démocratie" || themes.Themes[2].En != "Democracy" {
		t.Fatalf("themes = %+v", themes)
	}
	var catalogue struct {
		Tools []mcpserver.Tool
		Count int
	}
	readJSON(t, cs, "voisinage://tools", &catalogue)
	all, _ := f.D.FindTools(f.Ctx, directory.ToolFilter{})
	if catalogue.Count != len(all) || len(catalogue.Tools) != len(all) || catalogue.Tools[0].PageURL == "" {
		t.Fatalf("tool catalogue: %d tools, want %d", catalogue.Count, len(all))
	}
	if _, err := cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: "voisinage://nope"}); err == nil {
		t.Error("an unknown resource was read")
	}
}

func readJSON(t *testing.T, cs *mcp.ClientSession, uri string, out any) {
	t.Helper()
	r, err := cs.ReadResource(context.Background(), &mcp.ReadResourceParams{URI: uri})
	if err != nil {
		t.Fatalf("read %s: %v", uri, err)
	}
	if len(r.Contents) != 1 || r.Contents[0].MIMEType != "application/json" {
		t.Fatalf("read %s: %+v", uri, r.Contents)
	}
	if err := json.Unmarshal([]byte(r.Contents[0].Text), out); err != nil {
		t.Fatalf("read %s: %v", uri, err)
	}
}

func TestReadTools(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	cs := connect(t, f, "")

	t.Run("find_peers", func(t *testing.T) {
		var out mcpserver.PeersOutput
		if e := call(t, cs, "find_peers", map[string]any{"actor": "commune-88160", "limit": 5}, &out); e != "" {
			t.Fatal(e)
		}
		if out.Origin.Actor != "commune-88160" || out.Origin.Name != "Épinal" || len(out.Peers) != 5 {
			t.Fatalf("origin %+v, %d peers", out.Origin, len(out.Peers))
		}
		for i, p := range out.Peers {
			if p.ID == "commune-88160" || p.DistanceM == nil || p.DistanceKm == nil || p.PageURL != "https://voisinage.test/acteurs/"+p.ID ||
				p.APIURL == "" || p.Version < 1 || (p.Version > 1) != (p.UpdatedAt != "") {
				// A record never changed since the bundled data has no update date.
				t.Errorf("peer %d: %+v", i, p)
			}
			if i > 0 && *p.DistanceM < *out.Peers[i-1].DistanceM {
				t.Errorf("peers are not nearest first: %d m after %d m", *p.DistanceM, *out.Peers[i-1].DistanceM)
			}
		}
		if !strings.HasPrefix(out.APIURL, "https://voisinage.test/api/nearby?") || !strings.Contains(out.MapURL, "/voisins?") {
			t.Errorf("urls: %s %s", out.APIURL, out.MapURL)
		}
		// A tool filter: every peer uses it, and its adoption carries its sources and date.
		tools, _ := f.D.FindTools(f.Ctx, directory.ToolFilter{})
		var tool string
		for _, tl := range tools {
			if tl.Adopters > 0 {
				tool = tl.Slug
				break
			}
		}
		if e := call(t, cs, "find_peers", map[string]any{"lon": 6.45, "lat": 48.17, "tool": []string{tool}, "limit": 3}, &out); e != "" {
			t.Fatal(e)
		}
		if len(out.Peers) == 0 {
			t.Fatalf("no peer uses %s", tool)
		}
		for _, p := range out.Peers {
			i := slices.IndexFunc(p.Adoptions, func(a mcpserver.Adoption) bool { return a.Tool == tool })
			if !slices.Contains(p.Tools, tool) || i < 0 {
				t.Fatalf("peer %s does not use %s: %+v", p.ID, tool, p.Tools)
			}
			ad := p.Adoptions[i]
			if len(ad.Sources) == 0 || ad.AsOf == "" || ad.ToolPageURL != "https://voisinage.test/outils/"+tool {
				t.Errorf("adoption %s: sources %v, as_of %q, page %q", ad.ID, ad.Sources, ad.AsOf, ad.ToolPageURL)
			}
		}
	})

	t.Run("search_actors", func(t *testing.T) {
		for q, want := range map[string]string{"epinal": "commune-88160", "88160": "commune-88160", "218801603": "commune-88160",
			"epinall": "commune-88160", "brset": "commune-29019"} {
			var out mcpserver.SearchOutput
			if e := call(t, cs, "search_actors", map[string]any{"q": q}, &out); e != "" {
				t.Fatal(e)
			}
			if len(out.Actors) == 0 || out.Actors[0].ID != want {
				t.Errorf("search %s: %+v", q, out.Actors)
			}
		}
	})

	t.Run("get_actor", func(t *testing.T) {
		var out mcpserver.ActorOutput
		if e := call(t, cs, "get_actor", map[string]any{"id": "commune-88160"}, &out); e != "" {
			t.Fatal(e)
		}
		a := out.Actor
		if a.Name != "Épinal" || a.Code != "88160" || a.SIREN != "218801603" || a.Lon == nil || a.Version < 1 ||
			!slices.Contains(a.Parents, "epci-200068757") || a.PageURL != "https://voisinage.test/acteurs/commune-88160" ||
			!strings.HasSuffix(out.HistoryURL, "/api/actors/commune-88160/history") {
			t.Fatalf("get_actor: %+v", out)
		}
	})

	t.Run("list_tools and get_tool", func(t *testing.T) {
		var list mcpserver.ToolsOutput
		if e := call(t, cs, "list_tools", map[string]any{"theme": "democratie"}, &list); e != "" {
			t.Fatal(e)
		}
		if list.Count == 0 {
			t.Fatal("no tool of theme democratie")
		}
		for _, tl := range list.Tools {
			if !slices.Contains(tl.Themes, "democratie") {
				t.Errorf("tool %s lacks the theme", tl.Slug)
			}
		}
		// A tool with adopters: each adoption with its status, sources and date.
		tools, _ := f.D.FindTools(f.Ctx, directory.ToolFilter{})
		i := slices.IndexFunc(tools, func(tl directory.Tool) bool { return tl.Adopters > 0 })
		if i < 0 {
			t.Fatal("no tool has adopters")
		}
		var tool mcpserver.ToolOutput
		if e := call(t, cs, "get_tool", map[string]any{"slug": tools[i].Slug}, &tool); e != "" {
			t.Fatal(e)
		}
		if tool.Tool.Name != tools[i].Name || tool.Count == 0 || len(tool.Adopters) != tool.Count {
			t.Fatalf("get_tool %s: %+v", tools[i].Slug, tool)
		}
		for _, a := range tool.Adopters {
			if a.Adoption.Tool != tools[i].Slug || a.Adoption.Status == "" || len(a.Adoption.Sources) == 0 || a.Adoption.AsOf == "" ||
				a.ActorPageURL != "https://voisinage.test/acteurs/"+a.ActorID {
				t.Errorf("adopter %+v", a)
			}
			for _, s := range a.Adoption.Sources {
				if _, internal := s["document"]; internal && (s["title"] != nil || s["url"] != nil) {
					t.Errorf("a cited source shows its internal file name: %v", s)
				}
			}
		}
		// Only in-use adoptions, when asked.
		var inUse mcpserver.ToolOutput
		call(t, cs, "get_tool", map[string]any{"slug": tools[i].Slug, "status": "in_use"}, &inUse)
		for _, a := range inUse.Adopters {
			if a.Adoption.Status != "in_use" {
				t.Errorf("status filter returned %s", a.Adoption.Status)
			}
		}
	})

	t.Run("actors_in_area", func(t *testing.T) {
		// The members of the CA d'Épinal, paged.
		var first, second mcpserver.AreaOutput
		if e := call(t, cs, "actors_in_area", map[string]any{"epci": "200068757", "limit": 50}, &first); e != "" {
			t.Fatal(e)
		}
		if first.Matched < 60 || first.Returned != 50 || first.NextOffset == nil || *first.NextOffset != 50 || first.NextPageURL == "" {
			t.Fatalf("first page: matched %d, returned %d, next %v", first.Matched, first.Returned, first.NextOffset)
		}
		if e := call(t, cs, "actors_in_area", map[string]any{"epci": "epci-200068757", "limit": 50, "offset": 50}, &second); e != "" {
			t.Fatal(e)
		}
		if second.Returned != first.Matched-50 || second.NextOffset != nil {
			t.Fatalf("second page: returned %d of %d, next %v", second.Returned, second.Matched, second.NextOffset)
		}
		seen := map[string]bool{}
		for _, a := range append(first.Actors, second.Actors...) {
			if seen[a.ID] || !slices.Contains(a.Parents, "epci-200068757") {
				t.Fatalf("%s repeated or not a member", a.ID)
			}
			seen[a.ID] = true
		}
		// A box, and a département.
		var box mcpserver.AreaOutput
		if e := call(t, cs, "actors_in_area", map[string]any{"bbox": []float64{6.3, 48.1, 6.6, 48.3}, "kind": []string{"commune"}}, &box); e != "" {
			t.Fatal(e)
		}
		for _, a := range box.Actors {
			if *a.Lon < 6.3 || *a.Lon > 6.6 || *a.Lat < 48.1 || *a.Lat > 48.3 || a.Kind != "commune" {
				t.Fatalf("%s is outside the box or not a commune", a.ID)
			}
		}
		var dept mcpserver.AreaOutput
		if e := call(t, cs, "actors_in_area", map[string]any{"departement": "88", "limit": 100}, &dept); e != "" {
			t.Fatal(e)
		}
		for _, a := range dept.Actors {
			if a.Departement != "88" {
				t.Fatalf("%s is in %s", a.ID, a.Departement)
			}
		}
	})
}

// TestBadArguments checks that every mistake gets an error that says what
// to fix, as a tool error the assistant can read, never a crash.
func TestBadArguments(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	cs := connect(t, f, "")
	for _, c := range []struct {
		tool string
		args map[string]any
		want string
	}{
		{"find_peers", map[string]any{}, "actor"},
		{"find_peers", map[string]any{"actor": "commune-88160", "lon": 6.0, "lat": 48.0}, "not both"},
		{"find_peers", map[string]any{"actor": "commune-00000"}, "search_actors"},
		{"find_peers", map[string]any{"lon": 200.0, "lat": 48.0}, "lon"},
		{"find_peers", map[string]any{"lon": 6.0, "lat": 48.0, "tool": []string{"nope"}}, "tool"},
		{"find_peers", map[string]any{"lon": 6.0, "lat": 48.0, "limit": 1000}, "limit"},
		{"find_peers", map[string]any{"lon": 6.0, "lat": 48.0, "kind": []string{"castle"}}, "kind"},
		{"find_peers", map[string]any{"lon": 6.0, "lat": 48.0, "color": "red"}, "color"},
		{"search_actors", map[string]any{}, "q"},
		{"search_actors", map[string]any{"q": "--"}, "q"},
		{"search_actors", map[string]any{"q": 42}, "q"},
		{"get_actor", map[string]any{"id": "commune-00000"}, "search_actors"},
		{"get_tool", map[string]any{"slug": "nope"}, "list_tools"},
		{"list_tools", map[string]any{"theme": "sport"}, "theme"},
		{"actors_in_area", map[string]any{}, "bbox"},
		{"actors_in_area", map[string]any{"bbox": []float64{1, 2, 3}}, "bbox"},
		{"actors_in_area", map[string]any{"bbox": []float64{6, 50, 7, 49}}, "bbox"},
		{"actors_in_area", map[string]any{"departement": "999"}, "departement"},
		{"actors_in_area", map[string]any{"epci": "000000000"}, "epci: must be the id"},
		{"propose_change", map[string]any{"target_type": "actor", "action": "update"}, "API token"},
	} {
		var out any
		e := call(t, cs, c.tool, c.args, &out)
		if e == "" {
			t.Errorf("%s %v: no error, got %v", c.tool, c.args, out)
		} else if !strings.Contains(e, c.want) {
			t.Errorf("%s %v: error %q does not name %q", c.tool, c.args, e, c.want)
		}
	}
	// An unknown tool is a protocol error.
	if _, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "drop_table", Arguments: map[string]any{}}); err == nil {
		t.Error("an unknown tool was called")
	}
}

// TestProposeChange checks that a proposal made through MCP is the one the
// API would make: in the moderation queue, by the token's owner, applied at
// once only for a moderator.
func TestProposeChange(t *testing.T) {
	f := directorytest.MustOpenFixture(t)
	tok, err := f.D.CreateAPIToken(f.Ctx, f.Alice, "assistant")
	if err != nil {
		t.Fatal(err)
	}
	cs := connect(t, f, tok.Token)
	var before mcpserver.ActorOutput
	call(t, cs, "get_actor", map[string]any{"id": "commune-88160"}, &before)

	var out mcpserver.ProposeOutput
	if e := call(t, cs, "propose_change", map[string]any{"target_type": "actor", "target_id": "commune-88160", "action": "update",
		"base_version": before.Actor.Version, "changes": map[string]any{"website": "https://www.epinal.fr/"},
		"source": "https://www.epinal.fr/", "comment": "site officiel"}, &out); e != "" {
		t.Fatal(e)
	}
	if out.Status != "pending" || out.Applied || out.Author.ID != f.Alice.ID || out.Changes["website"].New != "https://www.epinal.fr/" {
		t.Fatalf("proposal: %+v", out)
	}
	// In the moderation queue, authored by the token's owner, nothing applied.
	queue, _, err := f.D.FindProposals(f.Ctx, f.Mod, directory.ProposalFilter{Statuses: []string{"pending"}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(queue, func(p *directory.Proposal) bool { return p.ID == out.ID })
	if i < 0 || queue[i].Author.ID != f.Alice.ID || queue[i].Source != "https://www.epinal.fr/" {
		t.Fatalf("proposal %d is not in the queue as Alice's", out.ID)
	}
	var after mcpserver.ActorOutput
	call(t, cs, "get_actor", map[string]any{"id": "commune-88160"}, &after)
	if after.Actor.Version != before.Actor.Version || after.Actor.Website == "https://www.epinal.fr/" {
		t.Fatalf("a contributor's proposal was applied: version %d → %d", before.Actor.Version, after.Actor.Version)
	}

	// Validation errors name the field.
	if e := call(t, cs, "propose_change", map[string]any{"target_type": "actor", "target_id": "commune-88160", "action": "update",
		"base_version": before.Actor.Version, "changes": map[string]any{"website": "not a url"}}, &out); !strings.Contains(e, "changes.website") {
		t.Errorf("bad website: %q", e)
	}
	if e := call(t, cs, "propose_change", map[string]any{"target_type": "castle", "action": "update"}, &out); !strings.Contains(e, "target_type") {
		t.Errorf("bad target type: %q", e)
	}

	// A moderator's token applies at once, as the API does.
	modTok, _ := f.D.CreateAPIToken(f.Ctx, f.Mod, "assistant")
	mcs := connect(t, f, modTok.Token)
	if e := call(t, mcs, "propose_change", map[string]any{"target_type": "actor", "target_id": "commune-88160", "action": "update",
		"base_version": before.Actor.Version, "changes": map[string]any{"phone": "03 29 68 50 00"}}, &out); e != "" {
		t.Fatal(e)
	}
	if !out.Applied || out.ApprovedBy != "moderator" || out.Author.ID != f.Mod.ID {
		t.Fatalf("moderator's proposal: %+v", out)
	}

	// A revoked or unknown token is refused.
	if err := f.D.RevokeAPIToken(f.Ctx, f.Alice, tok.ID); err != nil {
		t.Fatal(err)
	}
	if e := call(t, cs, "propose_change", map[string]any{"target_type": "actor", "target_id": "commune-88160", "action": "update",
		"base_version": 1, "changes": map[string]any{"email": "x@y.fr"}}, &out); !strings.Contains(e, "revoked") {
		t.Errorf("revoked token: %q", e)
	}
}
