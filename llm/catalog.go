package llm

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// DefaultBaseURL returns the API base a dialect uses when none is
// configured ("" for an unknown dialect).
func DefaultBaseURL(d Dialect) string {
	switch d {
	case OpenRouter:
		return "https://openrouter.ai/api/v1"
	case Mistral:
		return "https://api.mistral.ai/v1"
	case OpenAI:
		return "http://localhost:8000/v1" // vLLM's default; llmtest's too
	}
	return ""
}

// DefaultModel returns the Mistral Small id a dialect uses when none is
// configured ("" for an unknown dialect).
func DefaultModel(d Dialect) string {
	switch d {
	case OpenRouter:
		return "mistralai/mistral-small-3.2-24b-instruct"
	case Mistral:
		return "mistral-small-latest"
	case OpenAI:
		return "mistral-small"
	}
	return ""
}

type knownModel struct {
	ctx     int
	in, out float64 // USD per million tokens
}

// knownModels are the current Mistral Small ids with their context window
// and list prices. Checked (Dec 2026) against:
//   - OpenRouter's listing of mistralai/mistral-small-2603 "Mistral Small 4",
//     endpoint Mistral: 262K context, $0.15 / $0.60 per M (as mirrored by
//     benchable.ai/models/mistralai/mistral-small-2603; contextwindows.dev
//     gives 262,144);
//   - Mistral's launch of Small 4 (2603): 256K context (llmradar.eu,
//     sectorhq.co citing Mistral's research brief of March 16, 2026);
//   - Mistral's own API list price of Small 3.x: $0.10 / $0.30
//     (mistral-small-latest as of 2025, skills.sh mistral-cost-tuning).
//
// Mistral's pricing page itself was not reachable from here. Prices
// move: config may override them; `check` compares them with the live
// GET /models pricing (PriceWarning), and the server's window wins over
// these (Probe).
func knownModels() map[string]knownModel {
	return map[string]knownModel{
		// Small 3.2 (2506) on OpenRouter: 128k context, $0.075 / $0.20
		// (third-party trackers list $0.07-0.075 in, $0.20 out).
		"mistralai/mistral-small-3.2-24b-instruct": {128000, 0.075, 0.20},
		// Small 4 (2603) on OpenRouter: 262,144 context, $0.15 / $0.60.
		"mistralai/mistral-small-2603": {262144, 0.15, 0.60},
		// Mistral's API. -latest now names Small 4: its price is Small 4's
		// (a stale $0.10 / $0.30 under-counted /usage and the USD cap), its
		// window the smaller 128k of Small 3.2 in case an account still
		// gets 2506 behind the alias; the server's max_context_length wins
		// when probed.
		"mistral-small-latest": {128000, 0.15, 0.60},
		"mistral-small-2506":   {128000, 0.10, 0.30},
		"mistral-small-2603":   {262144, 0.15, 0.60},
	}
}

// KnownModel returns the context window and USD prices per million tokens
// of a current Mistral Small id; ok is false for any other id.
func KnownModel(id string) (ctxTokens int, inPerMTok, outPerMTok float64, ok bool) {
	m, ok := knownModels()[catalogID(id)]
	return m.ctx, m.in, m.out, ok
}

// RetiredModels returns the Mistral Small ids that providers no longer
// serve, each with the id to use instead. The map is a fresh copy.
func RetiredModels() map[string]string {
	return map[string]string{
		// Small v24.09, gone from OpenRouter.
		"mistralai/mistral-small":      "mistralai/mistral-small-3.2-24b-instruct",
		"mistralai/mistral-small-2409": "mistralai/mistral-small-3.2-24b-instruct",
		"mistralai/mistral-small-2402": "mistralai/mistral-small-3.2-24b-instruct",
		// Retired dated snapshots on Mistral's API.
		"mistral-small-2409": "mistral-small-latest",
		"mistral-small-2402": "mistral-small-latest",
		"mistral-small-2312": "mistral-small-latest",
	}
}

// IsRetired reports whether id is a retired Mistral Small id.
func IsRetired(id string) bool {
	_, ok := RetiredModels()[catalogID(id)]
	return ok
}

// catalogID is the key of id in the tables: lower case, without Ollama's
// default tag (a local "mistral-small-2409:latest" is that snapshot).
func catalogID(id string) string {
	return strings.TrimSuffix(strings.ToLower(strings.TrimSpace(id)), ":latest")
}

// SuggestSmall returns the ids in models that are Mistral Small variants
// and not retired, sorted, for telling a user what to configure instead.
func SuggestSmall(models []ModelInfo) []string {
	var ids []string
	seen := map[string]bool{}
	for _, m := range models {
		if strings.Contains(strings.ToLower(m.ID), "mistral-small") && !IsRetired(m.ID) && !seen[m.ID] {
			seen[m.ID] = true
			ids = append(ids, m.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

// PriceWarning compares the prices the bot counts with (configured, or
// the catalogue's) with the provider's live list price of the model
// (OpenRouter's GET /models pricing; Mistral and local servers list
// none), and returns a sentence for `check` when they differ by more than
// 1%, "" otherwise or when the provider lists no price.
func PriceWarning(inPerMTok, outPerMTok float64, live ModelInfo) string {
	if live.PriceInputPerMTok <= 0 && live.PriceOutputPerMTok <= 0 {
		return ""
	}
	if pricesNear(inPerMTok, live.PriceInputPerMTok) && pricesNear(outPerMTok, live.PriceOutputPerMTok) {
		return ""
	}
	return fmt.Sprintf("%s costs $%g / $%g per million input / output tokens at the provider, but the bot counts $%g / $%g: "+
		"set llm.price_input_per_mtok and llm.price_output_per_mtok (or update llm/catalog.go), else /usage and bot.daily_usd_cap are off",
		live.ID, live.PriceInputPerMTok, live.PriceOutputPerMTok, inPerMTok, outPerMTok)
}

// pricesNear reports whether two prices agree within 1%.
func pricesNear(a, b float64) bool {
	return math.Abs(a-b) <= 0.01*math.Max(math.Abs(a), math.Abs(b))
}
