package mcpserver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strings"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/voisinage/voisinage/directory"
)

// Version is the implementation version the server announces.
const Version = "1.0.0"

// BaseURLHeader carries, on a request the web layer hands to the HTTP
// handler, the public URL of the site that request reached; the web layer
// sets it (overwriting whatever a client sent) so that the page URLs in
// results point where the client came from.
const BaseURLHeader = "X-Voisinage-Base-Url"

// TokenEnv is the environment variable `voisinage mcp` reads the API token
// of propose_change from (stdio has no HTTP header to carry it).
const TokenEnv = "VOISINAGE_TOKEN"

// Config says how results link to the site and whom stdio acts for.
type Config struct {
	// BaseURL is the public URL of the site (e.g.
	// "https://voisinage.example.org"), for the page and API URLs in
	// results. Over HTTP, the URL the request reached is used when empty.
	BaseURL string
	// Token is the API token propose_change acts with over stdio. Over
	// HTTP, each request's "Authorization: Bearer" header is used instead.
	Token string
	// Logger receives the SDK's logs; nil discards them.
	Logger *slog.Logger
}

// server holds what the tool handlers share.
type server struct {
	dir *directory.Directory
	cfg Config
}

// instructions tell the assistant what the server is for, in French and English.
const instructions = `voisinage : annuaire géolocalisé et collaboratif des acteurs publics français (communes, intercommunalités, départements, régions, services de l'État, réseaux) et des outils numériques qu'ils utilisent. Pour « quelles communes près de X utilisent tel outil, et qui appeler ? » : find_peers (au plus près d'un acteur ou d'un point), puis get_actor pour les contacts. search_actors trouve un acteur par son nom, son code INSEE, son SIREN ou un code postal. Chaque réponse cite ses sources et dit à quelle date (as_of) le fait est connu ; un fait sans source reste inconnu, ne le devinez pas. propose_change soumet une correction à la modération avec le jeton API de son auteur.
voisinage: a geolocated, collaborative directory of French public actors (communes, intercommunalities, départements, regions, State services, networks) and the digital tools they use. For "which communes near X use this tool, and whom do I call?": find_peers (nearest to an actor or a point), then get_actor for contacts. search_actors finds an actor by name, INSEE code, SIREN or postal code. Every answer cites its sources and says as of when the fact is known; a fact without a source is unknown: do not guess it. propose_change submits a correction to moderation with its author's API token.`

// New returns the MCP server over dir: its tools and resources.
func New(dir *directory.Directory, cfg Config) *mcp.Server {
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	logger := cfg.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	srv := mcp.NewServer(&mcp.Implementation{
		Name:        "voisinage",
		Title:       "voisinage — acteurs publics et outils numériques / public actors and digital tools",
		Version:     Version,
		Description: "Annuaire des acteurs publics français et de leurs outils numériques. Directory of French public actors and their digital tools.",
	}, &mcp.ServerOptions{Instructions: instructions, Logger: logger})
	s := &server{dir: dir, cfg: cfg}
	s.addTools(srv)
	s.addResources(srv)
	return srv
}

// Handler returns srv's Streamable HTTP handler. It is stateless (each
// request stands alone, so nothing is kept between them and any instance
// of the server can answer) and answers in plain JSON rather than an event
// stream. Callers are authenticated per request by their bearer token, never
// by a cookie, so a page of another site can make a browser call it but
// cannot act for anyone: the SDK's localhost check, which would refuse
// requests that a reverse proxy forwards from 127.0.0.1, is left off.
func Handler(srv *mcp.Server, logger *slog.Logger) http.Handler {
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, &mcp.StreamableHTTPOptions{
		Stateless:                  true,
		JSONResponse:               true,
		DisableLocalhostProtection: true,
		Logger:                     logger,
		MaxRequestBodyBytes:        1 << 20,
	})
}

// baseURL returns the URL prefix of links in the answer to req.
func (s *server) baseURL(req *mcp.CallToolRequest) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	if req != nil && req.Extra != nil && req.Extra.Header != nil {
		if b := req.Extra.Header.Get(BaseURLHeader); b != "" {
			return strings.TrimRight(b, "/")
		}
	}
	return "http://127.0.0.1:8080"
}

// caller returns the owner of the request's API token: the Authorization
// header over HTTP, the configured token over stdio. EUNAUTHORIZED when
// there is none or it is unknown or revoked.
func (s *server) caller(ctx context.Context, req *mcp.CallToolRequest) (*directory.User, error) {
	token := s.cfg.Token
	if req != nil && req.Extra != nil && req.Extra.Header != nil {
		if h := req.Extra.Header.Get("Authorization"); h != "" {
			scheme, tok, ok := strings.Cut(h, " ")
			if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
				return nil, directory.NewError(directory.EUNAUTHORIZED, keyAuthHeader, nil)
			}
			token = strings.TrimSpace(tok)
		}
	}
	if token == "" {
		return nil, directory.NewError(directory.EUNAUTHORIZED, keyTokenNeeded, directory.Args{"env": TokenEnv})
	}
	return s.dir.FindUserByAPIToken(ctx, token)
}

// The errors of the MCP server's own checks (see directory/error.go).
var (
	keyAuthHeader  = directory.NewKey("mcp.auth_header", `the Authorization header must be "Bearer <API token>"`)
	keyTokenNeeded = directory.NewKey("mcp.token_needed", "propose_change needs an API token (create one on your account page, /compte): "+
		`over HTTP send "Authorization: Bearer <token>"; with `+"`voisinage mcp`"+`, set {env}`)
	keyActorOrPoint = directory.NewKey("mcp.actor_or_point", "give either actor or lon and lat, not both")
	keyNoActor      = directory.NewKey("mcp.no_actor", "no actor {id:q}: find its id with search_actors")
	keyNoPoint      = directory.NewKey("mcp.no_point", "{name} has no known location yet: give lon and lat instead")
	keyNoOrigin     = directory.NewKey("mcp.no_origin", "give an actor id, or lon and lat, to search from")
	keyBBox         = directory.NewKey("mcp.bbox", "must be 4 numbers: [min lon, min lat, max lon, max lat]")
	keyNoArea       = directory.NewKey("mcp.no_area", "give an area: bbox, departement, region or epci")
	keyNoActorID    = directory.NewKey("mcp.no_actor_id", "no actor with id {id:q}")
	keyFindActor    = directory.NewKey("mcp.find_actor", "find the id with search_actors (ids look like commune-88160, epci-200068757)")
	keyNoTool       = directory.NewKey("mcp.no_tool", "no tool {slug:q}")
	keyFindTool     = directory.NewKey("mcp.find_tool", "find the slug with list_tools")
	keyNotJSON      = directory.NewKey("mcp.not_json", "is not a JSON value")
)

// toolError turns a directory error into the error a tool returns: its
// code and, for each field, what to fix, so that the assistant can correct
// its call. rename maps the directory's field names to the tool's argument
// names where they differ. Internal errors say no more than that.
func toolError(err error, rename ...string) error {
	code := directory.ErrorCode(err)
	if code == directory.EINTERNAL {
		return errors.New("internal error: try again later")
	}
	names := map[string]string{}
	for i := 0; i+1 < len(rename); i += 2 {
		names[rename[i]] = rename[i+1]
	}
	fields := directory.ErrorFields(err)
	msg := directory.ErrorMessage(err)
	if len(fields) > 0 {
		keys := make([]string, 0, len(fields))
		for k := range fields {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			name := k
			if n, ok := names[k]; ok {
				name = n
			}
			parts[i] = name + ": " + fields[k]
		}
		if code == directory.EINVALID {
			msg = strings.Join(parts, "; ")
		} else {
			msg += " (" + strings.Join(parts, "; ") + ")"
		}
	}
	if c := directory.ErrorConflicts(err); len(c) > 0 {
		b, _ := json.Marshal(c)
		msg += "; conflicts (base, yours, current): " + string(b)
	}
	return fmt.Errorf("%s: %s", code, msg)
}
