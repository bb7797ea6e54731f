package directory

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// An actor's fields are listed once, here. Each has one name — the column
// of the actors table, the property of its GeoJSON feature, the column of
// the CSV export — and the list makes, for both stores (their SQL is the
// same), the column list rows are read with and the scan of a row
// (scanActor), the inserts and updates of records and seeds
// (insertActor, updateActor), the loader's one read of the rare columns
// (scanEntries), the typed part of a read-model entry (view.go) and the
// CSV header and cells (ActorCSV). To add a field: a migration (and its
// PostgreSQL twin) for its column, the field in Actor and ActorView, its
// line below; then, if people may change it, its spec in fields.go, and
// its property in schema.go and extraProperties.
//
// Versions keep their own spelling of the fields (actorData, the JSON of a
// version snapshot, which is stored and never rewritten).

// valueKind says how a field is stored and read.
type valueKind uint8

const (
	valueText       valueKind = iota // a text; '' when empty
	valueList                        // a list of texts: a JSON array, '[]' when empty
	valueSources                     // the record's sources: a JSON array of Source
	valueProvenance                  // where each contact field comes from: a JSON object, '{}' when empty
	valueOther                       // stored and read by the field's own get and set
)

// actorField is one field of an actor.
type actorField struct {
	name string
	kind valueKind
	// column: a column of the actors table. Not: parents (actor_parents)
	// and tools (the adoptions), which the read model and the CSV have.
	column bool
	// once: written when the row is made, never by an update.
	once bool
	// rare: few actors have it (synthetic ones none). The loader reads the
	// rare columns in one array, and entries keep the rare texts and lists
	// typed beside their pre-encoded JSON (view.go).
	rare bool
	// csv: a column of the CSV export, in this list's order; csvNumber: a
	// number, never taken for a spreadsheet formula.
	csv, csvNumber bool

	// For valueText and valueList: where the value is in an Actor and in
	// an ActorView.
	text     func(*Actor) *string
	viewText func(*ActorView) *string
	list     func(*Actor) *[]string
	viewList func(*ActorView) *[]string
	// For valueOther: the column's value (nil for NULL) and how a scanned
	// value (nil, int64, float64, string or []byte) is kept.
	get func(*actorRow) any
	set func(*actorRow, any) error
	// cell is the CSV cell of a view, for the fields that are not texts or
	// lists (and lists joined otherwise than by a space).
	cell func(*ActorView) string
}

// actorRow is a row of the actors table: the actor, and what only the
// table holds. A scan keeps the point's columns apart until the row is
// read whole (a point is there only when both coordinates are).
type actorRow struct {
	a                  *Actor
	ref                int64
	deleted            bool
	created, updated   string // RFC 3339, as stored
	lon, lat           *float64
	precision, pSource string
}

// actorFieldList lists the fields, in the CSV export's order.
var actorFieldList = []actorField{
	{name: "id", kind: valueText, column: true, once: true, csv: true,
		text: func(a *Actor) *string { return &a.ID }, viewText: func(v *ActorView) *string { return &v.ID }},
	{name: "kind", kind: valueText, column: true, csv: true,
		text: func(a *Actor) *string { return &a.Kind }, viewText: func(v *ActorView) *string { return &v.Kind }},
	{name: "name", kind: valueText, column: true, csv: true,
		text: func(a *Actor) *string { return &a.Name }, viewText: func(v *ActorView) *string { return &v.Name }},
	{name: "code", kind: valueText, column: true, rare: true, csv: true,
		text: func(a *Actor) *string { return &a.Code }, viewText: func(v *ActorView) *string { return &v.Code }},
	{name: "siren", kind: valueText, column: true, rare: true, csv: true,
		text: func(a *Actor) *string { return &a.SIREN }, viewText: func(v *ActorView) *string { return &v.SIREN }},
	{name: "epci_type", kind: valueText, column: true, rare: true, csv: true,
		text: func(a *Actor) *string { return &a.EPCIType }, viewText: func(v *ActorView) *string { return &v.EPCIType }},
	{name: "departement", kind: valueText, column: true, csv: true,
		text: func(a *Actor) *string { return &a.Departement }, viewText: func(v *ActorView) *string { return &v.Departement }},
	{name: "region", kind: valueText, column: true, csv: true,
		text: func(a *Actor) *string { return &a.Region }, viewText: func(v *ActorView) *string { return &v.Region }},
	{name: "zone", kind: valueText, column: true, rare: true, csv: true,
		text: func(a *Actor) *string { return &a.Zone }, viewText: func(v *ActorView) *string { return &v.Zone }},
	{name: "population", kind: valueOther, column: true, csv: true, csvNumber: true,
		get:  func(r *actorRow) any { return nullInt(r.a.Population) },
		set:  func(r *actorRow, v any) error { n, err := asInt(v); r.a.Population = int(n); return err },
		cell: func(v *ActorView) string { return numberCell(v.Population) }},
	{name: "postal_codes", kind: valueList, column: true, rare: true, csv: true,
		list: func(a *Actor) *[]string { return &a.PostalCodes }, viewList: func(v *ActorView) *[]string { return &v.PostalCodes }},
	{name: "parents", kind: valueList, rare: true, csv: true,
		list: func(a *Actor) *[]string { return &a.Parents }, viewList: func(v *ActorView) *[]string { return &v.Parents }},
	{name: "lon", kind: valueOther, column: true, csv: true, csvNumber: true,
		get: func(r *actorRow) any {
			if r.a.Location == nil {
				return nil
			}
			return r.a.Location.Lon
		},
		set:  func(r *actorRow, v any) (err error) { r.lon, err = asCoord(v); return err },
		cell: func(v *ActorView) string { return CoordCell(v.HasPoint, v.Lon) }},
	{name: "lat", kind: valueOther, column: true, csv: true, csvNumber: true,
		get: func(r *actorRow) any {
			if r.a.Location == nil {
				return nil
			}
			return r.a.Location.Lat
		},
		set:  func(r *actorRow, v any) (err error) { r.lat, err = asCoord(v); return err },
		cell: func(v *ActorView) string { return CoordCell(v.HasPoint, v.Lat) }},
	{name: "precision", kind: valueOther, column: true, csv: true,
		get:  func(r *actorRow) any { return r.point().Precision },
		set:  func(r *actorRow, v any) error { r.precision = asString(v); return nil },
		cell: func(v *ActorView) string { return v.Precision }},
	{name: "point_source", kind: valueOther, column: true, csv: true,
		get:  func(r *actorRow) any { return r.point().Source },
		set:  func(r *actorRow, v any) error { r.pSource = asString(v); return nil },
		cell: func(v *ActorView) string { return v.PointSource }},
	{name: "website", kind: valueText, column: true, rare: true, csv: true,
		text: func(a *Actor) *string { return &a.Website }, viewText: func(v *ActorView) *string { return &v.Website }},
	{name: "email", kind: valueText, column: true, rare: true, csv: true,
		text: func(a *Actor) *string { return &a.Email }, viewText: func(v *ActorView) *string { return &v.Email }},
	{name: "phone", kind: valueText, column: true, rare: true, csv: true,
		text: func(a *Actor) *string { return &a.Phone }, viewText: func(v *ActorView) *string { return &v.Phone }},
	{name: "address", kind: valueText, column: true, rare: true, csv: true,
		text: func(a *Actor) *string { return &a.Address }, viewText: func(v *ActorView) *string { return &v.Address }},
	{name: "opening_hours", kind: valueText, column: true, rare: true, csv: true,
		text: func(a *Actor) *string { return &a.OpeningHours }, viewText: func(v *ActorView) *string { return &v.OpeningHours }},
	{name: "siret", kind: valueText, column: true, rare: true, csv: true,
		text: func(a *Actor) *string { return &a.SIRET }, viewText: func(v *ActorView) *string { return &v.SIRET }},
	{name: "description", kind: valueText, column: true, rare: true,
		text: func(a *Actor) *string { return &a.Description }, viewText: func(v *ActorView) *string { return &v.Description }},
	{name: "tools", kind: valueOther, csv: true,
		cell: func(v *ActorView) string { return strings.Join(v.Tools, " ") }},
	{name: "labels", kind: valueList, column: true, rare: true, csv: true,
		list: func(a *Actor) *[]string { return &a.Labels }, viewList: func(v *ActorView) *[]string { return &v.Labels },
		cell: func(v *ActorView) string { return strings.Join(v.Labels, " | ") }},
	{name: "sources", kind: valueSources, column: true, rare: true},
	{name: "synthetic", kind: valueOther, column: true, once: true,
		get: func(r *actorRow) any { return r.a.Synthetic },
		set: func(r *actorRow, v any) error { n, err := asInt(v); r.a.Synthetic = n != 0; return err }},
	{name: "deleted", kind: valueOther, column: true,
		get: func(r *actorRow) any { return r.deleted },
		set: func(r *actorRow, v any) error { n, err := asInt(v); r.deleted = n != 0; return err }},
	{name: "version", kind: valueOther, column: true, csv: true, csvNumber: true,
		get:  func(r *actorRow) any { return r.a.Version },
		set:  func(r *actorRow, v any) error { n, err := asInt(v); r.a.Version = int(n); return err },
		cell: func(v *ActorView) string { return numberCell(v.Version) }},
	{name: "created_at", kind: valueOther, column: true, once: true,
		get: func(r *actorRow) any { return r.created },
		set: func(r *actorRow, v any) error { r.created = asString(v); return nil }},
	{name: "updated_at", kind: valueOther, column: true, csv: true,
		get: func(r *actorRow) any { return r.updated },
		set: func(r *actorRow, v any) error { r.updated = asString(v); return nil },
		cell: func(v *ActorView) string {
			if v.UpdatedAt.IsZero() {
				return "" // never changed since the bundled data
			}
			return v.UpdatedAt.Format(time.RFC3339)
		}},
	{name: "provenance", kind: valueProvenance, column: true, rare: true, csv: true,
		cell: func(v *ActorView) string {
			parts := make([]string, len(v.Provenance))
			for i, p := range v.Provenance {
				parts[i] = p.Field + "=" + p.Source + "@" + p.AsOf
			}
			return strings.Join(parts, " ")
		}},
	{name: "stale", kind: valueOther, csv: true, csvNumber: true,
		cell: func(v *ActorView) string {
			if v.Stale {
				return "true"
			}
			return ""
		}},
}

// point returns the row's location; without one, an empty one (a row
// without a point has no precision nor point source).
func (r *actorRow) point() *Location {
	if r.a.Location == nil {
		return &Location{}
	}
	return r.a.Location
}

// asCoord reads a scanned coordinate; NULL is nil.
func asCoord(v any) (*float64, error) {
	switch x := v.(type) {
	case nil:
		return nil, nil
	case float64:
		return &x, nil
	}
	n, err := asInt(v)
	f := float64(n)
	return &f, err
}

// Derived from actorFieldList, when the package is initialised.
var (
	allActorColumns = actorColumnNames(func(*actorField) bool { return true }, "%s")
	// actorColumns are the columns scanActor reads, in order: ref, then
	// the fields'.
	actorColumns = "ref, " + strings.Join(allActorColumns, ", ")
	// insertActorSQL writes a new row; updateActorSQL a new version of a
	// row, whose id and version read are its last two arguments.
	insertActorSQL = "INSERT INTO actors (" + strings.Join(allActorColumns, ", ") + ") VALUES (?" +
		strings.Repeat(", ?", len(allActorColumns)-1) + ")"
	updateActorSQL = "UPDATE actors SET " + strings.Join(actorColumnNames(func(f *actorField) bool { return !f.once }, "%s = ?"), ", ") +
		" WHERE id = ? AND version = ?"
	// rareActorColumns are the rare columns, which the loader reads in one
	// JSON array: rareActorSQL, NULL when they are all empty, with
	// {json_array} for the store's function.
	rareActorColumns = actorFieldsWhere(func(f *actorField) bool { return f.column && f.rare })
	rareActorSQL     = "CASE WHEN " + strings.Join(actorColumnNames(isRare, "%s <> {empty}"), " OR ") +
		" THEN {json_array}(" + strings.Join(actorColumnNames(isRare, "{value}"), ", ") + ") END"
	// typedFields are the rare texts and lists an entry keeps typed.
	typedFields = actorFieldsWhere(func(f *actorField) bool {
		return f.rare && f.kind != valueSources
	})
)

func isRare(f *actorField) bool { return f.rare }

// actorFieldsWhere returns the fields of the list that keep says.
func actorFieldsWhere(keep func(*actorField) bool) []*actorField {
	var out []*actorField
	for i := range actorFieldList {
		if f := &actorFieldList[i]; keep(f) {
			out = append(out, f)
		}
	}
	return out
}

// actorColumnNames formats the columns that keep says with format, where
// %s is the name, {empty} its empty value and {value} its value as the
// loader reads it (a JSON column as JSON).
func actorColumnNames(keep func(*actorField) bool, format string) []string {
	var out []string
	for _, f := range actorFieldsWhere(func(f *actorField) bool { return f.column && keep(f) }) {
		empty, value := "''", f.name
		switch f.kind {
		case valueList, valueSources:
			empty, value = "'[]'", "json("+f.name+")"
		case valueProvenance:
			empty, value = "'{}'", "json("+f.name+")"
		}
		out = append(out, strings.NewReplacer("%s", f.name, "{empty}", empty, "{value}", value).Replace(format))
	}
	return out
}

// value returns field f's column value for row r.
func (f *actorField) value(r *actorRow) any {
	switch f.kind {
	case valueText:
		return *f.text(r.a)
	case valueList:
		return jsonList(*f.list(r.a))
	case valueSources:
		return jsonSources(r.a.Sources)
	case valueProvenance:
		return jsonProvenance(r.a.Provenance)
	}
	return f.get(r)
}

// store keeps v, a value scanned from field f's column, in row r.
func (f *actorField) store(r *actorRow, v any) error {
	switch f.kind {
	case valueText:
		*f.text(r.a) = asString(v)
		return nil
	case valueList:
		return unmarshalList(asString(v), f.list(r.a))
	case valueSources:
		return unmarshalList(asString(v), &r.a.Sources)
	case valueProvenance:
		var err error
		r.a.Provenance, err = parseProvenance([]byte(asString(v)))
		return err
	}
	return f.set(r, v)
}

// insertArgs are the arguments of insertActorSQL for row r.
func insertArgs(r *actorRow) []any {
	args := make([]any, 0, len(actorFieldList))
	for i := range actorFieldList {
		if f := &actorFieldList[i]; f.column {
			args = append(args, f.value(r))
		}
	}
	return args
}

// updateArgs are the arguments of updateActorSQL for row r, whose
// version read was base.
func updateArgs(r *actorRow, base int) []any {
	args := make([]any, 0, len(actorFieldList)+2)
	for i := range actorFieldList {
		if f := &actorFieldList[i]; f.column && !f.once {
			args = append(args, f.value(r))
		}
	}
	return append(args, r.a.ID, base)
}

// scanActor reads one row of `SELECT actorColumns`; it returns the row's
// ref and whether it is deleted.
func scanActor(s rowScanner) (a *Actor, ref int64, deleted bool, err error) {
	vals := make([]any, 1, 1+len(actorFieldList))
	for i := range actorFieldList {
		if actorFieldList[i].column {
			vals = append(vals, nil)
		}
	}
	dest := make([]any, len(vals))
	for i := range vals {
		dest[i] = &vals[i]
	}
	if err := s.Scan(dest...); err != nil {
		return nil, 0, false, err
	}
	r := actorRow{a: &Actor{}}
	if r.ref, err = asInt(vals[0]); err != nil {
		return nil, 0, false, err
	}
	j := 1
	for i := range actorFieldList {
		if f := &actorFieldList[i]; f.column {
			if err := f.store(&r, vals[j]); err != nil {
				return nil, 0, false, fmt.Errorf("actors.%s: %w", f.name, err)
			}
			j++
		}
	}
	r.a.CreatedAt, r.a.UpdatedAt = parseTime(r.created), parseTime(r.updated)
	if r.lon != nil && r.lat != nil {
		r.a.Location = &Location{Lon: *r.lon, Lat: *r.lat, Precision: r.precision, Source: r.pSource}
	}
	return r.a, r.ref, r.deleted, nil
}

// readRare keeps in a the rare columns the loader read in one JSON array.
func readRare(a *Actor, array []byte) error {
	var r []json.RawMessage
	if err := json.Unmarshal(array, &r); err != nil || len(r) != len(rareActorColumns) {
		return fmt.Errorf("rare columns: %d values (%v), want %d", len(r), err, len(rareActorColumns))
	}
	for i, f := range rareActorColumns {
		var err error
		switch f.kind {
		case valueText:
			err = json.Unmarshal(r[i], f.text(a))
		case valueList:
			err = json.Unmarshal(r[i], f.list(a))
		case valueSources:
			err = json.Unmarshal(r[i], &a.Sources)
		case valueProvenance:
			err = json.Unmarshal(r[i], &a.Provenance)
		}
		if err != nil {
			return fmt.Errorf("rare column %s: %w", f.name, err)
		}
	}
	return nil
}

// CSVColumn is one column of the actors CSV export: its name and its cell
// for a view; Number says the cell is a number (never a spreadsheet
// formula, so never neutralised).
type CSVColumn struct {
	Name   string
	Number bool
	Cell   func(*ActorView) string
}

// ActorCSV returns the columns of the actors CSV export, from actorFieldList.
func ActorCSV() []CSVColumn {
	var out []CSVColumn
	for i := range actorFieldList {
		f := &actorFieldList[i]
		if !f.csv {
			continue
		}
		col := CSVColumn{Name: f.name, Number: f.csvNumber, Cell: f.cell}
		switch {
		case f.cell != nil:
		case f.kind == valueText:
			get := f.viewText
			col.Cell = func(v *ActorView) string { return *get(v) }
		case f.kind == valueList:
			get := f.viewList
			col.Cell = func(v *ActorView) string { return strings.Join(*get(v), " ") }
		}
		out = append(out, col)
	}
	return out
}

func numberCell(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// CoordCell is a coordinate as features give it (6 decimals), or "" when
// there is no point: for CSV cells.
func CoordCell(has bool, f float64) string {
	if !has {
		return ""
	}
	return strconv.FormatFloat(Round6(f), 'f', -1, 64)
}

// asString reads a scanned text (string or []byte; NULL is "").
func asString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case []byte:
		return string(x)
	case nil:
		return ""
	}
	return fmt.Sprint(v)
}

// asInt reads a scanned integer (NULL is 0); stores give int64 (a bool is
// 0 or 1), or a text holding one.
func asInt(v any) (int64, error) {
	switch x := v.(type) {
	case int64:
		return x, nil
	case nil:
		return 0, nil
	case float64:
		return int64(x), nil
	case bool:
		if x {
			return 1, nil
		}
		return 0, nil
	}
	var n sql.NullInt64
	err := n.Scan(v)
	return n.Int64, err
}
