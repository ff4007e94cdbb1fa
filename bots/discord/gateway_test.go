package discord

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/llm/llmtest"
)

func TestFatalCloseCodesEndRunWithTheFix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		code int
		want []string
	}{
		{4014, []string{"4014", "MESSAGE CONTENT INTENT", "Privileged Gateway Intents"}},
		{4004, []string{"4004", "reset the token", "DISCORD_BOT_TOKEN"}},
	} {
		t.Run(strings.TrimSpace(tc.want[0]), func(t *testing.T) {
			h := newHarness(t, harnessConfig{noRun: true})
			h.dc.CloseOnIdentify(tc.code)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := h.a.Run(ctx)
			if err == nil {
				t.Fatal("Run returned nil")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			var ce *websocket.CloseError
			if !errors.As(err, &ce) || ce.Code != tc.code {
				t.Errorf("error does not wrap the close code: %v", err)
			}
			if n := len(h.dc.Identifies()); n != 1 {
				t.Errorf("%d IDENTIFYs: the adapter reconnected after a fatal close", n)
			}
			if ctx.Err() != nil {
				t.Error("Run only returned at the deadline")
			}
		})
	}
}

func TestIdentifyIntentsAndShard(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{adapter: func(o *Options) { o.ShardID, o.ShardCount = 1, 2 }})
	ids := h.dc.Identifies()
	if len(ids) != 1 {
		t.Fatalf("%d identifies", len(ids))
	}
	// guilds, guild messages, guild reactions, DMs, DM reactions, content.
	const want = 1 | 1<<9 | 1<<10 | 1<<12 | 1<<13 | 1<<15
	if ids[0].Intents != want {
		t.Errorf("intents %d, want %d", ids[0].Intents, want)
	}
	if len(ids[0].Shard) != 2 || ids[0].Shard[0] != 1 || ids[0].Shard[1] != 2 {
		t.Errorf("shard %v", ids[0].Shard)
	}
	if ids[0].Token != "Bot "+h.dc.Options().Token {
		t.Errorf("token sent as %q", ids[0].Token)
	}
}

func TestResumeReplayGetsOneReply(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	h.llm.SetDefault(llmtest.Scenario{Reply: "The answer."})
	before := h.dc.Seq()
	q := h.mention("a question")
	h.waitExact(q.ID, "The answer.")

	// Drop the connection; on RESUME the gateway replays everything since
	// before the mention, which the bot has already answered.
	h.dc.Disconnect(4000, before)
	h.waitFor("resume", 10*time.Second, func() bool { return h.dc.Resumes() == 1 && h.a.Ready() })
	// A later mention in the same channel is handled after the replay
	// (same worker lane): once it is answered, the replay was too.
	q2 := h.mention("another question")
	h.waitExact(q2.ID, "The answer.")
	if msgs := h.botMessages(q.ID); len(msgs) != 1 {
		t.Errorf("%d replies to the replayed mention", len(msgs))
	}
	if n := len(h.llm.Requests()); n != 2 {
		t.Errorf("model called %d times, want 2", n)
	}
	if n := len(h.dc.Identifies()); n != 1 {
		t.Errorf("%d IDENTIFYs: the session was not resumed", n)
	}
}

func TestLostHeartbeatAcksReconnect(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{fake: discordtest.Options{HeartbeatInterval: 20 * time.Millisecond}})
	h.dc.PauseHeartbeatAcks(true)
	h.waitFor("the adapter to notice", 10*time.Second, func() bool { return !h.a.Ready() })
	h.dc.PauseHeartbeatAcks(false)
	h.waitFor("resume", 10*time.Second, func() bool { return h.dc.Resumes() >= 1 && h.a.Ready() })
	h.llm.SetDefault(llmtest.Scenario{Reply: "Still here."})
	q := h.mention("are you there?")
	h.waitExact(q.ID, "Still here.")
}

func TestMalformedPayloadsNeverCrash(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	h.llm.SetDefault(llmtest.Scenario{Reply: "Fine."})
	general := h.dc.Options().GeneralID
	for _, raw := range []string{
		`{"id":"1","channel_id":"` + general + `","guild_id":"G"}`,
		`{"id":"2","channel_id":"` + general + `","author":null,"content":"<@` + botID + `> x"}`,
		`{"id":"3","channel_id":"` + general + `","author":{"id":5},"timestamp":"yesterday"}`,
		`[1,2,3]`, `null`, `"string"`,
		`{"id":"4","channel_id":"` + general + `","mentions":[null],"author":{"id":"5"},"content":"<@` + botID + `> y","member":null}`,
	} {
		h.dc.DispatchRaw("MESSAGE_CREATE", []byte(raw))
	}
	for _, raw := range []string{`{"id":"9","type":2,"token":"t","data":"nope"}`, `{"type":99}`, `{}`} {
		h.dc.DispatchRaw("INTERACTION_CREATE", []byte(raw))
	}
	h.dc.DispatchRaw("MESSAGE_REACTION_ADD", []byte(`{"emoji":null}`))
	// An unknown interaction type is answered, not left to time out.
	odd := h.dc.Interact(discordtest.Interaction{Type: 3, ChannelID: general, GuildID: h.dc.Options().GuildID,
		Member: &discordtest.Member{User: &h.alice}})
	h.waitFor("unknown interaction answered", 5*time.Second, func() bool { return h.dc.InteractionResponse(odd.Token).Type == 4 })
	q := h.mention("still alive?")
	h.waitExact(q.ID, "Fine.")
	if !h.a.Ready() {
		t.Error("adapter not ready after malformed payloads")
	}
}

// A mention redelivered after its answer (a resume replay) leaves no
// pending thread behind: the thread's follow-ups neither try to start it
// again nor read the thread as the lone question.
func TestReplayedMentionLeavesNoPendingThread(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	h.llm.SetDefault(llmtest.Scenario{Reply: "The answer."})
	q := h.mention("a question")
	h.waitExact(q.ID, "The answer.")
	h.waitFor("engine idle", 5*time.Second, func() bool { return h.eng.InFlight() == 0 })
	h.dc.Dispatch("MESSAGE_CREATE", q)
	// A later mention in the same channel is handled after the replay.
	q2 := h.mention("another question")
	h.waitExact(q2.ID, "The answer.")
	h.waitFor("engine idle", 5*time.Second, func() bool { return h.eng.InFlight() == 0 })
	if _, ok := h.a.pending.m.Get(q.ID); ok {
		t.Error("the replayed mention left a pending thread")
	}
	h.dc.Post(q.ID, discordtest.Post{Author: h.alice, Content: "and a follow-up?"})
	h.waitExact(q.ID, "The answer.The answer.")
	starts := 0
	for _, r := range h.dc.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/messages/"+q.ID+"/threads") {
			starts++
		}
	}
	if starts != 1 {
		t.Errorf("thread of the mention started %d times, want 1", starts)
	}
}
