package engine

import (
	"context"
	"crypto/sha256"
	"math"
	"strings"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// voiced is what transcription made of the question's voice notes: a
// line per note not transcribed (too long, or failed, with the reason)
// in place of the plain not-read notice, and the cost to record.
type voiced struct {
	lines   map[string]string
	costUSD float64
}

// readVoice transcribes the question's voice notes (RefusedAudio with
// their bytes) with Options.Transcriber and puts the words in the asker's
// turn as "(voice note, transcribed) ...". A note longer than
// VoiceMaxSeconds (as the platform states it) is not sent; a failure never
// costs the answer: the note keeps a notice, with the reason. Earlier
// turns get the transcripts already made (the cache by the audio's hash),
// never a new request: history reads as it was asked. Turns that change
// get their own attachment slice; the cached history is left as fetched.
func (e *Engine) readVoice(ctx context.Context, lang string, in *promptInput) voiced {
	var out voiced
	if e.opts.Transcriber == nil || len(in.turns) == 0 {
		return out
	}
	last := len(in.turns) - 1
	for i := range in.turns {
		t := &in.turns[i]
		if t.Role != bots.UserTurn || !hasAudio(t.Attachments) {
			continue
		}
		var spoken []string
		atts := make([]bots.Attachment, 0, len(t.Attachments))
		for _, a := range t.Attachments {
			if a.Refused != bots.RefusedAudio || len(a.Audio) == 0 {
				atts = append(atts, a)
				continue
			}
			text, ok := e.transcript(ctx, lang, a, i == last, &out)
			if !ok {
				atts = append(atts, a)
				continue
			}
			spoken = append(spoken, bots.VoicePrefix+text)
		}
		t.Attachments = atts
		if len(spoken) > 0 {
			t.Text = strings.TrimSpace(strings.Join(append(spoken, t.Text), "\n"))
		}
	}
	return out
}

// transcript is one note's text: cached, or (for the question only)
// asked for. ok is false when the note stays a notice; for the question,
// out then holds its line.
func (e *Engine) transcript(ctx context.Context, lang string, a bots.Attachment, ask bool, out *voiced) (string, bool) {
	key := sha256.Sum256(a.Audio)
	if t, ok := e.transcripts.Get(key); ok {
		return t, true
	}
	if !ask {
		return "", false
	}
	if limit := e.opts.VoiceMaxSeconds; a.AudioSecs > float64(limit) {
		out.line(a.Name, e.tr(lang, i18n.VoiceTooLong, a.Name, int(math.Ceil(a.AudioSecs)), limit))
		return "", false
	}
	r, err := e.opts.Transcriber.Transcribe(ctx, a.Name, a.Audio)
	if err != nil {
		e.log.WarnContext(ctx, "transcription of a voice note failed; the asker is told", "file", a.Name, "err", err)
		c := bots.CodeOf(err)
		out.line(a.Name, e.tr(lang, voiceFailKey(c), a.Name, string(c)))
		return "", false
	}
	out.costUSD += r.CostUSD
	e.transcripts.Put(key, r.Text)
	return r.Text, true
}

func (v *voiced) line(name, s string) {
	if v.lines == nil {
		v.lines = map[string]string{}
	}
	v.lines[name] = s
}

func hasAudio(atts []bots.Attachment) bool {
	for _, a := range atts {
		if a.Refused == bots.RefusedAudio && len(a.Audio) > 0 {
			return true
		}
	}
	return false
}

// voiceFailKey words a transcription failure: one that passes (try again
// later) or a refusal, as ocrFailKey does.
func voiceFailKey(c bots.Code) i18n.Key {
	if ocrFailKey(c) == i18n.OCRBusy {
		return i18n.VoiceBusy
	}
	return i18n.VoiceRefused
}
