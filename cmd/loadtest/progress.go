package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progressBar draws the run's progress on a terminal, or prints a line
// every 5 s to anything else (a CI log).
type progressBar struct {
	out   io.Writer
	total int
	tty   bool
	last  time.Time
}

func newProgressBar(out io.Writer, total int) *progressBar {
	tty := false
	if f, ok := out.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			tty = true
		}
	}
	return &progressBar{out: out, total: total, tty: tty}
}

func (p *progressBar) show(done, sent, limited int, elapsed time.Duration) {
	if !p.tty && time.Since(p.last) < 5*time.Second {
		return
	}
	p.last = time.Now()
	const width = 30
	filled := width * done / max(p.total, 1)
	bar := strings.Repeat("=", filled) + strings.Repeat(" ", width-filled)
	line := fmt.Sprintf("[%s] %d/%d replies complete, %d in flight, %d 429s, %v", bar, done, p.total, sent-done, limited, elapsed.Round(time.Second))
	if p.tty {
		fmt.Fprintf(p.out, "\r%s", line)
	} else {
		fmt.Fprintln(p.out, line)
	}
}

func (p *progressBar) finish() {
	if p.tty {
		fmt.Fprintln(p.out)
	}
}
