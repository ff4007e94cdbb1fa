package slack

import (
	"context"
	"fmt"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
)

// Approvals of tool calls and the tools' status (issue 16). A prompt is a
// thread message with a section and an actions block of two buttons
// whose action_ids say the decision and whose value is the approval's
// key; the click arrives as block_actions (controls.go) and goes to the
// Engine, which only records it. A decision replaces the prompt
// (chat.update, blocks=[] to drop the buttons); a refusal is ephemeral.
// Button elements: https://docs.slack.dev/reference/block-kit/block-elements/button-element
//
// While tools run, the thread shows their status through
// assistant.threads.setStatus (the "is thinking…" indicator with another
// text, https://docs.slack.dev/reference/methods/assistant.threads.setStatus/),
// paced by the workspace's status budget. A native stream that has
// started shows each call as a task_update chunk instead (task cards
// interleaved with the text:
// https://docs.slack.dev/reference/methods/chat.appendStream/;
// nativetasks.go); a post+update reply has no stream and keeps the
// status, as does a native reply before its first text or after the
// stream refused a chunk.

// Action ids of the prompt's buttons; the value is the approval key.
const (
	ApproveActionID = "mistralbot_approve"
	DenyActionID    = "mistralbot_deny"
)

// Approver is the Engine's DecideApproval, an optional capability of
// Options.Engine (the Engine has it; cmd/mistralbot asserts it): without
// it a click is answered "already decided".
type Approver interface {
	DecideApproval(ctx context.Context, p bots.Platform, key, userID, userName string, admin, approve bool) (bots.ApprovalResult, error)
}

var (
	_ bots.ApprovalPrompter = (*streamReply)(nil)
	_ bots.ApprovalPrompter = (*nativeReply)(nil)
	_ bots.ToolProgress     = (*streamReply)(nil)
	_ bots.ToolProgress     = (*nativeReply)(nil)
)

// AskApproval implements bots.ApprovalPrompter.
func (r *streamReply) AskApproval(ctx context.Context, p bots.ApprovalPrompt) (string, error) {
	return r.sink.askApproval(ctx, p)
}

// CloseApproval implements bots.ApprovalPrompter.
func (r *streamReply) CloseApproval(ctx context.Context, id, text string) error {
	return r.sink.closeApproval(ctx, id, text)
}

// ToolStatus implements bots.ToolProgress.
func (r *streamReply) ToolStatus(ctx context.Context, status string) error {
	return r.sink.toolStatus(ctx, status)
}

// AskApproval implements bots.ApprovalPrompter.
func (r *nativeReply) AskApproval(ctx context.Context, p bots.ApprovalPrompt) (string, error) {
	return r.sink.askApproval(ctx, p)
}

// CloseApproval implements bots.ApprovalPrompter.
func (r *nativeReply) CloseApproval(ctx context.Context, id, text string) error {
	return r.sink.closeApproval(ctx, id, text)
}

// ToolStatus implements bots.ToolProgress.
func (r *nativeReply) ToolStatus(ctx context.Context, status string) error {
	return r.sink.toolStatus(ctx, status)
}

// askApproval posts the prompt in the reply's thread, addressed to the
// asker (a user mention the adapter writes; the model's text never
// becomes markup: Mrkdwn escapes it).
func (s *threadSink) askApproval(ctx context.Context, p bots.ApprovalPrompt) (string, error) {
	text := Mrkdwn(p.Text)
	if p.Asker != "" {
		text = "<@" + p.Asker + "> " + text
	}
	approve := slackgo.NewButtonBlockElement(ApproveActionID, p.Key, slackgo.NewTextBlockObject(slackgo.PlainTextType, p.Approve, false, false))
	approve.Style = slackgo.StylePrimary
	deny := slackgo.NewButtonBlockElement(DenyActionID, p.Key, slackgo.NewTextBlockObject(slackgo.PlainTextType, p.Deny, false, false))
	deny.Style = slackgo.StyleDanger
	blocks := append(textSections(text), slackgo.NewActionBlock("approval", approve, deny))
	return s.post(ctx, text, -1, slackgo.MsgOptionBlocks(blocks...))
}

// closeApproval replaces a prompt by text, without its buttons.
func (s *threadSink) closeApproval(ctx context.Context, id, text string) error {
	return s.edit(ctx, id, Mrkdwn(text), slackgo.MsgOptionBlocks())
}

// toolStatus shows status as the thread's status, budget permitting (a
// status is a courtesy: none is better than a 429 for the answer's own
// calls).
func (s *threadSink) toolStatus(ctx context.Context, status string) error {
	if s.thread == "" {
		return nil
	}
	if !s.ws.statuses.Allow() {
		return fmt.Errorf("slack: tool status in %s: status budget spent", s.channel)
	}
	err := s.a.api.SetAssistantThreadsStatusContext(ctx, slackgo.AssistantThreadsSetStatusParameters{
		ChannelID: s.channel, ThreadTS: s.thread, Status: status})
	if err != nil {
		s.a.statusFailed(ctx, s.ws, s.channel, "cannot set tool status", err)
		return err
	}
	return nil
}

// handleApproval records an Approve or Deny click. Admin rights are
// looked up only when the clicker is not the asker (as for Stop).
func (a *Adapter) handleApproval(ctx context.Context, in blockActions, key string, approve bool) {
	user := a.users.info(ctx, in.User.ID)
	ap, ok := a.opts.Engine.(Approver)
	res := bots.ApprovalResult{Outcome: bots.ApprovalOver, Text: i18n.T(a.uiLang(ctx, in.Channel.ID, user.Locale), i18n.ApprovalOver)}
	var err error
	if ok {
		res, err = ap.DecideApproval(ctx, bots.Slack, key, in.User.ID, user.Name, false, approve)
		if err == nil && res.Outcome == bots.ApprovalNotAllowed && user.Admin {
			res, err = ap.DecideApproval(ctx, bots.Slack, key, in.User.ID, user.Name, true, approve)
		}
	}
	if err != nil {
		a.log.WarnContext(ctx, "approval click not recorded", "err", err)
	}
	if res.Outcome == bots.ApprovalDecided && in.Message.TS != "" {
		_, _, _, uerr := a.api.UpdateMessageContext(ctx, in.Channel.ID, in.Message.TS, slackgo.MsgOptionText(Mrkdwn(res.Text), false),
			slackgo.MsgOptionParse(false), slackgo.MsgOptionLinkNames(false), slackgo.MsgOptionBlocks())
		if uerr != nil {
			_ = a.logCallErr(ctx, "chat.update", in.Channel.ID, a.apiErr(ctx, "chat.update", uerr, nil))
		}
		return
	}
	msg := bots.Message{Key: bots.ConversationKey{Platform: bots.Slack, Team: in.Team.ID, Channel: in.Channel.ID, Thread: in.Message.ThreadTS},
		UserID: in.User.ID}
	a.ephemeral(ctx, msg, in.ResponseURL, res.Text)
}
