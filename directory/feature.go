package directory

import (
	"strconv"
	"time"
)

// encodeActorFeature encodes a as a GeoJSON Feature (RFC 7946: [lon, lat],
// null geometry when the actor has no point yet). It returns the bytes and
// the offset just after `"properties":{`, where computed members such as
// distance_m are spliced in by withProperty.
func encodeActorFeature(a *Actor, adoptions []*Adoption, toolNames map[string]string) ([]byte, int) {
	buf := make([]byte, 0, 384)
	buf = append(buf, `{"type":"Feature","id":`...)
	buf = appendString(buf, a.ID)
	buf = append(buf, `,"geometry":`...)
	if a.Location != nil {
		buf = append(buf, `{"type":"Point","coordinates":[`...)
		buf = appendCoord(buf, a.Location.Lon)
		buf = append(buf, ',')
		buf = appendCoord(buf, a.Location.Lat)
		buf = append(buf, `]}`...)
	} else {
		buf = append(buf, `null`...)
	}
	buf = append(buf, `,"properties":{`...)
	propsAt := len(buf)
	o := jsonObject{buf: buf, empty: true}
	o.str("id", a.ID)
	o.str("kind", a.Kind)
	o.str("name", a.Name)
	o.str("code", a.Code)
	o.str("siren", a.SIREN)
	o.str("epci_type", a.EPCIType)
	o.str("departement", a.Departement)
	o.str("region", a.Region)
	o.str("zone", a.Zone)
	o.num("population", a.Population)
	o.list("postal_codes", a.PostalCodes)
	o.list("parents", a.Parents)
	o.list("members", a.Members)
	if a.Location != nil {
		o.str("precision", a.Location.Precision)
		o.str("point_source", a.Location.Source)
	}
	o.str("website", a.Website)
	o.str("email", a.Email)
	o.str("phone", a.Phone)
	o.str("address", a.Address)
	o.str("description", a.Description)
	o.list("labels", a.Labels)
	if len(adoptions) > 0 {
		var inUse []string
		for _, ad := range adoptions {
			if ad.Status == StatusInUse {
				inUse = append(inUse, ad.ToolSlug)
			}
		}
		o.list("tools", inUse)
		o.key("adoptions")
		o.buf = append(o.buf, '[')
		for i, ad := range adoptions {
			if i > 0 {
				o.buf = append(o.buf, ',')
			}
			o.buf = appendAdoptionProps(o.buf, ad, toolNames[ad.ToolSlug], false)
		}
		o.buf = append(o.buf, ']')
	}
	if len(a.Sources) > 0 {
		o.raw("sources", appendSources(nil, a.Sources))
	}
	if a.Synthetic {
		o.raw("synthetic", []byte("true"))
	}
	o.num("version", a.Version)
	o.str("updated_at", a.UpdatedAt.UTC().Format(time.RFC3339))
	buf = append(o.buf, `}}`...)
	return buf, propsAt
}

// appendAdoptionProps appends an adoption as a JSON object.
func appendAdoptionProps(dst []byte, ad *Adoption, toolName string, withActor bool) []byte {
	o := jsonObject{buf: append(dst, '{'), empty: true}
	o.str("id", ad.PublicID())
	if withActor {
		o.str("actor", ad.ActorID)
	}
	o.str("tool", ad.ToolSlug)
	o.str("tool_name", toolName)
	o.str("usage", ad.Usage)
	o.num("since", ad.Since)
	o.str("status", ad.Status)
	o.str("contact", ad.Contact)
	o.str("url", ad.URL)
	if withActor && len(ad.Sources) > 0 {
		o.raw("sources", appendSources(nil, ad.Sources))
	}
	o.num("version", ad.Version)
	return append(o.buf, '}')
}

func appendSources(dst []byte, src []Source) []byte {
	dst = append(dst, '[')
	for i, s := range src {
		if i > 0 {
			dst = append(dst, ',')
		}
		o := jsonObject{buf: append(dst, '{'), empty: true}
		o.str("document", s.Document)
		o.num("year", s.Year)
		o.str("quote", s.Quote)
		dst = append(o.buf, '}')
	}
	return append(dst, ']')
}

// withProperty returns a copy of the pre-encoded feature f with one more
// numeric property (e.g. distance_m) first in its properties.
func withProperty(f []byte, propsAt int, key string, value float64, decimals int) []byte {
	out := make([]byte, 0, len(f)+len(key)+16)
	out = append(out, f[:propsAt]...)
	out = appendString(out, key)
	out = append(out, ':')
	out = strconv.AppendFloat(out, value, 'f', decimals, 64)
	if f[propsAt] != '}' {
		out = append(out, ',')
	}
	return append(out, f[propsAt:]...)
}
