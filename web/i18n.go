package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// The pages' strings live in message catalogs, one JSON object per language
// (key → text), embedded and loaded when the server starts. French is the
// default; English is chosen by ?lang=en (remembered in a cookie) or by the
// browser's Accept-Language.
//
//go:embed i18n/*.json
var catalogFS embed.FS

// Languages of the interface; the first is the default.
var languages = []string{"fr", "en"}

var langMatcher = language.NewMatcher([]language.Tag{language.French, language.English})

// langCookie remembers the language chosen with ?lang=.
const langCookie = "lang"

// catalog is one language's messages.
type catalog struct {
	lang     string
	messages map[string]string
}

// loadCatalogs reads every language's catalog and checks that they have the
// same keys, so that a missing translation fails at start (and in tests),
// not in front of a user.
func loadCatalogs() (map[string]*catalog, error) {
	out := map[string]*catalog{}
	for _, lang := range languages {
		raw, err := catalogFS.ReadFile("i18n/" + lang + ".json")
		if err != nil {
			return nil, err
		}
		c := &catalog{lang: lang}
		if err := json.Unmarshal(raw, &c.messages); err != nil {
			return nil, fmt.Errorf("i18n/%s.json: %w", lang, err)
		}
		out[lang] = c
	}
	ref := out[languages[0]]
	for _, lang := range languages[1:] {
		var missing []string
		for k := range ref.messages {
			if _, ok := out[lang].messages[k]; !ok {
				missing = append(missing, lang+":"+k)
			}
		}
		for k := range out[lang].messages {
			if _, ok := ref.messages[k]; !ok {
				missing = append(missing, ref.lang+":"+k)
			}
		}
		if len(missing) > 0 {
			sort.Strings(missing)
			return nil, fmt.Errorf("i18n: keys missing from a catalog: %s", strings.Join(missing, ", "))
		}
	}
	return out, nil
}

// T returns the message for key; a missing key shows as itself, so that it is
// visible rather than blank.
func (c *catalog) T(key string) string {
	if m, ok := c.messages[key]; ok {
		return m
	}
	return key
}

// Has reports whether the catalog has a message for key.
func (c *catalog) Has(key string) bool {
	_, ok := c.messages[key]
	return ok
}

// Tf formats the message for key with args: {0}, {1}… are replaced by the
// arguments, so that translations may reorder them. Numbers are printed
// plainly (years); format counts with Int first. In French a name after
// "de" or "à" is joined to it as French writes it ("d'Épinal", "du Havre"):
// pass an actor's name as actorName(…) so that its kind and official
// liaison are known; a plain string is joined by its spelling.
func (c *catalog) Tf(key string, args ...any) string {
	m := c.T(key)
	for i, a := range args {
		ph := "{" + strconv.Itoa(i) + "}"
		if c.lang == "fr" {
			switch n := a.(type) {
			case frName:
				m = frenchJoin(m, ph, n)
				continue
			case string:
				m = frenchJoin(m, ph, plainName(n))
				continue
			}
		}
		m = strings.ReplaceAll(m, ph, fmt.Sprint(a))
	}
	return m
}

// Tn formats the singular or plural message for the count n (key.one or
// key.other; French counts 0 and 1 as singular), or key.zero for none when
// the catalog words it apart: {0} is n, {1}… the args.
func (c *catalog) Tn(key string, n int, args ...any) string {
	if n == 0 && c.Has(key+".zero") { // "Aucun acteur connu ne l'utilise", not "0 acteur l'utilise"
		return c.Tf(key+".zero", append([]any{c.Int(n)}, args...)...)
	}
	form := ".other"
	if n == 1 || (n == 0 && c.lang == "fr") {
		form = ".one"
	}
	return c.Tf(key+form, append([]any{c.Int(n)}, args...)...)
}

// Prefixed returns the messages whose key starts with prefix (for the scripts), keys unchanged.
func (c *catalog) Prefixed(prefix string) map[string]string {
	out := map[string]string{}
	for k, v := range c.messages {
		if strings.HasPrefix(k, prefix) {
			out[k] = v
		}
	}
	return out
}

// Int formats n with the language's thousands separator (French: a narrow
// no-break space, as Intl.NumberFormat does).
func (c *catalog) Int(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := ","
	if c.lang == "fr" {
		sep = "\u202f"
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Coord formats a longitude or latitude to five decimals at most (about a
// metre), with the language's decimal mark: "48,17" in French.
func (c *catalog) Coord(f float64) string {
	s := strconv.FormatFloat(math.Round(f*1e5)/1e5, 'f', -1, 64)
	if c.lang == "fr" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Took says how long a run took, from Go's duration text ("12ms",
// "1m3.2s"), as people write it: "12 ms", "3,2 s", "1 min 3 s" (a
// no-break space before the unit; a decimal comma in French).
func (c *catalog) Took(s string) string {
	d, err := time.ParseDuration(s)
	if err != nil {
		return s
	}
	switch {
	case d < time.Second:
		return strconv.Itoa(int(d.Milliseconds())) + "\u00a0ms"
	case d < time.Minute:
		v := strconv.FormatFloat(math.Round(d.Seconds()*10)/10, 'f', -1, 64)
		if c.lang == "fr" {
			v = strings.Replace(v, ".", ",", 1)
		}
		return v + "\u00a0s"
	}
	d = d.Round(time.Second)
	return strconv.Itoa(int(d/time.Minute)) + "\u00a0min " + strconv.Itoa(int(d%time.Minute/time.Second)) + "\u00a0s"
}

// Km formats a distance in metres as kilometres with one decimal ("12,3 km").
func (c *catalog) Km(meters float64) string {
	km := meters / 1000
	var s string
	if km >= 100 {
		s = c.Int(int(km + 0.5))
	} else {
		s = strconv.FormatFloat(km, 'f', 1, 64)
		if c.lang == "fr" {
			s = strings.Replace(s, ".", ",", 1)
		}
	}
	return s + "\u00a0km"
}

// Date formats a date in the language's long form ("23 novembre 2026").
func (c *catalog) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	month := c.T("month." + strconv.Itoa(int(t.Month())))
	if c.lang == "en" {
		return fmt.Sprintf("%s %d, %d", month, t.Day(), t.Year())
	}
	return fmt.Sprintf("%s %s %d", frenchDay(t.Day()), month, t.Year())
}

// frenchDay writes the day of a French date: "1er" for the first, as French
// writes it ("1er décembre 2026"), else the number.
func frenchDay(d int) string {
	if d == 1 {
		return "1er"
	}
	return strconv.Itoa(d)
}

// paris is the time zone dates are shown in (UTC when the system has no
// time zone database).
var paris = func() *time.Location {
	if l, err := time.LoadLocation("Europe/Paris"); err == nil {
		return l
	}
	return time.UTC
}()

// DateTime formats a moment as a date and a time of day in Paris ("23
// novembre 2026 à 14:05").
func (c *catalog) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	t = t.In(paris)
	return c.Tf("datetime", c.Date(t), t.Format("15:04"))
}

// requestLang chooses the language of a page: ?lang= first (and then a
// cookie remembers it), then the cookie, then Accept-Language, then French.
// remember reports whether the cookie should be (re)set.
func requestLang(r *http.Request) (lang string, remember bool) {
	if l := r.URL.Query().Get("lang"); isLang(l) {
		c, err := r.Cookie(langCookie)
		return l, err != nil || c.Value != l
	}
	if c, err := r.Cookie(langCookie); err == nil && isLang(c.Value) {
		return c.Value, false
	}
	return acceptLang(r.Header.Get("Accept-Language")), false
}

// acceptLang matches an Accept-Language header against the languages.
func acceptLang(header string) string {
	if header == "" {
		return languages[0]
	}
	tags, _, err := language.ParseAcceptLanguage(header)
	if err != nil || len(tags) == 0 {
		return languages[0]
	}
	_, i, conf := langMatcher.Match(tags...)
	if conf == language.No {
		return languages[0]
	}
	return languages[i]
}

func isLang(l string) bool {
	for _, x := range languages {
		if l == x {
			return true
		}
	}
	return false
}
