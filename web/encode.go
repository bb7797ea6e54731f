package web

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// writeJSON writes v as JSON with the given media type.
func (s *Server) writeJSON(c *gin.Context, status int, media string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.Data(status, media, b)
}

// collectionMembers are the members of a FeatureCollection besides its features.
type collectionMembers struct {
	matched     int
	withMatched bool
	links       []link
	timeStamp   time.Time
	extra       map[string]any // foreign members (licence, attribution…), encoded in key order
	raw         []byte         // members already encoded, each preceded by a comma
	joined      []byte         // the features, comma-separated, in one slice (FeaturePage.Joined); nil: write them one by one
}

// bufioPool keeps the 32 KiB buffers of writeFeatureCollection: a new one
// per answer was a third of the garbage of a busy server.
var bufioPool = sync.Pool{New: func() any { return bufio.NewWriterSize(nil, 32<<10) }}

// writeFeatureCollection writes a GeoJSON FeatureCollection around
// pre-encoded features, streaming them instead of building one big buffer.
func writeFeatureCollection(w io.Writer, features [][]byte, m collectionMembers) error {
	bw := bufioPool.Get().(*bufio.Writer)
	bw.Reset(w)
	defer func() {
		bw.Reset(nil)
		bufioPool.Put(bw)
	}()
	bw.WriteString(`{"type":"FeatureCollection"`)
	if m.withMatched {
		bw.WriteString(`,"numberMatched":`)
		bw.WriteString(strconv.Itoa(m.matched))
	}
	bw.WriteString(`,"numberReturned":`)
	bw.WriteString(strconv.Itoa(len(features)))
	if !m.timeStamp.IsZero() {
		var t [32]byte
		bw.WriteString(`,"timeStamp":"`)
		bw.Write(m.timeStamp.UTC().AppendFormat(t[:0], time.RFC3339))
		bw.WriteByte('"')
	}
	if err := writeMembers(bw, m); err != nil {
		return err
	}
	bw.WriteString(`,"features":[`)
	if m.joined != nil {
		// One write: what does not fit the buffer goes to w without a copy.
		bw.Write(m.joined)
	} else {
		for i, f := range features {
			if i > 0 {
				bw.WriteByte(',')
			}
			bw.Write(f)
		}
	}
	bw.WriteString("]}")
	return bw.Flush()
}

func writeMembers(bw *bufio.Writer, m collectionMembers) error {
	if m.links != nil {
		buf := appendLinks(make([]byte, 0, 160*len(m.links)), m.links)
		bw.WriteString(`,"links":`)
		bw.Write(buf)
	}
	if len(m.extra) > 0 {
		// encoding/json sorts map keys: the output is stable.
		b, err := json.Marshal(m.extra)
		if err != nil {
			return err
		}
		bw.WriteByte(',')
		bw.Write(b[1 : len(b)-1])
	}
	bw.Write(m.raw)
	return nil
}

// appendLinks appends links as encoding/json would encode them, without
// reflection.
func appendLinks(dst []byte, links []link) []byte {
	dst = append(dst, '[')
	for i, l := range links {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"href":`...)
		dst = directory.AppendJSONString(dst, l.Href)
		dst = append(dst, `,"rel":`...)
		dst = directory.AppendJSONString(dst, l.Rel)
		if l.Type != "" {
			dst = append(dst, `,"type":`...)
			dst = directory.AppendJSONString(dst, l.Type)
		}
		if l.Title != "" {
			dst = append(dst, `,"title":`...)
			dst = directory.AppendJSONString(dst, l.Title)
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// withLinks adds a links member to a pre-encoded feature.
func withLinks(feature []byte, links []link) []byte {
	out := make([]byte, 0, len(feature)+10+160*len(links))
	return appendWithLinks(out, feature, links)
}

// appendWithLinks appends feature with a links member added.
func appendWithLinks(dst, feature []byte, links []link) []byte {
	dst = append(dst, feature[:len(feature)-1]...)
	dst = append(dst, `,"links":`...)
	dst = appendLinks(dst, links)
	return append(dst, '}')
}

// streamFeatureCollection writes a FeatureCollection whose features come
// from each, for exports too big to hold in a slice of pages.
func streamFeatureCollection(w http.ResponseWriter, m collectionMembers, each func(func([]byte) error) error) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	bw.WriteString(`{"type":"FeatureCollection"`)
	if err := writeMembers(bw, m); err != nil {
		return err
	}
	bw.WriteString(`,"features":[`)
	first := true
	err := each(func(f []byte) error {
		if !first {
			bw.WriteByte(',')
		}
		first = false
		_, err := bw.Write(f)
		return err
	})
	if err != nil {
		return err
	}
	bw.WriteString("]}")
	return bw.Flush()
}
