package llm

import (
	"fmt"
	"strings"
)

// FallbackPlan describes, for `check`, how a request for model walks its
// fallbacks: OpenRouter gets MaxOpenRouterModels of them per request in
// its models field and walks those itself; the client sends the rest in
// further requests. It names ids as given (empty and repeated ids are
// skipped, as Stream does).
func FallbackPlan(d Dialect, model string, fallbacks []string) string {
	var ids []string
	seen := map[string]bool{}
	for _, m := range append([]string{model}, fallbacks...) {
		if m = strings.TrimSpace(m); m != "" && !seen[m] {
			seen[m] = true
			ids = append(ids, m)
		}
	}
	if len(ids) <= 1 {
		return "no fallback models: a failure of " + model + " reaches the user"
	}
	if d != OpenRouter {
		return "the bot tries " + strings.Join(ids, ", then ") + " (each after its retries)"
	}
	var groups []string
	for i := 0; i < len(ids); i += MaxOpenRouterModels {
		groups = append(groups, "["+strings.Join(ids[i:min(i+MaxOpenRouterModels, len(ids))], ", ")+"]")
	}
	if len(groups) == 1 {
		return "OpenRouter tries " + groups[0] + " within one request (its models field)"
	}
	return fmt.Sprintf("OpenRouter tries %s within one request (its models field holds at most %d); if all fail, the bot sends %s in turn",
		groups[0], MaxOpenRouterModels, strings.Join(groups[1:], ", then "))
}
