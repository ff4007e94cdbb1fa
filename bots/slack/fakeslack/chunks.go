package fakeslack

import (
	"encoding/json"
	"net/url"
)

// The chunks argument of chat.appendStream: a JSON array of markdown_text,
// task_update, plan_update and blocks chunks
// (https://docs.slack.dev/reference/methods/chat.appendStream/, "Using the
// chunks parameter"; a task_update has id, title and a status of pending,
// in_progress, complete or error:
// https://docs.slack.dev/tools/node-slack-sdk/reference/types/interfaces/TaskUpdateChunk).
// The fake is strict: anything else is refused whole with invalid_chunks.
// That code is assumed (the method's error list was not found in the
// docs searched); the bot treats any lasting refusal of chunks the same.

// Chunk is one chunk as received.
type Chunk struct {
	Type    string `json:"type"`
	Text    string `json:"text,omitempty"`
	ID      string `json:"id,omitempty"`
	Title   string `json:"title,omitempty"`
	Status  string `json:"status,omitempty"`
	Details string `json:"details,omitempty"`
	Output  string `json:"output,omitempty"`
	Sources []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
		Text string `json:"text"`
	} `json:"sources,omitempty"`
	Blocks []json.RawMessage `json:"blocks,omitempty"`
}

var taskStatuses = map[string]bool{"pending": true, "in_progress": true, "complete": true, "error": true}

// readChunks parses and checks p's chunks (none when absent).
func (s *Server) readChunks(p url.Values) ([]Chunk, apiResult, bool) {
	raw, present := p["chunks"]
	if !present {
		return nil, apiResult{}, false
	}
	if s.opts.RefuseChunks {
		return nil, fail("invalid_chunks"), true
	}
	var chunks []Chunk
	if len(raw) != 1 || json.Unmarshal([]byte(raw[0]), &chunks) != nil || len(chunks) == 0 {
		return nil, fail("invalid_chunks"), true
	}
	for _, c := range chunks {
		if !validChunk(c) {
			return nil, fail("invalid_chunks"), true
		}
	}
	return chunks, apiResult{}, false
}

func validChunk(c Chunk) bool {
	switch c.Type {
	case "markdown_text":
		return c.Text != ""
	case "task_update":
		return c.ID != "" && c.Title != "" && (c.Status == "" || taskStatuses[c.Status])
	case "plan_update":
		return c.Title != ""
	case "blocks":
		return len(c.Blocks) > 0 && len(c.Blocks) <= 50
	}
	return false
}
