package directory

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
)

// ProposalFilter selects proposals for the review queue and for authors.
type ProposalFilter struct {
	Statuses    []string
	TargetType  string
	TargetID    string
	Kind        string // kind of the target actor
	Departement string
	Region      string
	AuthorID    int64
	NeedsReview bool  // applied at once, awaiting review after the fact
	NewestFirst bool  // the queue is oldest first by default
	BatchID     int64 // proposals an import run filed (0: any)
	Offset      int
	Limit       int
}

// FindProposals returns proposals matching f and how many match in all.
// Any logged-in user may read them (contributors vote on them); the public
// API never shows pending changes.
func (d *Directory) FindProposals(ctx context.Context, viewer *User, f ProposalFilter) ([]*Proposal, int, error) {
	if viewer == nil {
		return nil, 0, NewError(EUNAUTHORIZED, keyLoginToSee, nil)
	}
	p := Problems{}
	for _, s := range f.Statuses {
		if !contains(ProposalStatuses, s) {
			p.Add("status", KeyOneOfGot, Args{"choices": strings.Join(ProposalStatuses, ", "), "got": truncateRunes(s, 40)})
		}
	}
	if f.TargetType != "" && !contains(RecordTypes, f.TargetType) {
		p.Add("target_type", keyOneOf, Args{"choices": strings.Join(RecordTypes, ", ")})
	}
	if f.Kind != "" && !IsKind(f.Kind) {
		p.Add("kind", keyOneOf, Args{"choices": strings.Join(Kinds, ", ")})
	}
	if f.Limit < 1 || f.Limit > 500 {
		p.Add("limit", KeyBetween, Args{"min": 1, "max": 500})
	}
	if f.Offset < 0 {
		p.Add("offset", keyNotNegative, nil)
	}
	if err := p.Err("filter"); err != nil {
		return nil, 0, err
	}
	where, args := []string{"1 = 1"}, []any{}
	if len(f.Statuses) > 0 {
		where = append(where, "p.status IN ("+strings.TrimSuffix(strings.Repeat("?,", len(f.Statuses)), ",")+")")
		for _, s := range f.Statuses {
			args = append(args, s)
		}
	}
	if f.TargetType != "" {
		where, args = append(where, "p.target_type = ?"), append(args, f.TargetType)
	}
	if f.TargetID != "" {
		where, args = append(where, "p.target_id = ?"), append(args, f.TargetID)
	}
	if f.Kind != "" {
		where, args = append(where, "p.target_type = 'actor' AND (SELECT kind FROM actors WHERE id = p.target_id) = ?"), append(args, f.Kind)
	}
	if f.Departement != "" {
		where, args = append(where, "p.departement = ?"), append(args, f.Departement)
	}
	if f.Region != "" {
		where, args = append(where, "p.region = ?"), append(args, f.Region)
	}
	if f.AuthorID != 0 {
		where, args = append(where, "p.author_id = ?"), append(args, f.AuthorID)
	}
	if f.NeedsReview {
		where = append(where, "p.needs_review = 1")
	}
	if f.BatchID != 0 {
		where, args = append(where, "p.batch_id = ?"), append(args, f.BatchID)
	}
	order := "p.created_at, p.id"
	if f.NewestFirst {
		order = "p.created_at DESC, p.id DESC"
	}
	rows, err := d.db.read.QueryContext(ctx, `SELECT p.id, COUNT(*) OVER() FROM proposals p WHERE `+strings.Join(where, " AND ")+
		` ORDER BY `+order+` LIMIT ? OFFSET ?`, append(args, f.Limit, f.Offset)...)
	if err != nil {
		return nil, 0, err
	}
	var ids []int64
	total := 0
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id, &total); err != nil {
			rows.Close()
			return nil, 0, err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return nil, 0, err
	}
	if len(ids) == 0 && f.Offset > 0 {
		d.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM proposals p WHERE `+strings.Join(where, " AND "), args...).Scan(&total)
	}
	out := make([]*Proposal, 0, len(ids))
	for _, id := range ids {
		pr, err := d.FindProposalByID(ctx, viewer, id)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, pr)
	}
	return out, total, nil
}

// FindProposalByID returns one proposal with its votes, comments, the
// current values of the fields it changes and, while pending, the fields
// that someone else changed meanwhile.
func (d *Directory) FindProposalByID(ctx context.Context, viewer *User, id int64) (*Proposal, error) {
	if viewer == nil {
		return nil, NewError(EUNAUTHORIZED, keyLoginToSee, nil)
	}
	tx, err := d.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	sp, err := loadStoredProposal(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	p := &Proposal{ID: sp.ID, TargetType: sp.TargetType, TargetID: sp.TargetID, Action: sp.Action,
		BaseVersion: sp.BaseVersion, Source: sp.Source, Status: sp.Status, NeedsReview: sp.NeedsReview,
		AppliedVersion: sp.Applied, CreatedAt: sp.CreatedAt, Changes: map[string]FieldChange{},
		BatchID: sp.BatchID, Provenance: sp.Provenance}
	var warnings, updated string
	var reviewer sql.NullInt64
	var reviewerName, reviewedAt sql.NullString
	if err := tx.QueryRowContext(ctx, `SELECT p.comment, p.warnings, p.approved_by, p.reason, p.departement, p.region,
		p.updated_at, u.id, u.display_name, r.id, r.display_name, p.reviewed_at
		FROM proposals p JOIN users u ON u.id = p.author_id LEFT JOIN users r ON r.id = p.reviewer_id WHERE p.id = ?`, id).Scan(
		&p.Comment, &warnings, &p.ApprovedBy, &p.Reason, &p.Departement, &p.Region, &updated, &p.Author.ID, &p.Author.Name,
		&reviewer, &reviewerName, &reviewedAt); err != nil {
		return nil, err
	}
	p.UpdatedAt = parseTime(updated)
	json.Unmarshal([]byte(warnings), &p.Warnings)
	if reviewer.Valid {
		p.Reviewer = &UserRef{ID: reviewer.Int64, Name: reviewerName.String}
		p.ReviewedAt = parseTime(reviewedAt.String)
	}
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE value > 0), COUNT(*) FILTER (WHERE value < 0),
		COALESCE(SUM(value) FILTER (WHERE user_id = ?), 0) FROM votes WHERE proposal_id = ?`, viewer.ID, id).Scan(
		&p.VotesFor, &p.VotesAgainst, &p.MyVote); err != nil {
		return nil, err
	}
	cur, err := loadRecord(ctx, tx, sp.TargetType, sp.TargetID)
	if err != nil {
		return nil, err
	}
	p.CurrentVersion = cur.Version
	p.TargetName = cur.str("name")
	if sp.TargetType == TypeAdoption {
		p.TargetName = cur.str("actor") + " × " + cur.str("tool")
	}
	for k, ch := range sp.Changes {
		fc := FieldChange{Old: ch.Old, New: ch.New}
		if cur.exists() {
			fc.Current = orNull(cur.Fields[k])
		}
		p.Changes[k] = fc
	}
	if sp.Status == ProposalPending && cur.exists() && sp.Action != ActionCreate {
		if c := conflictsWith(cur, sp.Changes); len(c) > 0 {
			p.Conflicts = c
		}
	}
	rows, err := tx.QueryContext(ctx, `SELECT c.id, c.user_id, u.display_name, c.body, c.created_at FROM proposal_comments c
		JOIN users u ON u.id = c.user_id WHERE c.proposal_id = ? ORDER BY c.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var c Comment
		var created string
		if err := rows.Scan(&c.ID, &c.Author.ID, &c.Author.Name, &c.Body, &created); err != nil {
			return nil, err
		}
		c.CreatedAt = parseTime(created)
		p.Comments = append(p.Comments, c)
	}
	return p, rows.Err()
}

// QueueLength returns the number of pending proposals and of changes
// applied at once that await review (for metrics and the moderation screen).
func (d *Directory) QueueLength(ctx context.Context) (pending, toReview int, err error) {
	err = d.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FILTER (WHERE status = 'pending'),
		COUNT(*) FILTER (WHERE status = 'approved' AND needs_review = 1) FROM proposals`).Scan(&pending, &toReview)
	return
}

// ParseID parses a numeric id from a URL path segment.
func ParseID(field, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id < 1 {
		return 0, FieldError(field, keyPositiveIntGot, Args{"got": truncateRunes(s, 30)})
	}
	return id, nil
}

func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
