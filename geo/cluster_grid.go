package geo

// clusterNode is an entry of a zoom level: a lone point or a cluster. It is
// 16 bytes with no pointer, so that millions of them cost the garbage
// collector nothing to scan.
type clusterNode struct {
	x, y  uint32 // weighted centre, in fixed point (see toFixed)
	start uint32 // its leaves are ClusterIndex.refs[start : start+count]
	count uint32
}

// clusterLevel holds the entries of a zoom level, sorted by the grid cell
// they fall in, row by row: a static spatial index that is one sort away
// from the entries themselves, with no tree to allocate. Cells are 2^shift
// fixed-point units wide, no smaller than the clustering radius of the zoom
// below, so that the neighbours of a point within that radius lie in the
// 3×3 cells around its own.
//
// Once the index is built, a level may hold several zooms (see compact):
// life then says at which zooms each entry is shown, and the cells are
// those of the lowest zoom.
type clusterLevel struct {
	shift uint
	nodes []clusterNode
	life  []zoomRange // nil for a level of one zoom
}

// zoomRange is the zooms, lo to hi, at which an entry is shown.
type zoomRange struct{ lo, hi uint8 }

// alive reports whether entry i is shown at zoom z.
func (lv *clusterLevel) alive(i, z int) bool {
	return lv.life == nil || int(lv.life[i].lo) <= z && z <= int(lv.life[i].hi)
}

// cellKey orders entries by row then column. The row is packed just above
// the bits the column needs, so that the radix sort has as few bytes to sort
// as the grid has cells.
func cellKey(nd clusterNode, shift uint) uint64 {
	return uint64(nd.y>>shift)<<(32-shift) | uint64(nd.x>>shift)
}

// cellOf returns the key of the cell at row, col.
func cellOf(row, col uint64, shift uint) uint64 { return row<<(32-shift) | col }

// lowerBound returns the first index at or after from whose key is at
// least key.
func (lv *clusterLevel) lowerBound(from int, key uint64) int {
	lo, hi := from, len(lv.nodes)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if cellKey(lv.nodes[mid], lv.shift) < key {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo
}

// search calls fn with the index of every entry in the fixed-point
// rectangle [x0, x1]×[y0, y1], edges included, in level order, until fn
// returns false. It walks the
// rows of the rectangle that hold entries, jumping over empty rows and over
// the parts of rows outside the rectangle by binary search, so a query costs
// a few searches per row plus its results, whatever the level's size.
func (lv *clusterLevel) search(x0, y0, x1, y1 uint32, fn func(i int) bool) {
	if x0 > x1 || y0 > y1 {
		return
	}
	s := lv.shift
	colMask := uint64(1)<<(32-s) - 1
	r1 := uint64(y1 >> s)
	c0, c1 := uint64(x0>>s), uint64(x1>>s)
	n := len(lv.nodes)
	i := lv.lowerBound(0, cellOf(uint64(y0>>s), c0, s))
	for i < n {
		nd := lv.nodes[i]
		k := cellKey(nd, s)
		row, col := k>>(32-s), k&colMask
		switch {
		case row > r1:
			return
		case col < c0:
			i = lv.lowerBound(i, cellOf(row, c0, s))
		case col > c1:
			if row == r1 {
				return // and row+1 might not fit in the key
			}
			i = lv.lowerBound(i, cellOf(row+1, c0, s))
		default:
			if nd.x >= x0 && nd.x <= x1 && nd.y >= y0 && nd.y <= y1 && !fn(i) {
				return
			}
			i++
		}
	}
}

// radixBits is the digit of sortNodes, a byte: 256 buckets, whose counts
// stay in L1.
const radixBits = 8

// sortNodes sorts nodes by cellKey with a stable least-significant-digit
// radix sort, using tmp (at least as long) as the other buffer, and returns
// whichever of the two holds the result. Stability keeps the build
// deterministic; the radix sort keeps it linear: a level of a million
// entries sorts in a few passes over 16 MB, several times faster than a
// comparison sort.
func sortNodes(nodes, tmp []clusterNode, shift uint) []clusterNode {
	n := len(nodes)
	passes := (2*(32-int(shift)) + radixBits - 1) / radixBits
	if n < 2 || passes == 0 {
		return nodes
	}
	// One read of the keys fills the histograms of every pass.
	var counts [64 / radixBits][1 << radixBits]int
	for _, nd := range nodes {
		k := cellKey(nd, shift)
		for p := range passes {
			counts[p][byte(k>>(p*radixBits))]++
		}
	}
	src, dst := nodes, tmp[:n]
	first := cellKey(nodes[0], shift)
	for p := range passes {
		c := &counts[p]
		if c[byte(first>>(p*radixBits))] == n {
			continue // every key has the same digit here: nothing moves
		}
		sum := 0
		for d := range c {
			c[d], sum = sum, sum+c[d]
		}
		for _, nd := range src {
			d := byte(cellKey(nd, shift) >> (p * radixBits))
			dst[c[d]] = nd
			c[d]++
		}
		src, dst = dst, src
	}
	return src
}
