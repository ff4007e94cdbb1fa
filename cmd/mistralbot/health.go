package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// defaultHealthTimeout bounds one health probe: well under Docker's
// default HEALTHCHECK --timeout of 30 s, so a hung bot reads as unhealthy
// from this command's own message rather than from Docker killing it.
const defaultHealthTimeout = 3 * time.Second

// healthOptions are health's flags.
type healthOptions struct {
	live    bool // /healthz instead of /readyz
	timeout time.Duration
}

// runHealth asks the bot running on this host (server.ops_listen, else
// server.listen) whether it is ready, for a container HEALTHCHECK: the
// distroless image has no shell or curl. It exits 0 or 1 only: Docker
// reserves 2 ("do not use this exit code",
// https://docs.docker.com/reference/dockerfile/#healthcheck), so even a
// configuration that cannot load is 1.
func runHealth(ctx context.Context, path string, o healthOptions, e env) int {
	cfg, err := loadConfig(path, e)
	if err != nil {
		fmt.Fprintf(e.stderr, "mistralbot: health: %v\n", err)
		return exitFailure
	}
	addr := cfg.Server.OpsListen
	if addr == "" {
		addr = cfg.Server.Listen
	}
	endpoint := "/readyz"
	if o.live {
		endpoint = "/healthz"
	}
	url, err := localURL(addr, endpoint)
	if err != nil {
		fmt.Fprintf(e.stderr, "mistralbot: health: %v\n", err)
		return exitFailure
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		fmt.Fprintf(e.stderr, "mistralbot: health: %v\n", err)
		return exitFailure
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintf(e.stderr, "mistralbot: health: %v\n", err)
		return exitFailure
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	text := strings.TrimSpace(string(body))
	if resp.StatusCode != http.StatusOK {
		fmt.Fprintf(e.stderr, "mistralbot: health: %s: %s %s\n", url, resp.Status, text)
		return exitFailure
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", url, text)
	return exitOK
}

// localURL turns a listen address (":8080", "0.0.0.0:9090", "[::]:9090",
// "127.0.0.1:9090") into the URL of endpoint on this host: an unspecified
// host means every interface, so loopback reaches it.
func localURL(listen, endpoint string) (string, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return "", fmt.Errorf("listen address %q: %w", listen, err)
	}
	if port == "0" || port == "" {
		return "", fmt.Errorf("listen address %q has no fixed port to ask", listen)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + endpoint, nil
}
