package console

import "strings"

// Markdown for the terminal (issue 19): with Options.Render set (chat sets
// it when stdout is a terminal) an answer is printed rendered, one block
// at a time. A renderer needs whole blocks (a half-written table or code
// fence renders wrong), and a terminal cannot take back what it printed,
// so a block is printed once the text after it has begun: at a blank line
// outside a code fence; the rest at Finish. Piped output stays plain.

// Renderer renders Markdown for a terminal (bots/console/mdterm).
type Renderer interface {
	Render(markdown string) string
}

// showRendered takes text and prints the blocks it completes.
func (r *reply) showRendered(text string) error {
	if !strings.HasPrefix(text, r.printed) {
		// Never sent by the Engine: start afresh on a line of its own.
		if err := r.renderTo(len(r.printed)); err != nil {
			return err
		}
		r.printed, r.rendered = "", 0
	}
	r.printed = text
	return r.renderTo(r.rendered + blocksEnd(text[r.rendered:]))
}

// renderTo prints printed[rendered:end] rendered.
func (r *reply) renderTo(end int) error {
	if end <= r.rendered {
		return nil
	}
	md := r.printed[r.rendered:end]
	r.rendered = end
	if strings.TrimSpace(md) == "" {
		return nil
	}
	if err := r.c.write(r.c.opts.Render.Render(md)); err != nil {
		return &writeError{err}
	}
	return nil
}

// blocksEnd is the length of the complete blocks that start md: up to its
// last blank line outside a code fence (0: none is complete yet).
func blocksEnd(md string) int {
	end, fence, pos := 0, false, 0
	for {
		nl := strings.IndexByte(md[pos:], '\n')
		if nl < 0 {
			return end
		}
		line := md[pos : pos+nl]
		pos += nl + 1
		switch {
		case strings.HasPrefix(strings.TrimSpace(line), "```"):
			fence = !fence
		case !fence && strings.TrimSpace(line) == "" && pos < len(md):
			end = pos
		}
	}
}
