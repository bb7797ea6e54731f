package web

// RouteParams returns, for each OpenAPI path, the query parameters its handler accepts.
func RouteParams() map[string][]string {
	return map[string][]string{
		"/api":                                     metaParams,
		"/api/openapi.json":                        metaParams,
		"/api/conformance":                         metaParams,
		"/api/collections":                         metaParams,
		"/api/collections/{collection}":            metaParams,
		"/api/collections/{collection}/items":      itemsParams,
		"/api/collections/{collection}/items/{id}": itemParams,
		"/api/collections/{collection}/queryables": metaParams,
		"/api/collections/{collection}/schema":     metaParams,
		"/api/nearby":                              nearbyParams,
		"/api/search":                              searchParams,
		"/api/clusters":                            clusterParams,
		"/api/tiles/{z}/{x}/{y}.mvt":               tileParams,
		"/api/tools":                               toolsParams,
		"/api/tools/{slug}":                        toolParams,
		"/api/themes":                              nil,
		"/api/export/actors.geojson":               nil,
		"/api/export/actors.csv":                   nil,
		"/api/proposals":                           proposalIndexParams,
		"/oembed":                                  oembedParams,
	}
}

// DocumentedRoutes lists the routes the OpenAPI document describes, as "METHOD /gin/path".
func DocumentedRoutes() []string { return documentedRoutes() }

// FrenchJoin exposes the French elision and contraction of names.
func FrenchJoin(m, ph, s string) string { return frenchJoin(m, ph, plainName(s)) }

// FrenchJoinPerson joins a person's name.
func FrenchJoinPerson(m, ph, name string) string { return frenchJoin(m, ph, personName(name)) }

// FrenchJoinActor joins the name of an actor of kind and official code.
func FrenchJoinActor(m, ph, kind, code, name string) string {
	return frenchJoin(m, ph, actorName(kind, code, name))
}
