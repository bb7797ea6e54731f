package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/jsonschema-go/jsonschema"
	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/paulmach/orb"

	"github.com/voisinage/voisinage/directory"
)

// Limits of the tools' pages.
const (
	maxPeers = 50
	maxPage  = 100
)

// describe is a tool's description in French, then English.
func describe(fr, en string) string { return fr + "\n\n" + en }

// meta carries both descriptions apart, for clients that show one language.
func meta(fr, en string) mcp.Meta {
	return mcp.Meta{"voisinage/description": map[string]string{"fr": fr, "en": en}}
}

var no = false

// readOnly annotates a tool that changes nothing and reads only the directory.
func readOnly(title string) *mcp.ToolAnnotations {
	return &mcp.ToolAnnotations{Title: title, ReadOnlyHint: true, IdempotentHint: true, OpenWorldHint: &no}
}

// schemaFor infers a tool's input schema from In, then lets tune adjust it
// (enumerations, bounds, defaults).
func schemaFor[In any](tune func(props map[string]*jsonschema.Schema)) *jsonschema.Schema {
	s, err := jsonschema.For[In](nil)
	if err != nil {
		panic(err)
	}
	if tune != nil {
		tune(s.Properties)
	}
	return s
}

func enumOf(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// --- find_peers ---

// PeersInput is what find_peers takes.
type PeersInput struct {
	Actor         string   `json:"actor,omitempty" jsonschema:"partir du point de cet acteur (id, p. ex. commune-88160), qui est exclu des résultats / start from this actor's point (id, e.g. commune-88160), left out of the results"`
	Lon           *float64 `json:"lon,omitempty" jsonschema:"longitude WGS 84 du point de départ, avec lat, si actor n'est pas donné / WGS 84 longitude of the starting point, with lat, when actor is not given"`
	Lat           *float64 `json:"lat,omitempty" jsonschema:"latitude WGS 84 du point de départ / WGS 84 latitude of the starting point"`
	Tool          []string `json:"tool,omitempty" jsonschema:"seulement les acteurs qui utilisent l'un de ces outils (slugs, voir list_tools) / only actors using one of these tools (slugs, see list_tools)"`
	Theme         []string `json:"theme,omitempty" jsonschema:"seulement les acteurs qui utilisent un outil de l'un de ces thèmes / only actors using a tool of one of these themes"`
	Kind          []string `json:"kind,omitempty" jsonschema:"natures d'acteurs / actor kinds"`
	PopulationMin int      `json:"population_min,omitempty" jsonschema:"population minimale / minimum population"`
	PopulationMax int      `json:"population_max,omitempty" jsonschema:"population maximale / maximum population"`
	MaxKm         float64  `json:"max_km,omitempty" jsonschema:"distance maximale en km / maximum distance in km"`
	Limit         int      `json:"limit,omitempty" jsonschema:"nombre de résultats / number of results"`
}

// PeersOutput is what find_peers returns.
type PeersOutput struct {
	Origin       Origin  `json:"origin"`
	Peers        []Actor `json:"peers" jsonschema:"du plus proche au plus lointain / nearest first"`
	Count        int     `json:"count"`
	MapURL       string  `json:"map_url" jsonschema:"la même recherche sur la page des voisins / the same search on the peer-finder page"`
	APIURL       string  `json:"api_url" jsonschema:"la même recherche dans l'API / the same search in the API"`
	Attribution  string  `json:"attribution"`
	Approximated int     `json:"approximate_points" jsonschema:"combien de pairs n'ont qu'un point estimé (distance approximative) / how many peers have only an estimated point (approximate distance)"`
}

// Origin is where a peer search starts.
type Origin struct {
	Actor     string  `json:"actor,omitempty"`
	Name      string  `json:"name,omitempty"`
	Lon       float64 `json:"lon"`
	Lat       float64 `json:"lat"`
	Precision string  `json:"precision,omitempty"`
}

func (s *server) findPeers(ctx context.Context, req *mcp.CallToolRequest, in PeersInput) (*mcp.CallToolResult, PeersOutput, error) {
	p := directory.Problems{}
	q := directory.NearbyQuery{Limit: in.Limit, MaxMeters: in.MaxKm * 1000, Filter: directory.ActorFilter{
		Tools: in.Tool, Themes: in.Theme, Kinds: in.Kind, PopulationMin: in.PopulationMin, PopulationMax: in.PopulationMax}}
	if q.Limit == 0 {
		q.Limit = 10
	}
	var origin Origin
	switch {
	case in.Actor != "" && (in.Lon != nil || in.Lat != nil):
		p.Add("actor", keyActorOrPoint, nil)
	case in.Actor != "":
		a, err := s.dir.FindActorByID(ctx, in.Actor)
		if err != nil {
			if directory.ErrorCode(err) == directory.ENOTFOUND {
				return nil, PeersOutput{}, toolError(directory.FieldError("actor", keyNoActor, directory.Args{"id": in.Actor}))
			}
			return nil, PeersOutput{}, toolError(err)
		}
		if a.Location == nil {
			return nil, PeersOutput{}, toolError(directory.FieldError("actor", keyNoPoint, directory.Args{"name": a.Name}))
		}
		q.Lon, q.Lat, q.ExcludeID = a.Location.Lon, a.Location.Lat, a.ID
		origin = Origin{Actor: a.ID, Name: a.Name, Lon: a.Location.Lon, Lat: a.Location.Lat, Precision: a.Location.Precision}
	case in.Lon != nil && in.Lat != nil:
		q.Lon, q.Lat = *in.Lon, *in.Lat
		origin = Origin{Lon: q.Lon, Lat: q.Lat}
	default:
		p.Add("actor", keyNoOrigin, nil)
	}
	if err := p.Err("find_peers"); err != nil {
		return nil, PeersOutput{}, toolError(err)
	}
	found, _, err := s.dir.Nearby(ctx, q)
	if err != nil {
		return nil, PeersOutput{}, toolError(err)
	}
	base := s.baseURL(req)
	out := PeersOutput{Origin: origin, Peers: []Actor{}, Count: len(found), Attribution: attribution}
	for _, n := range found {
		a, err := actorFromFeature(base, n.Feature)
		if err != nil {
			return nil, PeersOutput{}, toolError(err)
		}
		if a.Precision == directory.PrecisionPostalArea || a.Precision == directory.PrecisionEPCIArea {
			out.Approximated++
		}
		out.Peers = append(out.Peers, a)
	}
	v := url.Values{}
	if in.Actor != "" {
		v.Set("actor", in.Actor)
	} else {
		v.Set("lon", strconv.FormatFloat(q.Lon, 'f', -1, 64))
		v.Set("lat", strconv.FormatFloat(q.Lat, 'f', -1, 64))
	}
	setList(v, "tool", in.Tool)
	setList(v, "theme", in.Theme)
	setList(v, "kind", in.Kind)
	if in.PopulationMin > 0 {
		v.Set("population_min", strconv.Itoa(in.PopulationMin))
	}
	if in.PopulationMax > 0 {
		v.Set("population_max", strconv.Itoa(in.PopulationMax))
	}
	if in.MaxKm > 0 {
		v.Set("max_km", strconv.FormatFloat(in.MaxKm, 'f', -1, 64))
	}
	v.Set("limit", strconv.Itoa(q.Limit))
	out.APIURL = base + "/api/nearby?" + v.Encode()
	out.MapURL = base + "/voisins?" + v.Encode()
	return nil, out, nil
}

func setList(v url.Values, k string, list []string) {
	if len(list) > 0 {
		v.Set(k, strings.Join(list, ","))
	}
}

// attribution is the data's licence statement, carried by every list of actors.
const attribution = "Données : découpage administratif Etalab (Licence Ouverte 2.0), points GeoNames (CC BY 4.0), faits tirés des sources citées ; contributeurs de voisinage. Data: Etalab (Licence Ouverte 2.0), GeoNames (CC BY 4.0), the cited sources, voisinage contributors."

// --- search_actors ---

// SearchInput is what search_actors takes.
type SearchInput struct {
	Q     string   `json:"q" jsonschema:"un nom (chaque mot en début de mot, accents et casse ignorés, une faute tolérée dès 5 lettres), un code INSEE (88160), un SIREN (218801603) ou un code postal (88000) / a name (each word as a prefix, accents and case ignored, one typo forgiven from 5 letters), an INSEE code, a SIREN or a postal code"`
	Kind  []string `json:"kind,omitempty" jsonschema:"natures d'acteurs / actor kinds"`
	Limit int      `json:"limit,omitempty" jsonschema:"nombre de résultats / number of results"`
}

// SearchOutput is what search_actors returns.
type SearchOutput struct {
	Query   string  `json:"query"`
	Actors  []Actor `json:"actors" jsonschema:"le meilleur d'abord / best match first"`
	Count   int     `json:"count"`
	APIURL  string  `json:"api_url"`
	PageURL string  `json:"page_url"`
}

func (s *server) searchActors(ctx context.Context, req *mcp.CallToolRequest, in SearchInput) (*mcp.CallToolResult, SearchOutput, error) {
	if in.Limit == 0 {
		in.Limit = 10
	}
	hits, err := s.dir.Search(ctx, in.Q, in.Limit, in.Kind)
	if err != nil {
		return nil, SearchOutput{}, toolError(err)
	}
	base := s.baseURL(req)
	out := SearchOutput{Query: in.Q, Actors: []Actor{}, Count: len(hits)}
	for _, h := range hits {
		a, err := actorFromFeature(base, h.Feature)
		if err != nil {
			return nil, SearchOutput{}, toolError(err)
		}
		out.Actors = append(out.Actors, a)
	}
	v := url.Values{"q": {in.Q}, "limit": {strconv.Itoa(in.Limit)}}
	setList(v, "kind", in.Kind)
	out.APIURL = base + "/api/search?" + v.Encode()
	out.PageURL = base + "/recherche?" + url.Values{"q": {in.Q}}.Encode()
	return nil, out, nil
}

// --- get_actor ---

// ActorInput names one actor.
type ActorInput struct {
	ID string `json:"id" jsonschema:"identifiant de l'acteur (voir search_actors) / actor id (see search_actors), e.g. commune-88160"`
}

// ActorOutput is what get_actor returns.
type ActorOutput struct {
	Actor      Actor  `json:"actor"`
	HistoryURL string `json:"history_url" jsonschema:"historique des versions / version history"`
	ProposeURL string `json:"propose_url" jsonschema:"page pour proposer une correction / page to propose a correction"`
}

func (s *server) getActor(ctx context.Context, req *mcp.CallToolRequest, in ActorInput) (*mcp.CallToolResult, ActorOutput, error) {
	raw, _, err := s.dir.ActorFeature(ctx, in.ID)
	if err != nil {
		return nil, ActorOutput{}, toolError(notFound(err, "id", keyFindActor, keyNoActorID, directory.Args{"id": in.ID}))
	}
	base := s.baseURL(req)
	a, err := actorFromFeature(base, raw)
	if err != nil {
		return nil, ActorOutput{}, toolError(err)
	}
	return nil, ActorOutput{Actor: a, HistoryURL: base + "/api/actors/" + url.PathEscape(a.ID) + "/history",
		ProposeURL: base + "/contribuer/acteurs/" + url.PathEscape(a.ID) + "/corriger"}, nil
}

// --- list_tools / get_tool ---

// ToolsInput filters the tool catalogue.
type ToolsInput struct {
	Theme string `json:"theme,omitempty" jsonschema:"un thème / one theme"`
	Q     string `json:"q,omitempty" jsonschema:"mots du nom ou de la description / words of the name or description"`
}

// ToolsOutput is what list_tools returns.
type ToolsOutput struct {
	Tools  []Tool `json:"tools"`
	Count  int    `json:"count"`
	APIURL string `json:"api_url"`
}

func toolOut(base string, t *directory.Tool) Tool {
	var sources []Source
	b, _ := json.Marshal(directory.PublicSources(t.Sources))
	json.Unmarshal(b, &sources)
	themes := t.Themes
	if themes == nil {
		themes = []string{}
	}
	out := Tool{Slug: t.Slug, Name: t.Name, Description: t.Description, URL: t.URL, TutorialURL: t.TutorialURL,
		Licence: t.Licence, FreeSoftware: t.Free, Themes: themes, Adopters: t.Adopters, Sources: sources, Version: t.Version,
		PageURL: base + "/outils/" + url.PathEscape(t.Slug), APIURL: base + "/api/tools/" + url.PathEscape(t.Slug)}
	if !t.UpdatedAt.IsZero() {
		out.UpdatedAt = t.UpdatedAt.UTC().Format("2006-01-02T15:04:05Z")
	}
	out.AsOf = latestSourceDate(sources)
	return out
}

func (s *server) listTools(ctx context.Context, req *mcp.CallToolRequest, in ToolsInput) (*mcp.CallToolResult, ToolsOutput, error) {
	tools, err := s.dir.FindTools(ctx, directory.ToolFilter{Theme: in.Theme, Q: in.Q})
	if err != nil {
		return nil, ToolsOutput{}, toolError(err)
	}
	base := s.baseURL(req)
	out := ToolsOutput{Tools: []Tool{}, Count: len(tools)}
	for i := range tools {
		out.Tools = append(out.Tools, toolOut(base, &tools[i]))
	}
	v := url.Values{}
	if in.Theme != "" {
		v.Set("theme", in.Theme)
	}
	if in.Q != "" {
		v.Set("q", in.Q)
	}
	out.APIURL = base + "/api/tools"
	if len(v) > 0 {
		out.APIURL += "?" + v.Encode()
	}
	return nil, out, nil
}

// ToolInput names one tool.
type ToolInput struct {
	Slug   string `json:"slug" jsonschema:"identifiant de l'outil (voir list_tools) / tool slug (see list_tools)"`
	Status string `json:"status,omitempty" jsonschema:"seulement les adoptions de ce statut / only adoptions with this status"`
	Limit  int    `json:"limit,omitempty" jsonschema:"nombre d'adoptions / number of adoptions"`
}

// ToolOutput is what get_tool returns.
type ToolOutput struct {
	Tool     Tool      `json:"tool"`
	Adopters []Adopter `json:"adopters" jsonschema:"en service d'abord, puis prévues, puis abandonnées / in use first, then planned, then abandoned"`
	Count    int       `json:"count" jsonschema:"nombre d'adoptions correspondantes / number of matching adoptions"`
}

func (s *server) getTool(ctx context.Context, req *mcp.CallToolRequest, in ToolInput) (*mcp.CallToolResult, ToolOutput, error) {
	if in.Limit == 0 {
		in.Limit = 50
	}
	t, adopters, err := s.dir.FindToolBySlug(ctx, in.Slug)
	if err != nil {
		return nil, ToolOutput{}, toolError(notFound(err, "slug", keyFindTool, keyNoTool, directory.Args{"slug": in.Slug}))
	}
	base := s.baseURL(req)
	out := ToolOutput{Tool: toolOut(base, t), Adopters: []Adopter{}}
	for _, a := range adopters {
		if in.Status != "" && a.Adoption.Status != in.Status {
			continue
		}
		out.Count++
		if len(out.Adopters) >= in.Limit {
			continue
		}
		var f struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		json.Unmarshal(a.Feature, &f)
		out.Adopters = append(out.Adopters, Adopter{ActorID: a.ActorID, ActorName: a.Name, ActorKind: a.Kind,
			Adoption: adoptionFromProps(base, f.Properties), ActorPageURL: base + "/acteurs/" + url.PathEscape(a.ActorID)})
	}
	return nil, out, nil
}

// --- actors_in_area ---

// AreaInput is what actors_in_area takes.
type AreaInput struct {
	BBox        []float64 `json:"bbox,omitempty" jsonschema:"rectangle [lon min, lat min, lon max, lat max] en degrés WGS 84 / box [min lon, min lat, max lon, max lat] in WGS 84 degrees"`
	Departement string    `json:"departement,omitempty" jsonschema:"code du département (88, 2A, 974) / département code"`
	Region      string    `json:"region,omitempty" jsonschema:"code de la région (44) / région code"`
	EPCI        string    `json:"epci,omitempty" jsonschema:"une intercommunalité : ses communes membres (id epci-200068757 ou SIREN) / an intercommunality: its member communes (id or SIREN)"`
	Kind        []string  `json:"kind,omitempty" jsonschema:"natures d'acteurs / actor kinds"`
	Tool        []string  `json:"tool,omitempty" jsonschema:"seulement les acteurs qui utilisent l'un de ces outils / only actors using one of these tools"`
	Theme       []string  `json:"theme,omitempty" jsonschema:"seulement les acteurs qui utilisent un outil de ces thèmes / only actors using a tool of these themes"`
	Limit       int       `json:"limit,omitempty" jsonschema:"taille de la page / page size"`
	Offset      int       `json:"offset,omitempty" jsonschema:"nombre de résultats à sauter (prendre next_offset de la page précédente) / results to skip (take next_offset from the previous page)"`
}

// AreaOutput is one page of actors_in_area.
type AreaOutput struct {
	Matched     int     `json:"matched" jsonschema:"nombre total d'acteurs correspondants / how many actors match in all"`
	Returned    int     `json:"returned"`
	Offset      int     `json:"offset"`
	NextOffset  *int    `json:"next_offset,omitempty" jsonschema:"offset de la page suivante, absent à la dernière / offset of the next page, absent on the last"`
	Actors      []Actor `json:"actors"`
	APIURL      string  `json:"api_url" jsonschema:"cette page dans l'API OGC / this page in the OGC API"`
	NextPageURL string  `json:"next_page_url,omitempty"`
	Attribution string  `json:"attribution"`
}

func (s *server) actorsInArea(ctx context.Context, req *mcp.CallToolRequest, in AreaInput) (*mcp.CallToolResult, AreaOutput, error) {
	if in.Limit == 0 {
		in.Limit = 20
	}
	f := directory.ActorFilter{Kinds: in.Kind, Tools: in.Tool, Themes: in.Theme, Limit: in.Limit, Offset: in.Offset}
	p := directory.Problems{}
	v := url.Values{}
	if len(in.BBox) > 0 {
		if len(in.BBox) != 4 {
			p.Add("bbox", keyBBox, nil)
		} else {
			f.Bound = &orb.Bound{Min: orb.Point{in.BBox[0], in.BBox[1]}, Max: orb.Point{in.BBox[2], in.BBox[3]}}
			parts := make([]string, 4)
			for i, x := range in.BBox {
				parts[i] = strconv.FormatFloat(x, 'f', -1, 64)
			}
			v.Set("bbox", strings.Join(parts, ","))
		}
	}
	if in.Departement != "" {
		f.Departements = []string{in.Departement}
		v.Set("departement", in.Departement)
	}
	if in.Region != "" {
		f.Regions = []string{in.Region}
		v.Set("region", in.Region)
	}
	if in.EPCI != "" {
		id := in.EPCI
		if !strings.HasPrefix(id, directory.KindEPCI+"-") {
			id = directory.KindEPCI + "-" + id
		}
		f.Parents = []string{id}
		v.Set("parent", id)
	}
	if len(in.BBox) == 0 && in.Departement == "" && in.Region == "" && in.EPCI == "" {
		p.Add("bbox", keyNoArea, nil)
	}
	if err := p.Err("actors_in_area"); err != nil {
		return nil, AreaOutput{}, toolError(err)
	}
	page, err := s.dir.FindActors(ctx, f)
	if err != nil {
		return nil, AreaOutput{}, toolError(err, "parent", "epci", "departements", "departement", "regions", "region")
	}
	base := s.baseURL(req)
	out := AreaOutput{Matched: page.Matched, Returned: len(page.Features), Offset: in.Offset, Actors: []Actor{}, Attribution: attribution}
	for _, raw := range page.Features {
		a, err := actorFromFeature(base, raw)
		if err != nil {
			return nil, AreaOutput{}, toolError(err)
		}
		out.Actors = append(out.Actors, a)
	}
	setList(v, "kind", in.Kind)
	setList(v, "tool", in.Tool)
	setList(v, "theme", in.Theme)
	v.Set("limit", strconv.Itoa(in.Limit))
	pageURL := func(offset int) string {
		w := url.Values{}
		for k, x := range v {
			w[k] = x
		}
		if offset > 0 {
			w.Set("offset", strconv.Itoa(offset))
		}
		return base + "/api/collections/actors/items?" + w.Encode()
	}
	out.APIURL = pageURL(in.Offset)
	if next := in.Offset + len(page.Features); next < page.Matched {
		out.NextOffset = &next
		out.NextPageURL = pageURL(next)
	}
	return nil, out, nil
}

// --- propose_change ---

// ProposeInput is a proposed change, as POST /api/proposals takes it.
type ProposeInput struct {
	TargetType  string         `json:"target_type" jsonschema:"ce qui change / what changes: actor, tool or adoption"`
	TargetID    string         `json:"target_id,omitempty" jsonschema:"l'enregistrement à changer (actor id, tool slug, adoption id adoption-{actor}-{tool}); vide pour une création / the record to change; empty for a creation"`
	Action      string         `json:"action" jsonschema:"create, update, delete ou/or place (placer un acteur / set an actor's point)"`
	BaseVersion int            `json:"base_version,omitempty" jsonschema:"la version corrigée (version de get_actor), sauf création / the version being corrected (version from get_actor), except for a creation"`
	Changes     map[string]any `json:"changes,omitempty" jsonschema:"champ → nouvelle valeur, p. ex. {\"website\": \"https://…\"}; pour place : lon et lat / field → new value; for place: lon and lat"`
	Comment     string         `json:"comment,omitempty" jsonschema:"pourquoi, pour les modérateurs / why, for the moderators"`
	Source      string         `json:"source,omitempty" jsonschema:"d'où vient le fait (adresse web ou référence) / where the fact comes from (web address or reference)"`
}

// ProposeOutput is the proposal as recorded.
type ProposeOutput struct {
	ID          int64                  `json:"id"`
	Status      string                 `json:"status" jsonschema:"pending (en attente de modération / awaiting moderation) or approved (appliquée / applied)"`
	Applied     bool                   `json:"applied" jsonschema:"vrai si appliquée tout de suite (rôle de l'auteur) / true when applied at once (the author's role)"`
	NeedsReview bool                   `json:"needs_review,omitempty"`
	ApprovedBy  string                 `json:"approved_by,omitempty"`
	Author      directory.UserRef      `json:"author"`
	TargetType  string                 `json:"target_type"`
	TargetID    string                 `json:"target_id"`
	TargetName  string                 `json:"target_name,omitempty"`
	Action      string                 `json:"action"`
	BaseVersion int                    `json:"base_version"`
	Changes     map[string]FieldChange `json:"changes"`
	Duplicates  []directory.Duplicate  `json:"duplicates,omitempty" jsonschema:"acteurs existants que la création pourrait doubler / existing actors the creation may duplicate"`
	Message     string                 `json:"message"`
	CreatedAt   string                 `json:"created_at"`
	APIURL      string                 `json:"api_url"`
	PageURL     string                 `json:"page_url" jsonschema:"les propositions de l'auteur / the author's proposals"`
}

// FieldChange is a field's value before and after a proposal.
type FieldChange struct {
	Old any `json:"old"`
	New any `json:"new"`
}

func (s *server) proposeChange(ctx context.Context, req *mcp.CallToolRequest, in ProposeInput) (*mcp.CallToolResult, ProposeOutput, error) {
	u, err := s.caller(ctx, req)
	if err != nil {
		return nil, ProposeOutput{}, toolError(err)
	}
	changes := make(map[string]json.RawMessage, len(in.Changes))
	for k, v := range in.Changes {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, ProposeOutput{}, toolError(directory.FieldError("changes."+k, keyNotJSON, nil))
		}
		changes[k] = b
	}
	// The same call as POST /api/proposals: the directory decides whether
	// the author's role applies it at once.
	p, err := s.dir.ProposeEdit(ctx, u, directory.ProposalInput{TargetType: in.TargetType, TargetID: in.TargetID,
		Action: in.Action, BaseVersion: in.BaseVersion, Changes: changes, Comment: in.Comment, Source: in.Source})
	if err != nil {
		return nil, ProposeOutput{}, toolError(err)
	}
	base := s.baseURL(req)
	out := ProposeOutput{ID: p.ID, Status: p.Status, Applied: p.Status == directory.ProposalApproved, NeedsReview: p.NeedsReview,
		ApprovedBy: p.ApprovedBy, Author: p.Author, TargetType: p.TargetType, TargetID: p.TargetID, TargetName: p.TargetName,
		Action: p.Action, BaseVersion: p.BaseVersion, Changes: map[string]FieldChange{}, Duplicates: p.Warnings,
		CreatedAt: p.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"),
		APIURL:    base + "/api/proposals/" + strconv.FormatInt(p.ID, 10), PageURL: base + "/compte/propositions"}
	for k, c := range p.Changes {
		var fc FieldChange
		json.Unmarshal(c.Old, &fc.Old)
		json.Unmarshal(c.New, &fc.New)
		out.Changes[k] = fc
	}
	if out.Applied {
		out.Message = fmt.Sprintf("Proposition %d appliquée (%s). Proposal %d applied (%s).", p.ID, p.ApprovedBy, p.ID, p.ApprovedBy)
	} else {
		out.Message = fmt.Sprintf("Proposition %d en attente de modération. Proposal %d awaits moderation.", p.ID, p.ID)
	}
	return nil, out, nil
}

// addTools registers every tool with its schema and descriptions.
func (s *server) addTools(srv *mcp.Server) {
	kinds, themes := enumOf(directory.Kinds), enumOf(directory.Themes)
	listOf := func(props map[string]*jsonschema.Schema, name string, values []any) {
		if p := props[name]; p != nil && p.Items != nil {
			p.Items.Enum = values
		}
	}

	fr, en := "Trouve les acteurs publics les plus proches d'un acteur ou d'un point, du plus proche au plus lointain, filtrés par outil, thème, nature, population et distance : pour « qui près de chez moi utilise tel outil, et qui appeler ? ». Chaque pair porte sa distance, ses contacts, ses adoptions avec leur contact, leurs sources et leur date (as_of), et l'adresse de sa page.",
		"Finds the public actors nearest to an actor or a point, nearest first, filtered by tool, theme, kind, population and distance: for \"who near me uses this tool, and whom do I call?\". Each peer carries its distance, contacts, adoptions with their contact, sources and date (as_of), and its page URL."
	mcp.AddTool(srv, &mcp.Tool{Name: "find_peers", Title: "Trouver des pairs / Find peers", Description: describe(fr, en), Meta: meta(fr, en),
		Annotations: readOnly("Trouver des pairs / Find peers"),
		InputSchema: schemaFor[PeersInput](func(p map[string]*jsonschema.Schema) {
			p["lon"].Minimum, p["lon"].Maximum = ptr(-180.0), ptr(180.0)
			p["lat"].Minimum, p["lat"].Maximum = ptr(-90.0), ptr(90.0)
			p["limit"].Minimum, p["limit"].Maximum, p["limit"].Default = ptr(1.0), ptr(float64(maxPeers)), json.RawMessage("10")
			p["max_km"].Minimum, p["max_km"].Maximum = ptr(0.0), ptr(20040.0)
			p["population_min"].Minimum, p["population_max"].Minimum = ptr(0.0), ptr(0.0)
			listOf(p, "kind", kinds)
			listOf(p, "theme", themes)
		})}, s.findPeers)

	fr, en = "Cherche des acteurs par leur nom (chaque mot en début de mot, accents ignorés, une faute de frappe tolérée dès 5 lettres : « epinall », « brset »), par code INSEE (88160), SIREN (218801603) ou code postal (88000 : toutes ses communes). Le meilleur résultat d'abord.",
		"Searches actors by name (each word as a prefix, accents ignored, one typo forgiven from 5 letters: \"epinall\", \"brset\"), by INSEE code (88160), SIREN (218801603) or postal code (88000: all its communes). Best match first."
	mcp.AddTool(srv, &mcp.Tool{Name: "search_actors", Title: "Chercher un acteur / Search actors", Description: describe(fr, en), Meta: meta(fr, en),
		Annotations: readOnly("Chercher un acteur / Search actors"),
		InputSchema: schemaFor[SearchInput](func(p map[string]*jsonschema.Schema) {
			p["q"].MinLength, p["q"].MaxLength = ptr(1), ptr(directory.MaxQueryLength)
			p["limit"].Minimum, p["limit"].Maximum, p["limit"].Default = ptr(1.0), ptr(100.0), json.RawMessage("10")
			listOf(p, "kind", kinds)
		})}, s.searchActors)

	fr, en = "Donne la fiche complète d'un acteur : codes, échelons, point et sa précision, contacts (site, courriel, téléphone, adresse), outils et adoptions avec leurs sources et dates, version, adresses de sa page et de son historique.",
		"Returns an actor's full record: codes, parents, point and its precision, contacts (website, e-mail, phone, address), tools and adoptions with their sources and dates, version, URLs of its page and history."
	mcp.AddTool(srv, &mcp.Tool{Name: "get_actor", Title: "Fiche d'un acteur / Get an actor", Description: describe(fr, en), Meta: meta(fr, en),
		Annotations: readOnly("Fiche d'un acteur / Get an actor"),
		InputSchema: schemaFor[ActorInput](func(p map[string]*jsonschema.Schema) { p["id"].MinLength = ptr(1) })}, s.getActor)

	fr, en = "Liste le catalogue des outils numériques (avec leurs thèmes, leur licence et le nombre d'acteurs qui les utilisent), éventuellement d'un thème ou par mots.",
		"Lists the catalogue of digital tools (with their themes, licence and number of actors using them), optionally of one theme or by words."
	mcp.AddTool(srv, &mcp.Tool{Name: "list_tools", Title: "Catalogue des outils / List tools", Description: describe(fr, en), Meta: meta(fr, en),
		Annotations: readOnly("Catalogue des outils / List tools"),
		InputSchema: schemaFor[ToolsInput](func(p map[string]*jsonschema.Schema) { p["theme"].Enum = themes })}, s.listTools)

	fr, en = "Donne un outil et les acteurs qui l'ont adopté : usage, depuis quand, statut, contact, sources et date de chaque adoption.",
		"Returns a tool and the actors that adopted it: usage, since when, status, contact, sources and date of each adoption."
	mcp.AddTool(srv, &mcp.Tool{Name: "get_tool", Title: "Un outil et ses utilisateurs / Get a tool", Description: describe(fr, en), Meta: meta(fr, en),
		Annotations: readOnly("Un outil et ses utilisateurs / Get a tool"),
		InputSchema: schemaFor[ToolInput](func(p map[string]*jsonschema.Schema) {
			p["slug"].MinLength = ptr(1)
			p["status"].Enum = enumOf(directory.Statuses)
			p["limit"].Minimum, p["limit"].Maximum, p["limit"].Default = ptr(1.0), ptr(1000.0), json.RawMessage("50")
		})}, s.getTool)

	fr, en = "Liste, page par page, les acteurs d'une zone : un rectangle (bbox), un département, une région ou une intercommunalité (ses communes membres), filtrés par nature, outil ou thème. next_offset donne la page suivante.",
		"Lists, page by page, the actors of an area: a box (bbox), a département, a région or an intercommunality (its member communes), filtered by kind, tool or theme. next_offset gives the next page."
	mcp.AddTool(srv, &mcp.Tool{Name: "actors_in_area", Title: "Acteurs d'une zone / Actors in an area", Description: describe(fr, en), Meta: meta(fr, en),
		Annotations: readOnly("Acteurs d'une zone / Actors in an area"),
		InputSchema: schemaFor[AreaInput](func(p map[string]*jsonschema.Schema) {
			p["bbox"].MinItems, p["bbox"].MaxItems = ptr(4), ptr(4)
			p["limit"].Minimum, p["limit"].Maximum, p["limit"].Default = ptr(1.0), ptr(float64(maxPage)), json.RawMessage("20")
			p["offset"].Minimum = ptr(0.0)
			listOf(p, "kind", kinds)
			listOf(p, "theme", themes)
		})}, s.actorsInArea)

	fr, en = "Propose une correction ou un ajout (acteur, outil, adoption), comme POST /api/proposals, au nom du propriétaire du jeton API (en-tête Authorization: Bearer, ou VOISINAGE_TOKEN pour `voisinage mcp`). La proposition attend la modération ; elle n'est appliquée tout de suite que si le rôle de son auteur le permet (modérateur, représentant vérifié, contributeur de confiance). Citez la source du fait.",
		"Proposes a correction or an addition (actor, tool, adoption), as POST /api/proposals does, in the name of the API token's owner (Authorization: Bearer header, or VOISINAGE_TOKEN for `voisinage mcp`). The proposal awaits moderation; it applies at once only when its author's role allows (moderator, verified representative, trusted contributor). Cite the fact's source."
	mcp.AddTool(srv, &mcp.Tool{Name: "propose_change", Title: "Proposer une correction / Propose a change", Description: describe(fr, en), Meta: meta(fr, en),
		Annotations: &mcp.ToolAnnotations{Title: "Proposer une correction / Propose a change", ReadOnlyHint: false,
			DestructiveHint: &no, IdempotentHint: false, OpenWorldHint: &no},
		InputSchema: schemaFor[ProposeInput](func(p map[string]*jsonschema.Schema) {
			p["target_type"].Enum = enumOf(directory.RecordTypes)
			p["action"].Enum = enumOf(directory.Actions)
			p["base_version"].Minimum = ptr(0.0)
			p["comment"].MaxLength = ptr(2000)
			p["source"].MaxLength = ptr(500)
		})}, s.proposeChange)
}

// notFound words a lookup that found nothing: the input to change (field),
// how to find a good one (hint), and what was not found (key, args). Other
// errors pass unchanged.
func notFound(err error, field string, hint, key directory.Key, args directory.Args) error {
	if directory.ErrorCode(err) != directory.ENOTFOUND {
		return err
	}
	p := directory.Problems{}
	p.Add(field, hint, nil)
	return p.Fail(directory.ENOTFOUND, key, args)
}
