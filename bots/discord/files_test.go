package discord

import (
	"archive/zip"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"strings"
	"testing"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/bots/i18n"
	"mistralbot/llm/llmtest"
)

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y += 3 {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{R: 250, G: 250, B: 250, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// zipBombDOCX is a small DOCX whose document.xml inflates to 80 MB.
func zipBombDOCX(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, _ := zw.Create("word/document.xml")
	chunk := bytes.Repeat([]byte("<w:t>a</w:t>"), 1<<16)
	for n := 0; n < 80<<20; n += len(chunk) {
		w.Write(chunk)
	}
	zw.Close()
	return b.Bytes()
}

// TestFilesThroughTheCDN runs real files through the fake's CDN: a
// screenshot (PNG, downscaled to a JPEG), a PNG served with the wrong MIME
// type (the bytes decide), a file that says it is 50 MB (refused
// unfetched), one that lies about its size (cut at the limit), a zip bomb
// named .docx, an expired CDN link and an executable. The exact content
// sent to the model and one notice line per refused file are asserted.
func TestFilesThroughTheCDN(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{adapter: func(o *Options) { o.Files.ImageMaxBytes = 2 << 20 }})
	h.llm.Script(llmtest.Scenario{Reply: "It is a stack trace."})
	general := h.dc.Options().GeneralID
	shot := h.dc.AddAttachment("trace.png", "image/png", testPNG(t, 3080, 1000))
	small := testPNG(t, 40, 20)
	wrongMIME := h.dc.AddAttachment("small.png", "application/octet-stream", small)
	huge := h.dc.AddAttachment("huge.png", "image/png", small)
	huge.Size = 50 << 20
	liar := h.dc.AddAttachment("liar.jpg", "image/jpeg", bytes.Repeat([]byte{0xFF}, 3<<20))
	liar.Size = 1000
	bomb := h.dc.AddAttachment("report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", zipBombDOCX(t))
	gone := h.dc.AddAttachment("old.png", "image/png", small)
	h.dc.ExpireAttachment(gone)
	exe := h.dc.AddAttachment("tool.exe", "application/x-msdownload", []byte("MZ"))
	q := h.dc.Post(general, discordtest.Post{Author: h.alice, Content: "<@" + h.dc.Bot().ID + "> what is this?",
		Attachments: []discordtest.Attachment{shot, wrongMIME, huge, liar, bomb}})
	msgs := h.waitTextIn(q.ID, "report.docx")
	text := joined(msgs)
	for _, n := range []string{
		i18n.T("en", i18n.FileTooBig, "huge.png"), i18n.T("en", i18n.FileTooBig, "liar.jpg"),
		i18n.T("en", i18n.FileTooBig, "report.docx"),
	} {
		if strings.Count(text, n) != 1 {
			t.Errorf("answer lacks %q once:\n%s", n, text)
		}
	}
	if !strings.HasPrefix(text, "It is a stack trace.") {
		t.Errorf("answer %q", text)
	}
	body := h.llm.Requests()[0].Body
	var req struct {
		Messages []struct {
			Role    string
			Content json.RawMessage
		}
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	var parts []struct {
		Type     string
		Text     string
		ImageURL struct{ URL string } `json:"image_url"`
	}
	if err := json.Unmarshal(req.Messages[len(req.Messages)-1].Content, &parts); err != nil {
		t.Fatalf("content %s: %v", req.Messages[len(req.Messages)-1].Content, err)
	}
	if len(parts) != 3 || parts[0].Type != "text" || parts[1].Type != "image_url" || parts[2].Type != "image_url" {
		t.Fatalf("parts %+v", parts)
	}
	if !strings.Contains(parts[0].Text, "what is this?") || !strings.Contains(parts[0].Text, "[Image `trace.png`]") {
		t.Errorf("text part %q", parts[0].Text)
	}
	jpg, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(parts[1].ImageURL.URL, "data:image/jpeg;base64,"))
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(jpg))
	if err != nil || cfg.Width != 1540 || cfg.Height != 500 {
		t.Errorf("screenshot sent as %+v %v", cfg, err)
	}
	if parts[2].ImageURL.URL != "data:image/png;base64,"+base64.StdEncoding.EncodeToString(small) {
		t.Errorf("small PNG not sent as is")
	}

	// A follow-up with an expired link and an executable: one line each.
	h.llm.Script(llmtest.Scenario{Reply: "Noted."})
	h.dc.Post(q.ID, discordtest.Post{Author: h.alice, Content: "and these?", Attachments: []discordtest.Attachment{gone, exe}})
	msgs = h.waitTextIn(q.ID, "tool.exe")
	text = joined(msgs)
	for _, n := range []string{i18n.T("en", i18n.FileUnreadable, "old.png"), i18n.T("en", i18n.FileUnsupported, "tool.exe")} {
		if strings.Count(text, n) != 1 {
			t.Errorf("answer lacks %q once:\n%s", n, text)
		}
	}
}

// TestVoiceMessageGetsItsNotice: a Discord voice message (audio/ogg with
// a waveform) is not transcribed; the answer says so in one line instead
// of calling it an unsupported file.
func TestVoiceMessageGetsItsNotice(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessConfig{})
	h.llm.Script(llmtest.Scenario{Reply: "Heard nothing."})
	voice := h.dc.AddAttachment("voice-message.ogg", "audio/ogg", []byte("OggS\x00\x02"))
	voice.DurationSecs, voice.Waveform = 2.5, "AAAAAAAAAAAA"
	q := h.dc.Post(h.dc.Options().GeneralID, discordtest.Post{Author: h.alice, Content: "<@" + h.dc.Bot().ID + "> listen",
		Attachments: []discordtest.Attachment{voice}})
	text := joined(h.waitTextIn(q.ID, "voice-message.ogg"))
	if n := i18n.T("en", i18n.VoiceNotRead, "voice-message.ogg"); strings.Count(text, n) != 1 {
		t.Fatalf("answer lacks %q once:\n%s", n, text)
	}
	if strings.Contains(text, i18n.T("en", i18n.FileUnsupported, "voice-message.ogg")) {
		t.Errorf("voice note called an unsupported file:\n%s", text)
	}
}

// TestPDFAttachment: a PDF attached to a mention (pdf.js's
// asciihexdecode.pdf, a real file) is fetched from the CDN and read by
// bots.ReadFile; its text reaches the model in the asker's turn.
func TestPDFAttachment(t *testing.T) {
	t.Parallel()
	pdf, err := os.ReadFile("../media/testdata/pdfjs-asciihexdecode.pdf")
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, harnessConfig{})
	h.llm.Script(llmtest.Scenario{Reply: "It greets the world."})
	doc := h.dc.AddAttachment("greeting.pdf", "application/pdf", pdf)
	q := h.dc.Post(h.dc.Options().GeneralID, discordtest.Post{Author: h.alice, Content: "<@" + h.dc.Bot().ID + "> what does this say?",
		Attachments: []discordtest.Attachment{doc}})
	text := joined(h.waitTextIn(q.ID, "It greets the world."))
	if strings.Contains(text, "greeting.pdf") {
		t.Errorf("the read PDF got a notice:\n%s", text)
	}
	reqs := h.llm.Requests()
	if len(reqs) != 1 {
		t.Fatalf("%d model requests", len(reqs))
	}
	last := reqs[0].Messages[len(reqs[0].Messages)-1]
	if !strings.Contains(last.Content, "File `greeting.pdf`") || !strings.Contains(last.Content, "Hello world") ||
		!strings.Contains(last.Content, "what does this say?") {
		t.Fatalf("question %q lacks the PDF's text", last.Content)
	}
}
