package directory_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/voisinage/voisinage/data"
	"github.com/voisinage/voisinage/directory"
	"github.com/voisinage/voisinage/directory/directorytest"
)

// syntheticDILA makes a DILA-shaped file with one town hall per commune of
// the bundle that has a point: made-up phones and addresses, each commune's
// own point, every field the import reads. For benchmarks only: it is never
// imported into a real directory.
func syntheticDILA(tb testing.TB) []byte {
	tb.Helper()
	bundle, err := data.Load()
	if err != nil {
		tb.Fatal(err)
	}
	var service []map[string]any
	for _, a := range bundle.Actors {
		if a.Kind != directory.KindCommune || a.Point == nil {
			continue
		}
		id := fmt.Sprintf("bench-%s", a.Code)
		service = append(service, map[string]any{
			"id": id, "nom": "Mairie - " + a.Name, "ancien_code_pivot": "mairie-" + a.Code + "-01", "code_insee_commune": a.Code,
			"pivot":            []any{map[string]any{"type_service_local": "mairie", "code_insee_commune": []string{a.Code}}},
			"telephone":        []any{map[string]any{"valeur": "01 00 00 00 00", "description": ""}},
			"adresse_courriel": []string{"mairie@" + a.Code + ".example"},
			"site_internet":    []any{map[string]any{"libelle": "", "valeur": "https://" + a.Code + ".example"}},
			"adresse": []any{map[string]any{"type_adresse": "Adresse", "numero_voie": "1 place de la Mairie", "code_postal": "00000",
				"nom_commune": a.Name, "longitude": fmt.Sprint(a.Point[0]), "latitude": fmt.Sprint(a.Point[1])}},
			"plage_ouverture": []any{map[string]any{"nom_jour_debut": "Lundi", "nom_jour_fin": "Vendredi", "valeur_heure_debut_1": "09:00:00",
				"valeur_heure_fin_1": "12:00:00", "valeur_heure_debut_2": "", "valeur_heure_fin_2": "", "commentaire": ""}},
			"siret": "", "date_modification": "18/11/2026 10:00:00",
		})
	}
	b, err := json.Marshal(map[string]any{"service": service})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// BenchmarkDILAFullImport imports a synthetic file of a town hall for each
// of the bundle's located communes (about 15,000 actors changed) into the
// real data, then measures a second directory (another process, as a
// running server) catching up with it, and the same file again (nothing to
// change). Run it once: go test -run x -bench DILAFullImport -benchtime 1x ./directory
func BenchmarkDILAFullImport(b *testing.B) {
	file := syntheticDILA(b)
	for range b.N {
		b.StopTimer()
		path := directorytest.SeededPath(b)
		ctx := context.Background()
		db, err := directory.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		d, err := directory.New(ctx, db)
		if err != nil {
			b.Fatal(err)
		}
		db2, err := directory.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		server, err := directory.New(ctx, db2)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		start := time.Now()
		rep, err := d.ImportDILA(ctx, bytes.NewReader(file), directory.DILAOptions{FileName: "2026-11-18_000000-data.gouv_local.json"})
		if err != nil {
			b.Fatal(err)
		}
		imported := time.Since(start)
		start = time.Now()
		n, err := server.CatchUp(ctx)
		if err != nil {
			b.Fatal(err)
		}
		caught := time.Since(start)
		start = time.Now()
		again, err := d.ImportDILA(ctx, bytes.NewReader(file), directory.DILAOptions{FileName: "2026-11-18_000000-data.gouv_local.json"})
		if err != nil {
			b.Fatal(err)
		}
		reimported := time.Since(start)
		start = time.Now()
		idle, err := server.CatchUp(ctx)
		if err != nil {
			b.Fatal(err)
		}
		idleTook := time.Since(start)
		b.StopTimer()
		if rep.ActorsChanged < 10000 || again.ActorsChanged != 0 || n < 10000 || idle != 0 {
			b.Fatalf("changed %d, caught up %d, again %d, idle %d", rep.ActorsChanged, n, again.ActorsChanged, idle)
		}
		b.ReportMetric(float64(rep.Records), "records")
		b.ReportMetric(imported.Seconds(), "import-s")
		b.ReportMetric(caught.Seconds(), "catchup-s")
		b.ReportMetric(reimported.Seconds(), "reimport-s")
		b.ReportMetric(float64(idleTook.Microseconds()), "idle-poll-µs")
		d.Close()
		server.Close()
		db.Close()
		db2.Close()
		b.StartTimer()
	}
}

// BenchmarkCatchUpIdle measures a poll of the change sequence when nothing
// changed: what a running server pays every second.
func BenchmarkCatchUpIdle(b *testing.B) {
	d := MustOpenDirectory(b)
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		if n, err := d.CatchUp(ctx); err != nil || n != 0 {
			b.Fatal(n, err)
		}
	}
}
