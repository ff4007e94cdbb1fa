package fakeslack

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	slackgo "github.com/slack-go/slack"
)

func modal(title string, maxLen int) slackgo.ModalViewRequest {
	pt := func(s string) *slackgo.TextBlockObject {
		return slackgo.NewTextBlockObject(slackgo.PlainTextType, s, false, false)
	}
	in := slackgo.NewPlainTextInputBlockElement(pt("Why?"), "why")
	in.MaxLength = maxLen
	return slackgo.ModalViewRequest{Type: slackgo.VTModal, Title: pt(title), Submit: pt("Send"), CallbackID: "cb",
		Blocks: slackgo.Blocks{BlockSet: []slackgo.Block{slackgo.NewInputBlock("b", pt("Reason"), nil, in)}}}
}

func TestViewsOpenTakesAFreshTriggerOnce(t *testing.T) {
	var mu sync.Mutex
	now := time.Unix(1_760_000_000, 0)
	s, api := setup(t, Options{Strict: true, Now: func() time.Time { mu.Lock(); defer mu.Unlock(); return now }})
	ctx := context.Background()
	code := func(err error) string {
		if err == nil {
			return ""
		}
		return err.Error()
	}
	trigger := s.NewTriggerID()
	if _, err := api.OpenViewContext(ctx, trigger, modal(strings.Repeat("t", 24), 3000)); err != nil {
		t.Fatalf("a modal at the limits: %v", err)
	}
	if v := s.OpenedViews(); len(v) != 1 || v[0].TriggerID != trigger || v[0].CallbackID != "cb" {
		t.Fatalf("opened %+v", v)
	}
	if got := code(func() error { _, err := api.OpenViewContext(ctx, trigger, modal("t", 10)); return err }()); got != "exchanged_trigger_id" {
		t.Errorf("a trigger used twice: %q", got)
	}
	if got := code(func() error { _, err := api.OpenViewContext(ctx, "1.2.unknown", modal("t", 10)); return err }()); got != "invalid_trigger_id" {
		t.Errorf("an unknown trigger: %q", got)
	}
	for name, v := range map[string]slackgo.ModalViewRequest{"title of 25": modal(strings.Repeat("t", 25), 10), "max_length 3001": modal("t", 3001)} {
		if got := code(func() error { _, err := api.OpenViewContext(ctx, s.NewTriggerID(), v); return err }()); got != "invalid_arguments" {
			t.Errorf("%s: %q, want invalid_arguments", name, got)
		}
	}
	late := s.NewTriggerID()
	mu.Lock()
	now = now.Add(3*time.Second + time.Millisecond)
	mu.Unlock()
	if got := code(func() error { _, err := api.OpenViewContext(ctx, late, modal("t", 10)); return err }()); got != "expired_trigger_id" {
		t.Errorf("a trigger older than 3 s: %q", got)
	}
}
