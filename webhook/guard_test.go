package webhook_test

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/webhook"
)

func TestRefused(t *testing.T) {
	for _, c := range []struct {
		ip      string
		refused bool
	}{
		{"93.184.216.34", false},
		{"2606:2800:220:1:248:1893:25c8:1946", false},
		{"8.8.8.8", false},
		{"127.0.0.1", true},
		{"127.8.9.10", true},
		{"::1", true},
		{"10.1.2.3", true},
		{"172.16.0.1", true},
		{"172.31.255.254", true},
		{"192.168.1.1", true},
		{"169.254.169.254", true}, // cloud metadata
		{"fe80::1", true},
		{"fc00::1", true},
		{"fd12:3456::1", true},
		{"0.0.0.0", true},
		{"::", true},
		{"100.64.0.1", true}, // carrier-grade NAT
		{"224.0.0.1", true},
		{"255.255.255.255", true},
		{"::ffff:127.0.0.1", true}, // IPv4-mapped loopback
		{"::ffff:10.0.0.1", true},
		{"64:ff9b::a00:1", true}, // NAT64 of 10.0.0.1
		{"198.18.0.1", true},
		{"240.0.0.1", true},
	} {
		t.Run(c.ip, func(t *testing.T) {
			why := webhook.Refused(netip.MustParseAddr(c.ip))
			if (why != "") != c.refused {
				t.Fatalf("Refused(%s) = %q, want refused %v", c.ip, why, c.refused)
			}
		})
	}
}

// resolver answers fixed addresses, as a DNS server would.
type resolver map[string][]string

func (r resolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	var out []net.IPAddr
	for _, a := range r[host] {
		out = append(out, net.IPAddr{IP: net.ParseIP(a)})
	}
	if len(out) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return out, nil
}

func TestCheckURL(t *testing.T) {
	ctx := context.Background()
	g := webhook.Guard{Resolver: resolver{
		"hooks.example.org": {"93.184.216.34"},
		"intranet.example":  {"10.0.0.7"},
		"mixed.example":     {"93.184.216.34", "192.168.0.2"}, // one bad address is enough to refuse
	}}
	for raw, want := range map[string]string{
		"https://hooks.example.org/voisinage": "",
		"https://93.184.216.34:8443/hook":     "",
		"http://127.0.0.1:9000/hook":          "loopback",
		"http://[::1]/hook":                   "loopback",
		"http://169.254.169.254/latest/":      "link-local",
		"https://intranet.example/hook":       "private",
		"https://mixed.example/hook":          "private",
		"https://nowhere.example/hook":        "does not resolve",
	} {
		err := g.CheckURL(ctx, raw)
		switch {
		case want == "" && err != nil:
			t.Errorf("%s: %v", raw, err)
		case want != "" && (directory.ErrorCode(err) != directory.EINVALID || !strings.Contains(directory.ErrorFields(err)["url"], want)):
			t.Errorf("%s: error %v, want EINVALID on url saying %q", raw, err, want)
		}
	}
	// The operator's flag lets local receivers in.
	if err := (webhook.Guard{AllowPrivate: true}).CheckURL(ctx, "http://127.0.0.1:9000/hook"); err != nil {
		t.Errorf("AllowPrivate: %v", err)
	}
}
