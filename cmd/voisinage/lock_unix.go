//go:build unix

package main

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// errDatabaseInUse is returned by lockDatabase while a server runs on the database.
var errDatabaseInUse = errors.New("a voisinage server is running on this database")

// lockDatabase takes an exclusive advisory lock on path+".lock", held by the
// server while it runs. A restore under a running server would be lost (the
// server goes on writing to the file moved aside), and SQLite's single file
// gains nothing from a second server process: both check this lock. Other
// processes that only write (imports, user add, backup) need no lock: the
// server's read model follows their changes (directory.Follow). The kernel releases it when
// the process dies, even by SIGKILL, so a crash never leaves it stale.
func lockDatabase(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", path, errDatabaseInUse)
		}
		return nil, err
	}
	return func() { f.Close() }, nil
}
