package directory_test

import (
	"os"
	"testing"

	"github.com/voisinage/voisinage/directory/directorytest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	directorytest.Cleanup()
	os.Exit(code)
}

var (
	MustOpenDB        = directorytest.MustOpenDB
	MustOpenEmptyDB   = directorytest.MustOpenEmptyDB
	MustOpenDirectory = directorytest.MustOpenDirectory

	// The SQLite store's own tests (files, backups, pragmas) run on SQLite
	// whatever the store of the run.
	MustOpenSQLiteDB      = directorytest.MustOpenSQLiteDB
	MustOpenEmptySQLiteDB = directorytest.MustOpenEmptySQLiteDB
)
