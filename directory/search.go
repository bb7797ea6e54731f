package directory

import (
	"cmp"
	"slices"
	"strings"
)

// searchIndex maps the words of folded names to actor refs: a slice of
// (word, ref) sorted by word, so that every word starting with a prefix is
// one contiguous range found by binary search. It does no locking.
type searchIndex struct {
	toks    []token
	loading bool // appends unsorted until sort is called
}

type token struct {
	word string // shares memory with the entry's folded name
	ref  uint32
}

func compareToken(a, b token) int {
	if c := strings.Compare(a.word, b.word); c != 0 {
		return c
	}
	return cmp.Compare(a.ref, b.ref)
}

// add indexes the words of folded for ref. Before the first sort (while the
// read model loads) it appends; afterwards it inserts in place.
func (s *searchIndex) add(ref uint32, folded string) {
	for _, w := range uniqueWords(folded) {
		t := token{w, ref}
		if s.loading {
			s.toks = append(s.toks, t)
			continue
		}
		i, found := slices.BinarySearchFunc(s.toks, t, compareToken)
		if !found {
			s.toks = slices.Insert(s.toks, i, t)
		}
	}
}

func (s *searchIndex) remove(ref uint32, folded string) {
	for _, w := range uniqueWords(folded) {
		if i, found := slices.BinarySearchFunc(s.toks, token{w, ref}, compareToken); found {
			s.toks = slices.Delete(s.toks, i, i+1)
		}
	}
}

// sort ends loading: from now on add keeps the slice sorted.
func (s *searchIndex) sort() {
	slices.SortFunc(s.toks, compareToken)
	s.toks = slices.CompactFunc(s.toks, func(a, b token) bool { return a.word == b.word && a.ref == b.ref })
	s.loading = false
	if s.toks == nil {
		s.toks = []token{}
	}
}

// prefix returns the tokens whose word starts with p.
func (s *searchIndex) prefix(p string) []token {
	lo, _ := slices.BinarySearchFunc(s.toks, p, func(t token, p string) int { return strings.Compare(t.word, p) })
	hi := lo
	for hi < len(s.toks) && strings.HasPrefix(s.toks[hi].word, p) {
		hi++
	}
	return s.toks[lo:hi]
}

func uniqueWords(folded string) []string {
	words := strings.Fields(folded)
	slices.Sort(words)
	return slices.Compact(words)
}

// queryWord is one word of a search query with the spellings it stands for:
// "st" also means "saint", "ste" "sainte".
type queryWord struct {
	alts []string
}

var abbreviations = map[string][]string{
	"st":   {"saint"},
	"ste":  {"sainte"},
	"sts":  {"saints"},
	"stes": {"saintes"},
}

func parseQuery(q string) (folded string, words []queryWord) {
	folded = Fold(q)
	for _, w := range strings.Fields(folded) {
		words = append(words, queryWord{alts: append([]string{w}, abbreviations[w]...)})
	}
	return folded, words
}

// matches reports whether every query word is a prefix of some word of folded.
func matches(folded string, words []queryWord) bool {
	nameWords := strings.Fields(folded)
	for _, qw := range words {
		ok := false
		for _, nw := range nameWords {
			for _, alt := range qw.alts {
				if strings.HasPrefix(nw, alt) {
					ok = true
					break
				}
			}
			if ok {
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// candidates returns the refs (unsorted, possibly repeated) of entries having
// a word that starts with one spelling of the rarest query word; callers
// check the other words with matches.
func (s *searchIndex) candidates(words []queryWord) []uint32 {
	var rarest [][]token
	least := -1
	for _, qw := range words {
		ranges := make([][]token, len(qw.alts))
		n := 0
		for i, alt := range qw.alts {
			ranges[i] = s.prefix(alt)
			n += len(ranges[i])
		}
		if least < 0 || n < least {
			rarest, least = ranges, n
		}
	}
	out := make([]uint32, 0, max(least, 0))
	for _, r := range rarest {
		for _, t := range r {
			out = append(out, t.ref)
		}
	}
	return out
}

// rank orders search hits: the whole name equal to the query first, then
// names starting with it, then names whose words match in order, then the
// rest; within a tier, larger population first, then name.
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

// expand replaces abbreviations by their first long form ("st germain" → "saint germain").
func expand(words []queryWord) string {
	parts := make([]string, len(words))
	for i, w := range words {
		parts[i] = w.alts[len(w.alts)-1]
	}
	return strings.Join(parts, " ")
}
