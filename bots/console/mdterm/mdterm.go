// Package mdterm renders an answer's Markdown for a terminal, with
// glamour (https://github.com/charmbracelet/glamour), the only package
// that imports it. `mistralbot chat` uses it when stdout is a terminal;
// piped output stays plain text.
package mdterm

import (
	"os"
	"strings"

	"github.com/charmbracelet/glamour"
	"golang.org/x/term"
)

// Width is the width of the terminal f, less a margin for glamour's
// indent; 80 when it cannot be told.
func Width(f *os.File) int {
	w, _, err := term.GetSize(int(f.Fd()))
	if err != nil || w < 20 {
		return 80
	}
	return w - 4
}

// Renderer renders Markdown blocks.
type Renderer struct{ tr *glamour.TermRenderer }

// New returns a Renderer wrapping at width columns in the named standard
// style ("dark", "light", "notty"...). The style is named, not "auto":
// auto asks the terminal for its background color, and the terminal's
// reply would arrive on stdin, mixed into what the user types.
func New(width int, style string) (*Renderer, error) {
	tr, err := glamour.NewTermRenderer(glamour.WithStandardStyle(style), glamour.WithWordWrap(width))
	if err != nil {
		return nil, err
	}
	return &Renderer{tr: tr}, nil
}

// Render returns md for the terminal, without the blank lines glamour puts
// around a document (the console prints blocks one after another). Text
// glamour cannot render is returned as it is: the answer still shows.
func (r *Renderer) Render(md string) string {
	out, err := r.tr.Render(md)
	if err != nil {
		return md
	}
	return strings.Trim(out, "\n") + "\n"
}
