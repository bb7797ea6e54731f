package directory

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
)

type rowScanner interface{ Scan(dest ...any) error }

func unmarshalList[T any](s string, dst *[]T) error {
	if s == "" || s == "[]" {
		*dst = nil
		return nil
	}
	return json.Unmarshal([]byte(s), dst)
}

// findActorRow reads one actor and its parents from the store.
func (db *DB) findActorRow(ctx context.Context, id string) (*Actor, error) {
	row := db.read.QueryRowContext(ctx, `SELECT `+actorColumns+` FROM actors WHERE id = ? AND deleted = 0`, id)
	a, _, _, err := scanActor(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, NewError(ENOTFOUND, keyNoRecord, Args{"type": TypeActor, "id": id})
	} else if err != nil {
		return nil, err
	}
	rows, err := db.read.QueryContext(ctx, `SELECT parent_id FROM actor_parents WHERE actor_id = ? ORDER BY rank`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		a.Parents = append(a.Parents, p)
	}
	return a, rows.Err()
}

// toolColumns are the columns scanTool reads, in order.
const toolColumns = `slug, name, description, url, tutorial_url, licence, free_software, themes, sources,
	deleted, version, created_at, updated_at`

func scanTool(s rowScanner) (t *Tool, deleted bool, err error) {
	t = &Tool{}
	var themes, sources, created, updated string
	if err = s.Scan(&t.Slug, &t.Name, &t.Description, &t.URL, &t.TutorialURL, &t.Licence, &t.Free,
		&themes, &sources, &deleted, &t.Version, &created, &updated); err != nil {
		return nil, false, err
	}
	if err = unmarshalList(themes, &t.Themes); err == nil {
		err = unmarshalList(sources, &t.Sources)
	}
	t.CreatedAt, t.UpdatedAt = parseTime(created), parseTime(updated)
	return t, deleted, err
}

// adoptionColumns are the columns scanAdoption reads, in order (from the
// adoptions table, not aliased: the last one looks up who confirmed it).
const adoptionColumns = `id, actor_id, tool_slug, usage, since, status, contact, url, as_of, sources, deleted,
	version, created_at, updated_at, verified_at, verified_by,
	(SELECT display_name FROM users WHERE users.id = adoptions.verified_by)`

func scanAdoption(s rowScanner) (a *Adoption, deleted bool, err error) {
	a = &Adoption{}
	var since sql.NullInt64
	var sources, created, updated string
	var verifiedAt, verifierName sql.NullString
	var verifiedBy sql.NullInt64
	if err = s.Scan(&a.ID, &a.ActorID, &a.ToolSlug, &a.Usage, &since, &a.Status, &a.Contact, &a.URL,
		&a.AsOf, &sources, &deleted, &a.Version, &created, &updated, &verifiedAt, &verifiedBy, &verifierName); err != nil {
		return nil, false, err
	}
	if verifiedAt.Valid {
		a.VerifiedAt = parseTime(verifiedAt.String)
	}
	if verifiedBy.Valid {
		a.VerifiedBy = &UserRef{ID: verifiedBy.Int64, Name: verifierName.String}
	}
	a.Since = int(since.Int64)
	err = unmarshalList(sources, &a.Sources)
	a.CreatedAt, a.UpdatedAt = parseTime(created), parseTime(updated)
	return a, deleted, err
}
