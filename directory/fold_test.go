package directory_test

import (
	"testing"

	"github.com/voisinage/voisinage/directory"
)

// The read model's loader folds names word by word, with a memory of words
// already folded (entryBuilder.fold); it must agree with Fold (fold.String,
// tested in package fold) on every input.

func TestLoadFold(t *testing.T) {
	for _, s := range []string{"Épinal", "ÉPINAL", "Œuilly", "Cœuvres-et-Valsery", "L’Haÿ-les-Roses",
		"Saint-Germain-en-Laye", "  Besançon  ", "Æ ß", "2A004", "--", "", "a\x00b", "Lieu synthétique 0042"} {
		if got, want := directory.LoadFold(s), directory.Fold(s); got != want {
			t.Errorf("the loader folds %q to %q, Fold to %q", s, got, want)
		}
	}
}

func FuzzLoadFold(f *testing.F) {
	for _, s := range []string{"Épinal", "Œuilly", "L’Haÿ", "\xff\xfe", "a\u0301", "ǅ", "Lieu synthétique 0042", "Saint-Jean  d’Angély", "a \u0301b", "x\u00a0é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if loaded, folded := directory.LoadFold(s), directory.Fold(s); loaded != folded {
			t.Fatalf("the loader folds %q to %q, Fold to %q", s, loaded, folded)
		}
	})
}
