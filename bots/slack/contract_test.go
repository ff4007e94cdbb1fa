package slack

import (
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/slack/fakeslack"
)

// contractFault is one fault of the fault contract: what is injected, and
// when (before the reply starts, or once its first message is visible).
type contractFault struct {
	name string
	// before runs before the reply streams; mid once its first text is
	// on the platform.
	before, mid func(f *fakeslack.Server)
	// event: a platform event, not an injected fault.
	event bool
}

func failNext(method string, n int, f fakeslack.Fault) func(*fakeslack.Server) {
	return func(s *fakeslack.Server) { s.FailNext(method, n, f) }
}

func code(c string) fakeslack.Fault { return fakeslack.Fault{Kind: fakeslack.ErrorCode, Code: c} }

// contractFaults are the faults of issue 11's table, on the methods a
// sink calls (posts is chat.postMessage or chat.startStream, edits
// chat.update or chat.appendStream).
func contractFaults(posts, edits, stop string) []contractFault {
	rl := fakeslack.Fault{Kind: fakeslack.RateLimit, RetryAfter: time.Second}
	out := []contractFault{
		{name: "429 once on " + posts, before: failNext(posts, 1, rl)},
		{name: "429 once on " + edits, before: failNext(edits, 1, rl)},
		{name: "429 storm on every method", before: failNext("", 14, rl)},
		{name: "502 HTML on " + posts, before: failNext(posts, 1, fakeslack.Fault{Kind: fakeslack.HTML})},
		{name: "503 HTML on " + edits, before: failNext(edits, 2, fakeslack.Fault{Kind: fakeslack.HTML, Status: 503})},
		{name: "500 HTML on " + stop, mid: failNext(stop, 1, fakeslack.Fault{Kind: fakeslack.HTML, Status: 500})},
		{name: "refused before written on " + posts, before: failNext(posts, 1, fakeslack.Fault{Kind: fakeslack.Refuse})},
		{name: "refused before written on " + edits, before: failNext(edits, 1, fakeslack.Fault{Kind: fakeslack.Refuse})},
		{name: "reset after written on " + posts, before: failNext(posts, 1, fakeslack.Fault{Kind: fakeslack.ResetAfter})},
		{name: "reset after written on " + edits, mid: failNext(edits, 1, fakeslack.Fault{Kind: fakeslack.ResetAfter})},
		{name: "reset after written on " + stop, mid: failNext(stop, 1, fakeslack.Fault{Kind: fakeslack.ResetAfter})},
		{name: "timeout after written on " + posts, before: failNext(posts, 1, fakeslack.Fault{Kind: fakeslack.Stall})},
		{name: "undecodable 200 on " + posts, before: failNext(posts, 1, fakeslack.Fault{Kind: fakeslack.Garbled})},
		{name: "undecodable 200 on " + edits, mid: failNext(edits, 1, fakeslack.Fault{Kind: fakeslack.Garbled})},
		{name: "message deleted mid-stream", event: true}, // mid is set by runContract: it needs the thread
		{name: "channel archived mid-stream", event: true, mid: func(f *fakeslack.Server) { f.Archive("C0GENERAL", true) }},
	}
	for _, c := range []string{"not_in_channel", "channel_not_found", "is_archived", "msg_too_long", "no_text",
		"restricted_action", "missing_scope", "invalid_auth", "account_inactive", "token_revoked"} {
		out = append(out, contractFault{name: c + " on " + posts, before: failNext(posts, 1, code(c))})
	}
	// (message_not_found is not injected: Slack says it of a message that
	// is gone, which "message deleted mid-stream" does for real.)
	for _, c := range []string{"edit_window_closed", "cant_update_message", "msg_too_long",
		"is_archived", "message_not_in_streaming_state"} {
		out = append(out, contractFault{name: c + " on " + edits, mid: failNext(edits, 1, code(c))})
	}
	return out
}

// The fault contract of the Slack sinks: whatever the platform does,
// each question ends with exactly one complete answer, or exactly one
// notice to the asker (what was visible before the fault may stay, never
// a word twice). A failure Slack may recover from (a 429 storm longer
// than the retries) leaves the reply for the journal, whose retry (a
// Reopen with the ids posted so far) then ends with the complete answer.
func TestFaultContract(t *testing.T) {
	for _, kind := range []struct {
		name               string
		native             bool
		posts, edits, stop string
	}{
		{"post+update", false, "chat.postMessage", "chat.update", "chat.update"},
		{"native", true, "chat.startStream", "chat.appendStream", "chat.stopStream"},
	} {
		for _, fault := range contractFaults(kind.posts, kind.edits, kind.stop) {
			t.Run(kind.name+"/"+fault.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) { runContract(t, kind.native, fault) })
			})
		}
	}
}

func runContract(t *testing.T, native bool, fault contractFault) {
	d := newDirect(t, native, fakeslack.Options{})
	ctx := t.Context()
	key, to := d.ask()
	answer := words(120)
	if strings.Contains(fault.name, "deleted") {
		fault.mid = func(f *fakeslack.Server) {
			for _, m := range f.BotReplies("C0GENERAL", key.Thread) {
				f.DeleteMessage("C0GENERAL", m.TS)
			}
		}
	}
	if fault.before != nil {
		fault.before(d.fake)
	}
	reply, err := d.a.OpenReply(ctx, key, to)
	if err != nil {
		t.Fatal(err)
	}
	streamAnswer(t, d, reply, key, answer, fault.mid)
	err = reply.Finish(ctx, answer)
	if bots.ClassOf(err) == bots.Transient && err != nil {
		// What the journal does once Slack answers again.
		if len(contractNotices(d)) != 0 {
			t.Fatalf("a notice for a failure the journal will retry (%v)", err)
		}
		time.Sleep(time.Minute)
		ids := reply.(bots.MessageIDs).IDs()
		again, err := d.a.Reopen(ctx, key, to, ids)
		if err != nil {
			t.Fatal(err)
		}
		if err := again.Finish(ctx, answer); err != nil {
			t.Fatalf("the journal's retry: %v", err)
		}
	}
	checkContract(t, d, key, answer, err, fault.event)
}

// stream hands the reply a growing answer, a few words at a time, and
// runs mid once the first text is on the platform.
func streamAnswer(t *testing.T, d *direct, reply bots.Reply, key bots.ConversationKey, answer string, mid func(*fakeslack.Server)) {
	t.Helper()
	w := strings.Fields(answer)
	for i := 4; i < len(w); i += 4 {
		if err := reply.Update(t.Context(), strings.Join(w[:i], " ")); err != nil {
			break // the reply stopped: Finish tells why
		}
		time.Sleep(300 * time.Millisecond)
		synctest.Wait()
		if mid != nil && len(d.fake.BotReplies("C0GENERAL", key.Thread)) > 0 {
			mid(d.fake)
			mid = nil
		}
	}
}

// contractNotices are the notices the asker got, wherever.
func contractNotices(d *direct) []string {
	var out []string
	for _, e := range d.fake.Ephemerals() {
		out = append(out, "ephemeral: "+e.Text)
	}
	for _, m := range d.fake.Messages("D0BOB") {
		out = append(out, "dm: "+m.Text)
	}
	for _, r := range d.fake.Responses() {
		out = append(out, "response_url: "+r.Text)
	}
	return out
}

func checkContract(t *testing.T, d *direct, key bots.ConversationKey, answer string, finishErr error, event bool) {
	t.Helper()
	got := strings.Fields(joinBodies(d.fake.BotReplies("C0GENERAL", key.Thread)))
	want := strings.Fields(answer)
	notices := contractNotices(d)
	if streaming(d.fake.BotReplies("C0GENERAL", key.Thread)) && !d.fake.Archived("C0GENERAL") {
		// (In an archived channel even chat.stopStream is refused.)
		t.Errorf("a stream was left open")
	}
	seen := map[string]bool{}
	for _, w := range got {
		if seen[w] {
			t.Errorf("%q appears twice: %q", w, got)
			break
		}
		seen[w] = true
	}
	complete := slices.Equal(got, want)
	switch {
	case complete && len(notices) == 0:
		if finishErr != nil && bots.ClassOf(finishErr) != bots.Transient {
			t.Errorf("complete answer, but Finish said %v", finishErr)
		}
	case len(notices) == 1 && !complete:
		if finishErr == nil {
			t.Errorf("a notice, but Finish said nothing failed")
		}
		if len(got) > len(want) || !slices.Equal(got, want[:len(got)]) {
			t.Errorf("what stayed visible is not the start of the answer: %q", got)
		}
	case len(notices) == 0 && (tokenGone[errorCode(finishErr)] || errorCode(finishErr) == "missing_scope"):
		// Slack refuses the token: nobody can be told through Slack; the
		// operator is (an error log line).
		if !strings.Contains(d.logs.String(), "the asker cannot be told") {
			t.Errorf("no log line says the asker cannot be told")
		}
	default:
		t.Errorf("complete answer %v with %d notices %q (want exactly one of them); %d of %d words visible; Finish: %v",
			complete, len(notices), notices, len(got), len(want), finishErr)
	}
	if n := d.fake.Faulted(); n == 0 && !event {
		t.Errorf("no fault was served")
	}
}
