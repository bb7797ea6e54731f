//go:build !unix

package main

import "errors"

var errDatabaseInUse = errors.New("a voisinage server is running on this database")

// lockDatabase does nothing where flock(2) does not exist: there, stop the
// server before a restore, and never run two servers on one database.
func lockDatabase(path string) (unlock func(), err error) { return func() {}, nil }
