package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/voisinage/voisinage/directory"
)

// maxBody bounds every request body: proposals are small.
const maxBody = 1 << 20

// bindJSON decodes the request's JSON body into v, strictly: the body must
// be application/json, one object, at most maxBody bytes, with no unknown
// field. Otherwise it answers 4xx naming what to fix and returns false.
func (s *Server) bindJSON(c *gin.Context, v any) bool {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt != "application/json" {
		c.Header("Cache-Control", "no-store")
		c.AbortWithStatusJSON(http.StatusUnsupportedMediaType, errorBody{Code: directory.EINVALID,
			Description: "send the body as JSON with Content-Type: application/json",
			Fields:      map[string]string{"Content-Type": "must be application/json"}})
		return false
	}
	// The body is read whole (it is small) so that an unknown field can be
	// located in it: the decoder's error names the field, not its path.
	raw, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err == nil {
		err = dec.Decode(v)
	}
	if err == nil && dec.More() {
		err = errors.New("trailing data")
	}
	if err == nil {
		if _, e := dec.Token(); e != io.EOF {
			err = errors.New("trailing data")
		}
	}
	if err == nil {
		return true
	}
	var maxErr *http.MaxBytesError
	var syntaxErr *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &maxErr):
		c.Header("Cache-Control", "no-store")
		c.AbortWithStatusJSON(http.StatusRequestEntityTooLarge, errorBody{Code: directory.EINVALID,
			Description: "the body is too large: at most 1 MiB", Fields: map[string]string{"body": "must be at most 1 MiB"}})
		return false
	case errors.Is(err, io.EOF):
		s.writeError(c, directory.FieldError("body", "is empty: send a JSON object"))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		s.writeError(c, directory.FieldError("body", "is not valid JSON: %s", shortErr(err)))
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		s.writeError(c, directory.FieldError(field, "must be %s", jsonKind(typeErr.Type)))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		path, known := unknownField(reflect.TypeOf(v), raw, name, "")
		if path == "" {
			path, known = name, jsonFields(v)
		}
		s.writeError(c, directory.FieldError(path, "is not a field of this request; fields here: %s", strings.Join(known, ", ")))
	default:
		s.writeError(c, directory.FieldError("body", "must be one JSON object (%s)", shortErr(err)))
	}
	return false
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float64, reflect.Float32:
		return "a number"
	case reflect.Slice:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "of another type"
}

// jsonFields lists the JSON field names of the struct v points to.
func jsonFields(v any) []string { return typeFields(reflect.TypeOf(v)) }

func typeFields(t reflect.Type) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

// unknownField finds where the unknown field name is in the JSON object raw
// decoded into a t: its dotted path (e.g. "geometry.crs") and the fields
// accepted there. "" if it is not found.
func unknownField(t reflect.Type, raw []byte, name, prefix string) (string, []string) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return "", nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return "", nil
	}
	fields := typeFields(t)
	if _, ok := obj[name]; ok && !slices.Contains(fields, name) {
		return prefix + name, fields
	}
	for i := 0; i < t.NumField(); i++ {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if sub, ok := obj[tag]; ok && tag != "" {
			if path, known := unknownField(t.Field(i).Type, sub, name, prefix+tag+"."); path != "" {
				return path, known
			}
		}
	}
	return "", nil
}
