package discord

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
)

const botID = "1100000000000000001"

// fixtureMessage is the MESSAGE_CREATE of testdata/discord-gateway.jsonl.
func fixtureMessage(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/discord-gateway.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		var f struct {
			T string          `json:"t"`
			D json.RawMessage `json:"d"`
		}
		if json.Unmarshal([]byte(line), &f) == nil && f.T == "MESSAGE_CREATE" {
			return f.D
		}
	}
	t.Fatal("no MESSAGE_CREATE in the fixture")
	return nil
}

func TestNormalizeFixtureMention(t *testing.T) {
	var m discordgo.Message
	if err := json.Unmarshal(fixtureMessage(t), &m); err != nil {
		t.Fatal(err)
	}
	msg, r := normalize(&m, where{botID: botID, channel: channelInfo{id: m.ChannelID, kind: discordgo.ChannelTypeGuildText}})
	if r != newThread {
		t.Fatalf("route %v, want newThread", r)
	}
	want := bots.ConversationKey{Platform: bots.Discord, Team: "1100000000000000003", Channel: m.ID, Thread: m.ID}
	if msg.Key != want || msg.SettingsChannel != "1100000000000000004" || !msg.Mentioned || msg.InThread || msg.DM {
		t.Errorf("message %+v", msg)
	}
	if msg.Text != "comment inverser une slice en Go ?" || msg.UserName != "Alice" || msg.UserID != "1100000000000000005" {
		t.Errorf("text %q user %q %q", msg.Text, msg.UserName, msg.UserID)
	}
}

func TestNormalizeRoutes(t *testing.T) {
	alice := &discordgo.User{ID: "5", Username: "alice", GlobalName: "Alice"}
	text := discordgo.ChannelTypeGuildText
	thread := channelInfo{id: "T", kind: discordgo.ChannelTypeGuildPublicThread, parent: "C", resolved: true}
	cases := []struct {
		name  string
		m     discordgo.Message
		w     where
		route route
		text  string
		check func(t *testing.T, msg bots.Message)
	}{
		{name: "own message", m: discordgo.Message{ID: "1", ChannelID: "C", GuildID: "G", Author: &discordgo.User{ID: botID}, Content: "hi"},
			w: where{botID: botID}, route: skip},
		{name: "other bot", m: discordgo.Message{ID: "1", ChannelID: "C", GuildID: "G", Author: &discordgo.User{ID: "9", Bot: true}, Content: "<@" + botID + "> hi"},
			w: where{botID: botID}, route: skip},
		{name: "webhook", m: discordgo.Message{ID: "1", ChannelID: "C", GuildID: "G", Author: alice, WebhookID: "7", Content: "<@" + botID + "> hi"},
			w: where{botID: botID}, route: skip},
		{name: "nil author", m: discordgo.Message{ID: "1", ChannelID: "C", GuildID: "G", Content: "<@" + botID + "> hi"},
			w: where{botID: botID}, route: skip},
		{name: "system message", m: discordgo.Message{ID: "1", ChannelID: "C", GuildID: "G", Author: alice, Type: discordgo.MessageTypeGuildMemberJoin},
			w: where{botID: botID}, route: skip},
		{name: "no mention in a channel", m: discordgo.Message{ID: "1", ChannelID: "C", GuildID: "G", Author: alice, Content: "hello all"},
			w: where{botID: botID, channel: channelInfo{id: "C", kind: text}}, route: skip},
		{name: "nickname mention form", m: discordgo.Message{ID: "1", ChannelID: "C", GuildID: "G", Author: alice, Content: "<@!" + botID + ">   why?"},
			w: where{botID: botID, channel: channelInfo{id: "C", kind: text}}, route: newThread, text: "why?"},
		{name: "role mention", m: discordgo.Message{ID: "1", ChannelID: "C", GuildID: "G", Author: alice, Content: "<@&77> why?", MentionRoles: []string{"77"}},
			w: where{botID: botID, botRoles: []string{"77"}, channel: channelInfo{id: "C", kind: text}}, route: newThread, text: "why?"},
		{name: "other role", m: discordgo.Message{ID: "1", ChannelID: "C", GuildID: "G", Author: alice, Content: "<@&78> why?", MentionRoles: []string{"78"}},
			w: where{botID: botID, botRoles: []string{"77"}, channel: channelInfo{id: "C", kind: text}}, route: skip},
		{name: "DM", m: discordgo.Message{ID: "1", ChannelID: "D", Author: alice, Content: "hello"},
			w: where{botID: botID}, route: answer, text: "hello", check: func(t *testing.T, msg bots.Message) {
				if !msg.DM || msg.Key.Channel != "D" || msg.Key.Thread != "" || msg.SettingsChannel != "D" {
					t.Errorf("DM message %+v", msg)
				}
			}},
		{name: "thread follow-up", m: discordgo.Message{ID: "2", ChannelID: "T", GuildID: "G", Author: alice, Content: "and then?"},
			w: where{botID: botID, channel: thread}, route: answer, text: "and then?", check: func(t *testing.T, msg bots.Message) {
				if !msg.InThread || msg.Mentioned || msg.Key.Channel != "T" || msg.Key.Thread != "T" || msg.SettingsChannel != "C" {
					t.Errorf("thread message %+v", msg)
				}
			}},
		{name: "other mentions spelled out", m: discordgo.Message{ID: "1", ChannelID: "D", Author: alice,
			Content: "ask <@42> about <#99>", Mentions: []*discordgo.User{{ID: "42", Username: "bob"}}},
			w: where{botID: botID}, route: answer, text: "ask @bob about <#99>"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			msg, r := normalize(&tc.m, tc.w)
			if r != tc.route {
				t.Fatalf("route %v, want %v", r, tc.route)
			}
			if tc.text != "" && msg.Text != tc.text {
				t.Errorf("text %q, want %q", msg.Text, tc.text)
			}
			if tc.check != nil {
				tc.check(t, msg)
			}
		})
	}
}

func TestDisplayName(t *testing.T) {
	u := &discordgo.User{Username: "alice", GlobalName: "Alice A."}
	if got := displayName(&discordgo.Member{Nick: "Al"}, u); got != "Al" {
		t.Errorf("nick: %q", got)
	}
	if got := displayName(&discordgo.Member{}, u); got != "Alice A." {
		t.Errorf("global: %q", got)
	}
	if got := displayName(nil, &discordgo.User{Username: "alice"}); got != "alice" {
		t.Errorf("username: %q", got)
	}
	if got := displayName(nil, nil); got != "" {
		t.Errorf("nil: %q", got)
	}
}

func TestThreadName(t *testing.T) {
	long := strings.Repeat("word ", 40)
	cases := map[string]string{
		"how do I reverse a slice?":  "how do I reverse a slice?",
		"first line\nsecond line":    "first line",
		"   ":                        "Question",
		"```go\nfunc main() {}\n```": "go",
		"**bold** question":          "bold** question",
		strings.Repeat("é", 150):     strings.Repeat("é", 99) + "…",
	}
	for in, want := range cases {
		if got := threadName(in); got != want {
			t.Errorf("threadName(%q) = %q, want %q", in, got, want)
		}
	}
	got := threadName(long)
	if n := utf8.RuneCountInString(got); n > 100 || !strings.HasSuffix(got, "…") || strings.Contains(got, "  ") {
		t.Errorf("long name %q (%d)", got, n)
	}
}

func TestFlagLanguage(t *testing.T) {
	for emoji, want := range map[string]string{"🇫🇷": "fr", "🇩🇪": "de", "🇯🇵": "ja", "🇬🇧": "en", "👍": "", "🇦🇶": "", "fr": ""} {
		if got := flagLanguage(emoji); got != want {
			t.Errorf("flagLanguage(%q) = %q, want %q", emoji, got, want)
		}
	}
}

func TestLanguageChoices(t *testing.T) {
	if got := languageChoices("fr", false); len(got) != 1 || got[0].Value != "fr" {
		t.Errorf("fr: %+v", got)
	}
	if got := languageChoices("japan", false); len(got) != 1 || got[0].Value != "ja" {
		t.Errorf("japan: %+v", got)
	}
	if got := languageChoices("", true); len(got) != 25 || got[0].Value != "auto" {
		t.Errorf("empty with auto: %d choices, first %+v", len(got), got[0])
	}
	if got := languageChoices("zzz", false); len(got) != 0 {
		t.Errorf("zzz: %+v", got)
	}
}
