package engine_test

import (
	"context"
	"strings"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/bots/i18n"
	"mistralbot/llm"
	"mistralbot/llm/llmtest"
)

// withVoice enables transcription over the harness's own client (the
// Mistral fake), notes up to maxSecs long.
func withVoice(maxSecs int) func(*engine.Options) {
	return func(o *engine.Options) {
		o.Transcriber = llmcompleter.NewTranscriber(o.LLM.(*llmcompleter.Client).LLM(), 0)
		o.VoiceMaxSeconds = maxSecs
	}
}

// voiceQuestion is a mention with a voice note of secs seconds, its
// bytes kept as an adapter keeps them with bot.voice_notes on.
func voiceQuestion(id string, secs float64) bots.Message {
	m := mention(id, "")
	m.Attachments = []bots.Attachment{bots.AudioFile("voice-message.ogg", []byte("OggS\x00\x02voice "+id), secs, bots.FileLimits{KeepAudio: true})}
	return m
}

func askVoice(t *testing.T, h *harness, m bots.Message, n int) (final, body string) {
	t.Helper()
	if _, err := h.eng.Dispatch(context.Background(), h.conv, m); err != nil {
		t.Fatal(err)
	}
	final = h.conv.wait(t, 1)[0].Final() // the n-th reply: wait takes the replies not yet taken
	chats := h.srv.ChatRequests()
	if len(chats) != n {
		t.Fatalf("%d chat requests, want %d (the answer is given whatever transcription did)", len(chats), n)
	}
	return final, string(chats[n-1].Body)
}

// TestVoiceNoteTranscribed: with voice notes on, the transcript reaches
// the model as the asker's words, marked as transcribed, without the
// not-read notice; its cost joins the asker's usage; a follow-up sees
// the note in the history as transcribed, with no second request.
func TestVoiceNoteTranscribed(t *testing.T) {
	h := newHarness(t, harnessOptions{
		server: llmtest.Options{Dialect: llmtest.Mistral, Transcript: "What is the capital of Peru?", TranscriptSeconds: 12},
		engine: withVoice(300),
	})
	m := voiceQuestion("1", 12)
	final, body := askVoice(t, h, m, 1)
	if !strings.Contains(body, bots.VoicePrefix+"What is the capital of Peru?") {
		t.Fatalf("request body lacks the transcript: %s", body)
	}
	if strings.Contains(final, "voice-message.ogg") {
		t.Errorf("final %q names the transcribed note", final)
	}
	stt := h.srv.TranscriptionRequests()
	if len(stt) != 1 {
		t.Fatalf("%d transcription requests, want 1", len(stt))
	}
	totals, err := h.store.Usage(context.Background(), bots.ScopeUser, bots.UserID(m.Key.Platform, m.UserID), bots.Day(h.clk.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if want := 12.0 / 60 * llm.TranscribeUSDPerMinute; totals.CostUSD < want || totals.Requests != 1 {
		t.Fatalf("usage %+v, want one request costing at least the transcription's %v", totals, want)
	}
	_, body = askVoice(t, h, mention("2", "and of Chile?"), 2)
	if !strings.Contains(body, bots.VoicePrefix+"What is the capital of Peru?") || !strings.Contains(body, "and of Chile?") {
		t.Fatalf("follow-up lacks the transcribed note in its history: %s", body)
	}
	if n := len(h.srv.TranscriptionRequests()); n != 1 {
		t.Fatalf("%d transcription requests after the follow-up, want 1", n)
	}
}

// TestVoiceNotesOffKeepTheNotice: without a transcriber the note gets
// the not-read notice and nothing is sent to the transcription API.
func TestVoiceNotesOffKeepTheNotice(t *testing.T) {
	h := newHarness(t, harnessOptions{server: llmtest.Options{Dialect: llmtest.Mistral}})
	final, _ := askVoice(t, h, voiceQuestion("1", 4), 1)
	if n := i18n.T("en", i18n.VoiceNotRead, "voice-message.ogg"); strings.Count(final, n) != 1 {
		t.Fatalf("final %q, want the notice %q once", final, n)
	}
	if len(h.srv.TranscriptionRequests()) != 0 {
		t.Fatal("transcription asked while disabled")
	}
}

// TestVoiceNoteTooLong: a note longer than VoiceMaxSeconds is not sent;
// the asker is told its length and the bound.
func TestVoiceNoteTooLong(t *testing.T) {
	h := newHarness(t, harnessOptions{server: llmtest.Options{Dialect: llmtest.Mistral}, engine: withVoice(60)})
	final, _ := askVoice(t, h, voiceQuestion("1", 61.2), 1)
	if n := i18n.T("en", i18n.VoiceTooLong, "voice-message.ogg", 62, 60); strings.Count(final, n) != 1 {
		t.Fatalf("final %q, want %q once", final, n)
	}
	if strings.Contains(final, i18n.T("en", i18n.VoiceNotRead, "voice-message.ogg")) {
		t.Errorf("final %q also says voice notes are not read", final)
	}
	if len(h.srv.TranscriptionRequests()) != 0 {
		t.Fatal("a too-long note was sent")
	}
}

// TestVoiceFailureKeepsTheAnswer: a 429, 500 or 401 of the transcription
// API gives the note's notice with the reason, and the answer is given.
func TestVoiceFailureKeepsTheAnswer(t *testing.T) {
	for _, tc := range []struct {
		status int
		code   string
		key    i18n.Key
	}{{429, "rate_limited", i18n.VoiceBusy}, {500, "unavailable", i18n.VoiceBusy}, {401, "unauthorized", i18n.VoiceRefused}} {
		h := newHarness(t, harnessOptions{
			server: llmtest.Options{Dialect: llmtest.Mistral, Default: llmtest.Scenario{Reply: "The answer."}},
			engine: withVoice(300),
		})
		h.srv.ScriptTranscription(llmtest.OCRScenario{Status: tc.status, RetryAfter: "1", Times: 5})
		final, body := askVoice(t, h, voiceQuestion("1", 3), 1)
		n := i18n.T("en", tc.key, "voice-message.ogg", tc.code)
		if !strings.Contains(final, "The answer.") || strings.Count(final, n) != 1 {
			t.Errorf("%d: final %q, want the answer and %q", tc.status, final, n)
		}
		if strings.Contains(body, bots.VoicePrefix) {
			t.Errorf("%d: a failed note reached the prompt: %s", tc.status, body)
		}
		if len(h.srv.TranscriptionRequests()) == 0 {
			t.Errorf("%d: no transcription asked", tc.status)
		}
	}
}
