package history

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/tools"
)

// fakeReader is the platform's span reader in memory (the adapters' own
// ReadSpan tests run against their fake platform APIs): it records the
// queries and answers with msgs, the newest Limit of them.
type fakeReader struct {
	msgs []bots.SpanMessage
	err  error

	mu      sync.Mutex
	queries []bots.SpanQuery
}

var _ bots.SpanReader = (*fakeReader)(nil)

func (f *fakeReader) ReadSpan(_ context.Context, q bots.SpanQuery) (bots.Span, error) {
	f.mu.Lock()
	f.queries = append(f.queries, q)
	f.mu.Unlock()
	msgs := f.msgs
	trunc := false
	if len(msgs) > q.Limit {
		msgs, trunc = msgs[len(msgs)-q.Limit:], true
	}
	return bots.Span{Messages: msgs, Truncated: trunc}, f.err
}

func (f *fakeReader) asked() []bots.SpanQuery {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]bots.SpanQuery(nil), f.queries...)
}

var (
	now     = time.Date(2026, 11, 25, 14, 0, 0, 0, time.UTC)
	threadK = bots.ConversationKey{Platform: bots.Slack, Team: "T1", Channel: "C1", Thread: "1700.1"}
)

func messages(n int) []bots.SpanMessage {
	var out []bots.SpanMessage
	for i := range n {
		out = append(out, bots.SpanMessage{ID: fmt.Sprint(i), UserID: "U2", Author: "Bob",
			Text: fmt.Sprintf("message %d", i), Time: now.Add(-time.Duration(n-i) * time.Minute)})
	}
	return out
}

// box is a Toolbox over the history tool, as the bot wires it.
func box(t *testing.T, maxBytes int) *tools.Toolbox {
	t.Helper()
	b, err := tools.New(tools.Options{Providers: []tools.Provider{New(Options{Now: func() time.Time { return now }})},
		MaxResultBytes: maxBytes})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func callIn(ctx context.Context, b *tools.Toolbox, args string) tools.Result {
	return b.Call(ctx, "slack:C1", tools.Call{ID: "c1", Name: ToolName, Arguments: json.RawMessage(args)})
}

func TestReadsTheThreadOfTheOrigin(t *testing.T) {
	t.Parallel()
	r := &fakeReader{msgs: []bots.SpanMessage{
		{Author: "Bob", Text: "the deploy moves to Friday\nafter the freeze", Time: time.Date(2026, 11, 24, 16, 5, 0, 0, time.UTC)},
		{Author: "mistralbot", Bot: true, Text: "Noted.", Time: time.Date(2026, 11, 24, 16, 6, 0, 0, time.UTC)},
	}}
	ctx := tools.WithOrigin(t.Context(), tools.Origin{Key: threadK, Channel: "C1", UserID: "U1", Reader: r})
	res := callIn(ctx, box(t, 0), `{}`)
	if res.Failed() {
		t.Fatalf("result %+v", res)
	}
	want := "[2026-11-24 16:05 UTC] Bob: the deploy moves to Friday\n  after the freeze\n[2026-11-24 16:06 UTC] mistralbot (bot): Noted.\n"
	if !strings.Contains(res.Text, want) || !strings.HasPrefix(res.Text, "2 message(s) of this thread") {
		t.Fatalf("text %q", res.Text)
	}
	q := r.asked()
	if len(q) != 1 || q[0].Key != threadK || q[0].Limit != DefaultMessages || !q[0].Since.IsZero() {
		t.Fatalf("queries %+v", q)
	}
	tool, fail := box(t, 0).Resolve("slack:C1", tools.Call{Name: ToolName})
	if fail != nil || tool.NeedsApproval() {
		t.Fatalf("read_history %+v %+v: want a read-only tool that asks no approval under auto", tool, fail)
	}
}

func TestScopeLimitAndSince(t *testing.T) {
	t.Parallel()
	discordThread := bots.ConversationKey{Platform: bots.Discord, Team: "G1", Channel: "TH1", Thread: "TH1"}
	dm := bots.ConversationKey{Platform: bots.Slack, Team: "T1", Channel: "D1", Thread: "1700.9"}
	cases := []struct {
		name   string
		origin tools.Origin
		args   string
		key    bots.ConversationKey
		limit  int
		since  time.Time
	}{
		{"slack channel", tools.Origin{Key: threadK, Channel: "C1"}, `{"scope":"channel","limit":500,"since":"24h"}`,
			bots.ConversationKey{Platform: bots.Slack, Team: "T1", Channel: "C1"}, MaxMessages, now.Add(-24 * time.Hour)},
		{"discord thread's parent", tools.Origin{Key: discordThread, Channel: "PARENT"}, `{"scope":"channel","limit":10}`,
			bots.ConversationKey{Platform: bots.Discord, Team: "G1", Channel: "PARENT"}, 10, time.Time{}},
		{"dm stays in the dm", tools.Origin{Key: dm, Channel: "C1", DM: true}, `{"scope":"channel","since":"7d"}`,
			bots.ConversationKey{Platform: bots.Slack, Team: "T1", Channel: "D1"}, DefaultMessages, now.Add(-7 * 24 * time.Hour)},
		{"thread, limit at least 1", tools.Origin{Key: threadK, Channel: "C1"}, `{"scope":"thread","limit":0,"since":"9999d"}`,
			threadK, 1, now.Add(-maxSince)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := &fakeReader{msgs: messages(3)}
			c.origin.Reader = r
			res := callIn(tools.WithOrigin(t.Context(), c.origin), box(t, 0), c.args)
			q := r.asked()
			if res.Failed() || len(q) != 1 {
				t.Fatalf("result %+v, queries %+v", res, q)
			}
			if q[0].Key != c.key || q[0].Limit != c.limit || !q[0].Since.Equal(c.since) {
				t.Fatalf("query %+v, want key %+v limit %d since %v", q[0], c.key, c.limit, c.since)
			}
		})
	}
}

// TestOnlyTheOriginIsRead: the conversation comes from the context, never
// from the arguments: a channel the model names is refused, and without
// an origin nothing is read.
func TestOnlyTheOriginIsRead(t *testing.T) {
	t.Parallel()
	r := &fakeReader{msgs: messages(3)}
	ctx := tools.WithOrigin(t.Context(), tools.Origin{Key: threadK, Channel: "C1", Reader: r})
	for _, args := range []string{`{"channel":"C999"}`, `{"scope":"channel","channel_id":"C999"}`, `{"thread":"1.2"}`,
		`{"scope":"C999"}`, `{"since":"yesterday"}`, `{"limit":"ten"}`} {
		res := callIn(ctx, box(t, 0), args)
		if res.Failure != tools.FailureTool || !strings.Contains(res.Text, "Error from read_history") {
			t.Errorf("%s: result %+v, want the tool's refusal", args, res)
		}
	}
	if q := r.asked(); len(q) != 0 {
		t.Fatalf("read %+v for refused arguments", q)
	}
	res := callIn(t.Context(), box(t, 0), `{}`)
	if res.Failure != tools.FailureTool || !strings.Contains(res.Text, "cannot be read here") {
		t.Fatalf("without an origin: %+v", res)
	}
	res = callIn(tools.WithOrigin(t.Context(), tools.Origin{Key: threadK}), box(t, 0), `{}`)
	if res.Failure != tools.FailureTool {
		t.Fatalf("an origin without a reader: %+v", res)
	}
}

func TestReadFailures(t *testing.T) {
	t.Parallel()
	origin := func(r bots.SpanReader) context.Context {
		return tools.WithOrigin(t.Context(), tools.Origin{Key: threadK, Channel: "C1", Reader: r})
	}
	res := callIn(origin(&fakeReader{err: fmt.Errorf("slack: %w", bots.ErrNoAccess)}), box(t, 0), `{}`)
	if res.Failure != tools.FailureTool || !strings.Contains(res.Text, "cannot read this conversation") {
		t.Errorf("no access: %+v", res)
	}
	res = callIn(origin(&fakeReader{err: errors.New("slack: 500")}), box(t, 0), `{}`)
	if res.Failure != tools.FailureUnavailable {
		t.Errorf("a failed read: %+v", res)
	}
	res = callIn(origin(&fakeReader{msgs: messages(2), err: errors.New("slack: 500 on page 2")}), box(t, 0), `{}`)
	if res.Failed() || !strings.Contains(res.Text, "older ones exist") || !strings.Contains(res.Text, "message 1") {
		t.Errorf("a partial read: %+v", res)
	}
	res = callIn(origin(&fakeReader{}), box(t, 0), `{"since":"1h"}`)
	if res.Failed() || !strings.HasPrefix(res.Text, "No messages") {
		t.Errorf("an empty span: %+v", res)
	}
}

// TestLongHistoryIsCut: 200 messages are more than tools.max_result_bytes;
// the Toolbox cuts the text and says so.
func TestLongHistoryIsCut(t *testing.T) {
	t.Parallel()
	r := &fakeReader{msgs: messages(300)}
	res := callIn(tools.WithOrigin(t.Context(), tools.Origin{Key: threadK, Channel: "C1", Reader: r}), box(t, 2048), `{"limit":200}`)
	if res.Failed() || !res.Truncated || len(res.Text) > 2048 || !strings.Contains(res.Text, "older ones exist") {
		t.Fatalf("result %d bytes truncated=%v: %q", len(res.Text), res.Truncated, res.Text[:min(len(res.Text), 200)])
	}
	if q := r.asked(); q[0].Limit != 200 {
		t.Fatalf("limit %d", q[0].Limit)
	}
}
