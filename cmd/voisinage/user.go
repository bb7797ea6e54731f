package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/voisinage/voisinage/directory"
)

// runUser runs `voisinage user add …`: it creates an account with any role,
// typically the first administrator. The password is read from the
// VOISINAGE_PASSWORD environment variable or the first line of stdin, never
// from the command line (which other users of the machine can see).
func runUser(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return errors.New("usage: voisinage user add -email E -name N [-role contributor|moderator|admin] [-db FILE]")
	}
	fs := flag.NewFlagSet("voisinage user add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dbPath := fs.String("db", "voisinage.db", "the database: a SQLite file or a PostgreSQL URL")
	email := fs.String("email", "", "e-mail address (login)")
	name := fs.String("name", "", "display name")
	role := fs.String("role", directory.RoleContributor, "role: contributor, moderator or admin")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	password := os.Getenv("VOISINAGE_PASSWORD")
	if password == "" {
		fmt.Fprintln(stderr, "password (at least", directory.MinPasswordLength, "characters), then Enter:")
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("no password: set VOISINAGE_PASSWORD or give it on stdin")
		}
		password = strings.TrimRight(line, "\r\n")
	}
	d, closeDir, err := openDirectory(ctx, *dbPath, nil)
	if err != nil {
		return err
	}
	defer closeDir()
	u, err := d.CreateUser(ctx, directory.Registration{Email: *email, DisplayName: *name, Password: password}, *role)
	if err != nil {
		if f := directory.ErrorFields(err); len(f) > 0 {
			for k, v := range f {
				fmt.Fprintf(stderr, "%s: %s\n", k, v)
			}
		}
		return fmt.Errorf("user add: %s", directory.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "created user %d <%s> with role %s\n", u.ID, u.Email, u.Role)
	return nil
}
