package console_test

import (
	"bytes"
	"mime"
	"mime/multipart"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/bots/i18n"
	"mistralbot/llm/llmtest"
)

// TestFileAudioTranscribed: with voice notes on (Files.KeepAudio and the
// Engine's transcriber, as `chat` wires bot.voice_notes), /file with an
// audio file sends it to the transcription API (its name and bytes) and
// its words reach the model in the asker's turn; no notice names it.
func TestFileAudioTranscribed(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	audio := []byte("OggS\x00\x02\x00\x00voice note bytes")
	memo := filepath.Join(dir, "memo.ogg")
	if err := os.WriteFile(memo, audio, 0o600); err != nil {
		t.Fatal(err)
	}
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.Mistral, Transcript: "What is the capital of Peru?", TranscriptSeconds: 3})
	defer srv.Close()
	srv.Script(llmtest.Scenario{Reply: "Lima."})
	in := strings.NewReader("/file " + memo + "\nanswer my note\n")
	out, _ := sessionFiles(t, srv, in, func(o *engine.Options) {
		o.Transcriber = llmcompleter.NewTranscriber(o.LLM.(*llmcompleter.Client).LLM(), 0)
		o.VoiceMaxSeconds = 300
	}, bots.FileLimits{KeepAudio: true})
	if !strings.Contains(out, "(audio memo.ogg attached: transcribed with your next question") || !strings.Contains(out, "Lima.") {
		t.Errorf("output:\n%s", out)
	}
	if strings.Contains(out, i18n.T("en", i18n.VoiceNotRead, "memo.ogg")) {
		t.Errorf("the transcribed note got the not-read notice:\n%s", out)
	}
	stt := srv.TranscriptionRequests()
	if len(stt) != 1 {
		t.Fatalf("%d transcription requests, want 1", len(stt))
	}
	name, file := formFile(t, stt[0])
	if name != "memo.ogg" || !bytes.Equal(file, audio) {
		t.Errorf("sent file %q (%d bytes), want memo.ogg's %d bytes", name, len(file), len(audio))
	}
	chats := srv.ChatRequests()
	if len(chats) != 1 {
		t.Fatalf("%d chat requests", len(chats))
	}
	msgs := chats[0].Messages
	if q := msgs[len(msgs)-1].Content; !strings.Contains(q, bots.VoicePrefix+"What is the capital of Peru?") || !strings.Contains(q, "answer my note") {
		t.Errorf("question %q lacks the transcript", q)
	}
}

// TestFileAudioNotRead: with voice notes off, an audio file is not read
// nor sent anywhere; the answer carries the adapters' not-read notice.
func TestFileAudioNotRead(t *testing.T) {
	defer goleak.VerifyNone(t)
	dir := t.TempDir()
	memo := filepath.Join(dir, "memo.mp3")
	if err := os.WriteFile(memo, []byte("ID3\x04\x00\x00mp3 bytes"), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := llmtest.New(llmtest.Options{Dialect: llmtest.Mistral})
	defer srv.Close()
	srv.Script(llmtest.Scenario{Reply: "No audio here."})
	out, _ := sessionFiles(t, srv, strings.NewReader("/file "+memo+"\nwhat did I say?\n"), nil, bots.FileLimits{})
	if !strings.Contains(out, "(memo.mp3 will not be read; your next question says why)") ||
		!strings.Contains(out, i18n.T("en", i18n.VoiceNotRead, "memo.mp3")) {
		t.Errorf("output:\n%s", out)
	}
	if n := len(srv.TranscriptionRequests()); n != 0 {
		t.Errorf("%d transcription requests, want none", n)
	}
	if chats := srv.ChatRequests(); len(chats) != 1 || strings.Contains(string(chats[0].Body), "mp3 bytes") {
		t.Errorf("chat requests %d, or the audio bytes went to the model", len(chats))
	}
}

// formFile is the file part (name, bytes) of a transcription request.
func formFile(t *testing.T, r llmtest.RecordedRequest) (string, []byte) {
	t.Helper()
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	mr := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("no file part: %v", err)
		}
		if p.FormName() == "file" {
			var b bytes.Buffer
			if _, err := b.ReadFrom(p); err != nil {
				t.Fatal(err)
			}
			return p.FileName(), b.Bytes()
		}
	}
}
