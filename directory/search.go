package directory

import (
	"cmp"
	"slices"
	"strings"
	"unicode/utf8"
)

// searchIndex maps the words of folded names to actor refs: a slice of
// (word, ref) sorted by word, so that every word starting with a prefix is
// one contiguous range found by binary search. A token's word is a text
// inside the entry's folded name, so that the slice holds no pointers. It
// does no locking.
type searchIndex struct {
	text    *textStore
	toks    []token
	loading bool // appends unsorted until sort is called
}

type token struct {
	word text // a part of the entry's folded name
	ref  uint32
}

func (s *searchIndex) compare(a, b token) int {
	if c := strings.Compare(s.text.str(a.word), s.text.str(b.word)); c != 0 {
		return c
	}
	return cmp.Compare(a.ref, b.ref)
}

// words calls fn with each distinct word of folded, as a text. Folded
// names separate their words by single spaces.
func (s *searchIndex) words(folded text, fn func(text)) {
	f := s.text.str(folded)
	for i := 0; i < len(f); {
		j := strings.IndexByte(f[i:], ' ')
		if j < 0 {
			j = len(f) - i
		}
		if j > 0 && !hasWordBefore(f, i, f[i:i+j]) {
			fn(text{off: folded.off + uint32(i), n: uint32(j)})
		}
		i += j + 1
	}
}

// hasWordBefore reports whether w is one of the words of f[:end].
func hasWordBefore(f string, end int, w string) bool {
	for i := 0; i < end; {
		j := strings.IndexByte(f[i:end], ' ')
		if j < 0 {
			j = end - i
		}
		if f[i:i+j] == w {
			return true
		}
		i += j + 1
	}
	return false
}

// add indexes the words of folded for ref. Before the first sort (while the
// read model loads) it appends; afterwards it inserts in place.
func (s *searchIndex) add(ref uint32, folded text) {
	s.words(folded, func(w text) {
		t := token{w, ref}
		if s.loading {
			s.toks = append(s.toks, t)
			return
		}
		i, found := slices.BinarySearchFunc(s.toks, t, s.compare)
		if !found {
			s.toks = slices.Insert(s.toks, i, t)
		}
	})
}

// removeWord takes ref out of the tokens of the word w.
func (s *searchIndex) removeWord(ref uint32, w string) {
	i, found := slices.BinarySearchFunc(s.toks, ref, func(t token, ref uint32) int {
		if c := strings.Compare(s.text.str(t.word), w); c != 0 {
			return c
		}
		return cmp.Compare(t.ref, ref)
	})
	if found {
		s.toks = slices.Delete(s.toks, i, i+1)
	}
}

func (s *searchIndex) remove(ref uint32, folded text) {
	s.words(folded, func(w text) {
		if i, found := slices.BinarySearchFunc(s.toks, token{w, ref}, s.compare); found {
			s.toks = slices.Delete(s.toks, i, i+1)
		}
	})
}

// sort ends loading: from now on add keeps the slice sorted.
func (s *searchIndex) sort() {
	slices.SortFunc(s.toks, s.compare)
	s.toks = slices.CompactFunc(s.toks, func(a, b token) bool { return a.ref == b.ref && s.text.str(a.word) == s.text.str(b.word) })
	s.loading = false
	if s.toks == nil {
		s.toks = []token{}
	}
}

// prefix returns the tokens whose word starts with p.
func (s *searchIndex) prefix(p string) []token {
	lo, _ := slices.BinarySearchFunc(s.toks, p, func(t token, p string) int { return strings.Compare(s.text.str(t.word), p) })
	hi := lo
	for hi < len(s.toks) && strings.HasPrefix(s.text.str(s.toks[hi].word), p) {
		hi++
	}
	return s.toks[lo:hi]
}

// exact returns the tokens whose word is w.
func (s *searchIndex) exact(w string) []token {
	r := s.prefix(w)
	n := 0
	for n < len(r) && s.text.str(r[n].word) == w {
		n++
	}
	return r[:n]
}

// has reports whether ref is indexed under the word w.
func (s *searchIndex) has(w string, ref uint32) bool {
	_, found := slices.BinarySearchFunc(s.toks, ref, func(t token, ref uint32) int {
		if c := strings.Compare(s.text.str(t.word), w); c != 0 {
			return c
		}
		return cmp.Compare(t.ref, ref)
	})
	return found
}

// queryWord is one word of a search query with the spellings it stands for:
// "st" also means "saint", "ste" "sainte". A word of five letters or more
// that starts no indexed word stands for the spellings one typo away from
// it that do (see typoSpellings); a word with a digit may be an official
// code (INSEE code, SIREN or postal code).
type queryWord struct {
	alts   []string // prefixes of a name word
	wholes []string // whole name words (a typo's deletions)
	typo   bool     // alts and wholes are corrections of what was typed
	code   bool     // has a digit: also looked up among official codes
}

var abbreviations = map[string][]string{
	"st":   {"saint"},
	"ste":  {"sainte"},
	"sts":  {"saints"},
	"stes": {"saintes"},
}

func parseQuery(q string) (folded string, words []queryWord) {
	folded = Fold(q)
	seen := map[string]bool{}
	for _, w := range strings.Fields(folded) {
		if seen[w] {
			continue // a repeated word matches what it matched once
		}
		seen[w] = true
		words = append(words, queryWord{alts: append([]string{w}, abbreviations[w]...),
			code: strings.ContainsAny(w, "0123456789")})
	}
	return folded, words
}

// minTypoLength is the length from which a query word may hold one typo.
const minTypoLength = 5

// typoAlphabet is what a folded word is made of, for typo corrections.
const typoAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// correctTyposLocked gives each query word that starts no indexed name word
// and is no official code the spellings one edit away (a letter changed,
// added, dropped, or two neighbours swapped) that the index holds: epinall
// stands for epinal, brset for brest. A word spelled right is never
// corrected, so a correct query matches exactly what it matched before.
func (d *Directory) correctTyposLocked(words []queryWord) {
	for i := range words {
		qw := &words[i]
		w := qw.alts[0]
		if qw.code || utf8.RuneCountInString(w) < minTypoLength || len(qw.alts) > 1 || len(d.search.prefix(w)) > 0 {
			continue
		}
		qw.alts, qw.wholes = d.search.typoSpellings(w)
		qw.typo = true
	}
}

// typoSpellings returns the spellings one edit away from w that the index
// holds: as prefixes of a name word when they are at least as long as w
// (what was typed may be the start of a word), as whole words when they are
// shorter (a letter typed twice).
func (s *searchIndex) typoSpellings(w string) (prefixes, wholes []string) {
	seen := map[string]bool{w: true}
	try := func(v string, whole bool) {
		if seen[v] {
			return
		}
		seen[v] = true
		if whole {
			if len(s.exact(v)) > 0 {
				wholes = append(wholes, v)
			}
		} else if len(s.prefix(v)) > 0 {
			prefixes = append(prefixes, v)
		}
	}
	b := []byte(w)
	for i := range b {
		try(string(b[:i])+string(b[i+1:]), true) // a letter too many
		if i+1 < len(b) {
			b[i], b[i+1] = b[i+1], b[i] // two letters swapped
			try(string(b), false)
			b[i], b[i+1] = b[i+1], b[i]
		}
	}
	for i := 0; i <= len(b); i++ {
		for j := 0; j < len(typoAlphabet); j++ {
			c := typoAlphabet[j]
			try(string(b[:i])+string(c)+string(b[i:]), false) // a letter missing
			if i < len(b) && b[i] != c {
				try(string(b[:i])+string(c)+string(b[i+1:]), false) // a letter wrong
			}
		}
	}
	slices.Sort(prefixes)
	slices.Sort(wholes)
	return prefixes, wholes
}

// wordMatches reports whether the query word qw matches the name word nw.
func (qw *queryWord) wordMatches(nw string) bool {
	for _, alt := range qw.alts {
		if strings.HasPrefix(nw, alt) {
			return true
		}
	}
	return slices.Contains(qw.wholes, nw)
}

// matches reports whether every query word is a prefix of some word of folded.
func matches(folded string, words []queryWord) bool {
	for _, qw := range words {
		ok := false
		for nw := range strings.FieldsSeq(folded) {
			if qw.wordMatches(nw) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// matchesLocked reports whether entry ref matches every query word: by its
// name, or, for a word with a digit, by its INSEE code, SIREN or a postal code.
func (d *Directory) matchesLocked(ref uint32, words []queryWord) bool {
	folded := d.str(d.entries[ref].folded)
	for i := range words {
		qw := &words[i]
		if qw.code && (d.codes.has(qw.alts[0], ref) || d.postal.has(qw.alts[0], ref)) {
			continue
		}
		if !matches(folded, words[i:i+1]) {
			return false
		}
	}
	return true
}

// candidateRangesLocked returns the ranges of tokens of the rarest query
// word and their total length.
func (d *Directory) candidateRangesLocked(words []queryWord) ([][]token, int) {
	var rarest [][]token
	least := -1
	for _, qw := range words {
		var ranges [][]token
		n := 0
		for _, alt := range qw.alts {
			ranges = append(ranges, d.search.prefix(alt))
		}
		for _, w := range qw.wholes {
			ranges = append(ranges, d.search.exact(w))
		}
		if qw.code {
			ranges = append(ranges, d.codes.exact(qw.alts[0]), d.postal.exact(qw.alts[0]))
		}
		for _, r := range ranges {
			n += len(r)
		}
		if least < 0 || n < least {
			rarest, least = ranges, n
		}
	}
	return rarest, max(least, 0)
}

// candidateCountLocked is len(candidatesLocked(words)), without making them.
func (d *Directory) candidateCountLocked(words []queryWord) int {
	_, n := d.candidateRangesLocked(words)
	return n
}

// candidatesLocked returns the refs (unsorted, possibly repeated) of
// entries matching the rarest query word — by a name word starting with one
// of its spellings, or by an official code; callers check the other words
// with matchesLocked.
func (d *Directory) candidatesLocked(words []queryWord) []uint32 {
	rarest, n := d.candidateRangesLocked(words)
	out := make([]uint32, 0, n)
	for _, r := range rarest {
		for _, t := range r {
			out = append(out, t.ref)
		}
	}
	return out
}

// Search tiers, best first: an official code (INSEE, SIREN) given whole,
// then a postal code, then the whole name equal to the query, names
// starting with it, names whose words match; a query with a typo ranks
// the same way after every query without one.
const (
	tierCode = iota
	tierPostal
	tierName
	tierNamePrefix
	tierWords
	tierTypo // added to the tier of the corrected query
)

// rankLocked places entry ref, which matches words, in a search tier.
func (d *Directory) rankLocked(ref uint32, words []queryWord) int {
	e := &d.entries[ref]
	codes, postal, typo := 0, 0, false
	parts := make([]string, len(words))
	for i := range words {
		qw := &words[i]
		typo = typo || qw.typo
		if len(qw.alts) > 0 {
			parts[i] = qw.alts[len(qw.alts)-1]
		}
		if qw.code {
			switch {
			case d.codes.has(qw.alts[0], ref):
				codes++
				continue
			case d.postal.has(qw.alts[0], ref):
				postal++
				continue
			}
		}
		if qw.typo {
			// The spelling that matched stands for what was typed.
			for nw := range strings.FieldsSeq(d.str(e.folded)) {
				for _, alt := range qw.alts {
					if strings.HasPrefix(nw, alt) {
						parts[i] = alt
					}
				}
				if slices.Contains(qw.wholes, nw) {
					parts[i] = nw
				}
			}
		}
	}
	tier := tierWords
	switch {
	case codes > 0 && codes+postal == len(words):
		tier = tierCode
	case postal > 0 && codes+postal == len(words):
		tier = tierPostal
	default:
		query := strings.Join(parts, " ")
		literal := make([]string, len(words))
		for i := range words {
			if !words[i].typo {
				literal[i] = words[i].alts[0]
			} else {
				literal[i] = parts[i]
			}
		}
		tier = tierName + rank(d.str(e.folded), strings.Join(literal, " "), query)
	}
	if typo {
		tier += tierTypo
	}
	return tier
}

// rank orders search hits by name: the whole name equal to the query
// first (0), then names starting with it (1), then the rest (2).
func rank(folded, query string, queryExpanded string) int {
	switch {
	case folded == query || folded == queryExpanded:
		return 0
	case strings.HasPrefix(folded, query) || strings.HasPrefix(folded, queryExpanded):
		return 1
	default:
		return 2
	}
}

// entryCodes returns an entry's official codes (INSEE code, SIREN) and
// postal codes, folded, from the typed part of its rare properties.
func (d *Directory) entryCodes(e *entry) (codes, postal []string) {
	d.rareOf(e, func(i int, v rareValue) bool {
		switch i {
		case typedCode, typedSIREN:
			codes = appendCode(codes, v.text)
		case typedPostal:
			for _, c := range v.list {
				postal = appendCode(postal, c)
			}
			return false
		}
		return true
	})
	return codes, postal
}

// appendCode appends the folded code c to list, unless it is empty or not one word.
func appendCode(list []string, c string) []string {
	if c = Fold(c); c != "" && !strings.Contains(c, " ") {
		list = append(list, c)
	}
	return list
}

// addCodesLocked and removeCodesLocked keep the code indexes in step with
// entry ref; the codes are written as texts through w.
func (d *Directory) addCodesLocked(ref uint32, w *textWriter) {
	codes, postal := d.entryCodes(&d.entries[ref])
	if len(codes) > 0 {
		d.codes.add(ref, w.addString(strings.Join(codes, " ")))
	}
	if len(postal) > 0 {
		d.postal.add(ref, w.addString(strings.Join(postal, " ")))
	}
}

func (d *Directory) removeCodesLocked(ref uint32) {
	codes, postal := d.entryCodes(&d.entries[ref])
	for _, c := range codes {
		d.codes.removeWord(ref, c)
	}
	for _, c := range postal {
		d.postal.removeWord(ref, c)
	}
}
