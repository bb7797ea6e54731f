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
// server while it runs. Two servers on one database would each keep an
// in-memory index blind to the other's writes, and a restore under a running
// server would be lost: both check this lock. The kernel releases it when
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
