// Command mistralbot brings Mistral Small into Slack and Discord.
//
//	mistralbot [--config PATH] run          serve Slack and/or Discord (default)
//	mistralbot [--config PATH] chat         talk to the bot in the terminal
//	mistralbot [--config PATH] check        validate config, try the LLM, store and platform tokens
//	mistralbot manifest slack [--url URL]   print the Slack app manifest
//	mistralbot invite discord               print the Discord invite URL
//	mistralbot commands register [--guild ID]  register Discord commands
//	mistralbot health [--live] [--timeout D]   container healthcheck: GET /readyz
//	mistralbot version
//
// Exit codes: 0 ok, 1 an outage or runtime failure, 2 a bad command line or
// configuration.
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

	"mistralbot/bots/store"
	"mistralbot/config"
)

// version is set at build time: -ldflags "-X main.version=v1.2.3".
var version = "dev"

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // a runtime failure or an outage (a store down), or check found something unusable
	exitConfig  = 2 // bad command line or configuration (a store path or URL that cannot work)
)

// env is how the command reads its surroundings; tests replace every part.
type env struct {
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	lookup func(string) (string, bool)
	// environ lists the environment, for unknown MISTRALBOT_* variables.
	environ func() []string
	// exec replaces the process (run's restart with sysmonSetting); nil:
	// never (tests run the commands in their own process).
	exec func(argv0 string, argv, envv []string) error
	// procs switches the process between one P and the runtime's default
	// (procs.go); nil: never (a test's process is shared by its tests).
	procs *procsControl
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, lookup: os.LookupEnv, environ: os.Environ, exec: execSelf, procs: &runtimeProcs}))
}

// usageError is a command-line mistake: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run parses the command line and runs a subcommand, returning the exit code.
// Help asked for goes to stdout (exit 0); a command-line mistake to stderr
// (exit 2).
func run(ctx context.Context, args []string, e env) int {
	cl, code, ok := parseCommandLine(args, e)
	if !ok {
		return code
	}
	// These print their own outcome and choose their exit code.
	switch cl.cmd {
	case "version":
		fmt.Fprintf(e.stdout, "mistralbot %s\n", version)
		return exitOK
	case "help":
		return runHelp(cl.rest, cl.sub, e)
	case "health":
		return runHealth(ctx, cl.configPath, cl.ho, e)
	}
	err := runSubcommand(ctx, cl, e)
	var red *config.Redactor
	if err != nil {
		// Errors quote URLs and what servers answered: hide the secrets
		// of the configuration (when it loads) and capability URLs.
		red = config.NewRedactor()
		if cfg, lerr := loadConfig(cl.configPath, e); lerr == nil {
			red = config.NewRedactor(cfg.Secrets()...)
		}
	}
	return report(err, e, red)
}

// commandLine is a parsed command line: the subcommand, its positional
// arguments and the flags any subcommand may use.
type commandLine struct {
	cmd        string
	rest       []string      // positional arguments
	sub        *flag.FlagSet // the subcommand's flags, for help
	configPath string
	url        string
	guild      string
	co         checkOptions
	ho         healthOptions
}

// parseCommandLine parses the global flags, the subcommand and its flags.
// With ok false the command line asked for help or was a mistake: it is
// already answered and code is the exit code.
func parseCommandLine(args []string, e env) (cl commandLine, code int, ok bool) {
	fs := flag.NewFlagSet("mistralbot", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	configPath := fs.String("config", "", "config file (default: MISTRALBOT_CONFIG, else ./mistralbot.yaml, else /etc/mistralbot/mistralbot.yaml)")
	fs.Usage = func() {}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(e.stdout, usageText())
			return cl, exitOK, false
		}
		fmt.Fprintf(e.stderr, "Run \"mistralbot --help\" for usage.\n")
		return cl, exitConfig, false
	}
	rest := fs.Args()
	cmd := "run"
	if len(rest) > 0 {
		cmd, rest = rest[0], rest[1:]
	}
	// "--config" is accepted after the subcommand too.
	sub := flag.NewFlagSet(cmd, flag.ContinueOnError)
	sub.SetOutput(e.stderr)
	sub.StringVar(configPath, "config", *configPath, "config file")
	url := sub.String("url", "", "public base URL for the Events API request URLs (http mode)")
	guild := sub.String("guild", "", "register in this guild only (instant; global takes up to an hour)")
	sub.BoolVar(&cl.co.showConfig, "v", false, "also print the configuration (secrets redacted)")
	sub.BoolVar(&cl.co.showConfig, "show-config", false, "also print the configuration (secrets redacted)")
	sub.BoolVar(&cl.ho.live, "live", false, "ask /healthz (the process is up) instead of /readyz (ready to serve)")
	sub.DurationVar(&cl.ho.timeout, "timeout", defaultHealthTimeout, "give up after this long")
	sc, known := findSubcommand(cmd)
	sub.Usage = func() {}
	// Flags may come before, between or after positional arguments.
	var positional []string
	for {
		if err := sub.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				if known {
					printCommandHelp(e.stdout, sc, sub)
				} else {
					fmt.Fprint(e.stdout, usageText())
				}
				return cl, exitOK, false
			}
			fmt.Fprintf(e.stderr, "Run \"mistralbot %s --help\" for usage.\n", cmd)
			return cl, exitConfig, false
		}
		if rest = sub.Args(); len(rest) == 0 {
			break
		}
		positional, rest = append(positional, rest[0]), rest[1:]
	}
	cl.cmd, cl.rest, cl.sub = cmd, positional, sub
	cl.configPath, cl.url, cl.guild = *configPath, *url, *guild
	return cl, 0, true
}

// runSubcommand runs the subcommands that fail with an error: run prints
// it redacted and maps it to the exit code in one place (report).
func runSubcommand(ctx context.Context, cl commandLine, e env) error {
	switch cl.cmd {
	case "run":
		execWithSysmonSetting(e)
		err := withConfig(cl.configPath, e, func(cfg *config.Config, retired []string) error { return runBot(ctx, cfg, retired, e) })
		if errors.Is(err, config.ErrInvalid) {
			// Nothing enabled explains more than a missing key does.
			if cfg, lerr := loadConfig(cl.configPath, e); lerr == nil && len(cfg.Enabled()) == 0 {
				err = errNothingEnabled
			}
		}
		return err
	case "chat":
		return withConfig(cl.configPath, e, func(cfg *config.Config, retired []string) error {
			for _, w := range retired {
				fmt.Fprintln(e.stderr, "mistralbot: warning:", w)
			}
			return runChat(ctx, cfg, e)
		})
	case "check":
		return withConfig(cl.configPath, e, func(cfg *config.Config, retired []string) error { return runCheck(ctx, cfg, retired, cl.co, e) })
	case "manifest":
		return runManifest(cl.configPath, cl.rest, cl.url, e)
	case "invite":
		return runInvite(cl.configPath, cl.rest, e)
	case "commands":
		return runCommands(ctx, cl.configPath, cl.rest, cl.guild, e)
	}
	return usageError{fmt.Sprintf("unknown command %q\n\n%s", cl.cmd, usageText())}
}

// report prints err for a person, redacted, and maps it to an exit code.
func report(err error, e env, red *config.Redactor) int {
	if err == nil {
		return exitOK
	}
	fmt.Fprintf(e.stderr, "mistralbot: %s\n", red.Redact(err.Error()))
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, config.ErrInvalid) || errors.Is(err, errNothingEnabled) || errors.Is(err, store.ErrConfig) {
		return exitConfig
	}
	return exitFailure
}

// loadConfig loads the configuration, without validating it.
func loadConfig(path string, e env) (*config.Config, error) {
	return config.Load(config.LoadOptions{Path: path, Env: e.lookup, Environ: e.environ})
}

// withConfig loads and validates the configuration, replaces retired model
// ids by the current Mistral Small, then calls f with the warnings about
// them (a retired id is a clear error and a fallback, not a refusal to run).
func withConfig(path string, e env, f func(cfg *config.Config, retired []string) error) error {
	cfg, err := loadConfig(path, e)
	if err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	retired := cfg.ReplaceRetired()
	return f(cfg, retired)
}

// runHelp prints the help of the command named in args, or of them all.
func runHelp(args []string, fs *flag.FlagSet, e env) int {
	if len(args) == 0 {
		fmt.Fprint(e.stdout, usageText())
		return exitOK
	}
	s, ok := findSubcommand(args[0])
	if !ok {
		fmt.Fprintf(e.stderr, "mistralbot: unknown command %q\n\n%s", args[0], usageText())
		return exitConfig
	}
	printCommandHelp(e.stdout, s, fs)
	return exitOK
}
