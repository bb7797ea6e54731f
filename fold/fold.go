package fold

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// String normalises s for matching: compatibility forms replaced (NFKD:
// full-width "Ｅｐｉｎａｌ" is "Epinal", "ﬁ" is "fi"), lower case, accents
// removed (é → e), ligatures expanded (œ → oe, æ → ae, ß → ss), the
// Cyrillic and Greek letters that look like Latin ones read as those
// (homoglyphs below), typographic apostrophes, hyphens and punctuation
// turned into spaces, runs of spaces collapsed.
// The same function serves indexing and querying, so "oeuilly" finds Œuilly
// and "st germain en l" finds Saint-Germain-en-Laye.
func String(s string) string {
	if IsASCII(s) {
		return string(AppendASCII(make([]byte, 0, len(s)), s))
	}
	// Invalid UTF-8 (refused at the door, but String must not depend on it)
	// would stop NFD from decomposing what follows, and a second String
	// would then differ from the first.
	s = strings.ToValidUTF8(s, " ")
	var b strings.Builder
	b.Grow(len(s))
	space := true // drop leading spaces
	for _, r := range norm.NFKD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue // combining accent
		}
		if l, ok := homoglyphs[r]; ok {
			r = l
		}
		r = unicode.ToLower(r)
		switch r {
		case 'œ':
			b.WriteString("oe")
			space = false
			continue
		case 'æ':
			b.WriteString("ae")
			space = false
			continue
		case 'ß':
			b.WriteString("ss")
			space = false
			continue
		case 'ø':
			r = 'o'
		case 'ł':
			r = 'l'
		case 'đ':
			r = 'd'
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
			space = false
		} else if !space {
			b.WriteByte(' ')
			space = true
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// IsASCII reports whether s is plain ASCII, which AppendASCII folds.
func IsASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// AppendASCII appends String(s) to b for an ASCII s, without allocating
// (most synthetic names and most queries are ASCII).
func AppendASCII(b []byte, s string) []byte {
	n := len(b)
	space := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+'a'-'A')
			space = false
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			b = append(b, c)
			space = false
		case !space:
			b = append(b, ' ')
			space = true
		}
	}
	for len(b) > n && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	return b
}

// homoglyphs maps the Cyrillic and Greek letters that render like a Latin
// letter to it (a subset of Unicode's confusables, UTS #39): a name typed
// with "Е" (Cyrillic) is found as, and is a duplicate of, the same name
// typed with "E". French names use no Cyrillic or Greek letters, so
// nothing real is lost.
var homoglyphs = map[rune]rune{
	// Cyrillic capitals and small letters
	'А': 'A', 'В': 'B', 'Е': 'E', 'К': 'K', 'М': 'M', 'Н': 'H', 'О': 'O', 'Р': 'P', 'С': 'C', 'Т': 'T',
	'Х': 'X', 'У': 'Y', 'Ѕ': 'S', 'І': 'I', 'Ј': 'J', 'Ԛ': 'Q', 'Ԝ': 'W',
	'а': 'a', 'е': 'e', 'о': 'o', 'р': 'p', 'с': 'c', 'у': 'y', 'х': 'x', 'ѕ': 's', 'і': 'i', 'ј': 'j',
	'ԁ': 'd', 'ԛ': 'q', 'ԝ': 'w', 'һ': 'h', 'ү': 'y',
	// Greek capitals and small letters
	'Α': 'A', 'Β': 'B', 'Ε': 'E', 'Ζ': 'Z', 'Η': 'H', 'Ι': 'I', 'Κ': 'K', 'Μ': 'M', 'Ν': 'N', 'Ο': 'O',
	'Ρ': 'P', 'Τ': 'T', 'Υ': 'Y', 'Χ': 'X',
	'α': 'a', 'ο': 'o', 'ι': 'i', 'ν': 'v', 'ρ': 'p', 'υ': 'u',
}
