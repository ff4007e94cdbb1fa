package slack

import (
	"testing"
	"testing/synctest"

	"mistralbot/bots"
	"mistralbot/bots/slack/fakeslack"
)

// chat.postMessage takes effect but its answer is lost (the connection
// resets after the request was written, or the 200 does not decode): the
// writer retries through PostOnce, which reads the thread back, finds
// the message by the reply's metadata and returns it. One message, not
// two; and a part that never arrived is posted.
func TestUnclearPostIsFoundInsteadOfPostedTwice(t *testing.T) {
	for _, kind := range []fakeslack.FaultKind{fakeslack.ResetAfter, fakeslack.Garbled, fakeslack.Stall} {
		synctest.Test(t, func(t *testing.T) {
			d := newDirect(t, false, fakeslack.Options{})
			key, to := d.ask()
			reply, err := d.a.OpenReply(t.Context(), key, to)
			if err != nil {
				t.Fatal(err)
			}
			d.fake.FailNext("chat.postMessage", 1, fakeslack.Fault{Kind: kind})
			if err := reply.Finish(t.Context(), "The whole answer."); err != nil {
				t.Fatalf("fault %d: %v", kind, err)
			}
			got := d.fake.BotReplies("C0GENERAL", key.Thread)
			if len(got) != 1 || got[0].Text != "The whole answer." {
				t.Fatalf("fault %d: bot messages %+v, want the answer once", kind, got)
			}
			if ids := reply.(bots.MessageIDs).IDs(); len(ids) != 1 || ids[0] != got[0].TS {
				t.Errorf("reply ids %v, want [%s]", ids, got[0].TS)
			}
			if got[0].Metadata["event_type"] != answerEvent {
				t.Errorf("metadata %v, want event_type %s", got[0].Metadata, answerEvent)
			}
			reads := d.fake.CallsTo("conversations.replies")
			if len(reads) != 1 || reads[0].Params.Get("include_all_metadata") == "" {
				t.Errorf("read back %d times (%v), want once with include_all_metadata", len(reads), reads)
			}
			if n := d.fake.Count("chat.postMessage", 0); n != 1 {
				t.Errorf("chat.postMessage called %d times, want 1", n)
			}
		})
	}
}

// A post refused before it reached Slack (connection refused) is posted
// again without reading anything back.
func TestRefusedPostIsRetried(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDirect(t, false, fakeslack.Options{})
		key, to := d.ask()
		reply, err := d.a.OpenReply(t.Context(), key, to)
		if err != nil {
			t.Fatal(err)
		}
		d.fake.FailNext("chat.postMessage", 2, fakeslack.Fault{Kind: fakeslack.Refuse})
		if err := reply.Finish(t.Context(), "The whole answer."); err != nil {
			t.Fatal(err)
		}
		if got := d.fake.BotReplies("C0GENERAL", key.Thread); len(got) != 1 {
			t.Fatalf("%d bot messages, want 1", len(got))
		}
		if n := d.fake.Count("conversations.replies", 0); n != 0 {
			t.Errorf("%d read-backs after a refused dial, want 0", n)
		}
		if d.fake.Faulted() != 2 {
			t.Errorf("%d faults served, want 2", d.fake.Faulted())
		}
	})
}

// The native reply reports when its first text became visible (for
// first_token_to_visible) and the ts of its messages (for the journal).
func TestNativeReplyReportsFirstPostAndIDs(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := newDirect(t, true, fakeslack.Options{})
		key, to := d.ask()
		reply, err := d.a.OpenReply(t.Context(), key, to)
		if err != nil {
			t.Fatal(err)
		}
		fp, ids := reply.(bots.FirstPoster), reply.(bots.MessageIDs)
		if !fp.FirstPost().IsZero() {
			t.Fatal("first post before anything was posted")
		}
		if err := reply.Update(t.Context(), "The first words"); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if fp.FirstPost().IsZero() || len(ids.IDs()) != 1 {
			t.Fatalf("after the stream started: first post %v, ids %v", fp.FirstPost(), ids.IDs())
		}
		if err := reply.Finish(t.Context(), "The first words, and the rest."); err != nil {
			t.Fatal(err)
		}
		got := d.fake.BotReplies("C0GENERAL", key.Thread)
		if len(got) != 1 || got[0].Markdown == "" || got[0].TS != ids.IDs()[0] {
			t.Fatalf("messages %+v, ids %v: want one streamed message", got, ids.IDs())
		}
	})
}
