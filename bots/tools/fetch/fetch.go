// Package fetch is the built-in fetch_url tool: it reads a page the user
// linked, bounded in size and time, and gives the model its text. It
// refuses every address that is not public (loopback, private, link-local,
// unique-local, CGNAT, unspecified, multicast, reserved, and IPv6 forms
// embedding such an IPv4 address), checked when each connection is
// dialed, on the address dialed, so neither DNS rebinding nor a redirect
// gets around it; redirects are bounded. The bot cannot be used to probe
// the network it runs in.
package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding/htmlindex"

	"mistralbot/bots/tools"
)

// ToolName is the name the model calls.
const ToolName = "fetch_url"

// ProviderName names the provider in channel allow-lists (as does
// ToolName).
const ProviderName = "fetch"

// Defaults of Options.
const (
	DefaultMaxBytes     = 2 << 20
	DefaultTimeout      = 15 * time.Second
	DefaultMaxRedirects = 5
)

// Options configure a Fetcher.
type Options struct {
	// MaxBytes bounds the body read (after decompression); the rest is
	// not read. 0 means DefaultMaxBytes.
	MaxBytes int64
	// Timeout bounds one fetch with its redirects; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxRedirects bounds the redirects followed; 0 means
	// DefaultMaxRedirects, a negative value follows none.
	MaxRedirects int
	// UserAgent is sent with each request; "" means "mistralbot".
	UserAgent string
	// Approval is the tool's policy; "" means auto (the tool is
	// read-only, so auto asks no one).
	Approval tools.Approval

	// LookupIP resolves a host name; nil means the system resolver.
	// Tests inject one so that no name reaches DNS.
	LookupIP func(ctx context.Context, host string) ([]netip.Addr, error)
	// Allow decides which resolved addresses may be dialed; nil means
	// Public. Only tests set it, to let the fetcher reach their own
	// httptest server on loopback; the bot's wiring never does.
	Allow func(netip.Addr) bool
	// DialContext dials an address that passed Allow ("ip:port"); nil
	// means a net.Dialer that checks the address again before
	// connecting. Tests inject in-memory connections.
	DialContext func(ctx context.Context, network, address string) (net.Conn, error)
}

// Fetcher is the fetch_url tool, a tools.Provider.
type Fetcher struct {
	opts   Options
	client *http.Client
}

var _ tools.Provider = (*Fetcher)(nil)

// New returns a Fetcher.
func New(opts Options) *Fetcher {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = DefaultMaxBytes
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxRedirects == 0 {
		opts.MaxRedirects = DefaultMaxRedirects
	}
	if opts.UserAgent == "" {
		opts.UserAgent = "mistralbot"
	}
	if opts.Approval == "" {
		opts.Approval = tools.ApprovalAuto
	}
	f := &Fetcher{opts: opts}
	if f.opts.DialContext == nil {
		d := &net.Dialer{Timeout: 10 * time.Second, Control: f.control}
		f.opts.DialContext = d.DialContext
	}
	transport := &http.Transport{
		// No proxy: a proxy would do the dialing, past the address check.
		Proxy:                  nil,
		DialContext:            f.dial,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    10 * time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		MaxIdleConns:           4,
		IdleConnTimeout:        30 * time.Second,
	}
	f.client = &http.Client{Transport: transport, CheckRedirect: f.checkRedirect}
	return f
}

// Close drops the idle connections kept for the next fetch.
func (f *Fetcher) Close() { f.client.CloseIdleConnections() }

// Name is ProviderName.
func (f *Fetcher) Name() string { return ProviderName }

// Tools returns the one tool, fetch_url.
func (f *Fetcher) Tools() []tools.Tool {
	return []tools.Tool{{
		Name:     ToolName,
		Provider: ProviderName,
		Remote:   ToolName,
		Description: "Fetch a web page or text file the user linked (http or https) and return its text. " +
			"Only public addresses; large pages are cut.",
		Schema:   json.RawMessage(`{"type":"object","properties":{"url":{"type":"string","description":"the http or https URL to fetch"}},"required":["url"]}`),
		ReadOnly: true,
		Approval: f.opts.Approval,
	}}
}

func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > max(f.opts.MaxRedirects, 0) {
		return fmt.Errorf("more than %d redirects", max(f.opts.MaxRedirects, 0))
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("redirect to a %s: URL", req.URL.Scheme)
	}
	return nil
}

// Call fetches the URL of the arguments. A page that cannot be fetched
// (refused address, HTTP error, unsupported content) is an Output with
// IsError, for the model; the error return is for ctx ending only.
func (f *Fetcher) Call(ctx context.Context, _ tools.Tool, args json.RawMessage, _ string) (tools.Output, error) {
	var in struct {
		URL string `json:"url"`
	}
	if err := json.Unmarshal(args, &in); err != nil || strings.TrimSpace(in.URL) == "" {
		return failed("give the URL to fetch as {\"url\": \"https://...\"}"), nil
	}
	u, err := url.Parse(strings.TrimSpace(in.URL))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return failed("only absolute http and https URLs can be fetched"), nil
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, f.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return failed("bad URL"), nil
	}
	req.Header.Set("User-Agent", f.opts.UserAgent)
	req.Header.Set("Accept", "text/html, text/plain, application/json, */*;q=0.1")
	resp, err := f.client.Do(req)
	if err != nil {
		return f.fetchError(parent, ctx, u, err)
	}
	defer resp.Body.Close()
	final := resp.Request.URL.String()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, f.opts.MaxBytes+1))
	if readErr != nil && len(body) == 0 {
		return f.fetchError(parent, ctx, u, readErr)
	}
	cut := int64(len(body)) > f.opts.MaxBytes || readErr != nil
	if int64(len(body)) > f.opts.MaxBytes {
		body = body[:f.opts.MaxBytes]
	}
	if resp.StatusCode >= 400 {
		return tools.Output{IsError: true, Text: fmt.Sprintf("%s answered HTTP %d", final, resp.StatusCode), Sources: []string{final}}, nil
	}
	text, err := pageText(resp.Header.Get("Content-Type"), body)
	if err != nil {
		return tools.Output{IsError: true, Text: final + ": " + err.Error(), Sources: []string{final}}, nil
	}
	if cut {
		text += fmt.Sprintf("\n[the page is longer than %d bytes; only its start was read]", f.opts.MaxBytes)
	}
	return tools.Output{Text: "URL: " + final + "\n" + text, Sources: []string{final}}, nil
}

// fetchError words a failed fetch for the model. When the caller's ctx
// ended, its error is returned instead (the Toolbox reports a timeout or
// a cancellation); the fetch's own timeout is the page's failure.
func (f *Fetcher) fetchError(parent, ctx context.Context, u *url.URL, err error) (tools.Output, error) {
	switch {
	case errors.Is(err, ErrForbidden):
		return failed(fmt.Sprintf("refused: %s is not a public address; only public web pages can be fetched", u.Hostname())), nil
	case parent.Err() != nil:
		return tools.Output{}, parent.Err()
	case ctx.Err() != nil:
		return failed(fmt.Sprintf("%s did not answer within %s", u.Hostname(), f.opts.Timeout)), nil
	}
	var uerr *url.Error
	if errors.As(err, &uerr) {
		err = uerr.Err
	}
	return failed(fmt.Sprintf("could not fetch %s: %v", u.Redacted(), err)), nil
}

func failed(text string) tools.Output { return tools.Output{IsError: true, Text: text} }

// pageText decodes the body by its content type: HTML to text, other
// text as is; binary content is refused.
func pageText(contentType string, body []byte) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mt = http.DetectContentType(body)
		mt, params, _ = mime.ParseMediaType(mt)
	}
	switch {
	case mt == "text/html" || mt == "application/xhtml+xml":
		body = decode(body, params["charset"])
		title, text := extractText(body)
		title, text = strings.ToValidUTF8(title, "\uFFFD"), strings.ToValidUTF8(text, "\uFFFD")
		if title != "" {
			return "Title: " + title + "\n\n" + text, nil
		}
		return text, nil
	case strings.HasPrefix(mt, "text/") || mt == "application/json" || strings.HasSuffix(mt, "+json") ||
		mt == "application/xml" || strings.HasSuffix(mt, "+xml"):
		return strings.ToValidUTF8(string(decode(body, params["charset"])), "\uFFFD"), nil
	}
	return "", fmt.Errorf("content of type %s cannot be read as text", mt)
}

// decode converts a body in a declared charset to UTF-8; an unknown
// charset leaves it as it is.
func decode(body []byte, charset string) []byte {
	if charset == "" || strings.EqualFold(charset, "utf-8") || utf8.Valid(body) && strings.EqualFold(charset, "us-ascii") {
		return body
	}
	enc, err := htmlindex.Get(charset)
	if err != nil {
		return body
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return body
	}
	return out
}
