package llm

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
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

// TranscribeModel is the model of transcription requests (Voxtral Mini
// Transcribe, "voxtral-mini-latest via audio/transcriptions":
// https://docs.mistral.ai/studio/audio/deprecated/speech-to-text/offline-transcription).
const TranscribeModel = "voxtral-mini-latest"

// TranscribeUSDPerMinute is voxtral-mini-latest's price on Mistral's API:
// $0.003 per minute of audio, as reported at the Voxtral Transcribe 2
// launch (https://aissential.tech/articles/772f978b-1d37-49e6-b54f-aad84d2d41ef,
// summarizing Simon Willison's weblog) and listed at
// https://openrouter.onee.io/mistralai/voxtral-mini-transcribe/api.
// Mistral's own pricing page was not found in the sources at hand:
// check https://mistral.ai/pricing. A usage record's cost.
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
	if c.opts.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.opts.Timeout)
		defer cancel()
	}
	for attempt := 0; ; attempt++ {
		res, e := c.transcribeOnce(ctx, body, ctype)
		if e == nil {
			return res, nil
		}
		e.Model, e.Message = TranscribeModel, c.redact(e.Message)
		if !retryable(e) || attempt >= c.opts.MaxRetries || ctx.Err() != nil {
			return TranscriptionResult{}, e
		}
		d, ok := c.retryDelay(attempt, e)
		if !ok {
			return TranscriptionResult{}, e
		}
		c.log.Info("llm: retrying transcription", "attempt", attempt+1, "delay", d, "error", e.Error())
		if err := c.sleep(ctx, d); err != nil {
			return TranscriptionResult{}, ctxError(ctx, TranscribeModel, false)
		}
	}
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

// transcribeOnce sends one request; the answer is one JSON document, so
// the first-byte timeout bounds the whole exchange.
func (c *Client) transcribeOnce(ctx context.Context, body []byte, ctype string) (TranscriptionResult, *Error) {
	actx, cancel := context.WithCancel(ctx)
	defer cancel()
	idle := newIdleTimer(c.opts.FirstByteTimeout, cancel)
	defer idle.stop()
	hreq, err := http.NewRequestWithContext(actx, http.MethodPost, c.base+"/audio/transcriptions", bytes.NewReader(body))
	if err != nil {
		return TranscriptionResult{}, &Error{Code: CodeInvalid, Message: "build transcription request", Err: err}
	}
	c.setHeaders(hreq)
	hreq.Header.Set("Content-Type", ctype)
	resp, err := c.http.Do(hreq)
	if err != nil {
		return TranscriptionResult{}, c.transportError(ctx, idle, TranscribeModel, err)
	}
	defer resp.Body.Close()
	idle.setLimit(c.opts.IdleTimeout)
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxTranscriptionBody))
	if err != nil {
		return TranscriptionResult{}, c.transportError(ctx, idle, TranscribeModel, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return TranscriptionResult{}, httpError(resp.StatusCode, resp.Header, b, c.now())
	}
	var r transcriptionResponse
	if err := json.Unmarshal(b, &r); err != nil {
		return TranscriptionResult{}, &Error{Code: CodeUnavailable, Status: resp.StatusCode, Message: "malformed transcription response", Err: err}
	}
	secs := r.Usage.PromptAudioSeconds
	return TranscriptionResult{Text: strings.TrimSpace(r.Text), Seconds: secs, CostUSD: secs / 60 * TranscribeUSDPerMinute}, nil
}

// maxTranscriptionBody bounds an answer: the text of a few minutes of
// speech, far under this.
const maxTranscriptionBody = 4 << 20
