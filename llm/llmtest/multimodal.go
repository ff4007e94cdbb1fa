package llmtest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	_ "image/gif"  // decoders for the data: URLs a request carries
	_ "image/jpeg" //
	_ "image/png"  //
	"net/http"
	"slices"
	"strings"
)

// Image is one image of a recorded message, decoded from its data: URL.
type Image struct {
	// MIME is the data: URL's media type ("image/jpeg").
	MIME string
	// Bytes is the size of the decoded image file.
	Bytes         int
	Width, Height int
}

// part is one entry of a content array as the server reads it; ImageURL
// stays raw because its shape is what differs between dialects.
type part struct {
	Type     string          `json:"type"`
	Text     *string         `json:"text"`
	ImageURL json.RawMessage `json:"image_url"`
}

// parseContent reads a message's content: a string, or an array of parts
// in the dialect's shape. OpenRouter (and the OpenAI servers) take
// image_url as an object {"url": ...}
// (https://openrouter.ai/docs/features/multimodal/images); Mistral's docs
// send the data: URL string itself, and its SDK schema admits the object
// too (https://docs.mistral.ai/capabilities/vision/). A malformed part is
// an error in the provider's words.
func parseContent(d Dialect, raw json.RawMessage) (text string, images []Image, err error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil, nil
	}
	if raw[0] == '"' {
		err = json.Unmarshal(raw, &text)
		return text, nil, err
	}
	var parts []part
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", nil, fmt.Errorf("content must be a string or an array of content parts")
	}
	var texts []string
	for i, p := range parts {
		switch p.Type {
		case "text":
			if p.Text == nil {
				return "", nil, fmt.Errorf("content[%d]: text part without text", i)
			}
			texts = append(texts, *p.Text)
		case "image_url":
			url, err := imageURLOf(d, p.ImageURL)
			if err != nil {
				return "", nil, fmt.Errorf("content[%d].image_url: %w", i, err)
			}
			im, err := decodeDataURL(url)
			if err != nil {
				return "", nil, fmt.Errorf("content[%d].image_url: %w", i, err)
			}
			images = append(images, im)
		default:
			return "", nil, fmt.Errorf("content[%d]: unknown content part type %q", i, p.Type)
		}
	}
	return strings.Join(texts, "\n"), images, nil
}

// imageURLOf reads image_url in the dialect's accepted shapes.
func imageURLOf(d Dialect, raw json.RawMessage) (string, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if d != Mistral {
			return "", fmt.Errorf("expected an object {\"url\": ...}, got a string")
		}
		return s, nil
	}
	var obj struct {
		URL *string `json:"url"`
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if dec.Decode(&obj) != nil || obj.URL == nil {
		if d == Mistral {
			return "", fmt.Errorf("expected a string or an object {\"url\": ...}")
		}
		return "", fmt.Errorf("expected an object {\"url\": ...}")
	}
	return *obj.URL, nil
}

// decodeDataURL checks a base64 data: URL of a PNG, JPEG, WebP or GIF
// image and reads its header. (The bot sends data: URLs only; a remote
// URL would make the fake fetch it.)
func decodeDataURL(u string) (Image, error) {
	rest, ok := strings.CutPrefix(u, "data:")
	if !ok {
		return Image{}, fmt.Errorf("not a data: URL")
	}
	mime, b64, ok := strings.Cut(rest, ";base64,")
	if !ok {
		return Image{}, fmt.Errorf("data: URL is not base64")
	}
	if !slices.Contains([]string{"image/png", "image/jpeg", "image/webp", "image/gif"}, mime) {
		return Image{}, fmt.Errorf("unsupported image type %q", mime)
	}
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return Image{}, fmt.Errorf("invalid base64: %w", err)
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return Image{}, fmt.Errorf("cannot decode image: %w", err)
	}
	if "image/"+format != mime {
		return Image{}, fmt.Errorf("data: URL says %s but the bytes are %s", mime, format)
	}
	return Image{MIME: mime, Bytes: len(data), Width: cfg.Width, Height: cfg.Height}, nil
}

// ImageTokens is the prompt tokens the fake counts for an image:
// Mistral Small's encoder (14 px patches merged 2x2, longest side resized
// to 1540 px, one break token per row; mistral-common's ImageEncoder).
// It is computed here from the decoded bytes, independently of package llm.
func ImageTokens(w, h int) int {
	const step, maxSide = 28, 1540
	if w <= 0 || h <= 0 {
		return 0
	}
	if r := float64(max(w, h)) / maxSide; r > 1 {
		w, h = max(int(float64(w)/r), 1), max(int(float64(h)/r), 1)
	}
	cols, rows := (w+step-1)/step, (h+step-1)/step
	return rows*cols + rows
}

// refuseImages answers a request with images for a text-only model as
// the provider does (true: answered): OpenRouter 404 "No endpoints found
// that support image input" (NousResearch/hermes-agent#23411); Mistral a
// 400 invalid_request_error (its wording is not in its docs: this one is
// ours); vLLM 400 "... is not a multimodal model".
func (s *Server) refuseImages(w http.ResponseWriter, model string, msgs []Message) bool {
	n := 0
	for _, m := range msgs {
		n += len(m.Images)
	}
	if n == 0 || !s.textOnly(model) {
		return false
	}
	switch s.opts.Dialect {
	case OpenRouter:
		writeJSON(w, http.StatusNotFound, `{"error":{"message":"No endpoints found that support image input","code":404},"user_id":"user_2abc"}`, "")
	case Mistral:
		writeJSON(w, http.StatusBadRequest, `{"object":"error","message":"Image input is not supported for this model","type":"invalid_request_error","param":null,"code":"3051"}`, "")
	default:
		writeJSON(w, http.StatusBadRequest, `{"object":"error","message":`+q(model+" is not a multimodal model")+`,"type":"BadRequestError","param":null,"code":400}`, "")
	}
	return true
}

// textOnly reports whether the listing marks model as text-only.
func (s *Server) textOnly(model string) bool {
	for _, m := range s.models() {
		if m.ID == model {
			return m.TextOnly
		}
	}
	return false
}
