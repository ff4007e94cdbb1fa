package bots

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"mistralbot/llm"
)

// API SKETCH: the signatures below are the contract adapters build on. The
// engine helper fills in the bodies and may add fields and methods, but must
// keep these signatures.

// Completer is what the Engine needs from the LLM client (*llm.Client).
type Completer interface {
	Stream(ctx context.Context, req llm.Request) (*llm.Stream, error)
}

// EngineOptions configure an Engine. cmd/mistralbot fills them from config.
type EngineOptions struct {
	LLM   Completer
	Store Store
	// Defaults are the bot.* settings every channel starts from.
	Defaults Defaults
	// Channels are the channels.<platform>:<id> entries of the config file,
	// keyed "slack:C123".
	Channels map[string]ChannelSettings
	// Admins, AllowedChannels and AllowedUsers hold prefixed ids
	// ("slack:U1"); empty allow-lists allow everything.
	Admins          []string
	AllowedChannels []string
	AllowedUsers    []string
	// RatePerUser is requests per minute per user; 0 = none.
	RatePerUser int
	// DailyTokensPerChannel caps tokens per channel per UTC day; 0 = none.
	DailyTokensPerChannel int64
	// DailyUSDCap caps the whole bot's spend per UTC day; 0 = none.
	DailyUSDCap float64
	// ContextTokens is the model's context window; MaxTokens the reply
	// budget. History is trimmed to ContextTokens-MaxTokens.
	ContextTokens int
	MaxTokens     int
	Temperature   float64
	// MaxConcurrency bounds replies generated at once; QueueSize bounds the
	// replies waiting (0 = 8*MaxConcurrency).
	MaxConcurrency int
	QueueSize      int
	// TranslateReactions enables flag-emoji translations.
	TranslateReactions bool
	// Now is the clock (tests inject one); nil means time.Now.
	Now    func() time.Time
	Logger *slog.Logger
}

// Defaults are the bot-wide settings (bot.* in config).
type Defaults struct {
	SystemPrompt    string
	Language        string
	Model           string
	FollowThreads   bool
	HistoryMessages int
}

// Engine turns messages and commands into streamed answers.
type Engine struct {
	opts EngineOptions
}

// NewEngine checks opts and returns an Engine; call Run to start its workers.
func NewEngine(opts EngineOptions) (*Engine, error) {
	return &Engine{opts: opts}, nil
}

// Run runs the worker pool until ctx ends, then drains.
func (e *Engine) Run(ctx context.Context) error { <-ctx.Done(); return nil }

// HandleMessage decides whether msg gets an answer (mention, DM, follow-up
// in a thread the bot joined), deduplicates it, checks allow-lists and
// limits, and queues the answer. It returns quickly; the answer is written
// through conv. It returns an error only when the message could not be
// queued and the asker could not be told.
func (e *Engine) HandleMessage(ctx context.Context, conv Conversations, msg Message) error {
	return errors.New("engine: not implemented")
}

// Command is a slash command, message shortcut or reaction, normalized.
type Command struct {
	// Name is the canonical name: ask, code, explain, review, translate,
	// lang, prompt, usage, help.
	Name string
	// Text is the free-text argument (the question, the code, the text to
	// translate, the language code for /lang, the prompt for /prompt).
	Text string
	// Options are named options: "language" (programming language for
	// /code), "target" (target language for /translate).
	Options map[string]string
	// Msg says who asked and where; Msg.Key is where a streamed answer goes
	// unless the adapter opens another Reply.
	Msg Message
}

// Response is the immediate outcome of a command.
type Response struct {
	// Text is a short Markdown answer shown only to the asker (help, usage,
	// lang, prompt, refusals). Empty when Ask is set.
	Text string
	// Ask is non-nil when the command needs the model: the adapter opens the
	// place the answer goes (a thread, an interaction response) and passes
	// it to Engine.Answer.
	Ask *Ask
}

// Ask is a prepared model request produced by a command.
type Ask struct {
	// Title is a one-line summary of the question, for thread names and the
	// message the adapter posts to start a thread.
	Title string
	cmd   Command
}

// Command runs a command. It never blocks on the model.
func (e *Engine) Command(ctx context.Context, conv Conversations, cmd Command) Response {
	return Response{Text: "not implemented"}
}

// Answer queues the model answer for ask into reply. It returns an error
// when the queue is full (the reply has then been finished with a localized
// "busy" notice).
func (e *Engine) Answer(ctx context.Context, ask *Ask, reply Reply) error {
	return errors.New("engine: not implemented")
}
