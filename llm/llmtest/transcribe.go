package llmtest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
)

// The Mistral dialect's POST /v1/audio/transcriptions, in the shape of
// https://docs.mistral.ai/api/endpoint/audio/transcriptions: a
// multipart/form-data body with model (required), the audio as file (or
// file_url / file_id), and optional language, temperature, diarize,
// context_bias, timestamp_granularities, stream; the answer is
// {"model","text","language","segments","usage"} (usage with
// prompt_audio_seconds, a nullable integer in Mistral's OpenAPI UsageInfo:
// https://docs.rs/crate/mistral-openapi-client/latest/source/src/models/usage_info.rs).
// Missing model or audio, or a field the API does
// not know, gets its 422.

// ScriptTranscription queues transcription answers (Status: an error in
// the dialect's envelope); requests nothing is queued for get
// Options.Transcript.
func (s *Server) ScriptTranscription(scs ...OCRScenario) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, sc := range scs {
		for range max(sc.Times, 1) {
			s.stt = append(s.stt, sc)
		}
	}
}

// TranscriptionRequests returns the transcription requests received.
func (s *Server) TranscriptionRequests() []RecordedRequest {
	var out []RecordedRequest
	for _, r := range s.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/audio/transcriptions") {
			out = append(out, r)
		}
	}
	return out
}

func (s *Server) takeTranscription() (OCRScenario, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.stt) == 0 {
		return OCRScenario{}, false
	}
	sc := s.stt[0]
	s.stt = s.stt[1:]
	return sc, true
}

func transcriptionAccepts(field string) bool {
	switch field {
	case "model", "file", "file_url", "file_id", "language", "temperature", "stream", "diarize",
		"context_bias", "timestamp_granularities":
		return true
	}
	return false
}

// transcriptionForm is a parsed request: its fields, and the file's
// name and bytes.
type transcriptionForm struct {
	fields   map[string]string
	fileName string
	file     []byte
}

func parseTranscriptionForm(ctype string, body []byte) (transcriptionForm, error) {
	mt, params, err := mime.ParseMediaType(ctype)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return transcriptionForm{}, fmt.Errorf("content type %q is not multipart/form-data", ctype)
	}
	f := transcriptionForm{fields: map[string]string{}}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return transcriptionForm{}, err
		}
		b, err := io.ReadAll(p)
		if err != nil {
			return transcriptionForm{}, err
		}
		name := p.FormName()
		if !transcriptionAccepts(name) {
			return transcriptionForm{}, fmt.Errorf("extra field %q", name)
		}
		if name == "file" {
			f.fileName, f.file = p.FileName(), b
			continue
		}
		f.fields[name] = string(b)
	}
}

func missing(field string) string {
	return `{"object":"error","message":{"detail":[{"type":"missing","loc":["body",` + q(field) + `],"msg":"Field required","input":null}]},"type":"invalid_request_error","param":null,"code":null}`
}

func (s *Server) serveTranscription(w http.ResponseWriter, ctype string, body []byte) {
	f, err := parseTranscriptionForm(ctype, body)
	switch {
	case err != nil:
		writeJSON(w, http.StatusUnprocessableEntity, `{"object":"error","message":`+q(err.Error())+`,"type":"invalid_request_error","param":null,"code":null}`, "")
		return
	case f.fields["model"] == "":
		writeJSON(w, http.StatusUnprocessableEntity, missing("model"), "")
		return
	case len(f.file) == 0 || f.fileName == "":
		writeJSON(w, http.StatusUnprocessableEntity, missing("file"), "")
		return
	}
	if sc, ok := s.takeTranscription(); ok && sc.Status != 0 {
		s.writeError(w, sc.Status, "", "", sc.RetryAfter)
		return
	}
	text, secs := s.opts.Transcript, s.opts.TranscriptSeconds
	if text == "" {
		text = "Transcribed words."
	}
	if secs == 0 {
		secs = 5
	}
	seconds := fmt.Sprint(secs)
	if secs < 0 {
		seconds = "null"
	}
	model := f.fields["model"]
	if model == "voxtral-mini-latest" {
		model = "voxtral-mini-2602"
	}
	writeJSON(w, http.StatusOK, fmt.Sprintf(`{"model":%s,"text":%s,"language":null,"segments":[],"usage":{"prompt_audio_seconds":%s,"prompt_tokens":4,"total_tokens":%d,"completion_tokens":%d,"request_count":1}}`,
		q(model), q(text), seconds, 4+len(text)/4, len(text)/4), "")
}
