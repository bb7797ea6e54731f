package directory

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// Features are assembled by appending to byte slices (see feature.go), with
// no reflection on the hot path. These appenders produce the same escaping as
// encoding/json with HTML escaping on (<, >, & and U+2028/2029 escaped,
// invalid UTF-8 replaced), which jsonenc_test.go checks against it.

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a JSON string, escaped as encoding/json
// escapes it (HTML characters included).
func AppendJSONString(dst []byte, s string) []byte { return appendString(dst, s) }

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
// precision the API promises: the same text as
// strconv.AppendFloat(dst, Round6(x), 'f', -1, 64), made with integers, since
// the shortest form of a number of millionths is its digits with the
// trailing zeros of the fraction left out.
func appendCoord(dst []byte, x float64) []byte {
	m := math.Round(x * 1e6)
	if !(math.Abs(m) < 1<<53) {
		return strconv.AppendFloat(dst, Round6(x), 'f', -1, 64) // not a coordinate
	}
	n := int64(m)
	if n < 0 || (n == 0 && math.Signbit(m)) {
		dst = append(dst, '-')
		n = -n
	}
	dst = strconv.AppendInt(dst, n/1e6, 10)
	frac := n % 1e6
	if frac == 0 {
		return dst
	}
	digits := 6
	for frac%10 == 0 {
		frac /= 10
		digits--
	}
	var buf [6]byte
	for i := digits - 1; i >= 0; i-- {
		buf[i] = byte('0' + frac%10)
		frac /= 10
	}
	dst = append(dst, '.')
	return append(dst, buf[:digits]...)
}

// appendTime appends the Unix time sec as RFC 3339 in UTC
// ("2006-01-02T15:04:05Z"), as time.Time.AppendFormat does, without it.
func appendTime(dst []byte, sec int64) []byte {
	days, rem := sec/86400, sec%86400
	if rem < 0 {
		days--
		rem += 86400
	}
	if days < -719468 || days > 2932896 { // outside years 0 to 9999
		return time.Unix(sec, 0).UTC().AppendFormat(dst, time.RFC3339)
	}
	// Howard Hinnant's days_from_civil, inverted ("civil_from_days").
	z := days + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if m > 12 {
		m -= 12
	}
	if m <= 2 {
		y++
	}
	two := func(dst []byte, v int64) []byte { return append(dst, byte('0'+v/10), byte('0'+v%10)) }
	dst = append(dst, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-')
	dst = two(dst, m)
	dst = append(dst, '-')
	dst = two(dst, d)
	dst = append(dst, 'T')
	dst = two(dst, rem/3600)
	dst = append(dst, ':')
	dst = two(dst, rem/60%60)
	dst = append(dst, ':')
	dst = two(dst, rem%60)
	return append(dst, 'Z')
}

// jsonPlain reports whether s is its own JSON string content: appendString
// would add nothing but the quotes.
func jsonPlain(s string) bool {
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if b < 0x20 || b == '"' || b == '\\' || b == '<' || b == '>' || b == '&' {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
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
