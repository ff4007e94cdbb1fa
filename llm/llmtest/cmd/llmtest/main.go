// Command llmtest runs the fake chat-completions server of package
// llm/llmtest, so mistralbot (chat, run, docker-compose) can be tried
// without an API key:
//
//	go run ./llm/llmtest/cmd/llmtest -listen 127.0.0.1:8000 -dialect openai &
//	printf 'hello\n' | MISTRALBOT_LLM_PROVIDER=openai \
//	    MISTRALBOT_LLM_BASE_URL=http://127.0.0.1:8000/v1 go run ./cmd/mistralbot chat
//
// By default a reply says the question back, marked as fake ("(fake
// model) you said: hello"); -reply, -reply-file and -code script one answer
// for every question, and -tokens-per-sec sets the streaming speed. A local
// server's limits: -server llamacpp -context 256 -slots 1 refuses long
// prompts like llama-server and answers one request at a time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"mistralbot/llm/llmtest"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return // -h: the help asked for, on stdout, exit 0
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "llmtest:", err)
		os.Exit(2)
	}
}

// run serves until ctx ends. It prints the API base to stderr, and -h's
// help to stdout (returning flag.ErrHelp).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("llmtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stdout, usageText)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	listen := fs.String("listen", "127.0.0.1:8000", "address to listen on")
	dialect := fs.String("dialect", "openai", "wire format: openrouter, mistral or openai")
	delay := fs.Duration("delay", 30*time.Millisecond, "pause before each streamed chunk")
	apiKey := fs.String("api-key", "", "require this bearer key (default: any)")
	retired := fs.String("retired", "", "comma-separated model ids to refuse as retired")
	server := fs.String("server", "vllm", "with -dialect openai, the server imitated: vllm, llamacpp or ollama")
	contextTokens := fs.Int("context", 0, "context window: longer prompts are refused (or cut from the front by -server ollama); 0: none")
	slots := fs.Int("slots", 0, "requests processed at once, the others queued before their headers; 0: unlimited")
	var err error
	var ro replyOptions
	fs.StringVar(&ro.reply, "reply", "", "answer every question with this text")
	fs.StringVar(&ro.replyFile, "reply-file", "", "answer every question with this file's text (Markdown is streamed as is)")
	fs.BoolVar(&ro.code, "code", false, "answer every question with a built-in long Markdown answer with a Go code block")
	tokensPerSec := fs.Float64("tokens-per-sec", 0, "streaming speed in words a second (replaces -delay; 0: use -delay)")
	if err = fs.Parse(args); err != nil {
		return err
	}
	if *delay, err = streamDelay(*delay, *tokensPerSec); err != nil {
		return err
	}
	pick, err := scenarioFor(ro)
	if err != nil {
		return err
	}
	switch llmtest.ServerKind(*server) {
	case llmtest.VLLM, llmtest.LlamaCpp, llmtest.Ollama:
	default:
		return fmt.Errorf("unknown server %q (want vllm, llamacpp or ollama)", *server)
	}
	d := llmtest.Dialect(*dialect)
	switch d {
	case llmtest.OpenRouter, llmtest.Mistral, llmtest.OpenAI:
	default:
		return fmt.Errorf("unknown dialect %q (want openrouter, mistral or openai)", *dialect)
	}
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return err
	}
	opts := llmtest.Options{Dialect: d, Delay: *delay, APIKey: *apiKey, Listener: ln,
		Server: llmtest.ServerKind(*server), ContextTokens: *contextTokens, Slots: *slots, ScenarioFor: pick}
	if *retired != "" {
		opts.Retired = strings.Split(*retired, ",")
	}
	srv := llmtest.New(opts)
	defer srv.Close()
	fmt.Fprintf(stderr, "llmtest: %s dialect at %s\n", d, srv.URL())
	<-ctx.Done()
	return nil
}

// streamDelay is the pause before each chunk: -tokens-per-sec's when set
// (each chunk is one word, SplitTokens), else -delay.
func streamDelay(delay time.Duration, tokensPerSec float64) (time.Duration, error) {
	switch {
	case tokensPerSec < 0:
		return 0, fmt.Errorf("-tokens-per-sec %v: want 0 or more", tokensPerSec)
	case tokensPerSec > 0:
		return time.Duration(float64(time.Second) / tokensPerSec), nil
	}
	return delay, nil
}

const usageText = `llmtest: a fake chat-completions server (OpenRouter, Mistral or
OpenAI-compatible), so mistralbot runs without an API key.

Usage:
  llmtest [flags]

Example:
  llmtest -listen 127.0.0.1:8081 -code -tokens-per-sec 20

Flags:
`
