package discord

import (
	"context"
	"sync"
	"testing"
	"time"

	"mistralbot/bots"
	"mistralbot/bots/discord/discordtest"
	"mistralbot/llm/llmtest"
)

// countingEngine records what the adapter hands to the Engine.
type countingEngine struct {
	Engine
	mu   sync.Mutex
	msgs []bots.Message
}

func (e *countingEngine) Dispatch(ctx context.Context, conv bots.Conversations, msg bots.Message) (bots.Disposition, error) {
	e.mu.Lock()
	e.msgs = append(e.msgs, msg)
	e.mu.Unlock()
	return e.Engine.Dispatch(ctx, conv, msg)
}

func (e *countingEngine) dispatched() []bots.Message {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]bots.Message(nil), e.msgs...)
}

// Discord echoes every message the bot posts as a MESSAGE_CREATE, in the
// thread it answers in (which the bot follows) and in DMs (which it always
// answers). The bot must neither answer nor count them: recognized by the
// author's id even when the echo lacks author.bot and carries a mistyped
// field.
func TestOwnEchoedPostsAreIgnored(t *testing.T) {
	t.Parallel()
	var hooks hookCounts
	var ce *countingEngine
	h := newHarness(t, harnessConfig{adapter: func(o *Options) {
		ce = &countingEngine{Engine: o.Engine}
		o.Engine = ce
		o.Hooks = hooks.hooks()
	}})
	h.llm.SetDefault(llmtest.Scenario{Reply: "Echoed once."})
	bot := h.dc.Bot().ID
	h.dc.MangleEvents(func(t string, d map[string]any) {
		if a, ok := d["author"].(map[string]any); ok && t == "MESSAGE_CREATE" && a["id"] == bot {
			delete(a, "bot")
			a["public_flags"] = "524288"
		}
	})
	q := h.mention("a question in a channel")
	h.waitExact(q.ID, "Echoed once.")
	dm := h.dc.DMChannel(h.alice.ID)
	h.dc.Post(dm, discordtest.Post{Author: h.alice, Content: "a question in private"})
	h.waitExact(dm, "Echoed once.")
	// A later question in the thread is handled after the echoes of the
	// first answer (same channel, same worker lane).
	h.dc.Post(q.ID, discordtest.Post{Author: h.alice, Content: "and a follow-up?"})
	h.waitExact(q.ID, "Echoed once.Echoed once.")
	h.dc.Post(dm, discordtest.Post{Author: h.alice, Content: "and in private?"})
	h.waitExact(dm, "Echoed once.Echoed once.")
	// Every bot post was echoed (an echo follows the REST answer, so the
	// last one may still be on its way).
	echoes := len(h.botMessages(q.ID)) + len(h.botMessages(dm))
	h.waitFor("the echoes", 5*time.Second, func() bool {
		hooks.mu.Lock()
		defer hooks.mu.Unlock()
		return hooks.events["MESSAGE_CREATE"] >= 4+echoes
	})
	h.waitFor("engine idle", 5*time.Second, func() bool { return h.eng.InFlight() == 0 })
	for _, m := range ce.dispatched() {
		if m.UserID == bot {
			t.Errorf("the bot's own message %s reached the Engine as a question: %q", m.ID, m.Text)
		}
	}
	if n := len(ce.dispatched()); n != 4 {
		t.Errorf("%d messages dispatched, want the 4 questions", n)
	}
	if n := len(h.llm.Requests()); n != 4 {
		t.Errorf("%d LLM requests, want 4", n)
	}
}

// After a close code whose session cannot be resumed (4009 session timed
// out) the RESUME is refused with Invalid Session and the bot identifies
// again, then answers.
func TestNonResumableCloseStartsANewSession(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	h.llm.SetDefault(llmtest.Scenario{Reply: "New session."})
	h.dc.Disconnect(4009, -1)
	h.waitFor("a new session", 10*time.Second, func() bool { return len(h.dc.Identifies()) == 2 && h.a.Ready() })
	if h.dc.InvalidSessions() != 1 || h.dc.Resumes() != 0 {
		t.Errorf("invalid sessions %d, resumes %d: want the RESUME refused once", h.dc.InvalidSessions(), h.dc.Resumes())
	}
	q := h.mention("still there?")
	h.waitExact(q.ID, "New session.")
}
