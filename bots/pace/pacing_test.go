package pace

import (
	"context"
	"testing"
	"time"
)

func TestSharedBudgetAdmission(t *testing.T) {
	now := time.Unix(1000, 0)
	p := NewSharedBudget(NewBucketClock(5, time.Second, func() time.Time { return now }))
	for i := range 5 {
		if !p.Admit() {
			t.Fatalf("admission %d refused with 5 tokens", i+1)
		}
	}
	if p.Admit() {
		t.Fatal("a 6th reply was admitted: 5 tokens cannot pay 6 final edits")
	}
	if p.Allow() {
		t.Fatal("an optional edit took a token of the reserve")
	}
	if got := p.Share(); got != time.Second {
		t.Fatalf("share of 5 replies on 5/s = %v, want 1s", got)
	}
	p.Release()
	if got := p.Share(); got != 800*time.Millisecond {
		t.Fatalf("share of 4 replies on 5/s = %v, want 800ms", got)
	}
	if !p.Allow() {
		t.Fatal("the token beyond a reserve of 4 was refused")
	}
	if p.Admit() {
		t.Fatal("admitted with 4 tokens for a reserve of 4")
	}
	now = now.Add(200 * time.Millisecond) // one token back
	if !p.Admit() {
		t.Fatal("refused with 5 tokens for a reserve of 4")
	}
	ctx := context.Background()
	for i := range 5 {
		if err := p.Wait(ctx); err != nil {
			t.Fatalf("final edit %d: %v", i, err)
		}
		p.Release()
	}
	if p.Reserved() != 0 || p.Share() != 0 {
		t.Fatalf("reserve %d, share %v after every reply finished", p.Reserved(), p.Share())
	}
	p.Release()
	if p.Reserved() != 0 {
		t.Fatal("an extra release made the reserve negative")
	}
	now = now.Add(time.Second)
	p.Pause(time.Second)
	if p.Admit() {
		t.Fatal("admitted during a pause")
	}
	now = now.Add(2 * time.Second)
	p.Hold()
	if p.Reserved() != 1 || !p.Admit() {
		t.Fatalf("hold: reserve %d; a full bucket must still admit", p.Reserved())
	}
}
