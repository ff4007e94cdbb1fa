package console

import (
	"context"
	"strings"

	"mistralbot/bots"
)

// command runs a "/name args" line; it returns true on /quit. The
// console's own commands are here (help.go has the list the user sees);
// the others are the Engine's.
func (c *Console) command(ctx context.Context, line string) bool {
	name, text, _ := strings.Cut(strings.TrimPrefix(line, "/"), " ")
	name, option, _ := strings.Cut(strings.ToLower(name), ":")
	text = strings.TrimSpace(text)
	switch name {
	case "quit", "exit":
		return true
	case "reset":
		c.reset()
		c.println("(new conversation)")
		return false
	case "image", "file":
		c.attach(text)
		return false
	case "help":
		c.println(help)
		return false
	case "model":
		c.model(ctx, text)
		return false
	}
	if !engineCommands[name] {
		// The Engine answers an unknown command with the chat platforms'
		// help; in a terminal a typo deserves a short line.
		c.println("unknown command /" + name + ", try /help")
		return false
	}
	msg := c.message(text)
	msg.Attachments = c.takePending()
	cmd := bots.Command{Name: name, Text: text, Msg: msg, Options: map[string]string{"prefix": "/"}}
	if name == "code" && option != "" {
		cmd.Options["language"] = option
	}
	resp := c.opts.Engine.Command(ctx, c, cmd)
	if resp.Ask == nil {
		c.println(resp.Text)
		return false
	}
	c.addTurn(bots.Turn{Role: bots.UserTurn, ID: msg.ID, Name: msg.UserName, Text: resp.Ask.Question, Attachments: msg.Attachments})
	done := c.expect(msg.ID)
	r := c.newReply(msg.Key, msg.ID)
	c.answering(msg.ID)
	defer c.answering("")
	if err := c.opts.Engine.Answer(ctx, resp.Ask, r); err != nil {
		// Answer finished the reply with the localized notice already.
		return false
	}
	c.wait(ctx, done)
	return false
}

// reset forgets the conversation and starts a new one.
func (c *Console) reset() {
	c.mu.Lock()
	old := c.keyLocked()
	c.turns = nil
	c.session++
	c.mu.Unlock()
	c.opts.Engine.Forget(old)
}
