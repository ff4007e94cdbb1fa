package console

import (
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"mistralbot/bots"
)

// attach reads a local file for the next question (/image PATH, /file
// PATH): an image or a document through bots.ReadFile, an audio file
// through bots.AudioFile (its bytes kept for the Engine's transcriber
// when Files.KeepAudio, bot.voice_notes, asks; else the adapters'
// not-read notice), any other file as text cut to the text limit. A file
// that cannot be read still goes with the question as a refused
// attachment, so the answer's notice names it, as on the platforms.
func (c *Console) attach(path string) {
	if path == "" {
		c.println("Usage: /image PATH or /file PATH attaches a local file to your next question.")
		return
	}
	lim := c.opts.Files.WithDefaults()
	name := filepath.Base(path)
	att := c.readLocal(path, name, lim)
	c.mu.Lock()
	c.pending = append(c.pending, att)
	n := len(c.pending)
	c.mu.Unlock()
	switch {
	case len(att.Audio) > 0:
		c.println("(audio " + name + " attached: transcribed with your next question, " + strconv.Itoa(n) + " file(s))")
	case att.Image != nil:
		c.println("(image " + name + " attached: " + strconv.Itoa(att.Image.Width) + "x" + strconv.Itoa(att.Image.Height) + ", " + strconv.Itoa(n) + " file(s) for your next question)")
	case att.Refused != bots.NotRefused:
		c.println("(" + name + " will not be read; your next question says why)")
	default:
		c.println("(" + name + " attached: " + strconv.Itoa(len(att.Text)) + " bytes of text, " + strconv.Itoa(n) + " file(s) for your next question)")
	}
}

// readLocal reads at most ImageMaxBytes of a file. Audio is read only
// when it is to be transcribed; its length is not known here (no
// platform states it), so only the byte cap bounds it, as for a Slack
// clip without duration_ms.
func (c *Console) readLocal(path, name string, lim bots.FileLimits) bots.Attachment {
	audio := bots.IsAudio(name, "")
	if audio && !lim.KeepAudio {
		return bots.AudioFile(name, nil, 0, lim)
	}
	f, err := os.Open(path)
	if err != nil {
		c.println("error: " + err.Error())
		return bots.RefusedFile(name, bots.RefusedUnreadable)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && (st.IsDir() || st.Size() > int64(lim.ImageMaxBytes)) {
		if st.IsDir() {
			return bots.RefusedFile(name, bots.RefusedUnreadable)
		}
		return bots.RefusedFile(name, bots.RefusedTooBig)
	}
	data, err := io.ReadAll(io.LimitReader(f, int64(lim.ImageMaxBytes)+1))
	if err != nil {
		return bots.RefusedFile(name, bots.RefusedUnreadable)
	}
	if len(data) > lim.ImageMaxBytes {
		return bots.RefusedFile(name, bots.RefusedTooBig)
	}
	if audio {
		return bots.AudioFile(name, data, 0, lim)
	}
	if bots.WantsBytes(name, "") || !utf8.Valid(data[:min(len(data), lim.TextMaxBytes)]) {
		return bots.ReadFile(name, data, lim)
	}
	truncated := len(data) > lim.TextMaxBytes
	if truncated {
		data = data[:lim.TextMaxBytes]
		for len(data) > 0 && !utf8.Valid(data) {
			data = data[:len(data)-1]
		}
	}
	return bots.Attachment{Name: name, Text: strings.ToValidUTF8(string(data), "\uFFFD"), Truncated: truncated}
}

// takePending returns the files attached for the next question.
func (c *Console) takePending() []bots.Attachment {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.pending
	c.pending = nil
	return p
}
