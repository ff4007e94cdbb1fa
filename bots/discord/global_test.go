package discord

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/llm/llmtest"
)

// fakeClock is a settable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// usedSlots is how many slots g holds now.
func usedSlots(g *globalBudget) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.used(g.now())
}

func cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

func TestGlobalBudgetReserveAndWindow(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := newGlobalBudget(10, time.Second, c.now)
	var tickets []*ticket
	for range 8 {
		tk := g.tryAcquire()
		if tk == nil {
			t.Fatalf("optional call %d refused", len(tickets)+1)
		}
		tickets = append(tickets, tk)
	}
	if g.tryAcquire() != nil {
		t.Fatal("an optional call took the reserve kept for mandatory ones")
	}
	for i := range 2 {
		if err := g.acquire(context.Background()); err != nil {
			t.Fatalf("mandatory call %d: %v", i+1, err)
		}
	}
	if err := g.acquire(cancelled()); !errors.Is(err, context.Canceled) {
		t.Fatalf("an 11th call in the window: %v", err)
	}
	// A ticket no request used gives its slot back at once.
	tickets[0].drop()
	tickets[0].drop() // a second drop changes nothing
	if got := usedSlots(g); got != 9 {
		t.Fatalf("used %d after a drop, want 9", got)
	}
	if err := g.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A call that reached Discord holds its slot for a window after its
	// response.
	for range 10 {
		g.release(true)
	}
	c.add(999 * time.Millisecond)
	if err := g.acquire(cancelled()); !errors.Is(err, context.Canceled) {
		t.Fatalf("a slot freed before the window ended: %v", err)
	}
	c.add(time.Millisecond)
	if got := usedSlots(g); got != 0 {
		t.Fatalf("used %d one window after the responses, want 0", got)
	}
	// A global 429 holds every call.
	g.pause(300 * time.Millisecond)
	if g.tryAcquire() != nil {
		t.Error("an optional call during a pause")
	}
	if err := g.acquire(cancelled()); !errors.Is(err, context.Canceled) {
		t.Errorf("a mandatory call during a pause: %v", err)
	}
	c.add(300 * time.Millisecond)
	if tk := g.tryAcquire(); tk == nil {
		t.Error("refused after the pause")
	}
}

// call makes one request through tr, as discordgo would, to the fake.
func call(t *testing.T, tr http.RoundTripper, ctx context.Context, method, path, body string) int {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, "https://discord.com"+apiPrefix+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bot test-token")
	req.Header.Set("Content-Type", "application/json")
	resp, err := tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

func TestTransportPaysTheGlobalBudgetOnce(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	dc := discordtest.New(discordtest.Options{Now: c.now})
	defer dc.Close()
	api, err := parseAPIURL(dc.URL())
	if err != nil {
		t.Fatal(err)
	}
	g := newGlobalBudget(50, time.Second, c.now)
	base := &http.Transport{}
	defer base.CloseIdleConnections()
	tr := &transport{base: base, api: api, budgets: newBudgets(5, 5*time.Second, time.Now), global: g,
		timeout: 5 * time.Second, now: time.Now, hooks: noHooks{}}
	ctx := context.Background()

	if st := call(t, tr, ctx, "GET", "/users/@me", ""); st != 200 || usedSlots(g) != 1 {
		t.Fatalf("plain request: status %d, %d slots used, want 1", st, usedSlots(g))
	}
	// A request carrying a ticket takes no other slot; a second request
	// with the same (used) ticket pays for itself.
	tk := g.tryAcquire()
	tctx := withTicket(ctx, tk)
	msg := `{"content":"x","allowed_mentions":{"parse":[]}}`
	if st := call(t, tr, tctx, "POST", "/channels/"+dc.Options().GeneralID+"/messages", msg); st != 200 || usedSlots(g) != 2 {
		t.Fatalf("prepaid request: status %d, %d slots used, want 2", st, usedSlots(g))
	}
	if st := call(t, tr, tctx, "GET", "/users/@me", ""); st != 200 || usedSlots(g) != 3 {
		t.Fatalf("request after the ticket was used: status %d, %d slots used, want 3", st, usedSlots(g))
	}
	tk.drop() // used: gives nothing back
	if usedSlots(g) != 3 {
		t.Fatalf("dropping a used ticket freed a slot: %d used", usedSlots(g))
	}
	// Interaction endpoints are outside the global limit.
	in := dc.RegisterInteraction(dc.SlashCommand(discordtest.Invoker{User: discordtest.User{ID: "5"}, ChannelID: dc.Options().GeneralID,
		GuildID: dc.Options().GuildID}, "ask"))
	if st := call(t, tr, ctx, "POST", "/interactions/"+in.ID+"/"+in.Token+"/callback", `{"type":5}`); st != 204 {
		t.Fatalf("callback: %d", st)
	}
	if st := call(t, tr, ctx, "PATCH", "/webhooks/"+dc.Options().AppID+"/"+in.Token+"/messages/@original", msg); st != 200 {
		t.Fatalf("webhook: %d", st)
	}
	if usedSlots(g) != 3 {
		t.Fatalf("interaction endpoints took global slots: %d used", usedSlots(g))
	}
	// A global 429 pauses the budget for its retry_after.
	dc.ForceGlobal429(250 * time.Millisecond)
	if st := call(t, tr, ctx, "GET", "/users/@me", ""); st != 429 {
		t.Fatalf("forced global 429: %d", st)
	}
	g.mu.Lock()
	paused := g.paused.Sub(c.now())
	g.mu.Unlock()
	if paused != 250*time.Millisecond {
		t.Errorf("paused for %v, want the 250ms of retry_after", paused)
	}
	// A route's 429 does not.
	c.add(time.Second)
	dc.Force429(1, 5*time.Second)
	if st := call(t, tr, ctx, "POST", "/channels/"+dc.Options().GeneralID+"/messages", msg); st != 429 {
		t.Fatalf("forced route 429: %d", st)
	}
	if tk := g.tryAcquire(); tk == nil {
		t.Error("a route's 429 paused the global budget")
	}
}

// A global 429 stops every route for its retry_after: the fake refuses
// every request until it ends, so a call on another route made right after
// it succeeds only if the adapter waited.
func TestGlobal429PausesEveryRoute(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{noRun: true})
	general := h.dc.Options().GeneralID
	h.dc.ForceGlobal429(300 * time.Millisecond)
	err := wrapErr("typing", h.a.s.ChannelTyping(general))
	var rl *apiError
	if !errors.As(err, &rl) || !rl.rateLimited() {
		t.Fatalf("the forced global 429 was not served: %v", err)
	}
	if _, err := h.a.s.User("@me"); err != nil {
		t.Fatalf("a call on another route right after a global 429: %v", wrapErr("get user", err))
	}
	if _, err := h.a.s.ChannelMessageSend(general, "after the pause"); err != nil {
		t.Fatalf("a message after the pause: %v", wrapErr("post", err))
	}
	if b, g := h.dc.RateLimited(); b != 0 || g != 1 {
		t.Errorf("fake refused %d (route) and %d (global) requests, want 0 and 1", b, g)
	}
}

// An answer streaming in several threads when Discord answers a global
// 429: every answer still arrives whole.
func TestGlobal429MidReplies(t *testing.T) {
	t.Parallel()
	answer := slowAnswer(40)
	h := newHarness(t, harnessConfig{llm: llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 25 * time.Millisecond}})
	var qs []discordtest.Message
	for i := range 3 {
		qs = append(qs, h.mention(fmt.Sprintf("question %d", i)))
	}
	for _, q := range qs {
		waitStreaming(h, q.ID, answer)
	}
	h.dc.ForceGlobal429(400 * time.Millisecond)
	for _, q := range qs {
		h.waitExact(q.ID, answer)
	}
	if _, g := h.dc.RateLimited(); g == 0 {
		t.Error("the forced global 429 was never served")
	}
}

// Thirty mentions in thirty channels against a fake allowing twenty
// requests a second: the adapter keeps under the global limit (Discord
// never answers a global 429) and every answer arrives whole. Each answer
// needs at least a thread and a post (60 calls, three windows' worth); the
// channel lookups, typing and intermediate edits on top vary with timing
// (a channel the gateway already announced is cached, and edits are
// skipped while the budget is short), so only those two are counted.
func TestManyRepliesStayUnderTheGlobalLimit(t *testing.T) {
	t.Parallel()
	const n = 30
	answer := slowAnswer(12)
	h := newHarness(t, harnessConfig{
		fake:    discordtest.Options{GlobalLimit: 20},
		adapter: func(o *Options) { o.GlobalPerSecond = 20 },
		llm:     llmtest.Options{Default: llmtest.Scenario{Reply: answer}, Delay: 20 * time.Millisecond},
	})
	guild := h.dc.Options().GuildID
	var qs []discordtest.Message
	for i := range n {
		ch := h.dc.NewID()
		h.dc.AddChannel(discordtest.Channel{ID: ch, Type: discordtest.GuildText, GuildID: guild, Name: fmt.Sprintf("room-%d", i)})
		qs = append(qs, h.dc.Post(ch, discordtest.Post{Author: h.alice, Content: "<@" + h.dc.Bot().ID + "> question " + fmt.Sprint(i)}))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	globals := func() int { _, g := h.dc.RateLimited(); return g }
	for _, q := range qs {
		if err := discordtest.WaitFor(ctx, func() bool { return globals() > 0 || joined(h.botMessages(q.ID)) == answer }); err != nil {
			t.Fatalf("answer in %s: got %q, want %q", q.ID, joined(h.botMessages(q.ID)), answer)
		}
		if g := globals(); g > 0 {
			t.Fatalf("the fake answered %d global 429s", g)
		}
	}
	if got := len(h.dc.Requests()); got < 2*n {
		t.Errorf("only %d requests for %d answers (want at least a thread and a post each): the limit was never under pressure", got, n)
	}
}

// An intermediate edit goes only when the channel's budget and the global
// one both have room, and spends neither when the other refuses.
func TestSinkAllowNeedsBothBudgets(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := newGlobalBudget(10, time.Second, c.now)
	sink := &channelSink{a: &Adapter{global: g}, budget: newBudget(5, 5*time.Second, c.now)}
	remaining := func() int { sink.budget.mu.Lock(); defer sink.budget.mu.Unlock(); return sink.budget.remaining }

	var held []*ticket
	for range 8 {
		held = append(held, g.tryAcquire())
	}
	if sink.Allow() {
		t.Fatal("allowed with the global budget down to its reserve")
	}
	if sink.budget.Allow(); remaining() != 4 {
		t.Fatalf("the global refusal spent the channel's budget: %d left, want 4", remaining())
	}
	for _, tk := range held {
		tk.drop()
	}
	for remaining() > 1 {
		sink.budget.Allow()
	}
	if sink.Allow() {
		t.Fatal("allowed with the channel's budget down to its reserve")
	}
	if usedSlots(g) != 0 {
		t.Fatalf("the channel's refusal kept a global slot: %d used", usedSlots(g))
	}
	c.add(5 * time.Second) // a new channel window
	if !sink.Allow() || usedSlots(g) != 1 || remaining() != 4 {
		t.Fatalf("both have room: %d global slots used, %d channel calls left", usedSlots(g), remaining())
	}
	// A slot taken for a call never made is given back, not held twice.
	if !sink.Allow() || usedSlots(g) != 1 {
		t.Fatalf("a second Allow: %d global slots used, want 1", usedSlots(g))
	}
	sink.settle()
	if usedSlots(g) != 0 {
		t.Fatalf("settle kept the slot: %d used", usedSlots(g))
	}
}

// The typing indicator is a nicety: with the global budget down to its
// reserve it is skipped (the slots are for posts and final edits), and
// sent again once there is room.
func TestTypingSkippedWhenGlobalBudgetIsShort(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{noRun: true})
	general := h.dc.Options().GeneralID
	g := h.a.global
	if g == nil {
		t.Fatal("no global budget")
	}
	typing := func() int {
		n := 0
		for _, r := range h.dc.Requests() {
			if strings.HasSuffix(r.Path, "/typing") {
				n++
			}
		}
		return n
	}
	held := 0
	for g.tryAcquire() != nil { // take every slot beyond the reserve
		held++
	}
	h.a.showTyping(context.Background(), general)
	if n := typing(); n != 0 {
		t.Fatalf("%d typing calls with the global budget at its reserve, want 0", n)
	}
	for range held {
		g.release(false)
	}
	h.a.showTyping(context.Background(), general)
	if n := typing(); n != 1 {
		t.Fatalf("%d typing calls with room in the budget, want 1", n)
	}
}

// Under load a reply shows its text while it streams only when the global
// budget keeps up (pace.Pacer admission): admitted while no mandatory call
// waits, refused while one does or a global 429 holds every call.
func TestAdmissionFollowsTheGlobalBudget(t *testing.T) {
	c := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	g := newGlobalBudget(3, time.Second, c.now)
	sink := &channelSink{a: &Adapter{global: g}, budget: newBudget(5, 5*time.Second, c.now)}
	ctx := context.Background()
	for range 3 { // the window is full of mandatory calls in flight
		if err := g.acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if !sink.Admit() {
		t.Fatal("refused with a full window but nobody waiting: the first post would go next")
	}
	got := make(chan error, 1)
	go func() { got <- g.acquire(ctx) }()
	for waiting := 0; waiting == 0; {
		g.mu.Lock()
		waiting = g.waiters
		g.mu.Unlock()
		time.Sleep(time.Millisecond)
	}
	if sink.Admit() {
		t.Fatal("admitted while a mandatory call waits for a slot")
	}
	g.release(false) // a call ended without reaching Discord: its slot is free
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if !sink.Admit() {
		t.Fatal("refused once nobody waits")
	}
	g.pause(time.Second)
	if sink.Admit() {
		t.Fatal("admitted during a global 429 pause")
	}
	if nopace := (&channelSink{a: &Adapter{}}); !nopace.Admit() {
		t.Fatal("refused without a global budget")
	}
}
