package llm

import (
	"strings"
	"testing"
)

func decodeChunk(t *testing.T, in string) (chunk, error) {
	t.Helper()
	var s scanner
	var c chunk
	err := c.decode(&s, []byte(in))
	return c, err
}

func TestChunkDecode(t *testing.T) {
	tests := []struct {
		name, in                   string
		id, model, content, finish string
		usage                      bool
		prompt, completion         int
		cost                       float64
		hasCost                    bool
		errRaw                     string
	}{
		{
			name: "openrouter content",
			in:   `{"id":"gen-1","provider":"Mistral","model":"m","object":"chat.completion.chunk","created":1,"choices":[{"index":0,"delta":{"role":"assistant","content":"Bon"},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}`,
			id:   "gen-1", model: "m", content: "Bon",
		},
		{
			name: "openrouter usage with empty delta",
			in:   `{"id":"g","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}],"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15,"cost":0.0000015,"is_byok":false,"prompt_tokens_details":{"cached_tokens":0},"cost_details":{"upstream_inference_cost":null}}}`,
			id:   "g", usage: true, prompt: 12, completion: 3, cost: 0.0000015, hasCost: true,
		},
		{
			name: "usage with empty choices and exponent cost",
			in:   `{"id":"g","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":1,"cost":9e-7}}`,
			id:   "g", usage: true, prompt: 9, completion: 1, cost: 9e-7, hasCost: true,
		},
		{
			name: "mistral usage with last content",
			in:   `{"id":"59060ef9339a4112b2c9e57e3ee6199d","object":"chat.completion.chunk","created":1764258570,"model":"mistral-small-latest","choices":[{"index":0,"delta":{"content":" !"},"finish_reason":"stop"}],"usage":{"prompt_tokens":19,"completion_tokens":7,"total_tokens":26}}`,
			id:   "59060ef9339a4112b2c9e57e3ee6199d", model: "mistral-small-latest", content: " !", finish: "stop",
			usage: true, prompt: 19, completion: 7,
		},
		{
			name:    "reasoning fields ignored",
			in:      `{"choices":[{"delta":{"content":"","reasoning":"hmm","reasoning_content":"hmm","reasoning_details":[{"type":"reasoning.text","text":"x"}]}}]}`,
			content: "",
		},
		{
			name:    "mistral thinking array",
			in:      `{"choices":[{"delta":{"content":[{"type":"thinking","thinking":[{"type":"text","text":"secret"}]},{"type":"text","text":"Hello"},{"type":"text","text":" there"}]}}]}`,
			content: "Hello there",
		},
		{
			name:    "array of plain strings",
			in:      `{"choices":[{"delta":{"content":["a","b"]}}]}`,
			content: "ab",
		},
		{
			name: "escapes and unicode",
			in:   `{"id":"x\"y","choices":[{"delta":{"content":"line\nnext \u00e9\u4e2d \ud83d\ude00 \/ \\ \t"}}]}`,
			id:   `x"y`, content: "line\nnext é中 😀 / \\ \t",
		},
		{
			name:    "lone surrogate becomes U+FFFD",
			in:      `{"choices":[{"delta":{"content":"a\ud83db\udc00"}}]}`,
			content: "a\uFFFDb\uFFFD",
		},
		{
			name:    "error null is not an error",
			in:      `{"error":null,"choices":[{"delta":{"content":"ok"},"error":null}],"usage":null}`,
			content: "ok",
		},
		{
			name: "mid-stream error",
			in:   `{"id":"g","error":{"code":502,"message":"Provider disconnected unexpectedly"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}`,
			id:   "g", finish: "error",
			errRaw: `{"code":502,"message":"Provider disconnected unexpectedly"}`,
		},
		{
			name:    "non-streamed message",
			in:      `{"choices":[{"message":{"role":"assistant","content":"whole"},"finish_reason":"stop"}]}`,
			content: "whole", finish: "stop",
		},
		{
			name:    "only the first choice",
			in:      `{"choices":[{"delta":{"content":"a"}},{"delta":{"content":"b"}}]}`,
			content: "a",
		},
		{
			name:    "white space everywhere",
			in:      " { \"choices\" : [ { \"delta\" : { \"content\" : \"a\" } } ] } \n",
			content: "a",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := decodeChunk(t, tt.in)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if string(c.id) != tt.id || string(c.model) != tt.model || string(c.content) != tt.content || string(c.finishReason) != tt.finish {
				t.Errorf("id %q model %q content %q finish %q", c.id, c.model, c.content, c.finishReason)
			}
			if c.hasUsage != tt.usage || c.promptTokens != tt.prompt || c.completionTokens != tt.completion || c.cost != tt.cost || c.hasCost != tt.hasCost {
				t.Errorf("usage %v %d/%d cost %v %v", c.hasUsage, c.promptTokens, c.completionTokens, c.cost, c.hasCost)
			}
			if string(c.errRaw) != tt.errRaw {
				t.Errorf("errRaw %q, want %q", c.errRaw, tt.errRaw)
			}
		})
	}
}

func TestChunkDecodeRejectsMalformed(t *testing.T) {
	for _, in := range []string{
		``, `[]`, `null`, `{`, `{"choices":[{"delta":{"content":"oops`,
		`{"choices":[}`, `{"a":1,}`, `{"a" 1}`, `{"a":tru}`, `{"id":"\x"}`,
		`{"id":"\u12"}`, `{"choices":[{"delta":{"content":"\ud83d\u12"}}]}`, `{"choices":{"delta":1}}`, `{"usage":{"cost":"x"}}`,
		`{"a":1} trailing`, `{"choices":[{"delta":{"content":5}}]}`,
		`{"a":` + strings.Repeat("[", 300) + strings.Repeat("]", 300) + `}`,
	} {
		if _, err := decodeChunk(t, in); err == nil {
			t.Errorf("decode(%q) succeeded", in)
		}
	}
}

func TestChunkDecodeReuse(t *testing.T) {
	var s scanner
	var c chunk
	if err := c.decode(&s, []byte(`{"id":"a","choices":[{"delta":{"content":"x"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1}}`)); err != nil {
		t.Fatal(err)
	}
	if err := c.decode(&s, []byte(`{"choices":[]}`)); err != nil {
		t.Fatal(err)
	}
	if c.id != nil || c.content != nil || c.finishReason != nil || c.hasUsage {
		t.Fatalf("fields leaked from the previous chunk: %+v", c)
	}
}
