package web

import (
	"cmp"
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// Import runs: each run of the DILA sync (from the command line) and each
// batch of adoptions keeps its report; moderators read them here, as JSON
// and as pages.

func (s *Server) registerImportRoutes() {
	s.get("/api/imports", userAPI(s, "", s.handleImportIndex))
	s.get("/api/imports/:id", userAPI(s, "id", s.handleImportView))
}

// importJSON is a run as the API gives it.
type importJSON struct {
	ID        int64              `json:"id"`
	Kind      string             `json:"kind"`
	Author    *directory.UserRef `json:"author,omitempty"`
	File      string             `json:"file"`
	FileDate  string             `json:"file_date,omitempty"`
	SourceURL string             `json:"source_url,omitempty"`
	Status    string             `json:"status"`
	CreatedAt string             `json:"created_at"`
	Report    json.RawMessage    `json:"report,omitempty"`
}

func toImportJSON(r *directory.ImportRun, withReport bool) importJSON {
	out := importJSON{ID: r.ID, Kind: r.Kind, Author: r.Author, File: r.FileName, FileDate: r.FileDate,
		SourceURL: r.SourceURL, Status: r.Status, CreatedAt: r.CreatedAt.UTC().Format(time.RFC3339)}
	if withReport {
		out.Report = r.Report
	}
	return out
}

func (s *Server) handleImportIndex(r *apiRequest, _ *noBody) (reply, error) {
	p := r.query([]string{"kind", "limit"})
	kind := p.oneOf("kind", "", "", directory.ImportDILA, directory.ImportAdoptions)
	limit := p.integer("limit", 50, 1, 500, false)
	if err := p.err(); err != nil {
		return reply{}, err
	}
	runs, err := s.dir.FindImportRuns(r.ctx, r.user, kind, limit)
	if err != nil {
		return reply{}, err
	}
	out := make([]importJSON, len(runs))
	for i, run := range runs {
		out[i] = toImportJSON(run, false)
	}
	return ok(gin.H{"imports": out, "numberReturned": len(out)}), nil
}

func (s *Server) handleImportView(r *apiRequest, _ *noBody) (reply, error) {
	run, err := s.dir.FindImportRun(r.ctx, r.user, r.id)
	if err != nil {
		return reply{}, err
	}
	return ok(toImportJSON(run, true)), nil
}

// importsData is the imports page's: the list of runs, or one run.
type importsData struct {
	Counts queueCounts
	// Changes and Redated are a DILA run's changes per field: the values
	// it changed, and the fields whose value stayed but whose source or
	// date moved on (a newer record says the same).
	Changes, Redated []fieldCount
	Runs             []*directory.ImportRun
	Run              *directory.ImportRun
	DILA             *directory.DILAReport
	Batch            *directory.BatchReport
	Error            string
	Return           string
	status           int
}

func (p *pages) registerImportPageRoutes() {
	p.s.get("/moderation/imports", p.handleImportsPage)
	p.s.get("/moderation/imports/:id", p.handleImportPage)
}

func (p *pages) importsPage(c *gin.Context, cat *catalog, u *directory.User, d *importsData, title string) {
	p.renderModeration(c, cat, u, cmp.Or(d.status, http.StatusOK), "imports", title, "", &d.Counts, d)
}

func (p *pages) handleImportsPage(c *gin.Context) {
	cat := p.lang(c, true)
	u := p.moderatorPage(c, cat)
	if u == nil {
		return
	}
	runs, err := p.s.dir.FindImportRuns(c.Request.Context(), u, "", 100)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	p.importsPage(c, cat, u, &importsData{Runs: runs}, cat.T("imports.title"))
}

func (p *pages) handleImportPage(c *gin.Context) {
	cat := p.lang(c, true)
	u := p.moderatorPage(c, cat)
	if u == nil {
		return
	}
	id, err := directory.ParseID("id", c.Param("id"))
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	p.renderImportRun(c, cat, u, id, "", http.StatusOK)
}

// renderImportRun shows one run and its report, with an error when a
// decision on it failed.
func (p *pages) renderImportRun(c *gin.Context, cat *catalog, u *directory.User, id int64, failure string, status int) {
	r, err := p.s.dir.FindImportRun(c.Request.Context(), u, id)
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	d := &importsData{Run: r, Error: failure, Return: "/moderation/imports/" + itoa(id)}
	switch r.Kind {
	case directory.ImportDILA:
		d.DILA = &directory.DILAReport{}
		err = json.Unmarshal(r.Report, d.DILA)
		d.Changes, d.Redated = fieldCounts(cat, d.DILA.FieldsChanged)
	case directory.ImportAdoptions:
		d.Batch = &directory.BatchReport{}
		err = json.Unmarshal(r.Report, d.Batch)
	}
	if err != nil {
		p.s.writeError(c, err)
		return
	}
	d.status = status
	p.importsPage(c, cat, u, d, cat.Tf("imports.runTitle", r.ID))
}

// fieldCount is a number of changes of one field, labelled.
type fieldCount struct {
	Label string
	N     int
}

// fieldCounts splits a run's changes per field ("phone", "provenance.phone")
// into changed values and changed provenances, each in the order of the
// record's fields.
func fieldCounts(cat *catalog, changed map[string]int) (values, redated []fieldCount) {
	for _, f := range directory.ProvenanceFields {
		if n := changed[f]; n > 0 {
			values = append(values, fieldCount{cat.T("field." + f), n})
		}
		if n := changed["provenance."+f]; n > 0 {
			redated = append(redated, fieldCount{cat.T("field." + f), n})
		}
	}
	return values, redated
}
