package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"mistralbot/bots"
	"mistralbot/bots/discord"
	"mistralbot/bots/engine"
	"mistralbot/bots/metrics"
	"mistralbot/bots/slack"
	"mistralbot/bots/store"
	"mistralbot/config"
	"mistralbot/llm"
)

// App is the running bot: store, LLM client, Engine, adapters and the HTTP
// server, wired from a Config. End-to-end tests start it on ":0" with a
// temporary store (see app_test.go).
type App struct {
	cfg     *config.Config
	log     *slog.Logger
	llm     *llm.Client
	store   bots.Store
	engine  *engine.Engine
	metrics *metrics.Metrics
	slack   *slack.Adapter
	discord *discord.Adapter
	ln      *connLimiter
	srv     *http.Server
	opsLn   net.Listener // nil unless server.ops_listen is set
	opsSrv  *http.Server
	probe   *storeProbe
	tools   *toolset // nil unless tools.enabled (toolwiring.go)
}

// errNothingEnabled is returned by run when no platform is enabled.
var errNothingEnabled = errors.New("nothing to run: no platform is enabled.\n" +
	"  Slack:   set MISTRALBOT_SLACK_ENABLED=true, SLACK_BOT_TOKEN=xoxb-... and SLACK_APP_TOKEN=xapp-... (socket mode)\n" +
	"           or MISTRALBOT_SLACK_MODE=http with SLACK_SIGNING_SECRET=...\n" +
	"  Discord: set MISTRALBOT_DISCORD_ENABLED=true and DISCORD_BOT_TOKEN=...\n" +
	"  and the model key: OPENROUTER_API_KEY=... (or MISTRAL_API_KEY with MISTRALBOT_LLM_PROVIDER=mistral).\n" +
	"  To try the bot in this terminal instead: mistralbot chat")

// NewApp opens the store, builds the client, the Engine and the enabled
// adapters, and listens on server.listen. Close it when Run is not called.
// m may be nil (a new registry); runBot passes the one its logger counts
// suppressed lines in.
func NewApp(ctx context.Context, cfg *config.Config, log *slog.Logger, m *metrics.Metrics) (app *App, err error) {
	if !cfg.Slack.Enabled && !cfg.Discord.Enabled {
		return nil, errNothingEnabled
	}
	if m == nil {
		m = metrics.New()
	}
	a := &App{cfg: cfg, log: log, metrics: m}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.llm, err = newLLM(cfg.LLM, log.With("component", "llm")); err != nil {
		return nil, err
	}
	if a.store, err = store.Open(ctx, storeOptions(cfg.Store, log)); err != nil {
		return nil, err
	}
	opts := engineOptions(cfg, a.llm, a.store, log.With("component", "engine"))
	opts.ContextTokens = probeContext(ctx, cfg.LLM, a.llm, opts.ContextTokens, log.With("component", "llm"))
	opts.Observer = observer{a.metrics}
	if a.tools, err = withTools(ctx, cfg, &opts, log); err != nil {
		return nil, err
	}
	if a.engine, err = engine.New(opts); err != nil {
		return nil, err
	}
	a.metrics.Gauges(a.engine.QueueDepth, a.engine.InFlight)
	a.probe = newStoreProbe(a.store, replicaID(cfg.Server.ReplicaID), a.metrics.StoreProbeFailed)
	if cfg.Slack.Enabled {
		if a.slack, err = slack.New(slackOptions(cfg, a.engine, a.metrics, log)); err != nil {
			return nil, err
		}
	}
	if cfg.Discord.Enabled {
		if a.discord, err = discord.New(discordOptions(cfg, a.engine, a.metrics, log)); err != nil {
			return nil, err
		}
	}
	if err := a.listen(); err != nil {
		return nil, err
	}
	return a, nil
}

// listen opens server.listen (and server.ops_listen when set) and builds
// their servers: the public one serves the webhooks, and the operational
// endpoints too unless they have their own address.
func (a *App) listen() error {
	ln, err := net.Listen("tcp", a.cfg.Server.Listen)
	if err != nil {
		return fmt.Errorf("server.listen %s: %w", a.cfg.Server.Listen, err)
	}
	maxConns := a.cfg.Server.MaxConnections
	if maxConns == 0 {
		maxConns = defaultMaxConnections()
	}
	a.ln = newConnLimiter(ln, maxConns, a.cfg.Server.MaxConnectionsPerIP, a.metrics.ConnShed)
	a.metrics.OpenConnections(a.ln.Open)
	public := http.NewServeMux()
	a.webhookRoutes(public)
	if a.cfg.Server.OpsListen == "" {
		a.opsRoutes(public)
	} else {
		if a.opsLn, err = net.Listen("tcp", a.cfg.Server.OpsListen); err != nil {
			return fmt.Errorf("server.ops_listen %s: %w", a.cfg.Server.OpsListen, err)
		}
		ops := http.NewServeMux()
		a.opsRoutes(ops)
		a.opsSrv = newServer(guard(ops, a.metrics))
	}
	a.srv = newServer(guard(public, a.metrics))
	a.srv.ConnState = a.ln.track
	return nil
}

// Addr is the address the HTTP server listens on.
func (a *App) Addr() string { return a.ln.Addr().String() }

// OpsAddr is the address of the operational endpoints: server.ops_listen's
// when set, else Addr.
func (a *App) OpsAddr() string {
	if a.opsLn != nil {
		return a.opsLn.Addr().String()
	}
	return a.Addr()
}

// opsRoutes serves health, readiness, metrics and the profiler.
func (a *App) opsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if problems := a.notReady(r.Context()); len(problems) > 0 {
			http.Error(w, "not ready: "+strings.Join(problems, "; "), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	mux.Handle("GET /metrics", a.metrics.Handler())
	if a.cfg.Server.Pprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
}

// webhookRoutes serves the platforms' HTTP endpoints.
func (a *App) webhookRoutes(mux *http.ServeMux) {
	if a.slack != nil {
		h := a.slack.Handler()
		mux.Handle("/slack/", h)
	}
	if a.discord != nil && a.cfg.Discord.PublicKey != "" {
		mux.Handle("/discord/interactions", a.discord.InteractionsHandler())
	}
}

// notReady lists why the bot cannot serve now (empty when ready).
func (a *App) notReady(ctx context.Context) []string {
	var problems []string
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := a.probe.check(ctx); err != nil {
		problems = append(problems, "store: "+err.Error())
	}
	if a.slack != nil && !a.slack.Ready() {
		problems = append(problems, "slack: not connected")
	}
	if a.discord != nil && !a.discord.Ready() {
		problems = append(problems, "discord: not connected")
	}
	return problems
}

// Run serves until ctx ends or an adapter fails for good, then drains:
// adapters stop taking events, the Engine finishes replies in flight within
// server.shutdown_grace, and the HTTP server closes last.
func (a *App) Run(ctx context.Context) error {
	defer a.Close()
	g, gctx := errgroup.WithContext(ctx)
	engineDone := make(chan struct{})
	g.Go(func() error {
		defer close(engineDone)
		return a.engine.Run(gctx)
	})
	if a.slack != nil {
		g.Go(func() error { return a.slack.Run(gctx) })
	}
	if a.discord != nil {
		g.Go(func() error { return a.discord.Run(gctx) })
	}
	g.Go(func() error { a.recover(gctx); return nil })
	g.Go(func() error {
		err := a.srv.Serve(a.ln)
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("http server: %w", err)
	})
	if a.opsSrv != nil {
		g.Go(func() error {
			err := a.opsSrv.Serve(a.opsLn)
			if errors.Is(err, http.ErrServerClosed) {
				return nil
			}
			return fmt.Errorf("ops http server: %w", err)
		})
	}
	g.Go(func() error {
		<-gctx.Done()
		<-engineDone
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if a.opsSrv != nil {
			_ = a.opsSrv.Shutdown(sctx)
		}
		return a.srv.Shutdown(sctx)
	})
	a.log.Info("mistralbot running", "version", version, "listen", a.Addr(), "ops_listen", a.OpsAddr(),
		"max_connections", a.ln.max, "platforms", a.cfg.Enabled(), "model", a.llm.Model(), "store", a.cfg.Store.Driver)
	err := g.Wait()
	if err != nil && ctx.Err() != nil && errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// recover waits until the adapters can post (at most a minute), then lets
// the Engine finish the replies a crashed process left in the journal,
// then runs the digest scheduler until ctx ends (a digest missed while
// the process was down is posted now, once). A failure is logged: the
// bot serves new questions either way.
func (a *App) recover(ctx context.Context) {
	convs := map[bots.Platform]bots.Conversations{}
	ready := func() bool { return true }
	if a.slack != nil {
		convs[bots.Slack] = a.slack
		ready = func() bool { return a.slack.Ready() }
	}
	if a.discord != nil {
		convs[bots.Discord] = a.discord
		prev := ready
		ready = func() bool { return prev() && a.discord.Ready() }
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(time.Minute)
	for !ready() && time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
	start := time.Now()
	n, err := a.engine.Recover(ctx, convs)
	switch {
	case err != nil:
		a.log.Warn("recovering journaled replies failed", "err", err)
	case n > 0:
		a.log.Info("recovering journaled replies", "count", n, "took", time.Since(start).String())
	}
	_ = a.engine.RunDigests(ctx, convs) // returns when ctx ends
}

// Close releases the store and the listener; safe to call more than once.
func (a *App) Close() {
	if a.ln != nil {
		a.ln.Close()
	}
	if a.opsLn != nil {
		a.opsLn.Close()
	}
	if a.tools != nil {
		if err := a.tools.Close(); err != nil {
			a.log.Warn("closing the tools", "err", err)
		}
		a.tools = nil
	}
	if a.store != nil {
		if err := a.store.Close(); err != nil {
			a.log.Warn("closing the store", "err", err)
		}
		a.store = nil
	}
}

// runBot is the run command.
func runBot(ctx context.Context, cfg *config.Config, retired []string, e env) error {
	m := metrics.New()
	log := newLogger(cfg.Log, e.stderr, logOptions{suppressed: m.LogSuppressed, redact: config.NewRedactor(cfg.Secrets()...)})
	for _, w := range retired {
		log.Error("retired model in the configuration: "+w, "key", "llm.model")
	}
	applyContainerMemoryLimit(log)
	defer startGCPolicy(ctx, e.lookup, log)()
	defer startProcsControl(ctx, e, log)()
	app, err := NewApp(ctx, cfg, log, m)
	if err != nil {
		return err
	}
	return app.Run(ctx)
}
