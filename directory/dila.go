package directory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// The "Annuaire de l'administration – Base de données locales" of the DILA
// (Service-Public.fr), Licence Ouverte 2.0, updated weekly: one JSON object
// whose "service" array lists every town hall and local public office.
// https://www.data.gouv.fr/fr/datasets/service-public-gouv-fr-annuaire-de-l-administration-base-de-donnees-locales/
// publishes it as an archive (all_latest.tar.bz2, a zip in earlier years)
// holding "YYYY-MM-DD_HHMMSS-data.gouv_local.json". A record, as the file
// gives it (fields this import reads):
//
//	{"id": "00007e4d-…", "nom": "Mairie - Fontaine-le-Port",
//	 "pivot": [{"type_service_local": "mairie", "code_insee_commune": ["77188"]}],
//	 "ancien_code_pivot": "mairie-77188-01", "code_insee_commune": "77188",
//	 "adresse": [{"type_adresse": "Adresse", "complement1": "", "complement2": "",
//	   "numero_voie": "3 rue du Général-Roux", "service_distribution": "",
//	   "code_postal": "77590", "nom_commune": "Fontaine-le-Port",
//	   "longitude": "2.75745010376", "latitude": "48.4868011475", …}],
//	 "telephone": [{"valeur": "01 64 38 30 52", "description": ""}],
//	 "adresse_courriel": ["mairie@…"],
//	 "site_internet": [{"libelle": "", "valeur": "http://www.ville-fontaineleport.fr"}],
//	 "plage_ouverture": [{"nom_jour_debut": "Mardi", "nom_jour_fin": "Mardi",
//	   "valeur_heure_debut_1": "09:00:00", "valeur_heure_fin_1": "12:00:00",
//	   "valeur_heure_debut_2": "", "valeur_heure_fin_2": "", "commentaire": ""}],
//	 "commentaire_plage_ouverture": "", "siret": "21770188700010", "siren": "",
//	 "date_modification": "09/08/2023 13:30:19", …}
//
// The Opendatasoft export of the same directory (api-lannuaire) gives the
// list fields as strings holding JSON; they are read too.

// DILA service types the import matches; every other type is ignored.
const (
	dilaMairie     = "mairie"
	dilaMairieCOM  = "mairie_com" // town halls of the collectivités d'outre-mer
	dilaEPCI       = "epci"
	dilaDepartment = "cg" // conseil départemental
	dilaRegion     = "cr" // conseil régional
	dilaPrefecture = "prefecture"
	dilaSousPref   = "sous_pref"
)

var dilaTypes = []string{dilaMairie, dilaMairieCOM, dilaEPCI, dilaDepartment, dilaRegion, dilaPrefecture, dilaSousPref}

// DILAAttribution is the credit the licence requires, with the file's URL,
// name and date.
const DILAAttribution = "Service-Public.fr / DILA (Direction de l'information légale et administrative), Licence Ouverte 2.0"

// DILADownloadURL is where the file is published.
const DILADownloadURL = "https://www.data.gouv.fr/fr/datasets/service-public-gouv-fr-annuaire-de-l-administration-base-de-donnees-locales/"

// flexList reads a JSON list, or a string holding one (the Opendatasoft
// export), or null.
type flexList[T any] []T

func (l *flexList[T]) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if strings.TrimSpace(s) == "" {
			*l = nil
			return nil
		}
		b = []byte(s)
	}
	var v []T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*l = v
	return nil
}

// flexString reads a string, a number or null.
type flexString string

func (s *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case string(b) == "null":
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = flexString(v)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("want a string or a number, got %s", b)
		}
		*s = flexString(n.String())
	}
	return nil
}

// dilaValue is an element of telephone and site_internet.
type dilaValue struct {
	Valeur flexString `json:"valeur"`
}

type dilaPivot struct {
	Type  string               `json:"type_service_local"`
	Codes flexList[flexString] `json:"code_insee_commune"`
}

type dilaAddress struct {
	Type                string     `json:"type_adresse"`
	Complement1         flexString `json:"complement1"`
	Complement2         flexString `json:"complement2"`
	NumeroVoie          flexString `json:"numero_voie"`
	ServiceDistribution flexString `json:"service_distribution"`
	CodePostal          flexString `json:"code_postal"`
	NomCommune          flexString `json:"nom_commune"`
	Longitude           flexString `json:"longitude"`
	Latitude            flexString `json:"latitude"`
}

type dilaHours struct {
	DayFrom string `json:"nom_jour_debut"`
	DayTo   string `json:"nom_jour_fin"`
	From1   string `json:"valeur_heure_debut_1"`
	To1     string `json:"valeur_heure_fin_1"`
	From2   string `json:"valeur_heure_debut_2"`
	To2     string `json:"valeur_heure_fin_2"`
	Comment string `json:"commentaire"`
}

// dilaRecord is one element of the "service" array.
type dilaRecord struct {
	ID               string                `json:"id"`
	Name             string                `json:"nom"`
	Pivot            flexList[dilaPivot]   `json:"pivot"`
	OldPivot         flexString            `json:"ancien_code_pivot"`
	Commune          flexString            `json:"code_insee_commune"`
	Addresses        flexList[dilaAddress] `json:"adresse"`
	Phones           flexList[dilaValue]   `json:"telephone"`
	Websites         flexList[dilaValue]   `json:"site_internet"`
	Emails           flexList[flexString]  `json:"adresse_courriel"`
	Hours            flexList[dilaHours]   `json:"plage_ouverture"`
	HoursComment     flexString            `json:"commentaire_plage_ouverture"`
	SIRET            flexString            `json:"siret"`
	SIREN            flexString            `json:"siren"`
	DateModification flexString            `json:"date_modification"`
}

// serviceType returns the record's type this import handles, or its first
// type when it handles none.
func (r *dilaRecord) serviceType() (typ string, handled bool) {
	for _, p := range r.Pivot {
		for _, t := range dilaTypes {
			if p.Type == t {
				return t, true
			}
		}
	}
	if len(r.Pivot) > 0 {
		return r.Pivot[0].Type, false
	}
	return "", false
}

// communes returns the INSEE codes the record is for: those of its pivots
// of type typ, then its own commune.
func (r *dilaRecord) communes(typ string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(c string) {
		c = strings.TrimSpace(c)
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	for _, p := range r.Pivot {
		if p.Type == typ {
			for _, c := range p.Codes {
				add(string(c))
			}
		}
	}
	add(string(r.Commune))
	return out
}

// seat is the commune the office itself is in: its own code, else its
// pivot's first.
func (r *dilaRecord) seat(typ string) string {
	if c := strings.TrimSpace(string(r.Commune)); c != "" {
		return c
	}
	if cs := r.communes(typ); len(cs) > 0 {
		return cs[0]
	}
	return ""
}

// mainPivot reports whether the record is the main office of its code
// (ancien_code_pivot "<type>-<code>-01").
func (r *dilaRecord) mainPivot() bool { return strings.HasSuffix(string(r.OldPivot), "-01") }

// delegated reports whether the record is a mairie déléguée (the town hall
// of a former commune merged into a commune nouvelle) or an annexe: by its
// name, or by its pivot code when that names another office than the main
// one ("mairie-50129-05").
func (r *dilaRecord) delegated() bool {
	name := Fold(r.Name)
	if strings.HasPrefix(name, "mairie deleguee") || strings.HasPrefix(name, "mairie annexe") {
		return true
	}
	m := pivotRankRe.FindStringSubmatch(strings.TrimSpace(string(r.OldPivot)))
	return m != nil && m[1] != "01"
}

// pivotRankRe reads the rank of an office among those of its code, at the
// end of an ancien_code_pivot ("mairie-74010-01": 01, the main one).
var pivotRankRe = regexp.MustCompile(`^mairie(?:_com)?-[0-9AB]{5}-([0-9]{2})$`)

// physicalAddress returns the street address ("Adresse"), else the first.
func (r *dilaRecord) physicalAddress() *dilaAddress {
	for i := range r.Addresses {
		if r.Addresses[i].Type == "Adresse" {
			return &r.Addresses[i]
		}
	}
	if len(r.Addresses) > 0 {
		return &r.Addresses[0]
	}
	return nil
}

var dilaDateRe = regexp.MustCompile(`^(\d{2})/(\d{2})/(\d{4})`)

// asOf returns the record's date_modification as YYYY-MM-DD ("" if it has none).
func (r *dilaRecord) asOf() string {
	v := strings.TrimSpace(string(r.DateModification))
	m := dilaDateRe.FindStringSubmatch(v)
	if m == nil {
		// Some exports give an ISO date.
		if len(v) >= 10 {
			if t, err := time.Parse(time.DateOnly, v[:10]); err == nil {
				return t.Format(time.DateOnly)
			}
		}
		return ""
	}
	s := m[3] + "-" + m[2] + "-" + m[1]
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return ""
	}
	return s
}

var fileDateRe = regexp.MustCompile(`(\d{4}-\d{2}-\d{2})`)

// DILAFileDate returns the date a DILA file's name gives
// ("2026-11-18_053120-data.gouv_local.json" → "2026-11-18"), or "".
func DILAFileDate(name string) string {
	m := fileDateRe.FindStringSubmatch(name)
	if m == nil {
		return ""
	}
	if _, err := time.Parse(time.DateOnly, m[1]); err != nil {
		return ""
	}
	return m[1]
}

// dilaDecoder streams the records of the "service" array.
type dilaDecoder struct {
	dec   *json.Decoder
	inArr bool
	done  bool
}

func newDILADecoder(r io.Reader) *dilaDecoder {
	return &dilaDecoder{dec: json.NewDecoder(r)}
}

// next returns the next record's raw JSON, or io.EOF after the last one.
func (d *dilaDecoder) next() (json.RawMessage, error) {
	if d.done {
		return nil, io.EOF
	}
	if !d.inArr {
		tok, err := d.dec.Token()
		if err != nil {
			return nil, notDILA(err)
		}
		if delim, ok := tok.(json.Delim); !ok || delim != '{' {
			return nil, notDILA(nil)
		}
		for {
			if !d.dec.More() {
				return nil, notDILA(nil)
			}
			tok, err := d.dec.Token()
			if err != nil {
				return nil, notDILA(err)
			}
			if key, _ := tok.(string); key == "service" {
				break
			}
			var skip json.RawMessage
			if err := d.dec.Decode(&skip); err != nil {
				return nil, notDILA(err)
			}
		}
		tok, err = d.dec.Token()
		if err != nil {
			return nil, notDILA(err)
		}
		if delim, ok := tok.(json.Delim); !ok || delim != '[' {
			return nil, NewError(EINVALID, keyDILANotService, nil)
		}
		d.inArr = true
	}
	if !d.dec.More() {
		d.done = true
		return nil, io.EOF
	}
	var raw json.RawMessage
	if err := d.dec.Decode(&raw); err != nil {
		return nil, NewError(EINVALID, keyDILACut, Args{"offset": d.dec.InputOffset(), "err": err.Error()})
	}
	return raw, nil
}

func notDILA(err error) error {
	why := "no service array"
	if err != nil {
		why = err.Error()
	}
	return NewError(EINVALID, keyDILANotFile, Args{"err": why})
}

// frenchDays are the day names the file uses, in week order.
var frenchDays = []string{"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"}

// openingHoursSummary makes a readable summary of plage_ouverture:
// "Lundi au vendredi : 9h–12h, 13h30–17h ; samedi : 9h–12h (2e et 4e samedis)".
func openingHoursSummary(hours []dilaHours, comment string) string {
	var parts []string
	for _, h := range hours {
		from := strings.ToLower(strings.TrimSpace(h.DayFrom))
		to := strings.ToLower(strings.TrimSpace(h.DayTo))
		days := from
		if to != "" && to != from {
			days = from + " au " + to
		}
		var slots []string
		for _, s := range [][2]string{{h.From1, h.To1}, {h.From2, h.To2}} {
			a, b := hourText(s[0]), hourText(s[1])
			if a != "" && b != "" {
				slots = append(slots, a+"–"+b)
			}
		}
		if days == "" && len(slots) == 0 {
			continue
		}
		part := days
		if len(slots) > 0 {
			if part != "" {
				part += " : "
			}
			part += strings.Join(slots, ", ")
		}
		if c := oneLine(h.Comment); c != "" {
			part += " (" + c + ")"
		}
		parts = append(parts, part)
	}
	s := strings.Join(parts, " ; ")
	if c := oneLine(comment); c != "" {
		if s != "" {
			s += ". "
		}
		s += c
	}
	if s == "" {
		return ""
	}
	r, size := utf8.DecodeRuneInString(s)
	s = strings.ToUpper(string(r)) + s[size:]
	return truncateRunes(s, 999)
}

// hourText turns "09:00:00" into "9h" and "13:30:00" into "13h30".
func hourText(v string) string {
	v = strings.TrimSpace(v)
	if len(v) < 5 || v[2] != ':' {
		return ""
	}
	h, m := strings.TrimLeft(v[:2], "0"), v[3:5]
	if h == "" {
		h = "0"
	}
	if m == "00" {
		return h + "h"
	}
	return h + "h" + m
}

// oneLine collapses white space (line breaks included) to single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// addressText makes one line of an address entry.
func addressText(a *dilaAddress) string {
	var parts []string
	for _, p := range []flexString{a.Complement1, a.Complement2, a.NumeroVoie, a.ServiceDistribution} {
		if s := oneLine(string(p)); s != "" {
			parts = append(parts, s)
		}
	}
	if town := oneLine(string(a.CodePostal) + " " + string(a.NomCommune)); town != "" {
		parts = append(parts, town)
	}
	return strings.Join(parts, ", ")
}

// frenchDate formats YYYY-MM-DD as "18 novembre 2026".
func frenchDate(s string) string {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return s
	}
	months := []string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
		"octobre", "novembre", "décembre"}
	day := fmt.Sprint(t.Day())
	if t.Day() == 1 {
		day = "1er"
	}
	return fmt.Sprintf("%s %s %d", day, months[t.Month()-1], t.Year())
}
