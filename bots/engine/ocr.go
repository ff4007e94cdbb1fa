package engine

import (
	"context"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// scanned is what OCR made of the question's scanned PDFs: the notices
// to add and the cost to record with the reply's usage.
type scanned struct {
	// notes are one line per scanned file: why OCR failed (after the
	// no-text line), or that only its first pages were read.
	notes []string
	// failed holds the names of the files whose OCR failed: their
	// no-text line is joined by the reason.
	failed  map[string]string
	costUSD float64
}

// readScans reads the question's scanned PDFs (RefusedNoText with their
// bytes) with Options.OCR, in place of the no-text notice. A failure
// never costs the answer: the file keeps its notice, with the reason.
// The last turn gets its own attachment slice: the cached history is
// left as fetched (a later question reads the same scan again).
func (e *Engine) readScans(ctx context.Context, lang string, in *promptInput) scanned {
	var out scanned
	if e.opts.OCR == nil || len(in.turns) == 0 {
		return out
	}
	q := &in.turns[len(in.turns)-1]
	if q.Role != bots.UserTurn || !hasScan(q.Attachments) {
		return out
	}
	atts := append([]bots.Attachment(nil), q.Attachments...)
	for i, a := range atts {
		if a.Refused != bots.RefusedNoText || len(a.Scan) == 0 {
			continue
		}
		r, err := e.opts.OCR.OCR(ctx, a.Scan)
		if err != nil {
			e.log.WarnContext(ctx, "OCR of a scanned PDF failed; the asker is told", "file", a.Name, "err", err)
			if out.failed == nil {
				out.failed = map[string]string{}
			}
			out.failed[a.Name] = e.tr(lang, ocrFailKey(bots.CodeOf(err)), string(bots.CodeOf(err)))
			continue
		}
		out.costUSD += r.CostUSD
		atts[i] = bots.Attachment{Name: a.Name, Text: r.Text, Truncated: r.Truncated}
		if r.Capped {
			out.notes = append(out.notes, e.tr(lang, i18n.FileOCRCapped, a.Name, r.Pages))
		}
	}
	q.Attachments = atts
	return out
}

func hasScan(atts []bots.Attachment) bool {
	for _, a := range atts {
		if a.Refused == bots.RefusedNoText && len(a.Scan) > 0 {
			return true
		}
	}
	return false
}

// ocrFailKey words an OCR failure: one that passes (try again later) or
// a refusal.
func ocrFailKey(c bots.Code) i18n.Key {
	switch c {
	case bots.CodeRateLimited, bots.CodeUnavailable, bots.CodeTimeout:
		return i18n.OCRBusy
	}
	return i18n.OCRRefused
}
