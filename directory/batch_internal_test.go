package directory

import "testing"

// causedBy keeps the cause's key and arguments beside its English message,
// so that pages say the whole refusal in their language.
func TestCausedByKeepsTheKey(t *testing.T) {
	cause := FieldError("tool", keyRowToolRequired, nil)
	e := asError(causedBy(cause, keyBatchLine, Args{"line": 3}))
	if e == nil || e.Key != "batch.line" || e.Args["reason_key"] != "batch.tool_required" || e.Args["reason"] != cause.Message {
		t.Fatalf("causedBy: %+v", e)
	}
}
