package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// Forms of the contribution, account and moderation pages. They post
// ordinary application/x-www-form-urlencoded bodies to page routes, which
// call the directory and either redirect (post/redirect/get) or render the
// form again with a message next to each field. The domain's messages are
// English and written for API users; problem translates the ones a form can
// meet into the page's language.

// maxFormBody bounds a form's body: the longest field is 2,000 characters.
const maxFormBody = 64 << 10

// keyFormBody refuses a form body too large or malformed to read.
var keyFormBody = directory.NewKey("form.bad_body", "the form sent is too long or unreadable")

// parseForm reads the posted form. It answers false (after rendering an
// error page) when the body is too large or malformed.
func (p *pages) parseForm(c *gin.Context, cat *catalog) bool {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
	if err := c.Request.ParseForm(); err != nil {
		p.s.writeError(c, directory.NewError(directory.EINVALID, keyFormBody, nil))
		return false
	}
	return true
}

// postValue returns a posted value, trimmed.
func postValue(c *gin.Context, name string) string {
	return strings.TrimSpace(c.Request.PostForm.Get(name))
}

// formField is one field of a form, as the "field" template renders it:
// its label, hint, value, error and, after a stale-version refusal, the
// conflict with the value someone else saved meanwhile.
type formField struct {
	Name         string
	ID           string
	Label        string
	Hint         string
	Type         string // text, email, url, tel, number, password, textarea, select, checkboxes, radios, checkbox, coord
	Value        string
	Values       []string // checkboxes
	Options      []option
	Error        string
	Required     bool
	Autocomplete string
	InputMode    string
	Rows         int
	Conflict     *conflictView
	Class        string // extra class of the field's wrapper (short)
	Section      string // the fieldset it belongs to ("" = the first)
	HintRef      string // the id of a hint shared with other fields

	orig string // the value shown when the form was first drawn
}

// DescribedBy lists the ids of the texts that describe the field's input.
func (f *formField) DescribedBy() string {
	var ids []string
	if f.HintRef != "" {
		ids = append(ids, f.HintRef)
	}
	if f.Hint != "" {
		ids = append(ids, f.ID+"-hint")
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	if f.Conflict != nil {
		ids = append(ids, f.ID+"-conflict")
	}
	return strings.Join(ids, " ")
}

// Checked reports whether v is among the field's values (checkboxes, radios).
func (f *formField) Checked(v string) bool {
	if f.Type == "checkboxes" {
		return slices.Contains(f.Values, v)
	}
	return f.Value == v
}

// conflictView is a field that someone else changed after the version a
// proposal started from: the value the contributor wanted and the one saved.
type conflictView struct {
	Yours   string
	Current string
	Base    string
}

// form is a page's form: its fields in order, a form-level message, and
// the list of errors for the summary at its top.
type form struct {
	Fields  []*formField
	Message string // an error that belongs to no field
	byName  map[string]*formField
}

// add appends a field and returns it.
func (f *form) add(ff *formField) *formField {
	if ff.ID == "" {
		ff.ID = "f-" + ff.Name
	}
	if f.byName == nil {
		f.byName = map[string]*formField{}
	}
	f.Fields = append(f.Fields, ff)
	f.byName[ff.Name] = ff
	return ff
}

// field returns the named field, or nil.
func (f *form) field(name string) *formField { return f.byName[name] }

// Field returns the named field, or nil (for templates that place fields one by one).
func (f *form) Field(name string) *formField { return f.byName[name] }

// Errors lists the fields in error, in order, for the error summary.
func (f *form) Errors() []*formField {
	var out []*formField
	for _, ff := range f.Fields {
		if ff.Error != "" {
			out = append(out, ff)
		}
	}
	return out
}

// Conflicts lists the fields someone else changed meanwhile, for the summary.
func (f *form) Conflicts() []*formField {
	var out []*formField
	for _, ff := range f.Fields {
		if ff.Conflict != nil {
			out = append(out, ff)
		}
	}
	return out
}

// HasErrors reports whether the summary has something to say.
func (f *form) HasErrors() bool { return f.Message != "" || len(f.Errors()) > 0 }

// fill sets each field's value from the posted form.
func (f *form) fill(c *gin.Context) {
	for _, ff := range f.Fields {
		switch ff.Type {
		case "checkboxes":
			ff.Values = c.Request.PostForm[ff.Name]
		case "checkbox":
			ff.Value = ""
			if c.Request.PostForm.Get(ff.Name) != "" {
				ff.Value = "1"
			}
		case "textarea":
			ff.Value = strings.TrimSpace(strings.ReplaceAll(c.Request.PostForm.Get(ff.Name), "\r\n", "\n"))
		default:
			ff.Value = postValue(c, ff.Name)
		}
	}
}

// fieldAliases maps the names the domain gives fields to form field names
// (besides "changes.{name}", which is the form's {name}).
var fieldAliases = map[string]string{"geometry": "lon"}

// setError places a domain error on the form: each field's problem next to
// the field, anything else at the top. A stale-version conflict marks the
// conflicting fields with both values.
func (f *form) setError(cat *catalog, err error) {
	fields := directory.ErrorProblems(err)
	placed := 0
	for name, pr := range fields {
		target := name
		if a, ok := fieldAliases[name]; ok {
			target = a
		}
		target = strings.TrimPrefix(target, "changes.")
		if target == "target_id" {
			target = "name"
			if f.field(target) == nil {
				target = "tool"
			}
		}
		if ff := f.field(target); ff != nil && ff.Type != "hidden" {
			ff.Error = cat.Problem(pr)
			placed++
		}
	}
	for name, cf := range directory.ErrorConflicts(err) {
		if ff := f.field(name); ff != nil {
			ff.Conflict = &conflictView{Yours: displayValue(cat, name, cf.Yours), Current: displayValue(cat, name, cf.Current),
				Base: displayValue(cat, name, cf.Base)}
			placed++
		}
	}
	if code := directory.ErrorCode(err); code == directory.ECONFLICT && len(directory.ErrorConflicts(err)) > 0 {
		f.Message = cat.T("form.conflict")
		return
	}
	if placed < len(fields) || len(fields) == 0 {
		f.Message = errorText(cat, err)
	}
}

// errorText is the message of a domain error in the page's language,
// translated from its key (internal errors say only that they happened).
func errorText(cat *catalog, err error) string {
	key, args := directory.ErrorKey(err)
	return cat.keyed(key, args, directory.ErrorMessage(err))
}

// problemsText is a refusal for a message line: each field's problem in
// the page's language, in the order of the fields' names, or the error's
// own message when it names no field.
func problemsText(cat *catalog, err error) string {
	probs := directory.ErrorProblems(err)
	if len(probs) == 0 {
		return errorText(cat, err)
	}
	var parts []string
	for _, name := range slices.Sorted(maps.Keys(probs)) {
		parts = append(parts, cat.Problem(probs[name]))
	}
	return strings.Join(parts, " ")
}

// Problem is a field's problem in the page's language.
func (c *catalog) Problem(p directory.Problem) string { return c.keyed(p.Key, p.Args, p.Message) }

// argLabels lists the arguments of error keys whose values are codes the
// catalog names: a proposal's status is shown as "rejetée", not "rejected".
var argLabels = map[string]string{"proposal_status": "pstatus.", "confirmation_status": "cstatus.", "json_type": "jsontype."}

// keyed translates an error key ("err." + key in the catalog) with its
// arguments. A key the catalog lacks, which TestErrorKeysTranslated rules
// out for every declared key, shows the English message instead.
func (c *catalog) keyed(key string, args directory.Args, english string) string {
	m, ok := c.messages["err."+key]
	if !ok {
		return capitalize(english)
	}
	if rk, ok := args["reason_key"].(string); ok && rk != "" {
		// A cause wrapped in another message (directory's causedBy): said
		// in this language too, as a clause of the sentence around it.
		ra, _ := args["reason_args"].(directory.Args)
		english, _ := args["reason"].(string)
		args = maps.Clone(args)
		args["reason"] = clause(c.keyed(rk, ra, english))
	}
	if secs, ok := args["wait_s"].(int); ok {
		args = maps.Clone(args)
		args["wait"] = c.Wait(secs)
	}
	for name, prefix := range argLabels {
		if v, ok := args[name].(string); ok && c.Has(prefix+v) {
			args = maps.Clone(args)
			args[name] = c.T(prefix + v)
		}
	}
	return directory.Expand(m, args)
}

// Wait says a wait of secs seconds as directory.WaitArgs does in English:
// seconds under a minute, else whole minutes rounded up.
func (c *catalog) Wait(secs int) string {
	if secs < 60 {
		return c.Tn("wait.seconds", secs)
	}
	return c.Tn("wait.minutes", (secs+59)/60)
}

// clause makes a sentence of the catalog a clause of another: without
// its final full stop, and lower-cased where it starts with a capitalised
// word ("Aucun acteur…" → "aucun acteur…", but "SIREN…" stays).
func clause(s string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	first, n := utf8.DecodeRuneInString(s)
	second, _ := utf8.DecodeRuneInString(s[n:])
	if unicode.IsUpper(first) && !unicode.IsUpper(second) {
		return string(unicode.ToLower(first)) + s[n:]
	}
	return s
}

func capitalize(s string) string {
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// localPath accepts a return address only if it stays on this site.
func localPath(s string) string {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") || strings.HasPrefix(s, "/\\") || strings.ContainsAny(s, "\r\n") {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return ""
	}
	return u.RequestURI()
}

// jsonValue encodes a form value for a proposal's changes.
func jsonValue(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// parseDecimal reads a number as French or English write it ("48,0375").
func parseDecimal(s string) (float64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	s = strings.ReplaceAll(s, "\u00a0", "")
	s = strings.ReplaceAll(s, " ", "")
	return parseFinite(s)
}

// splitList reads a list typed one item per line (or also separated by
// commas and semicolons when commas is set).
func splitList(s string, commas bool) []string {
	f := func(r rune) bool { return r == '\n' || (commas && (r == ',' || r == ';')) }
	var out []string
	for _, part := range strings.FieldsFunc(s, f) {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// displayValue shows a stored field value to people: labels for codes,
// lists joined, numbers in the language's format; "" when empty.
func displayValue(cat *catalog, field string, v any) string {
	if raw, ok := v.(json.RawMessage); ok {
		if len(raw) == 0 {
			return ""
		}
		var x any
		if err := json.Unmarshal(raw, &x); err != nil {
			return string(raw)
		}
		v = x
	}
	if field == "provenance" {
		return provenanceValue(cat, v)
	}
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		switch field {
		case "verified_at":
			if t, err := time.Parse(time.RFC3339Nano, x); err == nil {
				return cat.DateTime(t)
			}
		case "as_of":
			return cat.SourceDate(x)
		case "kind":
			return cat.T("kind." + x)
		case "status":
			return cat.T("status." + x)
		case "precision":
			if x == "" {
				return ""
			}
			return cat.T("precision." + x)
		}
		return x
	case bool:
		if field == "deleted" && !x {
			return ""
		}
		if x {
			return cat.T("value.yes")
		}
		return cat.T("value.no")
	case float64:
		switch field {
		case "lon", "lat":
			return strconv.FormatFloat(x, 'f', -1, 64)
		case "since":
			if x == 0 {
				return ""
			}
			return strconv.Itoa(int(x))
		case "population":
			if x == 0 {
				return ""
			}
			return cat.Int(int(x))
		}
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		var parts []string
		for _, e := range x {
			switch y := e.(type) {
			case map[string]any:
				// A source: cited by its title and publication, never by
				// the file name of a seed article.
				src := directory.Source{}
				src.Title, _ = y["title"].(string)
				src.Publication, _ = y["publication"].(string)
				src.URL, _ = y["url"].(string)
				if src.Cited() {
					parts = append(parts, cat.Cite(src))
					continue
				}
				if d, ok := y["document"].(string); ok {
					parts = append(parts, d)
					continue
				}
				b, _ := json.Marshal(y)
				parts = append(parts, string(b))
			case string:
				if field == "themes" {
					y = cat.T("theme." + y)
				}
				parts = append(parts, y)
			default:
				parts = append(parts, fmt.Sprint(y))
			}
		}
		return strings.Join(parts, ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// fieldOrder is the order in which diffs list fields.
var fieldOrder = []string{"name", "kind", "code", "siren", "departement", "region", "parents", "postal_codes", "population",
	"website", "email", "phone", "address", "opening_hours", "siret", "description", "labels", "lat", "lon", "precision",
	"point_source", "provenance",
	"actor", "tool", "usage", "since", "status", "contact", "url", "as_of", "tutorial_url", "licence", "free_software", "themes",
	"sources", "deleted"}

// sortFields orders field names as fieldOrder does, unknown ones last by name.
func sortFields(names []string) {
	slices.SortFunc(names, func(a, b string) int {
		ia, ib := slices.Index(fieldOrder, a), slices.Index(fieldOrder, b)
		if ia < 0 {
			ia = len(fieldOrder)
		}
		if ib < 0 {
			ib = len(fieldOrder)
		}
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a, b)
	})
}

// Sections groups a form's fields by their section, in order, for fieldsets.
func (f *form) Sections() []formSection {
	var out []formSection
	for _, ff := range f.Fields {
		name := ff.Section
		if name == "" {
			name = "main"
		}
		if len(out) == 0 || out[len(out)-1].Name != name {
			out = append(out, formSection{Name: name})
		}
		out[len(out)-1].Fields = append(out[len(out)-1].Fields, ff)
	}
	return out
}

// formSection is a run of fields in one fieldset.
type formSection struct {
	Name   string
	Fields []*formField
}

// Orig is the value a field showed when the form was first drawn (posted
// back as orig_{name}): what the proposal is made against.
func (f *formField) Orig() string { return f.orig }

// setOrig records what each data field showed when drawn.
func (f *form) setOrig() {
	for _, ff := range f.Fields {
		if ff.Section != "meta" {
			ff.orig = fieldString(ff)
		}
	}
}

// fieldString is a field's value as one string (for orig_*).
func fieldString(ff *formField) string {
	if ff.Type == "checkboxes" {
		v := slices.Clone(ff.Values)
		slices.Sort(v)
		return strings.Join(v, ",")
	}
	return ff.Value
}

// changes reads the posted orig_* values and returns the data fields
// whose value differs from them, as proposal changes. Field errors for
// unreadable values are set on the form.
func (f *form) changes(c *gin.Context, cat *catalog) map[string]json.RawMessage {
	for _, ff := range f.Fields {
		ff.orig = c.Request.PostForm.Get("orig_" + ff.Name)
		if ff.Type == "checkboxes" {
			ff.orig = strings.Join(sortedSplit(ff.orig), ",")
		}
	}
	return f.proposed(cat)
}

// creation returns the changes a creation form proposes: each data field
// that has a value, and the always ones even empty (the domain then says
// they are required). A value that cannot be read sets the field's error.
func (f *form) creation(cat *catalog, always ...string) map[string]json.RawMessage {
	for _, ff := range f.Fields {
		ff.orig = ""
	}
	return f.proposed(cat, always...)
}

// proposed converts the data fields whose value differs from what they
// showed (orig), and the always ones, to proposal changes.
func (f *form) proposed(cat *catalog, always ...string) map[string]json.RawMessage {
	out := map[string]json.RawMessage{}
	for _, ff := range f.Fields {
		if ff.Section == "meta" || (normalizeNL(fieldString(ff)) == normalizeNL(ff.orig) && !slices.Contains(always, ff.Name)) {
			continue
		}
		v, msg := formChange(cat, ff)
		if msg != "" {
			ff.Error = msg
			continue
		}
		out[ff.Name] = v
	}
	return out
}

// formChange converts a posted value to the JSON a proposal carries; the
// second result is a message when the value cannot be read.
func formChange(cat *catalog, ff *formField) (json.RawMessage, string) {
	v := ff.Value
	switch ff.Name {
	case "population", "since":
		v = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "").Replace(v)
		if v == "" {
			return jsonValue(0), ""
		}
		n, ok := parseInt(v)
		if !ok {
			if ff.Name == "since" {
				return nil, cat.T("problem.yearFormat")
			}
			return nil, cat.T("problem.integer")
		}
		return jsonValue(n), ""
	case "lat", "lon":
		f, ok := parseDecimal(v)
		if !ok {
			return nil, cat.T("problem.decimal")
		}
		return jsonValue(f), ""
	case "labels":
		return jsonValue(orEmpty(splitList(v, false))), ""
	case "postal_codes":
		return jsonValue(orEmpty(strings.Fields(strings.NewReplacer(",", " ", ";", " ").Replace(v)))), ""
	case "free_software":
		return jsonValue(v != ""), ""
	case "themes":
		return jsonValue(orEmpty(ff.Values)), ""
	}
	return jsonValue(v), ""
}

func orEmpty(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func sortedSplit(s string) []string {
	l := splitList(s, true)
	slices.Sort(l)
	return l
}

func normalizeNL(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }

// afterConflict prepares a form refused for a stale version to be proposed
// again against the current version: fields left as they were take the
// current value, fields changed keep the contributor's value (or the
// current one where they chose so), and every orig_* becomes the current
// value.
func (f *form) afterConflict(c *gin.Context, current func(name string) string) {
	for _, ff := range f.Fields {
		if ff.Section == "meta" {
			continue
		}
		now := current(ff.Name)
		if normalizeNL(fieldString(ff)) == normalizeNL(ff.orig) {
			setFieldString(ff, now)
		}
		ff.orig = now
	}
}

func setFieldString(ff *formField, s string) {
	if ff.Type == "checkboxes" {
		ff.Values = splitList(s, true)
		return
	}
	ff.Value = s
}

// applyResolutions applies the contributor's choices on conflicting fields
// ("resolve_{name}=current": take the value saved meanwhile).
func (f *form) applyResolutions(c *gin.Context, current func(name string) string) {
	for _, ff := range f.Fields {
		if c.Request.PostForm.Get("resolve_"+ff.Name) == "current" {
			setFieldString(ff, current(ff.Name))
		}
	}
}

func (f *form) value(name string) string {
	if ff := f.field(name); ff != nil {
		return ff.Value
	}
	return ""
}
