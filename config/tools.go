package config

import (
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"

	"mistralbot/bots/tools"
)

// Tools configures the tools the model may call (issue 16).
type Tools struct {
	// Enabled offers tools to the model at all.
	Enabled bool `mapstructure:"enabled" yaml:"enabled"`
	// MaxRounds bounds the model -> tools -> model rounds of one answer.
	MaxRounds int `mapstructure:"max_rounds" yaml:"max_rounds"`
	// Timeout bounds one tool call; Budget the whole tool loop of an
	// answer.
	Timeout time.Duration `mapstructure:"timeout" yaml:"timeout"`
	Budget  time.Duration `mapstructure:"budget" yaml:"budget"`
	// ApprovalTimeout is how long a call needing approval waits for the
	// asker (or an admin) before it is refused with a notice.
	ApprovalTimeout time.Duration `mapstructure:"approval_timeout" yaml:"approval_timeout"`
	// MaxResultBytes bounds the text of one tool result given to the
	// model; the rest is cut with a notice.
	MaxResultBytes int `mapstructure:"max_result_bytes" yaml:"max_result_bytes"`
	// FetchURL offers the built-in fetch_url tool (public addresses only).
	FetchURL bool `mapstructure:"fetch_url" yaml:"fetch_url"`
	// ReadHistory offers the built-in read_history tool: the model reads
	// further back in the thread or channel the question is in (only
	// that one).
	ReadHistory bool `mapstructure:"read_history" yaml:"read_history"`
	// WebSearch asks the provider for its server-side web search where it
	// has one (OpenRouter, Mistral).
	WebSearch bool `mapstructure:"web_search" yaml:"web_search"`
	// MCPServers are the MCP servers whose tools are offered. Only
	// settable in the file (a list); their header and env values can
	// come from the environment (see MCPServer).
	MCPServers []MCPServer `mapstructure:"mcp_servers" yaml:"mcp_servers"`
}

// MCPServer is one entry of tools.mcp_servers.
//
// A header or env value can be a secret kept out of the file: list the
// name in the file (with an empty value) and set
// MISTRALBOT_TOOLS_MCP_SERVERS_<NAME>_HEADERS_<HEADER> or
// ..._ENV_<VAR> (or the same with _FILE, a file holding the value), the
// server's name and the header upper-cased with "-" as "_".
type MCPServer struct {
	// Name prefixes the server's tools for the model ("github" gives
	// github__search_issues) and names it in channels.<id>.tools.
	Name string `mapstructure:"name" yaml:"name"`
	// Command is the argv of a stdio server (a list); URL a streamable
	// HTTP endpoint. Exactly one is set.
	Command []string `mapstructure:"command" yaml:"command,omitempty"`
	URL     string   `mapstructure:"url" yaml:"url,omitempty"`
	// Headers go with every HTTP request (url servers only).
	Headers map[string]string `mapstructure:"headers" yaml:"headers,omitempty"`
	// Env is added to a stdio server's environment, which does not
	// inherit the bot's.
	Env map[string]string `mapstructure:"env" yaml:"env,omitempty"`
	// Approval is always, never or auto (ask unless the server marks the
	// tool read-only); "" is auto.
	Approval string `mapstructure:"approval" yaml:"approval,omitempty"`
	// ToolApproval overrides Approval per tool, by the tool's own name.
	ToolApproval map[string]string `mapstructure:"tool_approval" yaml:"tool_approval,omitempty"`
}

// toolsKey is the list key, decoded apart from viper like channels.
const toolsKey = "tools.mcp_servers"

// reservedProviders are the names of the built-in tool providers, which
// allow-lists use too (bots/tools/fetch.ProviderName,
// bots/tools/history.ProviderName, their tools, the provider's web
// search): an MCP server may not take them.
var reservedProviders = []string{"fetch", "fetch_url", "history", "read_history", "web_search"}

// serverName keeps the exposed tool names unambiguous and short: the
// model APIs allow 64 characters of [a-zA-Z0-9_-], and "__" separates
// the server from the tool.
var serverName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,23}$`)

var envVarName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// serverFields are the keys of one server entry.
var serverFields = []string{"name", "command", "url", "headers", "env", "approval", "tool_approval"}

// takeServers removes tools.mcp_servers from the file tree (viper would
// lower-case its env names and tool names) and returns it.
func takeServers(tree map[string]any) any {
	t, ok := tree["tools"].(map[string]any)
	if !ok {
		return nil
	}
	raw := t["mcp_servers"]
	delete(t, "mcp_servers")
	return raw
}

// checkServerKeys reports the structure problems of tools.mcp_servers.
func checkServerKeys(val any, kp *keyProblems) {
	list, ok := val.([]any)
	if !ok {
		kp.add(toolsKey, toolsKey+": must be a list of servers (- name: ..., command: [...] or url: ...)")
		return
	}
	for i, item := range list {
		key := fmt.Sprintf("%s[%d]", toolsKey, i)
		m, ok := asMap(item)
		if !ok {
			kp.add(key, key+": must be a mapping (name, command or url, ...)")
			continue
		}
		for k, v := range m {
			switch {
			case !slices.Contains(serverFields, k):
				kp.add(key+"."+k, unknownKey(key+"."+k, prefixed(key+".", serverFields)))
			case k == "command":
				if _, isList := v.([]any); !isList {
					kp.add(key+".command", key+".command: must be a list (the argv), e.g. [npx, -y, some-mcp-server]")
				}
			case k == "headers" || k == "env" || k == "tool_approval":
				if _, isMap := asMap(v); !isMap {
					kp.add(key+"."+k, fmt.Sprintf("%s.%s: must be a mapping of names to values", key, k))
				}
			}
		}
	}
}

func prefixed(prefix string, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = prefix + n
	}
	return out
}

// decodeServers decodes the list with the config's hooks.
func decodeServers(raw any) ([]MCPServer, []string) {
	servers := []MCPServer{}
	if raw == nil {
		return servers, nil
	}
	if _, ok := raw.([]any); !ok {
		return servers, nil // reported by checkServerKeys
	}
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		DecodeHook:       decodeHooks(),
		WeaklyTypedInput: true,
		ErrorUnused:      true,
		Result:           &servers,
	})
	if err != nil {
		return nil, []string{toolsKey + ": " + err.Error()}
	}
	var problems []string
	if err := dec.Decode(raw); err != nil {
		for _, p := range decodeProblems(err) {
			if strings.Contains(p, "has invalid keys") {
				continue // named by checkServerKeys
			}
			problems = append(problems, toolsKey+p)
		}
	}
	return servers, problems
}

// serverEnvKey is the key whose environment variable sets one header or
// env value of a server: tools.mcp_servers.<name>.headers.<header>.
func serverEnvKey(server, kind, name string) string {
	return toolsKey + "." + server + "." + kind + "." + name
}

// applyServerEnv sets the header and env values given in the environment
// and returns the keys it looked at, for the unknown-variable check.
func applyServerEnv(servers []MCPServer, opts LoadOptions) ([]string, []string) {
	var keys, problems []string
	for i := range servers {
		s := &servers[i]
		for kind, m := range map[string]map[string]string{"headers": s.Headers, "env": s.Env} {
			for _, name := range slices.Sorted(maps.Keys(m)) {
				key := serverEnvKey(s.Name, kind, name)
				keys = append(keys, key)
				val, ok, err := lookupEnv(envName(key), opts)
				if err != nil {
					problems = append(problems, err.Error())
					continue
				}
				if ok {
					m[name] = val
				}
			}
		}
	}
	return keys, problems
}

func (c *Config) validateTools(p *problems) {
	t := &c.Tools
	if t.ApprovalTimeout <= 0 {
		p.add("tools.approval_timeout", "must be positive")
	}
	if t.MaxRounds < 1 {
		p.add("tools.max_rounds", "must be at least 1, got %d", t.MaxRounds)
	}
	if t.Timeout <= 0 {
		p.add("tools.timeout", "must be positive")
	}
	if t.Budget <= 0 {
		p.add("tools.budget", "must be positive")
	} else if t.Timeout > t.Budget {
		p.add("tools.budget", "%s is shorter than tools.timeout (%s)", t.Budget, t.Timeout)
	}
	if t.MaxResultBytes < 1024 {
		p.add("tools.max_result_bytes", "must be at least 1024, got %d", t.MaxResultBytes)
	}
	seen := map[string]int{}
	for i, s := range t.MCPServers {
		key := fmt.Sprintf("%s[%d]", toolsKey, i)
		switch {
		case s.Name == "":
			p.add(key+".name", "required")
		case !serverName.MatchString(s.Name) || strings.Contains(s.Name, "__"):
			p.add(key+".name", "%q: use 1 to 24 letters, digits, - or _ (no \"__\"), starting with a letter or digit", s.Name)
		case slices.Contains(reservedProviders, strings.ToLower(s.Name)):
			p.add(key+".name", "%q is the name of a built-in tool", s.Name)
		default:
			if j, dup := seen[strings.ToLower(s.Name)]; dup {
				p.add(key+".name", "%q is the name of %s[%d] too", s.Name, toolsKey, j)
			}
			seen[strings.ToLower(s.Name)] = i
		}
		switch {
		case len(s.Command) > 0 && s.URL != "":
			p.add(key, "set command (a stdio server) or url (streamable HTTP), not both")
		case len(s.Command) == 0 && s.URL == "":
			p.add(key, "set command (a stdio server's argv) or url (streamable HTTP)")
		case len(s.Command) > 0 && strings.TrimSpace(s.Command[0]) == "":
			p.add(key+".command", "the program (first item) is empty")
		case s.URL != "":
			// Never quote the URL: it may hold a token.
			if u, err := url.Parse(s.URL); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
				p.add(key+".url", "must be an absolute http:// or https:// URL")
			}
		}
		if len(s.Headers) > 0 && s.URL == "" {
			p.add(key+".headers", "only for a url server (a stdio server gets env)")
		}
		if len(s.Env) > 0 && len(s.Command) == 0 {
			p.add(key+".env", "only for a command server (a url server gets headers)")
		}
		for _, name := range sortedKeys(s.Headers) {
			if !validHeaderName(name) {
				p.add(key+".headers", "%q is not a valid header name", name)
			}
		}
		for _, name := range sortedKeys(s.Env) {
			if !envVarName.MatchString(name) {
				p.add(key+".env", "%q is not a valid environment variable name", name)
			}
		}
		if _, err := tools.ParseApproval(s.Approval); err != nil {
			p.add(key+".approval", "%v", err)
		}
		for _, name := range sortedKeys(s.ToolApproval) {
			if _, err := tools.ParseApproval(s.ToolApproval[name]); err != nil {
				p.add(key+".tool_approval."+name, "%v", err)
			}
		}
	}
}

// validateChannelTools checks the names of an allow-list.
func validateChannelTools(p *problems, key string, names []string) {
	for _, n := range names {
		if !tools.ValidName(n) {
			p.add(key, "%q is not a tool or server name (letters, digits, _ and -)", n)
		}
	}
}

func (t Tools) redacted() Tools {
	servers := make([]MCPServer, len(t.MCPServers))
	for i, s := range t.MCPServers {
		s.URL = redactURL(s.URL)
		s.Headers = redactValues(s.Headers)
		s.Env = redactValues(s.Env)
		servers[i] = s
	}
	t.MCPServers = servers
	return t
}

// redactValues hides the secret-looking values of a header or env map.
func redactValues(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := maps.Clone(m)
	for name, v := range out {
		if secretHeader(name) {
			out[name] = secret(v)
		}
	}
	return out
}

// toolSecrets are the secret-looking header and env values and URL
// passwords of the MCP servers.
func (t Tools) toolSecrets() []string {
	var out []string
	for _, s := range t.MCPServers {
		out = append(out, urlPassword(s.URL))
		for _, m := range []map[string]string{s.Headers, s.Env} {
			for name, v := range m {
				if secretHeader(name) {
					out = append(out, strings.TrimPrefix(v, "Bearer "))
				}
			}
		}
	}
	return out
}

// String prints the section with its secrets redacted.
func (t Tools) String() string { return marshal(t.redacted()) }

// GoString prints the section with its secrets redacted.
func (t Tools) GoString() string { return t.String() }
