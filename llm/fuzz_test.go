package llm

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"
	"unicode/utf8"
)

// FuzzSSEDecoder feeds arbitrary bodies through the SSE reader, the chunk
// decoder and a whole Stream: nothing may panic or loop, and wherever
// encoding/json can read a chunk with the expected types, the decoder
// must agree with it on the visible content, id and model.
//
//	go test ./llm -run '^$' -fuzz FuzzSSEDecoder -fuzztime 30s
func FuzzSSEDecoder(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.sse")
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{
		"data: {\"choices\":[{\"delta\":{\"content\":\"a\\u00e9\\ud83d\\ude00\"}}]}\r\n\r\ndata: [DONE]\r\n",
		"data:{\"choices\":[{\"delta\":{\"content\":[{\"type\":\"thinking\",\"thinking\":[]},{\"type\":\"text\",\"text\":\"x\"}]}}]}\n\n",
		"data: {\"error\":{\"code\":502,\"message\":\"m\"},\"choices\":[{\"finish_reason\":\"error\"}]}\n\n",
		"data: {\"choices\":[{\"delta\":{\"content\":\"<think>a</th\"}}]}\n\ndata: {\"choices\":[{\"delta\":{\"content\":\"ink>b\"}}]}\n\n",
		": c\n\ndata: {\"a\":\ndata: 1}\n\n",
		"{\"error\":{\"code\":429}}",
	} {
		f.Add([]byte(s))
	}
	c, err := New(Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var ev eventReader
		ev.reset(bytes.NewReader(body))
		var sc scanner
		var ch chunk
		for i := 0; ; i++ {
			data, err := ev.next()
			if err != nil {
				break
			}
			if i > len(body)+1 {
				t.Fatal("more events than bytes")
			}
			if ch.decode(&sc, data) == nil {
				compareWithEncodingJSON(t, data, &ch)
			}
		}

		s := readerStream(c, bytes.NewReader(body))
		defer s.Close()
		for i := 0; ; i++ {
			piece, err := s.Next()
			if err != nil {
				if err != io.EOF {
					asError(t, err)
				}
				break
			}
			if piece == "" || i > len(body)+1 {
				t.Fatalf("Next returned %q on round %d", piece, i)
			}
		}
	})
}

// typedChunk is a chunk as encoding/json reads it with strict types.
type typedChunk struct {
	ID      *string `json:"id"`
	Model   *string `json:"model"`
	Choices []struct {
		Delta   *struct{ Content json.RawMessage } `json:"delta"`
		Message *struct{ Content json.RawMessage } `json:"message"`
	} `json:"choices"`
}

func compareWithEncodingJSON(t *testing.T, data []byte, ch *chunk) {
	t.Helper()
	if !utf8.Valid(data) || !json.Valid(data) {
		return // the decoder is lenient where encoding/json is strict
	}
	// encoding/json matches keys case-insensitively; providers and the
	// decoder do not.
	lower := bytes.ToLower(data)
	for _, key := range []string{`"id"`, `"model"`, `"choices"`, `"delta"`, `"message"`, `"content"`} {
		if bytes.Count(lower, []byte(key)) != bytes.Count(data, []byte(key)) {
			return
		}
	}
	var want typedChunk
	if json.Unmarshal(data, &want) != nil {
		return
	}
	if want.ID != nil && string(ch.id) != *want.ID {
		t.Fatalf("id %q, encoding/json %q", ch.id, *want.ID)
	}
	if want.Model != nil && string(ch.model) != *want.Model {
		t.Fatalf("model %q, encoding/json %q", ch.model, *want.Model)
	}
	if len(want.Choices) == 0 || (want.Choices[0].Delta != nil && want.Choices[0].Message != nil) {
		return
	}
	var raw json.RawMessage
	if d := want.Choices[0].Delta; d != nil {
		raw = d.Content
	} else if m := want.Choices[0].Message; m != nil {
		raw = m.Content
	}
	var content string
	if json.Unmarshal(raw, &content) != nil {
		return // null, absent or array content
	}
	if string(ch.content) != content {
		t.Fatalf("content %q, encoding/json %q", ch.content, content)
	}
}
