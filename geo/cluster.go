package geo

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"github.com/paulmach/orb"
)

// MaxClusterZoom is the largest ClusterOptions.MaxZoom. Cluster IDs keep the
// zoom in 5 bits, and at zoom 24 a pixel of a 256-pixel tile is already the
// 9 mm step of the index's fixed-point positions.
const MaxClusterZoom = 24

// ClusterPoint is a point given to NewClusterIndex.
type ClusterPoint struct {
	Ref   uint32    // what the caller knows it by, such as a row of its table
	Point orb.Point // [lon, lat]; it must pass CheckPoint
}

// ClusterOptions say how NewClusterIndex clusters. Start from
// DefaultClusterOptions: the zero value is refused, since a zero Extent
// means nothing and a zero MaxZoom would quietly cluster at zoom 0 only.
type ClusterOptions struct {
	// Radius is how close, in pixels, points must be on the map to be
	// gathered into one cluster.
	Radius float64
	// Extent is the width in pixels of a map tile, which sets the size of a
	// pixel: at zoom z the world is Extent·2^z pixels wide, so the radius is
	// Radius/(Extent·2^z) of the world's width. Leaflet and OpenLayers draw
	// 256-pixel tiles; MapLibre GL draws vector tiles 512 pixels wide, so a
	// MapLibre map wants 512 here (supercluster's default) for Radius to be
	// screen pixels.
	Extent int
	// MinZoom and MaxZoom are the zooms at which points are clustered. Above
	// MaxZoom every point is alone; below MinZoom the clusters are those of
	// MinZoom.
	MinZoom, MaxZoom int
	// MinPoints is the fewest points a cluster may hold: fewer points within
	// the radius of each other stay alone.
	MinPoints int
}

// DefaultClusterOptions returns a radius of 60 pixels of a map of 256-pixel
// tiles, clustering from zoom 0 to 18, with at least 2 points per cluster.
func DefaultClusterOptions() ClusterOptions {
	return ClusterOptions{Radius: 60, Extent: 256, MinZoom: 0, MaxZoom: 18, MinPoints: 2}
}

func (o ClusterOptions) check() error {
	switch {
	case !(o.Radius >= 0) || math.IsInf(o.Radius, 1):
		return errors.New("geo: cluster radius must be a number of pixels, 0 or more")
	case o.Extent < 1:
		return errors.New("geo: cluster extent must be at least 1 pixel")
	case o.MinZoom < 0 || o.MinZoom > o.MaxZoom:
		return errors.New("geo: cluster minZoom must be between 0 and maxZoom")
	case o.MaxZoom > MaxClusterZoom:
		return fmt.Errorf("geo: cluster maxZoom must be between minZoom and %d", MaxClusterZoom)
	case o.MinPoints < 2:
		return errors.New("geo: cluster minPoints must be at least 2")
	}
	return nil
}

// Cluster is what a map shows at a zoom: a cluster of points, or a point
// alone (Count 1).
type Cluster struct {
	// ID names the entry within its ClusterIndex, and no longer: an index
	// built again from other points gives other IDs. It is
	// (position << 5) | (zoom + 1), as in supercluster: the position of the
	// entry in the array that holds its zoom, and the zoom, so that
	// ExpansionZoom, Leaves and Children find it at once. It is never 0,
	// and below 2^38: exact as a JavaScript number, which is what map
	// libraries and orb's tile decoder make of feature ids.
	ID uint64
	// Point is where to draw it: the point itself when alone, otherwise the
	// centre of its points weighted in Web Mercator, as the map projects
	// them (kept within Bound).
	Point orb.Point
	// Count is the number of points in it, 1 for a point alone.
	Count int
	// Ref is the point's ref when Count is 1, and 0 otherwise.
	Ref uint32
	// Bound is the bounding box of its points, [lon, lat], which a client
	// can fit the map to. It does not wrap across the antimeridian.
	Bound orb.Bound
}

// ErrClusterNotFound is returned for an ID that is not one of the index's;
// the directory turns it into ENOTFOUND.
var ErrClusterNotFound = errors.New("cluster not found")

// ClusterIndex clusters points for web maps at every zoom, as the
// JavaScript library mapbox/supercluster does in the browser, but on the
// server: each zoom level holds entries (clusters and points alone) that
// together count every point exactly once, and each entry belongs to one
// entry of the level above, so that a cluster can be opened (Children,
// Leaves) and zoomed into (ExpansionZoom).
//
// It is immutable once built, so any number of goroutines may read it with
// no lock. Its owner rebuilds it when the points change and swaps it in
// atomically, or builds one on the fly for a subset of points: building
// takes linear time per zoom, with no tree and no allocation per point.
// It holds 16 bytes per entry and zoom, where zooms that differ little
// share their entries, plus 22 bytes per point: for a million points over
// France, 67 MiB with the default options. A build of a million points
// peaks near 150 MiB of live heap, most of it garbage by the end.
//
// Clusters never form across the antimeridian: the map's world is a square
// from -180° to 180°, as it is for supercluster.
type ClusterIndex struct {
	opts ClusterOptions
	// levels[z-MinZoom] holds zoom z, for z from MinZoom to MaxZoom+1 where
	// every point is alone.
	levels []clusterLevel
	// refs and points are the leaves in tree order: every entry's leaves are
	// refs[start:start+count].
	refs   []uint32
	points []orb.Point
	boxes  leafBoxes
}

// NewClusterIndex clusters points with opts. Refs need not be unique nor
// dense: they are only given back. The same points in the same order give
// the same clusters and IDs. It returns an error for invalid options, and
// for the first point that fails CheckPoint (wrapping its *CoordError).
func NewClusterIndex(points []ClusterPoint, opts ClusterOptions) (*ClusterIndex, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	if uint64(len(points)) >= math.MaxUint32 {
		return nil, fmt.Errorf("geo: cannot cluster %d points, at most %d", len(points), math.MaxUint32-1)
	}
	for i, p := range points {
		if err := CheckPoint(p.Point[0], p.Point[1]); err != nil {
			return nil, fmt.Errorf("geo: point %d (ref %d): %w", i, p.Ref, err)
		}
	}
	return buildClusterIndex(points, opts), nil
}

// Len returns the number of points in the index.
func (ix *ClusterIndex) Len() int { return len(ix.refs) }

// Options returns the options the index was built with.
func (ix *ClusterIndex) Options() ClusterOptions { return ix.opts }

// clampZoom maps any zoom to one the index has levels for, as
// supercluster's _limitZoom does.
func (ix *ClusterIndex) clampZoom(zoom int) int {
	return max(ix.opts.MinZoom, min(zoom, ix.opts.MaxZoom+1))
}

func (ix *ClusterIndex) level(z int) *clusterLevel { return &ix.levels[z-ix.opts.MinZoom] }

// Clusters returns the entries of zoom whose Point lies in b, edges
// included: clusters, and points alone. Zoom is clamped to MinZoom and
// MaxZoom+1; at MaxZoom+1 and above every point is alone. A bound whose
// Min.Lon is greater than its Max.Lon crosses the antimeridian, as for
// Index.Search; one from -180 to 180 is the whole world. b must pass
// CheckBound. The order is stable for a given index, bound and zoom.
func (ix *ClusterIndex) Clusters(b orb.Bound, zoom int) []Cluster {
	z := ix.clampZoom(zoom)
	var out []Cluster
	if b.Min[0] <= b.Max[0] {
		return ix.appendClusters(out, z, b)
	}
	// No point is in both halves, so none is returned twice.
	out = ix.appendClusters(out, z, orb.Bound{Min: b.Min, Max: orb.Point{180, b.Max[1]}})
	return ix.appendClusters(out, z, orb.Bound{Min: orb.Point{-180, b.Min[1]}, Max: b.Max})
}

// fixedSlack widens the fixed-point box of a query: the exact test is then
// made on the Point returned, which a rounding may have moved by a unit.
const fixedSlack = 2

func (ix *ClusterIndex) appendClusters(out []Cluster, z int, b orb.Bound) []Cluster {
	lv := ix.level(z)
	x0, y0, x1, y1 := fixedRect(b)
	lv.search(x0, y0, x1, y1, func(i int) bool {
		if !lv.alive(i, z) {
			return true
		}
		c := ix.entry(z, i)
		p := c.Point
		if p[0] >= b.Min[0] && p[0] <= b.Max[0] && p[1] >= b.Min[1] && p[1] <= b.Max[1] {
			out = append(out, c)
		}
		return true
	})
	return out
}

// fixedRect returns the fixed-point rectangle that holds every entry whose
// point is in b, which must not cross the antimeridian.
func fixedRect(b orb.Bound) (x0, y0, x1, y1 uint32) {
	// North is y = 0: the top of the rectangle is the bound's Max.Lat.
	return subSat(fixedX(b.Min[0])), subSat(fixedY(b.Max[1])),
		addSat(fixedX(b.Max[0])), addSat(fixedY(b.Min[1]))
}

func subSat(u uint32) uint32 { return u - min(u, fixedSlack) }
func addSat(u uint32) uint32 { return u + min(math.MaxUint32-u, fixedSlack) }

// entry returns the Cluster for entry i of zoom z.
func (ix *ClusterIndex) entry(z, i int) Cluster {
	nd := ix.level(z).nodes[i]
	c := Cluster{ID: uint64(i)<<5 | uint64(z+1), Count: int(nd.count)}
	if nd.count == 1 {
		p := ix.points[nd.start]
		c.Point, c.Ref, c.Bound = p, ix.refs[nd.start], orb.Bound{Min: p, Max: p}
		return c
	}
	c.Bound = ix.boxes.bound(ix.points, int(nd.start), int(nd.start+nd.count))
	// The centre is in the box of its leaves in the plane, so only rounding
	// (or latitudes beyond MaxMercatorLat) can put it outside their bound.
	c.Point = orb.Point{
		max(c.Bound.Min[0], min(c.Bound.Max[0], lonOfMercX(fromFixed(nd.x)))),
		max(c.Bound.Min[1], min(c.Bound.Max[1], latOfMercY(fromFixed(nd.y)))),
	}
	return c
}

// lookup returns the zoom and position of the entry id.
func (ix *ClusterIndex) lookup(id uint64) (z, i int, err error) {
	z = int(id&31) - 1
	if z < ix.opts.MinZoom || z > ix.opts.MaxZoom+1 {
		return 0, 0, ErrClusterNotFound
	}
	lv := ix.level(z)
	if id>>5 >= uint64(len(lv.nodes)) || !lv.alive(int(id>>5), z) {
		return 0, 0, ErrClusterNotFound
	}
	return z, int(id >> 5), nil
}

// Cluster returns the entry id, as Clusters returned it, or
// ErrClusterNotFound.
func (ix *ClusterIndex) Cluster(id uint64) (Cluster, error) {
	z, i, err := ix.lookup(id)
	if err != nil {
		return Cluster{}, err
	}
	return ix.entry(z, i), nil
}

// Leaves returns the refs of the points of the entry id, skipping the
// first offset of them and returning at most limit (all of them if limit is
// negative). The order is stable for a given index and keeps near points
// together: a cluster's leaves are those of its children, child after
// child. It returns ErrClusterNotFound for an unknown id, and an error for
// a negative offset.
func (ix *ClusterIndex) Leaves(id uint64, limit, offset int) ([]uint32, error) {
	z, i, err := ix.lookup(id)
	if err != nil {
		return nil, err
	}
	if offset < 0 {
		return nil, errors.New("geo: leaves offset must not be negative")
	}
	nd := ix.level(z).nodes[i]
	lo, hi := min(offset, int(nd.count)), int(nd.count)
	if limit >= 0 && limit < hi-lo {
		hi = lo + limit
	}
	start := int(nd.start)
	return slices.Clone(ix.refs[start+lo : start+hi]), nil
}

// Children returns the entries of zoom+1 that the entry id, of zoom, splits
// into: they hold its points between them, and come in the order of Leaves.
// A cluster that stays whole at
// zoom+1 has one child, itself under another ID, and so has a point alone;
// an entry of MaxZoom+1 has none. It returns ErrClusterNotFound for an
// unknown id.
func (ix *ClusterIndex) Children(id uint64) ([]Cluster, error) {
	z, i, err := ix.lookup(id)
	if err != nil {
		return nil, err
	}
	if z == ix.opts.MaxZoom+1 {
		return nil, nil
	}
	nd := ix.level(z).nodes[i]
	var found []clusterNode // with start set to the position, for entry
	ix.descendants(nd, z+1, func(j int, c clusterNode) bool {
		found = append(found, clusterNode{start: c.start, count: uint32(j)})
		return true
	})
	// In the order of their leaves, so that Leaves of the cluster lists the
	// children's one after the other.
	slices.SortFunc(found, func(a, b clusterNode) int { return cmp.Compare(a.start, b.start) })
	out := make([]Cluster, len(found))
	for k, c := range found {
		out[k] = ix.entry(z+1, int(c.count))
	}
	return out, nil
}

// ExpansionZoom returns the zoom at which the entry id breaks apart, the
// zoom a map should go to when the cluster is clicked: the first zoom above
// its own at which its points are no longer all in one entry. That is at
// most MaxZoom+1, where every point is alone, which it also returns for a
// point alone, and for a cluster of points at the very same place. It
// returns ErrClusterNotFound for an unknown id.
func (ix *ClusterIndex) ExpansionZoom(id uint64) (int, error) {
	z, i, err := ix.lookup(id)
	if err != nil {
		return 0, err
	}
	last := ix.opts.MaxZoom + 1
	nd := ix.level(z).nodes[i]
	if nd.count == 1 {
		return last, nil
	}
	from := z + 1
	if lv := ix.level(z); lv.life != nil {
		from = int(lv.life[i].hi) + 1 // the entry itself is shown up to hi
	}
	for zz := from; zz < last; zz++ {
		// Any entry holding some of nd's leaves holds them all, unless nd
		// has split: one look is enough.
		whole := false
		ix.descendants(nd, zz, func(_ int, c clusterNode) bool {
			whole = c.start == nd.start && c.count == nd.count
			return false
		})
		if !whole {
			return zz, nil
		}
	}
	return last, nil
}

// descendants calls fn for the entries of zoom z whose leaves are among
// those of nd, an entry of a lower zoom, until fn returns false. Every such
// entry sits in the bounding box of its leaves, which is inside nd's: the
// search is that box, the test the run of leaves.
func (ix *ClusterIndex) descendants(nd clusterNode, z int, fn func(j int, c clusterNode) bool) {
	b := orb.Bound{Min: ix.points[nd.start], Max: ix.points[nd.start]}
	if nd.count > 1 {
		b = ix.boxes.bound(ix.points, int(nd.start), int(nd.start+nd.count))
	}
	lv := ix.level(z)
	x0, y0, x1, y1 := fixedRect(b)
	lv.search(x0, y0, x1, y1, func(j int) bool {
		c := lv.nodes[j]
		return c.start < nd.start || c.start-nd.start >= nd.count || !lv.alive(j, z) || fn(j, c)
	})
}
