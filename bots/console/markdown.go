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

// wholeBlocks is the stable rule of a rendered answer (the writer's
// AppendOptions.Stable): what follows from is printed up to its last
// complete block.
func wholeBlocks(text string, from int) int { return from + blocksEnd(text[from:]) }

// renderBlocks renders a chunk: its complete blocks, then the rest (at
// Finish the rest is the last block), each with one Render call; blank
// text renders to nothing.
func (c *Console) renderBlocks(md string) string {
	end := blocksEnd(md)
	return c.renderBlock(md[:end]) + c.renderBlock(md[end:])
}

func (c *Console) renderBlock(md string) string {
	if blank(md) {
		return ""
	}
	return c.opts.Render.Render(md)
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
