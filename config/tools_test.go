package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

const toolsYAML = `
tools:
  enabled: true
  max_rounds: 3
  timeout: 10s
  fetch_url: true
  mcp_servers:
    - name: github
      command: [github-mcp-server, stdio, --read-only]
      env: {GITHUB_PERSONAL_ACCESS_TOKEN: "", LogLevel: debug}
      tool_approval: {create_issue: always, Search_Code: never}
    - name: docs
      url: https://mcp.example.com/mcp
      headers: {Authorization: "", X-Team: blue}
      approval: never
channels:
  "slack:C1":
    tools: [github, fetch_url]
  "slack:C2":
    tools: []
`

func TestToolsLoadWithSecretsFromTheEnvironment(t *testing.T) {
	t.Parallel()
	w := world{env: map[string]string{
		"OPENROUTER_API_KEY": "k",
		"MISTRALBOT_TOOLS_MCP_SERVERS_GITHUB_ENV_GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_0123456789abcdef",
		"MISTRALBOT_TOOLS_MCP_SERVERS_DOCS_HEADERS_AUTHORIZATION_FILE":         "/run/secrets/docs",
		"MISTRALBOT_TOOLS_BUDGET": "90s",
	}, files: map[string]string{"/test/mistralbot.yaml": toolsYAML, "/run/secrets/docs": "Bearer tok-abcdef123456\n"}}
	opts := w.options("/test/mistralbot.yaml")
	opts.Environ = func() []string {
		var out []string
		for k, v := range w.env {
			out = append(out, k+"="+v)
		}
		return out
	}
	c, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	tl := c.Tools
	if !tl.Enabled || tl.MaxRounds != 3 || tl.Timeout != 10*time.Second || tl.Budget != 90*time.Second || !tl.FetchURL || tl.WebSearch {
		t.Errorf("tools %+v", tl)
	}
	if len(tl.MCPServers) != 2 {
		t.Fatalf("servers %+v", tl.MCPServers)
	}
	gh, docs := tl.MCPServers[0], tl.MCPServers[1]
	if !slices.Equal(gh.Command, []string{"github-mcp-server", "stdio", "--read-only"}) ||
		gh.Env["GITHUB_PERSONAL_ACCESS_TOKEN"] != "ghp_0123456789abcdef" || gh.Env["LogLevel"] != "debug" ||
		gh.ToolApproval["Search_Code"] != "never" || gh.ToolApproval["create_issue"] != "always" {
		t.Errorf("github (names keep their case): %+v", gh)
	}
	if docs.URL != "https://mcp.example.com/mcp" || docs.Headers["Authorization"] != "Bearer tok-abcdef123456" ||
		docs.Headers["X-Team"] != "blue" || docs.Approval != "never" {
		t.Errorf("docs: %+v", docs)
	}
	if got := c.Channels["slack:C1"].Tools; !slices.Equal(got, []string{"github", "fetch_url"}) {
		t.Errorf("slack:C1 tools %v", got)
	}
	if got := c.Channels["slack:C2"].Tools; got == nil || len(got) != 0 {
		t.Errorf("slack:C2 tools %#v, want an empty list (no tool), not nil (every tool)", got)
	}
	if c.Channels["slack:C3"].Tools != nil {
		t.Error("an unlisted channel has an allow-list")
	}

	printed := c.Redacted()
	for _, s := range []string{"ghp_0123456789abcdef", "tok-abcdef123456"} {
		if strings.Contains(printed, s) {
			t.Errorf("the printed config shows %q:\n%s", s, printed)
		}
		if !slices.Contains(c.Secrets(), s) {
			t.Errorf("Secrets() lacks %q", s)
		}
		if got := NewRedactor(c.Secrets()...).Redact("error: " + s); strings.Contains(got, s[:10]) {
			t.Errorf("the redactor leaves %q", got)
		}
	}
	if !strings.Contains(printed, "X-Team: blue") || !strings.Contains(printed, "LogLevel: debug") {
		t.Errorf("non-secret values should stay readable:\n%s", printed)
	}
}

func TestToolsProblems(t *testing.T) {
	t.Parallel()
	c := mustLoad(t, `
tools:
  max_rounds: 0
  max_result_bytes: 10
  mcp_servers:
    - name: a
      command: [x]
      url: http://x
    - name: b
    - name: A
      command: [y]
      approval: sometimes
      tool_approval: {t: maybe}
      headers: {Authorization: x}
    - name: "bad name"
      url: ftp://x
      env: {"1X": y}
    - name: fetch
      command: [z]
    - name: c__d
      command: [z]
channels:
  "slack:C1":
    tools: ["gh.search"]
`, map[string]string{"OPENROUTER_API_KEY": "k"})
	got := problemsOf(t, c.Validate())
	for _, want := range []string{
		"tools.max_rounds: must be at least 1",
		"tools.max_result_bytes: must be at least 1024",
		"tools.mcp_servers[0]: set command (a stdio server) or url (streamable HTTP), not both",
		"tools.mcp_servers[1]: set command (a stdio server's argv) or url (streamable HTTP)",
		`tools.mcp_servers[2].name: "A" is the name of tools.mcp_servers[0] too`,
		`tools.mcp_servers[2].approval: unknown approval "sometimes" (want always, never or auto)`,
		`tools.mcp_servers[2].tool_approval.t: unknown approval "maybe"`,
		"tools.mcp_servers[2].headers: only for a url server",
		`tools.mcp_servers[3].name: "bad name": use 1 to 24 letters`,
		"tools.mcp_servers[3].url: must be an absolute http:// or https:// URL",
		`tools.mcp_servers[3].env: "1X" is not a valid environment variable name`,
		"tools.mcp_servers[3].env: only for a command server",
		`tools.mcp_servers[4].name: "fetch" is the name of a built-in tool`,
		`tools.mcp_servers[5].name: "c__d": use 1 to 24`,
		`channels.slack:C1.tools: "gh.search" is not a tool or server name`,
	} {
		if !slices.ContainsFunc(got, func(p string) bool { return strings.HasPrefix(p, want) }) {
			t.Errorf("no problem starting %q in\n%s", want, strings.Join(got, "\n"))
		}
	}
}

func TestToolsStructureProblems(t *testing.T) {
	t.Parallel()
	for yaml, want := range map[string]string{
		"tools: {mcp_servers: {name: x}}":                         "tools.mcp_servers: must be a list of servers",
		"tools: {mcp_servers: [x]}":                               "tools.mcp_servers[0]: must be a mapping",
		"tools: {mcp_servers: [{name: x, command: 'npx srv'}]}":   "tools.mcp_servers[0].command: must be a list (the argv)",
		"tools: {mcp_servers: [{name: x, comand: [a]}]}":          `unknown key "tools.mcp_servers[0].comand" (did you mean "tools.mcp_servers[0].command"?)`,
		"tools: {mcp_servers: [{name: x, url: u, headers: [a]}]}": "tools.mcp_servers[0].headers: must be a mapping",
		"tools: {max_round: 3}":                                   `unknown key "tools.max_round" (did you mean "tools.max_rounds"?)`,
		"channels: {'slack:C1': {tool: [a]}}":                     `unknown key "channels.slack:C1.tool" (did you mean "channels.slack:C1.tools"?)`,
	} {
		_, err := loadYAML(t, yaml, nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v\nwant %q", yaml, err, want)
		}
	}
}

func TestUnknownServerSecretVariablesAreReported(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"MISTRALBOT_TOOLS_MCP_SERVERS_DOCS_HEADERS_AUTHORIZATION": "Bearer x",
		"MISTRALBOT_TOOLS_MCP_SERVERS_DOCS_HEADERS_X_TEAMS":       "typo",
	}
	w := world{env: env, files: map[string]string{"/c.yaml": toolsYAML}}
	opts := w.options("/c.yaml")
	opts.Environ = func() []string {
		return []string{"MISTRALBOT_TOOLS_MCP_SERVERS_DOCS_HEADERS_AUTHORIZATION=Bearer x",
			"MISTRALBOT_TOOLS_MCP_SERVERS_DOCS_HEADERS_X_TEAMS=typo"}
	}
	c, err := Load(opts)
	if err != nil {
		t.Fatal(err)
	}
	problems := strings.Join(problemsOf(t, c.Validate()), "\n")
	if !strings.Contains(problems, "MISTRALBOT_TOOLS_MCP_SERVERS_DOCS_HEADERS_X_TEAMS: unknown environment variable (did you mean MISTRALBOT_TOOLS_MCP_SERVERS_DOCS_HEADERS_X_TEAM?)") {
		t.Errorf("problems:\n%s", problems)
	}
	if strings.Contains(problems, "_AUTHORIZATION:") {
		t.Errorf("the listed header's variable is reported:\n%s", problems)
	}
}
