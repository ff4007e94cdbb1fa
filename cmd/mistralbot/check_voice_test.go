package main

import (
	"strings"
	"testing"

	"mistralbot/llm/llmtest"
)

// TestCheckVoice: voice notes with OpenRouter are a config error check
// reports with its key; with Mistral check says they are on and the cap.
func TestCheckVoice(t *testing.T) {
	code, out, errOut := runCmd(t, map[string]string{"OPENROUTER_API_KEY": "sk-or-good", "MISTRALBOT_STORE_DRIVER": "memory",
		"MISTRALBOT_BOT_VOICE_NOTES": "true"}, "", "--config", noFile(t), "check")
	if code == 0 || !strings.Contains(out+errOut, "bot.voice_notes: needs llm.provider mistral") {
		t.Fatalf("voice notes with openrouter: code %d\n%s\n%s", code, out, errOut)
	}
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.Mistral, APIKey: "zz-good-key-42"})
	defer srv.Close()
	code, out, errOut = runCmd(t, map[string]string{"MISTRAL_API_KEY": "zz-good-key-42", "MISTRALBOT_LLM_PROVIDER": "mistral",
		"MISTRALBOT_LLM_BASE_URL": srv.URL(), "MISTRALBOT_STORE_DRIVER": "memory",
		"MISTRALBOT_BOT_VOICE_NOTES": "true", "MISTRALBOT_BOT_VOICE_MAX_SECONDS": "120"}, "", "--config", noFile(t), "check")
	if !strings.Contains(out, "bot.voice_notes: voice notes transcribed with voxtral-mini-latest, at most 120 s each ($0.006 at most") {
		t.Fatalf("voice notes with mistral: code %d\n%s\n%s", code, out, errOut)
	}
}
