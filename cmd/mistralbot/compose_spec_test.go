package main

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/compose-spec/compose-go/v2/loader"
	"github.com/compose-spec/compose-go/v2/types"
)

// docker-compose.yml is a valid Compose file by the Compose
// Specification's schema and loader (compose-go, the library docker
// compose itself uses: no container engine runs here), with no .env and
// with .env.example copied to .env: a plain up starts Redis, the fakes and
// both replicas, ask and chat only on demand, and without tokens the bots
// reach the fake workspace.
func TestComposeFileValidatesAgainstTheSpec(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	for name, env := range map[string]map[string]string{
		"no .env":               {},
		".env from the example": parseEnvFile(t, repoFile(t, ".env.example")),
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		p, err := loader.LoadWithContext(ctx, types.ConfigDetails{
			WorkingDir:  root,
			ConfigFiles: []types.ConfigFile{{Filename: filepath.Join(root, "docker-compose.yml"), Content: []byte(repoFile(t, "docker-compose.yml"))}},
			Environment: env,
		}, func(o *loader.Options) { o.SetProjectName("mistralbot", true) })
		cancel()
		if err != nil {
			t.Fatalf("%s: docker-compose.yml does not load: %v", name, err)
		}
		up := p.ServiceNames()
		slices.Sort(up)
		if want := []string{"bot1", "bot2", "fakeslack", "llmtest", "redis"}; !slices.Equal(up, want) {
			t.Errorf("%s: a plain up starts %v, want %v", name, up, want)
		}
		for _, s := range []string{"ask", "chat"} {
			if _, ok := p.DisabledServices[s]; !ok {
				t.Errorf("%s: %s is not an on-demand (profile) service", name, s)
			}
		}
		for _, b := range []string{"bot1", "bot2"} {
			svc, err := p.GetService(b)
			if err != nil {
				t.Fatal(err)
			}
			api := svc.Environment["MISTRALBOT_SLACK_API_URL"]
			if api == nil || !strings.HasPrefix(*api, "http://fakeslack:") {
				t.Errorf("%s: %s talks to Slack at %v, want the fake workspace", name, b, api)
			}
			if tok := svc.Environment["SLACK_BOT_TOKEN"]; tok == nil || *tok != "xoxb-fake-bot-token" {
				t.Errorf("%s: %s's bot token %v, want the fake's", name, b, tok)
			}
		}
	}
}
