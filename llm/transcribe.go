package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"strings"
)

// Mistral's transcription API: POST /v1/audio/transcriptions, a
// multipart form with the model, the audio as "file" (with its file
// name) and optionally its language; the answer is JSON with the text
// and the usage (prompt_audio_seconds: the audio billed).
// https://docs.mistral.ai/api/endpoint/audio/transcriptions and
// https://docs.mistral.ai/studio/audio/speech-to-text/quickstarts/transcribe-a-file
// (parameters as in the generated client,
// https://docs.rs/crate/mistral-openapi-client/latest/source/docs/AudioTranscriptionsApi.md).
// The answer's shape, confirmed in the client generated from Mistral's
// OpenAPI: TranscriptionResponse {model, text, language (nullable),
// segments (optional), usage: UsageInfo}
// (https://docs.rs/crate/mistral-openapi-client/latest/source/docs/TranscriptionResponse.md),
// and UsageInfo {prompt_tokens, completion_tokens, total_tokens,
// prompt_audio_seconds: a nullable integer}
// (https://docs.rs/crate/mistral-openapi-client/latest/source/src/models/usage_info.rs;
// rig-core's Mistral transcription reads the same field,
// https://docs.rs/crate/rig-core/0.42.0/source/src/providers/mistral/transcription.rs).
// A null or absent prompt_audio_seconds reads as 0 seconds (cost 0).

// TranscribeModel is the model of transcription requests (Voxtral Mini
// Transcribe, "voxtral-mini-latest via audio/transcriptions":
// https://docs.mistral.ai/studio/audio/deprecated/speech-to-text/offline-transcription).
const TranscribeModel = "voxtral-mini-latest"

// TranscribeUSDPerMinute is voxtral-mini-latest's price on Mistral's API:
// $0.003 per minute of audio, as reported at the Voxtral Transcribe 2
// launch (https://aissential.tech/articles/772f978b-1d37-49e6-b54f-aad84d2d41ef,
// summarizing Simon Willison's weblog) and listed at
// https://openrouter.onee.io/mistralai/voxtral-mini-transcribe/api.
// Mistral's own model page found gives $0.002 a minute for the first
// Voxtral Mini Transcribe (v25.07,
// https://docs.mistral.ai/models/voxtral-mini-transcribe-25-07); which
// model the alias names today is not stated in the pages found (Voxtral
// 2's was voxtral-mini-2602, Voxtral 3's aliases are
// voxtral-mini-transcribe-*,
// https://docs.mistral.ai/studio/audio/migrate-from-voxtral-2), and no
// Mistral page with the current alias's price was found: check
// https://mistral.ai/pricing. A usage record's cost.
const TranscribeUSDPerMinute = 0.003

// TranscriptionResult is what the transcription API heard.
type TranscriptionResult struct {
	Text string
	// Seconds is usage.prompt_audio_seconds: the audio billed (0 when
	// the answer did not say).
	Seconds float64
	// CostUSD is Seconds at TranscribeUSDPerMinute.
	CostUSD float64
}

type transcriptionResponse struct {
	Text  string `json:"text"`
	Usage struct {
		PromptAudioSeconds float64 `json:"prompt_audio_seconds"`
	} `json:"usage"`
}

// TranscribeAvailable reports whether the provider has the transcription
// API: Mistral's only.
func (c *Client) TranscribeAvailable() bool { return c.opts.Dialect == Mistral }

// Transcribe turns audio into text with Mistral's transcription API.
// name is the file name sent with the audio (its extension tells the
// format); language ("fr"), when known, helps; "" lets the model detect
// it. Failures are retried like OCR's; errors are *Error, redacted.
func (c *Client) Transcribe(ctx context.Context, name string, audio []byte, language string) (TranscriptionResult, error) {
	if !c.TranscribeAvailable() {
		return TranscriptionResult{}, &Error{Code: CodeInvalid, Model: TranscribeModel, Message: "transcription is available with the Mistral API only"}
	}
	body, ctype, err := transcriptionForm(name, audio, language)
	if err != nil {
		return TranscriptionResult{}, &Error{Code: CodeInvalid, Model: TranscribeModel, Message: "encode transcription request", Err: err}
	}
	b, status, e := c.callDoc(ctx, docCall{path: "/audio/transcriptions", contentType: ctype, body: body,
		model: TranscribeModel, what: "transcription", max: maxTranscriptionBody})
	if e != nil {
		return TranscriptionResult{}, e
	}
	var r transcriptionResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return TranscriptionResult{}, &Error{Code: CodeUnavailable, Model: TranscribeModel, Status: status, Message: "malformed transcription response", Err: err}
	}
	secs := r.Usage.PromptAudioSeconds
	return TranscriptionResult{Text: strings.TrimSpace(r.Text), Seconds: secs, CostUSD: secs / 60 * TranscribeUSDPerMinute}, nil
}

// transcriptionForm is the multipart body: model, file, language.
func transcriptionForm(name string, audio []byte, language string) ([]byte, string, error) {
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	if err := w.WriteField("model", TranscribeModel); err != nil {
		return nil, "", err
	}
	if language != "" {
		if err := w.WriteField("language", language); err != nil {
			return nil, "", err
		}
	}
	if name == "" {
		name = "audio"
	}
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		return nil, "", err
	}
	if _, err := fw.Write(audio); err != nil {
		return nil, "", err
	}
	if err := w.Close(); err != nil {
		return nil, "", err
	}
	return b.Bytes(), w.FormDataContentType(), nil
}

// maxTranscriptionBody bounds an answer: the text of a few minutes of
// speech, far under this.
const maxTranscriptionBody = 4 << 20
