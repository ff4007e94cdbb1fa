package discord

import (
	"strings"
	"testing"

	"mistralbot/bots"
	"mistralbot/bots/discord/discordtest"
	"mistralbot/bots/engine"
	"mistralbot/bots/engine/llmcompleter"
	"mistralbot/bots/i18n"
	"mistralbot/llm/llmtest"
)

// voiceHarness has bot.voice_notes on: audio fetched by the adapter,
// transcribed over the Mistral fake, notes up to maxSecs.
func voiceHarness(t *testing.T, maxSecs int) *harness {
	return newHarness(t, harnessConfig{
		llm: llmtest.Options{Dialect: llmtest.Mistral, Transcript: "Where is the standup today?", TranscriptSeconds: 3},
		engine: func(o *engine.Options) {
			o.Transcriber = llmcompleter.NewTranscriber(o.LLM.(*llmcompleter.Client).LLM(), 0)
			o.VoiceMaxSeconds = maxSecs
		},
		adapter: func(o *Options) { o.Files.KeepAudio = true },
	})
}

// TestVoiceMessageTranscribed: a Discord voice message is downloaded and
// transcribed; its words reach the model as the asker's turn, and the
// answer names no voice note.
func TestVoiceMessageTranscribed(t *testing.T) {
	t.Parallel()
	h := voiceHarness(t, 300)
	h.llm.Script(llmtest.Scenario{Reply: "Room 4, at ten."})
	voice := h.dc.AddAttachment("voice-message.ogg", "audio/ogg", []byte("OggS\x00\x02voice"))
	voice.DurationSecs, voice.Waveform = 2.5, "AAAAAAAAAAAA"
	q := h.dc.Post(h.dc.Options().GeneralID, discordtest.Post{Author: h.alice, Content: "<@" + h.dc.Bot().ID + ">",
		Attachments: []discordtest.Attachment{voice}})
	text := joined(h.waitTextIn(q.ID, "Room 4, at ten."))
	if strings.Contains(text, "voice-message.ogg") {
		t.Errorf("answer names the transcribed note:\n%s", text)
	}
	if n := len(h.llm.TranscriptionRequests()); n != 1 {
		t.Fatalf("%d transcription requests, want 1", n)
	}
	chats := h.llm.ChatRequests()
	msgs := chats[len(chats)-1].Messages
	if c := msgs[len(msgs)-1].Content; !strings.Contains(c, bots.VoicePrefix+"Where is the standup today?") {
		t.Fatalf("question %q lacks the transcript", c)
	}
}

// TestVoiceMessageTooLong: a voice message longer than the cap (by its
// duration_secs) is not sent; the answer says how long it was.
func TestVoiceMessageTooLong(t *testing.T) {
	t.Parallel()
	h := voiceHarness(t, 60)
	h.llm.Script(llmtest.Scenario{Reply: "Too long for me."})
	voice := h.dc.AddAttachment("voice-message.ogg", "audio/ogg", []byte("OggS\x00\x02long"))
	voice.DurationSecs, voice.Waveform = 95, "AAAAAAAAAAAA"
	q := h.dc.Post(h.dc.Options().GeneralID, discordtest.Post{Author: h.alice, Content: "<@" + h.dc.Bot().ID + "> listen",
		Attachments: []discordtest.Attachment{voice}})
	text := joined(h.waitTextIn(q.ID, "voice-message.ogg"))
	if n := i18n.T("en", i18n.VoiceTooLong, "voice-message.ogg", 95, 60); strings.Count(text, n) != 1 {
		t.Fatalf("answer lacks %q once:\n%s", n, text)
	}
	if n := len(h.llm.TranscriptionRequests()); n != 0 {
		t.Fatalf("%d transcription requests for a too-long note", n)
	}
}
