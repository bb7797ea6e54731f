package mcpserver_test

import (
	"context"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voisinage/voisinage/directory/directorytest"
)

// BenchmarkToolCall times one tools/call through the SDK's client over real
// HTTP (stateless JSON), on the small test dataset: the protocol's cost
// around the directory's.
func BenchmarkToolCall(b *testing.B) {
	f := directorytest.MustOpenFixture(b)
	for _, c := range []struct {
		name string
		args map[string]any
	}{
		{"search_actors", map[string]any{"q": "88160", "limit": 5}},
		{"find_peers", map[string]any{"actor": "commune-88160", "limit": 10}},
		{"get_actor", map[string]any{"id": "commune-88160"}},
	} {
		b.Run(c.name, func(b *testing.B) {
			cs := connectB(b, f)
			for b.Loop() {
				res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: c.name, Arguments: c.args})
				if err != nil || res.IsError {
					b.Fatalf("%s: %v %+v", c.name, err, res)
				}
			}
		})
	}
}
