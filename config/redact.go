package config

import (
	"log/slog"
	"maps"
	"net/url"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Markers that replace secrets in printed configuration.
const (
	RedactedMarker = "<redacted>"
	UnsetMarker    = "<unset>"
)

func secret(s string) string {
	if s == "" {
		return UnsetMarker
	}
	return RedactedMarker
}

// Redacted renders the whole configuration as YAML with every secret
// replaced by <redacted> (or <unset> when empty): llm.api_key, secret-looking
// llm.headers, the Slack tokens and signing secret, the Discord token, and
// passwords in URLs (store.redis_url, llm.base_url).
func (c *Config) Redacted() string {
	r := Config{
		LLM:      c.LLM.redacted(),
		Slack:    c.Slack.redacted(),
		Discord:  c.Discord.redacted(),
		Server:   c.Server,
		Store:    c.Store.redacted(),
		Bot:      c.Bot,
		Log:      c.Log,
		Tools:    c.Tools.redacted(),
		Channels: c.Channels,
	}
	return marshal(&r)
}

// String is Redacted, so printing a Config with %v or %+v is safe.
func (c Config) String() string { return c.Redacted() }

// GoString is Redacted, so %#v is safe too.
func (c Config) GoString() string { return c.Redacted() }

// LogValue keeps secrets out of slog output (the JSON handler would
// otherwise marshal the struct).
func (c Config) LogValue() slog.Value { return slog.StringValue(c.Redacted()) }

func marshal(v any) string {
	b, err := yaml.Marshal(v)
	if err != nil {
		return "<unprintable configuration: " + err.Error() + ">"
	}
	return string(b)
}

func (l LLM) redacted() LLM {
	l.APIKey = secret(l.APIKey)
	l.BaseURL = redactURL(l.BaseURL)
	headers := maps.Clone(l.Headers)
	for name, val := range headers {
		if secretHeader(name) {
			headers[name] = secret(val)
		}
	}
	l.Headers = headers
	return l
}

// String prints the section with its secrets redacted.
func (l LLM) String() string { return marshal(l.redacted()) }

// GoString prints the section with its secrets redacted.
func (l LLM) GoString() string { return l.String() }

func (s Slack) redacted() Slack {
	s.BotToken = secret(s.BotToken)
	s.AppToken = secret(s.AppToken)
	s.SigningSecret = secret(s.SigningSecret)
	return s
}

// String prints the section with its secrets redacted.
func (s Slack) String() string { return marshal(s.redacted()) }

// GoString prints the section with its secrets redacted.
func (s Slack) GoString() string { return s.String() }

func (d Discord) redacted() Discord {
	d.Token = secret(d.Token)
	return d
}

// String prints the section with its secrets redacted.
func (d Discord) String() string { return marshal(d.redacted()) }

// GoString prints the section with its secrets redacted.
func (d Discord) GoString() string { return d.String() }

func (s Store) redacted() Store {
	s.RedisURL = redactURL(s.RedisURL)
	return s
}

// String prints the section with its secrets redacted.
func (s Store) String() string { return marshal(s.redacted()) }

// GoString prints the section with its secrets redacted.
func (s Store) GoString() string { return s.String() }

// secretHeader reports whether a header's value is likely a credential.
func secretHeader(name string) bool {
	n := strings.ToLower(name)
	for _, w := range []string{"auth", "key", "token", "secret", "cookie", "pass", "session"} {
		if strings.Contains(n, w) {
			return true
		}
	}
	return false
}

// redactURL hides the password of a URL (the whole user part when there is
// no separate password) and secret-looking query values. It does not rely
// on url.Parse for the user part: a password holding "/", "?" or "#" would
// make the parser place part of it in the path or query.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	prefix := ""
	if i := strings.Index(raw, "://"); i >= 0 {
		prefix, raw = raw[:i+3], raw[i+3:]
	}
	userinfo := ""
	if at := strings.LastIndex(raw, "@"); at >= 0 {
		user, _, hasPassword := strings.Cut(raw[:at], ":")
		userinfo = RedactedMarker + "@"
		if hasPassword && !strings.ContainsAny(user, "/?#") {
			userinfo = user + ":" + RedactedMarker + "@"
		}
		raw = raw[at+1:]
	}
	return prefix + userinfo + redactQuery(raw)
}

// redactQuery hides secret-looking query values of "host/path?query".
func redactQuery(s string) string {
	base, query, ok := strings.Cut(s, "?")
	if !ok {
		return s
	}
	query, fragment, hasFragment := strings.Cut(query, "#")
	values, err := url.ParseQuery(query)
	if err != nil {
		return base + "?" + RedactedMarker
	}
	changed := false
	for k := range values {
		if secretHeader(k) {
			values[k] = []string{RedactedMarker}
			changed = true
		}
	}
	if changed {
		query = values.Encode()
	}
	if hasFragment {
		return base + "?" + query + "#" + fragment
	}
	return base + "?" + query
}
