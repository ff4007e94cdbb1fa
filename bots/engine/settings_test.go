package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"mistralbot/bots"
)

func ptr[T any](v T) *T { return &v }

func TestSettingsPrecedence(t *testing.T) {
	st := newFakeStore()
	e := testEngine(t, Options{
		Store:    st,
		Defaults: Defaults{SystemPrompt: "default prompt", Language: "en", Model: "default-model"},
		Channels: map[string]bots.ChannelSettings{
			"slack:C1": {Language: ptr("German"), SystemPrompt: ptr("config prompt")},
			"slack:C4": {Language: ptr("Deutsch")},
			"slack:C2": {Model: ptr("config-model"), Enabled: ptr(false)},
		},
	})
	st.settings["slack:C1"] = bots.ChannelSettings{Language: ptr("fr")}
	st.settings["slack:C3"] = bots.ChannelSettings{Language: ptr(bots.LanguageAuto), Model: ptr("store-model")}
	ctx := context.Background()
	for _, tc := range []struct {
		id                     string
		lang, prompt, model    string
		enabled, channelPrompt bool
	}{
		// store > config > default, field by field
		{"slack:C1", "fr", "config prompt", "default-model", true, true},
		{"slack:C2", "en", "default prompt", "config-model", false, false},
		{"slack:C3", bots.LanguageAuto, "default prompt", "store-model", true, false},
		{"discord:C1", "en", "default prompt", "default-model", true, false},
		{"slack:C4", "de", "default prompt", "default-model", true, false}, // config names normalized
	} {
		s := e.Settings(ctx, tc.id)
		if s.Language != tc.lang || s.SystemPrompt != tc.prompt || s.Model != tc.model || s.Enabled != tc.enabled || s.ChannelPrompt != tc.channelPrompt {
			t.Errorf("%s: got %+v, want lang %s prompt %q model %s enabled %v channelPrompt %v", tc.id, s, tc.lang, tc.prompt, tc.model, tc.enabled, tc.channelPrompt)
		}
	}
	// A thread inherits its parent channel's settings.
	msg := bots.Message{Key: bots.ConversationKey{Platform: bots.Slack, Channel: "T99"}, SettingsChannel: "C1"}
	if got := e.Settings(ctx, msg.SettingsID()); got.Language != "fr" {
		t.Errorf("thread of C1: language %q, want fr", got.Language)
	}
	// A prompt cleared from the chat removes the override: the config
	// file's channel prompt applies again.
	st.settings["slack:C1"] = bots.ChannelSettings{SystemPrompt: ptr("store prompt")}
	if err := e.updateSettings(ctx, "slack:C1", bots.ChannelSettings{SystemPrompt: ptr("")}); err != nil {
		t.Fatal(err)
	}
	if got := e.Settings(ctx, "slack:C1"); got.SystemPrompt != "config prompt" || !got.ChannelPrompt {
		t.Errorf("after clearing: prompt %q (channel %v)", got.SystemPrompt, got.ChannelPrompt)
	}
}

func TestSettingsCache(t *testing.T) {
	st := newFakeStore()
	clk := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	e := testEngine(t, Options{Store: st, Now: clk.Now, SettingsTTL: 3 * time.Second})
	ctx := context.Background()
	e.Settings(ctx, "slack:C1")
	e.Settings(ctx, "slack:C1")
	if st.reads != 1 {
		t.Fatalf("store reads = %d, want 1 (cached)", st.reads)
	}
	// Another replica changes the store: seen after the TTL.
	st.settings["slack:C1"] = bots.ChannelSettings{Language: ptr("it")}
	if got := e.Settings(ctx, "slack:C1"); got.Language != bots.LanguageAuto {
		t.Errorf("within TTL: %q", got.Language)
	}
	clk.Add(3 * time.Second)
	if got := e.Settings(ctx, "slack:C1"); got.Language != "it" {
		t.Errorf("after TTL: %q, want it", got.Language)
	}
	// A local change is seen at once.
	if err := e.updateSettings(ctx, "slack:C1", bots.ChannelSettings{Language: ptr("es")}); err != nil {
		t.Fatal(err)
	}
	if got := e.Settings(ctx, "slack:C1"); got.Language != "es" {
		t.Errorf("after local update: %q, want es", got.Language)
	}
	// A store error degrades to config and defaults.
	st.err = errors.New("redis down")
	clk.Add(time.Minute)
	if got := e.Settings(ctx, "slack:C1"); got.Language != bots.LanguageAuto || !got.Enabled {
		t.Errorf("store down: %+v", got)
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	_, err := New(Options{LLM: nopLLM{}, Store: newFakeStore(), ContextTokens: 100, MaxTokens: 200,
		Defaults: Defaults{Language: "xx-not-a-language"}})
	if err == nil {
		t.Fatal("want an error")
	}
	for _, s := range []string{"context tokens", "bot.language"} {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("error %q does not name %q", err, s)
		}
	}
}

// BenchmarkSettingsCached is a settings lookup served from the cache.
func BenchmarkSettingsCached(b *testing.B) {
	e := testEngine(b, Options{SettingsTTL: time.Hour})
	ctx := context.Background()
	e.Settings(ctx, "slack:C1")
	b.ReportAllocs()
	for b.Loop() {
		_ = e.Settings(ctx, "slack:C1")
	}
}
