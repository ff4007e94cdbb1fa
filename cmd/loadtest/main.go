// Command loadtest measures mistralbot under load, everything on loopback:
// a fake LLM (time to first token, tokens per second, reply length, error
// rate), a fake Slack in HTTP events mode that enforces the per-workspace
// tier budgets and message limits with 429 + Retry-After, and a fake
// Discord (REST with per-channel buckets and the global limit, and the
// gateway). It runs the real mistralbot binary as a child process against
// them, so the figures include everything a deployment pays, drives N
// conversations across M channels, shows progress, and prints a table
// (and, with -json, the same as JSON to compare commits):
//
//	go run ./cmd/loadtest -conversations 1000 -channels 100
//
// Every conversation is one question mentioning the bot; it is complete
// when the platform holds exactly the fake model's reply, in one message
// or in the several a long reply is split into (thread.go). With -ab OLD
// -runs N it compares two binaries on the same scenario (ab.go). See
// BENCHMARKS.md for the figures and how to read them.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// options are the load tool's flags.
type options struct {
	Bot           string        `json:"-"`
	Conversations int           `json:"conversations"`
	Channels      int           `json:"channels"`
	Platforms     []string      `json:"platforms"`
	TTFT          time.Duration `json:"ttft_ns"`
	TokensPerSec  float64       `json:"tokens_per_sec"`
	ReplyTokens   int           `json:"reply_tokens"`
	ErrorRate     float64       `json:"error_rate"`
	Ramp          time.Duration `json:"ramp_ns"`
	Timeout       time.Duration `json:"timeout_ns"`
	Store         string        `json:"store"`
	Users         int           `json:"users"`
	DiscordGlobal int           `json:"discord_global_per_sec"`
	DiscordFaults float64       `json:"discord_fault_rate"`
	DiscordStorm  time.Duration `json:"discord_storm_ns"`
	LLMTLS        bool          `json:"llm_tls"`
	JSON          string        `json:"-"`
	Profile       string        `json:"-"`
	HeapProfile   string        `json:"-"`
	Trace         string        `json:"-"`
	Timeline      string        `json:"-"`
	BotEnv        envList       `json:"bot_env,omitempty"`
	Progress      bool          `json:"-"`
	KeepLogs      string        `json:"-"`
	// AB is the A/B mode (ab.go): -ab OLD -runs N.
	AB abOptions `json:"-"`
}

// envList is a repeatable KEY=VALUE flag.
type envList []string

func (e *envList) String() string { return strings.Join(*e, " ") }

func (e *envList) Set(v string) error {
	if k, _, ok := strings.Cut(v, "="); !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", v)
	}
	*e = append(*e, v)
	return nil
}

// parseFlags reads args into options; the error is for the user.
func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.Bot, "bot", "", "mistralbot binary to run (default: build ./cmd/mistralbot into a temporary directory)")
	fs.IntVar(&o.Conversations, "conversations", 1000, "conversations to run (each one question, all in flight together)")
	fs.IntVar(&o.Channels, "channels", 100, "channels per platform the conversations are spread over")
	platforms := fs.String("platforms", "slack,discord", "platforms to load: slack, discord or both (conversations are split evenly)")
	fs.DurationVar(&o.TTFT, "ttft", 500*time.Millisecond, "fake LLM time to first token")
	fs.Float64Var(&o.TokensPerSec, "tps", 50, "fake LLM tokens per second, per reply")
	fs.IntVar(&o.ReplyTokens, "tokens", 300, "tokens per reply")
	fs.Float64Var(&o.ErrorRate, "error-rate", 0, "share of conversations whose first LLM request is answered 503 before streaming (the bot retries it)")
	fs.DurationVar(&o.Ramp, "ramp", 2*time.Second, "time over which the questions arrive (0: all at once)")
	fs.DurationVar(&o.Timeout, "timeout", 15*time.Minute, "give up on replies not complete this long after the last question")
	fs.StringVar(&o.Store, "store", "bolt", "the bot's store driver: memory or bolt (a file in a temporary directory)")
	fs.IntVar(&o.Users, "users", 50, "distinct people asking")
	fs.BoolVar(&o.LLMTLS, "llm-tls", true, "serve the fake LLM over HTTPS and HTTP/2, as OpenRouter and Mistral do (false: plain HTTP/1.1, one connection per reply)")
	fs.IntVar(&o.DiscordGlobal, "discord-global", 50, "fake Discord's global limit, requests per second (0: none)")
	fs.Float64Var(&o.DiscordFaults, "discord-fault-rate", 0, "share of Discord thread creations and message edits refused with a 429 (rate limit headers and body) or a 502 (HTML page), half each")
	fs.DurationVar(&o.DiscordStorm, "discord-storm", 0, "refuse every Discord thread creation and message edit (429 or 502) for this long from the first one on: a storm longer than the bot's retries")
	fs.StringVar(&o.JSON, "json", "", "also write the results as JSON to this file")
	fs.StringVar(&o.Profile, "cpuprofile", "", "write a CPU profile of the bot (pprof, taken over the load) to this file")
	fs.StringVar(&o.HeapProfile, "heapprofile", "", "write a heap profile of the bot, taken mid-reply at the peak of the load, to this file (its goroutines to FILE.goroutines.txt, its heap in text with runtime.MemStats to FILE.memstats.txt)")
	fs.StringVar(&o.Trace, "trace", "", "write an execution trace of the bot (runtime/trace, over the ramp and the time to first token) to this file: go tool trace FILE")
	fs.StringVar(&o.Timeline, "timeline", "", "write each conversation's added latency in arrival order to this CSV file, and the bot's and the tool's CPU and the fake LLM's new connections per 50 ms to FILE.cpu.csv")
	fs.Var(&o.BotEnv, "bot-env", "KEY=VALUE for the bot's environment only (repeatable; after the rest, so it wins): GOGC=400 for the bot without changing this tool's GC")
	fs.BoolVar(&o.Progress, "progress", true, "show a progress bar on stderr")
	fs.StringVar(&o.KeepLogs, "bot-log", "", "write the bot's log to this file (default: shown only on failure)")
	o.AB.register(fs)
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	for _, p := range strings.Split(*platforms, ",") {
		switch p = strings.TrimSpace(strings.ToLower(p)); p {
		case "slack", "discord":
			o.Platforms = append(o.Platforms, p)
		case "":
		default:
			return o, fmt.Errorf("-platforms: unknown platform %q (want slack, discord)", p)
		}
	}
	var problems []error
	if len(o.Platforms) == 0 {
		problems = append(problems, errors.New("-platforms: name at least one of slack, discord"))
	}
	if o.Conversations < 1 || o.Channels < 1 || o.Users < 1 || o.ReplyTokens < 1 {
		problems = append(problems, errors.New("-conversations, -channels, -users and -tokens must be at least 1"))
	}
	if o.TokensPerSec <= 0 {
		problems = append(problems, errors.New("-tps must be above 0"))
	}
	if o.ErrorRate < 0 || o.ErrorRate >= 1 {
		problems = append(problems, errors.New("-error-rate must be in [0, 1)"))
	}
	if o.DiscordFaults < 0 || o.DiscordFaults >= 1 || o.DiscordStorm < 0 {
		problems = append(problems, errors.New("-discord-fault-rate must be in [0, 1) and -discord-storm not negative"))
	}
	if o.Store != "memory" && o.Store != "bolt" {
		problems = append(problems, fmt.Errorf("-store %q: want memory or bolt", o.Store))
	}
	if err := o.AB.check(); err != nil {
		problems = append(problems, err)
	}
	return o, errors.Join(problems...)
}

// run is main without the exit: 0 when every reply arrived once, 1 when
// some were lost or duplicated (or the run failed), 2 for bad flags.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 2
	}
	if o.AB.active() {
		return runAB(ctx, o, stdout, stderr)
	}
	res, err := loadTest(ctx, o, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "loadtest:", err)
		return 1
	}
	writeTable(stdout, res)
	if o.JSON != "" {
		if err := writeJSON(o.JSON, res); err != nil {
			fmt.Fprintln(stderr, "loadtest:", err)
			return 1
		}
	}
	if res.Lost > 0 || res.Duplicated > 0 {
		return 1
	}
	return 0
}
