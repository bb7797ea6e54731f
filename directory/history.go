package directory

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Version is one version of a record in its history.
type Version struct {
	RecordType string
	RecordID   string
	Version    int
	Action     string // import, create, update, delete, place, revert
	Author     *UserRef
	ProposalID int64
	Reason     string
	Changes    map[string]FieldChange // against the previous version
	Data       map[string]json.RawMessage
	Seq        uint64
	CreatedAt  time.Time
}

// FindHistory returns every version of a record, newest first. A record
// never changed since the bundled data was loaded has one version, its
// current state. ENOTFOUND if the record does not exist.
func (d *Directory) FindHistory(ctx context.Context, typ, id string) ([]Version, error) {
	if !contains(RecordTypes, typ) {
		return nil, FieldError("type", keyOneOf, Args{"choices": strings.Join(RecordTypes, ", ")})
	}
	tx, err := d.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	cur, err := loadRecord(ctx, tx, typ, id)
	if err != nil {
		return nil, err
	}
	if !cur.exists() {
		return nil, NewError(ENOTFOUND, keyNoRecord, Args{"type": typ, "id": id})
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+versionColumns+`
		WHERE v.record_type = ? AND v.record_id = ? ORDER BY v.version DESC`, typ, id)
	if err != nil {
		return nil, err
	}
	out, err := scanVersions(rows)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		// Never changed: its one version is the bundled data.
		var created string
		table, key := tableOf(typ)
		tx.QueryRowContext(ctx, `SELECT created_at FROM `+table+` WHERE `+key, id).Scan(&created)
		out = append(out, Version{RecordType: typ, RecordID: id, Version: cur.Version, Action: "import",
			Data: cur.Fields, Changes: map[string]FieldChange{}, CreatedAt: parseTime(created)})
	}
	return out, nil
}

func tableOf(typ string) (table, key string) {
	switch typ {
	case TypeTool:
		return "tools", "slug = ?"
	case TypeAdoption:
		return "adoptions", "'adoption-' || actor_id || '-' || tool_slug = ?"
	}
	return "actors", "id = ?"
}

// Revert restores a record to an earlier version, as a new version with the
// moderator's reason: nothing is lost, the reverted versions stay in the
// history. Reverting a deletion brings the record back.
func (d *Directory) Revert(ctx context.Context, moderator *User, typ, id string, version int, reason string) (int, error) {
	if !moderator.IsModerator() {
		return 0, NewError(EFORBIDDEN, keyRevertModerator, nil)
	}
	if err := checkReason(reason, true); err != nil {
		return 0, err
	}
	if !contains(RecordTypes, typ) {
		return 0, FieldError("type", keyOneOf, Args{"choices": strings.Join(RecordTypes, ", ")})
	}
	var newVersion int
	err := d.decide(ctx, func(tx *sql.Tx, now time.Time) (touchSet, error) {
		cur, err := loadRecord(ctx, tx, typ, id)
		if err != nil {
			return touchSet{}, err
		}
		if !cur.exists() {
			return touchSet{}, NewError(ENOTFOUND, keyNoRecord, Args{"type": typ, "id": id})
		}
		if version < 1 || version >= cur.Version {
			return touchSet{}, FieldError("version", keyEarlierVersion, Args{"max": cur.Version - 1})
		}
		old, err := loadVersionFields(ctx, tx, typ, id, version)
		if err != nil {
			return touchSet{}, FieldError("version", keyVersionMissing, Args{"version": version, "type": typ, "id": id})
		}
		if typ == TypeAdoption && string(old["deleted"]) != "true" {
			// Bringing an adoption back needs its actor and tool.
			var a adoptionData
			fromFields(old, &a)
			d.mu.RLock()
			ref, ok := d.refOf(a.Actor)
			alive := ok && !d.entries[ref].deleted && d.tools[a.Tool] != nil
			d.mu.RUnlock()
			if !alive {
				return touchSet{}, NewError(ECONFLICT, keyRevertOrphan, nil)
			}
		}
		t, _, err := writeNewVersion(ctx, tx, cur, old, versionWrite{Action: "revert", AuthorID: moderator.ID,
			Reason: fmt.Sprintf("reverted to version %d: %s", version, strings.TrimSpace(reason))}, now)
		if err != nil {
			return touchSet{}, err
		}
		newVersion = cur.Version + 1
		return t, emit(ctx, tx, now, func() (*Event, error) {
			return d.revertEvent(ctx, tx, typ, id, &EventRevert{RevertedTo: version, Reason: strings.TrimSpace(reason)}, moderator, now)
		})
	})
	return newVersion, err
}

// ChangeFilter selects applied changes for feeds.
type ChangeFilter struct {
	Departement string
	Region      string
	Tool        string
	Limit       int
}

// FindChanges returns the latest applied changes (newest first), for feeds.
func (d *Directory) FindChanges(ctx context.Context, f ChangeFilter) ([]Version, error) {
	if f.Limit < 1 || f.Limit > 500 {
		f.Limit = 50
	}
	d.mu.RLock()
	if f.Departement != "" && d.names[KindDepartement+":"+f.Departement] == "" {
		d.mu.RUnlock()
		return nil, FieldError("departement", keyDepartement, Args{"got": truncateRunes(f.Departement, 40)})
	}
	if f.Region != "" && d.names[KindRegion+":"+f.Region] == "" {
		d.mu.RUnlock()
		return nil, FieldError("region", keyRegion, Args{"got": truncateRunes(f.Region, 40)})
	}
	if f.Tool != "" && d.tools[f.Tool] == nil {
		d.mu.RUnlock()
		return nil, FieldError("tool", keyToolSlug, Args{"got": truncateRunes(f.Tool, 40)})
	}
	d.mu.RUnlock()
	where, args := []string{"v.action <> 'import'"}, []any{}
	if f.Departement != "" {
		where, args = append(where, "v.departement = ?"), append(args, f.Departement)
	}
	if f.Region != "" {
		where, args = append(where, "v.region = ?"), append(args, f.Region)
	}
	if f.Tool != "" {
		where, args = append(where, "v.tools = ?"), append(args, f.Tool)
	}
	rows, err := d.db.read.QueryContext(ctx, `SELECT `+versionColumns+` WHERE `+strings.Join(where, " AND ")+`
		ORDER BY v.seq DESC, v.record_type, v.record_id LIMIT ?`, append(args, f.Limit)...)
	if err != nil {
		return nil, err
	}
	return scanVersions(rows)
}

// versionColumns are the columns scanVersions reads, with their tables.
const versionColumns = `v.record_type, v.record_id, v.version, v.action, v.data, v.changes,
		v.author_id, u.display_name, v.proposal_id, v.reason, v.seq, v.created_at
		FROM versions v LEFT JOIN users u ON u.id = v.author_id`

// scanVersions reads the rows of a query of versionColumns, and closes them.
func scanVersions(rows *sql.Rows) ([]Version, error) {
	defer rows.Close()
	var out []Version
	for rows.Next() {
		var v Version
		var data, changes, created string
		var author, proposal sql.NullInt64
		var authorName sql.NullString
		if err := rows.Scan(&v.RecordType, &v.RecordID, &v.Version, &v.Action, &data, &changes, &author, &authorName,
			&proposal, &v.Reason, &v.Seq, &created); err != nil {
			return nil, err
		}
		if author.Valid {
			v.Author = &UserRef{ID: author.Int64, Name: authorName.String}
		}
		v.ProposalID, v.CreatedAt = proposal.Int64, parseTime(created)
		json.Unmarshal([]byte(data), &v.Data)
		var ch map[string]change
		json.Unmarshal([]byte(changes), &ch)
		v.Changes = map[string]FieldChange{}
		for k, c := range ch {
			v.Changes[k] = FieldChange{Old: c.Old, New: c.New}
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
