package directory

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/voisinage/voisinage/data"
)

// metaDataset records which bundle filled the database.
const metaDataset = "dataset"

// Seeded reports whether the database has already been filled.
func (db *DB) Seeded(ctx context.Context) (bool, error) {
	v, err := getMeta(ctx, db.read, metaDataset)
	return v != "", err
}

// beginSeed begins the transaction that fills an empty database, and
// refuses (ECONFLICT, with key) a database already filled.
func (db *DB) beginSeed(ctx context.Context, key Key) (*sql.Tx, error) {
	tx, err := db.BeginTx(ctx)
	if err != nil {
		return nil, err
	}
	if v, err := getMeta(ctx, tx, metaDataset); err != nil || v != "" {
		tx.Rollback()
		if err == nil {
			err = NewError(ECONFLICT, key, Args{"dataset": v})
		}
		return nil, err
	}
	return tx, nil
}

// SeedBundle fills an empty database with the bundled dataset, in one
// transaction: either everything is there afterwards, or nothing is. It
// refuses a database that was already filled. Loading the bundle is not a
// change of its records: they have no "last updated" date (updated_at is
// empty) until a real change.
func (db *DB) SeedBundle(ctx context.Context, b *data.Bundle, label string) error {
	tx, err := db.beginSeed(ctx, keySeeded)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := formatTime(db.Now())

	insActor, err := tx.PrepareContext(ctx, insertActorSQL)
	if err != nil {
		return err
	}
	defer insActor.Close()
	for i := range b.Actors {
		a := &b.Actors[i]
		if !IsKind(a.Kind) {
			return fmt.Errorf("bundle actor %s: unknown kind %q", a.ID, a.Kind)
		}
		if _, err := insActor.ExecContext(ctx, insertArgs(&actorRow{a: bundleActor(a), created: now})...); err != nil {
			return fmt.Errorf("bundle actor %s: %w", a.ID, formatError(err))
		}
	}
	insParent, err := tx.PrepareContext(ctx, `INSERT INTO actor_parents (actor_id, parent_id, rank) VALUES (?, ?, ?)`)
	if err != nil {
		return err
	}
	defer insParent.Close()
	for i := range b.Actors {
		for rank, p := range b.Actors[i].Parents {
			if _, err := insParent.ExecContext(ctx, b.Actors[i].ID, p, rank); err != nil {
				return fmt.Errorf("bundle actor %s parent %s: %w", b.Actors[i].ID, p, formatError(err))
			}
		}
	}
	for _, t := range b.Tools {
		for _, th := range t.Themes {
			if !IsTheme(th) {
				return fmt.Errorf("bundle tool %s: unknown theme %q", t.Slug, th)
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tools (slug, name, description, url, tutorial_url,
			licence, free_software, themes, sources, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			t.Slug, t.Name, t.Description, t.URL, t.TutorialURL, t.Licence, t.Free,
			jsonList(t.Themes), jsonSources(bundleSources(t.Sources)), now, ""); err != nil {
			return fmt.Errorf("bundle tool %s: %w", t.Slug, formatError(err))
		}
	}
	for _, a := range b.Adoptions {
		if _, err := tx.ExecContext(ctx, `INSERT INTO adoptions (actor_id, tool_slug, usage, since,
			status, contact, url, as_of, sources, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			a.Actor, a.Tool, a.Usage, nullInt(a.Since), a.Status, a.Contact, a.URL, a.AsOf,
			jsonSources(bundleSources(a.Sources)), now, ""); err != nil {
			return fmt.Errorf("bundle adoption %s × %s: %w", a.Actor, a.Tool, formatError(err))
		}
	}
	for _, l := range b.Links {
		if _, err := tx.ExecContext(ctx, `INSERT INTO actor_links (actor_id, type, target_type, target_id,
			status, note, as_of, sources, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			l.Actor, l.Type, l.TargetType, l.Target, l.Status, l.Note, l.AsOf,
			jsonSources(bundleSources(l.Sources)), now); err != nil {
			return fmt.Errorf("bundle link %s %s %s: %w", l.Actor, l.Type, l.Target, formatError(err))
		}
	}
	for _, l := range b.Labels {
		if _, err := tx.ExecContext(ctx, `INSERT INTO actor_labels (actor_id, label, year, level, sources, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, l.Actor, l.Label, l.Year, l.Level, jsonSources(bundleSources(l.Sources)), now); err != nil {
			return fmt.Errorf("bundle label %s %s %d: %w", l.Actor, l.Label, l.Year, formatError(err))
		}
	}
	if err := setMeta(ctx, tx, metaDataset, label); err != nil {
		return err
	}
	if err := setMeta(ctx, tx, metaChangeSeq, "1"); err != nil {
		return err
	}
	return tx.Commit()
}

// bundleActor is the actor a of the bundle.
func bundleActor(a *data.Actor) *Actor {
	out := &Actor{ID: a.ID, Kind: a.Kind, Name: a.Name, Code: a.Code, SIREN: a.SIREN, EPCIType: a.EPCIType,
		Departement: a.Departement, Region: a.Region, PostalCodes: a.PostalCodes, Population: a.Population,
		Zone: a.Zone, Website: a.Website, Email: a.Email, Phone: a.Phone, Address: a.Address,
		Description: a.Description, Labels: a.Labels, Sources: bundleSources(a.Sources), Version: 1}
	if a.Point != nil {
		out.Location = &Location{Lon: a.Point[0], Lat: a.Point[1], Precision: a.Precision, Source: a.PointSource}
	}
	return out
}

func bundleSources(in []data.Source) []Source {
	out := make([]Source, len(in))
	for i, s := range in {
		out[i] = Source{Document: s.Document, Title: s.Title, Publication: s.Publication, Author: s.Author,
			Date: s.Date, URL: s.URL, Quote: s.Quote}
	}
	return out
}

func jsonList(v []string) string {
	if len(v) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func jsonSources(v []Source) string {
	if len(v) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return n
}
