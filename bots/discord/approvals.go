package discord

import (
	"context"
	"strings"
	"sync"

	discordgo "github.com/bwmarrin/discordgo"

	"mistralbot/bots"
	"mistralbot/bots/engine"
	"mistralbot/bots/i18n"
)

// Approvals of tool calls and the tools' status line (issue 16). A prompt
// is a message in the reply's channel with two buttons whose custom_ids
// name the approval ("mistralbot_ok:<key>", "mistralbot_no:<key>"; a key
// is 32 characters, custom_id holds 100:
// https://discord.com/developers/docs/components/reference#button). A
// click (MESSAGE_COMPONENT) goes to the Engine; a decision replaces the
// prompt in the response itself (UPDATE_MESSAGE, type 7, with an empty
// components list to remove the buttons), a refusal is ephemeral.

const (
	approvePrefix = "mistralbot_ok:"
	denyPrefix    = "mistralbot_no:"
)

// Approver is the Engine's DecideApproval, an optional capability of
// Options.Engine (engine.Engine has it).
type Approver interface {
	DecideApproval(ctx context.Context, p bots.Platform, key, userID, userName string, admin, approve bool) (bots.ApprovalResult, error)
}

var (
	_ Approver              = (*engine.Engine)(nil)
	_ bots.ApprovalPrompter = (*reply)(nil)
	_ bots.ToolProgress     = (*reply)(nil)
)

// toolStatus is the status line shown under the text being written while
// tools run. The zero value shows none.
type toolStatus struct {
	mu     sync.Mutex
	status string
	last   string // the last text the Engine gave
}

// text is the answer so far with the status line under it, as Discord's
// small "-#" subtext (https://support.discord.com/hc/en-us/articles/210298617).
func (s *toolStatus) text(text string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = text
	if s.status == "" {
		return text
	}
	if text == "" {
		return "-# " + s.status
	}
	return text + "\n\n-# " + s.status
}

// ToolStatus implements bots.ToolProgress: the line goes into the message
// being written with the next edit (paced like any other).
func (r *reply) ToolStatus(ctx context.Context, status string) error {
	r.tools.mu.Lock()
	r.tools.status = strings.ReplaceAll(status, "\n", " ")
	last := r.tools.last
	r.tools.mu.Unlock()
	r.stop()
	return r.st.Update(ctx, r.tools.text(last))
}

// AskApproval implements bots.ApprovalPrompter: the prompt with its
// buttons in the reply's channel, posted once (nonce + enforce_nonce).
func (r *reply) AskApproval(ctx context.Context, p bots.ApprovalPrompt) (string, error) {
	comps := []discordgo.MessageComponent{discordgo.ActionsRow{Components: []discordgo.MessageComponent{
		discordgo.Button{Label: p.Approve, Style: discordgo.SuccessButton, CustomID: approvePrefix + p.Key},
		discordgo.Button{Label: p.Deny, Style: discordgo.DangerButton, CustomID: denyPrefix + p.Key},
	}}}
	text := p.Text
	if p.Asker != "" {
		text = "<@" + p.Asker + "> " + text // shown, never pinged (allowed_mentions parse [])
	}
	nonce := "ap" + p.Key
	if len(nonce) > 25 { // Discord's nonce limit
		nonce = nonce[:25]
	}
	return r.a.rest.createMessage(ctx, "post approval prompt in "+r.channel, r.channel, limitText(text), nonce, nil, &comps)
}

// CloseApproval implements bots.ApprovalPrompter.
func (r *reply) CloseApproval(ctx context.Context, id, text string) error {
	return r.a.rest.editMessage(ctx, "close approval prompt in "+r.channel, r.channel, id, limitText(text), &[]discordgo.MessageComponent{})
}

// limitText keeps a prompt within Discord's 2,000 characters.
func limitText(s string) string {
	r := []rune(s)
	if len(r) <= 2000 {
		return s
	}
	return string(r[:1999]) + "…"
}

// onApproval answers an Approve or Deny click at once (Discord's 3
// seconds): the Engine only records the decision.
func (a *Adapter) onApproval(ctx context.Context, in *discordgo.Interaction, info channelInfo, customID string, send respondFunc) error {
	msg := a.interactionMessage(in, info)
	lang := i18n.Match(msg.Locale)
	ap, ok := a.opts.Engine.(Approver)
	if !ok {
		return send(ctx, ephemeral(i18n.T(lang, i18n.ApprovalOver)))
	}
	approve := strings.HasPrefix(customID, approvePrefix)
	key := strings.TrimPrefix(strings.TrimPrefix(customID, approvePrefix), denyPrefix)
	res, err := ap.DecideApproval(ctx, bots.Discord, key, msg.UserID, msg.UserName, msg.Admin, approve)
	if err != nil {
		a.log.Warn("discord: approval click not recorded", "err", err)
	}
	if res.Outcome != bots.ApprovalDecided {
		return send(ctx, ephemeral(res.Text))
	}
	return send(ctx, &discordgo.InteractionResponse{Type: discordgo.InteractionResponseUpdateMessage,
		Data: &discordgo.InteractionResponseData{Content: res.Text, Components: []discordgo.MessageComponent{}, AllowedMentions: noMentions()}})
}
