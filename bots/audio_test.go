package bots

import "testing"

// TestUnwanted: voice notes and audio files are told apart from other
// unsupported files, by MIME type or extension.
func TestUnwanted(t *testing.T) {
	for _, tc := range []struct {
		name, mime string
		want       FileRefusal
	}{
		{"voice-message.ogg", "audio/ogg", RefusedAudio},
		{"audio_message.m4a", "audio/mp4", RefusedAudio},
		{"clip.webm", "audio/webm", RefusedAudio},
		{"memo.MP3", "", RefusedAudio},
		{"tool.exe", "application/x-msdownload", RefusedUnsupported},
		{"movie.webm", "video/webm", RefusedUnsupported},
	} {
		if got := Unwanted(tc.name, tc.mime); got != tc.want {
			t.Errorf("Unwanted(%q, %q) = %v, want %v", tc.name, tc.mime, got, tc.want)
		}
	}
}
