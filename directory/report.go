package directory

import (
	"context"
	"database/sql"
	"strings"
	"time"
	"unicode/utf8"
)

// Report reasons.
var ReportReasons = []string{"wrong", "outdated", "abusive"}

// Report says a record is wrong, outdated or abusive.
type Report struct {
	ID         int64
	TargetType string
	TargetID   string
	Reason     string
	Comment    string
	Reporter   *UserRef // nil for an anonymous report
	Status     string   // open, resolved, dismissed
	Resolver   *UserRef
	Resolution string
	ResolvedAt time.Time
	CreatedAt  time.Time
}

// ReportInput is a report as submitted.
type ReportInput struct {
	TargetType string
	TargetID   string
	Reason     string
	Comment    string
}

// CreateReport records a report by u (nil: anonymous). EINVALID per field;
// ENOTFOUND for an unknown record.
func (d *Directory) CreateReport(ctx context.Context, u *User, in ReportInput) (*Report, error) {
	p := Problems{}
	if !contains(RecordTypes, in.TargetType) {
		p.Add("target_type", keyOneOf, Args{"choices": strings.Join(RecordTypes, ", ")})
	}
	if !contains(ReportReasons, in.Reason) {
		p.Add("reason", keyOneOf, Args{"choices": strings.Join(ReportReasons, ", ")})
	}
	comment := strings.TrimSpace(in.Comment)
	if utf8.RuneCountInString(comment) > 2000 || !validText(comment, true) {
		p.Add("comment", keyTextMax, Args{"max": 2000})
	}
	if in.TargetID == "" {
		p.Add("target_id", KeyRequired, nil)
	}
	if err := p.Err("report"); err != nil {
		return nil, err
	}
	if u != nil && u.Blocked(d.db.Now()) {
		return nil, blockedError(u)
	}
	var reporter any
	if u != nil {
		reporter = u.ID
	}
	var id int64
	// One transaction: the limit counted, the report and the webhook
	// deliveries announcing it — a burst of simultaneous reports cannot
	// all pass a count made before any of them is stored.
	if err := d.decide(ctx, func(tx *sql.Tx, now time.Time) (touchSet, error) {
		if err := d.checkReportRate(ctx, tx, u, now); err != nil {
			return touchSet{}, err
		}
		r, err := loadRecord(ctx, tx, in.TargetType, in.TargetID)
		if err != nil {
			return touchSet{}, err
		}
		if !r.exists() {
			return touchSet{}, NewError(ENOTFOUND, keyNoRecord, Args{"type": in.TargetType, "id": in.TargetID})
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO reports (target_type, target_id, reason, comment, reporter_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, in.TargetType, in.TargetID, in.Reason, comment, reporter, formatTime(now)).Scan(&id); err != nil {
			return touchSet{}, err
		}
		return touchSet{}, emit(ctx, tx, now, func() (*Event, error) {
			ev, err := d.eventFor(ctx, tx, EventReportFiled, r, now)
			if err != nil {
				return nil, err
			}
			ev.Report = &EventReport{ID: id, Reason: in.Reason, Comment: comment}
			if u != nil {
				ev.Report.Reporter = &UserRef{ID: u.ID, Name: u.DisplayName}
			}
			return ev, nil
		})
	}); err != nil {
		return nil, err
	}
	return d.findReport(ctx, id)
}

// checkReportRate refuses a report beyond u's hourly limit or, without an
// account, beyond the server-wide hourly limit of anonymous reports.
// Moderators are not limited.
func (d *Directory) checkReportRate(ctx context.Context, tx *sql.Tx, u *User, now time.Time) error {
	limit, where, args := d.Policy.AnonymousReportsPerHour, `reporter_id IS NULL`, []any{}
	key, keyArgs := keyTooManyAnonReports, Args(nil)
	if u != nil {
		if u.IsModerator() {
			return nil
		}
		limit, where, args = d.Policy.ReportsPerHour, `reporter_id = ?`, []any{u.ID}
		key, keyArgs = keyTooManyReports, Args{"count": limit}
	}
	if limit <= 0 {
		return nil
	}
	var n int
	var oldest sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), MIN(created_at) FROM reports WHERE `+where+` AND created_at > ?`,
		append(args, formatTime(now.Add(-time.Hour)))...).Scan(&n, &oldest); err != nil {
		return err
	}
	if n >= limit {
		e := NewError(ETOOMANY, key, keyArgs)
		e.RetryAfter = max(parseTime(oldest.String).Add(time.Hour).Sub(now).Round(time.Second), time.Second)
		return e
	}
	return nil
}

const reportQuery = `SELECT r.id, r.target_type, r.target_id, r.reason, r.comment, r.reporter_id, a.display_name,
	r.status, r.resolver_id, b.display_name, r.resolution, r.resolved_at, r.created_at
	FROM reports r LEFT JOIN users a ON a.id = r.reporter_id LEFT JOIN users b ON b.id = r.resolver_id`

func scanReport(s rowScanner) (*Report, error) {
	r := &Report{}
	var reporter, resolver sql.NullInt64
	var reporterName, resolverName, resolved sql.NullString
	var created string
	if err := s.Scan(&r.ID, &r.TargetType, &r.TargetID, &r.Reason, &r.Comment, &reporter, &reporterName, &r.Status,
		&resolver, &resolverName, &r.Resolution, &resolved, &created); err != nil {
		return nil, err
	}
	if reporter.Valid {
		r.Reporter = &UserRef{ID: reporter.Int64, Name: reporterName.String}
	}
	if resolver.Valid {
		r.Resolver = &UserRef{ID: resolver.Int64, Name: resolverName.String}
	}
	r.ResolvedAt, r.CreatedAt = parseTime(resolved.String), parseTime(created)
	return r, nil
}

func (d *Directory) findReport(ctx context.Context, id int64) (*Report, error) {
	r, err := scanReport(d.db.read.QueryRowContext(ctx, reportQuery+` WHERE r.id = ?`, id))
	if err == sql.ErrNoRows {
		return nil, NewError(ENOTFOUND, keyNoReport, Args{"id": id})
	}
	return r, err
}

// FindReports lists reports with a status (oldest first), for moderators.
func (d *Directory) FindReports(ctx context.Context, moderator *User, status string, limit, offset int) ([]*Report, int, error) {
	if !moderator.IsModerator() {
		return nil, 0, NewError(EFORBIDDEN, keyReadReports, nil)
	}
	if status != "" && status != "open" && status != "resolved" && status != "dismissed" {
		return nil, 0, FieldError("status", keyReportStatus, nil)
	}
	where, args := "1 = 1", []any{}
	if status != "" {
		where, args = "r.status = ?", append(args, status)
	}
	var total int
	if err := d.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM reports r WHERE `+where, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := d.db.read.QueryContext(ctx, reportQuery+` WHERE `+where+` ORDER BY r.created_at, r.id LIMIT ? OFFSET ?`,
		append(args, limit, offset)...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Report
	for rows.Next() {
		r, err := scanReport(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, r)
	}
	return out, total, rows.Err()
}

// ResolveReport closes a report as resolved or dismissed, with a note.
func (d *Directory) ResolveReport(ctx context.Context, moderator *User, id int64, status, note string) (*Report, error) {
	if !moderator.IsModerator() {
		return nil, NewError(EFORBIDDEN, keyResolveReports, nil)
	}
	if status != "resolved" && status != "dismissed" {
		return nil, FieldError("status", keyReportCloseState, nil)
	}
	if err := checkReason(note, false); err != nil {
		return nil, err
	}
	res, err := d.db.write.ExecContext(ctx, `UPDATE reports SET status = ?, resolver_id = ?, resolution = ?, resolved_at = ?
		WHERE id = ? AND status = 'open'`, status, moderator.ID, strings.TrimSpace(note), formatTime(d.db.Now()), id)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := d.findReport(ctx, id); err != nil {
			return nil, err
		}
		return nil, NewError(ECONFLICT, keyReportClosed, Args{"id": id})
	}
	return d.findReport(ctx, id)
}
