package main

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"mistralbot/bots/discord/discordtest"
	"mistralbot/bots/slack/fakeslack"
	"mistralbot/llm/llmtest"
)

// world is the outside world of the bot: the fakes, on loopback.
type world struct {
	o       options
	llm     *llmtest.Server
	slack   *fakeslack.Server
	discord *discordtest.Server
	// faults, when not nil, stands between the bot and discord
	// (-discord-fault-rate, -discord-storm).
	faults *discordFaults
	traces *traceLog
	// llmConns records the fake LLM's accepted connections.
	llmConns *acceptLog

	delivered delivery
}

// newWorld starts the fakes the options ask for.
func newWorld(o options, convs []*conversation) (*world, error) {
	w := &world{o: o, traces: newTraceLog(len(convs))}
	byMarker := make(map[string]*conversation, len(convs))
	for _, c := range convs {
		byMarker[c.marker] = c
	}
	delay := time.Duration(float64(time.Second) / o.TokensPerSec)
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for the fake LLM: %w", err)
	}
	w.llmConns = &acceptLog{Listener: ln}
	w.llm = llmtest.New(llmtest.Options{
		Dialect:  llmtest.OpenAI,
		NoRecord: true,
		TLS:      o.LLMTLS,
		Listener: w.llmConns,
		ScenarioFor: func(lastUser string) (llmtest.Scenario, bool) {
			c := byMarker[findMarker(lastUser)]
			if c == nil {
				return llmtest.Scenario{}, false
			}
			// The first request of a share of the conversations fails
			// (a retry then succeeds): errors are exercised and every
			// reply can still complete, so lost replies mean a bug.
			_, _, _, attempts := w.traces.get(c.id)
			mu.Lock()
			fail := attempts <= 1 && rng.Float64() < o.ErrorRate
			mu.Unlock()
			if fail {
				return llmtest.Scenario{Status: http.StatusServiceUnavailable, RetryAfter: "0"}, true
			}
			return llmtest.Scenario{Tokens: c.tokens, Delay: delay, FirstDelay: o.TTFT}, true
		},
		Trace: func(tr llmtest.Trace) {
			if c := byMarker[findMarker(tr.LastUser)]; c != nil {
				w.traces.add(c.id, tr)
			}
		},
	})
	for _, p := range o.Platforms {
		switch p {
		case "slack":
			w.slack = fakeslack.New(fakeslack.Options{})
			for i := range o.Users {
				id := userID(i)
				w.slack.AddUser(fakeslack.User{ID: id, Name: "user" + strconv.Itoa(i), RealName: "User " + strconv.Itoa(i)})
			}
		case "discord":
			w.discord = newDiscord(o)
			for i := range o.Channels {
				w.discord.AddChannel(discordtest.Channel{ID: discordChannel(i), Type: discordtest.GuildText,
					GuildID: w.discord.Options().GuildID, Name: "load-" + strconv.Itoa(i)})
			}
			if o.DiscordFaults > 0 || o.DiscordStorm > 0 {
				f, err := newDiscordFaults(w.discord.URL(), o.DiscordFaults, o.DiscordStorm)
				if err != nil {
					w.close()
					return nil, err
				}
				w.faults = f
			}
		}
	}
	return w, nil
}

// close stops the fakes.
func (w *world) close() {
	w.llm.Close()
	if w.slack != nil {
		w.slack.Close()
	}
	if w.discord != nil {
		w.discord.Close()
	}
	if w.faults != nil {
		w.faults.close()
	}
}

// env is the bot's environment: every setting by environment variable,
// as a container would get it.
func (w *world) env(dir string) []string {
	env := map[string]string{
		"MISTRALBOT_LLM_PROVIDER":        "openai",
		"MISTRALBOT_LLM_BASE_URL":        w.llm.URL(),
		"MISTRALBOT_LLM_MODEL":           "mistral-small-latest",
		"MISTRALBOT_LLM_MAX_CONCURRENCY": strconv.Itoa(w.o.Conversations),
		"MISTRALBOT_LLM_MAX_TOKENS":      strconv.Itoa(max(1024, 2*w.o.ReplyTokens)),
		// The load is a few people asking many questions at once: the
		// per-user fairness limits (bot.rate_per_user,
		// bot.max_pending_per_user) would refuse most of them, so they
		// are off; the tool measures capacity, not fairness.
		"MISTRALBOT_BOT_RATE_PER_USER":        "0",
		"MISTRALBOT_BOT_MAX_PENDING_PER_USER": "0",
		"MISTRALBOT_SERVER_LISTEN":            "127.0.0.1:0",
		"MISTRALBOT_SERVER_PPROF":             strconv.FormatBool(w.o.Profile != "" || w.o.HeapProfile != "" || w.o.Trace != ""),
		"MISTRALBOT_SERVER_REPLICA_ID":        "loadtest",
		"MISTRALBOT_STORE_DRIVER":             w.o.Store,
		"MISTRALBOT_STORE_PATH":               filepath.Join(dir, "mistralbot.db"),
		"MISTRALBOT_LOG_FORMAT":               "json",
		"MISTRALBOT_LOG_LEVEL":                "info",
		"HOME":                                dir,
	}
	if cert := w.llm.Certificate(); cert != nil {
		// The bot trusts the fake LLM's certificate as it trusts the
		// system's roots: Go reads SSL_CERT_FILE on Linux.
		ca := filepath.Join(dir, "llm-ca.pem")
		if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o600); err == nil {
			env["SSL_CERT_FILE"] = ca
		}
	}
	if w.slack != nil {
		fo := w.slack.Options()
		env["MISTRALBOT_SLACK_ENABLED"] = "true"
		env["MISTRALBOT_SLACK_MODE"] = "http"
		env["SLACK_BOT_TOKEN"] = fo.BotToken
		env["SLACK_SIGNING_SECRET"] = fo.SigningSecret
		env["MISTRALBOT_SLACK_API_URL"] = w.slack.APIURL()
	}
	if w.discord != nil {
		fo := w.discord.Options()
		env["MISTRALBOT_DISCORD_ENABLED"] = "true"
		env["DISCORD_BOT_TOKEN"] = fo.Token
		env["DISCORD_APPLICATION_ID"] = fo.AppID
		env["MISTRALBOT_DISCORD_API_URL"] = w.discord.URL()
		if w.faults != nil {
			env["MISTRALBOT_DISCORD_API_URL"] = w.faults.URL()
		}
		env["MISTRALBOT_DISCORD_GATEWAY_URL"] = w.discord.GatewayURL()
		if w.o.DiscordGlobal > 0 {
			// The bot knows its limit, as a deployment does.
			env["MISTRALBOT_DISCORD_REQUESTS_PER_SECOND"] = strconv.Itoa(w.o.DiscordGlobal)
		} else {
			// No global limit at the fake: a bot whose limit Discord
			// raised far beyond this load.
			env["MISTRALBOT_DISCORD_REQUESTS_PER_SECOND"] = "100000"
		}
	}
	out := make([]string, 0, len(env)+1)
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	// PATH, and the Go runtime's own knobs for profiling a run
	// (GODEBUG=memprofilerate=1 for an exact -heapprofile, GOGC...).
	for _, k := range []string{"PATH", "GODEBUG", "GOGC", "GOMAXPROCS", "GOMEMLIMIT"} {
		if v, ok := os.LookupEnv(k); ok {
			out = append(out, k+"="+v)
		}
	}
	// -bot-env last: the bot alone gets them (GOGC=off for the bot
	// would change this tool's own GC too if set for both).
	return append(out, w.o.BotEnv...)
}

// bot is the mistralbot child process.
type bot struct {
	cmd    *exec.Cmd
	log    *os.File
	addr   string
	done   chan struct{}
	err    error
	client *http.Client
	// started is when the process was started: GODEBUG=gctrace=1's
	// "@s" times count from about then.
	started time.Time
}

// startBot runs `mistralbot --config <empty file> run` in dir and waits
// until it listens and /readyz answers 200.
func startBot(ctx context.Context, binary, dir string, env []string, logPath string) (*bot, error) {
	cfg := filepath.Join(dir, "empty.yaml")
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		return nil, err
	}
	if logPath == "" {
		logPath = filepath.Join(dir, "bot.log")
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	b := &bot{log: logf, done: make(chan struct{}), client: &http.Client{Timeout: 60 * time.Second}}
	b.cmd = exec.Command(binary, "--config", cfg, "run")
	b.cmd.Dir = dir
	b.cmd.Env = env
	b.cmd.Stdout, b.cmd.Stderr = logf, logf
	b.started = time.Now()
	if err := b.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	go func() {
		b.err = b.cmd.Wait()
		close(b.done)
	}()
	deadline := time.Now().Add(30 * time.Second)
	for b.addr == "" || !b.ready() {
		select {
		case <-b.done:
			return nil, fmt.Errorf("the bot exited before it was ready (%v); its log:\n%s", b.err, b.tail(40))
		case <-ctx.Done():
			b.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.stop()
			return nil, fmt.Errorf("the bot was not ready within 30 s; its log:\n%s", b.tail(40))
		}
		if b.addr == "" {
			b.addr = b.logField("mistralbot running", "listen")
		}
	}
	return b, nil
}

func (b *bot) pid() int { return b.cmd.Process.Pid }

func (b *bot) ready() bool {
	resp, err := b.client.Get("http://" + b.addr + "/readyz")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.StatusCode == http.StatusOK
}

// logField returns field of the first JSON log line whose msg is msg.
func (b *bot) logField(msg, field string) string {
	f, err := os.Open(b.log.Name())
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == msg {
			v, _ := line[field].(string)
			return v
		}
	}
	return ""
}

// tail returns the last n lines of the bot's log.
func (b *bot) tail(n int) string {
	data, _ := os.ReadFile(b.log.Name())
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// countLevel counts the log lines at level (WARN, ERROR).
func (b *bot) countLevel(level string) int {
	data, _ := os.ReadFile(b.log.Name())
	return strings.Count(string(data), `"level":"`+level+`"`)
}

// stop ends the bot with SIGTERM (its drain), then SIGKILL after 20 s.
func (b *bot) stop() {
	select {
	case <-b.done:
	default:
		_ = b.cmd.Process.Signal(os.Interrupt)
		select {
		case <-b.done:
		case <-time.After(20 * time.Second):
			_ = b.cmd.Process.Kill()
			<-b.done
		}
	}
	b.log.Close()
}

// buildBot builds ./cmd/mistralbot of the module the tool runs in.
func buildBot(ctx context.Context, dir string) (string, error) {
	out := filepath.Join(dir, "mistralbot")
	mod, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(mod)) == "" || strings.TrimSpace(string(mod)) == os.DevNull {
		return "", fmt.Errorf("cannot find the mistralbot module to build the bot (run from the repository, or pass -bot): %v", err)
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd/mistralbot")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(mod)))
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/mistralbot: %v\n%s", err, msg)
	}
	return out, nil
}
