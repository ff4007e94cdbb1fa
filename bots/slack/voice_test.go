package slack

import (
	"bytes"
	"mime"
	"mime/multipart"
	"strings"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/bots/i18n"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// voiceOn is bot.voice_notes on: the adapter fetches audio, the Engine
// transcribes it over the harness's Mistral fake.
func voiceOn(maxSecs int) harnessOptions {
	return harnessOptions{
		llm: llmtest.Options{Dialect: llmtest.Mistral, Transcript: "Quelle est la capitale du Pérou ?", TranscriptSeconds: 4},
		engine: func(o *engine.Options) {
			o.Transcriber = llmcompleter.NewTranscriber(o.LLM.(*llmcompleter.Client).LLM(), 0)
			o.VoiceMaxSeconds = maxSecs
		},
		adapt: func(o *Options) { o.Files.KeepAudio = true },
	}
}

// TestAudioClipTranscribed: with voice notes on, a Slack audio clip is
// downloaded, sent to the transcription API as the form's file (its
// name and bytes), and its words reach the model as the asker's turn;
// no notice names the clip.
func TestAudioClipTranscribed(t *testing.T) {
	h := newHarness(t, voiceOn(300))
	h.llm.Script(llmtest.Scenario{Reply: "Lima."})
	audio := []byte("\x00\x00\x00\x18ftypM4A voice")
	clip := &fakeslack.File{Name: "audio_message.m4a", Mimetype: "audio/mp4", Filetype: "m4a", Content: audio, DurationMs: 4000}
	m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT>", clip)
	h.waitFor("a reply", func() bool {
		r := h.replies("C0GENERAL", m.TS)
		return len(r) == 1 && strings.Contains(r[0].Text, "Lima.") && !streaming(r)
	})
	if reply := h.replies("C0GENERAL", m.TS)[0].Text; strings.Contains(reply, "audio_message.m4a") {
		t.Errorf("reply names the transcribed clip:\n%s", reply)
	}
	stt := h.llm.TranscriptionRequests()
	if len(stt) != 1 {
		t.Fatalf("%d transcription requests, want 1", len(stt))
	}
	name, file := formFile(t, stt[0])
	if name != "audio_message.m4a" || !bytes.Equal(file, audio) {
		t.Errorf("sent file %q (%d bytes), want the clip", name, len(file))
	}
	chats := h.llm.ChatRequests()
	last := chats[len(chats)-1].Messages
	if q := last[len(last)-1].Content; !strings.Contains(q, bots.VoicePrefix+"Quelle est la capitale du Pérou ?") {
		t.Fatalf("question %q lacks the transcript", q)
	}
}

// TestAudioClipNotFetchedWhenOff: voice notes off, the clip gets the
// not-read notice and nothing is transcribed.
func TestAudioClipNotFetchedWhenOff(t *testing.T) {
	h := newHarness(t, harnessOptions{llm: llmtest.Options{Dialect: llmtest.Mistral}})
	h.llm.Script(llmtest.Scenario{Reply: "Rien entendu."})
	clip := &fakeslack.File{Name: "audio_message.m4a", Mimetype: "audio/mp4", Filetype: "m4a", Content: []byte("\x00\x00\x00\x18ftypM4A ")}
	m := h.say("C0GENERAL", "", "U0ALICE", "<@U0BOT> écoute", clip)
	h.waitFor("a reply", func() bool {
		r := h.replies("C0GENERAL", m.TS)
		return len(r) == 1 && strings.Contains(r[0].Text, "audio_message.m4a") && !streaming(r)
	})
	if want := i18n.T("fr", i18n.VoiceNotRead, "audio_message.m4a"); strings.Count(h.replies("C0GENERAL", m.TS)[0].Text, want) != 1 {
		t.Fatalf("reply lacks %q", want)
	}
	if n := len(h.llm.TranscriptionRequests()); n != 0 {
		t.Fatalf("%d transcription requests while off", n)
	}
}

// formFile is the file part of a recorded multipart request.
func formFile(t *testing.T, r llmtest.RecordedRequest) (string, []byte) {
	t.Helper()
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	form, err := multipart.NewReader(bytes.NewReader(r.Body), params["boundary"]).ReadForm(1 << 20)
	if err != nil {
		t.Fatal(err)
	}
	fh := form.File["file"]
	if len(fh) != 1 {
		t.Fatalf("form files %v", form.File)
	}
	f, err := fh[0].Open()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(f)
	return fh[0].Filename, b.Bytes()
}
