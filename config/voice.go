package config

// validateVoice checks bot.voice_notes: Mistral's transcription API
// (POST /v1/audio/transcriptions,
// https://docs.mistral.ai/api/endpoint/audio/transcriptions) exists on
// Mistral's API only, so voice notes with another provider are a mistake
// to say at start, not a silent no-op; the length cap bounds each note's
// cost.
func (c *Config) validateVoice(p *problems) {
	b := &c.Bot
	if b.VoiceMaxSeconds < 1 || b.VoiceMaxSeconds > 3600 {
		// An hour: far past any voice note, and a bound on one note's
		// cost (under $0.20 at $0.003 a minute).
		p.add("bot.voice_max_seconds", "must be 1 to 3600, got %d", b.VoiceMaxSeconds)
	}
	if b.VoiceNotes && c.LLM.Provider != ProviderMistral {
		p.add("bot.voice_notes", "needs llm.provider mistral (the transcription API is Mistral's), got %q", c.LLM.Provider)
	}
}
