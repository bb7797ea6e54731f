package directory

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// Decision is a moderator's verdict on one proposal.
type Decision struct {
	ID          int64
	Reason      string
	Resolutions map[string]string // for conflicting fields: "yours" (apply anyway) or "current" (keep)
}

// DecisionResult is the outcome of one decision in a bulk review.
type DecisionResult struct {
	ID  int64
	Err error // nil when applied
}

func checkReason(reason string, required bool) error {
	reason = strings.TrimSpace(reason)
	if required && reason == "" {
		return FieldError("reason", KeyReasonRequired, nil)
	}
	if utf8.RuneCountInString(reason) > 1000 || !validText(reason, true) {
		return FieldError("reason", keyTextMax, Args{"max": 1000})
	}
	return nil
}

// ApproveEdit approves a pending proposal and applies it in one transaction:
// it checks the proposal is still pending, merges it into the current
// version (ECONFLICT with both values for a field someone else changed
// meanwhile), writes the new version and marks it approved; the read model
// follows after the commit. For a change already applied at once (trusted
// author, representative), approving confirms the review.
func (d *Directory) ApproveEdit(ctx context.Context, moderator *User, dec Decision) (*Proposal, error) {
	return d.decideOne(ctx, moderator, dec, checkApproval, d.approveInTx)
}

// decideOne checks a decision and runs it in a transaction of its own,
// then returns the proposal as it now is.
func (d *Directory) decideOne(ctx context.Context, moderator *User, dec Decision, check func(*User, Decision) error,
	decide func(context.Context, *sql.Tx, *User, Decision, time.Time) (touchSet, error)) (*Proposal, error) {
	if err := check(moderator, dec); err != nil {
		return nil, err
	}
	if err := d.decide(ctx, func(tx *sql.Tx, now time.Time) (touchSet, error) {
		return decide(ctx, tx, moderator, dec, now)
	}); err != nil {
		return nil, err
	}
	return d.FindProposalByID(ctx, moderator, dec.ID)
}

// checkApproval checks who approves and what the decision says.
func checkApproval(moderator *User, dec Decision) error {
	if !moderator.IsModerator() {
		return NewError(EFORBIDDEN, keyApproveModerator, nil)
	}
	if err := checkReason(dec.Reason, false); err != nil {
		return err
	}
	for k, v := range dec.Resolutions {
		if v != "yours" && v != "current" {
			return FieldError("resolutions."+k, keyResolution, nil)
		}
	}
	return nil
}

// approveInTx approves one checked decision inside tx.
func (d *Directory) approveInTx(ctx context.Context, tx *sql.Tx, moderator *User, dec Decision, now time.Time) (touchSet, error) {
	p, err := loadStoredProposal(ctx, tx, dec.ID)
	if err != nil {
		return touchSet{}, err
	}
	switch {
	case p.Status == ProposalApproved && p.NeedsReview:
		_, err := tx.ExecContext(ctx, `UPDATE proposals SET needs_review = 0, reviewer_id = ?, reviewed_at = ?, reason = ?,
			updated_at = ? WHERE id = ?`, moderator.ID, formatTime(now), strings.TrimSpace(dec.Reason), formatTime(now), p.ID)
		return touchSet{}, err
	case p.Status != ProposalPending:
		return touchSet{}, alreadyDecided(p.ID, p.Status)
	}
	return d.applyProposal(ctx, tx, p, dec.Resolutions, moderator, "moderator", strings.TrimSpace(dec.Reason), now)
}

// RejectEdit rejects a proposal with a reason. A change that was already
// applied (trusted author, representative) is undone by a new version that
// restores the replaced values; ECONFLICT if others changed them since.
func (d *Directory) RejectEdit(ctx context.Context, moderator *User, dec Decision) (*Proposal, error) {
	return d.decideOne(ctx, moderator, dec, checkRejection, d.rejectInTx)
}

// checkRejection checks who rejects and the reason, which is required.
func checkRejection(moderator *User, dec Decision) error {
	if !moderator.IsModerator() {
		return NewError(EFORBIDDEN, keyRejectModerator, nil)
	}
	return checkReason(dec.Reason, true)
}

// rejectInTx rejects one checked decision inside tx.
func (d *Directory) rejectInTx(ctx context.Context, tx *sql.Tx, moderator *User, dec Decision, now time.Time) (touchSet, error) {
	reason := strings.TrimSpace(dec.Reason)
	p, err := loadStoredProposal(ctx, tx, dec.ID)
	if err != nil {
		return touchSet{}, err
	}
	var touched touchSet
	switch {
	case p.Status == ProposalApproved && p.NeedsReview:
		if touched, err = undoProposal(ctx, tx, p, moderator, reason, now); err != nil {
			return touchSet{}, err
		}
		if err := emit(ctx, tx, now, func() (*Event, error) {
			return d.revertEvent(ctx, tx, p.TargetType, p.TargetID, &EventRevert{ProposalID: p.ID,
				Reason: "proposal rejected: " + reason}, moderator, now)
		}); err != nil {
			return touchSet{}, err
		}
	case p.Status != ProposalPending:
		return touchSet{}, alreadyDecided(p.ID, p.Status)
	}
	_, err = tx.ExecContext(ctx, `UPDATE proposals SET status = 'rejected', needs_review = 0, reviewer_id = ?,
		reviewed_at = ?, reason = ?, updated_at = ? WHERE id = ?`, moderator.ID, formatTime(now), reason, formatTime(now), p.ID)
	return touched, err
}

// Review actions: what a moderator decides about proposals.
const (
	ReviewApprove = "approve"
	ReviewReject  = "reject"
)

// Decide approves or rejects one proposal, as action says (ReviewApprove
// or ReviewReject; EINVALID otherwise): the pages' single decision.
func (d *Directory) Decide(ctx context.Context, moderator *User, action string, dec Decision) (*Proposal, error) {
	switch action {
	case ReviewApprove:
		return d.ApproveEdit(ctx, moderator, dec)
	case ReviewReject:
		return d.RejectEdit(ctx, moderator, dec)
	}
	return nil, FieldError("action", keyReviewAction, nil)
}

// MaxBulkReview bounds the proposals of one bulk review.
const MaxBulkReview = 200

// BulkReview approves or rejects several proposals with one reason.
type BulkReview struct {
	Action string // ReviewApprove or ReviewReject
	IDs    []int64
	Reason string
}

// ReviewProposals decides the proposals of b, for the API and the pages
// alike: in one transaction, each proposal under a savepoint, so that one
// that cannot be decided (already decided, conflicting) is reported in its
// result and rolled back alone while the others are applied; the read
// model follows once, after the commit. Repeated ids count once. It
// returns EINVALID for an unknown action, no id or more than MaxBulkReview,
// or a bad reason (required to reject), and EFORBIDDEN unless moderator
// is a moderator.
func (d *Directory) ReviewProposals(ctx context.Context, moderator *User, b BulkReview) ([]DecisionResult, error) {
	p := Problems{}
	if b.Action != ReviewApprove && b.Action != ReviewReject {
		p.Add("action", keyReviewAction, nil)
	}
	// Repeated ids count once; counting stops past the limit, so that a
	// body of many thousand ids costs what the limit allows, not their
	// square.
	seen := make(map[int64]bool, min(len(b.IDs), MaxBulkReview+1))
	ids := make([]int64, 0, min(len(b.IDs), MaxBulkReview+1))
	for _, id := range b.IDs {
		if !seen[id] {
			seen[id] = true
			if ids = append(ids, id); len(ids) > MaxBulkReview {
				break
			}
		}
	}
	switch {
	case len(ids) == 0:
		p.Add("ids", keyReviewNoIDs, nil)
	case len(ids) > MaxBulkReview:
		p.Add("ids", keyReviewIDs, Args{"max": MaxBulkReview})
	}
	if err := p.Err("review"); err != nil {
		return nil, err
	}
	if !moderator.IsModerator() {
		return nil, NewError(EFORBIDDEN, keyReviewModerator, nil)
	}
	check, decide := checkApproval, d.approveInTx
	if b.Action == ReviewReject {
		check, decide = checkRejection, d.rejectInTx
	}
	if err := check(moderator, Decision{Reason: b.Reason}); err != nil {
		return nil, err
	}
	out := make([]DecisionResult, len(ids))
	err := d.decideEach(ctx, len(ids), func(tx *sql.Tx, i int, now time.Time) (touchSet, error) {
		out[i].ID = ids[i]
		t, err := decide(ctx, tx, moderator, Decision{ID: ids[i], Reason: b.Reason}, now)
		out[i].Err = err
		return t, err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// undoProposal restores, as a new version, the values an applied proposal replaced.
func undoProposal(ctx context.Context, tx *sql.Tx, p *storedProposal, by *User, reason string, now time.Time) (touchSet, error) {
	cur, err := loadRecord(ctx, tx, p.TargetType, p.TargetID)
	if err != nil {
		return touchSet{}, err
	}
	before, err := loadVersionFields(ctx, tx, p.TargetType, p.TargetID, p.Applied-1)
	if p.Action == ActionCreate {
		before, err = cur.Fields, nil
		before = cloneFields(before)
		before["deleted"] = json.RawMessage("true")
	}
	if err != nil {
		return touchSet{}, err
	}
	// Only the fields the proposal set are restored, and only if nobody changed them since.
	fields := cloneFields(cur.Fields)
	after, err := loadVersionFields(ctx, tx, p.TargetType, p.TargetID, p.Applied)
	if err != nil {
		return touchSet{}, err
	}
	conflicts := map[string]Conflict{}
	for k := range diffFields(before, after) {
		if !sameJSON(cur.Fields[k], after[k]) {
			conflicts[k] = Conflict{Base: rawAny(after[k]), Yours: rawAny(before[k]), Current: rawAny(cur.Fields[k])}
			continue
		}
		fields[k] = before[k]
	}
	if len(conflicts) > 0 {
		return touchSet{}, withConflicts(NewError(ECONFLICT, keyUndoConflict, Args{"type": p.TargetType, "id": p.TargetID, "proposal": p.ID}), conflicts)
	}
	t, _, err := writeNewVersion(ctx, tx, cur, fields, versionWrite{Action: "revert", AuthorID: by.ID, ProposalID: p.ID,
		Reason: "proposal rejected: " + reason}, now)
	return t, err
}

func cloneFields(m map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// decide runs one write transaction of the review workflow, then brings the
// read model up to date.
func (d *Directory) decide(ctx context.Context, fn func(tx *sql.Tx, now time.Time) (touchSet, error)) error {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	tx, err := d.db.BeginTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	touched, err := fn(tx, d.db.Now())
	if err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return err
	}
	d.refresh(ctx, touched)
	return nil
}

// decideEach runs n decisions in one write transaction, each under a
// savepoint: a decision that fails is rolled back alone (its error is
// fn's to report) and the others commit together; the read model then
// follows them all at once.
func (d *Directory) decideEach(ctx context.Context, n int, fn func(tx *sql.Tx, i int, now time.Time) (touchSet, error)) error {
	return d.decide(ctx, func(tx *sql.Tx, now time.Time) (touchSet, error) {
		var touched touchSet
		for i := range n {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT decision`); err != nil {
				return touchSet{}, err
			}
			t, err := fn(tx, i, now)
			if err != nil {
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO decision`); err != nil {
					return touchSet{}, err
				}
			} else {
				touched.merge(t)
			}
			if _, err := tx.ExecContext(ctx, `RELEASE decision`); err != nil {
				return touchSet{}, err
			}
		}
		return touched, nil
	})
}

// WithdrawEdit lets an author withdraw their pending proposal.
func (d *Directory) WithdrawEdit(ctx context.Context, u *User, id int64) (*Proposal, error) {
	if u == nil {
		return nil, NewError(EUNAUTHORIZED, keyLoginToWithdraw, nil)
	}
	if err := d.decide(ctx, func(tx *sql.Tx, now time.Time) (touchSet, error) {
		p, err := loadStoredProposal(ctx, tx, id)
		if err != nil {
			return touchSet{}, err
		}
		if p.AuthorID != u.ID {
			return touchSet{}, NewError(EFORBIDDEN, keyNotAuthor, nil)
		}
		if p.Status != ProposalPending {
			return touchSet{}, alreadyDecided(id, p.Status)
		}
		_, err = tx.ExecContext(ctx, `UPDATE proposals SET status = 'withdrawn', updated_at = ? WHERE id = ?`, formatTime(now), id)
		return touchSet{}, err
	}); err != nil {
		return nil, err
	}
	return d.FindProposalByID(ctx, u, id)
}

// Vote records u's vote (+1 for, -1 against, 0 to take it back) on a pending
// proposal, then applies the community threshold.
func (d *Directory) Vote(ctx context.Context, u *User, id int64, value int) (*Proposal, error) {
	if u == nil {
		return nil, NewError(EUNAUTHORIZED, keyLoginToVote, nil)
	}
	if value < -1 || value > 1 {
		return nil, FieldError("value", keyVoteValue, nil)
	}
	now := d.db.Now()
	if u.Blocked(now) {
		return nil, blockedError(u)
	}
	if err := d.decide(ctx, func(tx *sql.Tx, now time.Time) (touchSet, error) {
		p, err := loadStoredProposal(ctx, tx, id)
		if err != nil {
			return touchSet{}, err
		}
		if p.Status != ProposalPending {
			return touchSet{}, NewError(ECONFLICT, keyVotesClosed, Args{"id": id, "proposal_status": p.Status})
		}
		if p.AuthorID == u.ID {
			return touchSet{}, NewError(EFORBIDDEN, keyOwnVote, nil)
		}
		if value == 0 {
			_, err = tx.ExecContext(ctx, `DELETE FROM votes WHERE proposal_id = ? AND user_id = ?`, id, u.ID)
		} else {
			_, err = tx.ExecContext(ctx, `INSERT INTO votes (proposal_id, user_id, value, created_at) VALUES (?, ?, ?, ?)
				ON CONFLICT (proposal_id, user_id) DO UPDATE SET value = excluded.value, created_at = excluded.created_at`,
				id, u.ID, value, formatTime(now))
		}
		return touchSet{}, err
	}); err != nil {
		return nil, err
	}
	if _, err := d.ApplyVotes(ctx); err != nil {
		return nil, err
	}
	return d.FindProposalByID(ctx, u, id)
}

// ApplyVotes approves the pending proposals that the community has carried:
// votes for exceed votes against by the policy's margin, no moderator voted
// against, and the proposal is old enough. It returns how many it applied.
// The server calls it after each vote and periodically (for proposals that
// become old enough). A carried proposal that now conflicts stays pending
// for a moderator.
func (d *Directory) ApplyVotes(ctx context.Context) (int, error) {
	if d.Policy.VoteMargin <= 0 {
		return 0, nil
	}
	now := d.db.Now()
	rows, err := d.db.read.QueryContext(ctx, `SELECT p.id FROM proposals p
		WHERE p.status = 'pending' AND p.created_at <= ?
		AND (SELECT COALESCE(SUM(v.value), 0) FROM votes v WHERE v.proposal_id = p.id) >= ?
		AND NOT EXISTS (SELECT 1 FROM votes v JOIN users u ON u.id = v.user_id
			WHERE v.proposal_id = p.id AND v.value < 0 AND u.role IN ('moderator', 'admin'))
		ORDER BY p.id`, formatTime(now.Add(-d.Policy.VoteMinAge)), d.Policy.VoteMargin)
	if err != nil {
		return 0, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		ids = append(ids, id)
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	applied := 0
	for _, id := range ids {
		done := false
		err := d.decide(ctx, func(tx *sql.Tx, now time.Time) (touchSet, error) {
			p, err := loadStoredProposal(ctx, tx, id)
			if err != nil || p.Status != ProposalPending {
				return touchSet{}, err
			}
			// The tally read above may be stale: a vote (a moderator's
			// against) may have been committed since. Decided again here,
			// in the transaction that applies.
			if carried, err := d.votesCarry(ctx, tx, id, now); err != nil || !carried {
				return touchSet{}, err
			}
			done = true
			return d.applyProposal(ctx, tx, p, nil, nil, "votes", "approved by community votes", now)
		})
		if err == nil && done {
			applied++
		} else if ErrorCode(err) == EINTERNAL {
			return applied, err
		}
	}
	return applied, nil
}

// votesCarry reports whether the community carries proposal id now: the
// rule of ApplyVotes, read inside tx.
func (d *Directory) votesCarry(ctx context.Context, tx *sql.Tx, id int64, now time.Time) (bool, error) {
	var carried bool
	err := tx.QueryRowContext(ctx, `SELECT p.created_at <= ?
		AND (SELECT COALESCE(SUM(v.value), 0) FROM votes v WHERE v.proposal_id = p.id) >= ?
		AND NOT EXISTS (SELECT 1 FROM votes v JOIN users u ON u.id = v.user_id
			WHERE v.proposal_id = p.id AND v.value < 0 AND u.role IN ('moderator', 'admin'))
		FROM proposals p WHERE p.id = ?`, formatTime(now.Add(-d.Policy.VoteMinAge)), d.Policy.VoteMargin, id).Scan(&carried)
	return carried, err
}

// CommentOn adds a remark to a proposal.
func (d *Directory) CommentOn(ctx context.Context, u *User, id int64, body string) (*Proposal, error) {
	if u == nil {
		return nil, NewError(EUNAUTHORIZED, keyLoginToComment, nil)
	}
	body = strings.TrimSpace(body)
	if n := utf8.RuneCountInString(body); n < 1 || n > 2000 || !validText(body, true) {
		return nil, FieldError("body", keyCommentBody, nil)
	}
	if u.Blocked(d.db.Now()) {
		return nil, blockedError(u)
	}
	if _, err := d.FindProposalByID(ctx, u, id); err != nil {
		return nil, err
	}
	if _, err := d.db.write.ExecContext(ctx, `INSERT INTO proposal_comments (proposal_id, user_id, body, created_at) VALUES (?, ?, ?, ?)`,
		id, u.ID, body, formatTime(d.db.Now())); err != nil {
		return nil, err
	}
	return d.FindProposalByID(ctx, u, id)
}

// BlockUser blocks an account until a time, with a reason; its pending
// proposals are withdrawn. Moderators may block contributors; only an
// administrator may block a moderator. A zero until unblocks.
func (d *Directory) BlockUser(ctx context.Context, moderator *User, userID int64, until time.Time, reason string) error {
	if !moderator.IsModerator() {
		return NewError(EFORBIDDEN, keyBlockModerators, nil)
	}
	target, err := d.FindUserByID(ctx, userID)
	if err != nil {
		return err
	}
	if target.ID == moderator.ID {
		return NewError(ECONFLICT, keyBlockSelf, nil)
	}
	if target.IsModerator() && !moderator.IsAdmin() {
		return NewError(EFORBIDDEN, keyBlockModerator, nil)
	}
	now := d.db.Now()
	if !until.IsZero() {
		if err := checkReason(reason, true); err != nil {
			return err
		}
		if !until.After(now) {
			return FieldError("until", keyFuture, nil)
		}
	}
	return d.decide(ctx, func(tx *sql.Tx, now time.Time) (touchSet, error) {
		var u any
		if !until.IsZero() {
			u = formatTime(until)
			if target.IsAdmin() {
				if err := checkOtherAdmin(ctx, tx, userID, moderator.ID, now); err != nil {
					return touchSet{}, err
				}
			}
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET blocked_until = ?, blocked_reason = ? WHERE id = ?`,
			u, strings.TrimSpace(reason), userID); err != nil {
			return touchSet{}, err
		}
		if until.IsZero() {
			return touchSet{}, nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE proposals SET status = 'withdrawn', reason = 'author blocked: ' || ?, updated_at = ?
			WHERE author_id = ? AND status = 'pending'`, strings.TrimSpace(reason), formatTime(now), userID)
		return touchSet{}, err
	})
}
