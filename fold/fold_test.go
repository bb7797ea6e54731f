package fold_test

import (
	"testing"

	"github.com/voisinage/voisinage/fold"
)

func TestString(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Épinal", "epinal"},
		{"ÉPINAL", "epinal"},
		{"Œuilly", "oeuilly"},
		{"Bonnœuvre", "bonnoeuvre"},
		{"Cœuvres-et-Valsery", "coeuvres et valsery"},
		{"L’Haÿ-les-Roses", "l hay les roses"},
		{"L'Haÿ-les-Roses", "l hay les roses"},
		{"Saint-Germain-en-Laye", "saint germain en laye"},
		{"  Vire  Normandie ", "vire normandie"},
		{"Château-Chinon (Ville)", "chateau chinon ville"},
		{"  Besançon  ", "besancon"},
		{"Æ ß Łódź", "ae ss lodz"},
		{"Mégalis Bretagne (syndicat)", "megalis bretagne syndicat"},
		{"2A004", "2a004"},
		{"--", ""},
		{"", ""},
		{"a\x00b", "a b"},
		{"Ｅｐｉｎａｌ", "epinal"},      // full-width (NFKD)
		{"Еpinal", "epinal"},      // Cyrillic Е
		{"Ρaris", "paris"},        // Greek Ρ
		{"ﬁnistère", "finistere"}, // the fi ligature
	} {
		if got := fold.String(c.in); got != c.want {
			t.Errorf("String(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestAppendASCII(t *testing.T) {
	for _, s := range []string{"Saint-Die", "  Epinal  ", "L'Hay--les Roses", "2A004", ""} {
		if !fold.IsASCII(s) {
			t.Fatalf("%q is ASCII", s)
		}
		if got, want := string(fold.AppendASCII([]byte("x "), s)), "x "+fold.String(s); got != want && s != "" {
			t.Errorf("AppendASCII(%q) = %q, want %q", s, got, want)
		}
	}
	if fold.IsASCII("Épinal") {
		t.Error("Épinal is not ASCII")
	}
}

func FuzzString(f *testing.F) {
	for _, s := range []string{"Épinal", "Œuilly", "L’Haÿ", "\xff\xfe", "a\u0301", "ǅ", "Lieu synthétique 0042", "Saint-Jean  d’Angély", "a \u0301b", "x\u00a0é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := fold.String(s)
		if twice := fold.String(once); twice != once {
			t.Fatalf("String is not idempotent: %q → %q → %q", s, once, twice)
		}
	})
}
