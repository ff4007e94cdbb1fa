package engine_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/bots/i18n"
	"mistralbot/llm/llmtest"
)

// pngBytes is a real w x h PNG.
func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 7)
	}
	img.Set(0, 0, color.White)
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// rawMessages decodes the messages of a request body keeping content raw.
func rawMessages(t *testing.T, body []byte) []struct {
	Role    string
	Content json.RawMessage
} {
	t.Helper()
	var req struct {
		Messages []struct {
			Role    string
			Content json.RawMessage
		}
	}
	if err := json.Unmarshal(body, &req); err != nil {
		t.Fatal(err)
	}
	return req.Messages
}

// TestQuestionWithImagesAndRefusedFiles: an image goes as an image_url
// part (OpenRouter's object shape), counted in the prompt; a file that is
// too big and one of an unsupported type each get one notice line naming
// the file.
func TestQuestionWithImagesAndRefusedFiles(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	data := pngBytes(t, 64, 32)
	img := bots.ReadFile("trace.png", data, bots.FileLimits{})
	if img.Image == nil || img.Refused != bots.NotRefused {
		t.Fatalf("ReadFile: %+v", img)
	}
	m := mention("1", "what does this error mean?")
	m.Attachments = []bots.Attachment{
		img,
		bots.ReadFile("big.png", data, bots.FileLimits{ImageMaxBytes: 100}),
		bots.ReadFile("tool.exe", []byte("MZ\x90\x00"), bots.FileLimits{}),
	}
	if _, err := h.eng.Dispatch(context.Background(), h.conv, m); err != nil {
		t.Fatal(err)
	}
	final := h.conv.wait(t, 1)[0].Final()
	body := h.request(t, 0).Body
	msgs := rawMessages(t, body)
	last := string(msgs[len(msgs)-1].Content)
	want := `[{"type":"text","text":"Alice: what does this error mean?\n\n[Image ` + "`trace.png`" + `]"},{"type":"image_url","image_url":{"url":"data:image/png;base64,` + base64.StdEncoding.EncodeToString(data) + `"}}]`
	if last != want {
		t.Fatalf("content:\n%s\nwant:\n%s", last, want)
	}
	for _, n := range []string{i18n.T("en", i18n.FileTooBig, "big.png"), i18n.T("en", i18n.FileUnsupported, "tool.exe")} {
		if strings.Count(final, n) != 1 {
			t.Errorf("final %q lacks notice %q once", final, n)
		}
	}
	if strings.Contains(final, i18n.T("en", i18n.ImagesNotRead)) {
		t.Errorf("images-not-read notice for a vision model: %q", final)
	}
	rec := h.request(t, 0).Messages
	if got := rec[len(rec)-1].Images; len(got) != 1 || got[0].Width != 64 || got[0].Height != 32 {
		t.Fatalf("fake saw %+v", got)
	}
}

// TestTextOnlyModelToldOnce: the provider refuses images for a text-only
// model; the answer comes from the text, with one notice saying the
// images were not read.
func TestTextOnlyModelToldOnce(t *testing.T) {
	h := newHarness(t, harnessOptions{server: llmtest.Options{Models: []llmtest.Model{
		{ID: "mistralai/mistral-small-3.2-24b-instruct", ContextLength: 128000, TextOnly: true},
	}}})
	m := mention("1", "what is in these?")
	m.Attachments = []bots.Attachment{
		bots.ReadFile("a.png", pngBytes(t, 8, 8), bots.FileLimits{}),
		bots.ReadFile("b.png", pngBytes(t, 9, 9), bots.FileLimits{}),
	}
	if _, err := h.eng.Dispatch(context.Background(), h.conv, m); err != nil {
		t.Fatal(err)
	}
	final := h.conv.wait(t, 1)[0].Final()
	if n := strings.Count(final, i18n.T("en", i18n.ImagesNotRead)); n != 1 {
		t.Fatalf("notice %d times in %q", n, final)
	}
	reqs := h.srv.Requests()
	if len(reqs) != 2 || len(reqs[1].Messages[len(reqs[1].Messages)-1].Images) != 0 {
		t.Fatalf("%d requests", len(reqs))
	}
}

// takesNone is a Completer whose model takes no images.
type takesNone struct{ *llmcompleter.Client }

func (takesNone) TakesImages(string) bool { return false }

// TestKnownTextOnlyModelSendsNoImages: when the Completer knows the
// model takes no images, none are sent and the asker is told once.
func TestKnownTextOnlyModelSendsNoImages(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) {
		o.LLM = takesNone{o.LLM.(*llmcompleter.Client)}
	}})
	m := mention("1", "look")
	m.Attachments = []bots.Attachment{bots.ReadFile("a.png", pngBytes(t, 8, 8), bots.FileLimits{})}
	if _, err := h.eng.Dispatch(context.Background(), h.conv, m); err != nil {
		t.Fatal(err)
	}
	final := h.conv.wait(t, 1)[0].Final()
	if strings.Count(final, i18n.T("en", i18n.ImagesNotRead)) != 1 {
		t.Fatalf("final %q", final)
	}
	reqs := h.srv.Requests()
	if len(reqs) != 1 || strings.Contains(string(reqs[0].Body), "image_url") {
		t.Fatalf("images sent: %s", reqs[0].Body)
	}
}

// TestImagesOfEarlierTurnsWithinLimit: with bot.max_images 2, the
// question's image goes first, then the newest earlier one; the oldest
// is left out, and the question's own images over the limit are noticed.
func TestImagesOfEarlierTurnsWithinLimit(t *testing.T) {
	h := newHarness(t, harnessOptions{engine: func(o *engine.Options) { o.MaxImages = 2 }})
	old := bots.ReadFile("old.png", pngBytes(t, 10, 10), bots.FileLimits{})
	newer := bots.ReadFile("newer.png", pngBytes(t, 11, 11), bots.FileLimits{})
	h.conv.mu.Lock()
	h.conv.history[slackKey] = []bots.Turn{
		{Role: bots.UserTurn, ID: "0", Name: "Bob", Text: "first", Attachments: []bots.Attachment{old}},
		{Role: bots.BotTurn, ID: "0.5", Text: "ok"},
		{Role: bots.UserTurn, ID: "0.7", Name: "Bob", Text: "second", Attachments: []bots.Attachment{newer}},
		{Role: bots.BotTurn, ID: "0.8", Text: "ok again"},
	}
	h.conv.mu.Unlock()
	m := mention("1", "compare")
	m.InThread = true
	m.Attachments = []bots.Attachment{bots.ReadFile("q.png", pngBytes(t, 12, 12), bots.FileLimits{})}
	if _, err := h.eng.Dispatch(context.Background(), h.conv, m); err != nil {
		t.Fatal(err)
	}
	h.conv.wait(t, 1)
	var sizes []int
	for _, msg := range h.request(t, 0).Messages {
		for _, im := range msg.Images {
			sizes = append(sizes, im.Width)
		}
	}
	if len(sizes) != 2 || sizes[0] != 11 || sizes[1] != 12 {
		t.Fatalf("images sent (widths, in prompt order): %v", sizes)
	}
	// Three images in the question alone: one over the limit, said once.
	m = mention("2", "and these")
	m.InThread = true
	for _, w := range []int{5, 6, 7} {
		m.Attachments = append(m.Attachments, bots.ReadFile("x.png", pngBytes(t, w, w), bots.FileLimits{}))
	}
	if _, err := h.eng.Dispatch(context.Background(), h.conv, m); err != nil {
		t.Fatal(err)
	}
	if final := h.conv.wait(t, 1)[0].Final(); strings.Count(final, i18n.T("en", i18n.TooManyImages, 2)) != 1 {
		t.Fatalf("final %q", final)
	}
}

// TestImageStaysOutOfJSON: the journal stores messages as JSON; the
// image's bytes do not go there, its name and size do.
func TestImageStaysOutOfJSON(t *testing.T) {
	att := bots.ReadFile("a.png", pngBytes(t, 8, 8), bots.FileLimits{})
	b, err := json.Marshal(bots.Message{Attachments: []bots.Attachment{att}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), "base64") || !strings.Contains(string(b), "a.png") {
		t.Fatalf("%s", b)
	}
	var back bots.Message
	if err := json.Unmarshal(b, &back); err != nil || back.Attachments[0].Image == nil || back.Attachments[0].Image.Width != 8 {
		t.Fatalf("%+v %v", back, err)
	}
}
