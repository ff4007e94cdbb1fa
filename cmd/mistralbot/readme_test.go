package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mistralbot/llm/llmtest"
)

// readmeCommands returns the README's shell commands: every line of its
// ```sh blocks (continuations joined, comments cut) and every inline
// `go run ...`, `mistralbot ...` and `docker ...` span.
func readmeCommands(t *testing.T) []string {
	t.Helper()
	text := repoFile(t, "README.md")
	var cmds []string
	block := regexp.MustCompile("(?s)```sh\n(.*?)\n\\s*```")
	for _, m := range block.FindAllStringSubmatch(text, -1) {
		joined := strings.ReplaceAll(m[1], "\\\n", " ")
		for _, line := range strings.Split(joined, "\n") {
			if i := strings.Index(line, " #"); i >= 0 {
				line = line[:i]
			}
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				cmds = append(cmds, line)
			}
		}
	}
	inline := regexp.MustCompile("`((?:[A-Z_]+=\\S+ )*(?:go run |mistralbot |docker )[^`]*)`")
	for _, m := range inline.FindAllStringSubmatch(block.ReplaceAllString(text, ""), -1) {
		cmds = append(cmds, strings.Join(strings.Fields(m[1]), " "))
	}
	return cmds
}

// simpleCommands cuts a command line at &&, |, ; and a trailing &, and
// splits each part into words (single quotes kept together), with the
// leading VAR=value assignments apart. <placeholders> become one word.
func simpleCommands(line string) (parts [][]string, envs []map[string]string) {
	line = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(line, "PLACEHOLDER")
	for _, part := range regexp.MustCompile(`&&|\||;|&\s*$|& `).Split(line, -1) {
		words := regexp.MustCompile(`'[^']*'|\S+`).FindAllString(part, -1)
		vars := map[string]string{}
		for len(words) > 0 && regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=`).MatchString(words[0]) {
			k, v, _ := strings.Cut(words[0], "=")
			vars[k], words = v, words[1:]
		}
		if len(words) > 0 {
			parts, envs = append(parts, words), append(envs, vars)
		}
	}
	return parts, envs
}

// external are programs the README tells people to run that are not this
// repository's.
var external = map[string]bool{"git": true, "cd": true, "printf": true, "echo": true, "ollama": true, "llama-server": true, "vllm": true}

// Every command of the README names files, subcommands and flags that
// exist.
func TestReadmeCommandsExist(t *testing.T) {
	cmds := readmeCommands(t)
	if len(cmds) < 15 {
		t.Fatalf("only %d commands found in the README: %q", len(cmds), cmds)
	}
	compose := loadCompose(t)
	llmtestSrc := repoFile(t, "llm/llmtest/cmd/llmtest/main.go")
	for _, line := range cmds {
		parts, _ := simpleCommands(line)
		for _, w := range parts {
			if err := readmeCommandExists(w, compose, llmtestSrc); err != "" {
				t.Errorf("README: %q: %s", line, err)
			}
		}
	}
}

// readmeCommandExists says what is wrong with one simple command, or "".
func readmeCommandExists(w []string, compose map[string]composeService, llmtestSrc string) string {
	exists := func(p string) bool { _, err := os.Stat(filepath.Join("..", "..", p)); return err == nil }
	switch {
	case external[w[0]]:
		return ""
	case w[0] == "mistralbot" || w[0] == "bin/mistralbot":
		return mistralbotArgsExist(w[1:])
	case w[0] == "go" && len(w) > 2 && w[1] == "run":
		if !exists(w[2]) {
			return w[2] + " does not exist"
		}
		switch w[2] {
		case "./cmd/mistralbot":
			return mistralbotArgsExist(w[3:])
		case "./llm/llmtest/cmd/llmtest":
			for _, a := range w[3:] {
				if strings.HasPrefix(a, "-") && !strings.Contains(llmtestSrc, `"`+strings.TrimLeft(a, "-")+`"`) {
					return "llmtest has no flag " + a
				}
			}
		}
		return ""
	case w[0] == "go" && len(w) > 1 && w[1] == "test":
		return ""
	case strings.HasPrefix(w[0], "./scripts/") || strings.HasPrefix(w[0], "scripts/"):
		if st, err := os.Stat(filepath.Join("..", "..", w[0])); err != nil || st.Mode()&0o111 == 0 {
			return w[0] + " is not an executable script"
		}
		return ""
	case w[0] == "cp" && len(w) == 3:
		if !exists(w[1]) {
			return w[1] + " does not exist"
		}
		return ""
	case w[0] == "docker":
		return dockerArgsExist(w[1:], compose, exists)
	}
	return "unknown program " + w[0]
}

// mistralbotArgsExist checks a mistralbot command line: a known command,
// its flags, its positional argument.
func mistralbotArgsExist(args []string) string {
	cmd, flags := "", []string{}
	var positional []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--config" || a == "-config":
			i++
		case strings.HasPrefix(a, "-"):
			flags = append(flags, strings.TrimLeft(a, "-"))
			if a == "--url" || a == "--guild" || a == "--timeout" {
				i++
			}
		case cmd == "":
			cmd = a
		default:
			positional = append(positional, a)
		}
	}
	if cmd == "PLACEHOLDER" {
		return ""
	}
	if cmd == "" {
		cmd = "run"
	}
	s, ok := findSubcommand(cmd)
	if !ok {
		return "no command " + cmd
	}
	for _, f := range flags {
		if f != "help" && f != "h" && !strings.Contains(" "+strings.Join(s.flags, " ")+" ", " "+f+" ") {
			return cmd + " has no flag --" + f
		}
	}
	if want := s.args; want != "" && !strings.HasPrefix(want, "[") && (len(positional) == 0 || positional[0] != want) {
		return cmd + " wants " + want
	}
	return ""
}

// dockerArgsExist checks docker build, run and compose lines against the
// Dockerfile, .env.example and docker-compose.yml.
func dockerArgsExist(args []string, compose map[string]composeService, exists func(string) bool) string {
	if len(args) == 0 {
		return "docker without a command"
	}
	switch args[0] {
	case "build":
		if !exists("Dockerfile") {
			return "no Dockerfile"
		}
	case "run":
		for i, a := range args {
			if a == "--env-file" && i+1 < len(args) && !exists(args[i+1]) && !exists(args[i+1]+".example") {
				return "no " + args[i+1] + " nor its .example"
			}
		}
	case "compose":
		for i := 1; i < len(args); i++ {
			switch args[i] {
			case "--profile":
				found := false
				for _, s := range compose {
					found = found || strings.Contains(" "+strings.Join(s.Profiles, " ")+" ", " "+args[i+1]+" ")
				}
				if !found {
					return "no compose profile " + args[i+1]
				}
				i++
			case "run":
				for _, a := range args[i+1:] {
					if !strings.HasPrefix(a, "-") {
						if _, ok := compose[a]; !ok {
							return "no compose service " + a
						}
						break
					}
				}
			}
		}
	default:
		return "unexpected docker command " + args[0]
	}
	return ""
}

// readmeLine returns the README command containing all of subs.
func readmeLine(t *testing.T, subs ...string) string {
	t.Helper()
	for _, c := range readmeCommands(t) {
		all := true
		for _, s := range subs {
			all = all && strings.Contains(c, s)
		}
		if all {
			return c
		}
	}
	t.Fatalf("README has no command with %q", subs)
	return ""
}

// The quick start's cheap commands run as written, against the fakes:
// the help, the no-key chat on the fake model, and check.
func TestReadmeQuickStartRuns(t *testing.T) {
	if code, out, _ := runCmd(t, nil, "", "--help"); code != exitOK || !strings.Contains(out, "Commands:") {
		t.Fatalf("mistralbot --help: code %d", code)
	}

	// printf 'hello\n' | MISTRALBOT_LLM_...=... go run ./cmd/mistralbot chat
	line := readmeLine(t, "printf 'hello", "MISTRALBOT_LLM_BASE_URL=http://127.0.0.1:8081/v1", "chat")
	parts, envs := simpleCommands(line)
	stdin := strings.ReplaceAll(strings.Trim(parts[0][1], "'"), `\n`, "\n")
	fake := llmtest.New(llmtest.Options{Dialect: llmtest.OpenAI})
	defer fake.Close()
	env := envs[1]
	if env["MISTRALBOT_LLM_PROVIDER"] != "openai" {
		t.Fatalf("the no-key chat does not use the openai dialect llmtest serves: %v", env)
	}
	env["MISTRALBOT_LLM_BASE_URL"] = fake.URL() // llmtest -listen 127.0.0.1:8081, on a free port
	code, out, errOut := runCmd(t, env, stdin, append([]string{"--config", noFile(t)}, parts[1][3:]...)...)
	if code != exitOK || !strings.Contains(out, "hello") || len(fake.Requests()) != 1 {
		t.Fatalf("no-key chat: code %d stdout %q stderr %q", code, out, errOut)
	}

	// OPENROUTER_API_KEY=... go run ./cmd/mistralbot check
	line = readmeLine(t, "OPENROUTER_API_KEY=", "go run ./cmd/mistralbot check")
	parts, envs = simpleCommands(line)
	or := llmtest.New(llmtest.Options{Dialect: llmtest.OpenRouter})
	defer or.Close()
	env = envs[0]
	env["MISTRALBOT_LLM_BASE_URL"] = or.URL()                                          // openrouter.ai
	env["MISTRALBOT_STORE_PATH"] = filepath.Join(t.TempDir(), "data", "mistralbot.db") // ./data, in a temp dir
	code, out, errOut = runCmd(t, env, "", append([]string{"--config", noFile(t)}, parts[0][3:]...)...)
	if code != exitOK || !strings.Contains(out, "everything enabled is usable") {
		t.Fatalf("check: code %d stdout %q stderr %q", code, out, errOut)
	}
}

// The checker catches what a stale README would say.
func TestReadmeCheckerCatchesStaleCommands(t *testing.T) {
	compose := loadCompose(t)
	llmtestSrc := repoFile(t, "llm/llmtest/cmd/llmtest/main.go")
	for _, line := range []string{
		"go run ./cmd/mistralbot serve",
		"go run ./cmd/mistralbot check --verbose",
		"go run ./cmd/mistralbot manifest discord",
		"go run ./cmd/nothere",
		"go run ./llm/llmtest/cmd/llmtest -speed 3",
		"./scripts/nothere.sh",
		"cp nothere.yaml mistralbot.yaml",
		"docker compose run --rm nothere",
		"docker compose --profile nothere up",
		"docker run --env-file nothere.env mistralbot",
		"make all",
	} {
		parts, _ := simpleCommands(line)
		if err := readmeCommandExists(parts[0], compose, llmtestSrc); err == "" {
			t.Errorf("%q passed", line)
		}
	}
	// And the README's own commands are found (the inline ones too).
	all := strings.Join(readmeCommands(t), "\n")
	for _, want := range []string{"./scripts/setup.sh", "go run ./cmd/mistralbot manifest slack --url https://bot.example.com", "docker compose run --rm chat", "cp .env.example .env"} {
		if !strings.Contains(all, want) {
			t.Errorf("README commands lack %q:\n%s", want, all)
		}
	}
}
