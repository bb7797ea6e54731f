package directory_test

import (
	"testing"

	"github.com/voisinage/voisinage/directory"
)

func TestFold(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Épinal", "epinal"},
		{"ÉPINAL", "epinal"},
		{"Œuilly", "oeuilly"},
		{"Cœuvres-et-Valsery", "coeuvres et valsery"},
		{"L’Haÿ-les-Roses", "l hay les roses"},
		{"L'Haÿ-les-Roses", "l hay les roses"},
		{"Saint-Germain-en-Laye", "saint germain en laye"},
		{"  Besançon  ", "besancon"},
		{"Æ ß", "ae ss"},
		{"Mégalis Bretagne (syndicat)", "megalis bretagne syndicat"},
		{"2A004", "2a004"},
		{"--", ""},
		{"", ""},
		{"a\x00b", "a b"},
	} {
		t.Run(c.in, func(t *testing.T) {
			if got := directory.Fold(c.in); got != c.want {
				t.Fatalf("Fold(%q) = %q, want %q", c.in, got, c.want)
			}
			if got := directory.LoadFold(c.in); got != c.want {
				t.Fatalf("the loader folds %q to %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"Épinal", "Œuilly", "L’Haÿ", "\xff\xfe", "a\u0301", "ǅ", "Lieu synthétique 0042", "Saint-Jean  d’Angély", "a \u0301b", "x\u00a0é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := directory.Fold(s)
		if twice := directory.Fold(once); twice != once {
			t.Fatalf("Fold is not idempotent: %q → %q → %q", s, once, twice)
		}
		if loaded := directory.LoadFold(s); loaded != once {
			t.Fatalf("the loader folds %q to %q, Fold to %q", s, loaded, once)
		}
	})
}
