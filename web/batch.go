package web

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// Batch imports of adoptions, through the API (the file as the body) and a
// moderator page (upload or paste, preview with each row's match and
// errors, then submit); batches are approved or rejected as a whole there
// and through the API, single rows in the queue (?lot=).

// maxBatchBody bounds a batch file: 5,000 rows of a few hundred bytes.
const maxBatchBody = 4 << 20

var (
	keyBatchTooLarge = directory.NewKey("batch.too_large", "must be at most 4 MiB: split the file")
	keyBatchUnread   = directory.NewKey("batch.unread", "could not be read: {err}")
)

func (s *Server) registerBatchRoutes() {
	s.engine.POST("/api/imports/adoptions", s.handleBatchCreate)
	s.engine.POST("/api/imports/:id/approve", userAPI(s, "id", s.handleBatchDecide(true)))
	s.engine.POST("/api/imports/:id/reject", userAPI(s, "id", s.handleBatchDecide(false)))
}

// batchErrorBody is an error answer with the report that says which rows to fix.
type batchErrorBody struct {
	errorBody
	Report *directory.BatchReport `json:"report,omitempty"`
}

// handleBatchCreate imports a batch sent as the body (text/csv, or GeoJSON):
// ?dry_run=true only reports; ?file= names it. 201 when stored, 200 for a
// dry run, 400 with the report when a row must be fixed.
func (s *Server) handleBatchCreate(c *gin.Context) {
	u := s.requireUser(c)
	if u == nil {
		return
	}
	p := parseParams(c.Request.URL.RawQuery, []string{"dry_run", "file"})
	dry := p.boolean("dry_run")
	name := p.str("file")
	if err := p.err(); err != nil {
		s.writeError(c, err)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBatchBody))
	var maxErr *http.MaxBytesError
	if errors.As(err, &maxErr) {
		s.writeError(c, withStatus(http.StatusRequestEntityTooLarge, directory.FieldError("body", keyBatchTooLarge, nil)))
		return
	} else if err != nil {
		s.writeError(c, directory.FieldError("body", keyBatchUnread, directory.Args{"err": err.Error()}))
		return
	}
	rep, err := s.dir.ImportAdoptions(c.Request.Context(), u, strings.NewReader(string(body)),
		directory.BatchOptions{FileName: name, DryRun: dry != nil && *dry})
	c.Header("Cache-Control", "no-store")
	if err != nil {
		code := directory.ErrorCode(err)
		if rep == nil || code == directory.EINTERNAL {
			s.writeError(c, err)
			return
		}
		// The refusal says which rows to fix: its report goes with it.
		c.JSON(errorStatus(code), batchErrorBody{errorBody: *newErrorBody(err), Report: rep})
		return
	}
	status := http.StatusCreated
	if rep.DryRun {
		status = http.StatusOK
	}
	c.JSON(status, rep)
}

// batchDecisionBody is the optional reason of a batch decision.
type batchDecisionBody struct {
	Reason string `json:"reason"`
}

func (batchDecisionBody) optionalBody() {}

func (s *Server) handleBatchDecide(approve bool) func(*apiRequest, *batchDecisionBody) (reply, error) {
	return func(r *apiRequest, b *batchDecisionBody) (reply, error) {
		n, err := s.dir.DecideBatch(r.ctx, r.user, r.id, approve, b.Reason)
		if err != nil {
			return reply{}, err
		}
		return ok(gin.H{"id": r.id, "decided": n, "approved": approve}), nil
	}
}

// Pages.

func (p *pages) registerBatchPageRoutes() {
	p.s.get("/moderation/imports/adoptions", p.handleBatchForm)
	p.s.engine.POST("/moderation/imports/adoptions", p.handleBatchPost)
	p.s.engine.POST("/moderation/imports/:id/decision", p.handleBatchDecisionPost)
}

// batchPageData is the batch form's page: the form, and after a preview
// the report and the content to submit.
type batchPageData struct {
	Counts  queueCounts
	Content string
	File    string
	Report  *directory.BatchReport
	Error   string
}

func (p *pages) handleBatchForm(c *gin.Context) {
	cat := p.lang(c, true)
	u := p.moderatorPage(c, cat)
	if u == nil {
		return
	}
	p.renderBatch(c, cat, u, &batchPageData{}, http.StatusOK)
}

func (p *pages) renderBatch(c *gin.Context, cat *catalog, u *directory.User, d *batchPageData, status int) {
	p.renderModeration(c, cat, u, status, "batch", cat.T("batch.title"), "", &d.Counts, d)
}

// handleBatchPost previews an uploaded or pasted batch, or stores it.
func (p *pages) handleBatchPost(c *gin.Context) {
	cat := p.lang(c, false)
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBatchBody+64<<10)
	ct := c.GetHeader("Content-Type")
	var err error
	if strings.HasPrefix(ct, "multipart/form-data") {
		err = c.Request.ParseMultipartForm(1 << 20)
	} else {
		err = c.Request.ParseForm()
	}
	if err != nil {
		p.s.writeError(c, withStatus(http.StatusRequestEntityTooLarge, directory.FieldError("fichier", keyBatchTooLarge, nil)))
		return
	}
	u := p.pageUser(c)
	if u == nil {
		return
	}
	if !u.IsModerator() {
		p.renderForbidden(c, cat)
		return
	}
	d := &batchPageData{Content: c.Request.PostForm.Get("contenu"), File: postValue(c, "fichier_nom")}
	if fh, err := c.FormFile("fichier"); err == nil && fh.Size > 0 {
		f, err := fh.Open()
		if err == nil {
			b, rerr := io.ReadAll(io.LimitReader(f, maxBatchBody))
			f.Close()
			if rerr == nil {
				d.Content, d.File = string(b), fh.Filename
			}
		}
	}
	if strings.TrimSpace(d.Content) == "" {
		d.Error = cat.T("batch.empty")
		p.renderBatch(c, cat, u, d, http.StatusBadRequest)
		return
	}
	submit := postValue(c, "action") == "submit"
	rep, err := p.s.dir.ImportAdoptions(c.Request.Context(), u, strings.NewReader(d.Content),
		directory.BatchOptions{FileName: d.File, DryRun: !submit})
	d.Report = rep
	if err != nil {
		if directory.ErrorCode(err) == directory.EINTERNAL {
			p.s.writeError(c, err)
			return
		}
		d.Error = errorText(cat, err)
		p.renderBatch(c, cat, u, d, errorStatus(directory.ErrorCode(err)))
		return
	}
	if submit {
		redirectTo(c, "/moderation/imports/"+itoa(rep.RunID), "", "fait", "batchStored", "n", itoa(rep.RunID))
		return
	}
	p.renderBatch(c, cat, u, d, http.StatusOK)
}

// handleBatchDecisionPost approves or rejects a batch from its page.
func (p *pages) handleBatchDecisionPost(c *gin.Context) {
	cat, u, id := p.beginID(c, true)
	if u == nil {
		return
	}
	approve := postValue(c, "decision") == "approve"
	if _, err := p.s.dir.DecideBatch(c.Request.Context(), u, id, approve, postValue(c, "reason")); err != nil {
		if code := directory.ErrorCode(err); code == directory.EINTERNAL || code == directory.ENOTFOUND {
			p.s.writeError(c, err)
			return
		}
		p.renderImportRun(c, cat, u, id, errorText(cat, err), errorStatus(directory.ErrorCode(err)))
		return
	}
	key := "batchRejected"
	if approve {
		key = "batchApproved"
	}
	redirectTo(c, "/moderation/imports/"+itoa(id), "", "fait", key, "n", itoa(id))
}
