package llmcompleter

import (
	"context"
	"strings"

	"mistralbot/bots"
	"mistralbot/llm"
)

// Transcriber is bots.Transcriber over the client's Mistral transcription
// API.
type Transcriber struct {
	c *llm.Client
	// maxText is the bytes of transcript kept (bot.attachment_max_bytes;
	// 0: all).
	maxText int
}

var _ bots.Transcriber = (*Transcriber)(nil)

// NewTranscriber returns the transcription port over c; maxText bounds
// the text kept of one note.
func NewTranscriber(c *llm.Client, maxText int) *Transcriber {
	return &Transcriber{c: c, maxText: maxText}
}

// Transcribe implements bots.Transcriber. The language is left to the
// model: the asker's interface language says nothing sure about the
// language spoken.
func (t *Transcriber) Transcribe(ctx context.Context, name string, audio []byte) (bots.Transcript, error) {
	r, err := t.c.Transcribe(ctx, name, audio, "")
	if err != nil {
		return bots.Transcript{}, modelError(err)
	}
	out := bots.Transcript{Text: r.Text, Seconds: r.Seconds, CostUSD: r.CostUSD}
	if n := t.maxText; n > 0 && len(out.Text) > n {
		out.Text = strings.ToValidUTF8(out.Text[:n], "")
	}
	return out, nil
}
