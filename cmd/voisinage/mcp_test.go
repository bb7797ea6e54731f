package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

// The MCP tests drive the server with the SDK's own client, as a desktop
// assistant (stdio: the real binary as a child process) and a remote one
// (Streamable HTTP: the real server) would.

// mcpDB copies the small test dataset, with its accounts, and gives Alice
// (a contributor) an API token.
func mcpDB(t *testing.T) (path, token string) {
	t.Helper()
	path = directorytest.SmallPath(t)
	db, err := directory.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := directory.New(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	alice, err := d.FindUserByID(context.Background(), 1)
	if err != nil || alice.Email != "alice@mairie.test" {
		t.Fatalf("fixture account 1: %+v, %v", alice, err)
	}
	tok, err := d.CreateAPIToken(context.Background(), alice, "assistant")
	if err != nil {
		t.Fatal(err)
	}
	return path, tok.Token
}

// exerciseMCP initializes, lists the tools, calls each one, checks bad
// arguments, and proposes a change that must land in the moderation queue
// as Alice's; it returns the proposal's id.
func exerciseMCP(t *testing.T, cs *mcp.ClientSession, wantBase string) int64 {
	t.Helper()
	ctx := context.Background()
	if r := cs.InitializeResult(); r == nil || r.ServerInfo.Name != "voisinage" || r.Capabilities.Tools == nil || r.Capabilities.Resources == nil {
		t.Fatalf("initialize: %+v", r)
	}
	tools, err := cs.ListTools(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tl := range tools.Tools {
		names = append(names, tl.Name)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"actors_in_area", "find_peers", "get_actor", "get_tool", "list_tools", "propose_change", "search_actors"}) {
		t.Fatalf("tools = %v", names)
	}
	call := func(name string, args map[string]any) (map[string]any, string) {
		t.Helper()
		res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if res.IsError {
			return nil, res.Content[0].(*mcp.TextContent).Text
		}
		var out map[string]any
		b, _ := json.Marshal(res.StructuredContent)
		json.Unmarshal(b, &out)
		return out, ""
	}
	mustCall := func(name string, args map[string]any) map[string]any {
		t.Helper()
		out, e := call(name, args)
		if e != "" {
			t.Fatalf("%s %v: %s", name, args, e)
		}
		return out
	}
	first := func(out map[string]any, key string) map[string]any {
		t.Helper()
		list, _ := out[key].([]any)
		if len(list) == 0 {
			t.Fatalf("no %s in %v", key, out)
		}
		return list[0].(map[string]any)
	}

	s := first(mustCall("search_actors", map[string]any{"q": "88160"}), "actors")
	if s["id"] != "commune-88160" || s["page_url"] != wantBase+"/acteurs/commune-88160" {
		t.Fatalf("search_actors 88160: %v", s)
	}
	peer := first(mustCall("find_peers", map[string]any{"actor": "commune-88160", "limit": 3}), "peers")
	// (A record never changed since the bundled data has no updated_at.)
	if peer["distance_m"] == nil || peer["version"] == nil {
		t.Fatalf("find_peers: %v", peer)
	}
	actor := mustCall("get_actor", map[string]any{"id": "commune-88160"})["actor"].(map[string]any)
	if actor["name"] != "Épinal" {
		t.Fatalf("get_actor: %v", actor)
	}
	if first(mustCall("list_tools", nil), "tools")["slug"] == nil {
		t.Fatal("list_tools: no slug")
	}
	if mustCall("get_tool", map[string]any{"slug": "wiki"})["tool"].(map[string]any)["slug"] != "wiki" {
		t.Fatal("get_tool wiki")
	}
	area := mustCall("actors_in_area", map[string]any{"epci": "200068757", "limit": 10})
	if area["matched"].(float64) < 60 || area["next_offset"].(float64) != 10 {
		t.Fatalf("actors_in_area: matched %v, next %v", area["matched"], area["next_offset"])
	}
	if _, e := call("find_peers", map[string]any{"lon": 500}); !strings.Contains(e, "lon") {
		t.Fatalf("a bad lon: %q", e)
	}

	p := mustCall("propose_change", map[string]any{"target_type": "actor", "target_id": "commune-88160", "action": "update",
		"base_version": actor["version"], "changes": map[string]any{"email": "contact@epinal.fr"},
		"source": "https://www.epinal.fr/contact", "comment": "proposé par un assistant"})
	if p["status"] != "pending" || p["applied"] != false || p["author"].(map[string]any)["name"] != "Alice" {
		t.Fatalf("propose_change: %v", p)
	}
	return int64(p["id"].(float64))
}

// checkQueued checks that proposal id waits in the moderation queue, by Alice.
func checkQueued(t *testing.T, dbPath string, id int64) {
	t.Helper()
	db, err := directory.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := directory.New(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	mod, _ := d.FindUserByID(context.Background(), 4)
	queue, _, err := d.FindProposals(context.Background(), mod, directory.ProposalFilter{Statuses: []string{"pending"}, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(queue, func(p *directory.Proposal) bool { return p.ID == id })
	if i < 0 || queue[i].Author.Name != "Alice" || queue[i].Changes["email"].New == nil {
		t.Fatalf("proposal %d is not in the moderation queue as Alice's", id)
	}
}

func TestMCPStdio(t *testing.T) {
	bin := mustBuildBinary(t)
	dbPath, token := mcpDB(t)
	cmd := exec.Command(bin, "mcp", "-db", dbPath, "-base-url", "https://voisinage.example.org")
	cmd.Env = append(os.Environ(), "VOISINAGE_TOKEN="+token)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	client := mcp.NewClient(&mcp.Implementation{Name: "test-desktop", Version: "1.0.0"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cs, err := client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatalf("connect to voisinage mcp: %v\n%s", err, stderr.String())
	}
	id := exerciseMCP(t, cs, "https://voisinage.example.org")
	if err := cs.Close(); err != nil {
		t.Fatalf("close: %v\n%s", err, stderr.String())
	}
	// Closing stdin ends the command cleanly.
	if !cmd.ProcessState.Success() {
		t.Fatalf("voisinage mcp exited with %v\n%s", cmd.ProcessState, stderr.String())
	}
	checkQueued(t, dbPath, id)

	// Without a token, propose_change says how to give one.
	cmd = exec.Command(bin, "mcp", "-db", dbPath)
	cmd.Env = slices.DeleteFunc(os.Environ(), func(v string) bool { return strings.HasPrefix(v, "VOISINAGE_TOKEN=") })
	cs, err = client.Connect(ctx, &mcp.CommandTransport{Command: cmd}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "propose_change", Arguments: map[string]any{
		"target_type": "actor", "target_id": "commune-88160", "action": "update", "base_version": 1, "changes": map[string]any{"phone": "03 29 00 00 00"}}})
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "VOISINAGE_TOKEN") {
		t.Fatalf("propose_change without a token: %+v, %v", res, err)
	}
}

// bearerTransport sends an API token with every request.
type bearerTransport struct{ token string }

func (b bearerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func TestMCPHTTP(t *testing.T) {
	dbPath, token := mcpDB(t)
	m, logs := MustRunMain(t, dbPath)
	defer m.Close()
	base := "http://" + m.Addr()
	client := mcp.NewClient(&mcp.Implementation{Name: "test-remote", Version: "1.0.0"}, nil)
	ctx := context.Background()
	cs, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: base + "/mcp",
		HTTPClient: &http.Client{Transport: bearerTransport{token}}}, nil)
	if err != nil {
		t.Fatalf("connect to %s/mcp: %v\n%s", base, err, logs)
	}
	defer cs.Close()
	id := exerciseMCP(t, cs, base)
	// The server serves the proposal it did not make itself in its own queue.
	resp, err := http.Get(base + "/api/proposals/" + itoaTest(id))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("GET a proposal anonymously: %d", resp.StatusCode)
	}
	checkQueued(t, dbPath, id)

	// An anonymous client reads, but cannot propose.
	anon, err := client.Connect(ctx, &mcp.StreamableClientTransport{Endpoint: base + "/mcp"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer anon.Close()
	res, err := anon.CallTool(ctx, &mcp.CallToolParams{Name: "propose_change", Arguments: map[string]any{
		"target_type": "actor", "target_id": "commune-88160", "action": "update", "base_version": 1, "changes": map[string]any{"phone": "03 29 00 00 00"}}})
	if err != nil || !res.IsError || !strings.Contains(res.Content[0].(*mcp.TextContent).Text, "Authorization: Bearer") {
		t.Fatalf("anonymous propose_change: %+v, %v", res, err)
	}
}

func itoaTest(n int64) string { b, _ := json.Marshal(n); return string(b) }
