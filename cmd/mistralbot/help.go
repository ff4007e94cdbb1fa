package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// subcommand describes one command for its --help: what it does in a line,
// its arguments, the flags it reads (besides --config) and an example.
type subcommand struct {
	name    string
	args    string
	summary string
	flags   []string
	example string
}

// subcommands lists every command, in the order usageText shows them.
var subcommands = []subcommand{
	{name: "run", summary: "serve the enabled platforms (Slack, Discord); the default command",
		example: "MISTRALBOT_SLACK_ENABLED=true SLACK_BOT_TOKEN=xoxb-... SLACK_APP_TOKEN=xapp-... OPENROUTER_API_KEY=sk-or-... mistralbot run"},
	{name: "chat", summary: "talk to the bot in this terminal (stdin may be piped: one question a line)",
		example: "printf 'How do I reverse a slice in Go?\\n' | OPENROUTER_API_KEY=sk-or-... mistralbot chat"},
	{name: "check", summary: "validate the config, then try the LLM, the store and the platform tokens",
		flags:   []string{"v", "show-config"},
		example: "OPENROUTER_API_KEY=sk-or-... mistralbot check --config mistralbot.yaml"},
	{name: "health", summary: "ask the local bot's /readyz (or /healthz with --live): for container healthchecks",
		flags:   []string{"live", "timeout"},
		example: "mistralbot health --timeout 3s"},
	{name: "manifest", args: "slack", summary: "print the Slack app manifest (YAML to paste at api.slack.com/apps)",
		flags:   []string{"url"},
		example: "MISTRALBOT_SLACK_MODE=http mistralbot manifest slack --url https://bot.example.com"},
	{name: "invite", args: "discord", summary: "print the Discord OAuth2 invite URL",
		example: "DISCORD_APPLICATION_ID=123 mistralbot invite discord"},
	{name: "commands", args: "register", summary: "register the Discord application commands",
		flags:   []string{"guild"},
		example: "DISCORD_BOT_TOKEN=... DISCORD_APPLICATION_ID=... mistralbot commands register --guild 123"},
	{name: "version", summary: "print the version", example: "mistralbot version"},
	{name: "help", args: "[command]", summary: "print this help, or a command's", example: "mistralbot help check"},
}

// findSubcommand returns the description of the command name.
func findSubcommand(name string) (subcommand, bool) {
	for _, s := range subcommands {
		if s.name == name {
			return s, true
		}
	}
	return subcommand{}, false
}

// exitCodesText is the exit code contract, shown in every help.
const exitCodesText = `Exit codes:
  0  success (run: stopped cleanly; check: everything enabled is usable)
  1  an outage or a runtime failure (a store down, a token refused), or check found something unusable
  2  a bad command line or configuration (an unknown key, a bad value, nothing enabled)
`

// usageText is the help of the whole command.
func usageText() string {
	var b strings.Builder
	b.WriteString("mistralbot: Mistral Small in Slack and Discord.\n\nUsage:\n  mistralbot [--config PATH] [command] [flags]\n\nCommands:\n")
	for _, s := range subcommands {
		fmt.Fprintf(&b, "  %-20s %s\n", strings.TrimSpace(s.name+" "+s.args), s.summary)
	}
	b.WriteString(`
Run "mistralbot <command> --help" for a command's flags and an example.

Configuration (highest first): MISTRALBOT_* environment variables
(MISTRALBOT_LLM_MODEL for llm.model), the conventional OPENROUTER_API_KEY,
MISTRAL_API_KEY, OPENAI_API_KEY, SLACK_BOT_TOKEN, SLACK_APP_TOKEN,
SLACK_SIGNING_SECRET, DISCORD_BOT_TOKEN, DISCORD_APPLICATION_ID,
DISCORD_PUBLIC_KEY, then the file: --config PATH, else MISTRALBOT_CONFIG,
else ./mistralbot.yaml, else /etc/mistralbot/mistralbot.yaml (optional;
see mistralbot.example.yaml), then the defaults.

`)
	b.WriteString(exitCodesText)
	return b.String()
}

// printCommandHelp writes the help of one command: its line, its usage,
// the flags it reads (their text from fs) and an example.
func printCommandHelp(w io.Writer, s subcommand, fs *flag.FlagSet) {
	fmt.Fprintf(w, "mistralbot %s: %s.\n\nUsage:\n  mistralbot %s [--config PATH]", s.name, s.summary, strings.TrimSpace(s.name+" "+s.args))
	for _, name := range s.flags {
		if f := fs.Lookup(name); f != nil {
			fmt.Fprintf(w, " [%s]", dashed(name))
		}
	}
	fmt.Fprint(w, "\n\nFlags:\n  --config PATH\n    \tconfig file (default: MISTRALBOT_CONFIG, else ./mistralbot.yaml, else /etc/mistralbot/mistralbot.yaml)\n")
	for _, name := range s.flags {
		if f := fs.Lookup(name); f != nil {
			fmt.Fprintf(w, "  %s\n    \t%s", dashed(name), f.Usage)
			if f.DefValue != "" && f.DefValue != "false" {
				fmt.Fprintf(w, " (default %s)", f.DefValue)
			}
			fmt.Fprintln(w)
		}
	}
	fmt.Fprintf(w, "\nExample:\n  %s\n\n%s", s.example, exitCodesText)
}

// dashed writes a flag as people type it: -v, --show-config (the flag
// package takes either form for any flag).
func dashed(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}
