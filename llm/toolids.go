package llm

import "hash/fnv"

// Mistral's rule for tool call ids: exactly 9 characters of a-z, A-Z,
// 0-9. A history breaking it is refused whole with 400
// {"object":"error","message":"Tool call id was abc123 but must be a-z,
// A-Z, 0-9, with a length of 9.","type":"invalid_request_error",...}
// (langchain-ai/langchain#24668, jackmpcollins/magentic#276). The same
// refusal reaches OpenRouter users of Mistral models as 400 "Provider
// returned error" with type "invalid_function_call", code "3280"
// (openclaw/openclaw#57672), and local servers running Mistral's chat
// template raise it too (ml-explore/mlx-lm#1399). Ids from another
// provider (OpenAI's "call_...", vLLM's "chatcmpl-tool-...") end up in
// a history after a fallback or a model change, so every request, in
// every dialect, gets such ids rewritten on the wire: valid ids are left
// alone, which no provider minds (HKUDS/nanobot#1293), and the engine
// keeps the originals.

const mistralIDLen = 9

const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// MistralToolID reports whether id satisfies Mistral's rule.
func MistralToolID(id string) bool {
	if len(id) != mistralIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// toolIDMap maps every tool call id in msgs that breaks Mistral's rule to
// a valid one, the same for the call and its result. The mapping depends
// only on the ids (a hash, re-hashed on a collision with an id already
// taken), so the same history maps the same way in every round; nil when
// nothing needs mapping (the common case costs no allocation).
func toolIDMap(msgs []Message) map[string]string {
	var taken map[string]bool
	var ids map[string]string
	visit := func(id string) {
		if MistralToolID(id) || id == "" {
			return
		}
		if _, ok := ids[id]; ok {
			return
		}
		if ids == nil {
			ids, taken = map[string]string{}, validIDs(msgs)
		}
		for salt := uint64(0); ; salt++ {
			v := hashID(id, salt)
			if !taken[v] {
				taken[v] = true
				ids[id] = v
				return
			}
		}
	}
	for _, m := range msgs {
		for _, c := range m.ToolCalls {
			visit(c.ID)
		}
		visit(m.ToolCallID)
	}
	return ids
}

// validIDs returns the ids of msgs that need no mapping.
func validIDs(msgs []Message) map[string]bool {
	taken := map[string]bool{}
	for _, m := range msgs {
		for _, c := range m.ToolCalls {
			if MistralToolID(c.ID) {
				taken[c.ID] = true
			}
		}
		if MistralToolID(m.ToolCallID) {
			taken[m.ToolCallID] = true
		}
	}
	return taken
}

// hashID derives a valid id from s: FNV-1a of s and salt in base 62
// (62^9 < 2^64, so every character carries hash bits).
func hashID(s string, salt uint64) string {
	h := fnv.New64a()
	_, _ = h.Write([]byte(s))
	x := h.Sum64() ^ (salt * 0x9E3779B97F4A7C15)
	var b [mistralIDLen]byte
	for i := range b {
		b[i] = alnum[x%62]
		x /= 62
	}
	return string(b[:])
}
