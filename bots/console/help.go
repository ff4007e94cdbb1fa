package console

import (
	"context"
	"strings"

	"mistralbot/bots"
)

// engineCommands are the Engine's commands (bots/commands) the console
// passes on; any other name is unknown.
var engineCommands = map[string]bool{
	"ask": true, "code": true, "explain": true, "review": true, "translate": true,
	"lang": true, "prompt": true, "usage": true,
}

// help is the terminal's /help: the chat platforms' help speaks of
// mentions, threads and reactions, which a terminal has none of.
const help = "Type a question and press Enter. A pasted block is one question; end a line with \\ to go on,\n" +
	"or open a ``` fence and close it. Ctrl-C stops an answer; Ctrl-C twice at the prompt, Ctrl-D or /quit leaves.\n" +
	"  /ask TEXT, /explain TEXT, /review TEXT  ask about a text or code (paste it after the command)\n" +
	"  /code[:LANGUAGE] TEXT                   ask for code, in that language\n" +
	"  /translate LANG TEXT                    translate TEXT into LANG\n" +
	"  /lang [CODE|auto]                       show or set the answers' language\n" +
	"  /prompt [TEXT|clear]                    show or set the system prompt\n" +
	"  /model [ID]                             show or switch the model for this chat\n" +
	"  /usage                                  today's usage and limits\n" +
	"  /image PATH, /file PATH                 attach a local file (image, document, audio) to the next question\n" +
	"  /reset                                  start a new conversation\n" +
	"  /help                                   this list\n" +
	"  /quit, /exit                            leave"

// SettingsEditor is the Engine's settings, an optional capability of
// Options.Engine (the Engine has it): /model reads and sets the console
// channel's model through it, the store path /lang takes.
type SettingsEditor interface {
	Settings(ctx context.Context, channelID string) bots.Settings
	UpdateSettings(ctx context.Context, channelID string, cs bots.ChannelSettings) error
}

// settingsChannel is the console's channel in the settings store.
var settingsChannel = bots.ChannelID(bots.Console, "console")

// model is /model [ID]: without an id it shows the model in use.
func (c *Console) model(ctx context.Context, id string) {
	se, ok := c.opts.Engine.(SettingsEditor)
	if !ok {
		c.println("(/model is not available here)")
		return
	}
	if id == "" {
		m := se.Settings(ctx, settingsChannel).Model
		if m == "" {
			m = "the provider's default"
		}
		c.println("model: " + m + " (/model ID switches)")
		return
	}
	if strings.ContainsAny(id, " \t") {
		c.println("a model id has no spaces: /model ID")
		return
	}
	if err := se.UpdateSettings(ctx, settingsChannel, bots.ChannelSettings{Model: &id}); err != nil {
		c.println("error: " + err.Error())
		return
	}
	c.println("(model for this chat: " + id + ")")
}
