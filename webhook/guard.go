package webhook

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/voisinage/voisinage/directory"
)

// Resolver looks host names up (net.DefaultResolver does).
type Resolver interface {
	LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error)
}

// Guard decides which addresses webhooks may reach. The zero value refuses
// every address that is not public.
type Guard struct {
	// AllowPrivate lets webhooks reach loopback, private and link-local
	// addresses (an operator's choice: a receiver on the same host or LAN).
	AllowPrivate bool
	// Resolver resolves names at registration; nil means net.DefaultResolver.
	Resolver Resolver
}

// special are the ranges that are not public besides what netip's
// predicates name: shared address space (carrier-grade NAT), IETF protocol
// assignments, benchmarking, documentation, reserved, and NAT64 (which can
// reach IPv4 private addresses through a gateway).
var special = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),
	netip.MustParsePrefix("192.0.0.0/24"),
	netip.MustParsePrefix("192.0.2.0/24"),
	netip.MustParsePrefix("198.18.0.0/15"),
	netip.MustParsePrefix("198.51.100.0/24"),
	netip.MustParsePrefix("203.0.113.0/24"),
	netip.MustParsePrefix("240.0.0.0/4"),
	netip.MustParsePrefix("64:ff9b::/96"),
	netip.MustParsePrefix("64:ff9b:1::/48"),
	netip.MustParsePrefix("2001:db8::/32"),
	netip.MustParsePrefix("100::/64"),
}

// Refused says why a webhook may not reach ip, or "" if it may (a public
// address).
func Refused(ip netip.Addr) string {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid():
		return "not an IP address"
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsPrivate():
		return "a private address"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast():
		return "a link-local address"
	case ip.IsUnspecified():
		return "an unspecified address"
	case ip.IsMulticast(), ip.IsInterfaceLocalMulticast():
		return "a multicast address"
	}
	if ip.Is4() && ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return "the broadcast address"
	}
	for _, p := range special {
		if p.Contains(ip) {
			return "a reserved address (" + p.String() + ")"
		}
	}
	return ""
}

// The problems CheckURL finds with a webhook's URL (see directory/error.go).
var (
	keyUnresolved = directory.NewKey("webhook.unresolved", "its host {host} does not resolve: check the name")
	keyRefused    = directory.NewKey("webhook.refused", "its host {host} is {why} ({addr}): webhooks only reach public addresses")
)

// CheckURL checks, when a webhook is registered or its URL changed, that
// its host resolves and that every address it resolves to may be reached.
// It returns EINVALID naming the field url.
func (g Guard) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return directory.FieldError("url", directory.KeyWebhookURL, nil)
	}
	if g.AllowPrivate {
		return nil
	}
	host := u.Hostname()
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		addrs = []netip.Addr{ip}
	} else {
		r := g.Resolver
		if r == nil {
			r = net.DefaultResolver
		}
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		ips, err := r.LookupIPAddr(ctx, host)
		if err != nil || len(ips) == 0 {
			return directory.FieldError("url", keyUnresolved, directory.Args{"host": host})
		}
		for _, ip := range ips {
			if a, ok := netip.AddrFromSlice(ip.IP); ok {
				addrs = append(addrs, a)
			}
		}
	}
	for _, a := range addrs {
		if why := Refused(a); why != "" {
			return directory.FieldError("url", keyRefused, directory.Args{"host": host, "why": why, "addr": a.String()})
		}
	}
	return nil
}

// errRefused is returned by the dialer for an address a webhook may not reach.
var errRefused = errors.New("refused")

// control runs before each connection, on the address actually dialled:
// the check holds even when the name resolves differently than it did at
// registration.
func (g Guard) control(network, address string, _ syscall.RawConn) error {
	if g.AllowPrivate {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: cannot read the address %q", errRefused, address)
	}
	if why := Refused(ap.Addr()); why != "" {
		return fmt.Errorf("%w: %s is %s, and webhooks only reach public addresses", errRefused, ap.Addr(), why)
	}
	return nil
}

// Client returns the HTTP client deliveries are posted with: every
// connection checked by the guard, no proxy from the environment (it would
// connect in the guard's place), no redirect followed (a redirect is an
// answer other than 2xx), and a timeout per attempt.
func (g Guard) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, Control: g.control}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          16,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   timeout,
			ResponseHeaderTimeout: timeout,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
