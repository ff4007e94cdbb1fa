// Command llmtest runs the fake chat-completions server of package
// llm/llmtest, so mistralbot (chat, run, docker-compose) can be tried
// without an API key:
//
//	go run ./llm/llmtest/cmd/llmtest -listen 127.0.0.1:8000 -dialect openai &
//	printf 'hello\n' | MISTRALBOT_LLM_PROVIDER=openai \
//	    MISTRALBOT_LLM_BASE_URL=http://127.0.0.1:8000/v1 go run ./cmd/mistralbot chat
//
// Every reply echoes the last user message ("Echo: hello"). A local
// server's limits: -server llamacpp -context 256 -slots 1 refuses long
// prompts like llama-server and answers one request at a time.
package main

import (
	"context"
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
	err := run(ctx, os.Args[1:], os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "llmtest:", err)
		os.Exit(2)
	}
}

// run serves until ctx ends. It prints the API base to stderr.
func run(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("llmtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "127.0.0.1:8000", "address to listen on")
	dialect := fs.String("dialect", "openai", "wire format: openrouter, mistral or openai")
	delay := fs.Duration("delay", 30*time.Millisecond, "pause before each streamed chunk")
	apiKey := fs.String("api-key", "", "require this bearer key (default: any)")
	retired := fs.String("retired", "", "comma-separated model ids to refuse as retired")
	server := fs.String("server", "vllm", "with -dialect openai, the server imitated: vllm, llamacpp or ollama")
	contextTokens := fs.Int("context", 0, "context window: longer prompts are refused (or cut from the front by -server ollama); 0: none")
	slots := fs.Int("slots", 0, "requests processed at once, the others queued before their headers; 0: unlimited")
	if err := fs.Parse(args); err != nil {
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
		Server: llmtest.ServerKind(*server), ContextTokens: *contextTokens, Slots: *slots}
	if *retired != "" {
		opts.Retired = strings.Split(*retired, ",")
	}
	srv := llmtest.New(opts)
	defer srv.Close()
	fmt.Fprintf(stderr, "llmtest: %s dialect at %s\n", d, srv.URL())
	<-ctx.Done()
	return nil
}
