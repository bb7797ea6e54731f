package web

import (
	"bytes"
	"context"
	"log/slog"
	"math/rand/v2"
	"testing"
	"time"
)

// The request line written directly must be the bytes slog's JSONHandler
// writes for the same record, whatever the values hold.
func TestAccessLineIsSlogs(t *testing.T) {
	rnd := rand.New(rand.NewPCG(4, 4))
	pick := func() string {
		return []string{"", "GET", "/api/collections/:collection/items", "q=a&b=<c>", "Épinal \u2028\u2029",
			"\"quoted\"\\", "\x00\x01\b\f\t\n\r", "\xff\xfe", "🗺️", "a/b?c=d"}[rnd.IntN(10)]
	}
	var buf bytes.Buffer
	h := requestIDHandler{slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})}
	for i := range 5000 {
		a := accessEntry{level: []slog.Level{slog.LevelDebug, slog.LevelInfo, slog.LevelError}[rnd.IntN(3)],
			method: pick(), route: pick(), path: pick(), status: 100 + rnd.IntN(500),
			durationMS: []float64{0, 0.001, 1.5, float64(rnd.IntN(1e7)) / 1000, 1e-7, 3e21}[rnd.IntN(6)],
			bytes:      rnd.IntN(1 << 20), ip: pick(), query: pick(), errors: pick(), requestID: "req" + pick()}
		if i%2 == 0 {
			a.userID, a.hasUser = rnd.Int64N(1e9), true
		}
		when := time.Unix(rnd.Int64N(4e9), rnd.Int64N(1e9)).UTC()
		if i%3 == 0 {
			when = time.Unix(rnd.Int64N(4e9), 0).In(time.FixedZone("x", 3600))
		}
		buf.Reset()
		r := slog.NewRecord(when, a.level, "request", 0)
		r.AddAttrs(a.attrs()...)
		ctx := context.WithValue(context.Background(), requestIDKey{}, a.requestID)
		if err := h.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
		if got := appendAccessLine(nil, when, &a); !bytes.Equal(got, buf.Bytes()) {
			t.Fatalf("line differs:\n got %s\nwant %s", got, buf.Bytes())
		}
	}
}
