package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

func TestUserAdd(t *testing.T) {
	dbPath := directorytest.SeededPath(t)
	var out, errOut bytes.Buffer
	err := runUser(context.Background(), []string{"add", "-db", dbPath, "-email", "Admin@Region.test", "-name", "Admin", "-role", "admin"},
		strings.NewReader("a long enough passphrase\n"), &out, &errOut)
	if err != nil {
		t.Fatalf("user add: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "role admin") {
		t.Fatalf("output %q", out.String())
	}
	// The account works: the server logs it in with that password.
	db, err := directory.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	d, err := directory.New(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	u, err := d.Authenticate(context.Background(), "admin@region.test", "a long enough passphrase")
	if err != nil || !u.IsAdmin() {
		t.Fatalf("authenticate: %+v %v", u, err)
	}
	// Bad input is refused with a message, the database untouched.
	err = runUser(context.Background(), []string{"add", "-db", dbPath, "-email", "x", "-name", "X", "-role", "king"},
		strings.NewReader("short\n"), &out, &errOut)
	if err == nil || !strings.Contains(errOut.String(), "role") || !strings.Contains(errOut.String(), "password") {
		t.Fatalf("bad user add: %v\n%s", err, errOut.String())
	}
}
