// Package fold normalises names for matching: one function, String, used
// wherever two spellings of a French name must compare equal: the
// directory's search index and queries, and the data build's joins between
// the official list and GeoNames.
//
// It is a leaf: it imports nothing of the project (only golang.org/x/text),
// so that data, which must not import directory, can use it too.
package fold
