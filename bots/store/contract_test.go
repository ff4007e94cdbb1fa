package store

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"mistralbot/bots"
)

// runContract checks the behaviour every bots.Store must share. newStore
// returns a fresh, empty store; it is closed by runContract.
func runContract(t *testing.T, newStore func(t *testing.T) bots.Store) {
	open := func(t *testing.T) bots.Store {
		t.Helper()
		s := newStore(t)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	t.Run("settings merge and clear", func(t *testing.T) { contractSettings(t, open(t)) })
	t.Run("digest setting and listing", func(t *testing.T) { contractDigest(t, open(t)) })
	t.Run("usage per scope and period", func(t *testing.T) { contractUsage(t, open(t)) })
	t.Run("usage concurrent totals exact", func(t *testing.T) { contractUsageConcurrent(t, open(t)) })
	t.Run("claim first wins and expires", func(t *testing.T) { contractClaim(t, open(t)) })
	t.Run("claim all keys at once", func(t *testing.T) { contractClaimAll(t, open(t)) })            // claimall_test.go
	t.Run("admit claims, rate and entry at once", func(t *testing.T) { contractAdmit(t, open(t)) }) // admit_test.go
	t.Run("lease exclusive, expires, finishes", func(t *testing.T) { contractLease(t, open(t)) })   // leases_test.go
	t.Run("take window and reset", func(t *testing.T) { contractTake(t, open(t)) })
	t.Run("journal crud", func(t *testing.T) { contractJournal(t, open(t)) })
	t.Run("feedback votes", func(t *testing.T) { contractFeedback(t, open(t)) }) // feedback_test.go
	t.Run("approvals", func(t *testing.T) { contractApprovals(t, open(t)) })     // approvals_test.go
	t.Run("closed", func(t *testing.T) {
		s := newStore(t)
		ctx := context.Background()
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("Ping on an open store: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := s.Ping(ctx); err == nil {
			t.Fatal("Ping after Close succeeded; want an error")
		}
		if _, err := s.Claim(ctx, "k", time.Minute); err == nil {
			t.Fatal("Claim after Close succeeded; want an error")
		}
		if _, err := s.Lease(ctx, "k", "a", time.Minute); err == nil {
			t.Fatal("Lease after Close succeeded; want an error")
		}
		if err := s.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	})
}

func contractSettings(t *testing.T, s bots.Store) {
	ctx := context.Background()
	got, err := s.Settings(ctx, "slack:C1")
	if err != nil || got != (bots.ChannelSettings{}) {
		t.Fatalf("Settings of an unknown channel = %+v, %v; want zero, nil", got, err)
	}
	must(t, s.UpdateSettings(ctx, "slack:C1", bots.ChannelSettings{Language: ptr("fr")}))
	must(t, s.UpdateSettings(ctx, "slack:C1", bots.ChannelSettings{SystemPrompt: ptr("Be brief."), Enabled: ptr(true)}))
	must(t, s.UpdateSettings(ctx, "discord:9", bots.ChannelSettings{Model: ptr("mistral-small-latest")}))
	wantSettings(t, s, "slack:C1", "fr", "Be brief.", "", ptr(true))
	wantSettings(t, s, "discord:9", "", "", "mistral-small-latest", nil)

	// Replace one field, clear another: the rest stays.
	must(t, s.UpdateSettings(ctx, "slack:C1", bots.ChannelSettings{Language: ptr("de"), SystemPrompt: ptr("")}))
	wantSettings(t, s, "slack:C1", "de", "", "", ptr(true))

	// An empty update changes nothing.
	must(t, s.UpdateSettings(ctx, "slack:C1", bots.ChannelSettings{}))
	wantSettings(t, s, "slack:C1", "de", "", "", ptr(true))

	// Enabled=false is stored: a channel can be switched off from the chat.
	must(t, s.UpdateSettings(ctx, "slack:C1", bots.ChannelSettings{Language: ptr(""), Enabled: ptr(false)}))
	wantSettings(t, s, "slack:C1", "", "", "", ptr(false))
	got, err = s.Settings(ctx, "slack:C1")
	if err != nil || got.Language != nil || got.SystemPrompt != nil || got.Model != nil {
		t.Fatalf("Settings after clearing the string fields = %+v, %v", got, err)
	}
	wantSettings(t, s, "discord:9", "", "", "mistral-small-latest", nil)

	// The returned pointers are copies: writing through them changes nothing.
	got, err = s.Settings(ctx, "discord:9")
	must(t, err)
	*got.Model = "changed"
	wantSettings(t, s, "discord:9", "", "", "mistral-small-latest", nil)
}

func contractUsage(t *testing.T, s bots.Store) {
	ctx := context.Background()
	day1 := time.Date(2026, 11, 25, 23, 59, 0, 0, time.UTC)
	day2 := time.Date(2026, 11, 26, 0, 1, 0, 0, time.UTC)
	nextMonth := time.Date(2026, 12, 1, 8, 0, 0, 0, time.FixedZone("CET", 3600)) // 07:00 UTC
	recs := []bots.UsageRecord{
		{Channel: "slack:C1", User: "slack:U1", PromptTokens: 100, CompletionTokens: 20, CostUSD: 0.25, Time: day1},
		{Channel: "slack:C1", User: "slack:U2", PromptTokens: 10, CompletionTokens: 2, CostUSD: 0.5, Time: day1},
		{Channel: "slack:C2", User: "slack:U1", PromptTokens: 1, CompletionTokens: 1, CostUSD: 0, Time: day2},
		{Channel: "discord:7", User: "discord:8", PromptTokens: 1000, CompletionTokens: 500, CostUSD: 1, Time: nextMonth},
	}
	for _, r := range recs {
		must(t, s.AddUsage(ctx, r))
	}
	cases := []struct {
		scope bots.UsageScope
		id    string
		p     bots.Period
		want  bots.UsageTotals
	}{
		{bots.ScopeChannel, "slack:C1", "2026-11-25", tot(2, 110, 22, 0.75)},
		{bots.ScopeChannel, "slack:C1", "2026-11-26", bots.UsageTotals{}},
		{bots.ScopeChannel, "slack:C1", "2026-11", tot(2, 110, 22, 0.75)},
		{bots.ScopeChannel, "slack:C2", "2026-11-26", tot(1, 1, 1, 0)},
		{bots.ScopeUser, "slack:U1", "2026-11-25", tot(1, 100, 20, 0.25)},
		{bots.ScopeUser, "slack:U1", "2026-11", tot(2, 101, 21, 0.25)},
		{bots.ScopeUser, "slack:U2", "2026-11", tot(1, 10, 2, 0.5)},
		{bots.ScopeGlobal, "", "2026-11-25", tot(2, 110, 22, 0.75)},
		{bots.ScopeGlobal, "ignored", "2026-11", tot(3, 111, 23, 0.75)},
		{bots.ScopeGlobal, "", "2026-12-01", tot(1, 1000, 500, 1)},
		{bots.ScopeGlobal, "", "2026-12", tot(1, 1000, 500, 1)},
		{bots.ScopeChannel, "discord:7", "2026-12-01", tot(1, 1000, 500, 1)},
		{bots.ScopeUser, "discord:8", "2026-11", bots.UsageTotals{}},
		{bots.ScopeChannel, "slack:C9", "2026-11", bots.UsageTotals{}},
	}
	for _, c := range cases {
		got, err := s.Usage(ctx, c.scope, c.id, c.p)
		if err != nil {
			t.Fatalf("Usage(%d, %s, %s): %v", c.scope, c.id, c.p, err)
		}
		if !sameTotals(got, c.want) {
			t.Errorf("Usage(%d, %s, %s) = %+v; want %+v", c.scope, c.id, c.p, got, c.want)
		}
	}
	if got := (bots.UsageTotals{PromptTokens: 3, CompletionTokens: 4}).Tokens(); got != 7 {
		t.Errorf("Tokens() = %d; want 7", got)
	}
	for _, bad := range []bots.Period{"", "2026-13", "25-11-2026", "2026-11-25T00:00"} {
		if _, err := s.Usage(ctx, bots.ScopeGlobal, "", bad); err == nil {
			t.Errorf("Usage with period %q succeeded; want an error", bad)
		}
	}
	if _, err := s.Usage(ctx, bots.ScopeChannel, "", "2026-11"); err == nil {
		t.Error("Usage of a channel with an empty id succeeded; want an error")
	}
	if _, err := s.Usage(ctx, bots.UsageScope(42), "x", "2026-11"); err == nil {
		t.Error("Usage with an unknown scope succeeded; want an error")
	}
}

func contractUsageConcurrent(t *testing.T, s bots.Store) {
	ctx := context.Background()
	at := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	const n = 100
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- s.AddUsage(ctx, bots.UsageRecord{
				Channel: "slack:C1", User: "slack:U" + string(rune('a'+i%4)),
				PromptTokens: 10, CompletionTokens: 5, CostUSD: 0.001, Time: at,
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		must(t, err)
	}
	want := bots.UsageTotals{Requests: n, PromptTokens: 10 * n, CompletionTokens: 5 * n, CostUSD: 0.001 * n}
	for _, q := range []struct {
		scope bots.UsageScope
		id    string
		p     bots.Period
	}{{bots.ScopeChannel, "slack:C1", bots.Day(at)}, {bots.ScopeChannel, "slack:C1", bots.Month(at)}, {bots.ScopeGlobal, "", bots.Day(at)}, {bots.ScopeGlobal, "", bots.Month(at)}} {
		got, err := s.Usage(ctx, q.scope, q.id, q.p)
		must(t, err)
		if !sameTotals(got, want) {
			t.Errorf("after %d concurrent AddUsage, Usage(%d, %s, %s) = %+v; want %+v", n, q.scope, q.id, q.p, got, want)
		}
	}
	got, err := s.Usage(ctx, bots.ScopeUser, "slack:Ua", bots.Day(at))
	must(t, err)
	if got.Requests != n/4 {
		t.Errorf("user slack:Ua requests = %d; want %d", got.Requests, n/4)
	}
}

func contractClaim(t *testing.T, s bots.Store) {
	ctx := context.Background()
	claim := func(key string, ttl time.Duration) bool {
		t.Helper()
		ok, err := s.Claim(ctx, key, ttl)
		must(t, err)
		return ok
	}
	if !claim("ev1", time.Hour) {
		t.Fatal("first Claim(ev1) = false; want true")
	}
	if claim("ev1", time.Hour) {
		t.Fatal("second Claim(ev1) = true; want false")
	}
	if !claim("ev2", time.Hour) {
		t.Fatal("Claim(ev2) = false; want true (another key)")
	}
	for _, bad := range []struct {
		key string
		ttl time.Duration
	}{{"", time.Minute}, {"x", 0}, {"x", -time.Second}} {
		if _, err := s.Claim(ctx, bad.key, bad.ttl); err == nil {
			t.Errorf("Claim(%q, %s) succeeded; want an error", bad.key, bad.ttl)
		}
	}

	// 100 concurrent claimants of one key: exactly one winner.
	var wins sync.WaitGroup
	var mu sync.Mutex
	winners := 0
	for range 100 {
		wins.Go(func() {
			ok, err := s.Claim(ctx, "ev-race", time.Hour)
			if err != nil {
				t.Error(err)
			}
			if ok {
				mu.Lock()
				winners++
				mu.Unlock()
			}
		})
	}
	wins.Wait()
	if winners != 1 {
		t.Fatalf("100 concurrent claims of one key: %d winners; want 1", winners)
	}

	// A short claim expires (on the store's clock: real time here; the
	// injected-clock tests check the exact boundary).
	if !claim("ev-short", 50*time.Millisecond) {
		t.Fatal("Claim(ev-short) = false; want true")
	}
	eventually(t, 5*time.Second, "the claim to expire", func() bool { return claim("ev-short", time.Hour) })
	if claim("ev-short", time.Hour) {
		t.Fatal("Claim after re-claiming an expired key = true; want false")
	}
}

func contractTake(t *testing.T, s bots.Store) {
	ctx := context.Background()
	now := time.Date(2026, 11, 25, 12, 0, 30, 0, time.UTC)
	reset := time.Date(2026, 11, 25, 12, 1, 0, 0, time.UTC)
	take := func(key string, now time.Time) (bool, time.Time) {
		t.Helper()
		ok, r, err := s.Take(ctx, key, 3, time.Minute, now)
		must(t, err)
		return ok, r
	}
	for i := 1; i <= 5; i++ {
		ok, r := take("user:1", now.Add(time.Duration(i)*time.Second))
		if ok != (i <= 3) || !r.Equal(reset) {
			t.Fatalf("Take #%d = %v, reset %s; want %v, %s", i, ok, r, i <= 3, reset)
		}
	}
	if ok, _ := take("user:2", now); !ok {
		t.Fatal("Take on another key refused; want allowed")
	}
	ok, r := take("user:1", reset.Add(time.Second))
	if !ok || !r.Equal(reset.Add(time.Minute)) {
		t.Fatalf("Take in the next window = %v, reset %s; want true, %s", ok, r, reset.Add(time.Minute))
	}
	day := 24 * time.Hour
	ok, r, err := s.Take(ctx, "day:C1", 1, day, now)
	must(t, err)
	midnight := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	if !ok || !r.Equal(midnight) {
		t.Fatalf("daily Take = %v, reset %s; want true, midnight UTC %s", ok, r, midnight)
	}
	for _, bad := range []struct {
		key    string
		limit  int
		window time.Duration
	}{{"", 1, time.Minute}, {"k", 0, time.Minute}, {"k", 1, 0}} {
		if _, _, err := s.Take(ctx, bad.key, bad.limit, bad.window, now); err == nil {
			t.Errorf("Take(%q, %d, %s) succeeded; want an error", bad.key, bad.limit, bad.window)
		}
	}
}

func contractJournal(t *testing.T, s bots.Store) {
	ctx := context.Background()
	list := func() []bots.JournalEntry {
		t.Helper()
		es, err := s.Journaled(ctx)
		must(t, err)
		return es
	}
	if es := list(); len(es) != 0 {
		t.Fatalf("Journaled on an empty store = %d entries; want 0", len(es))
	}
	key := bots.ConversationKey{Platform: bots.Slack, Team: "T1", Channel: "C1", Thread: "1700.1"}
	t0 := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	a := bots.JournalEntry{ID: "a", Key: key, Message: bots.Message{Key: key, ID: "1700.2", Text: "hello", UserID: "U1"},
		State: "streaming", Owner: "replica-1", Started: t0.Add(time.Second)}
	b := bots.JournalEntry{ID: "b", Key: key, Message: bots.Message{Key: key, ID: "1700.3", Text: "héllo ✓"},
		Placeholder: []string{"1700.4"}, State: "thinking", Owner: "replica-2", Started: t0}
	must(t, s.Journal(ctx, a))
	must(t, s.Journal(ctx, b))
	es := list()
	if len(es) != 2 || es[0].ID != "b" || es[1].ID != "a" {
		t.Fatalf("Journaled = %+v; want b then a (by start time)", es)
	}
	if es[0].Message.Text != "héllo ✓" || es[0].Key != key || es[0].Owner != "replica-2" ||
		!es[0].Started.Equal(t0) || len(es[0].Placeholder) != 1 || es[0].Placeholder[0] != "1700.4" {
		t.Fatalf("entry b read back as %+v", es[0])
	}
	a.Placeholder = []string{"1700.5", "1700.6"}
	a.State = "finishing"
	must(t, s.Journal(ctx, a))
	es = list()
	if len(es) != 2 || es[1].State != "finishing" || len(es[1].Placeholder) != 2 || es[1].Placeholder[1] != "1700.6" {
		t.Fatalf("after replacing a, Journaled = %+v", es)
	}
	must(t, s.Unjournal(ctx, "b"))
	must(t, s.Unjournal(ctx, "missing"))
	if es := list(); len(es) != 1 || es[0].ID != "a" {
		t.Fatalf("after Unjournal(b), Journaled = %+v; want only a", es)
	}
	if err := s.Journal(ctx, bots.JournalEntry{}); err == nil {
		t.Error("Journal of an entry without id succeeded; want an error")
	}
}

// contractDigest: a digest schedule is stored, cleared with "", and the
// channels with stored overrides are listed (the digest scheduler reads
// them after a restart).
func contractDigest(t *testing.T, s bots.Store) {
	ctx := context.Background()
	l, ok := s.(bots.SettingsLister)
	if !ok {
		t.Fatal("the store does not list its settings channels")
	}
	must(t, s.UpdateSettings(ctx, "slack:C1", bots.ChannelSettings{Digest: ptr("daily 09:00 Europe/Paris")}))
	must(t, s.UpdateSettings(ctx, "discord:9", bots.ChannelSettings{Digest: ptr("off")}))
	got, err := s.Settings(ctx, "slack:C1")
	if err != nil || got.Digest == nil || *got.Digest != "daily 09:00 Europe/Paris" {
		t.Fatalf("digest = %+v, %v", got, err)
	}
	ids, err := l.SettingsChannels(ctx)
	slices.Sort(ids)
	if err != nil || !slices.Equal(ids, []string{"discord:9", "slack:C1"}) {
		t.Fatalf("SettingsChannels = %v, %v", ids, err)
	}
	must(t, s.UpdateSettings(ctx, "slack:C1", bots.ChannelSettings{Digest: ptr("")}))
	if ids, err = l.SettingsChannels(ctx); err != nil || !slices.Equal(ids, []string{"discord:9"}) {
		t.Fatalf("SettingsChannels after clearing = %v, %v", ids, err)
	}
}
