package main

import (
	"testing"

	"mistralbot/config"
)

func TestChatBanner(t *testing.T) {
	cfg := &config.Config{}
	cfg.LLM.Provider, cfg.LLM.Model = "mistral", "mistral-small-latest"
	want := "mistralbot chat: mistral-small-latest via mistral, language fr. /help lists the commands, Ctrl-C stops an answer, Ctrl-D quits."
	if got := banner(cfg, "fr"); got != want {
		t.Errorf("banner = %q", got)
	}
	if got := banner(cfg, "auto"); got != "mistralbot chat: mistral-small-latest via mistral, language auto (the question's). /help lists the commands, Ctrl-C stops an answer, Ctrl-D quits." {
		t.Errorf("auto banner = %q", got)
	}
}
