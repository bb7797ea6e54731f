package directory

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Batch imports: a network (Mégalis Bretagne, Villes Internet, a
// département's digital agency…) or a moderator submits a list of
// adoptions in one go, as CSV (UTF-8, ";" or ",") or GeoJSON, one row per
// adoption. Each row names its actor (an id, an INSEE code, a SIREN, or a
// name with its département) and its tool (a slug or a name; an unknown
// tool is created in the same batch when the row gives its themes), and the
// adoption's usage, since, status, contact, url, source_url and as_of.
//
// Every row is matched and checked first; the report lists matched,
// ambiguous (with candidates), unmatched and invalid rows. A batch is stored
// only when every row is good: nothing is half-applied. Its rows become
// proposals of one batch (an import run): a moderator approves or rejects
// the batch, or single rows. A moderator's own batch applies at once, in
// one transaction.

// MaxBatchRows is the most rows a batch may have.
const MaxBatchRows = 5000

// Batch row statuses.
const (
	RowOK        = "ok"        // matched and valid: becomes a proposal
	RowUnchanged = "unchanged" // the adoption already says all of it
	RowAmbiguous = "ambiguous" // several actors (or tools) fit: give an id
	RowUnmatched = "unmatched" // no actor (or tool) fits
	RowInvalid   = "invalid"   // a value is wrong
)

// BatchOptions describe a batch import.
type BatchOptions struct {
	FileName string // shown in the report and the runs' list
	DryRun   bool   // match and check every row, store nothing (the preview)
}

// BatchCandidate is an actor a row may mean.
type BatchCandidate struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Kind        string `json:"kind"`
	Departement string `json:"departement,omitempty"`
}

// BatchRow is one row of a batch, as read and as matched.
type BatchRow struct {
	Line       int               `json:"line"` // CSV line (the header is line 1), or feature number
	Input      map[string]string `json:"input"`
	Status     string            `json:"status"`
	Actor      string            `json:"actor,omitempty"`
	ActorName  string            `json:"actor_name,omitempty"`
	Tool       string            `json:"tool,omitempty"`
	NewTool    bool              `json:"new_tool,omitempty"`
	Action     string            `json:"action,omitempty"` // create or update (the adoption exists)
	Candidates []BatchCandidate  `json:"candidates,omitempty"`
	Errors     map[string]string `json:"errors,omitempty"`     // per field, in English
	Problems   Problems          `json:"field_keys,omitempty"` // the same, with keys for pages to translate
	ProposalID int64             `json:"proposal_id,omitempty"`

	changes map[string]json.RawMessage // the adoption's fields to propose
}

// BatchReport is what a batch import read, matched and stored.
type BatchReport struct {
	RunID     int64      `json:"run_id,omitempty"`
	File      string     `json:"file"`
	Format    string     `json:"format"`
	DryRun    bool       `json:"dry_run"`
	Applied   bool       `json:"applied"` // a moderator's batch: applied at once
	Author    UserRef    `json:"author"`
	Rows      []BatchRow `json:"rows"`
	OK        int        `json:"ok"`
	Unchanged int        `json:"unchanged"`
	Ambiguous int        `json:"ambiguous"`
	Unmatched int        `json:"unmatched"`
	Invalid   int        `json:"invalid"`
	NewTools  []string   `json:"new_tools,omitempty"`
	Proposals int        `json:"proposals"`
}

// Good reports whether every row can be stored.
func (r *BatchReport) Good() bool { return r.Ambiguous+r.Unmatched+r.Invalid == 0 }

// Refusal is the error (EINVALID) with which a run of this batch is refused
// — rows to fix, or nothing new —, nil when it can be stored. A dry run
// returns its report without it; a command that previews a batch asks for
// it, so that the preview fails exactly where the real run would.
func (r *BatchReport) Refusal() error {
	if !r.Good() {
		return NewError(EINVALID, keyBatchRowsToFix, Args{"count": r.Ambiguous + r.Unmatched + r.Invalid})
	}
	if r.OK == 0 {
		return NewError(EINVALID, keyBatchNothingNew, nil)
	}
	return nil
}

// batchColumns maps the accepted column names (and their aliases) to the
// field they fill.
var batchColumns = map[string]string{
	"actor": "actor", "actor_id": "actor", "acteur": "actor",
	"insee": "insee", "code_insee": "insee", "insee_code": "insee",
	"siren": "siren",
	"name":  "name", "nom": "name", "actor_name": "name",
	"departement": "departement", "département": "departement", "department": "departement", "dept": "departement",
	"tool": "tool", "outil": "tool", "tool_slug": "tool", "tool_name": "tool",
	"tool_themes": "tool_themes", "themes": "tool_themes", "thèmes": "tool_themes",
	"tool_url": "tool_url",
	"usage":    "usage", "since": "since", "depuis": "since", "status": "status", "statut": "status",
	"contact": "contact", "url": "url", "source_url": "source_url", "source": "source_url",
	"as_of": "as_of", "date": "as_of",
}

// batchFields lists the fields in the order the report shows them.
var batchFields = []string{"actor", "insee", "siren", "name", "departement", "tool", "tool_themes", "tool_url",
	"usage", "since", "status", "contact", "url", "source_url", "as_of"}

// readBatch reads the rows of a CSV or GeoJSON file.
func readBatch(r io.Reader) (format string, rows []BatchRow, err error) {
	br := bufio.NewReader(r)
	head, _ := br.Peek(4096)
	head = bytes.TrimPrefix(head, []byte("\ufeff"))
	if t := bytes.TrimSpace(head); len(t) > 0 && t[0] == '{' {
		rows, err = readBatchGeoJSON(br)
		return "geojson", rows, err
	}
	rows, err = readBatchCSV(br)
	return "csv", rows, err
}

func readBatchCSV(br *bufio.Reader) ([]BatchRow, error) {
	data, err := io.ReadAll(br)
	if err != nil {
		return nil, err
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, FieldError("file", keyBatchUTF8, nil)
	}
	firstLine, _, _ := bytes.Cut(data, []byte("\n"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = ','
	if bytes.Count(firstLine, []byte(";")) > bytes.Count(firstLine, []byte(",")) {
		cr.Comma = ';'
	}
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, FieldError("file", keyBatchEmpty, nil)
	} else if err != nil {
		return nil, csvError(err)
	}
	cols := make([]string, len(header))
	known := false
	var unknown []string
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if f, ok := batchColumns[name]; ok {
			cols[i], known = f, true
		} else if name != "" {
			unknown = append(unknown, h)
		}
	}
	if !known {
		return nil, FieldError("file", keyBatchNoColumn, Args{"columns": strings.Join(batchFields, ", ")})
	}
	if len(unknown) > 0 {
		return nil, FieldError("file", keyBatchUnknownCols, Args{"unknown": strings.Join(unknown, ", "), "columns": strings.Join(batchFields, ", ")})
	}
	var rows []BatchRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, csvError(err)
		}
		line, _ := cr.FieldPos(0)
		in := map[string]string{}
		empty := true
		for i, v := range rec {
			if i < len(cols) && cols[i] != "" {
				if v = strings.TrimSpace(v); v != "" {
					in[cols[i]] = v
					empty = false
				}
			}
		}
		if empty {
			continue
		}
		rows = append(rows, BatchRow{Line: line, Input: in})
		if len(rows) > MaxBatchRows {
			return nil, FieldError("file", keyBatchTooManyRows, Args{"max": MaxBatchRows})
		}
	}
	return rows, nil
}

// csvError says why a CSV file cannot be read, by key (a French page
// does not show encoding/csv's English): where, and what to fix.
func csvError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		switch {
		case errors.Is(pe.Err, csv.ErrBareQuote):
			return FieldError("file", keyBatchCSVBareQuote, Args{"line": pe.Line, "column": pe.Column})
		case errors.Is(pe.Err, csv.ErrQuote):
			return FieldError("file", keyBatchCSVQuote, Args{"line": pe.Line, "column": pe.Column})
		}
	}
	return FieldError("file", keyBatchCSV, Args{"err": err.Error()})
}

// geojsonError says why a GeoJSON file cannot be read, by key: where
// (the line, counted in data), and what.
func geojsonError(data []byte, err error) error {
	lineAt := func(off int64) int {
		off = min(max(off, 0), int64(len(data)))
		return 1 + bytes.Count(data[:off], []byte("\n"))
	}
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return FieldError("file", keyBatchJSONCut, nil)
	case errors.As(err, &se):
		if se.Offset >= int64(len(bytes.TrimRight(data, " \t\r\n"))) {
			return FieldError("file", keyBatchJSONCut, nil)
		}
		return FieldError("file", keyBatchJSONSyntax, Args{"line": lineAt(se.Offset), "err": se.Error()})
	case errors.As(err, &te):
		member := te.Field
		if member == "" {
			member = "(the file)"
		}
		return FieldError("file", keyBatchJSONType, Args{"line": lineAt(te.Offset), "member": member, "json_type": te.Value})
	}
	return FieldError("file", keyBatchGeoJSON, Args{"err": err.Error()})
}

func readBatchGeoJSON(br *bufio.Reader) ([]BatchRow, error) {
	var fc struct {
		Type     string `json:"type"`
		Features []struct {
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	data, err := io.ReadAll(br)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(data, &fc); err != nil {
		return nil, geojsonError(data, err)
	}
	if fc.Type != "FeatureCollection" {
		return nil, FieldError("file", keyBatchNotFC, nil)
	}
	if len(fc.Features) > MaxBatchRows {
		return nil, FieldError("file", keyBatchTooManyFeats, Args{"max": MaxBatchRows})
	}
	var rows []BatchRow
	for i, f := range fc.Features {
		in := map[string]string{}
		for k, v := range f.Properties {
			name, ok := batchColumns[strings.ToLower(k)]
			if !ok {
				return nil, FieldError("file", keyBatchUnknownProp, Args{"feature": i + 1, "property": k,
					"columns": strings.Join(batchFields, ", ")})
			}
			var s string
			switch x := v.(type) {
			case nil:
			case string:
				s = strings.TrimSpace(x)
			case float64:
				s = strconv.FormatFloat(x, 'f', -1, 64)
			case []any:
				var parts []string
				for _, e := range x {
					parts = append(parts, fmt.Sprint(e))
				}
				s = strings.Join(parts, ",")
			default:
				s = fmt.Sprint(x)
			}
			if s != "" {
				in[name] = s
			}
		}
		rows = append(rows, BatchRow{Line: i + 1, Input: in})
	}
	return rows, nil
}

// ImportAdoptions reads a batch of adoptions from r and, unless it is a dry
// run, stores it as one batch of proposals by u (applied at once when u is
// a moderator). EUNAUTHORIZED without u, EFORBIDDEN for a blocked account,
// EINVALID for a file that cannot be read. A batch with a row that is not
// good (ambiguous, unmatched or invalid) is not stored: the report says
// which rows to fix, and the error is EINVALID.
func (d *Directory) ImportAdoptions(ctx context.Context, u *User, r io.Reader, o BatchOptions) (*BatchReport, error) {
	if u == nil {
		return nil, NewError(EUNAUTHORIZED, keyLoginToImport, nil)
	}
	now := d.db.Now()
	if u.Blocked(now) {
		return nil, blockedError(u)
	}
	format, rows, err := readBatch(r)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, FieldError("file", keyBatchNoRow, nil)
	}
	rep := &BatchReport{File: o.FileName, Format: format, DryRun: o.DryRun, Author: UserRef{ID: u.ID, Name: u.DisplayName},
		Rows: rows, Applied: u.IsModerator()}
	if rep.File == "" {
		rep.File = "-"
	}
	newTools := d.matchBatch(ctx, rep, now)
	for _, row := range rep.Rows {
		switch row.Status {
		case RowOK:
			rep.OK++
		case RowUnchanged:
			rep.Unchanged++
		case RowAmbiguous:
			rep.Ambiguous++
		case RowUnmatched:
			rep.Unmatched++
		case RowInvalid:
			rep.Invalid++
		}
	}
	for _, t := range newTools {
		rep.NewTools = append(rep.NewTools, t.slug)
	}
	if o.DryRun {
		return rep, nil
	}
	if err := rep.Refusal(); err != nil {
		return rep, err
	}
	if err := d.storeBatch(ctx, u, rep, newTools, now); err != nil {
		return rep, err
	}
	return rep, nil
}

// batchTool is a tool a batch creates.
type batchTool struct {
	slug   string
	fields map[string]json.RawMessage
	rows   []int // indexes of the rows that use it
	prop   int64
}

// matchBatch matches and checks every row; it returns the tools to create.
func (d *Directory) matchBatch(ctx context.Context, rep *BatchReport, now time.Time) []*batchTool {
	d.mu.RLock()
	defer d.mu.RUnlock()
	c := &checker{d: d, now: now}
	toolsByName := map[string]string{}
	for slug, t := range d.tools {
		toolsByName[Fold(t.Name)] = slug
	}
	var newTools []*batchTool
	newByName := map[string]*batchTool{}
	// The SIREN of each actor, read from the features once, when a row needs it.
	var sirenIndex map[string][]uint32
	sirens := func() map[string][]uint32 {
		if sirenIndex == nil {
			sirenIndex = map[string][]uint32{}
			for _, ref := range d.live {
				if d.entries[ref].synthetic {
					continue
				}
				c := d.actorCodes(ref)
				if c[1] != "" {
					sirenIndex[c[1]] = append(sirenIndex[c[1]], ref)
				}
				if d.sym(d.entries[ref].kind) == KindEPCI && c[0] != "" && c[0] != c[1] {
					sirenIndex[c[0]] = append(sirenIndex[c[0]], ref)
				}
			}
		}
		return sirenIndex
	}
	for i := range rep.Rows {
		row := &rep.Rows[i]
		var probs Problems
		// put records a problem the checker found, unless one is recorded.
		put := func(field string, p Problem) {
			if probs == nil {
				probs = Problems{}
			}
			if !probs.Has(field) {
				probs[field] = p
			}
		}
		in := row.Input
		// The actor.
		actor, cands, whyKey, whyArgs := d.matchBatchActorLocked(in, sirens)
		switch {
		case actor != "":
			ref, _ := d.refOf(actor)
			row.Actor, row.ActorName = actor, d.str(d.entries[ref].name)
		case len(cands) > 0:
			row.Status, row.Candidates = RowAmbiguous, cands
			probs.Add("actor", whyKey, whyArgs)
		default:
			row.Status = RowUnmatched
			probs.Add("actor", whyKey, whyArgs)
		}
		// The tool.
		tool := in["tool"]
		switch {
		case tool == "":
			probs.Add("tool", keyRowToolRequired, nil)
		case d.tools[tool] != nil:
			row.Tool = tool
		case toolsByName[Fold(tool)] != "":
			row.Tool = toolsByName[Fold(tool)]
		default:
			if nt := newByName[Fold(tool)]; nt != nil {
				row.Tool, row.NewTool = nt.slug, true
				nt.rows = append(nt.rows, i)
				break
			}
			if in["tool_themes"] == "" {
				probs.Add("tool", keyRowUnknownTool, Args{"tool": tool, "choices": strings.Join(Themes, ", ")})
				break
			}
			c.p = Problems{}
			raw := map[string]json.RawMessage{"name": mustJSON(tool), "themes": mustJSON(strings.FieldsFunc(in["tool_themes"],
				func(r rune) bool { return r == ',' || r == '|' || r == ' ' }))}
			if in["tool_url"] != "" {
				raw["url"] = mustJSON(in["tool_url"])
			}
			fields := c.check(TypeTool, raw, false, true)
			for k, v := range c.p {
				put(strings.Replace(strings.TrimPrefix(k, "changes."), "themes", "tool_themes", 1), v)
			}
			slug := slugify(tool)
			if slug == "" || d.tools[slug] != nil {
				probs.Add("tool", keyRowToolSlug, Args{"tool": tool})
			}
			if len(probs) == 0 || (len(probs) == 1 && probs.Has("actor")) {
				nt := &batchTool{slug: slug, fields: fields, rows: []int{i}}
				newByName[Fold(tool)] = nt
				newTools = append(newTools, nt)
				row.Tool, row.NewTool = slug, true
			}
		}
		// The adoption's values.
		raw := map[string]json.RawMessage{}
		for _, f := range []string{"usage", "contact", "url", "as_of", "status"} {
			if v, ok := in[f]; ok {
				raw[f] = mustJSON(v)
			}
		}
		if v, ok := in["since"]; ok {
			if n, err := strconv.Atoi(v); err == nil {
				raw["since"] = mustJSON(n)
			} else {
				probs.Add("since", keyRowSince, nil)
			}
		}
		if v, ok := in["source_url"]; ok && !validURL(v, 500) {
			probs.Add("source_url", keyRowSourceURL, nil)
		}
		c.p = Problems{}
		specs := map[string]json.RawMessage{}
		for k, v := range raw {
			specs[k] = v
		}
		checked := map[string]json.RawMessage{}
		for _, spec := range adoptionFields {
			v, ok := specs[spec.name]
			if !ok {
				continue
			}
			if nv, ok := c.value(spec, spec.name, v); ok {
				checked[spec.name] = nv
			}
		}
		for k, v := range c.p {
			put(k, v)
		}
		if _, ok := checked["status"]; !ok && !probs.Has("status") {
			checked["status"] = mustJSON(StatusInUse)
		}
		row.changes = checked
		if row.Status == "" && len(probs) > 0 {
			row.Status = RowInvalid
		}
		if len(probs) > 0 {
			row.Problems = probs
			row.Errors = map[string]string{}
			for k, p := range probs {
				row.Errors[k] = p.Message
			}
		}
		if row.Status == "" {
			row.Status = RowOK
			row.Action = ActionCreate
			aref, _ := d.refOf(row.Actor)
			if ads := d.adopt[aref]; !row.NewTool {
				for _, ad := range ads {
					if ad.ToolSlug != row.Tool {
						continue
					}
					row.Action = ActionUpdate
					cur := toFields(adoptionData{Usage: ad.Usage, Since: ad.Since, Status: ad.Status, Contact: ad.Contact,
						URL: ad.URL, AsOf: ad.AsOf})
					same := true
					for k, v := range checked {
						if !sameJSON(cur[k], v) {
							same = false
						}
					}
					if same {
						row.Status = RowUnchanged
					}
				}
			}
		}
	}
	// A new tool only used by rows that cannot be stored is not created.
	var keep []*batchTool
	for _, nt := range newTools {
		for _, i := range nt.rows {
			if rep.Rows[i].Status == RowOK {
				keep = append(keep, nt)
				break
			}
		}
	}
	return keep
}

// matchBatchActorLocked finds a row's actor: by id, INSEE code, SIREN, or
// name (within its département when given). It returns the actor, or the
// candidates when several fit, and why none was chosen.
func (d *Directory) matchBatchActorLocked(in map[string]string, sirens func() map[string][]uint32) (string, []BatchCandidate, Key, Args) {
	live := func(id string) bool {
		ref, ok := d.refOf(id)
		return ok && !d.entries[ref].deleted
	}
	if id := in["actor"]; id != "" {
		if live(id) {
			return id, nil, Key{}, nil
		}
		return "", nil, keyRowNoActorID, Args{"id": id}
	}
	if code := in["insee"]; code != "" {
		if live(KindCommune + "-" + code) {
			return KindCommune + "-" + code, nil, Key{}, nil
		}
		return "", nil, keyRowNoINSEE, Args{"code": code}
	}
	if siren := in["siren"]; siren != "" {
		var found []BatchCandidate
		for _, ref := range sirens()[siren] {
			e := &d.entries[ref]
			found = append(found, BatchCandidate{ID: d.str(e.id), Name: d.str(e.name), Kind: d.sym(e.kind), Departement: d.sym(e.dept)})
		}
		switch len(found) {
		case 1:
			return found[0].ID, nil, Key{}, nil
		case 0:
			return "", nil, keyRowNoSIREN, Args{"siren": siren}
		}
		return "", found, keyRowSeveralSIREN, Args{"siren": siren}
	}
	name := in["name"]
	if name == "" {
		return "", nil, keyRowNameActor, nil
	}
	dept := in["departement"]
	folded := Fold(name)
	_, words := parseQuery(name)
	var found []BatchCandidate
	for _, ref := range d.candidatesLocked(words) {
		e := &d.entries[ref]
		if e.deleted || d.str(e.folded) != folded || (dept != "" && d.sym(e.dept) != dept) || e.synthetic {
			continue
		}
		id := d.str(e.id)
		if slices.ContainsFunc(found, func(c BatchCandidate) bool { return c.ID == id }) {
			continue
		}
		found = append(found, BatchCandidate{ID: id, Name: d.str(e.name), Kind: d.sym(e.kind), Departement: d.sym(e.dept)})
	}
	switch len(found) {
	case 1:
		return found[0].ID, nil, Key{}, nil
	case 0:
		if dept != "" {
			return "", nil, keyRowNoNameDept, Args{"name": name, "departement": dept}
		}
		return "", nil, keyRowNoName, Args{"name": name}
	}
	slices.SortFunc(found, func(a, b BatchCandidate) int { return strings.Compare(a.ID, b.ID) })
	if len(found) > 10 {
		found = found[:10]
	}
	return "", found, keyRowSeveralNames, Args{"name": name}
}

// storeBatch stores a good batch: a run, its proposals (tools first), all
// applied at once for a moderator; one transaction.
func (d *Directory) storeBatch(ctx context.Context, u *User, rep *BatchReport, newTools []*batchTool, now time.Time) error {
	status := RunPending
	if rep.Applied {
		status = RunDone
	}
	id, err := d.createRun(ctx, &ImportRun{Kind: ImportAdoptions, Author: &UserRef{ID: u.ID, Name: u.DisplayName},
		FileName: rep.File, Status: status, CreatedAt: now})
	if err != nil {
		return err
	}
	rep.RunID = id
	err = d.decide(ctx, func(tx *sql.Tx, now time.Time) (touchSet, error) {
		var touched touchSet
		apply := func(p *storedProposal) error {
			if !rep.Applied {
				return nil
			}
			t, err := d.applyProposal(ctx, tx, p, nil, u, "moderator", fmt.Sprintf("import par lot n° %d", id), now)
			touched.merge(t)
			return err
		}
		for _, nt := range newTools {
			changes := map[string]change{}
			for k, v := range nt.fields {
				changes[k] = change{Old: json.RawMessage("null"), New: v}
			}
			p := &storedProposal{AuthorID: u.ID, TargetType: TypeTool, TargetID: nt.slug, Action: ActionCreate,
				Changes: changes, BatchID: id}
			if err := d.insertBatchProposal(ctx, tx, p, nil, "", "", fmt.Sprintf("import par lot n° %d (%s)", id, rep.File), now); err != nil {
				return touchSet{}, err
			}
			nt.prop = p.ID
			if err := apply(p); err != nil {
				return touchSet{}, batchRowError(rep.Rows[nt.rows[0]].Line, err)
			}
		}
		for i := range rep.Rows {
			row := &rep.Rows[i]
			if row.Status != RowOK {
				continue
			}
			adoptionID := "adoption-" + row.Actor + "-" + row.Tool
			cur, err := loadRecord(ctx, tx, TypeAdoption, adoptionID)
			if err != nil {
				return touchSet{}, err
			}
			p := &storedProposal{AuthorID: u.ID, TargetType: TypeAdoption, TargetID: adoptionID, Action: ActionCreate,
				Changes: map[string]change{}, BatchID: id, Source: row.Input["source_url"]}
			if cur.exists() && !cur.deleted() {
				p.Action, p.BaseVersion = ActionUpdate, cur.Version
				for k, v := range row.changes {
					if !sameJSON(cur.Fields[k], v) {
						p.Changes[k] = change{Old: orNull(cur.Fields[k]), New: v}
					}
				}
			} else {
				p.Changes["actor"] = change{Old: json.RawMessage("null"), New: mustJSON(row.Actor)}
				p.Changes["tool"] = change{Old: json.RawMessage("null"), New: mustJSON(row.Tool)}
				for k, v := range row.changes {
					p.Changes[k] = change{Old: json.RawMessage("null"), New: v}
				}
			}
			if len(p.Changes) == 0 { // the directory changed since the match
				continue
			}
			var dept, region string
			tx.QueryRowContext(ctx, `SELECT departement, region FROM actors WHERE id = ?`, row.Actor).Scan(&dept, &region)
			if err := d.insertBatchProposal(ctx, tx, p, cur, dept, region, fmt.Sprintf("import par lot n° %d (%s), ligne %d", id, rep.File, row.Line), now); err != nil {
				return touchSet{}, err
			}
			row.ProposalID = p.ID
			rep.Proposals++
			if err := apply(p); err != nil {
				return touchSet{}, batchRowError(row.Line, err)
			}
		}
		rep.Proposals += len(newTools)
		return touched, nil
	})
	if err != nil {
		// Nothing of the batch is stored: the run goes too.
		d.db.write.ExecContext(ctx, `DELETE FROM import_runs WHERE id = ?`, id)
		rep.RunID = 0
		return err
	}
	return d.saveRunReport(ctx, id, status, rep)
}

func batchRowError(line int, err error) error {
	return causedBy(err, keyBatchLine, Args{"line": line})
}

// causedBy wraps err (unless internal) in an error of its code under key
// k, whose {reason} is err's English message and whose fields are err's;
// "reason_key" and "reason_args" are err's key and arguments, from which a
// page says the reason in its language.
func causedBy(err error, k Key, args Args) error {
	e := asError(err)
	if e == nil || e.Code == EINTERNAL {
		return err
	}
	args = maps.Clone(args)
	args["reason"] = e.Message
	if e.Key != "" {
		args["reason_key"], args["reason_args"] = e.Key, e.Args
	}
	w := NewError(e.Code, k, args)
	w.Fields, w.Conflicts = e.Fields, e.Conflicts
	return w
}

// insertBatchProposal inserts p (setting its id) as pending, and announces
// it to webhooks as ProposeEdit does; cur is its target as it is (nil or
// absent for a creation).
func (d *Directory) insertBatchProposal(ctx context.Context, tx *sql.Tx, p *storedProposal, cur *record, dept, region, comment string, now time.Time) error {
	changes, _ := json.Marshal(p.Changes)
	if err := tx.QueryRowContext(ctx, `INSERT INTO proposals (author_id, target_type, target_id, action, base_version, changes,
		comment, source, departement, region, batch_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		RETURNING id`,
		p.AuthorID, p.TargetType, p.TargetID, p.Action, p.BaseVersion, string(changes), comment, p.Source, dept, region,
		p.BatchID, formatTime(now), formatTime(now)).Scan(&p.ID); err != nil {
		return formatError(err)
	}
	p.Status = ProposalPending
	p.CreatedAt = now
	if cur != nil && !cur.exists() {
		cur = nil
	}
	return emit(ctx, tx, now, func() (*Event, error) {
		return d.proposalEvent(ctx, tx, EventProposalCreated, p, proposedView(cur, p), now)
	})
}

// DecideBatch approves (or rejects, with a reason) every pending proposal
// of a batch in one transaction, the new tools first: if one cannot be
// applied, none is (ECONFLICT or EINVALID naming it). Moderators only.
func (d *Directory) DecideBatch(ctx context.Context, moderator *User, runID int64, approve bool, reason string) (int, error) {
	if !moderator.IsModerator() {
		return 0, NewError(EFORBIDDEN, keyBatchModerators, nil)
	}
	if err := checkReason(reason, !approve); err != nil {
		return 0, err
	}
	reason = strings.TrimSpace(reason)
	n := 0
	err := d.decide(ctx, func(tx *sql.Tx, now time.Time) (touchSet, error) {
		var kind string
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM import_runs WHERE id = ?`, runID).Scan(&kind); errors.Is(err, sql.ErrNoRows) {
			return touchSet{}, NewError(ENOTFOUND, keyNoImportRun, Args{"id": runID})
		} else if err != nil {
			return touchSet{}, err
		}
		rows, err := tx.QueryContext(ctx, `SELECT id FROM proposals WHERE batch_id = ? AND status = 'pending'
			ORDER BY CASE target_type WHEN 'tool' THEN 0 ELSE 1 END, id`, runID)
		if err != nil {
			return touchSet{}, err
		}
		var ids []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return touchSet{}, err
			}
			ids = append(ids, id)
		}
		if err := rows.Close(); err != nil {
			return touchSet{}, err
		}
		if len(ids) == 0 {
			return touchSet{}, NewError(ECONFLICT, keyBatchNoPending, Args{"id": runID})
		}
		var touched touchSet
		for _, id := range ids {
			p, err := loadStoredProposal(ctx, tx, id)
			if err != nil {
				return touchSet{}, err
			}
			if approve {
				t, err := d.applyProposal(ctx, tx, p, nil, moderator, "moderator", reason, now)
				if err != nil {
					return touchSet{}, causedBy(err, keyBatchApply, Args{"id": id})
				}
				touched.merge(t)
			} else if _, err := tx.ExecContext(ctx, `UPDATE proposals SET status = 'rejected', reviewer_id = ?, reviewed_at = ?,
				reason = ?, updated_at = ? WHERE id = ?`, moderator.ID, formatTime(now), reason, formatTime(now), id); err != nil {
				return touchSet{}, err
			}
			n++
		}
		_, err = tx.ExecContext(ctx, `UPDATE import_runs SET status = 'decided' WHERE id = ?`, runID)
		return touched, err
	})
	return n, err
}
