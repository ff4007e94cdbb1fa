package config

import (
	"strings"
	"testing"
)

// TestValidateVoice: voice notes need the Mistral provider and a sane
// length cap; the defaults are off and 300 seconds.
func TestValidateVoice(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, "", map[string]string{"OPENROUTER_API_KEY": "sk-or-v1-test"})
	if c.Bot.VoiceNotes || c.Bot.VoiceMaxSeconds != 300 {
		t.Fatalf("defaults: voice_notes %v, voice_max_seconds %d", c.Bot.VoiceNotes, c.Bot.VoiceMaxSeconds)
	}
	c = mustLoad(t, "bot: {voice_notes: true, voice_max_seconds: 0}\n", map[string]string{"OPENROUTER_API_KEY": "sk-or-v1-test"})
	problems := strings.Join(problemsOf(t, c.Validate()), "\n")
	for _, want := range []string{"bot.voice_notes: needs llm.provider mistral", "bot.voice_max_seconds: must be 1 to 3600"} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems %q lack %q", problems, want)
		}
	}
	c = mustLoad(t, "llm: {provider: mistral}\nbot: {voice_notes: true, voice_max_seconds: 120}\n", map[string]string{"MISTRAL_API_KEY": "test-key-123"})
	if err := c.Validate(); err != nil {
		t.Fatalf("voice notes with mistral: %v", err)
	}
	if c.Bot.VoiceMaxSeconds != 120 {
		t.Fatalf("voice_max_seconds %d", c.Bot.VoiceMaxSeconds)
	}
}
