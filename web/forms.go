package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

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

// parseForm reads the posted form. It answers false (after rendering an
// error page) when the body is too large or malformed.
func (p *pages) parseForm(c *gin.Context, cat *catalog) bool {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxFormBody)
	if err := c.Request.ParseForm(); err != nil {
		p.renderError(c, cat, directory.Errorf(directory.EINVALID, "%s", cat.T("form.badBody")))
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

// setError places a domain error on the form: each field's message next to
// the field, anything else at the top. A stale-version conflict marks the
// conflicting fields with both values.
func (f *form) setError(cat *catalog, err error) {
	fields := directory.ErrorFields(err)
	placed := 0
	for name, msg := range fields {
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
			ff.Error = cat.Problem(msg)
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

// errorText is the message of a domain error in the page's language.
func errorText(cat *catalog, err error) string {
	switch directory.ErrorCode(err) {
	case directory.EINTERNAL:
		return cat.T("error.internal")
	case directory.ETOOMANY:
		if d := directory.ErrorRetryAfter(err); d > 0 && strings.HasPrefix(directory.ErrorMessage(err), "too many failed logins") {
			return cat.Tf("problem.locked", minutes(d))
		}
	}
	msg := directory.ErrorMessage(err)
	if f := directory.ErrorFields(err); len(f) == 1 {
		for _, m := range f {
			if t := cat.Problem(m); t != capitalize(m) {
				return t
			}
		}
	}
	return cat.Problem(msg)
}

func minutes(d time.Duration) int { return max(1, int((d+time.Minute-1)/time.Minute)) }

// problems are the domain's messages that a form may show, matched in
// order; the captured parts fill the translation's {0}, {1}…
var problems = []struct {
	re  *regexp.Regexp
	key string
}{
	{regexp.MustCompile(`^must be at most (\d+) characters \(got (\d+)\)$`), "problem.tooLong"},
	{regexp.MustCompile(`^must not be empty$`), "problem.required"},
	{regexp.MustCompile(`^is required: say why`), "problem.reasonRequired"},
	{regexp.MustCompile(`^is required`), "problem.required"},
	{regexp.MustCompile(`^must not contain control characters$`), "problem.control"},
	{regexp.MustCompile(`^must be a web address starting with https:// or http:// \(at most (\d+) characters\)$`), "problem.url"},
	{regexp.MustCompile(`^must be an e-mail address`), "problem.email"},
	{regexp.MustCompile(`^must be a phone number`), "problem.phone"},
	{regexp.MustCompile(`^must be 9 digits$`), "problem.siren"},
	{regexp.MustCompile(`^must be a whole number between 0 and (\d+)$`), "problem.population"},
	{regexp.MustCompile(`^must be a year between 1970 and (\d+), or 0 when unknown$`), "problem.year"},
	{regexp.MustCompile(`^must be a number$`), "problem.number"},
	{regexp.MustCompile(`^must be between (-?[\d.]+) and (-?[\d.]+)$`), "problem.range"},
	{regexp.MustCompile(`^items must be 1 to 100 characters of text$`), "problem.labels"},
	{regexp.MustCompile(`^must (name at least one theme|be themes among)`), "problem.themes"},
	{regexp.MustCompile(`^must be a known (departement|region) code`), "problem.place"},
	{regexp.MustCompile(`^items must be 5-digit postal codes \(got "(.*)"\)$`), "problem.postal"},
	{regexp.MustCompile(`actors come from the official list and cannot be created here`), "problem.officialKind"},
	{regexp.MustCompile(`^must be one of `), "problem.choice"},
	{regexp.MustCompile(`^comes from the official list`), "problem.official"},
	{regexp.MustCompile(`^the point is not in France`), "problem.notFrance"},
	{regexp.MustCompile(`^a commune must be placed inside France`), "problem.notFrance"},
	{regexp.MustCompile(`^lon and lat must be given together$`), "problem.lonLat"},
	{regexp.MustCompile(`^must be at most (\d+) characters of text`), "problem.tooLongText"},
	{regexp.MustCompile(`^must be at least (\d+) characters long$`), "problem.passwordShort"},
	{regexp.MustCompile(`^must be at most (\d+) characters long$`), "problem.passwordLong"},
	{regexp.MustCompile(`^must be 2 to 60 printable characters$`), "problem.displayName"},
	{regexp.MustCompile(`^is already registered`), "problem.emailTaken"},
	{regexp.MustCompile(`^is not your current password$`), "problem.currentPassword"},
	{regexp.MustCompile(`^must be 1 to 80 printable characters`), "problem.tokenName"},
	{regexp.MustCompile(`^already exists$`), "problem.exists"},
	{regexp.MustCompile(`^must be 1 to 2000 characters of text$`), "problem.comment"},
	{regexp.MustCompile(`^must be a number of days between 1 and 3650`), "problem.days"},
	{regexp.MustCompile(`^must be an earlier version`), "problem.version"},
	{regexp.MustCompile(`^must have at most (\d+) items$`), "problem.items"},
	{regexp.MustCompile(`\{slug\}|^must be a slug`), "problem.slug"},
	{regexp.MustCompile(`^nothing to change`), "problem.nothing"},
	{regexp.MustCompile(`^you have made (\d+) proposals in an hour`), "problem.rateHour"},
	{regexp.MustCompile(`^you have made (\d+) proposals in a day`), "problem.rateDay"},
	{regexp.MustCompile(`^your account is blocked until (\S+)`), "problem.blocked"},
	{regexp.MustCompile(`^wrong e-mail or password$`), "problem.login"},
	{regexp.MustCompile(`^too many failed logins`), "problem.lockedSoon"},
	{regexp.MustCompile(`^too many requests from your address`), "problem.ipRate"},
	{regexp.MustCompile(`actors come from the official list and cannot be deleted`), "problem.officialDelete"},
	{regexp.MustCompile(`changed since version (\d+) \(now (\d+)\): look at its history before deleting it`), "problem.deleteStale"},
	{regexp.MustCompile(`^proposal \d+ is already (\w+)$`), "problem.already"},
	{regexp.MustCompile(`^proposal \d+ is (\w+): votes are closed$`), "problem.votesClosed"},
	{regexp.MustCompile(`^you cannot vote on your own proposal$`), "problem.ownVote"},
	{regexp.MustCompile(`^only its author can withdraw`), "problem.notAuthor"},
	{regexp.MustCompile(`^you cannot block yourself$`), "problem.blockSelf"},
	{regexp.MustCompile(`^only an administrator can block a moderator$`), "problem.blockModerator"},
	{regexp.MustCompile(`was (deleted|created) meanwhile$`), "problem.meanwhile"},
	{regexp.MustCompile(`^report \d+ is already closed$`), "problem.reportClosed"},
	{regexp.MustCompile(`its actor or tool no longer exists`), "problem.revertOrphan"},
	{regexp.MustCompile(`changed again after proposal \d+`), "problem.undoConflict"},
	{regexp.MustCompile(`^only moderators`), "problem.moderatorsOnly"},
	{regexp.MustCompile(`^must be in the future$`), "problem.future"},
	{regexp.MustCompile(`^no (actor|tool|adoption) `), "problem.notFound"},
}

// Problem translates a domain message for a form; a message it does not
// know is shown as the domain wrote it.
func (c *catalog) Problem(msg string) string {
	for _, pr := range problems {
		if m := pr.re.FindStringSubmatch(msg); m != nil {
			args := make([]any, len(m)-1)
			for i, s := range m[1:] {
				args[i] = s
			}
			if pr.key == "problem.already" || pr.key == "problem.votesClosed" {
				args[0] = c.T("pstatus." + m[1])
			}
			return c.Tf(pr.key, args...)
		}
	}
	return capitalize(msg)
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
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		switch field {
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
	"website", "email", "phone", "address", "description", "labels", "lat", "lon", "precision", "point_source",
	"actor", "tool", "usage", "since", "status", "contact", "url", "tutorial_url", "licence", "free_software", "themes",
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
