package directory

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// appendString must produce what encoding/json produces (HTML-safe escaping).
func checkAppendString(t *testing.T, s string) {
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := appendString(nil, s); !bytes.Equal(got, want) {
		t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "Épinal", `"quoted" \ back`, "<script>alert(1)</script>", "a&b", "tab\tnl\ncr\r",
		"\x00\x1f\x7f", "\u2028\u2029", "bad \xff utf8", "\xed\xa0\x80", "emoji 🗺️"} {
		checkAppendString(t, s)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		b := make([]byte, rnd.IntN(24))
		for j := range b {
			b[j] = byte(rnd.IntN(256))
		}
		checkAppendString(t, string(b))
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("<img src=x onerror=alert(1)>")
	f.Add("\xff")
	f.Fuzz(checkAppendString)
}
