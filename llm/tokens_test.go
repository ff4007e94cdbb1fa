package llm

import (
	"strings"
	"sync"
	"testing"
)

func TestEstimateTokens(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int
	}{
		{"empty", "", 0},
		{"ascii", "Hello, world!", 5},                  // 13 / 3
		{"ascii long", strings.Repeat("abc ", 30), 40}, // 120 / 3
		{"latin accents", "éèàùç", 2},                  // 5 / 2.5
		{"french", "Ça va très bien", 6},               // 12 ascii/3 + 3 latin/2.5 = 4 + 1.2
		{"cjk", "中文字符", 4},                             // one per ideograph
		{"kana and hangul", "ひらがなカタカナ한국어", 11},         // one each
		{"cyrillic", "Привет", 3},                      // 6 / 2
		{"mixed", "Hi 中文 Привет", 7},                   // 4 ascii/3 + 2 CJK + 6/2
		{"full-width punctuation", "。、！", 3},
	}
	for _, tt := range tests {
		if got := EstimateTokens(tt.in); got != tt.want {
			t.Errorf("%s: EstimateTokens(%q) = %d, want %d", tt.name, tt.in, got, tt.want)
		}
	}
	// Denser scripts cost more tokens per character than English.
	if en, zh := EstimateTokens(strings.Repeat("a", 300)), EstimateTokens(strings.Repeat("中", 300)); zh <= en*2 {
		t.Errorf("CJK estimate %d not denser than ASCII %d", zh, en)
	}
}

func TestEstimatorCalibrates(t *testing.T) {
	var e Estimator
	text := strings.Repeat("word ", 300) // raw estimate 500
	raw := EstimateTokens(text)
	if got := e.Estimate(text); got != raw {
		t.Fatalf("uncalibrated estimate %d, want raw %d", got, raw)
	}
	// The provider keeps counting 25% fewer tokens: the estimate converges.
	for range 40 {
		e.Observe(raw, raw*3/4)
	}
	if r := e.Ratio(); r < 0.74 || r > 0.76 {
		t.Fatalf("ratio %v, want about 0.75", r)
	}
	if got := e.Estimate(text); got < raw*74/100 || got > raw*76/100 {
		t.Fatalf("calibrated estimate %d, want about %d", got, raw*3/4)
	}
	// One wild observation moves it by at most the EWMA weight of the
	// clamped ratio, and the ratio never leaves [0.5, 2].
	before := e.Ratio()
	e.Observe(1, 1000)
	if after := e.Ratio(); after > before+ewmaWeight*(maxObserved-before)+1e-9 {
		t.Fatalf("one observation moved the ratio from %v to %v", before, after)
	}
	for range 100 {
		e.Observe(1, 1000)
	}
	if r := e.Ratio(); r != maxRatio {
		t.Fatalf("ratio %v, want clamped to %v", r, maxRatio)
	}
	for range 100 {
		e.Observe(1000, 1)
	}
	if r := e.Ratio(); r != minRatio {
		t.Fatalf("ratio %v, want clamped to %v", r, minRatio)
	}
	e.Observe(0, 10)
	e.Observe(10, 0)
	if r := e.Ratio(); r != minRatio {
		t.Fatalf("non-positive observations changed the ratio to %v", r)
	}
}

func TestEstimatorMessagesAndConcurrency(t *testing.T) {
	var e Estimator
	msgs := []Message{{Role: RoleSystem, Content: "Be brief."}, {Role: RoleUser, Content: "Bonjour à tous"}}
	want := EstimateTokens("Be brief.") + EstimateTokens("Bonjour à tous") + 2*MessageOverhead
	if got := e.EstimateMessages(msgs); got != want {
		t.Fatalf("EstimateMessages = %d, want %d", got, want)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 200 {
				e.Observe(100, 80+i+j%10)
				_ = e.Estimate("some text")
			}
		})
	}
	wg.Wait()
	if r := e.Ratio(); r < 0.8 || r > 0.97 {
		t.Fatalf("ratio %v after concurrent observations of 0.80-0.97", r)
	}
}
