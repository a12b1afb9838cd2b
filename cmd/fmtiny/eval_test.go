package main

import (
	"encoding/json"
	"testing"
)

// TestEvalJSONStrings checks the hand-written JSON against encoding/json on strings that need
// escaping: quotes, backslashes, control characters, non-ASCII and bytes that are not UTF-8.
func TestEvalJSONStrings(t *testing.T) {
	for _, s := range []string{"", "model.safetensors", `a"b\c`, "tab\there\nnew\x01", "été/模型", "bad\xffbyte"} {
		on := 0.5
		out := evalResult{Model: s, Data: "checkerboard", Solver: "euler", Steps: 4, scores: scores{OnBoard: &on, Balance: &on}}.appendJSON(nil)
		var got map[string]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q: %v in %s", s, err, out)
		}
		want := s
		if s == "bad\xffbyte" {
			want = "bad\uFFFDbyte"
		}
		if got["model"] != want || got["steps"] != 4.0 || got["checkerboard_balance"] != 0.5 {
			t.Fatalf("%q came back as %v", s, got)
		}
	}
}
