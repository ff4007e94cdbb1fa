package llm

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"testing"
	"time"

	"mistralbot/llm/llmtest"
)

// TestTranscribeSendsTheForm: the request is Mistral's multipart form
// (model, language, the audio as file with its name) and the text and
// billed seconds come back with their cost.
func TestTranscribeSendsTheForm(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.Mistral, APIKey: "secret-key-123",
		Transcript: "Bonjour, where is the report?", TranscriptSeconds: 30}, Options{APIKey: "secret-key-123"})
	audio := []byte("OggS\x00\x02voice")
	res, err := h.c.Transcribe(context.Background(), "voice-message.ogg", audio, "fr")
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "Bonjour, where is the report?" || res.Seconds != 30 || res.CostUSD != 0.5*TranscribeUSDPerMinute {
		t.Fatalf("result %+v", res)
	}
	reqs := h.srv.TranscriptionRequests()
	if len(reqs) != 1 {
		t.Fatalf("%d transcription requests", len(reqs))
	}
	r := reqs[0]
	if r.Path != "/v1/audio/transcriptions" || r.Header.Get("Authorization") != "Bearer secret-key-123" {
		t.Fatalf("path %s, auth %q", r.Path, r.Header.Get("Authorization"))
	}
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	mr := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		got[p.FormName()] = string(b)
		if p.FormName() == "file" && p.FileName() != "voice-message.ogg" {
			t.Errorf("file name %q", p.FileName())
		}
	}
	if got["model"] != TranscribeModel || got["language"] != "fr" || got["file"] != string(audio) || len(got) != 3 {
		t.Fatalf("form %q", got)
	}
}

// TestTranscribeRetriesA429: a 429 with Retry-After is waited out.
func TestTranscribeRetriesA429(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.Mistral}, Options{})
	h.srv.ScriptTranscription(llmtest.OCRScenario{Status: 429, RetryAfter: "2"})
	res, err := h.c.Transcribe(context.Background(), "a.ogg", []byte("OggS"), "")
	if err != nil || res.Text != "Transcribed words." {
		t.Fatalf("res %+v, err %v", res, err)
	}
	if s := h.recordedSleeps(); len(s) != 1 || s[0] != 2*time.Second {
		t.Fatalf("sleeps %v", s)
	}
}

// TestTranscribeErrorsAreTyped: 401, 500 and 429 after the retries are
// *Error with their code, status and the model.
func TestTranscribeErrorsAreTyped(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   Code
	}{{401, CodeAuth}, {500, CodeUnavailable}, {429, CodeRateLimited}} {
		h := newHarness(t, llmtest.Options{Dialect: llmtest.Mistral}, Options{MaxRetries: 1})
		h.srv.ScriptTranscription(llmtest.OCRScenario{Status: tc.status, Times: 2})
		_, err := h.c.Transcribe(context.Background(), "a.ogg", []byte("OggS"), "")
		var e *Error
		if !errors.As(err, &e) || e.Code != tc.code || e.Status != tc.status || e.Model != TranscribeModel {
			t.Errorf("%d: err %v", tc.status, err)
		}
	}
}

// TestTranscribeOnlyOnMistral: other providers have no transcription
// API; nothing is sent.
func TestTranscribeOnlyOnMistral(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.OpenRouter}, Options{})
	if h.c.TranscribeAvailable() {
		t.Fatal("transcription available on OpenRouter")
	}
	if _, err := h.c.Transcribe(context.Background(), "a.ogg", []byte("OggS"), ""); ErrorCode(err) != CodeInvalid {
		t.Fatalf("err %v", err)
	}
	if n := len(h.srv.Requests()); n != 0 {
		t.Fatalf("%d requests", n)
	}
}

// TestTranscriptionFakeIsStrict: the fake answers 422 to a form without
// model or without the audio file, and to a JSON body, as Mistral does.
func TestTranscriptionFakeIsStrict(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.Mistral}, Options{})
	form := func(fields map[string]string, file []byte) ([]byte, string) {
		var b bytes.Buffer
		w := multipart.NewWriter(&b)
		for k, v := range fields {
			_ = w.WriteField(k, v)
		}
		if file != nil {
			fw, _ := w.CreateFormFile("file", "a.ogg")
			_, _ = fw.Write(file)
		}
		_ = w.Close()
		return b.Bytes(), w.FormDataContentType()
	}
	noModel, ct1 := form(nil, []byte("OggS"))
	noFile, ct2 := form(map[string]string{"model": TranscribeModel}, nil)
	extra, ct3 := form(map[string]string{"model": TranscribeModel, "prompt": "x"}, []byte("OggS"))
	for name, tc := range map[string]struct {
		body  []byte
		ctype string
	}{"no model": {noModel, ct1}, "no file": {noFile, ct2}, "extra field": {extra, ct3},
		"json": {[]byte(`{"model":"voxtral-mini-latest"}`), "application/json"}} {
		_, _, e := h.c.docOnce(context.Background(), docCall{path: "/audio/transcriptions", contentType: tc.ctype, body: tc.body,
			model: TranscribeModel, what: "transcription", max: maxTranscriptionBody})
		if e == nil || e.Status != 422 {
			t.Errorf("%s: err %v, want a 422", name, e)
		}
	}
}

// TestTranscribeNullSeconds: Mistral's UsageInfo has prompt_audio_seconds
// nullable; a null reads as 0 seconds and no cost, the text kept.
func TestTranscribeNullSeconds(t *testing.T) {
	h := newHarness(t, llmtest.Options{Dialect: llmtest.Mistral, APIKey: "k",
		Transcript: "Short note.", TranscriptSeconds: -1}, Options{APIKey: "k"})
	res, err := h.c.Transcribe(context.Background(), "note.ogg", []byte("OggS\x00\x02x"), "")
	if err != nil {
		t.Fatal(err)
	}
	if res.Text != "Short note." || res.Seconds != 0 || res.CostUSD != 0 {
		t.Fatalf("result %+v", res)
	}
}
