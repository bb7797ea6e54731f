package geo

// CoordError reports a coordinate that geo refuses. Its message names the
// field and says what to fix ("lat must be between -90 and 90"), so it is safe
// to show to users as it is; the directory turns it into an EINVALID error.
type CoordError struct {
	Field  string // "lon", "lat", "minLon", "minLat", "maxLon" or "maxLat"; "z", "x" or "y" for tiles
	Reason string // e.g. "must be between -90 and 90"

	// Kind, Min, Max and Zoom say the same as Reason for callers that word
	// it themselves (the directory gives each kind a translatable key).
	Kind     CoordProblem
	Min, Max float64 // the range allowed (OutOfRange, TileOutOfRange)
	Zoom     int     // the zoom level (TileOutOfRange)
}

// CoordProblem is what is wrong with a coordinate.
type CoordProblem int

const (
	OutOfRange     CoordProblem = iota // outside [Min, Max]
	MinAboveMax                        // minLat is greater than maxLat
	TileOutOfRange                     // a tile's x or y is outside [Min, Max] at Zoom
)

// Error returns the field followed by the reason.
func (e *CoordError) Error() string { return e.Field + " " + e.Reason }

// CheckPoint returns a *CoordError unless lon is in [-180, 180] and lat in
// [-90, 90]. NaN and infinities are refused too: one NaN in the Index would
// make every comparison with it false and corrupt the tree, so coordinates
// are checked at the door, before they reach storage or the Index.
func CheckPoint(lon, lat float64) error {
	if err := checkLon("lon", lon); err != nil {
		return err
	}
	return checkLat("lat", lat)
}

// CheckBound checks a bounding box given as OGC API bbox numbers: each
// coordinate must pass CheckPoint's ranges and minLat must not exceed maxLat.
// minLon may exceed maxLon: such a box crosses the antimeridian, from minLon
// eastward to maxLon (Index.Search handles it).
func CheckBound(minLon, minLat, maxLon, maxLat float64) error {
	if err := checkLon("minLon", minLon); err != nil {
		return err
	}
	if err := checkLat("minLat", minLat); err != nil {
		return err
	}
	if err := checkLon("maxLon", maxLon); err != nil {
		return err
	}
	if err := checkLat("maxLat", maxLat); err != nil {
		return err
	}
	if minLat > maxLat {
		return &CoordError{Field: "minLat", Reason: "must not be greater than maxLat", Kind: MinAboveMax}
	}
	return nil
}

// The range tests are written so that NaN, which fails every comparison,
// fails them too.
func checkLon(field string, lon float64) error {
	if !(lon >= -180 && lon <= 180) {
		return &CoordError{Field: field, Reason: "must be between -180 and 180", Min: -180, Max: 180}
	}
	return nil
}

func checkLat(field string, lat float64) error {
	if !(lat >= -90 && lat <= 90) {
		return &CoordError{Field: field, Reason: "must be between -90 and 90", Min: -90, Max: 90}
	}
	return nil
}
