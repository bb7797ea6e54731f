package directory

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

// Import kinds.
const (
	ImportDILA      = "dila"
	ImportAdoptions = "adoptions"
)

// ActionSync is the history action of a change an official import wrote
// (versions also record import, create, update, delete, place, revert).
const ActionSync = "sync"

// Import run statuses: a DILA run is done when it ends; a batch of
// adoptions waits for review (pending) until every row is decided.
const (
	RunDone    = "done"
	RunPending = "pending"
	RunDecided = "decided"
)

// ImportRun is one stored run of an import, with its report.
type ImportRun struct {
	ID        int64
	Kind      string
	Author    *UserRef // who ran it (nil from the command line)
	FileName  string
	FileDate  string // YYYY-MM-DD, the file's own date when it gives one
	SourceURL string
	Status    string
	Report    json.RawMessage // a *DILAReport or a *BatchReport
	CreatedAt time.Time
	Pending   int // proposals of the run still waiting for a moderator
}

// systemUsers are the accounts imports write as: history and proposals
// name them as their author. Their e-mail is not an address (nobody can
// register it) and their password hash matches no password.
var systemUsers = map[string]struct{ email, name string }{
	ImportDILA: {"system:import-dila", "Annuaire Service-Public.fr (import DILA)"},
}

// systemUser returns the id of the account of an import kind, creating it
// inside tx the first time.
func systemUser(ctx context.Context, tx *sql.Tx, kind string, now time.Time) (int64, error) {
	su := systemUsers[kind]
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, su.email).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO users (email, display_name, password_hash, role, password_changed_at, created_at)
		VALUES (?, ?, '!', 'contributor', ?, ?) RETURNING id`, su.email, su.name, formatTime(now), formatTime(now)).Scan(&id)
	return id, err
}

// IsSystemUser reports whether an account is an import's (not a person's).
func IsSystemUser(email string) bool { return strings.HasPrefix(email, "system:") }

// createRun stores a new run and returns its id.
func (d *Directory) createRun(ctx context.Context, run *ImportRun) (int64, error) {
	var author any
	if run.Author != nil {
		author = run.Author.ID
	}
	report := run.Report
	if len(report) == 0 {
		report = json.RawMessage("{}")
	}
	var id int64
	err := d.db.write.QueryRowContext(ctx, `INSERT INTO import_runs (kind, author_id, file_name, file_date, source_url,
		status, report, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, run.Kind, author, run.FileName, run.FileDate,
		run.SourceURL, run.Status, string(report), formatTime(run.CreatedAt)).Scan(&id)
	return id, err
}

// saveRunReport stores a run's report (and status).
func (d *Directory) saveRunReport(ctx context.Context, id int64, status string, report any) error {
	b, err := json.Marshal(report)
	if err != nil {
		return err
	}
	_, err = d.db.write.ExecContext(ctx, `UPDATE import_runs SET status = ?, report = ? WHERE id = ?`, status, string(b), id)
	return err
}

const runColumns = `r.id, r.kind, r.author_id, u.display_name, r.file_name, r.file_date, r.source_url, r.status, r.report,
	r.created_at, (SELECT COUNT(*) FROM proposals p WHERE p.batch_id = r.id AND p.status = 'pending')`

func scanRun(s rowScanner) (*ImportRun, error) {
	r := &ImportRun{}
	var author sql.NullInt64
	var authorName sql.NullString
	var report, created string
	if err := s.Scan(&r.ID, &r.Kind, &author, &authorName, &r.FileName, &r.FileDate, &r.SourceURL, &r.Status,
		&report, &created, &r.Pending); err != nil {
		return nil, err
	}
	if author.Valid {
		r.Author = &UserRef{ID: author.Int64, Name: authorName.String}
	}
	r.Report, r.CreatedAt = json.RawMessage(report), parseTime(created)
	return r, nil
}

// FindImportRuns lists the runs of an import kind ("" for all), newest
// first. Only moderators may read them (EFORBIDDEN).
func (d *Directory) FindImportRuns(ctx context.Context, u *User, kind string, limit int) ([]*ImportRun, error) {
	if !u.IsModerator() {
		return nil, NewError(EFORBIDDEN, keyImportModerators, nil)
	}
	if kind != "" && kind != ImportDILA && kind != ImportAdoptions {
		return nil, FieldError("kind", keyOneOf, Args{"choices": ImportDILA + ", " + ImportAdoptions})
	}
	if limit < 1 || limit > 500 {
		limit = 50
	}
	rows, err := d.db.read.QueryContext(ctx, `SELECT `+runColumns+` FROM import_runs r LEFT JOIN users u ON u.id = r.author_id
		WHERE ? = '' OR r.kind = ? ORDER BY r.id DESC LIMIT ?`, kind, kind, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*ImportRun
	for rows.Next() {
		r, err := scanRun(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FindImportRun returns one run (moderators only).
func (d *Directory) FindImportRun(ctx context.Context, u *User, id int64) (*ImportRun, error) {
	if !u.IsModerator() {
		return nil, NewError(EFORBIDDEN, keyImportModerators, nil)
	}
	r, err := scanRun(d.db.read.QueryRowContext(ctx, `SELECT `+runColumns+` FROM import_runs r
		LEFT JOIN users u ON u.id = r.author_id WHERE r.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NewError(ENOTFOUND, keyNoImportRun, Args{"id": id})
	}
	return r, err
}

// LatestDILARun returns the last DILA run that wrote to the directory, for
// attribution (nil if none).
func (d *Directory) LatestDILARun(ctx context.Context) (*ImportRun, error) {
	r, err := scanRun(d.db.read.QueryRowContext(ctx, `SELECT `+runColumns+` FROM import_runs r
		LEFT JOIN users u ON u.id = r.author_id WHERE r.kind = 'dila' ORDER BY r.id DESC LIMIT 1`))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return r, err
}
