package config

// mistralOnly is a feature of Mistral's own API (no other provider has
// it), with the cap that bounds one use's cost.
type mistralOnly struct {
	key, what  string // the switch's key; the API, for the message
	on         bool
	capKey     string
	cap, limit int // 1..limit
}

// validateMistralOnly checks the features that exist on Mistral's API
// only: using one with another provider is a mistake to say at start, not
// a silent no-op, and each cap must be in range.
//   - bot.pdf_ocr: the OCR API (https://docs.mistral.ai/capabilities/document/);
//     1000 pages is its limit per document ("50MB/1000 pages",
//     https://raw.githubusercontent.com/icereed/paperless-gpt/HEAD/docs/mistral_llm.md).
//   - bot.voice_notes: the transcription API (POST /v1/audio/transcriptions,
//     https://docs.mistral.ai/api/endpoint/audio/transcriptions); an hour
//     is far past any voice note and bounds one note's cost (under $0.20
//     at $0.003 a minute).
func (c *Config) validateMistralOnly(p *problems) {
	b := &c.Bot
	for _, f := range []mistralOnly{
		{key: "bot.pdf_ocr", what: "the OCR API", on: b.PDFOCR, capKey: "bot.pdf_ocr_max_pages", cap: b.PDFOCRMaxPages, limit: 1000},
		{key: "bot.voice_notes", what: "the transcription API", on: b.VoiceNotes, capKey: "bot.voice_max_seconds", cap: b.VoiceMaxSeconds, limit: 3600},
	} {
		if f.cap < 1 || f.cap > f.limit {
			p.add(f.capKey, "must be 1 to %d, got %d", f.limit, f.cap)
		}
		if f.on && c.LLM.Provider != ProviderMistral {
			p.add(f.key, "needs llm.provider mistral (%s is Mistral's), got %q", f.what, c.LLM.Provider)
		}
	}
}
