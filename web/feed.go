package web

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

func (s *Server) registerFeedRoutes() {
	s.get("/feeds/changes.atom", s.handleChangesFeed)
	s.get("/feeds/queue.atom", s.handleQueueFeed)
}

// Atom (RFC 4287) documents.
type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Rights  string      `xml:"rights,omitempty"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
	Type string `xml:"type,attr,omitempty"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomEntry struct {
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Author  *atomPerson `xml:"author,omitempty"`
	Links   []atomLink  `xml:"link"`
	Summary atomText    `xml:"summary"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

var actionLabels = map[string]string{
	"create": "création", "update": "modification", "delete": "suppression", "place": "localisation",
	"revert": "retour à une version antérieure", "import": "import",
	"sync": "synchronisation avec une source officielle", "confirm": "confirmé toujours d'actualité",
}

// recordURL is the page of a record (the API item until pages exist for it).
func recordURL(base, typ, id string, data map[string]json.RawMessage) string {
	switch typ {
	case directory.TypeTool:
		return base + "/outils/" + id
	case directory.TypeAdoption:
		var actor string
		json.Unmarshal(data["actor"], &actor)
		return base + "/acteurs/" + actor
	}
	return base + "/acteurs/" + id
}

// describeChanges renders a field diff as plain text, one field a line.
func describeChanges(changes map[string]directory.FieldChange) string {
	keys := make([]string, 0, len(changes))
	for k := range changes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&b, "%s : %s → %s\n", k, plainValue(changes[k].Old), plainValue(changes[k].New))
	}
	return b.String()
}

func plainValue(v json.RawMessage) string {
	var x any
	if json.Unmarshal(v, &x) != nil || x == nil {
		return "(vide)"
	}
	switch t := x.(type) {
	case string:
		if t == "" {
			return "(vide)"
		}
		return "« " + t + " »"
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = fmt.Sprint(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprint(x)
}

func recordName(v directory.Version) string {
	var name string
	json.Unmarshal(v.Data["name"], &name)
	if v.RecordType == directory.TypeAdoption {
		var actor, tool string
		json.Unmarshal(v.Data["actor"], &actor)
		json.Unmarshal(v.Data["tool"], &tool)
		return actor + " × " + tool
	}
	if name == "" {
		return v.RecordID
	}
	return name
}

func (s *Server) writeAtom(c *gin.Context, f atomFeed) {
	b, err := xml.MarshalIndent(f, "", "  ")
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Data(http.StatusOK, "application/atom+xml; charset=utf-8", append([]byte(xml.Header), b...))
}

// handleChangesFeed is the Atom feed of applied changes, for all of France
// or one département, région or tool.
func (s *Server) handleChangesFeed(c *gin.Context) {
	p := parseParams(c.Request.URL.RawQuery, []string{"department", "departement", "region", "tool", "limit"})
	f := directory.ChangeFilter{Departement: p.str("department") + p.str("departement"), Region: p.str("region"),
		Tool: p.str("tool"), Limit: p.integer("limit", 50, 1, 500, false)}
	if err := p.err(); err != nil {
		s.writeError(c, err)
		return
	}
	changes, err := s.dir.FindChanges(c.Request.Context(), f)
	if err != nil {
		s.writeError(c, err)
		return
	}
	base := s.baseURL(c.Request)
	title := "voisinage : modifications appliquées"
	switch {
	case f.Departement != "":
		title += " — département " + s.dir.PlaceName(directory.KindDepartement, f.Departement)
	case f.Region != "":
		title += " — région " + s.dir.PlaceName(directory.KindRegion, f.Region)
	case f.Tool != "":
		title += " — outil " + f.Tool
	}
	feed := atomFeed{
		ID:     base + c.Request.URL.RequestURI(),
		Title:  title,
		Author: atomPerson{Name: "voisinage"},
		Rights: "Licence Ouverte 2.0 (Etalab)",
		Links: []atomLink{{Href: base + c.Request.URL.RequestURI(), Rel: "self", Type: "application/atom+xml"},
			{Href: base + "/", Rel: "alternate", Type: "text/html"}},
		Updated: time.Unix(0, 0).UTC().Format(time.RFC3339),
	}
	for i, v := range changes {
		if i == 0 {
			feed.Updated = v.CreatedAt.UTC().Format(time.RFC3339)
		}
		e := atomEntry{
			ID:      fmt.Sprintf("%s/api/%ss/%s/history#v%d", base, v.RecordType, v.RecordID, v.Version),
			Title:   fmt.Sprintf("%s : %s (version %d)", recordName(v), actionLabels[v.Action], v.Version),
			Updated: v.CreatedAt.UTC().Format(time.RFC3339),
			Links:   []atomLink{{Href: recordURL(base, v.RecordType, v.RecordID, v.Data), Rel: "alternate", Type: "text/html"}},
			Summary: atomText{Type: "text", Body: strings.TrimSpace(describeChanges(v.Changes) + "\n" + v.Reason)},
		}
		if v.Author != nil {
			e.Author = &atomPerson{Name: v.Author.Name}
		}
		feed.Entries = append(feed.Entries, e)
	}
	c.Header("Cache-Control", "public, max-age=60")
	s.writeAtom(c, feed)
}

var (
	keyFeedToken      = directory.NewKey("feed.token", "the queue feed needs a moderator's API token: add ?token=…")
	keyFeedModerators = directory.NewKey("feed.moderators", "the queue feed is for moderators")
)

// handleQueueFeed is the Atom feed of the pending queue, for moderators. Feed
// readers cannot log in, so it also takes an API token as ?token=.
func (s *Server) handleQueueFeed(c *gin.Context) {
	p := parseParams(c.Request.URL.RawQuery, []string{"token", "department", "departement", "region"})
	if err := p.err(); err != nil {
		s.writeError(c, err)
		return
	}
	u := currentUser(c)
	if tok := p.str("token"); u == nil && tok != "" {
		u, _ = s.dir.FindUserByAPIToken(c.Request.Context(), tok)
	}
	if u == nil {
		s.writeError(c, directory.NewError(directory.EUNAUTHORIZED, keyFeedToken, nil))
		return
	}
	if !u.IsModerator() {
		s.writeError(c, directory.NewError(directory.EFORBIDDEN, keyFeedModerators, nil))
		return
	}
	list, _, err := s.dir.FindProposals(c.Request.Context(), u, directory.ProposalFilter{
		Statuses: []string{directory.ProposalPending}, Departement: p.str("department") + p.str("departement"),
		Region: p.str("region"), NewestFirst: true, Limit: 100})
	if err != nil {
		s.writeError(c, err)
		return
	}
	base := s.baseURL(c.Request)
	self := base + "/feeds/queue.atom"
	feed := atomFeed{ID: self, Title: "voisinage : propositions en attente", Author: atomPerson{Name: "voisinage"},
		Links:   []atomLink{{Href: self, Rel: "self", Type: "application/atom+xml"}},
		Updated: time.Unix(0, 0).UTC().Format(time.RFC3339)}
	for i, pr := range list {
		if i == 0 {
			feed.Updated = pr.UpdatedAt.UTC().Format(time.RFC3339)
		}
		changes := map[string]directory.FieldChange{}
		for k, v := range pr.Changes {
			changes[k] = v
		}
		name := pr.TargetName
		if name == "" {
			name = pr.TargetID
		}
		summary := describeChanges(changes)
		if len(pr.Conflicts) > 0 {
			keys := make([]string, 0, len(pr.Conflicts))
			for k := range pr.Conflicts {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			summary += "\nconflits : " + strings.Join(keys, ", ")
		}
		feed.Entries = append(feed.Entries, atomEntry{
			ID:      fmt.Sprintf("%s/api/proposals/%d", base, pr.ID),
			Title:   fmt.Sprintf("%s : %s proposée par %s", name, actionLabels[pr.Action], pr.Author.Name),
			Updated: pr.UpdatedAt.UTC().Format(time.RFC3339),
			Author:  &atomPerson{Name: pr.Author.Name},
			Links:   []atomLink{{Href: fmt.Sprintf("%s/api/proposals/%d", base, pr.ID), Rel: "alternate", Type: "application/json"}},
			Summary: atomText{Type: "text", Body: strings.TrimSpace(summary + "\n" + pr.Comment)},
		})
	}
	c.Header("Cache-Control", "private, no-store")
	s.writeAtom(c, feed)
}
