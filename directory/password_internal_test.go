package directory

import (
	"runtime"
	"sync"
	"testing"
)

// A burst of password evaluations runs at most one per core at a time
// (the rest queue), so that the goroutines holding the writer lock are
// never starved of a core by a burst of registrations or logins.
func TestPasswordEvaluationsBounded(t *testing.T) {
	argonPeak.Store(0)
	var wg sync.WaitGroup
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if h, err := hashPassword("a long passphrase"); err != nil || !checkPassword(h, "a long passphrase") {
				t.Error("hash and check disagree", err)
			}
		}()
	}
	wg.Wait()
	if peak := argonPeak.Load(); peak > int64(runtime.GOMAXPROCS(0)) || peak < 1 {
		t.Fatalf("%d argon2id evaluations ran at once, on %d cores", peak, runtime.GOMAXPROCS(0))
	}
}
