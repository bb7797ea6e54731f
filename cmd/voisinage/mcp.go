package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voisinage/voisinage/mcpserver"
)

// runMCP runs `voisinage mcp [-db FILE] [-base-url URL]`: the MCP server
// over stdio, for desktop assistants that start it as a child process. It
// reads JSON-RPC messages on stdin and answers on stdout until stdin
// closes; logs go to stderr. propose_change acts as the owner of the API
// token in VOISINAGE_TOKEN (never on the command line, which other users of
// the machine can read). It may run beside the server on the same database:
// its reads follow the server's writes, and its proposals are the server's
// to review.
func runMCP(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("voisinage mcp", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: voisinage mcp [-db voisinage.db] [-base-url URL]   (API token for propose_change: "+mcpserver.TokenEnv+")")
		fs.PrintDefaults()
	}
	dbPath := fs.String("db", "voisinage.db", "the database: a SQLite file or a PostgreSQL URL (created and filled with the bundled data if missing; servers may be running on it)")
	baseURL := fs.String("base-url", "http://127.0.0.1:8080", "public URL of the site, for the page and API links in results")
	follow := fs.Duration("follow", time.Second, "how often to look for changes written by other processes (the server)")
	var level slog.Level
	fs.TextVar(&level, "log-level", slog.LevelWarn, "log level (to stderr): DEBUG, INFO, WARN or ERROR")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("mcp: unexpected argument %q", fs.Arg(0))
	}
	if *follow < 10*time.Millisecond {
		return fmt.Errorf("mcp: -follow must be at least 10ms (got %s)", *follow)
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level}))
	// The directory logs through slog's default logger: never to stdout,
	// which carries the protocol.
	slog.SetDefault(log)
	dir, closeDir, err := openDirectory(ctx, *dbPath, log)
	if err != nil {
		return err
	}
	defer closeDir()
	// The links of the webhook events its proposals queue point to the
	// site when it is named.
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "base-url" {
			dir.SiteURL = *baseURL
		}
	})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go dir.Follow(ctx, *follow)
	srv := mcpserver.New(dir, mcpserver.Config{BaseURL: *baseURL, Token: os.Getenv(mcpserver.TokenEnv), Logger: log})
	transport := &mcp.IOTransport{Reader: io.NopCloser(stdin), Writer: nopWriteCloser{stdout}}
	if err := srv.Run(ctx, transport); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, io.EOF) {
		return fmt.Errorf("mcp: %w", err)
	}
	return nil
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }
