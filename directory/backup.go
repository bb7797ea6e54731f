package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// BackupInfo describes a database file: what a backup holds, or what a
// restore is about to put in place.
type BackupInfo struct {
	Path      string
	Bytes     int64
	Seq       uint64 // the change sequence it was taken at
	Actors    int    // live actors
	Proposals int
	Versions  int
	Users     int
	Took      time.Duration
}

// readOnlyDSN opens an existing database file without creating it and
// without the right to change it. WAL lets such a reader run beside a
// server that keeps writing.
func readOnlyDSN(path string) string {
	q := url.Values{}
	q.Set("mode", "ro")
	q.Set("_busy_timeout", "10000")
	q.Set("_query_only", "on")
	return "file:" + path + "?" + q.Encode()
}

// Backup writes a consistent copy of the database at src to dst with VACUUM
// INTO: one read transaction, so the copy is the state after some commit
// and never a mix of two, while the server (another process) goes on
// serving and writing. The copy is written beside dst, synced, checked with
// integrity_check, then renamed over dst, so dst is always either the old
// backup or a complete new one.
//
// A PostgreSQL database (src a URL) is backed up the same way into a SQLite
// file: one consistent snapshot copied as migrate-db copies it, checked,
// renamed over dst; migrate-db brings it back into PostgreSQL. pg_dump and
// continuous archiving remain PostgreSQL's own backups (docs/OPERATIONS.md).
func Backup(ctx context.Context, src, dst string) (*BackupInfo, error) {
	start := time.Now()
	if IsPostgresURL(src) {
		return backupPostgres(ctx, src, dst, start)
	}
	if _, err := os.Stat(src); err != nil {
		return nil, NewError(EINVALID, keyNoDatabase, Args{"path": src})
	}
	if same, _ := samePath(src, dst); same {
		return nil, NewError(EINVALID, keyBackupSameFile, nil)
	}
	RemoveStaleTemps(dst + backupTemp)
	tmp := dst + backupTemp + strconv.Itoa(os.Getpid())
	os.Remove(tmp)
	defer os.Remove(tmp)
	if err := vacuumInto(ctx, src, tmp); err != nil {
		return nil, err
	}
	return installBackup(ctx, tmp, dst, start)
}

func backupPostgres(ctx context.Context, src, dst string, start time.Time) (*BackupInfo, error) {
	RemoveStaleTemps(dst + backupTemp)
	tmp := dst + backupTemp + strconv.Itoa(os.Getpid())
	removeFiles := func() {
		for _, suffix := range []string{"", "-wal", "-shm"} {
			os.Remove(tmp + suffix)
		}
	}
	removeFiles()
	defer removeFiles()
	from, err := Open(ctx, src)
	if err != nil {
		return nil, err
	}
	defer from.Close()
	to, err := Open(ctx, tmp)
	if err != nil {
		return nil, err
	}
	_, err = from.CopyTo(ctx, to)
	if err == nil {
		err = to.Checkpoint(ctx)
	}
	if cerr := to.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	if err := syncFile(tmp); err != nil {
		return nil, err
	}
	return installBackup(ctx, tmp, dst, start)
}

// installBackup checks the synced copy at tmp and renames it over dst, so
// that dst is always either the old backup or a complete new one.
func installBackup(ctx context.Context, tmp, dst string, start time.Time) (*BackupInfo, error) {
	info, err := Inspect(ctx, tmp)
	if err != nil {
		return nil, fmt.Errorf("the new backup does not check: %w", err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return nil, err
	}
	info.Path, info.Took = dst, time.Since(start)
	return info, nil
}

// vacuumInto copies the database at src into the new file dst and syncs it
// (VACUUM INTO itself does not). SQLite refuses VACUUM INTO on a read-only
// connection, though it only reads its source: the connection is opened
// read-write, without creating the file, and only runs this statement.
func vacuumInto(ctx context.Context, src, dst string) error {
	q := url.Values{}
	q.Set("mode", "rw")
	q.Set("_busy_timeout", "10000")
	db, err := sql.Open("sqlite3", "file:"+src+"?"+q.Encode())
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("copy %s: %w", src, err)
	}
	return syncFile(dst)
}

// Inspect opens the database file at path read-only, runs integrity_check
// and counts what it holds. EINVALID if it is not a sound voisinage database.
//
// path may also be a PostgreSQL URL: the database is then counted and its
// consistency checked (PostgreSQL checks its own structures).
func Inspect(ctx context.Context, path string) (*BackupInfo, error) {
	info := &BackupInfo{Path: path}
	var db *sql.DB
	if IsPostgresURL(path) {
		var err error
		if db, err = OpenSQL(path, true); err != nil {
			return nil, err
		}
		defer db.Close()
		info.Path = redactURL(path)
		path = info.Path
	} else {
		st, err := os.Stat(path)
		if err != nil {
			return nil, NewError(EINVALID, keyNoDatabase, Args{"path": path})
		}
		info.Bytes = st.Size()
		if db, err = sql.Open("sqlite3", readOnlyDSN(path)); err != nil {
			return nil, err
		}
		defer db.Close()
		var check string
		if err := db.QueryRowContext(ctx, `PRAGMA integrity_check`).Scan(&check); err != nil {
			return nil, NewError(EINVALID, keyUnreadable, Args{"path": path, "err": err.Error()})
		}
		if check != "ok" {
			return nil, NewError(EINVALID, keyIntegrity, Args{"path": path, "check": check})
		}
	}
	var seq sql.NullString
	err := db.QueryRowContext(ctx, `SELECT
		(SELECT value FROM meta WHERE key = '`+metaChangeSeq+`'),
		(SELECT COUNT(*) FROM actors WHERE deleted = 0),
		(SELECT COUNT(*) FROM proposals),
		(SELECT COUNT(*) FROM versions),
		(SELECT COUNT(*) FROM users)`).Scan(&seq, &info.Actors, &info.Proposals, &info.Versions, &info.Users)
	if err != nil {
		return nil, NewError(EINVALID, keyNotVoisinage, Args{"path": path, "err": err.Error()})
	}
	info.Seq, _ = strconv.ParseUint(seq.String, 10, 64)
	for _, c := range consistencyChecks {
		var n int
		if err := db.QueryRowContext(ctx, c.query).Scan(&n); err != nil {
			return nil, NewError(EINVALID, keyCheckFailed, Args{"path": path, "what": c.what, "err": err.Error()})
		}
		if n != 0 {
			return nil, NewError(EINVALID, keyInconsistent, Args{"path": path, "count": n, "what": c.what})
		}
	}
	return info, nil
}

// consistencyChecks are the invariants every committed state keeps, each a
// query that counts the rows breaking it. A proposal is applied in one
// transaction (the record, its version row, the proposal's status and the
// change sequence together), so a crash or a backup can never show one
// without the others.
var consistencyChecks = []struct{ what, query string }{
	{"approved proposals without the version they made", `SELECT COUNT(*) FROM proposals p
		WHERE p.status = 'approved' AND NOT EXISTS (SELECT 1 FROM versions v WHERE v.record_type = p.target_type
		AND v.record_id = p.target_id AND v.version = p.applied_version AND v.proposal_id = p.id)`},
	{"versions made by proposals that were never applied", `SELECT COUNT(*) FROM versions v
		JOIN proposals p ON p.id = v.proposal_id WHERE p.status IN ('pending', 'withdrawn', 'superseded')`},
	{"versions naming a proposal that does not exist", `SELECT COUNT(*) FROM versions v
		WHERE v.proposal_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM proposals p WHERE p.id = v.proposal_id)`},
	{"actors whose version is not the last of their history", `SELECT COUNT(*) FROM
		(SELECT record_id, MAX(version) AS mv FROM versions WHERE record_type = 'actor' GROUP BY record_id) v
		LEFT JOIN actors a ON a.id = v.record_id WHERE a.version IS DISTINCT FROM v.mv`},
	{"tools whose version is not the last of their history", `SELECT COUNT(*) FROM
		(SELECT record_id, MAX(version) AS mv FROM versions WHERE record_type = 'tool' GROUP BY record_id) v
		LEFT JOIN tools t ON t.slug = v.record_id WHERE t.version IS DISTINCT FROM v.mv`},
	{"adoptions whose version is not the last of their history", `SELECT COUNT(*) FROM
		(SELECT record_id, MAX(version) AS mv FROM versions WHERE record_type = 'adoption' GROUP BY record_id) v
		LEFT JOIN adoptions a ON 'adoption-' || a.actor_id || '-' || a.tool_slug = v.record_id WHERE a.version IS DISTINCT FROM v.mv`},
	{"change sequences not matching the last version written", `SELECT CASE WHEN
		COALESCE((SELECT MAX(seq) FROM versions), 1) <>
		COALESCE((SELECT CAST(value AS INTEGER) FROM meta WHERE key = '` + metaChangeSeq + `'), 1) THEN 1 ELSE 0 END`},
}

// CheckRestore refuses a restore into dst that Restore cannot make: a
// PostgreSQL database (a backup goes into a new one with migrate-db).
func CheckRestore(dst string) error {
	if IsPostgresURL(dst) {
		return NewError(EINVALID, keyRestorePostgres, Args{"url": redactURL(dst)})
	}
	return nil
}

// Restore puts a copy of the backup at src in place as the database at dst.
// The backup is checked first; the database it replaces (with its -wal and
// -shm files) is kept beside it, renamed with the time, and its name is
// returned. The caller makes sure no server has dst open: a server would go
// on writing to the file moved aside.
func Restore(ctx context.Context, src, dst string) (info *BackupInfo, keptAs string, err error) {
	if err := CheckRestore(dst); err != nil {
		return nil, "", err
	}
	if same, _ := samePath(src, dst); same {
		return nil, "", NewError(EINVALID, keyRestoreSameFile, nil)
	}
	if _, err := Inspect(ctx, src); err != nil {
		return nil, "", err
	}
	RemoveStaleTemps(dst + RestoreTemp)
	tmp := dst + RestoreTemp + strconv.Itoa(os.Getpid())
	os.Remove(tmp)
	defer os.Remove(tmp)
	// A copy, not the file itself: the backup stays intact, and a backup
	// that is itself a live database is read consistently.
	if err := vacuumInto(ctx, src, tmp); err != nil {
		return nil, "", err
	}
	if info, err = Inspect(ctx, tmp); err != nil {
		return nil, "", err
	}
	if _, err := os.Stat(dst); err == nil {
		keptAs = dst + ".before-restore-" + time.Now().UTC().Format("20060102T150405Z")
		// The -wal holds commits of the old database: it moves with it, or
		// SQLite would replay it into the restored file.
		for _, suffix := range []string{"", "-wal", "-shm"} {
			if err := os.Rename(dst+suffix, keptAs+suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
				return nil, "", err
			}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, "", err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return nil, "", err
	}
	if err := syncDir(filepath.Dir(dst)); err != nil {
		return nil, "", err
	}
	info.Path = dst
	return info, keptAs, nil
}

// The temporary files of a backup and of a restore are named after their
// destination and the process writing them: "backup.db.tmp-4242".
const (
	backupTemp  = ".tmp-"
	RestoreTemp = ".restore-"
)

// RemoveStaleTemps removes the temporary files named prefix + a process id
// whose process is gone (a backup or restore killed mid-way, which would
// otherwise leave a database-sized file behind for ever), with their
// journals (-journal, -wal, -shm), and returns their names. Those of running processes are left
// alone: two backups to one place may run at once.
func RemoveStaleTemps(prefix string) []string {
	matches, _ := filepath.Glob(globEscape(prefix) + "*")
	var removed []string
	for _, m := range matches {
		rest := strings.TrimPrefix(m, prefix)
		for _, suffix := range []string{"-journal", "-wal", "-shm"} {
			rest = strings.TrimSuffix(rest, suffix)
		}
		pid, err := strconv.Atoi(rest)
		if err != nil || pid <= 0 || (pid != os.Getpid() && processAlive(pid)) {
			continue
		}
		if os.Remove(m) == nil {
			removed = append(removed, m)
		}
	}
	return removed
}

// globEscape quotes the characters filepath.Match would read as a pattern.
func globEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`)
	return r.Replace(s)
}

func samePath(a, b string) (bool, error) {
	ia, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	ib, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(ia, ib), nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
