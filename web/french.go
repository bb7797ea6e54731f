package web

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/directory"
)

// French joins a name to "de" and "à" according to the name: "d'Épinal",
// "du Havre", "des Vosges", "de la Préfecture des Vosges", "d'Hérouville"
// but "de Haguenau". A message's placeholder after "de" or "à" takes the
// right form when its argument is a frName (catalog.Tf); a plain string is
// joined by its spelling alone.

// frName is a name with what French needs to join it: the article it takes
// (an INSEE type de liaison, data.Liaison…) and whether the name itself
// begins with that article ("Le Havre") or goes without it ("Vosges",
// "Préfecture des Vosges"). Outside French it prints as the name.
type frName struct {
	Name    string
	liaison int
	inName  bool // the article is the name's first word
}

func (n frName) String() string { return n.Name }

// after writes the name after the preposition prep ("de" or "à").
func (n frName) after(prep string) string {
	name := n.Name
	bare := name // the name without its leading article, for "du", "au", "des", "aux"
	if n.inName {
		if i := strings.IndexAny(name, " "); i > 0 {
			bare = name[i+1:]
		}
	}
	de := prep == "de"
	switch n.liaison {
	case data.LiaisonDApos:
		if de {
			return "d'" + name
		}
	case data.LiaisonLe:
		if de {
			return "du " + bare
		}
		return "au " + bare
	case data.LiaisonLes, data.LiaisonAux:
		if de {
			return "des " + bare
		}
		return "aux " + bare
	case data.LiaisonLa:
		if !n.inName {
			return prep + " la " + name
		}
	case data.LiaisonLApos:
		if !n.inName {
			return prep + " l'" + name
		}
	}
	return prep + " " + name
}

// plainName is a name about which nothing is known but its spelling (a
// user's name, a tool's, a phrase of the interface): a leading article is
// contracted ("le point …" → "du point …", "Le Monde" → "du Monde"), "de"
// elides before a vowel, and an initial h is taken as aspirated.
func plainName(s string) frName {
	for art, l := range map[string]int{"le ": data.LiaisonLe, "les ": data.LiaisonLes} {
		if len(s) > len(art) && strings.EqualFold(s[:len(art)], art) {
			return frName{Name: s, liaison: l, inName: true}
		}
	}
	l, _ := data.SpelledLiaison(s)
	return frName{Name: s, liaison: l, inName: true}
}

// personName is a person's name (a contributor's): "de" elides before a
// vowel ("d'Alice") but an article is part of a surname, never contracted
// ("de Le Goff").
func personName(s string) frName {
	l, _ := data.SpelledLiaison(s)
	if l != data.LiaisonDApos {
		l = data.LiaisonDe
	}
	return frName{Name: s, liaison: l, inName: true}
}

// frenchFacts are the official facts a name's liaison is read from: INSEE's
// liaison of each département and région (by code, with its official name),
// and the communes whose name begins with an h muet.
type frenchFacts struct {
	places map[string]data.Place // kind:code → place
	hMuet  map[string]bool       // commune code
}

var loadFrenchFacts = sync.OnceValue(func() *frenchFacts {
	f := &frenchFacts{places: map[string]data.Place{}, hMuet: map[string]bool{}}
	t, err := data.LoadTerritories()
	if err != nil { // the file is embedded: only a broken build gets here; names then join by their spelling
		return f
	}
	for _, p := range t.Departements {
		f.places[directory.KindDepartement+":"+p.Code] = p
	}
	for _, p := range t.Regions {
		f.places[directory.KindRegion+":"+p.Code] = p
	}
	for _, c := range t.HMuet {
		f.hMuet[c] = true
	}
	return f
})

// actorName is how French joins the name of an actor of kind with official
// code to "de" and "à":
//   - a commune carries its article in its name ("Le Havre"); its spelling
//     gives its liaison, and for an initial h the official list says
//     whether it is mute;
//   - a département or a région takes the article INSEE gives it ("des
//     Vosges", "du Grand Est"), as long as it bears its official name;
//   - any other actor's name is an organisation's: when its first word is a
//     common noun (orgNouns) it takes that noun's article ("de la Préfecture
//     des Vosges", "du Syndicat mixte …", "de l'Agence …", and for an EPCI
//     "de la CC …"), otherwise it is a proper name ("d'Adullact", "de Brest
//     Métropole").
func actorName(kind, code, name string) frName {
	facts := loadFrenchFacts()
	switch kind {
	case directory.KindCommune:
		l, ok := data.SpelledLiaison(name)
		if !ok && facts.hMuet[code] {
			l = data.LiaisonDApos
		}
		return frName{Name: name, liaison: l, inName: true}
	case directory.KindDepartement, directory.KindRegion:
		if p, ok := facts.places[kind+":"+code]; ok && p.Name == name {
			// The official name goes without its article ("Vosges"), but
			// for "La Réunion", listed with "de".
			return frName{Name: name, liaison: p.Liaison}
		}
		return plainName(name)
	}
	first, _, _ := strings.Cut(name, " ")
	noun := strings.ToLower(first)
	art, ok := orgNouns[noun]
	if !ok && kind == directory.KindEPCI {
		art, ok = epciAbbrev[first]
	}
	if !ok {
		return plainName(name)
	}
	switch {
	case art == "les":
		return frName{Name: name, liaison: data.LiaisonLes}
	case art == "l'" || startsWithVowel(noun):
		return frName{Name: name, liaison: data.LiaisonLApos}
	case art == "la":
		return frName{Name: name, liaison: data.LiaisonLa}
	}
	return frName{Name: name, liaison: data.LiaisonLe}
}

// actorNameOfID is actorName for an actor known by its id: an official
// actor's id is "{kind}-{official code}".
func actorNameOfID(kind, id, name string) frName {
	return actorName(kind, strings.TrimPrefix(id, kind+"-"), name)
}

func startsWithVowel(s string) bool {
	l, ok := data.SpelledLiaison(s)
	return ok && l == data.LiaisonDApos
}

// orgNouns are the common nouns an organisation's name may begin with, and
// their article ("le" or "la"; "l'" for a noun with an h muet; a noun
// beginning with a vowel elides by itself). A name beginning with a word
// not listed is taken as a proper name.
var orgNouns = map[string]string{
	// feminine
	"agence": "la", "agglomération": "la", "académie": "la", "administration": "la", "antenne": "la",
	"assemblée": "la", "association": "la", "autorité": "la", "bibliothèque": "la", "caisse": "la",
	"cellule": "la", "chambre": "la", "cité": "la", "collectivité": "la", "commission": "la",
	"communauté": "la", "compagnie": "la", "confédération": "la", "conférence": "la", "coopérative": "la",
	"coordination": "la", "délégation": "la", "direction": "la", "école": "la", "entente": "la",
	"eurométropole": "la", "fabrique": "la", "fédération": "la", "fondation": "la", "intercommunalité": "la",
	"maison": "la", "mairie": "la", "médiathèque": "la", "métropole": "la", "mission": "la",
	"plateforme": "la", "préfecture": "la", "radio": "la", "régie": "la", "région": "la",
	"société": "la", "sous-préfecture": "la", "structure": "la", "union": "la", "université": "la",
	"ville": "la",
	// masculine
	"atelier": "le", "bureau": "le", "cabinet": "le", "campus": "le", "centre": "le",
	"club": "le", "collectif": "le", "collège": "le", "comité": "le", "conseil": "le",
	"conservatoire": "le", "consortium": "le", "département": "le", "espace": "le", "établissement": "le",
	"festival": "le", "fonds": "le", "groupe": "le", "groupement": "le", "hôpital": "l'",
	"hôtel": "l'", "institut": "le", "laboratoire": "le", "lycée": "le", "ministère": "le",
	"musée": "le", "observatoire": "le", "office": "le", "opérateur": "le", "organisateur": "le",
	"parc": "le", "pays": "le", "pôle": "le", "portail": "le", "programme": "le",
	"projet": "le", "rectorat": "le", "réseau": "le", "secrétariat": "le", "service": "le",
	"syndicat": "le", "théâtre": "le",
}

// epciAbbrev are the abbreviations an EPCI's official name begins with: the
// communauté (de communes, d'agglomération, urbaine) they stand for is
// feminine ("de la CC de la Vallée de …").
var epciAbbrev = map[string]string{"CC": "la", "CA": "la", "CU": "la"}

// frenchJoin puts the name n at each placeholder ph of m the way French
// writes it after "de" and "à" (see frName.after); elsewhere as it is.
func frenchJoin(m, ph string, n frName) string {
	var b strings.Builder
	for {
		i := strings.Index(m, ph)
		if i < 0 {
			b.WriteString(m)
			return b.String()
		}
		before := m[:i]
		switch {
		case hasWord(before, "de "):
			b.WriteString(before[:len(before)-len("de ")] + n.after("de"))
		case hasWord(before, "à "):
			b.WriteString(before[:len(before)-len("à ")] + n.after("à"))
		default:
			b.WriteString(before + n.Name)
		}
		m = m[i+len(ph):]
	}
}

// hasWord reports whether s ends with the word w (preceded by a space, a
// no-break space, a parenthesis or the start of s).
func hasWord(s, w string) bool {
	if !strings.HasSuffix(s, w) {
		return false
	}
	if len(s) == len(w) {
		return true
	}
	r, _ := utf8.DecodeLastRuneInString(s[:len(s)-len(w)])
	return r == ' ' || r == '\u00a0' || r == '('
}

// frenchSpacing gives free text from the data (a usage, a note, a quote,
// a description: French written by people and articles) the no-break
// spaces French typography wants where the text has an ordinary one:
// before ; : ! ? and », after «, so that a line never starts with « : » or
// « ? ». Text without such a space is left as written (an English title,
// "2016: la…", is quoted as published).
var frenchSpacing = strings.NewReplacer(" ;", "\u00a0;", " :", "\u00a0:", " !", "\u00a0!", " ?", "\u00a0?",
	" »", "\u00a0»", "« ", "«\u00a0")

// typo is frenchSpacing for templates.
func typo(s string) string { return frenchSpacing.Replace(s) }
