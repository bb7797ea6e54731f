package directory

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// appendString must produce what encoding/json produces (HTML-safe escaping).
func checkAppendString(t *testing.T, s string) {
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := appendString(nil, s); !bytes.Equal(got, want) {
		t.Fatalf("appendString(%q) = %s, want %s", s, got, want)
	}
}

func TestAppendString(t *testing.T) {
	for _, s := range []string{"", "Épinal", `"quoted" \ back`, "<script>alert(1)</script>", "a&b", "tab\tnl\ncr\r",
		"\x00\x1f\x7f", "\u2028\u2029", "bad \xff utf8", "\xed\xa0\x80", "emoji 🗺️"} {
		checkAppendString(t, s)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 2000; i++ {
		b := make([]byte, rnd.IntN(24))
		for j := range b {
			b[j] = byte(rnd.IntN(256))
		}
		checkAppendString(t, string(b))
	}
}

func FuzzAppendString(f *testing.F) {
	f.Add("<img src=x onerror=alert(1)>")
	f.Add("\xff")
	f.Fuzz(checkAppendString)
}

// appendCoord must write what strconv writes for the rounded number.
func TestAppendCoord(t *testing.T) {
	check := func(x float64) {
		t.Helper()
		want := strconv.AppendFloat(nil, Round6(x), 'f', -1, 64)
		if got := appendCoord(nil, x); !bytes.Equal(got, want) {
			t.Fatalf("appendCoord(%v) = %s, want %s", x, got, want)
		}
	}
	for _, x := range []float64{0, math.Copysign(0, -1), -1e-7, 1e-7, 5e-7, -5e-7, 4e-7, 1e-6, -1e-6, 180, -180, 90, -90,
		6.45, 48.174, -5.2, 179.9999995, -179.9999995, 0.1, 0.000001, 12.3456785, 1e300, math.Inf(1), math.NaN()} {
		check(x)
	}
	rnd := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		x := -180 + rnd.Float64()*360
		check(x)
		check(Round6(x))
		check(math.Round(x*1000) / 1000)
	}
}

// appendTime must write what time.Time.AppendFormat writes for RFC 3339 in UTC.
func TestAppendTime(t *testing.T) {
	rnd := rand.New(rand.NewPCG(5, 6))
	for i := range 200000 {
		sec := rnd.Int64N(253402300800+62135596800) - 62135596800 // years 1 to 9999
		if i < 1000 {
			sec = int64(i-500) * 86399
		}
		want := time.Unix(sec, 0).UTC().AppendFormat(nil, time.RFC3339)
		if got := appendTime(nil, sec); !bytes.Equal(got, want) {
			t.Fatalf("appendTime(%d) = %s, want %s", sec, got, want)
		}
	}
}

// jsonPlain must say exactly when appendString adds only the quotes.
func TestJSONPlain(t *testing.T) {
	rnd := rand.New(rand.NewPCG(7, 8))
	samples := []string{"", "Épinal", "a<b", "\u2028", "\xff", "commune-88160", "Saint-Dié-des-Vosges"}
	for range 20000 {
		b := make([]byte, rnd.IntN(12))
		for j := range b {
			b[j] = byte(rnd.IntN(256))
		}
		samples = append(samples, string(b))
	}
	for _, s := range samples {
		want := string(appendString(nil, s)) == `"`+s+`"`
		if jsonPlain(s) != want {
			t.Fatalf("jsonPlain(%q) = %v, want %v", s, !want, want)
		}
	}
}
