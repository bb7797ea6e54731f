package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// What the proposal and history templates show: a proposal as a card with
// its field-level diff (value it was made against → proposed value, and the
// current value when it has changed since), a record's versions with what
// each changed.

// proposalView is a proposal for the templates.
type proposalView struct {
	P         *directory.Proposal
	Title     string // what it does, e.g. "Correction d'un acteur"
	Target    string // the record's name
	TargetURL string // its page, "" when there is none (yet)
	// Back names the page TargetURL opens, as French joins it to « Retour
	// à » (an adoption's is its actor's page).
	Back       frName
	Rows       []diffRow
	Conflicts  bool
	Move       *pointMove // a place proposal's old and new point
	Mine       bool       // the viewer wrote it
	Error      string     // why the last action on it failed
	Reason     string     // the reason typed before that failure
	AuthorName string
	// ShowCurrent: some field has changed since the proposal was made, so
	// the diff shows the current value too. Creation: there is no "before".
	ShowCurrent bool
	Creation    bool
}

// diffRow is one field of a diff.
type diffRow struct {
	Field    string
	Label    string
	Old      string
	New      string
	Current  string
	Changed  bool // the current value is neither the old nor the new one
	Conflict bool // and the proposal cannot be applied without choosing
}

// pointMove is where a place proposal moves an actor from and to.
type pointMove struct {
	HasOld                         bool
	OldLon, OldLat, NewLon, NewLat float64
}

// recordNames resolves the names of actors and tools for proposal titles,
// loading the tools once per page.
type recordNames struct {
	ctx   context.Context
	dir   *directory.Directory
	tools map[string]string
}

func (n *recordNames) tool(slug string) string {
	if n.tools == nil {
		n.tools = map[string]string{}
		if ts, err := n.dir.FindTools(n.ctx, directory.ToolFilter{}); err == nil {
			for _, t := range ts {
				n.tools[t.Slug] = t.Name
			}
		}
	}
	if name, ok := n.tools[slug]; ok {
		return name
	}
	return slug
}

func (n *recordNames) actor(id string) (string, bool) {
	name, _, alive := n.actorRef(id)
	return name, alive
}

// actorRef is actor's name, and that name as French joins it.
func (n *recordNames) actorRef(id string) (string, frName, bool) {
	refs := n.dir.FindActorRefs(n.ctx, []string{id})
	if len(refs) == 0 {
		return id, plainName(id), false
	}
	return refs[0].Name, actorNameOfID(refs[0].Kind, refs[0].ID, refs[0].Name), true
}

func rawString(raw []byte) string {
	var s string
	json.Unmarshal(raw, &s)
	return s
}

// newProposalView prepares a proposal for display to viewer.
func newProposalView(cat *catalog, names *recordNames, pr *directory.Proposal, viewer *directory.User) proposalView {
	v := proposalView{P: pr, Title: cat.T("ptitle." + pr.TargetType + "." + pr.Action), Mine: viewer != nil && viewer.ID == pr.Author.ID,
		Conflicts: len(pr.Conflicts) > 0, AuthorName: pr.Author.Name}
	newStr := func(field string) string {
		if ch, ok := pr.Changes[field]; ok {
			return rawString(ch.New)
		}
		return ""
	}
	switch pr.TargetType {
	case directory.TypeActor:
		v.Target = pr.TargetName
		if v.Target == "" {
			v.Target = newStr("name")
		}
		if _, back, alive := names.actorRef(pr.TargetID); alive {
			v.TargetURL = "/acteurs/" + url.PathEscape(pr.TargetID)
			v.Back = back
		}
	case directory.TypeTool:
		v.Target = pr.TargetName
		if v.Target == "" {
			v.Target = newStr("name")
		}
		if pr.CurrentVersion > 0 {
			v.TargetURL = "/outils/" + url.PathEscape(pr.TargetID)
			v.Back = plainName(v.Target)
		}
	case directory.TypeAdoption:
		actor, tool, _ := strings.Cut(pr.TargetName, " × ")
		if actor == "" {
			actor, tool = newStr("actor"), newStr("tool")
		}
		actorName, back, alive := names.actorRef(actor)
		v.Target = actorName + " × " + names.tool(tool)
		if alive {
			v.TargetURL = "/acteurs/" + url.PathEscape(actor) + "#outils"
			v.Back = back
		}
	}
	if v.Target == "" {
		v.Target = pr.TargetID
	}
	fields := make([]string, 0, len(pr.Changes))
	for k := range pr.Changes {
		fields = append(fields, k)
	}
	sortFields(fields)
	for _, k := range fields {
		ch := pr.Changes[k]
		row := diffRow{Field: k, Label: cat.T("field." + k), Old: displayValue(cat, k, ch.Old), New: displayValue(cat, k, ch.New),
			Current: displayValue(cat, k, ch.Current)}
		if pr.Action != directory.ActionCreate && pr.Status == directory.ProposalPending && len(ch.Current) > 0 {
			row.Changed = row.Current != row.Old && row.Current != row.New
		}
		_, row.Conflict = pr.Conflicts[k]
		v.ShowCurrent = v.ShowCurrent || row.Changed || row.Conflict
		v.Rows = append(v.Rows, row)
	}
	v.Creation = pr.Action == directory.ActionCreate
	if lon, ok := pr.Changes["lon"]; ok {
		if lat, ok := pr.Changes["lat"]; ok {
			m := &pointMove{}
			var ok1, ok2 bool
			m.NewLon, ok1 = number(lon.New)
			m.NewLat, ok2 = number(lat.New)
			if ok1 && ok2 {
				ol, ok3 := number(lon.Old)
				oa, ok4 := number(lat.Old)
				if ok3 && ok4 {
					m.HasOld, m.OldLon, m.OldLat = true, ol, oa
				}
				v.Move = m
			}
		}
	}
	return v
}

func number(raw []byte) (float64, bool) {
	s := strings.TrimSpace(string(raw))
	if s == "" || s == "null" {
		return 0, false
	}
	return parseFinite(s)
}

// FateKey names how a proposal ended, for the catalog ("fate.approved.moderator"…).
func (v proposalView) FateKey() string {
	switch v.P.Status {
	case directory.ProposalApproved:
		if v.P.ApprovedBy != "" {
			return "fate.approved." + v.P.ApprovedBy
		}
	}
	return "fate." + v.P.Status
}

// versionView is one version of a record's history.
type versionView struct {
	directory.Version
	Rows    []diffRow
	Latest  bool
	Error   string // why reverting to it failed
	Opening bool   // its revert form is open (after an error)
}

// historyView is a record's history for the templates.
type historyView struct {
	Type      string
	ID        string
	Versions  []versionView
	Total     int
	CanRevert bool
	Return    string
}

// maxHistory is how many versions a page shows.
const maxHistory = 30

// history loads a record's versions for a page; revert errors come back in
// the query (?revert_error=&v=) after the post redirected.
func (p *pages) history(c *gin.Context, cat *catalog, typ, id string) (*historyView, error) {
	versions, err := p.s.dir.FindHistory(c.Request.Context(), typ, id)
	if err != nil {
		return nil, err
	}
	u := currentUser(c)
	h := &historyView{Type: typ, ID: id, Total: len(versions), CanRevert: u.IsModerator(), Return: c.Request.URL.Path}
	errKey, errVersion := c.Query("revert_error"), c.Query("v")
	for i, ver := range versions {
		if i >= maxHistory {
			break
		}
		vv := versionView{Version: ver, Latest: i == 0}
		fields := make([]string, 0, len(ver.Changes))
		for k := range ver.Changes {
			fields = append(fields, k)
		}
		sortFields(fields)
		for _, k := range fields {
			if k == "verified_by" { // the version's author confirmed it
				continue
			}
			ch := ver.Changes[k]
			if k == "provenance" { // only the fields whose provenance changed
				ch.Old, ch.New = provenanceChanges(ch.Old, ch.New)
			}
			vv.Rows = append(vv.Rows, diffRow{Field: k, Label: cat.T("field." + k), Old: displayValue(cat, k, ch.Old), New: displayValue(cat, k, ch.New)})
		}
		if errKey != "" && errVersion == itoa(int64(ver.Version)) && cat.Has("revert.error."+errKey) {
			vv.Error, vv.Opening = cat.T("revert.error."+errKey), true
		}
		h.Versions = append(h.Versions, vv)
	}
	return h, nil
}

// handleRevertPost restores a record to one of its versions (moderators),
// then goes back to the page the history is on.
func (p *pages) handleRevertPost(c *gin.Context) {
	cat, u := p.begin(c, false)
	if u == nil {
		return
	}
	typ, id := postValue(c, "type"), postValue(c, "id")
	back := localPath(postValue(c, "retour"))
	if back == "" {
		back = recordPage(typ, id)
	}
	version, _ := parseInt(postValue(c, "version"))
	if !u.IsModerator() {
		p.renderForbidden(c, cat)
		return
	}
	nv, err := p.s.dir.Revert(c.Request.Context(), u, typ, id, version, postValue(c, "reason"))
	if err != nil {
		key, problems := "other", directory.ErrorProblems(err)
		switch {
		case problems["reason"].Key != "":
			key = "reason"
			if problems["reason"].Key != directory.KeyReasonRequired.Name() {
				key = "reasonLong"
			}
		case problems["version"].Key != "":
			key = "version"
		case directory.ErrorCode(err) == directory.ECONFLICT:
			key = "conflict"
		case directory.ErrorCode(err) == directory.ENOTFOUND:
			p.s.writeError(c, err)
			return
		case directory.ErrorCode(err) == directory.EINTERNAL:
			p.s.writeError(c, err)
			return
		}
		redirectTo(c, back, "#version-"+itoa(int64(version)), "revert_error", key, "v", itoa(int64(version)))
		return
	}
	redirectTo(c, back, "#historique", "fait", "reverted", "n", itoa(int64(nv)))
}

// recordPage is the page that shows a record's history.
func recordPage(typ, id string) string {
	switch typ {
	case directory.TypeTool:
		return "/outils/" + url.PathEscape(id)
	case directory.TypeAdoption:
		return "/" // its forms always say where to return
	}
	return "/acteurs/" + url.PathEscape(id)
}

// redirectTo sends the browser (303 See Other) to a local path with query
// parameters added and an optional fragment.
func redirectTo(c *gin.Context, path, fragment string, kv ...string) {
	u, err := url.Parse(path)
	if err != nil || localPath(path) == "" {
		u = &url.URL{Path: "/"}
	}
	q := u.Query()
	for _, k := range []string{"fait", "n", "revert_error", "v"} {
		q.Del(k)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u.RawQuery = q.Encode()
	u.Fragment = ""
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, u.RequestURI()+fragment)
}

// pageUser returns the logged-in user. For a visitor it redirects to the
// login page, which comes back here (to the form's page after a post) and
// returns nil.
func (p *pages) pageUser(c *gin.Context) *directory.User {
	if u := currentUser(c); u != nil {
		return u
	}
	back := c.Request.URL.RequestURI()
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodHead {
		back = localPath(c.Request.PostForm.Get("retour"))
		if back == "" {
			back = "/"
		}
	}
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusSeeOther, "/connexion?retour="+url.QueryEscape(back))
	c.Abort()
	return nil
}

// renderForbidden answers 403 with a page saying the screen is for moderators.
func (p *pages) renderForbidden(c *gin.Context, cat *catalog) {
	p.s.writeError(c, directory.NewError(directory.EFORBIDDEN, keyModeratorPage, nil))
}

// keyModeratorPage refuses a moderation page to someone who is not a moderator.
var keyModeratorPage = directory.NewKey("moderation.page", "this page is for moderators")

// moderatorPage returns the user if they are a moderator: a visitor is sent
// to log in, anyone else gets a 403 page.
func (p *pages) moderatorPage(c *gin.Context, cat *catalog) *directory.User {
	u := p.pageUser(c)
	if u == nil {
		return nil
	}
	if !u.IsModerator() {
		p.renderForbidden(c, cat)
		return nil
	}
	return u
}

func parseInt(s string) (int, bool) {
	n := 0
	if s == "" || len(s) > 9 {
		return 0, false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, true
}

// isOfficial reports whether an actor's kind comes from the official list.
func isOfficial(kind string) bool { return directory.IsAdministrative(kind) }

// nonOfficialKinds are the kinds contributors may create.
func nonOfficialKinds() []string {
	return slices.DeleteFunc(slices.Clone(directory.Kinds), directory.IsAdministrative)
}
