package llm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzToolCallAssembly streams one call whose arguments are cut at
// arbitrary rune boundaries, in one of the delta shapes (by index, whole,
// without index, arguments as an object), and checks the assembled call
// is the one sent, with a Problem exactly when it is malformed. Nothing
// may panic. Arbitrary bodies go through the same decoder in
// FuzzSSEDecoder, whose seeds include the tool-call captures.
//
//	go test ./llm -run '^$' -fuzz FuzzToolCallAssembly -fuzztime 30s
func FuzzToolCallAssembly(f *testing.F) {
	f.Add("get_weather", `{"city":"Paris"}`, []byte{1, 3, 7}, byte(0))
	f.Add("f", `{"a":[1,2,{"b":"é\"}"}]}`, []byte{2, 2, 2, 2}, byte(1))
	f.Add("", `{}`, []byte{}, byte(2))
	f.Add("run", `{"cmd":"ls`, []byte{4}, byte(0))
	f.Add("g", ` {"k":true} `, []byte{0, 5}, byte(3))
	f.Add("h", `[1]`, []byte{1}, byte(2))
	c, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, name, args string, cuts []byte, shape byte) {
		if !utf8.ValidString(name) || !utf8.ValidString(args) || len(args) > 4096 || len(cuts) > 64 {
			return
		}
		body := renderCall(name, args, cuts, shape%4)
		s := readerStream(c, strings.NewReader(body))
		defer s.Close()
		for {
			_, err := s.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("stream %q: %v", body, err)
			}
		}
		calls := s.Result().ToolCalls
		if len(calls) != 1 {
			t.Fatalf("%d calls from %q", len(calls), body)
		}
		got := calls[0]
		wantArgs := strings.TrimSpace(args)
		if wantArgs == "" {
			wantArgs = "{}"
		}
		if got.Name != strings.TrimSpace(name) || got.Arguments != wantArgs || got.ID != "id0" {
			t.Fatalf("call %+v, sent name %q args %q", got, name, args)
		}
		malformed := strings.TrimSpace(name) == "" || !jsonObject([]byte(wantArgs))
		if (got.Problem != nil) != malformed {
			t.Fatalf("problem %v for name %q args %q", got.Problem, name, args)
		}
	})
}

// renderCall renders one call as a stream in the given shape.
func renderCall(name, args string, cuts []byte, shape byte) string {
	q := func(s string) string {
		b, _ := json.Marshal(s)
		return string(b)
	}
	if shape == 3 && jsonObject([]byte(args)) {
		var buf bytes.Buffer
		_ = json.Compact(&buf, []byte(args))
		// The object goes in compact: white space around it, a newline
		// above all, would end the SSE data line (a stream no provider
		// sends; the decoder rightly calls it malformed).
		if buf.String() == strings.TrimSpace(args) {
			return sse(delta(`{"tool_calls":[{"index":0,"id":"id0","function":{"name":` + q(name) + `,"arguments":` + buf.String() + `}}]}`))
		}
	}
	if shape == 1 {
		return sse(delta(`{"tool_calls":[{"index":0,"id":"id0","type":"function","function":{"name":` + q(name) + `,"arguments":` + q(args) + `}}]}`))
	}
	var pieces []string
	rest := args
	for _, c := range cuts {
		n := int(c)%8 + 1
		if n >= len(rest) {
			break
		}
		for n < len(rest) && !utf8.RuneStart(rest[n]) {
			n++
		}
		pieces = append(pieces, rest[:n])
		rest = rest[n:]
	}
	pieces = append(pieces, rest)
	chunks := []string{delta(`{"tool_calls":[{"index":0,"id":"id0","type":"function","function":{"name":` + q(name) + `,"arguments":""}}]}`)}
	for _, p := range pieces {
		if shape == 2 { // neither index nor id after the first delta
			chunks = append(chunks, delta(`{"tool_calls":[{"function":{"arguments":`+q(p)+`}}]}`))
		} else {
			chunks = append(chunks, delta(`{"tool_calls":[{"index":0,"function":{"arguments":`+q(p)+`}}]}`))
		}
	}
	return sse(chunks...)
}

// BenchmarkToolRound is the client's share of one tool round, the model
// and the tool excluded: decoding a typical round's stream (two parallel
// calls of about 120 bytes of arguments in 4-byte pieces, OpenRouter's
// recorded shape, 70 chunks with the usage) into calls, then building
// the next request (a 20-message history, the assistant tool_calls and
// two 2 KB results, five tools with schemas) and encoding it. The issue's
// budget is 2 ms of CPU per round.
//
//	go test ./llm -run '^$' -bench BenchmarkToolRound -benchmem
func BenchmarkToolRound(b *testing.B) {
	data := []byte(toolRoundStream())
	tools := make([]Tool, 5)
	for i := range tools {
		tools[i] = Tool{Name: fmt.Sprintf("tool_%d", i), Description: "Searches the team's documents for a phrase and returns the matching passages.",
			Parameters: json.RawMessage(`{"type":"object","properties":{"query":{"type":"string","description":"what to look for"},"limit":{"type":"integer"}},"required":["query"]}`)}
	}
	history := make([]Message, 0, 24)
	for i := range 20 {
		role := RoleUser
		if i%2 == 1 {
			role = RoleAssistant
		}
		history = append(history, Message{Role: role, Content: strings.Repeat("A line of the thread about the deployment. ", 5)})
	}
	result := strings.Repeat("passage of a document returned by the tool; ", 45)
	c, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	r := bytes.NewReader(data)
	s := readerStream(c, r)
	s.declared = tools
	defer s.Close()
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		replay(b, s, r, data, false, nil)
		calls := s.Result().ToolCalls
		if len(calls) != 2 || calls[1].Problem != nil {
			b.Fatalf("%+v", calls)
		}
		msgs := append(history[:20:20], AssistantToolCalls("", calls))
		for _, call := range calls {
			msgs = append(msgs, ToolResult(call, result))
		}
		if _, err := encodeRequest(OpenRouter, Request{Messages: msgs, Tools: tools}, "mistralai/mistral-small-3.2-24b-instruct", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// toolRoundStream is two parallel calls in OpenRouter's recorded shape.
func toolRoundStream() string {
	head := `{"id":"gen-1778031306-HYzOq04JIk1hZQ4iaNjD","object":"chat.completion.chunk","created":1778031306,"model":"mistralai/mistral-small-3.2-24b-instruct","provider":"Mistral","choices":[{"index":0,"delta":`
	tail := `,"finish_reason":null,"native_finish_reason":null}]}`
	var chunks []string
	args := []string{
		`{"query":"deployment rollback procedure for the payments service","limit":5,"filters":{"team":"platform"}}`,
		`{"query":"on-call rotation for December and the escalation contacts","limit":3,"filters":{"team":"sre"}}`,
	}
	ids := []string{"D681PevKs", "k3Pq9ZxT2"}
	for i, a := range args {
		chunks = append(chunks, head+fmt.Sprintf(`{"content":null,"role":"assistant","tool_calls":[{"index":%d,"id":"%s","type":"function","function":{"name":"tool_%d","arguments":""}}]}`, i, ids[i], i)+tail)
		for len(a) > 0 {
			n := min(4, len(a))
			p, _ := json.Marshal(a[:n])
			a = a[n:]
			chunks = append(chunks, head+fmt.Sprintf(`{"content":null,"role":"assistant","tool_calls":[{"index":%d,"function":{"arguments":%s}}]}`, i, p)+tail)
		}
	}
	chunks = append(chunks, head+`{"content":"","role":"assistant"},"finish_reason":"tool_calls","native_finish_reason":"stop"}]}`)
	chunks = append(chunks, head+`{"content":"","role":"assistant"},"finish_reason":"tool_calls","native_finish_reason":"stop"}],"usage":{"prompt_tokens":1400,"completion_tokens":60,"total_tokens":1460,"cost":0.0001}}`)
	return ": OPENROUTER PROCESSING\n\n" + sse(chunks...)
}
