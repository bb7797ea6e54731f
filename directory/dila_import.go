package directory

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/voisinage/voisinage/geo"
)

// DILAOptions describe one run of the DILA import.
type DILAOptions struct {
	FileName  string // the file's name as published, e.g. 2026-11-18_053120-data.gouv_local.json
	SourceURL string // where it was downloaded; DILADownloadURL when empty
	DryRun    bool   // report what would change, write nothing
	By        *User  // who ran it, if known
}

// DILAReport is what a run read, matched and changed. Every run stores it
// (except dry runs) and the moderators' page lists them.
type DILAReport struct {
	RunID       int64     `json:"run_id,omitempty"`
	File        string    `json:"file"`
	FileDate    string    `json:"file_date,omitempty"`
	SourceURL   string    `json:"source_url"`
	Attribution string    `json:"attribution"`
	DryRun      bool      `json:"dry_run"`
	StartedAt   time.Time `json:"started_at"`
	Took        string    `json:"took"`

	Records       int            `json:"records"`           // records read
	ByType        map[string]int `json:"by_type"`           // records read per service type
	Ignored       map[string]int `json:"ignored_by_type"`   // records of types the import does not handle
	Delegated     int            `json:"mairies_deleguees"` // mairies déléguées and annexes: never a commune's town hall
	Matched       int            `json:"matched"`           // records matched to an actor
	Unmatched     []DILAItem     `json:"unmatched"`
	Ambiguous     []DILAItem     `json:"ambiguous"`
	Unreadable    []DILAItem     `json:"unreadable"`
	InvalidValues []DILAItem     `json:"invalid_values"`
	Older         []DILAItem     `json:"older"`          // values left as they are: the directory has them from a later record
	Unchanged     int            `json:"unchanged"`      // matched actors already up to date
	ActorsChanged int            `json:"actors_changed"` // actors given a new version
	FieldsChanged map[string]int `json:"fields_changed"` // changes per field
	Conflicts     []DILAConflict `json:"conflicts"`      // values a person set that the official one contradicts
}

// DILAItem is a record the report lists, with why.
type DILAItem struct {
	ID         string   `json:"id,omitempty"`
	Name       string   `json:"name,omitempty"`
	Type       string   `json:"type,omitempty"`
	Code       string   `json:"code,omitempty"`
	Actor      string   `json:"actor,omitempty"`
	Field      string   `json:"field,omitempty"`
	Value      string   `json:"value,omitempty"`
	Reason     string   `json:"reason"`         // English
	Key        string   `json:"key,omitempty"`  // the reason's key, for pages to translate
	Args       Args     `json:"args,omitempty"` // its arguments
	Candidates []string `json:"candidates,omitempty"`
}

// because sets why the item is listed: its key, arguments and English reason.
func (it DILAItem) because(k Key, args Args) DILAItem {
	it.Key, it.Args, it.Reason = k.Name(), args, k.Message(args)
	return it
}

// becauseOf sets a field problem (of the checker) as why the item is listed.
func (it DILAItem) becauseOf(p Problem) DILAItem {
	it.Key, it.Args, it.Reason = p.Key, p.Args, p.Message
	return it
}

// DILAConflict is an official value that differs from a value a person
// set: it goes to review as a proposal instead of being written.
type DILAConflict struct {
	Actor      string `json:"actor"`
	ActorName  string `json:"actor_name"`
	Field      string `json:"field"`
	Current    string `json:"current"`
	Official   string `json:"official"`
	Record     string `json:"record"`
	ProposalID int64  `json:"proposal_id,omitempty"`
	// Status is "filed" (a new proposal), or the status of the proposal an
	// earlier run filed for the same value (pending, approved, rejected):
	// the same value is never sent twice.
	Status string `json:"status"`
}

// dilaMatch is a record matched to an actor.
type dilaMatch struct {
	actor string
	rec   *dilaRecord
}

// ImportDILA reads a DILA "Base de données locales" JSON file from r and
// brings the matched actors in step with it: town halls (mairie,
// mairie_com) to their communes by INSEE code — the main one (pivot "-01")
// of a merged commune, never a mairie déléguée —, conseils départementaux
// and régionaux, préfectures, sous-préfectures and EPCI seats to their
// actors. It sets phone, e-mail, website, address, opening hours, SIRET and
// the point (precision exact), each with its provenance (the record and its
// date_modification). A value a person set is never overwritten: a proposal
// by the import goes to review instead. Running it again on the same file
// changes nothing. Each changed actor gets one version authored by the
// import. EINVALID when r is not such a file.
func (d *Directory) ImportDILA(ctx context.Context, r io.Reader, o DILAOptions) (*DILAReport, error) {
	start := d.db.Now()
	rep := &DILAReport{File: o.FileName, FileDate: DILAFileDate(o.FileName), SourceURL: o.SourceURL,
		Attribution: DILAAttribution, DryRun: o.DryRun, StartedAt: start,
		ByType: map[string]int{}, Ignored: map[string]int{}, FieldsChanged: map[string]int{}}
	if rep.SourceURL == "" {
		rep.SourceURL = DILADownloadURL
	}
	if rep.File == "" {
		rep.File = "-"
	}

	// Read every record; keep those of the handled types.
	byType := map[string][]*dilaRecord{}
	dec := newDILADecoder(r)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		raw, err := dec.next()
		if errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			return nil, err
		}
		rep.Records++
		rec := &dilaRecord{}
		if err := json.Unmarshal(raw, rec); err != nil {
			var id struct {
				ID  string `json:"id"`
				Nom string `json:"nom"`
			}
			json.Unmarshal(raw, &id)
			item := DILAItem{ID: id.ID, Name: id.Nom}.because(keyDILAUnreadable, Args{"err": err.Error()})
			if te := (*json.UnmarshalTypeError)(nil); errors.As(err, &te) && te.Field != "" {
				// Said by key, so that the run's page says it in French.
				item = DILAItem{ID: id.ID, Name: id.Nom}.because(keyDILAUnreadableAt, Args{"member": te.Field, "json_type": te.Value})
			}
			rep.Unreadable = append(rep.Unreadable, item)
			continue
		}
		typ, handled := rec.serviceType()
		rep.ByType[typ]++
		if !handled {
			rep.Ignored[typ]++
			continue
		}
		byType[typ] = append(byType[typ], rec)
	}
	matches := d.matchDILA(byType, rep)
	rep.Matched = len(matches)

	if !o.DryRun {
		run := &ImportRun{Kind: ImportDILA, FileName: rep.File, FileDate: rep.FileDate, SourceURL: rep.SourceURL,
			Status: RunDone, CreatedAt: start}
		if o.By != nil {
			run.Author = &UserRef{ID: o.By.ID, Name: o.By.DisplayName}
		}
		id, err := d.createRun(ctx, run)
		if err != nil {
			return nil, err
		}
		rep.RunID = id
	}
	dateText := rep.FileDate
	if dateText == "" {
		dateText = start.Format(time.DateOnly)
	}
	reason := "import DILA du " + frenchDate(dateText)
	if rep.File != "-" {
		reason += " (" + rep.File + ")"
	}
	// Batches of actors, one transaction each: the server's own writes
	// wait at most one batch. The read model follows once, at the end (or
	// after a failed batch, the batches before it).
	var written touchSet
	defer func() { d.follow(ctx, written) }()
	for chunk := range slices.Chunk(matches, 200) {
		t, err := d.importDILABatch(ctx, chunk, rep, reason)
		written.merge(t)
		if err != nil {
			return nil, err
		}
	}
	slices.SortFunc(rep.Unmatched, func(a, b DILAItem) int { return strings.Compare(a.Code+a.ID, b.Code+b.ID) })
	rep.Took = d.db.Now().Sub(start).Round(time.Millisecond).String()
	if !o.DryRun {
		if err := d.saveRunReport(ctx, rep.RunID, RunDone, rep); err != nil {
			return nil, err
		}
	}
	return rep, nil
}

// matchDILA pairs records with actors, noting in rep what it cannot pair.
func (d *Directory) matchDILA(byType map[string][]*dilaRecord, rep *DILAReport) []dilaMatch {
	d.mu.RLock()
	defer d.mu.RUnlock()
	live := func(id string) *entry {
		if ref, ok := d.refOf(id); ok && !d.entries[ref].deleted {
			return &d.entries[ref]
		}
		return nil
	}
	item := func(rec *dilaRecord, typ, code string, k Key, args Args) DILAItem {
		return DILAItem{ID: rec.ID, Name: rec.Name, Type: typ, Code: code}.because(k, args)
	}
	var out []dilaMatch

	// Town halls, by INSEE code.
	halls := map[string][]*dilaRecord{}
	var codes []string
	for _, typ := range []string{dilaMairie, dilaMairieCOM} {
		for _, rec := range byType[typ] {
			if rec.delegated() {
				rep.Delegated++
				continue
			}
			cs := rec.communes(typ)
			if len(cs) == 0 {
				rep.Unmatched = append(rep.Unmatched, item(rec, typ, "", keyDILANoINSEE, nil))
				continue
			}
			for _, c := range cs {
				if halls[c] == nil {
					codes = append(codes, c)
				}
				halls[c] = append(halls[c], rec)
			}
		}
	}
	slices.Sort(codes)
	for _, code := range codes {
		// A merged commune: its main town hall carries the -01 pivot.
		cands := halls[code]
		rec, ok := mainRecord(cands)
		if !ok {
			it := item(cands[0], dilaMairie, code, keyDILANoMainHall, nil)
			it.Candidates = candidateNames(cands)
			rep.Ambiguous = append(rep.Ambiguous, it)
			continue
		}
		e := live(KindCommune + "-" + code)
		if e == nil || d.sym(e.kind) != KindCommune {
			typ, _ := rec.serviceType()
			rep.Unmatched = append(rep.Unmatched, item(rec, typ, code, keyDILAUnknownINSEE, Args{"code": code}))
			continue
		}
		out = append(out, dilaMatch{actor: d.str(e.id), rec: rec})
	}

	// Seats: each to the actor of its kind; several records for one actor
	// keep the main one (-01).
	seats := map[string][]*dilaRecord{}
	var seatIDs []string
	addSeat := func(id string, rec *dilaRecord) {
		if seats[id] == nil {
			seatIDs = append(seatIDs, id)
		}
		seats[id] = append(seats[id], rec)
	}
	for _, typ := range []string{dilaDepartment, dilaRegion, dilaPrefecture, dilaSousPref, dilaEPCI} {
		for _, rec := range byType[typ] {
			code := rec.seat(typ)
			if typ == dilaEPCI {
				siren := strings.TrimSpace(string(rec.SIREN))
				if siren == "" && len(strings.TrimSpace(string(rec.SIRET))) == 14 {
					siren = strings.TrimSpace(string(rec.SIRET))[:9]
				}
				if siren == "" {
					rep.Unmatched = append(rep.Unmatched, item(rec, typ, code, keyDILAEPCINoSIREN, nil))
				} else if e := live(KindEPCI + "-" + siren); e == nil {
					rep.Unmatched = append(rep.Unmatched, item(rec, typ, siren, keyDILAUnknownEPCI, Args{"siren": siren}))
				} else {
					addSeat(d.str(e.id), rec)
				}
				continue
			}
			town := live(KindCommune + "-" + code)
			if town == nil {
				rep.Unmatched = append(rep.Unmatched, item(rec, typ, code, keyDILAUnknownSeat, Args{"code": code}))
				continue
			}
			var id string
			switch typ {
			case dilaDepartment:
				id = KindDepartement + "-" + d.sym(town.dept)
			case dilaRegion:
				id = KindRegion + "-" + d.sym(town.region)
			case dilaPrefecture:
				id = KindPrefecture + "-" + d.sym(town.dept)
			case dilaSousPref:
				folded := Fold(rec.Name)
				for _, ref := range d.byDept[d.sym(town.dept)] {
					e := &d.entries[ref]
					if d.sym(e.kind) == KindSousPrefecture && (d.str(e.folded) == folded || d.sym(e.pointSource) == "derived:"+d.str(town.id)) {
						id = d.str(e.id)
						break
					}
				}
			}
			if id == "" || live(id) == nil {
				rep.Unmatched = append(rep.Unmatched, item(rec, typ, code, keyDILANoSeatActor, Args{"kind": dilaKindName(typ), "town": d.str(town.name), "code": code}))
				continue
			}
			addSeat(id, rec)
		}
	}
	for _, id := range seatIDs {
		cands := seats[id]
		rec, ok := mainRecord(cands)
		if !ok {
			typ, _ := cands[0].serviceType()
			it := item(cands[0], typ, "", keyDILASeveralSeats, Args{"actor": id})
			it.Actor = id
			it.Candidates = candidateNames(cands)
			rep.Ambiguous = append(rep.Ambiguous, it)
			continue
		}
		out = append(out, dilaMatch{actor: id, rec: rec})
	}
	return out
}

// mainRecord returns the record of an actor: the only one, or of several
// the one that carries the main pivot (-01); false when none or several do.
func mainRecord(cands []*dilaRecord) (*dilaRecord, bool) {
	if len(cands) == 1 {
		return cands[0], true
	}
	var main *dilaRecord
	for _, c := range cands {
		if c.mainPivot() {
			if main != nil {
				return nil, false
			}
			main = c
		}
	}
	return main, main != nil
}

// candidateNames names the records an ambiguous match hesitates between.
func candidateNames(cands []*dilaRecord) []string {
	out := make([]string, len(cands))
	for i, c := range cands {
		out[i] = c.ID + " " + c.Name + " (" + string(c.OldPivot) + ")"
	}
	return out
}

func dilaKindName(typ string) string {
	switch typ {
	case dilaDepartment:
		return "département"
	case dilaRegion:
		return "région"
	case dilaPrefecture:
		return "préfecture"
	case dilaSousPref:
		return "sous-préfecture"
	}
	return typ
}

// dilaValues are the values a record gives for an actor's fields.
type dilaValues struct {
	fields   map[string]string // website, email, phone, address, opening_hours, siret ("" when none)
	lon, lat float64
	hasPoint bool
	asOf     string
	dated    bool // the record gives its own date (else asOf is the file's)
	source   string
}

// dilaFieldOrder is the order fields are compared and reported in.
var dilaFieldOrder = []string{"phone", "email", "website", "address", "opening_hours", "siret"}

// valuesOf reads and checks the values of rec; invalid ones are reported
// and left out.
func (d *Directory) valuesOf(rec *dilaRecord, actor string, fileDate string, rep *DILAReport) dilaValues {
	v := dilaValues{fields: map[string]string{}, asOf: rec.asOf(), source: SourceDILA + rec.ID}
	v.dated = v.asOf != ""
	if !v.dated {
		v.asOf = fileDate
	}
	c := &checker{d: d, p: Problems{}, now: d.db.Now()}
	check := func(field, value string) string {
		if value == "" {
			return ""
		}
		spec := actorFields[slices.IndexFunc(actorFields, func(s fieldSpec) bool { return s.name == field })]
		c.p = Problems{}
		out, ok := c.value(spec, field, mustJSON(value))
		if !ok {
			rep.InvalidValues = append(rep.InvalidValues, DILAItem{ID: rec.ID, Name: rec.Name, Actor: actor, Field: field,
				Value: value}.becauseOf(c.p[field]))
			return ""
		}
		var s string
		json.Unmarshal(out, &s)
		return s
	}
	first := func(values []string, field string) string {
		for _, s := range values {
			if s = oneLine(s); s != "" {
				if out := check(field, s); out != "" {
					return out
				}
			}
		}
		return ""
	}
	var phones, sites, mails []string
	for _, p := range rec.Phones {
		phones = append(phones, string(p.Valeur))
	}
	for _, s := range rec.Websites {
		sites = append(sites, string(s.Valeur))
	}
	for _, m := range rec.Emails {
		mails = append(mails, string(m))
	}
	v.fields["phone"] = first(phones, "phone")
	v.fields["email"] = first(mails, "email")
	v.fields["website"] = first(sites, "website")
	v.fields["siret"] = check("siret", strings.ReplaceAll(string(rec.SIRET), " ", ""))
	v.fields["opening_hours"] = check("opening_hours", openingHoursSummary(rec.Hours, string(rec.HoursComment)))
	if a := rec.physicalAddress(); a != nil {
		v.fields["address"] = check("address", truncateRunes(addressText(a), 299))
		lon, err1 := strconv.ParseFloat(strings.TrimSpace(string(a.Longitude)), 64)
		lat, err2 := strconv.ParseFloat(strings.TrimSpace(string(a.Latitude)), 64)
		switch {
		case err1 != nil || err2 != nil:
			if a.Longitude != "" || a.Latitude != "" {
				rep.InvalidValues = append(rep.InvalidValues, DILAItem{ID: rec.ID, Name: rec.Name, Actor: actor, Field: "point",
					Value: string(a.Longitude) + ", " + string(a.Latitude)}.because(keyDILACoordinates, nil))
			}
		case lon == 0 && lat == 0, math.Abs(lon) > 180, math.Abs(lat) > 90, math.IsNaN(lon), math.IsNaN(lat):
			rep.InvalidValues = append(rep.InvalidValues, DILAItem{ID: rec.ID, Name: rec.Name, Actor: actor, Field: "point",
				Value: string(a.Longitude) + ", " + string(a.Latitude)}.because(keyDILANotOnEarth, nil))
		case d.Territory != nil && !d.Territory.Contains(orb.Point{lon, lat}, 22200):
			rep.InvalidValues = append(rep.InvalidValues, DILAItem{ID: rec.ID, Name: rec.Name, Actor: actor, Field: "point",
				Value: string(a.Longitude) + ", " + string(a.Latitude)}.because(keyDILANotInFrance, nil))
		default:
			v.lon, v.lat, v.hasPoint = Round6(lon), Round6(lat), true
		}
	}
	return v
}

// importDILABatch applies (or, in a dry run, only plans) the matches of one
// batch in one transaction.
func (d *Directory) importDILABatch(ctx context.Context, batch []dilaMatch, rep *DILAReport, reason string) (touchSet, error) {
	d.wmu.Lock()
	defer d.wmu.Unlock()
	var tx *sql.Tx
	var err error
	if rep.DryRun {
		tx, err = d.db.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	} else {
		tx, err = d.db.BeginTx(ctx)
	}
	if err != nil {
		return touchSet{}, err
	}
	defer tx.Rollback()
	now := d.db.Now()
	var importer int64
	if rep.DryRun {
		tx.QueryRowContext(ctx, `SELECT id FROM users WHERE email = ?`, systemUsers[ImportDILA].email).Scan(&importer)
	} else if importer, err = systemUser(ctx, tx, ImportDILA, now); err != nil {
		return touchSet{}, err
	}
	var touched touchSet
	for _, m := range batch {
		cur, err := loadRecord(ctx, tx, TypeActor, m.actor)
		if err != nil {
			return touchSet{}, err
		}
		if !cur.exists() || cur.deleted() {
			continue
		}
		v := d.valuesOf(m.rec, m.actor, rep.FileDate, rep)
		checkTownHallPoint(cur, m.rec, &v, rep)
		fields, changed, conflicts, older, err := d.planDILA(ctx, tx, cur, v, importer)
		if err != nil {
			return touchSet{}, err
		}
		for _, f := range older {
			rep.Older = append(rep.Older, DILAItem{ID: m.rec.ID, Name: m.rec.Name, Actor: m.actor, Field: f,
				Value: v.asOf}.because(keyDILAOlder, nil))
		}
		if len(changed) == 0 && len(conflicts) == 0 {
			rep.Unchanged++
		}
		if len(changed) > 0 {
			rep.ActorsChanged++
			for _, f := range changed {
				rep.FieldsChanged[f]++
			}
			if !rep.DryRun {
				t, _, err := writeNewVersion(ctx, tx, cur, fields, versionWrite{Action: ActionSync, AuthorID: importer, Reason: reason}, now)
				if err != nil {
					return touchSet{}, err
				}
				touched.merge(t)
				if err := emit(ctx, tx, now, func() (*Event, error) {
					return d.syncEvent(ctx, tx, cur, fields, v.source, reason, importer, now)
				}); err != nil {
					return touchSet{}, err
				}
				// The proposals below are made against the new version.
				if cur, err = loadRecord(ctx, tx, TypeActor, m.actor); err != nil {
					return touchSet{}, err
				}
			}
		}
		for _, c := range conflicts {
			if c.Status == "" && !rep.DryRun {
				id, err := d.fileDILAProposal(ctx, tx, importer, cur, c, v, rep.RunID, now)
				if err != nil {
					return touchSet{}, err
				}
				c.ProposalID, c.Status = id, "filed"
			} else if c.Status == "" {
				c.Status = "would be filed"
			}
			rep.Conflicts = append(rep.Conflicts, c)
		}
	}
	if rep.DryRun {
		return touchSet{}, nil
	}
	if err := tx.Commit(); err != nil {
		return touchSet{}, err
	}
	return touched, nil
}

// planDILA compares an actor with the record's values. It returns the
// actor's new fields and the fields that change (none: nothing to write),
// and the conflicts with values a person set.
func (d *Directory) planDILA(ctx context.Context, tx *sql.Tx, cur *record, v dilaValues, importer int64) (
	fields map[string]json.RawMessage, changed []string, conflicts []DILAConflict, older []string, err error) {
	fields = maps.Clone(cur.Fields)
	var prov map[string]Provenance
	json.Unmarshal(cur.Fields["provenance"], &prov)
	if prov == nil {
		prov = map[string]Provenance{}
	}
	official := Provenance{Source: v.source, AsOf: v.asOf}
	var earlier []importProposal
	earlierLoaded := false
	personSet := func(field, current string) (bool, error) {
		p, ok := prov[field]
		if ok {
			return p.ByPerson(), nil
		}
		if current == "" {
			return false, nil
		}
		return lastSetByPerson(ctx, tx, cur.ID, field, importer)
	}
	conflict := func(field, current, officialValue string) error {
		if !earlierLoaded {
			var err error
			if earlier, err = importProposals(ctx, tx, importer, cur.ID); err != nil {
				return err
			}
			earlierLoaded = true
		}
		c := DILAConflict{Actor: cur.ID, ActorName: cur.str("name"), Field: field, Current: current,
			Official: officialValue, Record: strings.TrimPrefix(v.source, SourceDILA)}
		for _, p := range earlier {
			if p.field == field && p.value == officialValue {
				c.ProposalID, c.Status = p.id, p.status
				break
			}
		}
		conflicts = append(conflicts, c)
		return nil
	}
	// A value the record confirms takes the record as its provenance; a
	// person's confirmation of it is kept. The date only moves forward, and
	// only with a date the record gives (not the file's, for an undated one).
	adopt := func(field string) {
		p := official
		if old, ok := prov[field]; ok && old.Source == p.Source && (old.AsOf == p.AsOf || !v.dated || p.AsOf < old.AsOf) {
			return
		}
		if old, ok := prov[field]; ok {
			p.VerifiedAt, p.VerifiedBy = old.VerifiedAt, old.VerifiedBy
		}
		prov[field] = p
		changed = append(changed, "provenance."+field)
	}
	// laterOwned: the field was set by an import of a later record than
	// this one (an older file imported after a newer one changes nothing).
	laterOwned := func(field string) bool {
		p := prov[field]
		return strings.HasPrefix(p.Source, SourceDILA) && v.dated && p.AsOf > v.asOf
	}
	for _, field := range dilaFieldOrder {
		current, want := cur.str(field), v.fields[field]
		owned := strings.HasPrefix(prov[field].Source, SourceDILA)
		switch {
		case current != want && laterOwned(field):
			older = append(older, field)
		case want == "" && owned && current != "":
			// The official directory no longer gives it: take back what it gave.
			fields[field] = mustJSON("")
			delete(prov, field)
			changed = append(changed, field)
		case want == "":
		case current == want:
			adopt(field)
		default:
			person, err := personSet(field, current)
			if err != nil {
				return nil, nil, nil, nil, err
			}
			if person {
				if err := conflict(field, current, want); err != nil {
					return nil, nil, nil, nil, err
				}
				continue
			}
			fields[field] = mustJSON(want)
			prov[field] = official
			changed = append(changed, field)
		}
	}
	if v.hasPoint {
		var lon, lat *float64
		json.Unmarshal(cur.Fields["lon"], &lon)
		json.Unmarshal(cur.Fields["lat"], &lat)
		same := lon != nil && lat != nil && Round6(*lon) == v.lon && Round6(*lat) == v.lat
		placedByPerson := cur.str("precision") == PrecisionContributed || prov["point"].ByPerson()
		switch {
		case same && cur.str("point_source") == v.source:
			adopt("point")
		case !same && laterOwned("point"):
			older = append(older, "point")
		case !same && placedByPerson:
			current := ""
			if lon != nil && lat != nil {
				current = fmt.Sprintf("%v, %v", *lon, *lat)
			}
			if err := conflict("point", current, fmt.Sprintf("%v, %v", v.lon, v.lat)); err != nil {
				return nil, nil, nil, nil, err
			}
		default:
			fields["lon"], fields["lat"] = mustJSON(v.lon), mustJSON(v.lat)
			fields["precision"], fields["point_source"] = mustJSON(PrecisionExact), mustJSON(v.source)
			prov["point"] = official
			changed = append(changed, "point")
		}
	}
	if len(prov) > 0 {
		fields["provenance"] = mustJSON(prov)
	} else {
		delete(fields, "provenance")
	}
	return fields, changed, conflicts, older, nil
}

// maxTownHallDistance is how far (metres) a town hall may be from the point
// a commune has from GeoNames: the largest communes are about 40 km across,
// and their GeoNames point is their main town.
const maxTownHallDistance = 30000

// checkTownHallPoint leaves out a town hall's point that is implausibly far
// from the commune's GeoNames point (coordinates of another place, swapped
// or mistyped), and reports it.
func checkTownHallPoint(cur *record, rec *dilaRecord, v *dilaValues, rep *DILAReport) {
	if !v.hasPoint || cur.str("kind") != KindCommune || cur.str("precision") != PrecisionExact ||
		strings.HasPrefix(cur.str("point_source"), SourceDILA) {
		return
	}
	var lon, lat *float64
	json.Unmarshal(cur.Fields["lon"], &lon)
	json.Unmarshal(cur.Fields["lat"], &lat)
	if lon == nil || lat == nil {
		return
	}
	if m := geo.Distance(orb.Point{*lon, *lat}, orb.Point{v.lon, v.lat}); m > maxTownHallDistance {
		rep.InvalidValues = append(rep.InvalidValues, DILAItem{ID: rec.ID, Name: rec.Name, Actor: cur.ID, Field: "point",
			Value: fmt.Sprintf("%v, %v", v.lon, v.lat)}.because(keyDILAFarFromCommun,
			Args{"km": int(math.Round(m / 1000)), "lon": *lon, "lat": *lat}))
		v.hasPoint = false
	}
}

// lastSetByPerson reports whether the last version that changed an actor's
// field was made by a person (not by an import, nor the bundled data).
func lastSetByPerson(ctx context.Context, tx *sql.Tx, actor, field string, importer int64) (bool, error) {
	rows, err := tx.QueryContext(ctx, `SELECT v.author_id, v.changes, u.email FROM versions v LEFT JOIN users u ON u.id = v.author_id
		WHERE v.record_type = 'actor' AND v.record_id = ? AND v.author_id IS NOT NULL ORDER BY v.version DESC`, actor)
	if err != nil {
		return false, err
	}
	defer rows.Close()
	for rows.Next() {
		var author int64
		var changes string
		var email sql.NullString
		if err := rows.Scan(&author, &changes, &email); err != nil {
			return false, err
		}
		var ch map[string]json.RawMessage
		json.Unmarshal([]byte(changes), &ch)
		if _, ok := ch[field]; ok {
			return author != importer && !IsSystemUser(email.String), nil
		}
	}
	return false, rows.Err()
}

// importProposal is one field of a proposal an import filed earlier.
type importProposal struct {
	id     int64
	status string
	field  string
	value  string
}

// importProposals lists the fields and values the importer proposed for an
// actor, newest first, so that a value already sent to review (or decided)
// is never sent again.
func importProposals(ctx context.Context, tx *sql.Tx, importer int64, actor string) ([]importProposal, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, status, changes FROM proposals WHERE author_id = ? AND target_type = 'actor'
		AND target_id = ? AND status IN ('pending', 'approved', 'rejected') ORDER BY id DESC`, importer, actor)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []importProposal
	for rows.Next() {
		var id int64
		var status, changes string
		if err := rows.Scan(&id, &status, &changes); err != nil {
			return nil, err
		}
		var ch map[string]change
		json.Unmarshal([]byte(changes), &ch)
		if lon, ok := ch["lon"]; ok {
			var x, y float64
			json.Unmarshal(lon.New, &x)
			json.Unmarshal(ch["lat"].New, &y)
			out = append(out, importProposal{id, status, "point", fmt.Sprintf("%v, %v", x, y)})
			continue
		}
		for f, c := range ch {
			var s string
			json.Unmarshal(c.New, &s)
			out = append(out, importProposal{id, status, f, s})
		}
	}
	return out, rows.Err()
}

// fileDILAProposal files a proposal by the import for a conflicting field,
// superseding its earlier pending proposal for the same field.
func (d *Directory) fileDILAProposal(ctx context.Context, tx *sql.Tx, importer int64, cur *record, c DILAConflict, v dilaValues,
	batch int64, now time.Time) (int64, error) {
	nowS := formatTime(now)
	earlier, err := importProposals(ctx, tx, importer, cur.ID)
	if err != nil {
		return 0, err
	}
	for _, p := range earlier {
		if p.field == c.Field && p.status == ProposalPending {
			if _, err := tx.ExecContext(ctx, `UPDATE proposals SET status = 'superseded', updated_at = ? WHERE id = ?`, nowS, p.id); err != nil {
				return 0, err
			}
		}
	}
	changes := map[string]change{}
	action := ActionUpdate
	if c.Field == "point" {
		action = ActionPlace
		changes["lon"] = change{Old: orNull(cur.Fields["lon"]), New: mustJSON(v.lon)}
		changes["lat"] = change{Old: orNull(cur.Fields["lat"]), New: mustJSON(v.lat)}
	} else {
		changes[c.Field] = change{Old: orNull(cur.Fields[c.Field]), New: mustJSON(c.Official)}
	}
	prov := map[string]Provenance{c.Field: {Source: v.source, AsOf: v.asOf}}
	comment := fmt.Sprintf("L'annuaire Service-Public.fr (fiche %s, %s) donne une autre valeur que celle qu'une personne a saisie : "+
		"à vérifier avant de l'appliquer.", strings.TrimPrefix(v.source, SourceDILA), frenchDate(v.asOf))
	ch, _ := json.Marshal(changes)
	var id int64
	if err := tx.QueryRowContext(ctx, `INSERT INTO proposals (author_id, target_type, target_id, action, base_version, changes,
		comment, source, departement, region, batch_id, provenance, created_at, updated_at)
		VALUES (?, 'actor', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`, importer, cur.ID, action, cur.Version, string(ch), comment,
		v.source, cur.Dept, cur.Region, nullID(batch), jsonProvenance(prov), nowS, nowS).Scan(&id); err != nil {
		return 0, formatError(err)
	}
	p := &storedProposal{ID: id, AuthorID: importer, TargetType: TypeActor, TargetID: cur.ID, Action: action,
		BaseVersion: cur.Version, Changes: changes, Source: v.source}
	return id, emit(ctx, tx, now, func() (*Event, error) {
		return d.proposalEvent(ctx, tx, EventProposalCreated, p, proposedView(cur, p), now)
	})
}

// syncEvent describes a version the import wrote by itself (actor cur,
// before, now with fields) for webhooks: a change.applied with a sync
// member instead of a proposal.
func (d *Directory) syncEvent(ctx context.Context, tx *sql.Tx, cur *record, fields map[string]json.RawMessage,
	source, reason string, importer int64, now time.Time) (*Event, error) {
	ev, err := d.eventFor(ctx, tx, EventChangeApplied, &record{Type: cur.Type, ID: cur.ID, Version: cur.Version + 1, Fields: fields}, now)
	if err != nil {
		return nil, err
	}
	by, err := userRef(ctx, tx, importer)
	if err != nil {
		return nil, err
	}
	sync := &EventSync{Source: source, Reason: reason, By: by, Changes: map[string]FieldChange{}}
	for k, nv := range fields {
		if ov := cur.Fields[k]; !sameJSON(ov, nv) {
			sync.Changes[k] = FieldChange{Old: orNull(ov), New: nv}
		}
	}
	for k, ov := range cur.Fields {
		if _, ok := fields[k]; !ok {
			sync.Changes[k] = FieldChange{Old: ov, New: json.RawMessage("null")}
		}
	}
	ev.Sync = sync
	return ev, nil
}
