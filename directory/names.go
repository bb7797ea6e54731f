package directory

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Names people choose — display names of accounts, names of actors and
// tools — are stored in Unicode NFKC form (full-width "Ｅｐｉｎａｌ" is
// stored "Epinal", the ligature "ﬁ" as "fi"), and refused when they carry
// characters that cannot be seen or that reorder the text around them:
// zero-width spaces and joiners, direction marks and overrides (U+202E
// makes "gpj.exe" read "exe.jpg"), variation selectors, fillers. Such
// characters let two names that look the same differ, or one name look
// like another.

// NormalizeName trims s and returns its NFKC form.
func NormalizeName(s string) string { return strings.TrimSpace(norm.NFKC.String(s)) }

// invisibleRune reports whether r is invisible or controls the direction
// of text: the format characters (Unicode category Cf: U+200B–U+200F,
// U+202A–U+202E, U+2060–U+2064, U+2066–U+2069, U+FEFF, U+00AD, tags…),
// controls, variation selectors, the combining grapheme joiner, and the
// letters that render as blank (Hangul fillers, the braille blank).
func invisibleRune(r rune) bool {
	switch {
	case unicode.Is(unicode.Cf, r), unicode.Is(unicode.Cc, r), unicode.Is(unicode.Co, r):
		return true
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF: // variation selectors
		return true
	case r == 0x034F, r == 0x115F, r == 0x1160, r == 0x3164, r == 0xFFA0, r == 0x2800, r == 0x180E:
		return true
	case r == '\u2028', r == '\u2029':
		return true
	case !unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Zs):
		return true // unassigned
	}
	return false
}

// checkName validates a chosen name and returns it normalised (NFKC,
// trimmed), or the problem to report (a zero Key when it is fine): valid
// UTF-8, no invisible or direction-control character (keyInvisible), lo
// to hi characters once normalised.
func checkName(s string, lo, hi int) (string, Key, Args) {
	if !utf8.ValidString(s) {
		return "", KeyUTF8, nil
	}
	n := NormalizeName(s)
	for _, r := range strings.TrimSpace(s) + n {
		if invisibleRune(r) {
			return "", keyInvisible, nil
		}
	}
	if c := utf8.RuneCountInString(n); c < lo || c > hi {
		return n, keyNameLength, Args{"min": lo, "max": hi}
	}
	return n, Key{}, nil
}

// NameKey is the key under which two display names are the same account
// name: they look alike once normalised (NFKC), folded (case, accents,
// ligatures and punctuation ignored, see Fold) and mapped through the
// confusables below, spaces removed. "Alice", "ALICE", "Alicé", "A l i c e",
// "Аlice" (Cyrillic А), "AIice" (capital i) and "A1ice" share a key.
func NameKey(s string) string {
	s = NormalizeName(s)
	var b strings.Builder
	for _, r := range s {
		// Before folding, which would make these spaces.
		if m, ok := preFoldConfusables[r]; ok {
			r = m
		}
		b.WriteRune(r)
	}
	f := Fold(b.String())
	b.Reset()
	for _, r := range f {
		if m, ok := postFoldConfusables[r]; ok {
			r = m
		}
		if r != ' ' {
			b.WriteRune(r)
		}
	}
	k := b.String()
	for _, p := range multiConfusables {
		k = strings.ReplaceAll(k, p[0], p[1])
	}
	return k
}

// The confusables tables are a minimal subset of Unicode's confusables
// (UTS #39, confusables.txt) for names written in Latin script: the
// characters of other scripts that Fold leaves and that render like a
// Latin letter (Cyrillic and Greek look-alikes are mapped by Fold itself,
// for search), and the digits and symbols that stand in for letters.
// Extend them when a case is found; keep them small.
var preFoldConfusables = map[rune]rune{
	'|': 'l',
	'ǀ': 'l', // U+01C0 dental click
	'ı': 'i', // dotless i
	'ȷ': 'j', // dotless j
}

// postFoldConfusables apply to folded (lower-case) text. A capital i looks
// like a small L in most fonts, and folding makes it a small i: i and l
// are one letter here, at the price of "Ali" and "All" being one name.
var postFoldConfusables = map[rune]rune{
	'i': 'l',
	'0': 'o',
	'1': 'l',
}

var multiConfusables = [][2]string{
	{"rn", "m"},
	{"vv", "w"},
}
