// Command fakeslack serves the fake Slack workspace of package
// bots/slack/fakeslack on a port, so mistralbot's Slack adapter (socket
// mode or HTTP) has a workspace to answer without tokens, and asks it
// questions from the command line:
//
//	go run ./cmd/fakeslack serve -listen 127.0.0.1:8083 &
//	SLACK_BOT_TOKEN=xoxb-fake-bot-token SLACK_APP_TOKEN=xapp-fake-app-token \
//	    MISTRALBOT_SLACK_ENABLED=true MISTRALBOT_SLACK_API_URL=http://127.0.0.1:8083/api/ \
//	    go run ./cmd/mistralbot run &
//	go run ./cmd/fakeslack ask -server http://127.0.0.1:8083 'How do I reverse a slice in Go?'
//
// docker-compose.yml runs it as the fakeslack service (and ask as the ask
// service). It is a test fake: no authentication beyond the fixed fake
// tokens, everything in memory.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes, as mistralbot's: 0 done, 1 the question got no complete
// answer, 2 bad usage.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage is bad usage, already explained on stderr.
var errUsage = errors.New("usage")

// run runs one command line and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText)
		return exitUsage
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(ctx, args[1:], stdout, stderr)
	case "ask":
		err = ask(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usageText)
		return exitOK
	default:
		fmt.Fprintf(stderr, "fakeslack: unknown command %q\n\n%s", args[0], usageText)
		return exitUsage
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errUsage):
		return exitUsage
	}
	fmt.Fprintln(stderr, "fakeslack:", err)
	return exitFailure
}

// newFlags is a command's flag set: -h prints its help on stdout.
func newFlags(name, help string, stdout, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("fakeslack "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stdout, help)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		fs.SetOutput(stderr)
	}
	return fs
}

// parse parses args, mapping a flag error to errUsage (flag printed it).
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return errUsage
	}
	return nil
}

const usageText = `fakeslack: a fake Slack workspace for trying mistralbot without tokens.

Usage:
  fakeslack serve [-listen :8083] [-public-url URL]
  fakeslack ask [-server URL] [-channel ID] [-user ID] QUESTION

serve  runs the workspace: Web API at /api/, Socket Mode, and the control
       endpoints ask uses. Point the bot at it with
       MISTRALBOT_SLACK_API_URL=<url>/api/, SLACK_BOT_TOKEN=xoxb-fake-bot-token
       and SLACK_APP_TOKEN=xapp-fake-app-token (socket mode) or
       SLACK_SIGNING_SECRET=fake-signing-secret (HTTP mode).
ask    mentions the bot with QUESTION in a channel, prints its answer as
       it is streamed, and exits 0 once the answer is complete (1 when it
       ends in an error notice or times out).

Run "fakeslack serve -h" or "fakeslack ask -h" for the flags.
`
