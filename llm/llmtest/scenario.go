package llmtest

import (
	"strings"
	"time"
	"unicode"
)

// Fault is a failure injected into a stream after Scenario.FailAfter
// content chunks.
type Fault int

// The faults a stream can suffer.
const (
	// NoFault streams the whole reply, the usage chunk and [DONE].
	NoFault Fault = iota
	// MidStreamError sends OpenRouter's mid-stream error chunk (a
	// top-level "error" and finish_reason "error"), then ends the body
	// without [DONE].
	MidStreamError
	// Disconnect ends the body cleanly but early: no final chunk, no
	// [DONE].
	Disconnect
	// Reset tears the connection down in the middle of the body.
	Reset
	// Malformed sends one chunk that is not valid JSON, then carries on.
	Malformed
	// Stall stops sending and holds the connection open until the client
	// gives up or the server closes.
	Stall
)

// Scenario scripts the answer to one request (or Times requests). The zero
// value streams DefaultReply of the last user message.
type Scenario struct {
	// Model restricts the scenario to requests for this model id ("":
	// any). With OpenRouter's models list, each candidate model is matched
	// in turn.
	Model string
	// Times is how many requests the scenario answers (0 means 1).
	Times int

	// Reply is the answer text, split into chunks by SplitTokens; empty
	// means DefaultReply(last user message). Tokens, when set, are the
	// exact content pieces instead.
	Reply  string
	Tokens []string
	// Reasoning is streamed before the reply as hidden reasoning: OpenRouter
	// delta.reasoning, Mistral "thinking" content chunks, generic
	// reasoning_content. With Think it is sent inside the content as
	// <think>...</think>, cut in pieces of three bytes so the tags are split
	// across chunks.
	Reasoning string
	Think     bool
	// AnswerModel is the model the chunks report (default: the model that
	// was asked for), to mimic a provider-side fallback.
	AnswerModel string
	// KeepAlive is the number of comment lines sent before the first
	// chunk (OpenRouter's ": OPENROUTER PROCESSING").
	KeepAlive int
	// Delay is the pause before each chunk (0: Options.Delay).
	// FirstDelay, when set, replaces it before the first content chunk
	// (the model's time to first token).
	Delay      time.Duration
	FirstDelay time.Duration
	// NoUsage leaves the usage out.
	NoUsage bool
	// UsageEmptyChoices sends OpenRouter's documented usage chunk with
	// "choices":[] instead of the captured one-empty-delta form.
	UsageEmptyChoices bool
	// JSON answers with a whole non-streamed chat.completion object, as a
	// server ignoring stream:true would.
	JSON bool

	// Status >= 400 answers with that HTTP status and the dialect's error
	// envelope before any stream. Message overrides the default message;
	// Body replaces the whole envelope; RetryAfter sets the Retry-After
	// header (seconds or an HTTP date).
	Status     int
	Message    string
	Body       string
	RetryAfter string
	// ErrorIn200 answers 200 with an OpenRouter error body (JSON, not SSE)
	// whose code is Status (default 429).
	ErrorIn200 bool

	// Fault is injected after FailAfter content chunks.
	Fault     Fault
	FailAfter int

	// ToolCalls are streamed after the reply text (none when Reply and
	// Tokens are empty), in the dialect's shape (toolstream.go), and the
	// answer ends with finish_reason "tool_calls". ArgPiece is the size
	// of the argument pieces of the split shapes (default 5 bytes);
	// Interleave streams the pieces of parallel calls in turns;
	// NoToolIndex leaves "index" out (Ollama before ollama/ollama#7881).
	// A scenario with Times > 1 (or the default) is a model that calls
	// tools forever.
	ToolCalls   []ToolCall
	ArgPiece    int
	Interleave  bool
	NoToolIndex bool
	// Citations are web search sources (OpenRouter only), sent as
	// url_citation annotations after the text.
	Citations []Citation
}

// DefaultReply is the reply to a request whose scenario has no Reply: the
// last user message echoed, so tests can predict it.
func DefaultReply(lastUser string) string {
	return "Echo: " + lastUser
}

// SplitTokens cuts text into the content pieces the server streams: each
// word with the white space before it, like a tokenizer's pieces. Joining
// the pieces gives text back.
func SplitTokens(text string) []string {
	var out []string
	start := 0
	inSpace := false
	for i, r := range text {
		space := unicode.IsSpace(r)
		if space && !inSpace && i > start {
			out = append(out, text[start:i])
			start = i
		}
		inSpace = space
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

// pieces cuts s into n-byte pieces, keeping UTF-8 sequences whole.
func pieces(s string, n int) []string {
	var out []string
	for len(s) > 0 {
		end := min(n, len(s))
		for end < len(s) && !isRuneStart(s[end]) {
			end++
		}
		out = append(out, s[:end])
		s = s[end:]
	}
	return out
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// replyTokens returns the content pieces of sc for a request whose last
// user message is lastUser.
func (sc Scenario) replyTokens(lastUser string) []string {
	if len(sc.Tokens) > 0 {
		return sc.Tokens
	}
	if sc.Reply == "" && len(sc.ToolCalls) > 0 {
		return nil
	}
	text := sc.Reply
	if text == "" {
		text = DefaultReply(lastUser)
	}
	toks := SplitTokens(text)
	if sc.Think && sc.Reasoning != "" {
		think := pieces("<think>"+sc.Reasoning+"</think>\n\n", 3)
		toks = append(think, toks...)
	}
	return toks
}

// times is how many requests the scenario answers.
func (sc Scenario) times() int { return max(sc.Times, 1) }

// lastUserText returns the content of the last user message.
func lastUserText(msgs []Message) string {
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Role == "user" {
			return strings.TrimSpace(msgs[i].Content)
		}
	}
	return ""
}
