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

// The problems of a JSON request body.
var (
	keyBodyJSON     = directory.NewKey("body.content_type", "send the body as JSON with Content-Type: application/json")
	keyContentType  = directory.NewKey("body.content_type_field", "must be application/json")
	keyBodyTooLarge = directory.NewKey("body.too_large", "the body is too large: at most 1 MiB")
	keyBodyMax      = directory.NewKey("body.max", "must be at most 1 MiB")
	keyBodyEmpty    = directory.NewKey("body.empty", "is empty: send a JSON object")
	keyBodySyntax   = directory.NewKey("body.syntax", "is not valid JSON: {err}")
	keyBodyField    = directory.NewKey("body.unknown_field", "is not a field of this request; fields here: {fields}")
	keyBodyObject   = directory.NewKey("body.object", "must be one JSON object ({err})")
	keyWantString   = directory.NewKey("json.string", "must be a string")
	keyWantBool     = directory.NewKey("json.bool", "must be true or false")
	keyWantInteger  = directory.NewKey("json.integer", "must be an integer")
	keyWantNumber   = directory.NewKey("json.number", "must be a number")
	keyWantList     = directory.NewKey("json.list", "must be a list")
	keyWantObject   = directory.NewKey("json.object", "must be an object")
	keyWantOther    = directory.NewKey("json.other", "must be of another type")
)

// bindJSON decodes the request's JSON body into v, strictly: the body must
// be application/json, one object, at most maxBody bytes, with no unknown
// field. Otherwise it answers 4xx naming what to fix and returns false.
func (s *Server) bindJSON(c *gin.Context, v any) bool {
	mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if mt != "application/json" {
		p := directory.Problems{}
		p.Add("Content-Type", keyContentType, nil)
		s.writeError(c, withStatus(http.StatusUnsupportedMediaType, p.Fail(directory.EINVALID, keyBodyJSON, nil)))
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
		p := directory.Problems{}
		p.Add("body", keyBodyMax, nil)
		s.writeError(c, withStatus(http.StatusRequestEntityTooLarge, p.Fail(directory.EINVALID, keyBodyTooLarge, nil)))
		return false
	case errors.Is(err, io.EOF):
		s.writeError(c, directory.FieldError("body", keyBodyEmpty, nil))
	case errors.As(err, &syntaxErr), errors.Is(err, io.ErrUnexpectedEOF):
		s.writeError(c, directory.FieldError("body", keyBodySyntax, directory.Args{"err": shortErr(err)}))
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		s.writeError(c, directory.FieldError(field, jsonKind(typeErr.Type), nil))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no error type for an unknown field (with
		// DisallowUnknownFields): its wording is the only sign. It is
		// the standard library's, not ours, and a test sends one.
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		path, known := unknownField(reflect.TypeOf(v), raw, name, "")
		if path == "" {
			path, known = name, jsonFields(v)
		}
		s.writeError(c, directory.FieldError(path, keyBodyField, directory.Args{"fields": strings.Join(known, ", ")}))
	default:
		s.writeError(c, directory.FieldError("body", keyBodyObject, directory.Args{"err": shortErr(err)}))
	}
	return false
}

// jsonKind is the problem of a JSON value of the wrong type for t.
func jsonKind(t reflect.Type) directory.Key {
	switch t.Kind() {
	case reflect.String:
		return keyWantString
	case reflect.Bool:
		return keyWantBool
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint32, reflect.Uint64:
		return keyWantInteger
	case reflect.Float64, reflect.Float32:
		return keyWantNumber
	case reflect.Slice:
		return keyWantList
	case reflect.Map, reflect.Struct:
		return keyWantObject
	}
	return keyWantOther
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
