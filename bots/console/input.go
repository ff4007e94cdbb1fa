package console

import (
	"bufio"
	"errors"
	"io"
	"strings"
)

// Multi-line input (issue 19): a pasted code block is one question, not
// one per line. Three rules join lines into one question:
//
//   - bracketed paste: a terminal in that mode (ESC[?2004h) wraps pasted
//     text in ESC[200~ ... ESC[201~; everything between, and the rest of the
//     line the paste ends on, is one question
//     (https://invisible-island.net/xterm/ctlseqs/ctlseqs.html, "Bracketed
//     Paste Mode");
//   - a line ending in a backslash continues on the next line;
//   - an open ``` fence continues until a line that closes it.
//
// Piped input follows the same rules: one question per line, except for
// continuations and fences. The terminal stays in cooked mode (its own
// line editing and echo), so input comes in whole lines.

// Bracketed paste control sequences.
const (
	PasteOn    = "\x1b[?2004h" // enable, written at start on a terminal
	PasteOff   = "\x1b[?2004l" // disable, written on exit
	pasteStart = "\x1b[200~"
	pasteEnd   = "\x1b[201~"
)

// errTooLong is a question over maxLine bytes.
var errTooLong = errors.New("console: question longer than 1 MiB")

// splitter reads questions from a byte stream.
type splitter struct {
	r *bufio.Reader
	// more, when set, is called when a question goes on to another
	// line by a backslash or a fence (the console shows a continuation
	// prompt); not inside a paste, whose lines the terminal echoed already.
	more func()
}

func newSplitter(r io.Reader, more func()) *splitter {
	return &splitter{r: bufio.NewReaderSize(r, 64*1024), more: more}
}

// next returns the next question, without its final newline. At the end
// of input it returns what it has (a fence left open is still a question)
// and then io.EOF.
func (s *splitter) next() (string, error) {
	var q strings.Builder
	paste, fence := false, false
	for {
		line, err := s.r.ReadString('\n')
		if err != nil && err != io.EOF {
			return "", err
		}
		eof := err == io.EOF
		if eof && line == "" {
			if q.Len() > 0 {
				return strings.TrimSuffix(q.String(), "\n"), nil
			}
			return "", io.EOF
		}
		line = strings.TrimRight(line, "\r\n")
		pasted := paste // a pasted line's fences are the paste's own
		if i := strings.Index(line, pasteStart); i >= 0 {
			line = line[:i] + line[i+len(pasteStart):]
			paste, pasted = true, true
		}
		if i := strings.Index(line, pasteEnd); i >= 0 {
			line = line[:i] + line[i+len(pasteEnd):]
			paste = false
		}
		if !pasted && strings.HasPrefix(strings.TrimSpace(line), "```") {
			fence = !fence
		}
		cont := false
		if !paste && !fence && strings.HasSuffix(line, `\`) {
			line, cont = strings.TrimSuffix(line, `\`), true
		}
		q.WriteString(line)
		if q.Len() > maxLine {
			return "", errTooLong
		}
		if eof || !(paste || fence || cont) {
			return q.String(), nil
		}
		q.WriteByte('\n')
		if !paste && s.more != nil {
			s.more()
		}
	}
}
