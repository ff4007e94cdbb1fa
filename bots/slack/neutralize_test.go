package slack

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestNeutralizeMarkdown(t *testing.T) {
	tests := map[string]string{
		"<!channel> hi":             "<" + zwsp + "!channel> hi",
		"<!HERE|here>":              "<" + zwsp + "!HERE|here>",
		"<!everyone> <!subteam^S1>": "<" + zwsp + "!everyone> <" + zwsp + "!subteam^S1>",
		"ping <@U123>":              "ping <" + zwsp + "@U123>",
		"see <#C42|general>":        "see <" + zwsp + "#C42|general>",
		"<!DOCTYPE html> a<b":       "<!DOCTYPE html> a<b",
		"`List<String>` **x**":      "`List<String>` **x**",
		"no tokens":                 "no tokens",
	}
	for in, want := range tests {
		if got := neutralizeMarkdown(in); got != want {
			t.Errorf("neutralizeMarkdown(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStablePrefix(t *testing.T) {
	for in, want := range map[string]int{
		"hello":                       5,
		"hello <":                     6,
		"hello <!chan":                6,
		"hello <@":                    6,
		"hello <!channel>":            16,
		"a < b":                       5,
		"x <" + "!channel":            2,
		"<" + strings.Repeat("a", 20): 21,
	} {
		if got := stablePrefix(in); got != want {
			t.Errorf("stablePrefix(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestPlainText(t *testing.T) {
	a := testAdapter()
	a.now = time.Now
	a.users = newUserCache(a, 10, time.Hour)
	a.users.known.Put("U0ALICE", userInfo{Name: "Alice"})
	in := "<@U0BOT> ask <@U0ALICE> and <@U0BOB|bob> in <#C1|general> or <#C2>: <!here> <!subteam^S1|@devs> " +
		"<https://go.dev|Go> <https://x.y> <mailto:a@b.c|a@b.c> <!date^1392734382^{date}|Feb 18> a &lt; b &amp;&amp; c &gt; d"
	want := "ask @Alice and @bob in #general or #C2: @here @devs Go (https://go.dev) https://x.y a@b.c Feb 18 a < b && c > d"
	if got := a.plainText(context.Background(), in); got != want {
		t.Errorf("plainText\n got %q\nwant %q", got, want)
	}
}

func TestEditBudgetKeepsReserve(t *testing.T) {
	now := time.Unix(0, 0)
	b := newEditBudget(10, func() time.Time { return now })
	for range 4 {
		b.Hold() // four replies in flight will need a final edit
	}
	allowed := 0
	for b.Allow() {
		allowed++
	}
	if allowed != 6 {
		t.Errorf("%d intermediate edits allowed, want 10-4", allowed)
	}
	if b.Admit() {
		t.Error("a fifth reply was admitted with 4 tokens for 4 final edits")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	for i := range 4 {
		if err := b.Wait(ctx); err != nil {
			t.Fatalf("final edit %d starved: %v", i, err)
		}
		b.Release()
	}
	b.Pause(time.Minute)
	now = now.Add(30 * time.Second) // 5 tokens back, but paused
	if b.Allow() || b.Admit() {
		t.Error("allowed or admitted during a pause")
	}
	now = now.Add(31 * time.Second)
	if !b.Allow() || !b.Admit() {
		t.Error("not allowed or not admitted after the pause")
	}
}
