package directory

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"runtime"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: OWASP's minimum (19 MiB, 2 passes, 1 lane), about
// 90 ms here. They are stored in each hash, so they can be raised later.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// passwordEvaluations counts argon2id evaluations (hashes and checks):
// each costs about 90 ms of a core and 19 MiB, so how many a request may
// cause is what password guessing and its limits are about.
var passwordEvaluations atomic.Uint64

// PasswordEvaluations returns how many argon2id evaluations this process
// has made (for metrics, and for tests that count them).
func PasswordEvaluations() uint64 { return passwordEvaluations.Load() }

// argonSlots bounds the argon2id evaluations run at once to the cores.
// Each is ~90 ms of a core and 19 MiB: a burst of registrations or logins
// (150 at once) evaluated all together filled every core for seconds and
// took 150 × 19 MiB, and the few goroutines that held PostgreSQL's writer
// lock waited for a core between their statements, so long that a write
// waiting behind them gave up at the lock timeout (503). Queued here, the
// evaluations take the same total time, and everything else still gets a
// core at once.
var argonSlots = make(chan struct{}, runtime.GOMAXPROCS(0))

// argonRunning and argonPeak count evaluations under way (for a test).
var argonRunning, argonPeak atomic.Int64

// argonKey is argon2.IDKey within a slot of argonSlots.
func argonKey(password, salt []byte, time, memory uint32, threads uint8, keyLen uint32) []byte {
	argonSlots <- struct{}{}
	defer func() { <-argonSlots }()
	n := argonRunning.Add(1)
	defer argonRunning.Add(-1)
	for {
		peak := argonPeak.Load()
		if n <= peak || argonPeak.CompareAndSwap(peak, n) {
			break
		}
	}
	return argon2.IDKey(password, salt, time, memory, threads, keyLen)
}

// hashPassword returns the argon2id hash of password as a PHC string.
func hashPassword(password string) (string, error) {
	passwordEvaluations.Add(1)
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argonKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime,
		argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// checkPassword reports whether password matches the PHC-encoded hash, in
// constant time.
func checkPassword(hash, password string) bool {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	var m uint32
	var t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil {
		return false
	}
	passwordEvaluations.Add(1)
	got := argonKey([]byte(password), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when an e-mail is unknown, so that a login
// attempt costs the same time whether or not the account exists.
var dummyHash = func() string {
	h, _ := hashPassword("voisinage-dummy-password")
	passwordEvaluations.Store(0)
	return h
}()

// newToken returns a random token (for sessions and API tokens) and the
// SHA-256 hash that is stored instead of it.
func newToken(prefix string) (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, tokenHash(token), nil
}

// tokenHash is how tokens are stored at rest: their SHA-256, hex.
func tokenHash(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
