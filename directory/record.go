package directory

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Record types that proposals and history address.
const (
	TypeActor    = "actor"
	TypeTool     = "tool"
	TypeAdoption = "adoption"
)

// RecordTypes lists every record type.
var RecordTypes = []string{TypeActor, TypeTool, TypeAdoption}

// actorData is the versioned content of an actor: what a version snapshot
// holds and what a revert restores.
type actorData struct {
	Kind        string   `json:"kind"`
	Name        string   `json:"name"`
	Code        string   `json:"code"`
	SIREN       string   `json:"siren"`
	EPCIType    string   `json:"epci_type"`
	Departement string   `json:"departement"`
	Region      string   `json:"region"`
	Parents     []string `json:"parents"`
	PostalCodes []string `json:"postal_codes"`
	Population  int      `json:"population"`
	Zone        string   `json:"zone"`
	Lon         *float64 `json:"lon"`
	Lat         *float64 `json:"lat"`
	Precision   string   `json:"precision"`
	PointSource string   `json:"point_source"`
	Website     string   `json:"website"`
	Email       string   `json:"email"`
	Phone       string   `json:"phone"`
	Address     string   `json:"address"`
	Description string   `json:"description"`
	Labels      []string `json:"labels"`
	Sources     []Source `json:"sources"`
	Deleted     bool     `json:"deleted"`

	OpeningHours string                `json:"opening_hours"`
	SIRET        string                `json:"siret"`
	Provenance   map[string]Provenance `json:"provenance,omitempty"`
}

// toolData is the versioned content of a tool.
type toolData struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	URL         string   `json:"url"`
	TutorialURL string   `json:"tutorial_url"`
	Licence     string   `json:"licence"`
	Free        bool     `json:"free_software"`
	Themes      []string `json:"themes"`
	Sources     []Source `json:"sources"`
	Deleted     bool     `json:"deleted"`
}

// adoptionData is the versioned content of an adoption.
type adoptionData struct {
	Actor   string   `json:"actor"`
	Tool    string   `json:"tool"`
	Usage   string   `json:"usage"`
	Since   int      `json:"since"`
	Status  string   `json:"status"`
	Contact string   `json:"contact"`
	URL     string   `json:"url"`
	AsOf    string   `json:"as_of"`
	Sources []Source `json:"sources"`
	Deleted bool     `json:"deleted"`

	VerifiedAt string `json:"verified_at,omitempty"` // RFC 3339
	VerifiedBy int64  `json:"verified_by,omitempty"` // user id
}

// record is one stored record, whatever its type: its version and its
// content as a JSON object, so that diffs and merges work field by field.
type record struct {
	Type    string
	ID      string // actor id, tool slug, adoption public id
	Version int
	Fields  map[string]json.RawMessage
	Dept    string // territory, for feeds and queue filters
	Region  string
	Tools   string // tool slug(s) concerned

	At time.Time // when its current version was made (zero: unknown)
}

func (r *record) exists() bool { return r != nil && r.Version > 0 }

func (r *record) deleted() bool {
	return r != nil && string(r.Fields["deleted"]) == "true"
}

// str returns a string field of the record ("" if absent or not a string).
func (r *record) str(field string) string {
	var s string
	json.Unmarshal(r.Fields[field], &s)
	return s
}

func toFields(v any) map[string]json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // the data structs always marshal
	}
	var m map[string]json.RawMessage
	json.Unmarshal(b, &m)
	return m
}

func fromFields(m map[string]json.RawMessage, v any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// sameJSON compares two JSON values as written by encoding/json from the
// data structs (so equal values have equal bytes); null and empty lists
// and strings are equal.
func sameJSON(a, b json.RawMessage) bool {
	return bytes.Equal(normJSON(a), normJSON(b))
}

func normJSON(v json.RawMessage) []byte {
	switch s := strings.TrimSpace(string(v)); s {
	case "", "null", "[]", `""`, "0", "false":
		return nil
	default:
		return []byte(s)
	}
}

// loadRecord reads the current content of a record inside tx. A record that
// does not exist has Version 0.
func loadRecord(ctx context.Context, tx *sql.Tx, typ, id string) (*record, error) {
	r := &record{Type: typ, ID: id}
	switch typ {
	case TypeActor:
		row := tx.QueryRowContext(ctx, `SELECT `+actorColumns+` FROM actors WHERE id = ?`, id)
		a, _, deleted, err := scanActor(row)
		if errors.Is(err, sql.ErrNoRows) {
			return r, nil
		} else if err != nil {
			return nil, err
		}
		rows, err := tx.QueryContext(ctx, `SELECT parent_id FROM actor_parents WHERE actor_id = ? ORDER BY rank`, id)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var p string
			if err := rows.Scan(&p); err != nil {
				rows.Close()
				return nil, err
			}
			a.Parents = append(a.Parents, p)
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		d := actorDataOf(a)
		d.Deleted = deleted
		r.Version, r.Fields, r.Dept, r.Region = a.Version, toFields(d), a.Departement, a.Region
		r.At = versionTime(a.CreatedAt, a.UpdatedAt)
	case TypeTool:
		t, deleted, err := scanTool(tx.QueryRowContext(ctx, `SELECT `+toolColumns+` FROM tools WHERE slug = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return r, nil
		} else if err != nil {
			return nil, err
		}
		d := toolData{Name: t.Name, Description: t.Description, URL: t.URL, TutorialURL: t.TutorialURL,
			Licence: t.Licence, Free: t.Free, Themes: t.Themes, Sources: t.Sources, Deleted: deleted}
		r.Version, r.Fields, r.Tools = t.Version, toFields(d), t.Slug
		r.At = versionTime(t.CreatedAt, t.UpdatedAt)
	case TypeAdoption:
		a, deleted, err := scanAdoption(tx.QueryRowContext(ctx, `SELECT `+adoptionColumns+` FROM adoptions
			WHERE 'adoption-' || actor_id || '-' || tool_slug = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return r, nil
		} else if err != nil {
			return nil, err
		}
		d := adoptionData{Actor: a.ActorID, Tool: a.ToolSlug, Usage: a.Usage, Since: a.Since, Status: a.Status,
			Contact: a.Contact, URL: a.URL, AsOf: a.AsOf, Sources: a.Sources, Deleted: deleted}
		if !a.VerifiedAt.IsZero() {
			d.VerifiedAt = formatTime(a.VerifiedAt)
		}
		if a.VerifiedBy != nil {
			d.VerifiedBy = a.VerifiedBy.ID
		}
		r.Version, r.Fields, r.Tools = a.Version, toFields(d), a.ToolSlug
		r.At = versionTime(a.CreatedAt, a.UpdatedAt)
		if err := tx.QueryRowContext(ctx, `SELECT departement, region FROM actors WHERE id = ?`, a.ActorID).Scan(&r.Dept, &r.Region); err != nil {
			return nil, err
		}
	default:
		return nil, FieldError("target_type", keyOneOf, Args{"choices": strings.Join(RecordTypes, ", ")})
	}
	return r, nil
}

// actor returns the actor id whose versioned content is d.
func (d *actorData) actor(id string) *Actor {
	a := &Actor{ID: id, Kind: d.Kind, Name: d.Name, Code: d.Code, SIREN: d.SIREN, EPCIType: d.EPCIType,
		Departement: d.Departement, Region: d.Region, Parents: d.Parents, PostalCodes: d.PostalCodes,
		Population: d.Population, Zone: d.Zone, Website: d.Website, Email: d.Email, Phone: d.Phone,
		Address: d.Address, Description: d.Description, Labels: d.Labels, Sources: d.Sources,
		OpeningHours: d.OpeningHours, SIRET: d.SIRET, Provenance: d.Provenance}
	if d.Lon != nil && d.Lat != nil {
		a.Location = &Location{Lon: *d.Lon, Lat: *d.Lat, Precision: d.Precision, Source: d.PointSource}
	}
	return a
}

func actorDataOf(a *Actor) actorData {
	d := actorData{Kind: a.Kind, Name: a.Name, Code: a.Code, SIREN: a.SIREN, EPCIType: a.EPCIType,
		Departement: a.Departement, Region: a.Region, Parents: a.Parents, PostalCodes: a.PostalCodes,
		Population: a.Population, Zone: a.Zone, Website: a.Website, Email: a.Email, Phone: a.Phone,
		Address: a.Address, Description: a.Description, Labels: a.Labels, Sources: a.Sources,
		OpeningHours: a.OpeningHours, SIRET: a.SIRET, Provenance: a.Provenance}
	if a.Location != nil {
		lon, lat := a.Location.Lon, a.Location.Lat
		d.Lon, d.Lat, d.Precision, d.PointSource = &lon, &lat, a.Location.Precision, a.Location.Source
	}
	return d
}

// writeRecord stores fields as version r.Version+1 of the record (creating
// it when r does not exist yet), checking that nobody changed it since r
// was read. It returns the new version.
func writeRecord(ctx context.Context, tx *sql.Tx, r *record, fields map[string]json.RawMessage, now string) (int, error) {
	next := r.Version + 1
	var res sql.Result
	var err error
	switch r.Type {
	case TypeActor:
		var d actorData
		if err := fromFields(fields, &d); err != nil {
			return 0, err
		}
		a := d.actor(r.ID)
		a.Version = next
		row := &actorRow{a: a, deleted: d.Deleted, created: now, updated: now}
		if r.exists() {
			res, err = tx.ExecContext(ctx, updateActorSQL, updateArgs(row, r.Version)...)
		} else {
			res, err = tx.ExecContext(ctx, insertActorSQL, insertArgs(row)...)
		}
		if err == nil && !slices.Equal(d.Parents, recordParents(r)) {
			err = writeParents(ctx, tx, r.ID, d.Parents)
		}
	case TypeTool:
		var d toolData
		if err := fromFields(fields, &d); err != nil {
			return 0, err
		}
		args := []any{d.Name, d.Description, d.URL, d.TutorialURL, d.Licence, d.Free, jsonList(d.Themes),
			jsonSources(d.Sources), d.Deleted, next, now}
		if r.exists() {
			res, err = tx.ExecContext(ctx, `UPDATE tools SET name = ?, description = ?, url = ?, tutorial_url = ?,
				licence = ?, free_software = ?, themes = ?, sources = ?, deleted = ?, version = ?, updated_at = ?
				WHERE slug = ? AND version = ?`, append(args, r.ID, r.Version)...)
		} else {
			res, err = tx.ExecContext(ctx, `INSERT INTO tools (name, description, url, tutorial_url, licence,
				free_software, themes, sources, deleted, version, updated_at, slug, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, append(args, r.ID, now)...)
		}
	case TypeAdoption:
		var d adoptionData
		if err := fromFields(fields, &d); err != nil {
			return 0, err
		}
		args := []any{d.Usage, nullInt(d.Since), d.Status, d.Contact, d.URL, d.AsOf, jsonSources(d.Sources),
			nullString(d.VerifiedAt), nullID(d.VerifiedBy), d.Deleted, next, now}
		if r.exists() {
			res, err = tx.ExecContext(ctx, `UPDATE adoptions SET usage = ?, since = ?, status = ?, contact = ?, url = ?,
				as_of = ?, sources = ?, verified_at = ?, verified_by = ?, deleted = ?, version = ?, updated_at = ?
				WHERE actor_id = ? AND tool_slug = ? AND version = ?`,
				append(args, d.Actor, d.Tool, r.Version)...)
		} else {
			res, err = tx.ExecContext(ctx, `INSERT INTO adoptions (usage, since, status, contact, url, as_of, sources,
				verified_at, verified_by, deleted, version, updated_at, actor_id, tool_slug, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				append(args, d.Actor, d.Tool, now)...)
		}
	}
	if err != nil {
		return 0, formatError(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return 0, NewError(ECONFLICT, keyChangedDuring, Args{"type": r.Type, "id": r.ID})
	}
	return next, nil
}

func recordParents(r *record) []string {
	var p []string
	json.Unmarshal(r.Fields["parents"], &p)
	return p
}

func writeParents(ctx context.Context, tx *sql.Tx, id string, parents []string) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM actor_parents WHERE actor_id = ?`, id); err != nil {
		return err
	}
	for rank, p := range parents {
		if _, err := tx.ExecContext(ctx, `INSERT INTO actor_parents (actor_id, parent_id, rank) VALUES (?, ?, ?)`, id, p, rank); err != nil {
			return formatError(err)
		}
	}
	return nil
}

// change is one field's old and new value.
type change struct {
	Old json.RawMessage `json:"old"`
	New json.RawMessage `json:"new"`
}

// diffFields returns the fields whose value differs between a and b.
func diffFields(a, b map[string]json.RawMessage) map[string]change {
	out := map[string]change{}
	for k, nv := range b {
		if !sameJSON(a[k], nv) {
			out[k] = change{Old: orNull(a[k]), New: orNull(nv)}
		}
	}
	for k, ov := range a {
		if _, ok := b[k]; !ok && !sameJSON(ov, nil) {
			out[k] = change{Old: ov, New: json.RawMessage("null")}
		}
	}
	return out
}

func orNull(v json.RawMessage) json.RawMessage {
	if len(v) == 0 {
		return json.RawMessage("null")
	}
	return v
}

// versionWrite is what a new version records besides its content.
type versionWrite struct {
	Action     string
	AuthorID   int64 // 0 = none
	ProposalID int64 // 0 = none
	Reason     string
	Seq        uint64
}

// recordVersion writes the history rows for a change of r to fields (version
// newVersion). The snapshot of the version being replaced is written first
// when history does not hold it yet (the bundled data's version 1), so that
// every version can be shown and restored.
func recordVersion(ctx context.Context, tx *sql.Tx, r *record, fields map[string]json.RawMessage, newVersion int, w versionWrite, now string) error {
	if r.exists() {
		// The replaced version keeps its own date, not this change's.
		at := now
		if !r.At.IsZero() {
			at = formatTime(r.At)
		}
		data, _ := json.Marshal(r.Fields)
		if _, err := tx.ExecContext(ctx, `INSERT INTO versions (record_type, record_id, version, action, data,
			departement, region, tools, created_at) VALUES (?, ?, ?, 'import', ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			r.Type, r.ID, r.Version, data, r.Dept, r.Region, r.Tools, at); err != nil {
			return err
		}
	}
	data, _ := json.Marshal(fields)
	changes, _ := json.Marshal(diffFields(r.Fields, fields))
	dept, region, tools := r.Dept, r.Region, r.Tools
	if r.Type == TypeActor {
		var d actorData
		fromFields(fields, &d)
		dept, region = d.Departement, d.Region
	}
	if r.Type == TypeAdoption && tools == "" {
		var d adoptionData
		fromFields(fields, &d)
		tools = d.Tool
		if dept == "" {
			tx.QueryRowContext(ctx, `SELECT departement, region FROM actors WHERE id = ?`, d.Actor).Scan(&dept, &region)
		}
	}
	if r.Type == TypeTool {
		tools = r.ID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO versions (record_type, record_id, version, action, data, changes,
		author_id, proposal_id, reason, departement, region, tools, seq, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Type, r.ID, newVersion, w.Action, data, changes, nullID(w.AuthorID), nullID(w.ProposalID), w.Reason,
		dept, region, tools, w.Seq, now)
	if err != nil {
		return fmt.Errorf("record version: %w", formatError(err))
	}
	return nil
}

// versionTime is when a record's current version was made: its last
// change, or its creation for a record never changed.
func versionTime(created, updated time.Time) time.Time {
	if !updated.IsZero() {
		return updated
	}
	return created
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// metaChangeSeq is the directory's change sequence: it grows with every
// applied change, and ETags derive from it.
const metaChangeSeq = "change_seq"

// ChangeSeq returns the stored change sequence.
func (db *DB) ChangeSeq(ctx context.Context) (uint64, error) {
	v, err := getMeta(ctx, db.read, metaChangeSeq)
	if err != nil || v == "" {
		return 0, err
	}
	return strconv.ParseUint(v, 10, 64)
}

// bumpChangeSeq increments the change sequence inside tx and returns the new value.
func bumpChangeSeq(ctx context.Context, tx *sql.Tx) (uint64, error) {
	var seq uint64
	err := tx.QueryRowContext(ctx, `INSERT INTO meta (key, value) VALUES (?, '1')
		ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)
		RETURNING CAST(value AS INTEGER)`, metaChangeSeq).Scan(&seq)
	return seq, err
}

// writeNewVersion takes the next change sequence number and writes fields
// as the next version of cur with its history row; it returns what the
// read model must follow and the version written.
func writeNewVersion(ctx context.Context, tx *sql.Tx, cur *record, fields map[string]json.RawMessage, w versionWrite, now time.Time) (touchSet, int, error) {
	seq, err := bumpChangeSeq(ctx, tx)
	if err != nil {
		return touchSet{}, 0, err
	}
	w.Seq = seq
	v, err := writeVersion(ctx, tx, cur, fields, w, formatTime(now))
	if err != nil {
		return touchSet{}, 0, err
	}
	t := touchSet{seq: seq, first: seq}
	t.add(cur, fields)
	return t, v, nil
}

// writeVersion writes fields as the next version of cur and its history
// row, tagged with the change sequence number w.Seq.
func writeVersion(ctx context.Context, tx *sql.Tx, cur *record, fields map[string]json.RawMessage, w versionWrite, now string) (int, error) {
	v, err := writeRecord(ctx, tx, cur, fields, now)
	if err != nil {
		return 0, err
	}
	return v, recordVersion(ctx, tx, cur, fields, v, w, now)
}
