package discord

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"mistralbot/bots/discord/discordtest"
)

func TestInviteURL(t *testing.T) {
	// View Channel 1<<10, Send Messages 1<<11, Read Message History 1<<16,
	// Create Public Threads 1<<35, Send Messages in Threads 1<<38.
	const want = 309237713920
	if Permissions != want {
		t.Fatalf("Permissions = %d, want %d", Permissions, want)
	}
	u, err := url.Parse(InviteURL("1100000000000000002"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Host != "discord.com" || u.Path != "/oauth2/authorize" || q.Get("client_id") != "1100000000000000002" ||
		q.Get("scope") != "bot applications.commands" || q.Get("permissions") != "309237713920" {
		t.Errorf("invite URL %s", u)
	}
}

func TestRegisterCommands(t *testing.T) {
	dc := discordtest.New(discordtest.Options{})
	defer dc.Close()
	opts := Options{Token: dc.Options().Token, ApplicationID: dc.Options().AppID, APIURL: dc.URL(),
		ShardCount: 1, AttachmentMaxBytes: 1, GlobalPerSecond: 50}
	if err := RegisterCommands(context.Background(), opts, "9"); err != nil {
		t.Fatal(err)
	}
	got := dc.Commands("9")
	names := map[string]int{}
	for _, c := range got {
		names[c.Name] = c.Type
	}
	for _, n := range []string{"ask", "code", "explain", "review", "translate", "lang", "prompt", "usage", "help"} {
		if names[n] != 1 {
			t.Errorf("slash command %s missing (%v)", n, names)
		}
	}
	if names["Explain code"] != 3 {
		t.Errorf("message command missing: %v", names)
	}
	for _, c := range got {
		switch c.Name {
		case "translate":
			if len(c.Options) != 2 || c.Options[0].Name != "target" || !c.Options[0].Autocomplete || !c.Options[0].Required {
				t.Errorf("translate options %+v", c.Options)
			}
		case "code":
			if len(c.Options) != 2 || c.Options[1].Name != "language" || c.Options[1].Required {
				t.Errorf("code options %+v", c.Options)
			}
		case "lang":
			// Showing the language is open to all: no default member
			// permissions; setting it is checked per interaction.
			if c.DefaultMemberPermissions != nil {
				t.Errorf("lang is restricted: %v", *c.DefaultMemberPermissions)
			}
		}
		if c.Type == 1 && c.DescriptionLocalizations["fr"] == "" {
			t.Errorf("%s has no French description", c.Name)
		}
	}
	if err := RegisterCommands(context.Background(), opts, ""); err != nil || len(dc.Commands("")) != len(got) {
		t.Errorf("global registration: %v, %d commands", err, len(dc.Commands("")))
	}
	opts.ApplicationID = ""
	if err := RegisterCommands(context.Background(), opts, ""); err == nil || !strings.Contains(err.Error(), "application_id") {
		t.Errorf("missing application id: %v", err)
	}
	opts.ApplicationID = dc.Options().AppID
	opts.Token = "wrong"
	if err := RegisterCommands(context.Background(), opts, ""); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("bad token: %v", err)
	}
}

func TestNewValidates(t *testing.T) {
	for _, o := range []Options{
		{},
		{Token: "x", APIURL: "ftp://x"},
		{Token: "x", GatewayURL: "http://x"},
		{Token: "x", ShardID: 2, ShardCount: 2, AttachmentMaxBytes: 1, GlobalPerSecond: 50},
		{Token: "x", AttachmentMaxBytes: 1, GlobalPerSecond: 50}, // no shard count
		{Token: "x", ShardCount: 1, GlobalPerSecond: 50},         // no attachment bound
		{Token: "x", ShardCount: 1, AttachmentMaxBytes: 1},       // no global budget
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) accepted", o)
		}
	}
	for _, in := range []string{"http://127.0.0.1:8080", "http://proxy/prefix/api/v10", "https://proxy/api"} {
		u, err := parseAPIURL(in)
		if err != nil || strings.Contains(u.Path, "/api") {
			t.Errorf("parseAPIURL(%q) = %v, %v", in, u, err)
		}
	}
}
