package web

// RouteParams returns, for each OpenAPI path, the query parameters its handler accepts.
func RouteParams() map[string][]string {
	return map[string][]string{
		"/":                               metaParams,
		"/openapi.json":                   metaParams,
		"/conformance":                    metaParams,
		"/collections":                    metaParams,
		"/collections/{collection}":       metaParams,
		"/collections/{collection}/items": itemsParams,
		"/collections/{collection}/items/{featureId}": itemParams,
		"/nearby":                nearbyParams,
		"/search":                searchParams,
		"/clusters":              clusterParams,
		"/tiles/{z}/{x}/{y}.mvt": tileParams,
		"/tools":                 toolsParams,
		"/tools/{slug}":          toolParams,
		"/themes":                nil,
		"/export/actors.geojson": nil,
		"/export/actors.csv":     nil,
	}
}
