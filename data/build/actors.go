package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/voisinage/voisinage/data"
)

// bundle is everything the builder writes.
type bundle struct {
	actors    []data.Actor
	tools     []data.Tool
	adoptions []data.Adoption
	links     []data.Link
	labels    []data.Label
	meta      data.Meta
	outline   []byte
	// neighbours: the countries beside France (Natural Earth), for maps
	// without tiles.
	neighbours []byte
	report     []byte
	places     data.Territories
}

// stats are the figures of the report that are not in Meta.
type stats struct {
	placesRead     int            // GeoNames rows of the kept countries
	placesJoined   int            // of which join a current commune
	placesByRule   map[string]int // rows joined, by the rule that found their commune
	readByCC       map[string]int // rows read, by country code
	placesByCC     map[string]int // rows joined, by country code
	unjoinedByCC   map[string]int // rows not joined, by country code
	exactByZone    map[string]int
	exactByRule    map[string]int
	popTotal       int
	popExact       int
	popLocated     int
	noPoint        []*commune
	derivedApprox  []string // actors whose derived point copies an approximate one
	withoutPoint   []string // non-commune actors without a point
	prefSkipped    []departement
	sousPrefecture int
	liaisonOdd     []string // communes whose INSEE liaison their spelling does not give
}

var (
	charniere = map[int]string{0: "de ", 1: "d'", 2: "du ", 3: "de la ", 4: "des ", 5: "de l'", 6: "des ", 7: "de las ", 8: "de los "}
	// articles a commune's name starts with, by INSEE type de liaison.
	article = map[int]string{2: "Le ", 3: "La ", 4: "Les ", 5: "L'", 6: "Aux ", 7: "Las ", 8: "Los "}
)

// ofName is "de/du/des/d'… name" for a name without its article (départements,
// régions), after INSEE's type de liaison.
func ofName(name string, typeLiaison int) string {
	c, ok := charniere[typeLiaison]
	if !ok {
		c = "de "
	}
	return c + name
}

// ofCommune is "de/du/des/d'… name" for a commune's name, which carries its
// article: "Le Havre" → "du Havre", "Les Andelys" → "des Andelys", "La
// Flèche" → "de La Flèche", "L'Haÿ-les-Roses" → "de L'Haÿ-les-Roses".
func ofCommune(name string, typeLiaison int) string {
	art := article[typeLiaison]
	if art != "" && strings.HasPrefix(name, art) {
		switch typeLiaison {
		case 2:
			return "du " + strings.TrimPrefix(name, art)
		case 4, 6:
			return "des " + strings.TrimPrefix(name, art)
		default:
			return "de " + name
		}
	}
	if typeLiaison == 1 {
		return "d'" + name
	}
	return "de " + name
}

// hMuet returns the codes of the communes whose name begins with an h muet
// (INSEE liaison d'), and the communes whose INSEE liaison their spelling
// does not give (data.SpelledLiaison), as "code name (liaison n, spelled m)".
// Communes of the collectivités d'outre-mer the list gives no liaison for
// are left to their spelling.
func hMuet(codes []string, byCode map[string]*commune) (muet, odd []string) {
	muet = []string{}
	for _, code := range codes {
		c := byCode[code]
		if c.TypeLiaison == nil {
			continue
		}
		spelled, ok := data.SpelledLiaison(c.Nom)
		switch {
		case !ok && *c.TypeLiaison == data.LiaisonDApos:
			muet = append(muet, code)
		case ok && *c.TypeLiaison != spelled:
			odd = append(odd, fmt.Sprintf("%s %s (liaison %d, spelled %d)", code, c.Nom, *c.TypeLiaison, spelled))
		}
	}
	return muet, odd
}

func build(src *sources, f *facts) (*bundle, error) {
	// Current communes, sorted by code, and the name of the chef-lieu of each
	// commune nouvelle (its commune déléguée or associée with the same code).
	byCode := make(map[string]*commune)
	chefLieuName := make(map[string]string)
	var codes []string
	for i := range src.Communes {
		c := &src.Communes[i]
		switch c.Type {
		case "commune-actuelle":
			if byCode[c.Code] != nil {
				return nil, fmt.Errorf("communes.json: commune %s listed twice", c.Code)
			}
			byCode[c.Code] = c
			codes = append(codes, c.Code)
		case "commune-deleguee", "commune-associee":
			if _, ok := chefLieuName[c.Code]; !ok {
				chefLieuName[c.Code] = c.Nom
			}
		}
	}
	sort.Strings(codes)

	st := stats{placesByCC: map[string]int{}, unjoinedByCC: map[string]int{}, exactByZone: map[string]int{}, exactByRule: map[string]int{},
		placesByRule: map[string]int{}, readByCC: map[string]int{}}
	resolveCodes(src.Places, byCode)
	for _, p := range src.Places {
		st.placesRead++
		st.readByCC[p.Country]++
		if p.Code != "" {
			st.placesJoined++
			st.placesByCC[p.Country]++
			st.placesByRule[p.Rule]++
		} else {
			st.unjoinedByCC[p.Country]++
		}
	}
	exact := chooseExact(byCode, chefLieuName, src.Places)

	a := &approx{codes: codes, byCode: byCode, exact: exact,
		postal: map[string][]string{}, epciOf: map[string]string{}, members: map[string][]string{}}
	for _, code := range codes {
		for _, cp := range byCode[code].CodesPostaux {
			if l := a.postal[cp]; len(l) == 0 || l[len(l)-1] != code {
				a.postal[cp] = append(l, code)
			}
		}
	}
	epcis := append([]epci(nil), src.EPCI...)
	sort.Slice(epcis, func(i, j int) bool { return epcis[i].Code < epcis[j].Code })
	for _, e := range epcis {
		if len(a.members[e.Code]) > 0 {
			return nil, fmt.Errorf("epci.json: EPCI %s listed twice", e.Code)
		}
		for _, m := range e.Membres {
			if byCode[m.Code] == nil {
				return nil, fmt.Errorf("epci.json: EPCI %s: member %s is not a current commune", e.Code, m.Code)
			}
			if prev := a.epciOf[m.Code]; prev != "" {
				return nil, fmt.Errorf("epci.json: commune %s is a member of both %s and %s", m.Code, prev, e.Code)
			}
			a.epciOf[m.Code] = e.Code
			a.members[e.Code] = append(a.members[e.Code], m.Code)
		}
		sort.Strings(a.members[e.Code])
	}
	loc := a.locate()
	loo := a.leaveOneOut()

	var actors []data.Actor
	counts := map[string]int{}

	// Communes.
	for _, code := range codes {
		c := byCode[code]
		act := data.Actor{
			ID: "commune-" + code, Kind: "commune", Name: c.Nom, Code: code, SIREN: c.Siren,
			Departement: c.Departement, Region: c.Region, Population: c.Population, Zone: c.Zone,
		}
		if siren := a.epciOf[code]; siren != "" {
			act.Parents = append(act.Parents, "epci-"+siren)
		}
		act.Parents = append(act.Parents, "departement-"+c.Departement, "region-"+c.Region)
		if len(c.CodesPostaux) > 0 {
			cps := append([]string(nil), c.CodesPostaux...)
			sort.Strings(cps)
			act.PostalCodes = compact(cps)
		}
		st.popTotal += c.Population
		if l, ok := loc[code]; ok {
			p := [2]float64{l.P.Lon, l.P.Lat}
			act.Point, act.Precision, act.PointSource = &p, l.Precision, l.Source
			counts["commune:"+l.Precision]++
			st.popLocated += c.Population
			if l.Precision == data.PrecisionExact {
				st.popExact += c.Population
				st.exactByZone[c.Zone]++
				st.exactByRule[exact[code].Rule]++
			}
		} else {
			counts["commune:none"]++
			st.noPoint = append(st.noPoint, c)
		}
		actors = append(actors, act)
	}

	// derive copies the point of a commune to another actor. A copy of an
	// exact point is "derived"; a copy of an approximate point keeps the
	// approximation's precision, so that no approximation passes for exact.
	derive := func(act *data.Actor, code string) {
		l, ok := loc[code]
		if !ok {
			st.withoutPoint = append(st.withoutPoint, act.ID)
			return
		}
		p := [2]float64{l.P.Lon, l.P.Lat}
		act.Point, act.PointSource = &p, "derived:commune-"+code
		act.Precision = data.PrecisionDerived
		if l.Precision != data.PrecisionExact {
			act.Precision = l.Precision
			st.derivedApprox = append(st.derivedApprox, act.ID)
		}
	}

	// EPCI.
	for _, e := range epcis {
		ms := a.members[e.Code]
		act := data.Actor{
			ID: "epci-" + e.Code, Kind: "epci", Name: e.Nom, Code: e.Code, SIREN: e.Code,
			EPCIType: e.Type, Population: e.PopulationMunicipale,
		}
		for _, m := range ms {
			act.Members = append(act.Members, "commune-"+m)
		}
		// Most populous member (ties: lowest code), and most populous member
		// with an exact point.
		var top, topExact *commune
		deps, regs := map[string]bool{}, map[string]bool{}
		var depList, regList []string
		for _, m := range ms {
			c := byCode[m]
			if top == nil || c.Population > top.Population {
				top = c
			}
			if _, ok := exact[m]; ok && (topExact == nil || c.Population > topExact.Population) {
				topExact = c
			}
			if !deps[c.Departement] {
				deps[c.Departement] = true
				depList = append(depList, c.Departement)
			}
			if !regs[c.Region] {
				regs[c.Region] = true
				regList = append(regList, c.Region)
			}
		}
		if top != nil {
			act.Departement, act.Region = top.Departement, top.Region
		}
		sort.Strings(depList)
		sort.Strings(regList)
		for _, d := range depList {
			act.Parents = append(act.Parents, "departement-"+d)
		}
		for _, r := range regList {
			act.Parents = append(act.Parents, "region-"+r)
		}
		if topExact != nil {
			derive(&act, topExact.Code)
		} else {
			st.withoutPoint = append(st.withoutPoint, act.ID)
		}
		actors = append(actors, act)
	}

	// Régions and départements.
	regionIDs := map[string]bool{}
	for _, r := range src.Regions {
		if byCode[r.ChefLieu] == nil {
			return nil, fmt.Errorf("regions.json: région %s: chef-lieu %s is not a current commune", r.Code, r.ChefLieu)
		}
		act := data.Actor{ID: "region-" + r.Code, Kind: "region", Name: r.Nom, Code: r.Code, Region: r.Code, Zone: r.Zone}
		derive(&act, r.ChefLieu)
		regionIDs[r.Code] = true
		actors = append(actors, act)
	}
	deps := map[string]departement{}
	for _, d := range src.Departements {
		if byCode[d.ChefLieu] == nil {
			return nil, fmt.Errorf("departements.json: département %s: chef-lieu %s is not a current commune", d.Code, d.ChefLieu)
		}
		if !regionIDs[d.Region] {
			return nil, fmt.Errorf("departements.json: département %s: région %s is not in regions.json", d.Code, d.Region)
		}
		deps[d.Code] = d
		act := data.Actor{ID: "departement-" + d.Code, Kind: "departement", Name: d.Nom, Code: d.Code,
			Departement: d.Code, Region: d.Region, Zone: d.Zone, Parents: []string{"region-" + d.Region}}
		derive(&act, d.ChefLieu)
		actors = append(actors, act)

		// The préfecture sits in the département's chef-lieu. In the
		// collectivités d'outre-mer the State's representative is not always a
		// préfet nor seated in the listed chef-lieu, so none is made up there.
		if d.Zone == "com" {
			st.prefSkipped = append(st.prefSkipped, d)
			continue
		}
		pref := data.Actor{ID: "prefecture-" + d.Code, Kind: "prefecture", Name: "Préfecture " + ofName(d.Nom, d.TypeLiaison),
			Code: d.Code, Departement: d.Code, Region: d.Region, Zone: d.Zone,
			Parents: []string{"departement-" + d.Code, "region-" + d.Region}}
		derive(&pref, d.ChefLieu)
		actors = append(actors, pref)
	}

	// Sous-préfectures: every arrondissement whose chef-lieu is not its
	// département's.
	for _, ar := range src.Arrondissements {
		d, ok := deps[ar.Departement]
		if !ok {
			return nil, fmt.Errorf("arrondissements.json: arrondissement %s: département %s is not in departements.json", ar.Code, ar.Departement)
		}
		if ar.ChefLieu == d.ChefLieu {
			continue
		}
		name := "Sous-préfecture " + ofCommune(ar.Nom, ar.TypeLiaison)
		if c := byCode[ar.ChefLieu]; c != nil {
			name = "Sous-préfecture " + ofCommune(c.Nom, c.liaison())
		}
		act := data.Actor{ID: "sous-prefecture-" + ar.Code, Kind: "sous-prefecture", Name: name, Code: ar.Code,
			Departement: ar.Departement, Region: d.Region, Zone: d.Zone,
			Parents: []string{"departement-" + ar.Departement, "region-" + d.Region}}
		if byCode[ar.ChefLieu] != nil {
			derive(&act, ar.ChefLieu)
		} else {
			st.withoutPoint = append(st.withoutPoint, act.ID)
		}
		st.sousPrefecture++
		actors = append(actors, act)
	}

	// Seed facts.
	ap, err := f.apply(actors)
	if err != nil {
		return nil, err
	}
	actors, tools, adoptions := ap.actors, ap.tools, ap.adoptions
	if err := checkReferences(actors); err != nil {
		return nil, err
	}

	for _, act := range actors {
		counts["actors"]++
		counts["kind:"+act.Kind]++
		if act.Precision != "" {
			counts["precision:"+act.Precision]++
		}
	}
	counts["tools"] = len(tools)
	counts["adoptions"] = len(adoptions)
	counts["links"] = len(ap.links)
	counts["labels"] = len(ap.labels)

	outline, err := franceOutline(src.Atlas)
	if err != nil {
		return nil, err
	}
	neighbours, err := neighboursOutline(src.Atlas)
	if err != nil {
		return nil, err
	}
	b := &bundle{actors: actors, tools: tools, adoptions: adoptions, links: ap.links, labels: ap.labels, outline: outline, neighbours: neighbours}
	for _, r := range src.Regions {
		b.places.Regions = append(b.places.Regions, data.Place{Code: r.Code, Name: r.Nom, Zone: r.Zone, Liaison: r.TypeLiaison})
	}
	for _, d := range src.Departements {
		b.places.Departements = append(b.places.Departements, data.Place{Code: d.Code, Name: d.Nom, Region: d.Region, Zone: d.Zone, Liaison: d.TypeLiaison})
	}
	b.places.HMuet, st.liaisonOdd = hMuet(codes, byCode)
	slices.SortFunc(b.places.Regions, func(a, b data.Place) int { return strings.Compare(a.Code, b.Code) })
	slices.SortFunc(b.places.Departements, func(a, b data.Place) int { return strings.Compare(a.Code, b.Code) })
	b.meta = data.Meta{
		Sources:  datasetSources,
		Counts:   counts,
		LeaveOne: loo,
		Notes:    metaNotes,
	}
	b.report = report(b, &st)
	return b, nil
}

// compact drops repeated neighbours of a sorted slice.
func compact(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || s[i-1] != v {
			out = append(out, v)
		}
	}
	return out
}

// checkReferences makes sure every parent and member id names an actor.
func checkReferences(actors []data.Actor) error {
	ids := make(map[string]bool, len(actors))
	for _, a := range actors {
		if ids[a.ID] {
			return fmt.Errorf("actor id %s used twice", a.ID)
		}
		ids[a.ID] = true
	}
	for _, a := range actors {
		for _, p := range a.Parents {
			if !ids[p] {
				return fmt.Errorf("actor %s: parent %s does not exist", a.ID, p)
			}
		}
		for _, m := range a.Members {
			if !ids[m] {
				return fmt.Errorf("actor %s: member %s does not exist", a.ID, m)
			}
		}
	}
	return nil
}
