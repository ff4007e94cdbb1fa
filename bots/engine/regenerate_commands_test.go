package engine_test

import (
	"context"
	"reflect"
	"slices"
	"sync"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/llm/llmtest"
)

// cmdReply is a command's reply as an adapter opens it: Controlled,
// Regenerable, its message ids known, and Reopenable in the thread it
// started (where), through c.
type cmdReply struct {
	*regenReply
	ro    bots.Reopener
	where bots.ConversationKey
}

func (r *cmdReply) ReopenWith() (bots.Reopener, bots.ConversationKey) { return r.ro, r.where }

// reopenLog records where the replies were reopened.
type reopenLog struct {
	*regenConv
	mu   sync.Mutex
	keys []bots.ConversationKey
}

func (c *reopenLog) Reopen(ctx context.Context, key bots.ConversationKey, to bots.Message, ids []string) (bots.Reply, error) {
	c.mu.Lock()
	c.keys = append(c.keys, key)
	c.mu.Unlock()
	r, err := c.regenConv.Reopen(ctx, key, to, ids)
	if err != nil {
		return nil, err
	}
	// The reopened reply is the command's again: it can be regenerated.
	return &cmdReply{regenReply: r.(*regenReply), ro: c, where: key}, nil
}

// A command's answer (here /code with its language option, asked at the
// channel level like a Slack slash command, answered in the thread it
// started) is regenerated in place: the same command, arguments and
// system message, the old answer's messages rewritten where they are;
// only by the asker or an admin, once.
func TestRegenerateCommandAnswer(t *testing.T) {
	h := newHarness(t, harnessOptions{server: llmtest.Options{Default: llmtest.Scenario{Reply: "func reverse() {}"}}})
	rc := &regenConv{fakeConv: h.conv}
	conv := &reopenLog{regenConv: rc}
	ctx := context.Background()
	msg := cmdMsg(false)
	msg.Key.Thread = "" // a slash command: its job is keyed by the channel
	where := msg.Key
	where.Thread = "1700.9" // the thread its answer started
	cmd := bots.Command{Name: "code", Text: "reverse a list", Options: map[string]string{"language": "Go"}, Msg: msg}
	resp := h.eng.Command(ctx, conv, cmd)
	if resp.Ask == nil {
		t.Fatalf("no Ask: %q", resp.Text)
	}
	first, _ := h.conv.OpenReply(ctx, where, msg)
	reply := &cmdReply{regenReply: rc.newReply(first), ro: conv, where: where}
	if err := h.eng.Answer(ctx, resp.Ask, reply); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	waitFor(t, func() bool { return rc.offered.Load() == 1 })

	if res, err := h.eng.Regenerate(ctx, bots.Slack, reply.id, "U9", false, nil); err != nil || res != bots.RegenerateNotAllowed {
		t.Errorf("a stranger's regenerate = %v, %v; want RegenerateNotAllowed", res, err)
	}
	// Another command in the channel starts another thread: this answer is
	// still the latest of its own.
	other := bots.Command{Name: "ask", Text: "something else", Msg: msg}
	if r2 := h.eng.Command(ctx, conv, other); r2.Ask != nil {
		if err := h.eng.Answer(ctx, r2.Ask, &fakeReply{conv: h.conv, to: msg}); err != nil {
			t.Fatal(err)
		}
		h.conv.wait(t, 1)
	}
	if res, err := h.eng.Regenerate(ctx, bots.Slack, reply.id, "U1", false, nil); err != nil || res != bots.RegenerateQueued {
		t.Fatalf("the asker's regenerate = %v, %v; want RegenerateQueued", res, err)
	}
	if res, _ := h.eng.Regenerate(ctx, bots.Slack, reply.id, "U1", false, nil); res != bots.RegenerateGone {
		t.Errorf("second regenerate = %v; want RegenerateGone", res)
	}
	if r := h.conv.wait(t, 1); r[0].Final() != "func reverse() {}" {
		t.Errorf("regenerated answer %q", r[0].Final())
	}
	conv.mu.Lock()
	keys := slices.Clone(conv.keys)
	conv.mu.Unlock()
	rc.mu.Lock()
	reopens := slices.Clone(rc.reopens)
	rc.mu.Unlock()
	if len(keys) != 1 || keys[0] != where || len(reopens) != 1 || !slices.Equal(reopens[0], []string{"m1", "m2"}) {
		t.Errorf("reopened %v in %v; want the old answer's messages once, in %v", reopens, keys, where)
	}
	reqs := h.srv.Requests()
	if len(reqs) != 3 {
		t.Fatalf("%d model requests, want 3", len(reqs))
	}
	if !reflect.DeepEqual(reqs[0].Messages, reqs[2].Messages) {
		t.Errorf("the regenerated command was asked\n%+v\nnot as first\n%+v", reqs[2].Messages, reqs[0].Messages)
	}
	// The new answer can be regenerated in turn, but not once a follow-up
	// is asked in its thread: that follow-up's context holds it.
	waitFor(t, func() bool { return rc.offered.Load() == 2 })
	follow := mention("1700.10", "and in place?")
	follow.Key = where
	if _, err := h.eng.Dispatch(ctx, conv, follow); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	if res, _ := h.eng.Regenerate(ctx, bots.Slack, "reply-2", "U1", false, nil); res != bots.RegenerateBusy {
		t.Errorf("regenerate after a follow-up = %v; want RegenerateBusy", res)
	}
}

// A command's answer whose reply cannot say where it is (not Reopenable)
// shows no Regenerate button.
func TestCommandAnswerWithoutReopenerHasNoRegenerate(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	rc := &regenConv{fakeConv: h.conv}
	ctx := context.Background()
	resp := h.eng.Command(ctx, rc, bots.Command{Name: "ask", Text: "q", Msg: cmdMsg(false)})
	first, _ := h.conv.OpenReply(ctx, slackKey, cmdMsg(false))
	reply := rc.newReply(first)
	if err := h.eng.Answer(ctx, resp.Ask, reply); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	if n := rc.offered.Load(); n != 0 {
		t.Errorf("Regenerate offered %d times on a reply that cannot be reopened", n)
	}
	if res, _ := h.eng.Regenerate(ctx, bots.Slack, reply.id, "U1", false, nil); res != bots.RegenerateGone {
		t.Errorf("regenerate = %v; want RegenerateGone", res)
	}
}

// A flag reaction's translation is regenerated into the same target
// language, in place.
func TestRegenerateTranslation(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.TranslateReactions = true }})
	conv := &regenConv{fakeConv: h.conv}
	ctx := context.Background()
	m := mention("1700.5", "Bonjour à tous")
	m.Mentioned, m.UserID = false, "U7"
	if err := h.eng.TranslateMessage(ctx, conv, m, "de"); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	waitFor(t, func() bool { return conv.offered.Load() == 1 })
	if res, err := h.eng.Regenerate(ctx, bots.Slack, "reply-1", "U7", false, nil); err != nil || res != bots.RegenerateQueued {
		t.Fatalf("regenerate = %v, %v", res, err)
	}
	if r := h.conv.wait(t, 1); r[0].Final() != "Echo: Bonjour à tous" {
		t.Errorf("regenerated translation %q", r[0].Final())
	}
	conv.mu.Lock()
	reopens := slices.Clone(conv.reopens)
	conv.mu.Unlock()
	if len(reopens) != 1 {
		t.Errorf("reopened %v; want once", reopens)
	}
	reqs := h.srv.Requests()
	if len(reqs) != 2 || !reflect.DeepEqual(reqs[0].Messages, reqs[1].Messages) {
		t.Errorf("the translation was asked again as %+v", reqs)
	}
}

// clickingReply is a command's reply whose Finish is the moment the
// asker clicks Regenerate: the button shows with the final text, before
// the Engine has recorded the answer's messages.
type clickingReply struct {
	*cmdReply
	click func() bots.RegenerateResult
	got   chan bots.RegenerateResult
}

func (r *clickingReply) Finish(ctx context.Context, text string) error {
	r.got <- r.click()
	return r.cmdReply.Finish(ctx, text)
}

// A click that comes with the final text of a slash command's answer
// (whose regenerate runs in its thread's lane, not behind the answer's
// job) is queued, and the new answer waits for the old one's messages.
func TestRegenerateClickedWithTheFinalText(t *testing.T) {
	h := newHarness(t, harnessOptions{server: llmtest.Options{Default: llmtest.Scenario{Reply: "An answer."}}})
	rc := &regenConv{fakeConv: h.conv}
	conv := &reopenLog{regenConv: rc}
	ctx := context.Background()
	msg := cmdMsg(false)
	msg.Key.Thread = ""
	where := msg.Key
	where.Thread = "1700.9"
	resp := h.eng.Command(ctx, conv, bots.Command{Name: "ask", Text: "q", Msg: msg})
	first, _ := h.conv.OpenReply(ctx, where, msg)
	cr := &cmdReply{regenReply: rc.newReply(first), ro: conv, where: where}
	reply := &clickingReply{cmdReply: cr, got: make(chan bots.RegenerateResult, 1)}
	reply.click = func() bots.RegenerateResult {
		res, _ := h.eng.Regenerate(ctx, bots.Slack, cr.id, "U1", false, nil)
		return res
	}
	if err := h.eng.Answer(ctx, resp.Ask, reply); err != nil {
		t.Fatal(err)
	}
	if res := <-reply.got; res != bots.RegenerateQueued {
		t.Fatalf("a click with the final text = %v; want RegenerateQueued", res)
	}
	h.conv.wait(t, 2) // the answer, then its regeneration
	rc.mu.Lock()
	reopens := slices.Clone(rc.reopens)
	rc.mu.Unlock()
	if len(reopens) != 1 || !slices.Equal(reopens[0], []string{"m1", "m2"}) {
		t.Errorf("reopened %v; want the old answer's messages once", reopens)
	}
}
