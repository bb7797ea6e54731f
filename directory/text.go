package directory

import (
	"hash/maphash"
	"sync"
	"unsafe"
)

// The read model's entries hold no pointers, so that the garbage collector
// never has to look inside the table of a million of them: a string is an
// offset and a length in large blocks of bytes (text), a string that
// repeats across entries (kind, territory codes, point source) is a small
// code (sym), and the id map is keyed by a hash of the id (idMap). What
// the collector marks is then a few hundred blocks, not millions of
// strings; before this, marking the read model took about 140 ms of CPU per
// cycle at a million actors.

// text is a string kept in a textStore: where it starts and how long it is.
// The zero text is the empty string.
type text struct{ off, n uint32 }

// textStore keeps the strings of the read model in blocks that are only
// ever appended to: a text, once made, never changes. Strings that the read
// model stops using stay in their block until the next full load.
type textStore struct {
	mu     sync.Mutex // guards next and the writers' reservations of slots
	next   uint32     // the next free slot
	blocks [][]byte   // by slot; a fixed array, so that readers never see it move
}

const (
	textBlockBits = 20
	textBlockSize = 1 << textBlockBits
	// textSlots bounds the blocks of one store: 4 GiB of strings.
	textSlots = 1 << (32 - textBlockBits)
)

func newTextStore() *textStore {
	return &textStore{blocks: make([][]byte, textSlots)}
}

// str returns the string of t. It shares the block's memory.
func (s *textStore) str(t text) string {
	if t.n == 0 {
		return ""
	}
	b := s.blocks[t.off>>textBlockBits]
	return unsafe.String(&b[t.off&(textBlockSize-1)], int(t.n))
}

// bytes returns the bytes of t, which must not be written to.
func (s *textStore) bytes(t text) []byte {
	if t.n == 0 {
		return nil
	}
	i := t.off & (textBlockSize - 1)
	return s.blocks[t.off>>textBlockBits][i : i+t.n : i+t.n]
}

// after returns the bytes that follow t in its block: what was written
// with t in one add (see addExtra). They must not be written to.
func (s *textStore) after(t text) []byte {
	i := t.off & (textBlockSize - 1)
	return s.blocks[t.off>>textBlockBits][i+t.n:]
}

// reserve gives a writer a slot holding a new block of at least n bytes.
func (s *textStore) reserve(n int) (uint32, []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.next >= textSlots {
		// Four gigabytes of names: far beyond what a process holds.
		panic("directory: text store full")
	}
	slot := s.next
	s.next++
	b := make([]byte, 0, max(n, textBlockSize))
	s.blocks[slot] = b[:cap(b)]
	return slot, b
}

// textWriter appends texts to a store. Several writers may fill one store
// at once (the two halves of a load), each in blocks of its own; a writer
// itself is used by one goroutine at a time.
type textWriter struct {
	s    *textStore
	slot uint32
	cur  []byte // the unused part starts at len(cur)
}

func (w *textWriter) add(b []byte) text {
	if len(b) == 0 {
		return text{}
	}
	if w.cur == nil || cap(w.cur)-len(w.cur) < len(b) {
		w.slot, w.cur = w.s.reserve(len(b))
	}
	off := len(w.cur)
	w.cur = append(w.cur, b...)
	return text{off: w.slot<<textBlockBits | uint32(off), n: uint32(len(b))}
}

func (w *textWriter) addString(v string) text {
	return w.add(unsafe.Slice(unsafe.StringData(v), len(v)))
}

// unsafeString views b as a string, for reading only while b is unchanged.
func unsafeString(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// sym is a code for a string that many entries share: a kind, a
// département or région code, a point source. 0 is the empty string.
type sym uint16

// symbols numbers the shared strings of a read model.
type symbols struct {
	mu    sync.RWMutex // for the two halves of a load; writers hold d.mu otherwise
	names []string
	json  []string // names as JSON strings, quotes included
	codes map[string]sym
}

func newSymbols() *symbols {
	return &symbols{names: []string{""}, json: []string{`""`}, codes: map[string]sym{"": 0}}
}

func (s *symbols) str(c sym) string { return s.names[c] }

// appendJSON appends the name of c as a JSON string.
func (s *symbols) appendJSON(dst []byte, c sym) []byte { return append(dst, s.json[c]...) }

// lookup returns the code of v, if v has one.
func (s *symbols) lookup(v string) (sym, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	c, ok := s.codes[v]
	return c, ok
}

// code returns the code of v, numbering it if it is new, and the symbols'
// own copy of v (v itself may share a scanner's buffer). It reads names
// under the lock: the two halves of a load number symbols at once.
func (s *symbols) code(v string) (sym, string) {
	s.mu.RLock()
	c, ok := s.codes[v]
	var name string
	if ok {
		name = s.names[c]
	}
	s.mu.RUnlock()
	if ok {
		return c, name
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if c, ok := s.codes[v]; ok {
		return c, s.names[c]
	}
	if len(s.names) > 1<<16-1 {
		// Kinds, territories and sources are a few hundred values.
		panic("directory: too many distinct kinds, territories and sources")
	}
	v = string([]byte(v)) // a copy: v may share a scanner's buffer
	c = sym(len(s.names))
	s.names = append(s.names, v)
	s.json = append(s.json, string(appendString(nil, v)))
	s.codes[v] = c
	return c, v
}

// idMap finds the ref of an actor id. Its keys are 64-bit hashes of the
// ids, so that it holds no pointers; each hit is checked against the
// entry's id, and the ids whose hash an earlier id already had (about one
// pair in 10^10 at a million actors) go in a small map of their own.
type idMap struct {
	seed   maphash.Seed
	hashed map[uint64]uint32
	clash  map[string]uint32
}

func newIDMap(n int) idMap {
	return idMap{seed: maphash.MakeSeed(), hashed: make(map[uint64]uint32, n)}
}

// get returns the ref of id; idOf gives the id of a ref.
func (m *idMap) get(id string, idOf func(uint32) string) (uint32, bool) {
	ref, ok := m.hashed[maphash.String(m.seed, id)]
	if !ok {
		return 0, false
	}
	if idOf(ref) == id {
		return ref, true
	}
	ref, ok = m.clash[id]
	return ref, ok
}

// put maps id to ref; an id already in the map keeps its ref.
func (m *idMap) put(id string, ref uint32, idOf func(uint32) string) {
	h := maphash.String(m.seed, id)
	old, ok := m.hashed[h]
	if !ok {
		m.hashed[h] = ref
		return
	}
	if idOf(old) == id {
		return
	}
	if m.clash == nil {
		m.clash = map[string]uint32{}
	}
	if _, ok := m.clash[id]; !ok {
		m.clash[id] = ref
	}
}
