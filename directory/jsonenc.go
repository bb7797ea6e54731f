package directory

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// Features are assembled by appending to byte slices (see feature.go), with
// no reflection on the hot path. These appenders produce the same escaping as
// encoding/json with HTML escaping on (<, >, & and U+2028/2029 escaped,
// invalid UTF-8 replaced), which jsonenc_test.go checks against it.

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= 0x20 && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '"', '\\':
				dst = append(dst, '\\', b)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// appendCoord appends a coordinate rounded to 6 decimals (about 11 cm), the
// precision the API promises.
func appendCoord(dst []byte, x float64) []byte {
	return strconv.AppendFloat(dst, Round6(x), 'f', -1, 64)
}

// Round6 rounds x to 6 decimals.
func Round6(x float64) float64 { return math.Round(x*1e6) / 1e6 }

func appendStringList(dst []byte, v []string) []byte {
	dst = append(dst, '[')
	for i, s := range v {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

// jsonObject appends the members of one JSON object, writing the commas.
type jsonObject struct {
	buf   []byte
	empty bool
}

func (o *jsonObject) key(k string) {
	if !o.empty {
		o.buf = append(o.buf, ',')
	}
	o.empty = false
	o.buf = appendString(o.buf, k)
	o.buf = append(o.buf, ':')
}

func (o *jsonObject) str(k, v string) {
	if v != "" {
		o.key(k)
		o.buf = appendString(o.buf, v)
	}
}

func (o *jsonObject) num(k string, v int) {
	if v != 0 {
		o.key(k)
		o.buf = strconv.AppendInt(o.buf, int64(v), 10)
	}
}

func (o *jsonObject) list(k string, v []string) {
	if len(v) > 0 {
		o.key(k)
		o.buf = appendStringList(o.buf, v)
	}
}

func (o *jsonObject) raw(k string, v []byte) {
	o.key(k)
	o.buf = append(o.buf, v...)
}
