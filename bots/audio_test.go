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

// TestScansKeptOnlyForOCR: a scanned PDF's bytes stay with its
// attachment only when KeepScans asks (OCR on); file caches otherwise
// hold no document bytes.
func TestScansKeptOnlyForOCR(t *testing.T) {
	scan := []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n" +
		"2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n" +
		"3 0 obj\n<< /Type /Page /Parent 2 0 R /Resources << /XObject << /Im 4 0 R >> >> /Contents 5 0 R >>\nendobj\n" +
		"4 0 obj\n<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 /Length 1 >>\nstream\n\x00\nendstream\nendobj\n" +
		"5 0 obj\n<< /Length 10 >>\nstream\nq /Im Do Q\nendstream\nendobj\n" +
		"trailer\n<< /Size 6 /Root 1 0 R >>\n%%EOF\n")
	off := ReadFile("scan.pdf", scan, FileLimits{})
	on := ReadFile("scan.pdf", scan, FileLimits{KeepScans: true})
	if off.Refused != RefusedNoText || off.Scan != nil {
		t.Errorf("without KeepScans: %v, %d bytes kept", off.Refused, len(off.Scan))
	}
	if on.Refused != RefusedNoText || string(on.Scan) != string(scan) {
		t.Errorf("with KeepScans: %v, %d bytes kept", on.Refused, len(on.Scan))
	}
}

// TestAudioKeptOnlyForTranscription: a voice note's bytes stay with its
// attachment only when KeepAudio asks (voice notes on) and they fit the
// byte cap; it is a RefusedAudio either way, with its stated length.
func TestAudioKeptOnlyForTranscription(t *testing.T) {
	data := []byte("OggS\x00\x02voice")
	off := AudioFile("v.ogg", data, 2.5, FileLimits{})
	on := AudioFile("v.ogg", data, 2.5, FileLimits{KeepAudio: true})
	big := AudioFile("v.ogg", data, 2.5, FileLimits{KeepAudio: true, ImageMaxBytes: len(data) - 1})
	if off.Refused != RefusedAudio || off.Audio != nil || off.AudioSecs != 2.5 {
		t.Errorf("without KeepAudio: %+v", off)
	}
	if on.Refused != RefusedAudio || string(on.Audio) != string(data) {
		t.Errorf("with KeepAudio: %+v", on)
	}
	if big.Audio != nil {
		t.Errorf("over the cap: %d bytes kept", len(big.Audio))
	}
}
