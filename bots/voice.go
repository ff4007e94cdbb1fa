package bots

import "context"

// Transcriber turns a voice note or audio file (RefusedAudio with
// Attachment.Audio set) into text. It is the Engine's optional port
// (engine.Options.Transcriber; nil: voice notes get the not-read notice),
// implemented over Mistral's transcription API by bots/engine/llmcompleter.
// Errors are *ModelError.
type Transcriber interface {
	Transcribe(ctx context.Context, name string, audio []byte) (Transcript, error)
}

// Transcript is what one transcription gave.
type Transcript struct {
	Text string
	// Seconds is the audio billed.
	Seconds float64
	// CostUSD is its price, added to the asker's usage.
	CostUSD float64
}

// VoicePrefix starts a transcribed voice note in the asker's turn, so the
// model (and the history) knows the words were spoken, not typed.
const VoicePrefix = "(voice note, transcribed) "

// AudioFile is the attachment of a voice note or audio file: refused
// (RefusedAudio, the notice), with its bytes kept for transcription when
// lim.KeepAudio asks and they fit ImageMaxBytes.
func AudioFile(name string, data []byte, secs float64, lim FileLimits) Attachment {
	lim = lim.WithDefaults()
	a := Attachment{Name: name, Refused: RefusedAudio, AudioSecs: secs}
	if lim.KeepAudio && len(data) > 0 && len(data) <= lim.ImageMaxBytes {
		a.Audio = data
	}
	return a
}

// IsAudio reports whether a file is a voice note or audio file, by the
// platform's MIME type or its extension.
func IsAudio(name, mime string) bool { return isAudio(name, mime) }
