package fakeslack

import (
	"context"
	"net/url"
	"testing"

	slackgo "github.com/slack-go/slack"
)

// TestStreamChunks: chat.appendStream takes task_update and markdown_text
// chunks and records them in order; an unknown type, a task without id
// or with an unknown status, or chunks that are not a JSON array are
// refused with invalid_chunks and change nothing; RefuseChunks refuses
// every chunk.
func TestStreamChunks(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		s, api := setup(t, Options{Strict: true, RefuseChunks: refuse})
		ctx := context.Background()
		parent := s.PostUserMessage("D1", "", "U0ALICE", "question")
		_, ts, err := api.StartStreamContext(ctx, "D1", slackgo.MsgOptionTS(parent.TS), slackgo.MsgOptionMarkdownText("a"))
		if err != nil {
			t.Fatal(err)
		}
		task := slackgo.NewTaskUpdateChunk("call1", "search")
		task.Status = slackgo.TaskCardStatusInProgress
		_, _, err = api.AppendStreamContext(ctx, "D1", ts, slackgo.MsgOptionChunks(task, slackgo.NewMarkdownTextChunk(" b")))
		if refuse {
			if code(err) != "invalid_chunks" {
				t.Fatalf("RefuseChunks: %v", err)
			}
			if got := s.BotReplies("D1", parent.TS); len(got) != 1 || len(got[0].Chunks) != 0 || got[0].Markdown != "a" {
				t.Fatalf("refused chunks changed the message: %+v", got)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		bad := []string{
			`[{"type":"task_update","title":"search","status":"complete"}]`,
			`[{"type":"task_update","id":"call1","title":"search","status":"done"}]`,
			`[{"type":"task_card","id":"call1","title":"search"}]`,
			`{"type":"markdown_text","text":"x"}`,
			`[]`,
		}
		for _, b := range bad {
			opt := slackgo.UnsafeMsgOptionEndpoint(s.APIURL()+"chat.appendStream", func(v url.Values) { v.Set("chunks", b) })
			if _, _, err := api.AppendStreamContext(ctx, "D1", ts, opt); code(err) != "invalid_chunks" {
				t.Errorf("chunks %s: %v, want invalid_chunks", b, err)
			}
		}
		task.Status = slackgo.TaskCardStatusComplete
		if _, _, err := api.AppendStreamContext(ctx, "D1", ts, slackgo.MsgOptionChunks(task)); err != nil {
			t.Fatal(err)
		}
		got := s.BotReplies("D1", parent.TS)
		if len(got) != 1 || got[0].Markdown != "a b" {
			t.Fatalf("streamed message %+v", got)
		}
		c := got[0].Chunks
		if len(c) != 3 || c[0].Type != "task_update" || c[0].ID != "call1" || c[0].Status != "in_progress" ||
			c[1].Type != "markdown_text" || c[2].Status != "complete" {
			t.Fatalf("chunks %+v", c)
		}
	}
}
