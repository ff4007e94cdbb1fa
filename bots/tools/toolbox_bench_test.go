package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// BenchmarkToolboxRound is the Toolbox's share of a tool round (issue 16's
// target for the whole round, tool and model excluded, is 2 ms of CPU):
// list the tools of a channel among 3 providers of 20 tools, resolve and
// run 3 calls with keys whose tools answer 64 KB each, cut to 16 KiB.
func BenchmarkToolboxRound(b *testing.B) {
	answer := strings.Repeat("y", 64<<10)
	var providers []Provider
	for p := range 3 {
		fp := &fakeProvider{name: fmt.Sprintf("srv%d", p), call: func(context.Context, Tool, json.RawMessage) (Output, error) {
			return Output{Text: answer}, nil
		}}
		for i := range 20 {
			fp.tools = append(fp.tools, Tool{Name: fmt.Sprintf("srv%d__tool%d", p, i), Schema: json.RawMessage(`{"type":"object"}`)})
		}
		providers = append(providers, fp)
	}
	box, err := New(Options{Providers: providers, Channels: map[string][]string{"slack:C1": {"srv0", "srv2"}}})
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	args := json.RawMessage(`{"q":"lamps","limit":10}`)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if len(box.Tools("slack:C1")) != 40 {
			b.Fatal("tools")
		}
		for j := range 3 {
			c := Call{ID: "c", Key: CallKey("answer", i, fmt.Sprint(j)), Name: fmt.Sprintf("srv%d__tool%d", 2*(j%2), j), Arguments: args}
			if _, fail := box.Resolve("slack:C1", c); fail != nil {
				b.Fatal(fail.Text)
			}
			if r := box.Call(ctx, "slack:C1", c); !r.Truncated {
				b.Fatal("not truncated")
			}
		}
	}
}
