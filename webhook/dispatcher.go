package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/voisinage/voisinage/directory"
)

// Headers of a delivery.
const (
	HeaderEvent     = "X-Voisinage-Event"
	HeaderDelivery  = "X-Voisinage-Delivery"
	HeaderSignature = "X-Voisinage-Signature"
	userAgent       = "voisinage-webhooks/1.0"
)

// Config tunes the dispatcher; zero fields take the defaults.
type Config struct {
	Guard      Guard
	Timeout    time.Duration // per attempt; default 10 s
	Backoff    time.Duration // wait after the first failure, doubled after each; default 30 s
	MaxBackoff time.Duration // longest wait between two attempts; default 1 h
	RetryFor   time.Duration // how long a delivery is retried before it fails; default 24 h
	Batch      int           // deliveries sent at once; default 8
	Poll       time.Duration // how often the queue is looked at when idle; default 1 s
	Keep       time.Duration // how long delivered and failed deliveries are kept; default 30 days
}

// Dispatcher sends the queued deliveries.
type Dispatcher struct {
	dir    *directory.Directory
	cfg    Config
	client *http.Client
	log    *slog.Logger
	// Now is the dispatcher's clock (the directory's store has its own).
	Now func() time.Time
}

// New returns a dispatcher over dir's queue.
func New(dir *directory.Directory, cfg Config, log *slog.Logger) *Dispatcher {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = 30 * time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Hour
	}
	if cfg.RetryFor <= 0 {
		cfg.RetryFor = 24 * time.Hour
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 8
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Keep <= 0 {
		cfg.Keep = 30 * 24 * time.Hour
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Dispatcher{dir: dir, cfg: cfg, client: cfg.Guard.Client(cfg.Timeout), log: log,
		Now: func() time.Time { return time.Now().UTC() }}
}

// Sign returns the X-Voisinage-Signature of body under secret.
func Sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// Backoff returns how long to wait after the attempts-th failed attempt:
// Backoff, doubled after each failure, at most MaxBackoff.
func (d *Dispatcher) Backoff(attempts int) time.Duration {
	wait := d.cfg.Backoff
	for i := 1; i < attempts && wait < d.cfg.MaxBackoff; i++ {
		wait *= 2
	}
	return min(wait, d.cfg.MaxBackoff)
}

// Run sends deliveries until ctx ends: whatever is due, then again after
// Poll when the queue was empty; every hour it deletes the deliveries older
// than Keep that are done.
func (d *Dispatcher) Run(ctx context.Context) {
	var pruned time.Time
	for {
		if now := d.Now(); now.Sub(pruned) >= time.Hour {
			pruned = now
			if n, err := d.dir.PruneDeliveries(ctx, now.Add(-d.cfg.Keep)); err != nil && ctx.Err() == nil {
				d.log.Error("pruning webhook deliveries", "err", err)
			} else if n > 0 {
				d.log.Info("webhook deliveries pruned", "count", n, "older_than", d.cfg.Keep.String())
			}
		}
		n, err := d.RunOnce(ctx)
		if err != nil && ctx.Err() == nil {
			d.log.Error("webhook deliveries", "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(d.cfg.Poll):
		}
	}
}

// RunOnce sends the deliveries due now (at most Batch, at once) and records
// each attempt; it returns how many it attempted.
func (d *Dispatcher) RunOnce(ctx context.Context) (int, error) {
	now := d.Now()
	due, err := d.dir.ClaimDeliveries(ctx, now, d.cfg.Timeout+30*time.Second, d.cfg.Batch)
	if err != nil || len(due) == 0 {
		return 0, err
	}
	var wg sync.WaitGroup
	errs := make([]error, len(due))
	for i, o := range due {
		wg.Go(func() { errs[i] = d.deliver(ctx, o) })
	}
	wg.Wait()
	return len(due), errors.Join(errs...)
}

// deliver makes one attempt of o and records it.
func (d *Dispatcher) deliver(ctx context.Context, o directory.OutgoingDelivery) error {
	status, problem := d.post(ctx, o)
	at := d.Now()
	res := directory.DeliveryResult{At: at, StatusCode: status, Error: problem, Delivered: problem == ""}
	if !res.Delivered {
		if at.Sub(o.CreatedAt) < d.cfg.RetryFor {
			res.NextAttempt = at.Add(d.Backoff(o.Attempts + 1))
		}
		d.log.Warn("webhook delivery failed", "webhook", o.WebhookID, "delivery", o.DeliveryID, "event", o.Event,
			"attempt", o.Attempts+1, "status", status, "err", problem, "retry_at", res.NextAttempt)
	}
	if err := d.dir.RecordDelivery(ctx, o.ID, res); err != nil {
		return fmt.Errorf("record delivery %s: %w", o.DeliveryID, err)
	}
	if !res.Delivered && res.NextAttempt.IsZero() {
		notice := fmt.Sprintf("disabled on %s: its deliveries have failed for %s (last: %s); fix the receiver, then enable the webhook again and replay the failed deliveries",
			at.Format(time.RFC3339), d.cfg.RetryFor, problem)
		disabled, err := d.dir.DisableFailingWebhook(ctx, o.WebhookID, o.CreatedAt, notice)
		if err != nil {
			return fmt.Errorf("disable webhook %d: %w", o.WebhookID, err)
		}
		if disabled {
			d.log.Warn("webhook disabled", "webhook", o.WebhookID, "notice", notice)
		}
	}
	return nil
}

// post sends o once: its status code, and why it failed ("" for a 2xx).
func (d *Dispatcher) post(ctx context.Context, o directory.OutgoingDelivery) (int, string) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.URL, bytes.NewReader(o.Payload))
	if err != nil {
		return 0, "bad URL: " + err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent)
	req.Header.Set(HeaderEvent, o.Event)
	req.Header.Set(HeaderDelivery, o.DeliveryID)
	req.Header.Set(HeaderSignature, Sign(o.Secret, o.Payload))
	resp, err := d.client.Do(req)
	if err != nil {
		var msg string
		switch {
		case errors.Is(err, errRefused):
			msg = err.Error()
			if i := strings.Index(msg, errRefused.Error()); i >= 0 {
				msg = msg[i:]
			}
		case errors.Is(err, context.DeadlineExceeded): // net/http's Client.Timeout errors match it too
			msg = fmt.Sprintf("no answer within %s", d.cfg.Timeout)
		default:
			msg = err.Error()
		}
		return 0, msg
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Sprintf("answered %s", resp.Status)
	}
	return resp.StatusCode, ""
}
