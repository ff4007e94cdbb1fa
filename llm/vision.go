package llm

import (
	"context"
	"math"
	"strings"
)

// Image input: which models take images, what an image costs in prompt
// tokens, and what a provider says when it refuses images.

// ImageSupport says whether a model takes image input.
type ImageSupport int

// Image support as known from the catalogue or the live listing.
const (
	ImagesUnknown ImageSupport = iota
	ImagesYes
	ImagesNo
)

// visionRule is how a Mistral vision encoder turns an image into tokens
// (mistral-common's ImageEncoder, https://mistralai.github.io/mistral-common/usage/images/):
// an image larger than maxSize on its longer side is resized to fit,
// keeping its aspect ratio; it is cut into patch x patch squares, merged
// merge x merge into one token; each row of tokens ends with an
// [IMG_BREAK] token (the last with [IMG_END]). So an image costs
// rows*cols + rows tokens, rows = ceil(h / (patch*merge)).
type visionRule struct {
	patch, merge, maxSize int
}

// Pixtral 12B: 16 px patches, no merge, 1024 px (its params.json
// vision_encoder). Mistral Small 3.1/3.2 (and, until Mistral states
// otherwise, Small 4): 14 px patches merged 2x2, 1540 px (the params.json
// vision_encoder of Mistral-Small-3.1-24B-Instruct-2503: image_size 1540,
// patch_size 14, spatial_merge_size 2).
var (
	pixtralRule = visionRule{patch: 16, merge: 1, maxSize: 1024}
	smallRule   = visionRule{patch: 14, merge: 2, maxSize: 1540}
)

// ruleFor returns the vision rule of model (Small's for any model it does
// not know: the bot talks to Mistral models).
func ruleFor(model string) visionRule {
	if strings.Contains(catalogID(model), "pixtral-12b") {
		return pixtralRule
	}
	return smallRule
}

// ImageMaxSide returns the longest side, in pixels, model reads an image
// at: a larger image is resized by the provider anyway, so sending more
// pixels only costs bytes.
func ImageMaxSide(model string) int { return ruleFor(model).maxSize }

// ImageTokens returns the prompt tokens an image of w x h pixels costs on
// model, by the encoder rule (visionRule). OpenRouter passes Mistral models
// to Mistral's own encoder, so the rule is the model's, not the dialect's.
func ImageTokens(model string, w, h int) int {
	if w <= 0 || h <= 0 {
		return 0
	}
	r := ruleFor(model)
	if ratio := math.Max(float64(w), float64(h)) / float64(r.maxSize); ratio > 1 {
		w = max(int(float64(w)/ratio), 1)
		h = max(int(float64(h)/ratio), 1)
	}
	step := r.patch * r.merge
	cols := (w + step - 1) / step
	rows := (h + step - 1) / step
	return rows*cols + rows
}

// visionModels are the catalogue's image-capable ids (and families):
// Mistral Small 3.1 and later, Small 4, Medium 3, Pixtral, Ministral 3.
// Mistral Small 3 (2501) and earlier read text only.
var visionModels = []string{
	"mistral-small-3.1", "mistral-small-3.2", "mistral-small-2503", "mistral-small-2506",
	"mistral-small-2603", "mistral-small-latest", "pixtral", "mistral-medium", "ministral-3",
	"mistral-small3.1", "mistral-small3.2", // Ollama's names
}

// catalogImages says what the catalogue knows of model's image input.
func catalogImages(model string) ImageSupport {
	id := catalogID(model)
	for _, v := range visionModels {
		if strings.Contains(id, v) {
			return ImagesYes
		}
	}
	if strings.Contains(id, "mistral-small") || strings.Contains(id, "mistral-tiny") || strings.Contains(id, "codestral") {
		return ImagesNo
	}
	return ImagesUnknown
}

// TakesImages reports whether model takes image input: what the live
// GET /models said (Probe: OpenRouter architecture.input_modalities,
// Mistral capabilities.vision), else a refusal seen at run time, else the
// catalogue. A model nobody knows is sent no images: a text-only server
// would refuse the whole question.
func (c *Client) TakesImages(model string) bool {
	if model == "" {
		model = c.opts.Model
	}
	c.mu.Lock()
	s, ok := c.images[model]
	c.mu.Unlock()
	if ok && s != ImagesUnknown {
		return s == ImagesYes
	}
	return catalogImages(model) == ImagesYes
}

// learnImages remembers what the server said of model's image input; a
// refusal (ImagesNo) is never overwritten by a listing.
func (c *Client) learnImages(model string, s ImageSupport) {
	if model == "" || s == ImagesUnknown {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.images[model] == ImagesNo {
		return
	}
	c.images[model] = s
}

// imagesRefused recognises a provider refusing image input for a model:
// OpenRouter's 404 "No endpoints found that support image input"
// (NousResearch/hermes-agent#23411), and the "does not support image
// input" / "not a multimodal model" wording of Mistral's API and vLLM
// (hermes-agent's _IMAGE_REJECTION_PHRASES). It is not a retired model.
func imagesRefused(status int, msg string) bool {
	if status != 400 && status != 404 && status != 422 {
		return false
	}
	m := strings.ToLower(msg)
	return strings.Contains(m, "support image input") || strings.Contains(m, "not a multimodal model") ||
		strings.Contains(m, "image input is not supported") || strings.Contains(m, "does not support images")
}

// hasImages reports whether any message carries images.
func hasImages(msgs []Message) bool {
	for _, m := range msgs {
		if len(m.Images) > 0 {
			return true
		}
	}
	return false
}

// withoutImages returns msgs with every image removed.
func withoutImages(msgs []Message) []Message {
	out := make([]Message, len(msgs))
	for i, m := range msgs {
		m.Images = nil
		out[i] = m
	}
	return out
}

// imageTokens sums the encoder-rule cost of every image in msgs.
func imageTokens(model string, msgs []Message) int {
	n := 0
	for _, m := range msgs {
		for _, im := range m.Images {
			n += ImageTokens(model, im.Width, im.Height)
		}
	}
	return n
}

// streamImages opens a stream for model, without the images when the
// model is known to refuse them, and once more without them when the
// provider refuses them now (the answer is then read from the text, and
// Result.ImagesDropped tells the caller to say so).
func (c *Client) streamImages(ctx context.Context, req Request, model string, rest []string) (*Stream, *Error) {
	dropped := false
	if hasImages(req.Messages) && c.knownNoImages(model) {
		req.Messages, dropped = withoutImages(req.Messages), true
	}
	s, err := c.streamModel(ctx, req, model, rest)
	if err != nil && err.ImagesRefused && hasImages(req.Messages) {
		c.learnImages(model, ImagesNo)
		c.log.Warn("llm: the model refused image input; answering from the text", "model", model, "provider_message", err.Message)
		req.Messages, dropped = withoutImages(req.Messages), true
		s, err = c.streamModel(ctx, req, model, rest)
	}
	if err == nil {
		s.res.ImagesDropped = dropped
	}
	return s, err
}

// knownNoImages reports whether the server or the catalogue says model
// takes no images (unknown is not no: the caller chose to send them).
func (c *Client) knownNoImages(model string) bool {
	c.mu.Lock()
	s, ok := c.images[model]
	c.mu.Unlock()
	if ok && s != ImagesUnknown {
		return s == ImagesNo
	}
	return catalogImages(model) == ImagesNo
}
