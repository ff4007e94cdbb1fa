package llm

// The price of OpenRouter's web search plugin, for the cost computed
// locally. OpenRouter: "Pricing: $4 per 1,000 web results", "Default
// Behavior: Fetches up to 5 web results per request"
// (https://openrouter.ai/announcements/introducing-web-search-via-the-api;
// https://openrouter.ai/docs/features/web-search#pricing: "charges $4 per
// 1000 results. By default, max_results set to 5, this comes out to a
// maximum of $0.02 per request", as quoted in
// https://github.com/SillyTavern/SillyTavern/issues/3833). That is the
// Exa-powered search, which Mistral models get; the native search of
// OpenAI and Anthropic models is priced by them and not modelled here.
const (
	// WebResultUSD is the price of one web search result.
	WebResultUSD = 4.0 / 1000
	// DefaultWebResults is OpenRouter's max_results when none is sent.
	DefaultWebResults = 5
)

// Results is the most results the search fetches: MaxResults, else
// OpenRouter's default.
func (ws *WebSearch) Results() int {
	if ws == nil {
		return 0
	}
	if ws.MaxResults > 0 {
		return ws.MaxResults
	}
	return DefaultWebResults
}

// webSearchFee is what the web search of one request costs on top of its
// tokens, counted at its bound: OpenRouter charges for the results it
// fetched, which the response does not state (its url_citation
// annotations are what the model cited, possibly fewer), and a budget
// must not count less than was spent. Each round of a tool loop is a
// request and searches again.
func webSearchFee(ws *WebSearch) float64 {
	return float64(ws.Results()) * WebResultUSD
}
