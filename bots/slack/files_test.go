package slack

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"image"
	"image/color"
	"image/png"
	"os"
	"strings"
	"testing"

	"mistralbot/bots/i18n"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

func slackPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for x := 0; x < w; x++ {
		img.Set(x, x%h, color.RGBA{G: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func slackDOCX(t *testing.T, text string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("word/document.xml")
	w.Write([]byte(`<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>` + text + `</w:t></w:r></w:p></w:body></w:document>`))
	zw.Close()
	return b.Bytes()
}

// TestFilesWithTheBotToken fetches real files from url_private (the fake
// redirects to its sign-in page without the bot token): an image sent as
// an image_url part, a PNG whose MIME type is wrong, a DOCX read as text,
// and one notice line for a file over bot.image_max_bytes, an executable
// and a corrupt image.
func TestFilesWithTheBotToken(t *testing.T) {
	h := newHarness(t, harnessOptions{adapt: func(o *Options) { o.Files.ImageMaxBytes = 1 << 20 }})
	h.llm.Script(llmtest.Scenario{Reply: "Here is what I see."})
	shot := slackPNG(t, 120, 60)
	files := []*fakeslack.File{
		{Name: "shot.png", Mimetype: "image/png", Filetype: "png", Content: shot},
		{Name: "spec.docx", Mimetype: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Filetype: "docx",
			Content: slackDOCX(t, "The service must answer in 200 ms.")},
		{Name: "big.png", Mimetype: "image/png", Filetype: "png", Content: make([]byte, 1<<20+1)},
		{Name: "setup.exe", Mimetype: "application/octet-stream", Filetype: "binary", Content: []byte("MZ\x90")},
		{Name: "broken.jpg", Mimetype: "image/jpeg", Filetype: "jpg", Content: []byte{0xFF, 0xD8, 0xFF, 0xE0, 1, 2}},
	}
	m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> review these", files...)
	h.waitFor("a reply", func() bool {
		r := h.replies("C0GENERAL", m.TS)
		return len(r) == 1 && strings.Contains(r[0].Text, "broken.jpg") && !streaming(r)
	})
	reply := h.replies("C0GENERAL", m.TS)[0].Text
	// One notice line per file (Alice's locale is French).
	for _, want := range []string{"`big.png` : il est trop gros", "comme `setup.exe`", "lire le fichier `broken.jpg`"} {
		if strings.Count(reply, want) != 1 {
			t.Errorf("reply lacks %q once:\n%s", want, reply)
		}
	}
	req := h.llm.Requests()[0]
	wantPart := `{"type":"image_url","image_url":{"url":"data:image/png;base64,` + base64.StdEncoding.EncodeToString(shot) + `"}}`
	if !strings.Contains(string(req.Body), wantPart) {
		t.Errorf("body lacks the image part")
	}
	last := req.Messages[len(req.Messages)-1]
	if len(last.Images) != 1 || last.Images[0].Width != 120 || !strings.Contains(last.Content, "The service must answer in 200 ms.") ||
		!strings.Contains(last.Content, "File `spec.docx`") {
		t.Errorf("last message %q with %d images", last.Content, len(last.Images))
	}

	// A second image with the wrong MIME type: the bytes decide.
	h.llm.Script(llmtest.Scenario{Reply: "Second."})
	h.say("C0GENERAL", m.TS, "U0ALICE", "<@U0BOT> and this one", &fakeslack.File{Name: "other.png", Mimetype: "application/octet-stream", Filetype: "binary", Content: slackPNG(t, 30, 30)})
	h.waitFor("second reply", func() bool { return len(h.llm.Requests()) == 2 })
	reqs := h.llm.Requests()
	q := reqs[1].Messages[len(reqs[1].Messages)-1]
	if len(q.Images) == 0 || q.Images[len(q.Images)-1].Width != 30 {
		t.Errorf("wrong-MIME PNG not sent: %+v in %q\n%s", q.Images, q.Content, h.logs.String())
	}
}

// TestAudioClipGetsItsNotice: a Slack audio clip (subtype slack_audio,
// audio/mp4) is not transcribed; the answer says voice notes are not read
// (in Alice's French), not that the file type is unknown.
func TestAudioClipGetsItsNotice(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	h.llm.Script(llmtest.Scenario{Reply: "Rien entendu."})
	clip := &fakeslack.File{Name: "audio_message.m4a", Mimetype: "audio/mp4", Filetype: "m4a", Content: []byte("\x00\x00\x00\x18ftypM4A ")}
	m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> écoute", clip)
	h.waitFor("a reply", func() bool {
		r := h.replies("C0GENERAL", m.TS)
		return len(r) == 1 && strings.Contains(r[0].Text, "audio_message.m4a") && !streaming(r)
	})
	reply := h.replies("C0GENERAL", m.TS)[0].Text
	if want := i18n.T("fr", i18n.VoiceNotRead, "audio_message.m4a"); strings.Count(reply, want) != 1 {
		t.Fatalf("reply lacks %q once:\n%s", want, reply)
	}
}

// TestPDFAttachment: a PDF shared with a mention (pdf.js's
// asciihexdecode.pdf, a real file) is fetched with the bot token and read
// by bots.ReadFile; its text reaches the model in the asker's turn.
func TestPDFAttachment(t *testing.T) {
	pdf, err := os.ReadFile("../media/testdata/pdfjs-asciihexdecode.pdf")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessOptions{})
	h.llm.Script(llmtest.Scenario{Reply: "It greets the world."})
	doc := &fakeslack.File{Name: "greeting.pdf", Mimetype: "application/pdf", Filetype: "pdf", Content: pdf}
	m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> what does this say?", doc)
	h.waitFor("a reply", func() bool {
		r := h.replies("C0GENERAL", m.TS)
		return len(r) == 1 && strings.Contains(r[0].Text, "It greets the world.") && !streaming(r)
	})
	if reply := h.replies("C0GENERAL", m.TS)[0].Text; strings.Contains(reply, "greeting.pdf") {
		t.Errorf("the read PDF got a notice:\n%s", reply)
	}
	req := h.llm.Requests()[0]
	last := req.Messages[len(req.Messages)-1]
	if !strings.Contains(last.Content, "File `greeting.pdf`") || !strings.Contains(last.Content, "Hello world") ||
		!strings.Contains(last.Content, "what does this say?") {
		t.Fatalf("question %q lacks the PDF's text", last.Content)
	}
}
