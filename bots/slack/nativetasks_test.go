package slack

import (
	"context"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mistralbot/bots/engine"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/bots/tools"
	"mistralbot/llm/llmtest"
)

// lookup is a tools.Provider with one read-only tool that runs without
// approval; each call waits (polling, bounded) until ready says the
// progress of its start is visible, so what the test sees does not hang
// on which goroutine ran first.
type lookup struct {
	runs  atomic.Int32
	ready func() bool
}

func (l *lookup) Name() string { return "kb" }
func (l *lookup) Tools() []tools.Tool {
	return []tools.Tool{{Name: "kb__search", Remote: "search", Description: "Search the knowledge base", Approval: tools.ApprovalNever}}
}
func (l *lookup) Call(ctx context.Context, _ tools.Tool, _ json.RawMessage, _ string) (tools.Output, error) {
	l.runs.Add(1)
	for deadline := time.Now().Add(10 * time.Second); !l.ready() && time.Now().Before(deadline) && ctx.Err() == nil; {
		time.Sleep(10 * time.Millisecond)
	}
	return tools.Output{Text: "found it"}, nil
}

const (
	taskIntro  = "Let me look that up.\n\n"
	taskAnswer = "The answer is 42."
)

// toolHarness answers with some text, then rounds tool calls of
// kb__search, then taskAnswer.
func toolHarness(t *testing.T, native bool, fake fakeslack.Options, calls int, kb *lookup) *harness {
	h := newHarness(t, harnessOptions{native: native, fake: fake,
		llm: llmtest.Options{Dialect: llmtest.OpenAI},
		engine: func(o *engine.Options) {
			box, err := tools.New(tools.Options{Providers: []tools.Provider{kb}})
			if err != nil {
				t.Fatal(err)
			}
			o.Tools = engine.ToolOptions{Runner: box}
		}})
	var script []llmtest.Scenario
	for i := range calls {
		sc := llmtest.Scenario{Times: 1, ToolCalls: []llmtest.ToolCall{{Name: "kb__search", Arguments: `{"q":"secret-token-x"}`}}}
		if i == 0 {
			sc.Reply = taskIntro
		}
		script = append(script, sc)
	}
	h.llm.Script(append(script, llmtest.Scenario{Times: 1, Reply: taskAnswer})...)
	return h
}

// taskChunks are the task_update chunks of the streamed replies in thread.
func (h *harness) taskChunks(thread string) []fakeslack.Chunk {
	var out []fakeslack.Chunk
	for _, m := range h.replies("C0GENERAL", thread) {
		for _, c := range m.Chunks {
			if c.Type == "task_update" {
				out = append(out, c)
			}
		}
	}
	return out
}

// statusNames reports whether a thread status named the tool.
func (h *harness) statusNames(tool string) bool {
	for _, st := range h.fake.Statuses() {
		if strings.Contains(st.Text, tool) {
			return true
		}
	}
	return false
}

// waitAnswer waits for the finished answer in thread and returns its body.
func (h *harness) waitAnswer(thread string) string {
	var body string
	h.waitFor("the answer", func() bool {
		for _, m := range h.replies("C0GENERAL", thread) {
			if strings.Contains(m.Body(), taskAnswer) && !m.Streaming {
				body = m.Body()
				return true
			}
		}
		return false
	})
	return body
}

// TestNativeToolTasks: in a native stream, a tool call shows as a
// task_update chunk, in_progress while it runs and complete after,
// titled with the tool's name and without its arguments; the thread's
// status is not used for it; the final Markdown is whole.
func TestNativeToolTasks(t *testing.T) {
	kb := &lookup{}
	h := toolHarness(t, true, fakeslack.Options{Strict: true}, 1, kb)
	var thread atomic.Value // the question's ts, once said
	thread.Store("")
	kb.ready = func() bool { return len(h.taskChunks(thread.Load().(string))) > 0 }
	q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> what is the answer?")
	thread.Store(q.TS)
	body := h.waitAnswer(q.TS)
	if !strings.HasPrefix(body, "Let me look that up.") || !strings.Contains(body, taskAnswer) {
		t.Fatalf("answer %q", body)
	}
	tasks := h.taskChunks(q.TS)
	if len(tasks) != 2 || tasks[0].Status != "in_progress" || tasks[1].Status != "complete" ||
		tasks[0].ID == "" || tasks[0].ID != tasks[1].ID || tasks[0].Title != "kb__search" {
		t.Fatalf("task chunks %+v", tasks)
	}
	for _, c := range h.fake.Calls() {
		if strings.Contains(c.Params.Get("chunks"), "secret-token-x") {
			t.Fatal("a chunk carried the tool's arguments")
		}
	}
	if h.statusNames("kb__search") {
		t.Fatalf("the status named the tool too: %+v", h.fake.Statuses())
	}
	if kb.runs.Load() != 1 {
		t.Fatalf("ran %d times", kb.runs.Load())
	}
}

// TestNativeToolTasksRefused: a stream that refuses the chunks shows the
// tool in the thread's status instead, for that call and the next, with
// one log line, and the answer is still whole.
func TestNativeToolTasksRefused(t *testing.T) {
	kb := &lookup{}
	h := toolHarness(t, true, fakeslack.Options{Strict: true, RefuseChunks: true}, 2, kb)
	var seen atomic.Int32 // statuses naming the tool when a call started
	kb.ready = func() bool {
		n := int32(0)
		for _, st := range h.fake.Statuses() {
			if strings.Contains(st.Text, "kb__search") {
				n++
			}
		}
		if n > seen.Load() {
			seen.Store(n)
			return true
		}
		return false
	}
	q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> what is the answer?")
	body := h.waitAnswer(q.TS)
	if !strings.HasPrefix(body, "Let me look that up.") || !strings.Contains(body, taskAnswer) {
		t.Fatalf("answer %q", body)
	}
	if kb.runs.Load() != 2 || seen.Load() < 2 {
		t.Fatalf("runs %d, statuses naming the tool %d", kb.runs.Load(), seen.Load())
	}
	chunkCalls := 0
	for _, c := range h.fake.Calls() {
		if c.Params.Has("chunks") {
			chunkCalls++
		}
	}
	if chunkCalls != 1 {
		t.Fatalf("%d appends with chunks, want 1 (then the status)", chunkCalls)
	}
	if n := strings.Count(h.logs.String(), "slack refused the tool task chunks"); n != 1 {
		t.Fatalf("%d refusal log lines, want 1", n)
	}
}

// TestPostUpdateToolStatus: a post+update reply has no stream: the tool
// shows in the thread's status and no chunk is sent.
func TestPostUpdateToolStatus(t *testing.T) {
	kb := &lookup{}
	h := toolHarness(t, false, fakeslack.Options{Strict: true}, 1, kb)
	kb.ready = func() bool { return h.statusNames("kb__search") }
	q := h.say("C0GENERAL", "", "U0BOB", "<@U0BOT> what is the answer?")
	h.waitFor("the answer", func() bool {
		for _, m := range h.replies("C0GENERAL", q.TS) {
			if strings.Contains(m.Text, taskAnswer) {
				return true
			}
		}
		return false
	})
	if !h.statusNames("kb__search") {
		t.Fatalf("statuses %+v name no tool", h.fake.Statuses())
	}
	for _, c := range h.fake.Calls() {
		if c.Params.Has("chunks") {
			t.Fatalf("a chunk was sent: %s %v", c.Method, c.Params)
		}
	}
}
