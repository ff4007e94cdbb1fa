package console_test

import (
	"bytes"
	"encoding/base64"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"mistralbot/bots/i18n"
	"mistralbot/llm/llmtest"
)

// /image and /file attach local files to the next question: the image as
// an image_url part, the text file as a fenced block, and a missing file
// gets its notice in the answer.
func TestImageAndFileCommands(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, 30, 20))); err != nil {
		t.Fatal(err)
	}
	shot := filepath.Join(dir, "shot.png")
	notes := filepath.Join(dir, "notes.txt")
	os.WriteFile(shot, b.Bytes(), 0o600)
	os.WriteFile(notes, []byte("panic: nil map\n"), 0o600)
	srv := llmtest.New(llmtest.Options{})
	defer srv.Close()
	srv.Script(llmtest.Scenario{Reply: "A nil map."}, llmtest.Scenario{Reply: "Plain."})
	in := strings.Join([]string{"/image " + shot, "/file " + notes, "/file " + filepath.Join(dir, "gone.txt"), "what is this?", "and now?", ""}, "\n")
	out, _ := session(t, srv, strings.NewReader(in))
	if !strings.Contains(out, "(image shot.png attached: 30x20") || !strings.Contains(out, i18n.T("en", i18n.FileUnreadable, "gone.txt")) {
		t.Errorf("output:\n%s", out)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests", len(reqs))
	}
	body := string(reqs[0].Body)
	if !strings.Contains(body, `{"type":"image_url","image_url":{"url":"data:image/png;base64,`+base64.StdEncoding.EncodeToString(b.Bytes())+`"}}`) ||
		!strings.Contains(body, "panic: nil map") {
		t.Errorf("first request: %s", body)
	}
	// The files went with that question only; its image stays in the
	// history of the next one.
	last := reqs[1].Messages[len(reqs[1].Messages)-1]
	if last.Content != "me: and now?" || len(last.Images) != 0 {
		t.Errorf("second question %+v", last)
	}
}
