package directory

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"maps"
	"slices"
	"strings"
	"time"
)

// A signed-in person can say that a fact is still true ("toujours
// d'actualité"): an actor's contact field or point, or an adoption. The
// confirmation is recorded in the record's history (a version whose only
// change is who confirmed it and when) and resets its freshness. It applies
// at once for moderators and for the actor's verified representatives;
// anyone else's waits, as a light proposal, in the moderators' queue of
// facts to check. Confirming is not changing: the record's "last updated"
// date stays.

// Confirmation statuses.
const (
	ConfirmationPending  = "pending"
	ConfirmationApplied  = "applied"
	ConfirmationRejected = "rejected"
)

// ActionConfirm is the history action of a confirmation.
const ActionConfirm = "confirm"

// ConfirmInput names the fact a person confirms.
type ConfirmInput struct {
	TargetType string // actor or adoption
	TargetID   string // actor id, or adoption id (adoption-{actor}-{tool})
	Field      string // for an actor: one of ProvenanceFields ("point" for its location); "" for an adoption
}

// Confirmation is one person's "still true" on a fact.
type Confirmation struct {
	ID         int64
	TargetType string
	TargetID   string
	Field      string
	User       UserRef
	Status     string
	Reviewer   *UserRef
	ReviewedAt time.Time
	CreatedAt  time.Time

	TargetName string // the actor's name, or "actor × tool"
	ActorID    string // the actor the fact is about
	Value      string // the value confirmed, as it reads
}

func (in ConfirmInput) check() error {
	p := Problems{}
	switch in.TargetType {
	case TypeActor:
		if !slices.Contains(ProvenanceFields, in.Field) {
			p.Add("field", keyConfirmField, Args{"choices": strings.Join(ProvenanceFields, ", ")})
		}
	case TypeAdoption:
		if in.Field != "" {
			p.Add("field", keyConfirmAdoption, nil)
		}
	default:
		p.Add("target_type", keyConfirmType, nil)
	}
	if strings.TrimSpace(in.TargetID) == "" {
		p.Add("target_id", keyConfirmTarget, nil)
	}
	return p.Err("confirmation")
}

// ConfirmFact records that u confirms a fact is still true. EUNAUTHORIZED
// without a user, EFORBIDDEN for a blocked one, EINVALID for a field that
// has no value, ENOTFOUND for a record that does not exist. A person's
// repeated confirmation of the same fact while one waits returns it.
func (d *Directory) ConfirmFact(ctx context.Context, u *User, in ConfirmInput) (*Confirmation, error) {
	if u == nil {
		return nil, NewError(EUNAUTHORIZED, keyLoginToConfirm, nil)
	}
	now := d.db.Now()
	if u.Blocked(now) {
		return nil, blockedError(u)
	}
	if err := in.check(); err != nil {
		return nil, err
	}
	var id int64
	err := d.decide(ctx, func(tx *sql.Tx, now time.Time) (touchSet, error) {
		cur, err := loadRecord(ctx, tx, in.TargetType, in.TargetID)
		if err != nil {
			return touchSet{}, err
		}
		if !cur.exists() || cur.deleted() {
			return touchSet{}, NewError(ENOTFOUND, keyNoRecord, Args{"type": in.TargetType, "id": in.TargetID})
		}
		if factValue(cur, in.Field) == "" {
			return touchSet{}, FieldError("field", keyConfirmNoValue, Args{"field": in.Field, "id": in.TargetID})
		}
		actor := in.TargetID
		if in.TargetType == TypeAdoption {
			actor = cur.str("actor")
		}
		if u.IsModerator() || slices.Contains(u.Represents, actor) {
			if err := tx.QueryRowContext(ctx, `INSERT INTO confirmations (target_type, target_id, field, user_id, status,
				reviewer_id, reviewed_at, created_at) VALUES (?, ?, ?, ?, 'applied', ?, ?, ?) RETURNING id`,
				in.TargetType, in.TargetID, in.Field, u.ID, u.ID, formatTime(now), formatTime(now)).Scan(&id); err != nil {
				return touchSet{}, err
			}
			return applyConfirmation(ctx, tx, cur, in.Field, UserRef{ID: u.ID, Name: u.DisplayName}, now)
		}
		if err := tx.QueryRowContext(ctx, `SELECT id FROM confirmations WHERE target_type = ? AND target_id = ? AND field = ?
			AND user_id = ? AND status = 'pending'`, in.TargetType, in.TargetID, in.Field, u.ID).Scan(&id); err == nil {
			return touchSet{}, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return touchSet{}, err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO confirmations (target_type, target_id, field, user_id, created_at)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, in.TargetType, in.TargetID, in.Field, u.ID, formatTime(now)).Scan(&id)
		return touchSet{}, err
	})
	if err != nil {
		return nil, err
	}
	return d.findConfirmation(ctx, id)
}

// factValue is the value a confirmation is about, as it reads ("" if none).
func factValue(r *record, field string) string {
	switch {
	case r.Type == TypeAdoption:
		return r.str("tool")
	case field == "point":
		var lon, lat *float64
		json.Unmarshal(r.Fields["lon"], &lon)
		json.Unmarshal(r.Fields["lat"], &lat)
		if lon == nil || lat == nil {
			return ""
		}
		b, _ := json.Marshal([]float64{*lat, *lon})
		return strings.Trim(string(b), "[]")
	}
	return r.str(field)
}

// applyConfirmation writes the confirmation into the record, as a version
// of its own; the record's last-update date stays that of its last change.
func applyConfirmation(ctx context.Context, tx *sql.Tx, cur *record, field string, by UserRef, now time.Time) (touchSet, error) {
	fields := maps.Clone(cur.Fields)
	at := formatTime(now)
	switch cur.Type {
	case TypeActor:
		var prov map[string]Provenance
		json.Unmarshal(cur.Fields["provenance"], &prov)
		if prov == nil {
			prov = map[string]Provenance{}
		}
		p := prov[field]
		p.VerifiedAt, p.VerifiedBy = at, &by
		prov[field] = p
		fields["provenance"] = mustJSON(prov)
	case TypeAdoption:
		fields["verified_at"], fields["verified_by"] = mustJSON(at), mustJSON(by.ID)
	}
	table, key := tableOf(cur.Type)
	var updated string
	if err := tx.QueryRowContext(ctx, `SELECT updated_at FROM `+table+` WHERE `+key, cur.ID).Scan(&updated); err != nil {
		return touchSet{}, err
	}
	t, _, err := writeNewVersion(ctx, tx, cur, fields, versionWrite{Action: ActionConfirm, AuthorID: by.ID,
		Reason: "toujours d'actualité"}, now)
	if err != nil {
		return touchSet{}, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE `+table+` SET updated_at = ? WHERE `+key, updated, cur.ID); err != nil {
		return touchSet{}, err
	}
	return t, nil
}

// ApproveConfirmation applies a pending confirmation (moderators only);
// ECONFLICT when it is no longer pending, EINVALID when the fact it
// confirms has changed or gone since.
func (d *Directory) ApproveConfirmation(ctx context.Context, moderator *User, id int64) (*Confirmation, error) {
	return d.decideConfirmation(ctx, moderator, id, true)
}

// RejectConfirmation discards a pending confirmation (moderators only).
func (d *Directory) RejectConfirmation(ctx context.Context, moderator *User, id int64) (*Confirmation, error) {
	return d.decideConfirmation(ctx, moderator, id, false)
}

func (d *Directory) decideConfirmation(ctx context.Context, moderator *User, id int64, approve bool) (*Confirmation, error) {
	if !moderator.IsModerator() {
		return nil, NewError(EFORBIDDEN, keyConfirmModerators, nil)
	}
	err := d.decide(ctx, func(tx *sql.Tx, now time.Time) (touchSet, error) {
		var typ, target, field, status, userName string
		var userID int64
		err := tx.QueryRowContext(ctx, `SELECT c.target_type, c.target_id, c.field, c.status, c.user_id, u.display_name
			FROM confirmations c JOIN users u ON u.id = c.user_id WHERE c.id = ?`, id).Scan(&typ, &target, &field, &status, &userID, &userName)
		if errors.Is(err, sql.ErrNoRows) {
			return touchSet{}, NewError(ENOTFOUND, keyNoConfirmation, Args{"id": id})
		} else if err != nil {
			return touchSet{}, err
		}
		if status != ConfirmationPending {
			return touchSet{}, NewError(ECONFLICT, keyConfirmDecided, Args{"id": id, "confirmation_status": status})
		}
		newStatus := ConfirmationRejected
		var t touchSet
		if approve {
			cur, err := loadRecord(ctx, tx, typ, target)
			if err != nil {
				return touchSet{}, err
			}
			if !cur.exists() || cur.deleted() || factValue(cur, field) == "" {
				return touchSet{}, NewError(EINVALID, keyConfirmGone, Args{"id": id})
			}
			if t, err = applyConfirmation(ctx, tx, cur, field, UserRef{ID: userID, Name: userName}, now); err != nil {
				return touchSet{}, err
			}
			newStatus = ConfirmationApplied
		}
		_, err = tx.ExecContext(ctx, `UPDATE confirmations SET status = ?, reviewer_id = ?, reviewed_at = ? WHERE id = ?`,
			newStatus, moderator.ID, formatTime(now), id)
		return t, err
	})
	if err != nil {
		return nil, err
	}
	return d.findConfirmation(ctx, id)
}

func (d *Directory) findConfirmation(ctx context.Context, id int64) (*Confirmation, error) {
	list, err := d.queryConfirmations(ctx, `c.id = ?`, []any{id}, 1, 0)
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, NewError(ENOTFOUND, keyNoConfirmation, Args{"id": id})
	}
	return list[0], nil
}

// FindPendingConfirmations lists the confirmations that wait for a
// moderator, oldest first, and how many there are (moderators only).
func (d *Directory) FindPendingConfirmations(ctx context.Context, moderator *User, limit, offset int) ([]*Confirmation, int, error) {
	if !moderator.IsModerator() {
		return nil, 0, NewError(EFORBIDDEN, keyConfirmReaders, nil)
	}
	var total int
	if err := d.db.read.QueryRowContext(ctx, `SELECT COUNT(*) FROM confirmations WHERE status = 'pending'`).Scan(&total); err != nil {
		return nil, 0, err
	}
	list, err := d.queryConfirmations(ctx, `c.status = 'pending'`, nil, limit, offset)
	return list, total, err
}

func (d *Directory) queryConfirmations(ctx context.Context, where string, args []any, limit, offset int) ([]*Confirmation, error) {
	rows, err := d.db.read.QueryContext(ctx, `SELECT c.id, c.target_type, c.target_id, c.field, c.user_id, u.display_name,
		c.status, c.reviewer_id, r.display_name, c.reviewed_at, c.created_at
		FROM confirmations c JOIN users u ON u.id = c.user_id LEFT JOIN users r ON r.id = c.reviewer_id
		WHERE `+where+` ORDER BY c.id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return nil, err
	}
	var out []*Confirmation
	for rows.Next() {
		c := &Confirmation{}
		var reviewer sql.NullInt64
		var reviewerName, reviewedAt sql.NullString
		var created string
		if err := rows.Scan(&c.ID, &c.TargetType, &c.TargetID, &c.Field, &c.User.ID, &c.User.Name, &c.Status,
			&reviewer, &reviewerName, &reviewedAt, &created); err != nil {
			rows.Close()
			return nil, err
		}
		if reviewer.Valid {
			c.Reviewer = &UserRef{ID: reviewer.Int64, Name: reviewerName.String}
			c.ReviewedAt = parseTime(reviewedAt.String)
		}
		c.CreatedAt = parseTime(created)
		out = append(out, c)
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	// Name the facts.
	tx, err := d.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	for _, c := range out {
		r, err := loadRecord(ctx, tx, c.TargetType, c.TargetID)
		if err != nil {
			return nil, err
		}
		c.Value = factValue(r, c.Field)
		c.ActorID = c.TargetID
		if c.TargetType == TypeAdoption {
			c.ActorID = r.str("actor")
			// An adoption reads as its tool's name.
			var tool string
			if tx.QueryRowContext(ctx, `SELECT name FROM tools WHERE slug = ?`, c.Value).Scan(&tool) == nil && tool != "" {
				c.Value = tool
			}
		}
		var name string
		tx.QueryRowContext(ctx, `SELECT name FROM actors WHERE id = ?`, c.ActorID).Scan(&name)
		c.TargetName = name
	}
	return out, nil
}
