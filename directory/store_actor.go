package directory

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
)

// actorColumns are the columns scanActor reads, in order.
const actorColumns = `ref, id, kind, name, code, siren, epci_type, departement, region, postal_codes,
	population, zone, lon, lat, precision, point_source, website, email, phone, address, description,
	labels, sources, synthetic, deleted, version, created_at, updated_at, opening_hours, siret, provenance`

type rowScanner interface{ Scan(dest ...any) error }

// scanActor reads one actors row; it returns the row's ref and whether it is deleted.
func scanActor(s rowScanner) (a *Actor, ref int64, deleted bool, err error) {
	var id, kind, name, code, siren, epciType, dept, region, postal, zone, precision, pointSource,
		website, email, phone, address, description, labels, sources, created, updated []byte
	var openingHours, siret, provenance []byte
	var population sql.NullInt64
	var lon, lat sql.NullFloat64
	var synthetic bool
	var version int
	if err = s.Scan(&ref, &id, &kind, &name, &code, &siren, &epciType, &dept, &region, &postal, &population,
		&zone, &lon, &lat, &precision, &pointSource, &website, &email, &phone, &address, &description, &labels,
		&sources, &synthetic, &deleted, &version, &created, &updated, &openingHours, &siret, &provenance); err != nil {
		return nil, 0, false, err
	}
	a, ref, _, err = scanActorValues(ref, string(id), kind, name, code, siren, epciType, dept, region, postal, population,
		zone, lon, lat, precision, pointSource, website, email, phone, address, description, labels, sources,
		synthetic, version, created, updated)
	if err == nil {
		a.OpeningHours, a.SIRET = string(openingHours), string(siret)
		a.Provenance, err = parseProvenance(provenance)
	}
	return a, ref, deleted, err
}

// scanActorValues makes an Actor from the scanned columns of a row.
func scanActorValues(ref int64, id string, kind, name, code, siren, epciType, dept, region, postal []byte,
	population sql.NullInt64, zone []byte, lon, lat sql.NullFloat64, precision, pointSource, website, email,
	phone, address, description, labels, sources []byte, synthetic bool, version int, created, updated []byte) (*Actor, int64, bool, error) {
	a := &Actor{ID: id, Kind: string(kind), Name: string(name), Code: string(code), SIREN: string(siren),
		EPCIType: string(epciType), Departement: string(dept), Region: string(region), Zone: string(zone),
		Website: string(website), Email: string(email), Phone: string(phone), Address: string(address),
		Description: string(description), Synthetic: synthetic, Version: version, Population: int(population.Int64)}
	if lon.Valid && lat.Valid {
		a.Location = &Location{Lon: lon.Float64, Lat: lat.Float64, Precision: string(precision), Source: string(pointSource)}
	}
	err := unmarshalList(string(postal), &a.PostalCodes)
	if err == nil {
		if err = unmarshalList(string(labels), &a.Labels); err == nil {
			err = unmarshalList(string(sources), &a.Sources)
		}
	}
	a.CreatedAt, a.UpdatedAt = parseTime(string(created)), parseTime(string(updated))
	return a, ref, false, err
}

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
