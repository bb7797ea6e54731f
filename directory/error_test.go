package directory_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/voisinage/voisinage/directory"
)

func TestExpand(t *testing.T) {
	for _, c := range []struct {
		text string
		args directory.Args
		want string
	}{
		{"must be at most {max} characters (got {got})", directory.Args{"max": 200, "got": 250}, "must be at most 200 characters (got 250)"},
		{"no actor {id:q}", directory.Args{"id": "a\"b"}, `no actor "a\"b"`},
		{"left {as_is}", nil, "left {as_is}"},
		{`a JSON {"type":"Point"}`, directory.Args{"type": "x"}, `a JSON {"type":"Point"}`},
		{"{a} and {a}", directory.Args{"a": 1.5}, "1.5 and 1.5"},
	} {
		if got := directory.Expand(c.text, c.args); got != c.want {
			t.Errorf("Expand(%q, %v) = %q, want %q", c.text, c.args, got, c.want)
		}
	}
	if got := directory.Placeholders("{b} {a:q} {b}"); fmt.Sprint(got) != "[a b]" {
		t.Errorf("Placeholders = %v", got)
	}
}

func TestNewKey(t *testing.T) {
	t.Run("ErrDuplicate", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("a key declared twice did not panic")
			}
		}()
		directory.NewKey(directory.KeyRequired.Name(), "again")
	})
	t.Run("ErrMalformed", func(t *testing.T) {
		defer func() {
			if recover() == nil {
				t.Error("a malformed key did not panic")
			}
		}()
		directory.NewKey("Not A Key", "x")
	})
}

func TestErrorKeys(t *testing.T) {
	t.Run("FieldError", func(t *testing.T) {
		err := fmt.Errorf("wrapped: %w", directory.FieldError("limit", directory.KeyBetween, directory.Args{"min": 1, "max": 100}))
		key, args := directory.ErrorKey(err)
		if directory.ErrorCode(err) != directory.EINVALID || key != "field.between" || args["max"] != 100 ||
			directory.ErrorMessage(err) != "limit must be between 1 and 100" ||
			directory.ErrorFields(err)["limit"] != "must be between 1 and 100" ||
			directory.ErrorProblems(err)["limit"].Key != "field.between" {
			t.Errorf("%v: key %q %v, fields %v", err, key, args, directory.ErrorProblems(err))
		}
	})
	t.Run("Problems", func(t *testing.T) {
		p := directory.Problems{}
		p.Add("q", directory.KeyUTF8, nil)
		p.Add("q", directory.KeyRequired, nil) // the first problem of a field stays
		p.Add("limit", directory.KeyBetween, directory.Args{"min": 1, "max": 10})
		err := p.Err("filter")
		if key, args := directory.ErrorKey(err); key != "fields.invalid" || args["what"] != "filter" ||
			directory.ErrorProblems(err)["q"].Key != "field.utf8" || directory.ErrorMessage(err) != "invalid filter: see fields" {
			t.Errorf("%v: key %q %v", err, key, args)
		}
		if (directory.Problems{}).Err("x") != nil {
			t.Error("no problem, yet an error")
		}
	})
	t.Run("Internal", func(t *testing.T) {
		err := errors.New("disk on fire")
		if key, _ := directory.ErrorKey(err); key != "internal" || directory.ErrorMessage(err) != "internal error" {
			t.Errorf("internal: key %q, message %q", key, directory.ErrorMessage(err))
		}
		if key, _ := directory.ErrorKey(nil); key != "" {
			t.Errorf("nil: key %q", key)
		}
	})
}

// TestKeys checks that every key has a wording and that the registry is
// filled at start, so that web's test of the translations sees them all.
func TestKeys(t *testing.T) {
	keys := directory.Keys()
	if len(keys) < 100 {
		t.Fatalf("only %d keys declared", len(keys))
	}
	for i, k := range keys {
		if k.English() == "" {
			t.Errorf("%s has no English wording", k.Name())
		}
		if i > 0 && keys[i-1].Name() >= k.Name() {
			t.Errorf("Keys is not sorted at %s", k.Name())
		}
	}
}
