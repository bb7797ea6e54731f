package directory

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	lru2 "github.com/hashicorp/golang-lru/v2"
	lru "github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/paulmach/orb"
	"golang.org/x/sync/semaphore"
	"golang.org/x/sync/singleflight"

	"github.com/voisinage/voisinage/geo"
)

// Server-side clusters.
//
// A geo.ClusterIndex is immutable: it is built from a snapshot of the
// located actors that match a filter, tagged with the change sequence and
// the read-model generation it was read at, and swapped in whole. Nobody
// ever sees a half-built one.
//
//   - The index of every actor is built
//     in the background after start and again after each change (changes
//     coalesce: a rebuild that starts after several of them covers them
//     all). While a rebuild runs, the previous index is served, with the
//     sequence it was built at, so that its ETag stays true to its content.
//   - Any other filter (a tool, a département, several kinds…) gets its
//     index built on first use and kept in a small LRU cache, bounded by the
//     number of points it holds. A stale small index is rebuilt before
//     answering (it takes milliseconds); a stale large one is served while
//     its rebuild runs in the background.
//   - Concurrent requests for the same missing index share one build.
const (
	// ClusterMaxZoom is the deepest zoom at which actors are clustered;
	// above it every actor is alone.
	ClusterMaxZoom = 18
	// syncRebuildMax is the size up to which a stale index is rebuilt before
	// answering rather than in the background.
	syncRebuildMax = 100_000
	// clusterCachePoints bounds the points held by the cached indexes
	// (about 70 bytes each), and clusterCacheEntries their number.
	clusterCachePoints  = 1_500_000
	clusterCacheEntries = 64
	// clusterIDsMax is the size up to which a cluster lists its actors' ids.
	clusterIDsMax = 10
)

// clusterSet is a built index and what it was built from.
type clusterSet struct {
	ix  *geo.ClusterIndex
	seq uint64 // the change sequence of the snapshot
	gen uint64 // the read model's generation: refs mean nothing across loads

	// What the index gives is the same until it is replaced: the tiles
	// made from it, and the GeoJSON of its large clusters, are kept (a
	// map of France asks for the same few hundred tiles again and again).
	cacheOnce sync.Once
	tiles     *lru2.Cache[tileKey, []byte]
	features  *lru2.Cache[uint64, []byte]
}

type tileKey struct {
	z, x, y uint32
	gzipped bool
}

// Sizes of the caches of each index: tiles (about 1 KiB each) and cluster
// features (about 250 bytes).
const (
	tileCacheSize    = 4096
	featureCacheSize = 16384
)

func (cs *clusterSet) caches() (*lru2.Cache[tileKey, []byte], *lru2.Cache[uint64, []byte]) {
	cs.cacheOnce.Do(func() {
		cs.tiles, _ = lru2.New[tileKey, []byte](tileCacheSize)
		cs.features, _ = lru2.New[uint64, []byte](featureCacheSize)
	})
	return cs.tiles, cs.features
}

// clusterCache holds the built indexes. Its lock is never held while
// building nor while d.mu is held by the same goroutine.
type clusterCache struct {
	mu     sync.Mutex
	all    *clusterSet // the index of all actors (key ""), kept out of the LRU
	lru    *lru.LRU[string, *clusterSet]
	points int // held by the LRU's sets
	flight singleflight.Group
	kick   chan struct{} // wakes the background rebuilder
	opts   geo.ClusterOptions
	// syncMax is syncRebuildMax, except in tests.
	syncMax int
	builds  *semaphore.Weighted
}

func newClusterCache() *clusterCache {
	c := &clusterCache{kick: make(chan struct{}, 1),
		syncMax: syncRebuildMax, builds: semaphore.NewWeighted(2)}
	c.lru, _ = lru.NewLRU(clusterCacheEntries, func(_ string, cs *clusterSet) { c.points -= cs.ix.Len() })
	c.opts = geo.DefaultClusterOptions()
	c.opts.MaxZoom = ClusterMaxZoom
	return c
}

func (c *clusterCache) get(key string) *clusterSet {
	c.mu.Lock()
	defer c.mu.Unlock()
	if key == "" {
		return c.all
	}
	cs, _ := c.lru.Get(key)
	return cs
}

func (c *clusterCache) put(key string, cs *clusterSet) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if key == "" {
		c.all = cs
		return
	}
	if old, ok := c.lru.Peek(key); ok {
		c.points -= old.ix.Len()
	}
	c.lru.Add(key, cs)
	c.points += cs.ix.Len()
	for c.points > clusterCachePoints && c.lru.Len() > 1 {
		c.lru.RemoveOldest()
	}
}

// clusterKey is the canonical form of the filter's non-spatial part: the
// same actors give the same key, whatever the order of values.
func clusterKey(f *ActorFilter) string {
	var b strings.Builder
	list := func(name string, v []string) {
		if len(v) == 0 {
			return
		}
		s := slices.Clone(v)
		slices.Sort(s)
		s = slices.Compact(s)
		b.WriteString(name + "=" + strings.Join(s, ",") + ";")
	}
	list("kind", f.Kinds)
	list("dept", f.Departements)
	list("region", f.Regions)
	list("tool", f.Tools)
	list("theme", f.Themes)
	list("precision", f.Precisions)
	list("parent", f.Parents)
	if f.Q != "" {
		b.WriteString("q=" + Fold(f.Q) + ";")
	}
	if f.PopulationMin > 0 {
		b.WriteString("popmin=" + strconv.Itoa(f.PopulationMin) + ";")
	}
	if f.PopulationMax > 0 {
		b.WriteString("popmax=" + strconv.Itoa(f.PopulationMax) + ";")
	}
	if !f.UpdatedFrom.IsZero() {
		b.WriteString("from=" + strconv.FormatInt(f.UpdatedFrom.Unix(), 10) + ";")
	}
	if !f.UpdatedTo.IsZero() {
		b.WriteString("to=" + strconv.FormatInt(f.UpdatedTo.Unix(), 10) + ";")
	}
	if f.Stale != nil {
		b.WriteString("stale=" + strconv.FormatBool(*f.Stale) + ";")
	}
	if f.AnyTool {
		b.WriteString("anytool;")
	}
	if f.IncludePlanned {
		b.WriteString("planned;")
	}
	if !f.VerifiedSince.IsZero() {
		b.WriteString("verified=" + strconv.FormatInt(f.VerifiedSince.Unix(), 10) + ";")
	}
	return b.String()
}

// clusterSetFor returns an index for the filter's actors (its Bound,
// Offset and Limit are ignored): a current one, or a stale large one whose
// rebuild has been started.
func (d *Directory) clusterSetFor(ctx context.Context, f ActorFilter) (*clusterSet, error) {
	f.Bound, f.Offset, f.Limit = nil, 0, 0
	key := clusterKey(&f)
	d.mu.RLock()
	seq, gen := d.seq, d.gen
	d.mu.RUnlock()
	cs := d.clusters.get(key)
	if cs != nil && cs.gen == gen {
		if cs.seq == seq {
			return cs, nil
		}
		if cs.ix.Len() > d.clusters.syncMax {
			d.clusters.flight.DoChan(key, func() (any, error) { return d.buildClusterSet(key, &f) })
			return cs, nil
		}
	}
	ch := d.clusters.flight.DoChan(key, func() (any, error) { return d.buildClusterSet(key, &f) })
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.(*clusterSet), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// buildClusterSet reads the located actors matching f under the read lock,
// then clusters them without it, and stores the result.
func (d *Directory) buildClusterSet(key string, f *ActorFilter) (*clusterSet, error) {
	// A build of a million points holds about 150 MiB while it runs: at
	// most two at once, so that many new filters at once queue rather than
	// take the process past its memory.
	d.clusters.builds.Acquire(context.Background(), 1)
	defer d.clusters.builds.Release(1)
	start := time.Now()
	d.mu.RLock()
	seq, gen := d.seq, d.gen
	var refs []uint32
	if filterIsEmpty(f) {
		refs = d.live
	} else {
		refs = d.matchLocked(f)
	}
	points := make([]geo.ClusterPoint, 0, len(refs))
	for _, r := range refs {
		if e := &d.entries[r]; e.hasPoint() && !e.deleted {
			points = append(points, geo.ClusterPoint{Ref: r, Point: e.point()})
		}
	}
	d.mu.RUnlock()
	ix, err := geo.NewClusterIndex(points, d.clusters.opts)
	if err != nil {
		// Every stored point passed geo.CheckPoint: this is a bug.
		return nil, fmt.Errorf("cluster actors: %w", err)
	}
	cs := &clusterSet{ix: ix, seq: seq, gen: gen}
	d.clusters.put(key, cs)
	if len(points) > syncRebuildMax {
		slog.Info("clusters built", "filter", key, "points", len(points), "seq", seq,
			"took", time.Since(start).Round(time.Millisecond).String())
	}
	return cs, nil
}

// warmClusters builds, in the background, the index of every actor, then
// rebuilds it each time the read model changes, until Close.
func (d *Directory) warmClusters() {
	d.background.Add(1)
	go func() {
		defer d.background.Done()
		f := ActorFilter{}
		for {
			d.mu.RLock()
			seq, gen := d.seq, d.gen
			d.mu.RUnlock()
			if cs := d.clusters.get(""); cs == nil || cs.seq != seq || cs.gen != gen {
				<-d.clusters.flight.DoChan("", func() (any, error) { return d.buildClusterSet("", &f) })
			}
			select {
			case <-d.clusters.kick:
			case <-d.closed:
				return
			}
		}
	}()
}

// clustersChanged wakes the background rebuilder after a change; changes
// made while it works coalesce into one more rebuild.
func (d *Directory) clustersChanged() {
	select {
	case d.clusters.kick <- struct{}{}:
	default:
	}
}

// ClusterPage is what a map shows of the actors matching a filter in a
// bounding box at a zoom: clusters and actors alone, as GeoJSON features.
type ClusterPage struct {
	Features [][]byte
	Clusters int    // features that are clusters
	Actors   int    // actors counted, in clusters or alone
	Seq      uint64 // the change sequence the clusters reflect
}

// ClusterQuery asks for clusters.
type ClusterQuery struct {
	Filter ActorFilter // Bound is the map's view (nil: the whole world); Offset and Limit are ignored
	Zoom   int         // web map zoom, 0 to geo.MaxClusterZoom; above ClusterMaxZoom every actor is alone
}

// Clusters returns the clusters and lone actors matching q, each actor
// counted exactly once: clusters carry their count, bounding box, the zoom
// at which they break apart and, when small, their actors' ids; a lone
// actor is its usual feature. It returns EINVALID for bad filter values.
func (d *Directory) Clusters(ctx context.Context, q ClusterQuery) (*ClusterPage, error) {
	f := q.Filter
	f.Offset, f.Limit = 0, 0
	if q.Zoom < 0 || q.Zoom > geo.MaxClusterZoom {
		return nil, FieldError("zoom", keyIntBetween, Args{"min": 0, "max": geo.MaxClusterZoom})
	}
	d.mu.RLock()
	err := d.validateFilterLocked(&f)
	d.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	cs, err := d.clusterSetFor(ctx, f)
	if err != nil {
		return nil, err
	}
	b := orb.Bound{Min: orb.Point{-180, -90}, Max: orb.Point{180, 90}}
	if f.Bound != nil {
		b = *f.Bound
	}
	found := cs.ix.Clusters(b, q.Zoom)
	page := &ClusterPage{Seq: cs.seq, Features: make([][]byte, 0, len(found))}
	d.mu.RLock()
	defer d.mu.RUnlock()
	stale := d.gen != cs.gen
	for _, c := range found {
		if c.Count == 1 {
			if stale || int(c.Ref) >= len(d.entries) || d.entries[c.Ref].deleted {
				continue // deleted since the index was built; its rebuild is under way
			}
			page.Features = append(page.Features, d.featureLocked(c.Ref, -1))
			page.Actors++
			continue
		}
		page.Features = append(page.Features, d.clusterFeatureLocked(cs, c, stale))
		page.Clusters++
		page.Actors += c.Count
	}
	return page, nil
}

// clusterFeatureLocked encodes a cluster as a GeoJSON feature whose
// properties say it is one (cluster: true), as supercluster's do.
func (d *Directory) clusterFeatureLocked(cs *clusterSet, c geo.Cluster, stale bool) []byte {
	// Clusters listing ids read the entries (an actor may have been deleted
	// since the index was built); the others depend on the index alone.
	cacheable := c.Count > clusterIDsMax
	_, cache := cs.caches()
	if cacheable {
		if b, ok := cache.Get(c.ID); ok {
			return b
		}
	}
	ix := cs.ix
	zoom, _ := ix.ExpansionZoom(c.ID)
	box := []byte{'['}
	for i, v := range []float64{c.Bound.Min[0], c.Bound.Min[1], c.Bound.Max[0], c.Bound.Max[1]} {
		if i > 0 {
			box = append(box, ',')
		}
		box = appendCoord(box, v)
	}
	box = append(box, ']')
	out := make([]byte, 0, 256)
	out = append(out, `{"type":"Feature","bbox":`...)
	out = append(out, box...)
	out = append(out, `,"geometry":{"type":"Point","coordinates":[`...)
	out = appendCoord(out, c.Point[0])
	out = append(out, ',')
	out = appendCoord(out, c.Point[1])
	out = append(out, `]},"properties":{"cluster":true,"cluster_id":`...)
	out = strconv.AppendUint(out, c.ID, 10)
	out = append(out, `,"count":`...)
	out = strconv.AppendInt(out, int64(c.Count), 10)
	out = append(out, `,"expansion_zoom":`...)
	out = strconv.AppendInt(out, int64(zoom), 10)
	out = append(out, `,"bbox":`...)
	out = append(out, box...)
	if c.Count <= clusterIDsMax && !stale {
		refs, _ := ix.Leaves(c.ID, clusterIDsMax, 0)
		ids := make([]string, 0, len(refs))
		for _, r := range refs {
			if int(r) < len(d.entries) && !d.entries[r].deleted {
				ids = append(ids, d.idOf(r))
			}
		}
		slices.Sort(ids)
		out = append(out, `,"ids":[`...)
		for i, id := range ids {
			if i > 0 {
				out = append(out, ',')
			}
			out = strconv.AppendQuote(out, id)
		}
		out = append(out, ']')
	}
	out = append(out, "}}"...)
	if cacheable {
		cache.Add(c.ID, out)
	}
	return out
}

// TileLayerName is the layer of the vector tiles.
const TileLayerName = "actors"

// Tile returns the Mapbox Vector Tile z/x/y of the actors matching f
// (Bound, Offset and Limit ignored), gzipped if asked: clusters (cluster,
// cluster_id, count, expansion_zoom) where actors are dense at that zoom,
// and actors alone (id, kind, name) elsewhere and at every zoom above
// ClusterMaxZoom. It returns EINVALID for a tile that does not exist or
// bad filter values, and the change sequence the tile reflects.
func (d *Directory) Tile(ctx context.Context, f ActorFilter, z, x, y uint32, gzipped bool) ([]byte, uint64, error) {
	bound, err := geo.BufferedTileBound(z, x, y)
	if err != nil {
		p := Problems{}
		if coordProblem(&p, "", err) {
			return nil, 0, p.Err("tile")
		}
		return nil, 0, err
	}
	f.Bound, f.Offset, f.Limit = nil, 0, 0
	d.mu.RLock()
	err = d.validateFilterLocked(&f)
	d.mu.RUnlock()
	if err != nil {
		return nil, 0, err
	}
	cs, err := d.clusterSetFor(ctx, f)
	if err != nil {
		return nil, 0, err
	}
	tiles, _ := cs.caches()
	key := tileKey{z, x, y, gzipped}
	if tile, ok := tiles.Get(key); ok {
		return tile, cs.seq, nil
	}
	found := cs.ix.Clusters(bound, int(z))
	features := make([]geo.TileFeature, 0, len(found))
	d.mu.RLock()
	stale := d.gen != cs.gen
	for _, c := range found {
		if c.Count == 1 {
			if stale || int(c.Ref) >= len(d.entries) || d.entries[c.Ref].deleted {
				continue
			}
			e := &d.entries[c.Ref]
			features = append(features, geo.TileFeature{ID: c.ID, Point: c.Point,
				Properties: map[string]any{"id": d.str(e.id), "kind": d.sym(e.kind), "name": d.str(e.name)}})
			continue
		}
		zoom, _ := cs.ix.ExpansionZoom(c.ID)
		features = append(features, geo.TileFeature{ID: c.ID, Point: c.Point, Properties: map[string]any{
			"cluster": true, "cluster_id": c.ID, "count": c.Count, "expansion_zoom": zoom}})
	}
	d.mu.RUnlock()
	tile, err := geo.EncodeTile(z, x, y, []geo.TileLayer{{Name: TileLayerName, Features: features}}, gzipped)
	if err != nil {
		return nil, 0, fmt.Errorf("encode tile %d/%d/%d: %w", z, x, y, err)
	}
	if !stale {
		tiles.Add(key, tile)
	}
	return tile, cs.seq, nil
}
