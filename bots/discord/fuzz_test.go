package discord

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
)

// FuzzGatewayPayload feeds arbitrary JSON through the MESSAGE_CREATE path:
// the adapter's tolerant decoding, then normalize, in a DM, a channel and a
// thread.
func FuzzGatewayPayload(f *testing.F) {
	f.Add(fixtureMessage(f))
	f.Add([]byte(`{"id":"1","channel_id":"2","author":{"id":"3"},"content":"<@<@` + botID + `>` + botID + `> hi"}`))
	f.Add([]byte(`{"id":"1","channel_id":"2","guild_id":"9","author":{"id":"3"},"content":"<@&7> <#5> <@!4>","mention_roles":["7"],"mentions":[null,{"id":"4"}]}`))
	f.Add([]byte(`{"id":"1","channel_id":"2","guild_id":"9","type":19,"author":{"id":"3","bot":false},"member":{"nick":"x"},"referenced_message":{"id":"0"}}`))
	f.Add([]byte(`{}`))
	f.Add([]byte(`null`))
	places := []where{
		{botID: botID},
		{botID: botID, botRoles: []string{"7"}, channel: channelInfo{id: "2", kind: discordgo.ChannelTypeGuildText}},
		{botID: botID, channel: channelInfo{id: "2", kind: discordgo.ChannelTypeGuildPublicThread, parent: "8"}},
		{},
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		mp, err := decodeMessage(raw)
		if err != nil {
			return
		}
		m := *mp
		for _, w := range places {
			msg, r := normalize(&m, w)
			if r == skip {
				continue
			}
			if msg.Key.Platform != bots.Discord || msg.ID != m.ID || msg.UserID == "" || msg.SettingsChannel == "" {
				t.Fatalf("incomplete message %+v", msg)
			}
			if w.botID != "" && (strings.Contains(msg.Text, "<@"+w.botID+">") || strings.Contains(msg.Text, "<@!"+w.botID+">")) {
				t.Fatalf("bot mention left in %q", msg.Text)
			}
			if r == newThread && (msg.Key.Channel != m.ID || msg.Key.Thread != m.ID || !msg.Mentioned) {
				t.Fatalf("new thread key %+v", msg.Key)
			}
			name := threadName(msg.Text)
			if n := utf8.RuneCountInString(name); n < 1 || n > 100 {
				t.Fatalf("thread name %q has %d characters", name, n)
			}
		}
	})
}

// failingTransport refuses every request: fuzzing must not reach out.
type failingTransport struct{}

func (failingTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network in fuzzing")
}

// FuzzInteraction feeds arbitrary JSON through interaction decoding and the
// conversion to an Engine command.
func FuzzInteraction(f *testing.F) {
	f.Add([]byte(`{"id":"1","application_id":"2","type":2,"token":"t","channel_id":"4","guild_id":"3","data":{"name":"code","type":1,"options":[{"name":"question","type":3,"value":"q"},{"name":"language","type":3,"value":"go"}]},"member":{"user":{"id":"5"},"permissions":"16"},"channel":{"id":"4","type":11,"parent_id":"6"}}`))
	f.Add([]byte(`{"id":"1","type":2,"token":"t","channel_id":"4","data":{"name":"Explain code","type":3,"target_id":"9","resolved":{"messages":{"9":{"id":"9","content":"x","attachments":[{"id":"a","filename":"a.go","url":"http://127.0.0.1:1/a.go"}]}}}},"user":{"id":"5"}}`))
	f.Add([]byte(`{"id":"1","type":4,"token":"t","data":{"name":"translate","options":[{"name":"target","type":3,"value":"fr","focused":true}]}}`))
	f.Add([]byte(`{"id":"1","type":2,"token":"t","data":{"name":"ask","options":[null,{"name":"question","type":4,"value":3}]}}`))
	f.Add([]byte(`{"id":"1","type":3,"token":"t"}`))
	a, err := New(Options{Token: "x", ShardCount: 1, AttachmentMaxBytes: 100_000, GlobalPerSecond: 50, HTTPClient: &http.Client{Transport: failingTransport{}}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		in, info, readable, err := decodeInteraction(raw)
		if err != nil {
			return
		}
		msg := a.interactionMessage(in, info)
		if msg.Key.Platform != bots.Discord || msg.DM != (in.GuildID == "") || (msg.DM && !msg.Admin) {
			t.Fatalf("message %+v", msg)
		}
		if !readable {
			return
		}
		switch data := in.Data.(type) {
		case discordgo.ApplicationCommandInteractionData:
			cmd := a.commandOf(context.Background(), in, info, data)
			if cmd.Name == "" && data.Name != "" {
				t.Fatalf("command lost its name: %+v", cmd)
			}
			_ = languageChoices(focusedValue(data.Options), data.Name == "lang")
		}
	})
}
