package llm

// wireMessage is one message as sent: content is a string for a text
// message, an array of parts for a message with images; tool_calls on an
// assistant message of a tool round, tool_call_id (and, for Mistral,
// name) on a tool result (toolwire.go).
type wireMessage struct {
	Role       Role           `json:"role"`
	Content    any            `json:"content"`
	ToolCalls  []wireToolCall `json:"tool_calls,omitempty"`
	ToolCallID string         `json:"tool_call_id,omitempty"`
	Name       string         `json:"name,omitempty"`
}

// textPart and the image parts are the content-array entries.
type textPart struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

// urlImagePart is the OpenAI shape OpenRouter documents: image_url is an
// object {"url": ...} holding a URL or a base64 data: URL
// (https://openrouter.ai/docs/features/multimodal/images, "Using Base64
// Encoded Images": `{"type":"image_url","image_url":{"url":dataURL}}`).
// vLLM, llama.cpp and Ollama's /v1 take the same OpenAI shape.
type urlImagePart struct {
	Type     string   `json:"type"`
	ImageURL imageURL `json:"image_url"`
}

type imageURL struct {
	URL string `json:"url"`
}

// stringImagePart is Mistral's documented shape: image_url is the data:
// URL string itself (https://docs.mistral.ai/capabilities/vision/, the
// base64 example: `{"type":"image_url","image_url":
// f"data:image/jpeg;base64,{base64_image}"}`). Mistral's SDK schema also
// admits the object form (ImageURLChunk imageUrl: string | {url}), but the
// string is what its docs send, so it is what we send.
type stringImagePart struct {
	Type     string `json:"type"`
	ImageURL string `json:"image_url"`
}

// wireMessages renders msgs for dialect d. A message without images keeps
// a plain string content (every server takes it, and text-only models
// behind OpenRouter reject arrays less often than images, but some local
// servers reject arrays outright). The text comes first, then the images:
// OpenRouter recommends "sending the text prompt first, then the images".
func wireMessages(d Dialect, msgs []Message) []wireMessage {
	out := make([]wireMessage, 0, len(msgs))
	ids := toolIDMap(msgs)
	for _, m := range msgs {
		var content any = m.Content
		if len(m.Images) > 0 {
			parts := make([]any, 0, len(m.Images)+1)
			if m.Content != "" {
				parts = append(parts, textPart{Type: "text", Text: m.Content})
			}
			for _, im := range m.Images {
				if d == Mistral {
					parts = append(parts, stringImagePart{Type: "image_url", ImageURL: im.URL})
				} else {
					parts = append(parts, urlImagePart{Type: "image_url", ImageURL: imageURL{URL: im.URL}})
				}
			}
			content = parts
		}
		w := wireMessage{Role: m.Role, Content: content}
		addToolFields(d, &w, m, ids)
		out = append(out, w)
	}
	return out
}
