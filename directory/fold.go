package directory

import "github.com/voisinage/voisinage/fold"

// Fold normalises text for matching (fold.String): lower case, accents and
// punctuation gone, ligatures spelled out. The search index, its queries
// and slugs use it; so does the data build, through package fold.
func Fold(s string) string { return fold.String(s) }
