package directory_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

// FuzzProposalInput fuzzes the domain's validation of proposals: whatever a
// contributor sends, CheckProposal answers with a domain error that the
// API can show (never EINTERNAL, which would be a 500), and an EINVALID
// names its fields.
func FuzzProposalInput(f *testing.F) {
	d := directorytest.MustOpenFixture(f).D
	ctx := context.Background()
	u, err := d.CreateUser(ctx, directory.Registration{Email: "fuzz@fuzz.test", DisplayName: "Fuzz", Password: "fuzz passphrase"}, directory.RoleContributor)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []struct {
		typ, id, action string
		base            int
		changes         string
	}{
		{"actor", "commune-88160", "update", 1, `{"website":"https://www.epinal.fr","phone":"03 29 68 50 00"}`},
		{"actor", "commune-88160", "update", 1, `{"name":"Épinal 2"}`},
		{"actor", "commune-29083", "place", 1, `{"lon":-4.85,"lat":48.04}`},
		{"actor", "commune-29083", "place", 1, `{"lon":2,"lat":60}`},
		{"actor", "", "create", 0, `{"kind":"association","name":"Réseau","lon":6.4,"lat":48.2,"labels":["a","b"]}`},
		{"actor", "", "create", 0, `{"kind":"commune","name":"Nouvelle"}`},
		{"actor", "commune-88160", "delete", 1, `{}`},
		{"tool", "flickr", "update", 1, `{"themes":["democratie","nope"],"free_software":"yes"}`},
		{"tool", "", "create", 0, `{"name":"Outil","themes":["democratie"],"url":"javascript:x"}`},
		{"adoption", "", "create", 0, `{"actor":"commune-88160","tool":"flickr","since":1789,"status":"in_use"}`},
		{"adoption", "adoption-commune-13004-albums-photo-en-ligne", "update", 1, `{"status":"gone","since":"2020"}`},
		{"actor", "commune-88160", "update", -5, `{"population":-1,"postal_codes":["8800"],"parents":["epci-x"]}`},
		{"nope", "x", "fly", 0, `null`},
		{"actor", "commune-88160", "update", 1, `{"description":"` + strings.Repeat("x", 3000) + `"}`},
		{"actor", "commune-88160", "update", 1, "{\"address\":\"\\u0000\\u202e\"}"},
	} {
		f.Add(s.typ, s.id, s.action, s.base, []byte(s.changes))
	}
	f.Fuzz(func(t *testing.T, typ, id, action string, base int, changes []byte) {
		var ch map[string]json.RawMessage
		if json.Unmarshal(changes, &ch) != nil {
			ch = nil
		}
		_, err := d.CheckProposal(ctx, u, directory.ProposalInput{TargetType: typ, TargetID: id, Action: action,
			BaseVersion: base, Changes: ch, Comment: string(changes[:min(len(changes), 50)])})
		switch directory.ErrorCode(err) {
		case directory.EINTERNAL:
			t.Fatalf("%s %s %s %d %s: internal error %v", typ, id, action, base, changes, err)
		case directory.EINVALID:
			if len(directory.ErrorFields(err)) == 0 {
				t.Fatalf("%s %s %s %d %s: EINVALID naming no field: %v", typ, id, action, base, changes, err)
			}
		}
		if msg := directory.ErrorMessage(err); !utf8.ValidString(msg) {
			t.Fatalf("error message is not UTF-8: %q", msg)
		}
	})
}
