package engine

import (
	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// refusalKey is the notice of a refusal.
func refusalKey(r bots.FileRefusal) i18n.Key {
	switch r {
	case bots.RefusedTooBig:
		return i18n.FileTooBig
	case bots.RefusedUnsupported:
		return i18n.FileUnsupported
	case bots.RefusedEncrypted:
		return i18n.FileEncrypted
	case bots.RefusedNoText:
		return i18n.FileNoText
	case bots.RefusedAudio:
		return i18n.VoiceNotRead
	}
	return i18n.FileUnreadable
}

// takesImages reports whether the channel's model takes images.
func (e *Engine) takesImages(model string) bool {
	it, ok := e.opts.LLM.(bots.ImageTaker)
	return ok && it.TakesImages(model)
}

// maxImages is Options.MaxImages with its default; negative means
// none.
func (e *Engine) maxImages() int {
	switch n := e.opts.MaxImages; {
	case n < 0:
		return 0
	case n == 0:
		return bots.DefaultMaxImages
	default:
		return n
	}
}

// imageTokens is an image's prompt cost on model, in raw estimate units
// (divided by the calibration ratio, as the budget is).
func imageTokens(tk bots.Tokens, model string, im *bots.Image, ratio float64) int {
	n := tk.ImageTokens(model, im.Width, im.Height)
	if ratio <= 0 {
		return n
	}
	return int(float64(n)/ratio + 0.999)
}

// fileNotes returns the notices about the question's files: one line per
// file not read, and once, when the question had images the model did not
// see, why. ocrFailed holds the reason of a scanned file whose OCR failed,
// said on its no-text line; voice holds the line of a voice note that was
// to be transcribed but was not (too long, failed), said instead of the
// not-read notice.
func (e *Engine) fileNotes(lang string, question bots.Turn, p prompt, ocrFailed, voice map[string]string) []string {
	var notes []string
	for _, a := range question.Attachments {
		if a.Refused == bots.NotRefused {
			continue
		}
		if line, ok := voice[a.Name]; ok && a.Refused == bots.RefusedAudio {
			notes = append(notes, line)
			continue
		}
		line := e.tr(lang, refusalKey(a.Refused), a.Name)
		if why, ok := ocrFailed[a.Name]; ok && a.Refused == bots.RefusedNoText {
			line += " " + why
		}
		notes = append(notes, line)
	}
	if p.imagesOff {
		notes = append(notes, e.tr(lang, i18n.ImagesNotRead))
	} else if p.imagesCut > 0 {
		notes = append(notes, e.tr(lang, i18n.TooManyImages, e.maxImages()))
	}
	return notes
}

// turnImages picks the images of t to send within room (user turns
// only), with their cost; cut counts t's images left out.
func (e *Engine) turnImages(model string, t bots.Turn, room int, ratio float64) (imgs []bots.Image, cost, cut int) {
	for _, a := range t.Attachments {
		if a.Image == nil || a.Image.URL == "" {
			continue
		}
		if t.Role != bots.UserTurn || len(imgs) >= room {
			cut++
			continue
		}
		imgs = append(imgs, bots.Image{URL: a.Image.URL, Width: a.Image.Width, Height: a.Image.Height})
		cost += imageTokens(e.tokens, model, a.Image, ratio)
	}
	return imgs, cost, cut
}
