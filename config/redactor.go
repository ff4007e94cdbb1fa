package config

import (
	"net/url"
	"regexp"
	"strings"
)

// MinSecretFragment is the shortest piece of a secret a Redactor hides
// wherever it appears: a provider error echoing part of an API key
// ("Incorrect API key provided: sk-or-v1-abcd****wxyz") shows more than
// eight characters of it.
const MinSecretFragment = 8

// Redactor hides secrets in text bound for logs and error messages: every
// run of MinSecretFragment or more characters found in a configured secret,
// shorter secrets where they appear whole, and the tokens of capability
// URLs (a Slack response_url, a Discord interaction webhook), which let
// anyone who reads them post as the bot.
type Redactor struct {
	grams map[string]bool // every MinSecretFragment-long piece of every secret
	short []string        // secrets shorter than that, hidden when whole
}

// capabilityURLs match the secret parts of capability URLs; the first group
// is kept. Slack's response_url is https://hooks.slack.com/commands/T.../
// <id>/<token> (or /actions/...) (https://docs.slack.dev/interactivity/handling-user-interaction/#message_responses);
// Discord's interaction webhooks are /webhooks/<application id>/<token>
// and callbacks /interactions/<id>/<token>/callback
// (https://discord.com/developers/docs/interactions/receiving-and-responding#followup-messages).
var capabilityURLs = []*regexp.Regexp{
	regexp.MustCompile(`(hooks\.slack(?:-gov)?\.com/)[^\s"'<>]+`),
	regexp.MustCompile(`(/(?:commands|actions|app)/T[A-Z0-9]+/)\d+/[A-Za-z0-9]+`),
	regexp.MustCompile(`(/(?:webhooks|interactions)/\d+/)[A-Za-z0-9_.\-]{16,}`),
}

// NewRedactor hides the given secrets (empty ones are ignored) and
// capability URLs.
func NewRedactor(secrets ...string) *Redactor {
	r := &Redactor{grams: map[string]bool{}}
	for _, s := range secrets {
		r.add(s)
	}
	return r
}

func (r *Redactor) add(s string) {
	switch {
	case len(s) >= MinSecretFragment:
		for i := 0; i+MinSecretFragment <= len(s); i++ {
			r.grams[s[i:i+MinSecretFragment]] = true
		}
	case len(s) >= 4: // shorter is no secret worth the false positives
		r.short = append(r.short, s)
	}
}

// Redact returns s with secrets and capability tokens replaced by
// <redacted>.
func (r *Redactor) Redact(s string) string {
	if r == nil || s == "" {
		return s
	}
	if len(r.grams) > 0 && len(s) >= MinSecretFragment {
		s = r.hideFragments(s)
	}
	for _, sh := range r.short {
		s = strings.ReplaceAll(s, sh, RedactedMarker)
	}
	for _, re := range capabilityURLs {
		s = re.ReplaceAllString(s, "${1}"+RedactedMarker)
	}
	return s
}

// hideFragments replaces every run of text covered by secret pieces. Any
// substring of a secret at least MinSecretFragment long is a chain of
// overlapping pieces, so marking the bytes each matching window covers
// hides all of them.
func (r *Redactor) hideFragments(s string) string {
	var cover []bool
	for i := 0; i+MinSecretFragment <= len(s); i++ {
		if r.grams[s[i:i+MinSecretFragment]] {
			if cover == nil {
				cover = make([]bool, len(s))
			}
			for j := i; j < i+MinSecretFragment; j++ {
				cover[j] = true
			}
		}
	}
	if cover == nil {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if !cover[i] {
			b.WriteByte(s[i])
			i++
			continue
		}
		for i < len(s) && cover[i] {
			i++
		}
		b.WriteString(RedactedMarker)
	}
	return b.String()
}

// Secrets lists every secret of the configuration: the LLM API key and
// secret-looking headers, the Slack tokens and signing secret, the Discord
// token, and the passwords of store.redis_url and llm.base_url.
func (c *Config) Secrets() []string {
	out := []string{c.LLM.APIKey, c.Slack.BotToken, c.Slack.AppToken, c.Slack.SigningSecret, c.Discord.Token,
		urlPassword(c.Store.RedisURL), urlPassword(c.LLM.BaseURL)}
	out = append(out, c.Tools.toolSecrets()...)
	for name, v := range c.LLM.Headers {
		if secretHeader(name) {
			out = append(out, strings.TrimPrefix(v, "Bearer "))
		}
	}
	var kept []string
	for _, s := range out {
		if s != "" {
			kept = append(kept, s)
		}
	}
	return kept
}

// urlPassword returns the password (else the user) of a URL, "" if none.
func urlPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return ""
	}
	if p, ok := u.User.Password(); ok {
		return p
	}
	return u.User.Username()
}
