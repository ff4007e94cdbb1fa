package discord

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/llm/llmtest"
)

// nextID is the id the fake gives the next message.
func nextID(h *harness) string {
	n, _ := strconv.ParseUint(h.dc.NewID(), 10, 64)
	return strconv.FormatUint(n+1, 10)
}

// An answer Discord refuses for good is explained to the asker once, by
// the best path left: the thread itself when only the message was refused,
// the channel of the question (as a reply to it) when the thread takes no
// message, a DM when neither does.
func TestUndeliverableAnswerNoticeTakesTheBestPath(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		code int
		// general also refuses the bot's messages.
		general bool
		want    string
		in      string // "thread", "general" or "dm"
	}{
		{"form body refused", 50035, false, "error 50035", "thread"},
		{"missing permissions in the thread", 50013, false, "missing a permission", "general"},
		{"thread archived", 50083, false, "archived", "general"},
		{"deleted thread, channel closed", 10003, true, "was deleted", "dm"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessConfig{})
			h.llm.SetDefault(llmtest.Scenario{Reply: "An answer nobody will see."})
			id := nextID(h)
			general := h.dc.Options().GeneralID
			n := 1000
			if tc.in == "thread" {
				n = 1 // the answer's post only
			}
			h.dc.Inject(discordtest.Fault{Method: "POST", Path: "/channels/" + id + "/messages", Code: tc.code, N: n})
			if tc.general {
				h.dc.Inject(discordtest.Fault{Method: "POST", Path: "/channels/" + general + "/messages", Code: 50013, N: -1})
			}
			q := h.mention("question")
			if q.ID != id {
				t.Fatalf("message id %s, expected %s", q.ID, id)
			}
			where := map[string]string{"thread": id, "general": general, "dm": h.dc.DMChannel(h.alice.ID)}[tc.in]
			msgs := h.waitTextIn(where, tc.want)
			if len(msgs) != 1 {
				t.Fatalf("%d bot messages in %s, want the one notice: %q", len(msgs), tc.in, joined(msgs))
			}
			if !strings.Contains(msgs[0].Content, "<#"+id+">") {
				t.Errorf("the notice does not say where: %q", msgs[0].Content)
			}
			if tc.in == "general" && (msgs[0].MessageReference == nil || msgs[0].MessageReference.MessageID != q.ID) {
				t.Errorf("the notice in the channel is not a reply to the question: %+v", msgs[0].MessageReference)
			}
			// One notice in all: nothing anywhere else.
			total := 0
			for _, c := range []string{id, general, h.dc.DMChannel(h.alice.ID)} {
				total += len(h.botMessages(c))
			}
			if total != 1 {
				t.Errorf("%d bot messages in all, want 1", total)
			}
			h.checkNoMentions()
		})
	}
}

// waitTextIn waits for a bot message in channel containing want.
func (h *harness) waitTextIn(channel, want string) []discordtest.Message {
	h.t.Helper()
	var msgs []discordtest.Message
	h.waitFor(want+" in "+channel, 15*time.Second, func() bool {
		msgs = h.botMessages(channel)
		return strings.Contains(joined(msgs), want)
	})
	return msgs
}

// A command's answer outlives its interaction token (Discord rejects it,
// or the adapter's clock says 15 minutes passed): the original response
// is edited on as a channel message with the bot's token, so the answer
// stays in one message and its Stop button goes with the last edit; where
// the bot cannot edit it there (no access), the part continues in a new
// channel message.
func TestInteractionAnswerOutlivesItsToken(t *testing.T) {
	t.Parallel()
	reply := "Start of the answer." + strings.Repeat(" more", 150) + " end."
	for _, tc := range []string{"rejected", "clock", "no access"} {
		t.Run(tc, func(t *testing.T) {
			var offset atomic.Int64
			h := newHarness(t, harnessConfig{adapter: func(o *Options) {
				o.StopButton = true
				o.Now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
			}})
			h.llm.Script(llmtest.Scenario{Reply: reply, Delay: 4 * time.Millisecond})
			in := h.dc.Interact(h.dc.SlashCommand(h.invoker(), "ask", discordtest.Option{Name: "question", Type: 3, Value: "long one"}))
			h.waitFor("first text", 10*time.Second, func() bool {
				r := h.dc.InteractionResponse(in.Token)
				return r.Original != nil && r.Original.Content != ""
			})
			general := h.dc.Options().GeneralID
			switch tc {
			case "clock":
				offset.Store(int64(15 * time.Minute))
			case "no access":
				// The original is out of the bot's reach as a channel message.
				orig := h.dc.InteractionResponse(in.Token).Original.ID
				h.dc.Inject(discordtest.Fault{Method: "PATCH", Path: "/channels/" + general + "/messages/" + orig, Kind: discordtest.FaultError, Code: 50001, N: -1})
				fallthrough
			default:
				h.dc.ExpireInteraction(in.Token)
			}
			want := 1 // the original response, edited on
			if tc == "no access" {
				want = 2 // the partial original, then the part in a new channel message
			}
			h.waitFor("the whole answer", 15*time.Second, func() bool {
				msgs := h.botMessages(general)
				if len(msgs) != want {
					return false
				}
				last := msgs[len(msgs)-1]
				return last.Content == reply && (last.WebhookID == "") == (tc == "no access") && !hasButton(&last, stopPrefix)
			})
			if t.Failed() {
				for _, m := range h.botMessages(general) {
					t.Logf("%s webhook=%q %d chars buttons=%v", m.ID, m.WebhookID, len(m.Content), m.Buttons())
				}
			}
			if tc != "no access" {
				if o := h.botMessages(general)[0]; len(o.Buttons()) == 0 {
					t.Errorf("the finished answer lost its feedback buttons: %+v", o)
				}
			}
			h.checkNoMentions()
		})
	}
}

func TestFlagReactionTranslates(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	h.llm.Script(llmtest.Scenario{Reply: "Hello everyone"}, llmtest.Scenario{Reply: "Done."})
	general := h.dc.Options().GeneralID
	m := h.dc.Post(general, discordtest.Post{Author: h.alice, Content: "Bonjour tout le monde"})
	bob := discordtest.User{ID: "1100000000000000006", Username: "bob"}
	h.dc.React(general, m.ID, bob, "🇬🇧")
	h.waitExact(m.ID, "Hello everyone")
	reqs := h.llm.Requests()
	last := reqs[0].Messages
	if got := last[len(last)-1].Content; !strings.Contains(got, "Bonjour tout le monde") {
		t.Errorf("model got %q", got)
	}
	// The same flag again (another user, or a redelivery) translates once;
	// a thumbs-up is no request.
	h.dc.React(general, m.ID, h.alice, "🇬🇧")
	h.dc.React(general, m.ID, bob, "👍")
	q := h.mention("sync point")
	h.waitExact(q.ID, "Done.")
	if n := len(h.llm.Requests()); n != 2 {
		t.Errorf("model called %d times, want 2", n)
	}
	if n := len(h.botMessages(m.ID)); n != 1 {
		t.Errorf("%d translations", n)
	}
}

func TestDeletedMessageOfTheAnswerIsPostedAgain(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	reply := "Beginning." + strings.Repeat(" middle", 100) + " end."
	h.llm.Script(llmtest.Scenario{Reply: reply, Delay: 3 * time.Millisecond})
	id := nextID(h)
	// Someone deletes the bot's message: its next edit gets 10008.
	h.dc.FailNext("PATCH", "/channels/"+id+"/messages/", 404, 10008, "Unknown Message", 1)
	q := h.mention("question")
	h.waitFor("the whole answer", 10*time.Second, func() bool {
		msgs := h.botMessages(q.ID)
		return len(msgs) > 0 && msgs[len(msgs)-1].Content == reply
	})
	if n := len(h.botMessages(q.ID)); n != 2 {
		t.Errorf("%d messages, want the lost one and its replacement", n)
	}
}

// An answer that goes to the channel (no thread permission) stays a reply
// to its question when its first post is retried after a 5xx.
func TestInChannelAnswerStaysAReplyAfterARetriedPost(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	h.llm.SetDefault(llmtest.Scenario{Reply: "The answer."})
	general := h.dc.Options().GeneralID
	h.dc.FailNext("POST", "/threads", 403, 50013, "Missing Permissions", 1)
	h.dc.FailNext("POST", "/channels/"+general+"/messages", 500, 0, "Internal Server Error", 1)
	q := h.mention("a question")
	h.waitExact(general, "The answer.")
	msgs := h.botMessages(general)
	if ref := msgs[0].MessageReference; ref == nil || ref.MessageID != q.ID {
		t.Errorf("the answer is not a reply to its question after a retried post: reference %+v", ref)
	}
}

// A transient 5xx when starting the answer's thread is retried: the
// question is answered, in its thread, not silently dropped.
func TestThreadStartRetriedAfterA5xx(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	h.llm.SetDefault(llmtest.Scenario{Reply: "The answer."})
	h.dc.FailNext("POST", "/threads", 500, 0, "Internal Server Error", 1)
	q := h.mention("a question")
	h.waitExact(q.ID, "The answer.")
}

// A text answer longer than one message keeps its later parts when a
// follow-up meets a transient 5xx.
func TestLongTextAnswerFollowUpRetriedAfterA5xx(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	admin := h.invoker()
	admin.Permissions = "16" // Manage Channels
	prompt := strings.TrimSpace(strings.Repeat("Answer politely and briefly. ", 120))
	set := h.dc.Interact(h.dc.SlashCommand(admin, "prompt",
		discordtest.Option{Name: "action", Type: 3, Value: "set"}, discordtest.Option{Name: "text", Type: 3, Value: prompt}))
	h.waitFor("prompt set", 5*time.Second, func() bool { return h.dc.InteractionResponse(set.Token).Type == 4 })
	h.dc.FailNext("POST", "/webhooks/", 500, 0, "Internal Server Error", 1)
	show := h.dc.Interact(h.dc.SlashCommand(admin, "prompt", discordtest.Option{Name: "action", Type: 3, Value: "show"}))
	var got string
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if discordtest.WaitFor(ctx, func() bool {
		r := h.dc.InteractionResponse(show.Token)
		got = ""
		if r.Type == 4 {
			var d struct {
				Content string `json:"content"`
			}
			_ = json.Unmarshal(r.Data, &d)
			got = d.Content
		}
		for _, f := range r.Followups {
			got += f.Content
		}
		return strings.Count(got, "politely") == 120
	}) != nil {
		t.Fatalf("/prompt show lost text after a follow-up 5xx: %d of 120 sentences", strings.Count(got, "politely"))
	}
}
