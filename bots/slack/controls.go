package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
	"mistralbot/bots/stream"
)

// StopActionID is the action_id of the Stop button on an answer being
// written; its value is the reply id (threadSink.replyID).
const StopActionID = "mistralbot_stop"

// FeedbackActionID is the action_id of the feedback_buttons element on a
// finished answer; the values are "up:<reply id>" and "down:<reply id>".
const FeedbackActionID = "mistralbot_feedback"

var (
	_ stream.RatingSink  = (*controlSink)(nil)
	_ bots.OncePoster    = (*ratedSink)(nil)
	_ stream.ControlSink = (*controlSink)(nil)
	_ bots.OncePoster    = (*controlSink)(nil)
	_ bots.OncePoster    = (*liveSink)(nil)
	_ bots.Controlled    = (*streamReply)(nil)
)

// controls wraps a reply's sink so that its messages show the Stop button
// while the answer is written, when Options.StopButton is on.
func (a *Adapter) controls(s *threadSink) stream.Sink {
	if !a.opts.StopButton {
		return s
	}
	return &controlSink{threadSink: s}
}

// ReplyID implements bots.Controlled: the Stop button's value.
func (r *streamReply) ReplyID() string {
	if !r.controlled {
		return ""
	}
	return r.sink.replyID
}

// controlSink is a threadSink whose messages can carry the Stop button
// (stream.ControlSink). Its own edits clear the blocks: chat.update without
// blocks keeps a message's old ones
// (https://github.com/slackapi/python-slack-sdk/issues/523), so the final
// edit sends blocks=[] and the button goes with it.
type controlSink struct {
	*threadSink
	once  sync.Once
	label string
}

// Edit implements stream.Sink: the text, without blocks.
func (c *controlSink) Edit(ctx context.Context, id, text string) error {
	return c.edit(ctx, id, text, slackgo.MsgOptionBlocks())
}

// Live implements stream.ControlSink.
func (c *controlSink) Live() stream.Sink { return (*liveSink)(c) }

// Rated implements stream.RatingSink.
func (c *controlSink) Rated() stream.Sink { return (*ratedSink)(c) }

// ratedSink posts and edits a finished answer's last message with the
// feedback buttons: Slack's feedback_buttons element in a context_actions
// block (https://docs.slack.dev/reference/block-kit/blocks/context-actions-block,
// https://docs.slack.dev/reference/block-kit/block-elements/feedback-buttons-element).
type ratedSink controlSink

// Post implements stream.Sink.
func (r *ratedSink) Post(ctx context.Context, text string) (string, error) {
	return r.post(ctx, text, -1, r.blocks(ctx, text))
}

// PostOnce implements bots.OncePoster.
func (r *ratedSink) PostOnce(ctx context.Context, part int, text string) (string, error) {
	return r.postOnce(ctx, part, text, r.blocks(ctx, text))
}

// Edit implements stream.Sink.
func (r *ratedSink) Edit(ctx context.Context, id, text string) error {
	return r.edit(ctx, id, text, r.blocks(ctx, text))
}

func (r *ratedSink) blocks(ctx context.Context, text string) slackgo.MsgOption {
	bs := append(textSections(text), feedbackBlock(r.replyID))
	return slackgo.MsgOptionBlocks(append(bs, r.threadSink.regenerateBlocks(ctx)...)...)
}

// feedbackBlock is the context_actions block with the feedback buttons of
// the answer replyID.
func feedbackBlock(replyID string) slackgo.Block {
	fb := slackgo.NewFeedbackButtonsBlockElement(FeedbackActionID,
		slackgo.NewFeedbackButton(slackgo.NewTextBlockObject(slackgo.PlainTextType, "👍", true, false), "up:"+replyID),
		slackgo.NewFeedbackButton(slackgo.NewTextBlockObject(slackgo.PlainTextType, "👎", true, false), "down:"+replyID))
	return slackgo.NewContextActionsBlock("feedback", fb)
}

var (
	_ bots.Controlled = (*nativeReply)(nil)
	_ bots.Rateable   = (*nativeReply)(nil)
)

// ReplyID implements bots.Controlled for a native stream: it has no Stop
// button (chat.startStream/appendStream carry no blocks), but its votes
// are counted by this id.
func (r *nativeReply) ReplyID() string { return r.ns.replyID() }

// replyID is the reply's id for its controls ("" with Stop off).
func (s *nativeSink) replyID() string {
	if !s.a.opts.StopButton {
		return ""
	}
	return s.sink.replyID
}

// OfferFeedback implements bots.Rateable: the final chat.stopStream
// carries the feedback buttons, "rendered at the bottom of the finalized
// message" (https://docs.slack.dev/reference/methods/chat.stopStream). An
// answer that ended in the post+update fallback has none.
func (r *nativeReply) OfferFeedback() { r.ns.rated.Store(true) }

// feedbackBlocks are the final stop's extra options.
func (s *nativeSink) feedbackBlocks(ctx context.Context) []slackgo.MsgOption {
	if !s.rated.Load() {
		return nil
	}
	bs := append([]slackgo.Block{feedbackBlock(s.sink.replyID)}, s.sink.regenerateBlocks(ctx)...)
	return []slackgo.MsgOption{slackgo.MsgOptionBlocks(bs...)}
}

// textSections are text as section blocks (mrkdwn, verbatim).
func textSections(text string) []slackgo.Block {
	var bs []slackgo.Block
	for _, chunk := range sections(text, sectionLimit) {
		bs = append(bs, slackgo.NewSectionBlock(slackgo.NewTextBlockObject(slackgo.MarkdownType, chunk, false, true), nil, nil))
	}
	return bs
}

// liveSink posts and edits with the Stop button.
type liveSink controlSink

// Post implements stream.Sink.
func (l *liveSink) Post(ctx context.Context, text string) (string, error) {
	return l.post(ctx, text, -1, l.blocks(ctx, text))
}

// PostOnce implements bots.OncePoster.
func (l *liveSink) PostOnce(ctx context.Context, part int, text string) (string, error) {
	return l.postOnce(ctx, part, text, l.blocks(ctx, text))
}

// Edit implements stream.Sink.
func (l *liveSink) Edit(ctx context.Context, id, text string) error {
	return l.edit(ctx, id, text, l.blocks(ctx, text))
}

// blocks are text as section blocks (a section holds sectionLimit
// characters: a live message's text, up to updateLimit, may need two),
// then the Stop button. The text
// stays in the text field too: notifications and old clients show it.
func (l *liveSink) blocks(ctx context.Context, text string) slackgo.MsgOption {
	l.once.Do(func() {
		l.label = i18n.T(l.a.uiLang(ctx, l.channel, l.asker.to.Locale), i18n.StopButton)
	})
	bs := textSections(text)
	btn := slackgo.NewButtonBlockElement(StopActionID, l.replyID, slackgo.NewTextBlockObject(slackgo.PlainTextType, "⏹ "+l.label, true, false))
	bs = append(bs, slackgo.NewActionBlock("controls", btn))
	return slackgo.MsgOptionBlocks(bs...)
}

// sections splits text into chunks of at most limit characters, at a line
// break when there is one.
func sections(text string, limit int) []string {
	var out []string
	for utf8.RuneCountInString(text) > limit {
		cut := len(string([]rune(text)[:limit]))
		if i := strings.LastIndexByte(text[:cut], '\n'); i > 0 {
			cut = i + 1
		}
		out = append(out, text[:cut])
		text = text[cut:]
	}
	if strings.TrimSpace(text) != "" {
		out = append(out, text)
	}
	return out
}

// blockActions is the part of a block_actions payload the adapter reads
// (https://docs.slack.dev/reference/interaction-payloads/block_actions-payload).
type blockActions struct {
	Team struct {
		ID string `json:"id"`
	} `json:"team"`
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	Channel struct {
		ID string `json:"id"`
	} `json:"channel"`
	Message struct {
		TS       string `json:"ts"`
		ThreadTS string `json:"thread_ts"`
	} `json:"message"`
	ResponseURL string `json:"response_url"`
	TriggerID   string `json:"trigger_id"`
	Actions     []struct {
		ActionID string `json:"action_id"`
		Value    string `json:"value"`
	} `json:"actions"`
}

// acceptBlockActions handles a button click. The envelope (Socket Mode) or
// the HTTP request is acknowledged by the caller at once, well within
// Slack's 3 seconds
// (https://docs.slack.dev/interactivity/handling-user-interaction#acknowledgment_response);
// the stop runs on its own goroutine.
func (a *Adapter) acceptBlockActions(payload []byte) error {
	var in blockActions
	if err := json.Unmarshal(payload, &in); err != nil {
		return fmt.Errorf("%w: block_actions: %v", errMalformed, err)
	}
	for _, act := range in.Actions {
		if act.ActionID == SummaryConfirmActionID {
			if in.User.ID == "" || in.Channel.ID == "" || act.Value == "" {
				return fmt.Errorf("%w: summary confirm without user, channel or token", errMalformed)
			}
			token := act.Value
			if !a.spawn(handlerTimeout, func(ctx context.Context) { a.handleSummaryConfirm(ctx, in, token) }) {
				return errNotRunning
			}
			continue
		}
		if act.ActionID == FeedbackActionID {
			if in.User.ID == "" || in.Channel.ID == "" || act.Value == "" {
				return fmt.Errorf("%w: feedback action without user, channel or value", errMalformed)
			}
			value := act.Value
			if !a.spawn(handlerTimeout, func(ctx context.Context) { a.handleFeedback(ctx, in, value) }) {
				return errNotRunning
			}
			continue
		}
		if act.ActionID == RegenerateActionID {
			if err := a.acceptRegenerate(in, act.Value); err != nil { // regenerate.go
				return err
			}
			continue
		}
		if act.ActionID == ApproveActionID || act.ActionID == DenyActionID {
			if in.User.ID == "" || in.Channel.ID == "" || act.Value == "" {
				return fmt.Errorf("%w: approval action without user, channel or key", errMalformed)
			}
			key, approve := act.Value, act.ActionID == ApproveActionID
			if !a.spawn(handlerTimeout, func(ctx context.Context) { a.handleApproval(ctx, in, key, approve) }) {
				return errNotRunning
			}
			continue
		}
		if act.ActionID != StopActionID {
			a.log.Info("unhandled block action; acknowledged and ignored", "action_id", act.ActionID)
			continue
		}
		if in.User.ID == "" || in.Channel.ID == "" || act.Value == "" {
			return fmt.Errorf("%w: stop action without user, channel or reply id", errMalformed)
		}
		replyID := act.Value
		if !a.spawn(handlerTimeout, func(ctx context.Context) { a.handleStop(ctx, in, replyID) }) {
			return errNotRunning
		}
	}
	return nil
}

// handleStop stops the reply replyID for the clicker. A click that
// changed nothing (not allowed, already over) is answered ephemerally; a
// stop that worked shows in the message itself (the notice, the button
// gone). The clicker's admin rights are looked up only when they are not
// the asker.
func (a *Adapter) handleStop(ctx context.Context, in blockActions, replyID string) {
	res, err := a.opts.Engine.Stop(ctx, bots.Slack, replyID, in.User.ID, false)
	if err == nil && res == bots.StopNotAllowed {
		if u := a.users.info(ctx, in.User.ID); u.Admin {
			res, err = a.opts.Engine.Stop(ctx, bots.Slack, replyID, in.User.ID, true)
		}
	}
	if err != nil {
		a.log.WarnContext(ctx, "stop refused", "err", err)
		return
	}
	var key i18n.Key
	switch res {
	case bots.StopDone:
		a.log.InfoContext(ctx, "answer stopped by a click", "channel", in.Channel.ID, "user", in.User.ID)
		return
	case bots.StopNotAllowed:
		key = i18n.StopNotAllowed
	default:
		key = i18n.StopOver
	}
	user := a.users.info(ctx, in.User.ID)
	thread := in.Message.ThreadTS
	msg := bots.Message{Key: bots.ConversationKey{Platform: bots.Slack, Team: in.Team.ID, Channel: in.Channel.ID, Thread: thread},
		UserID: in.User.ID}
	a.ephemeral(ctx, msg, in.ResponseURL, i18n.T(a.uiLang(ctx, in.Channel.ID, user.Locale), key))
}

// handleFeedback records a 👍 / 👎 and thanks the clicker ephemerally
// (a click delivered twice is thanked again and counted once).
func (a *Adapter) handleFeedback(ctx context.Context, in blockActions, value string) {
	vote, replyID, _ := strings.Cut(value, ":")
	key := i18n.FeedbackUnknown
	if vote == "up" || vote == "down" {
		res, err := a.opts.Engine.Feedback(ctx, bots.Slack, replyID, in.User.ID, vote == "up")
		switch {
		case err != nil:
			a.log.WarnContext(ctx, "feedback not recorded", "err", err)
			key = i18n.ErrInternal
		case res != bots.FeedbackUnknown:
			key = i18n.FeedbackThanks
		}
	}
	user := a.users.info(ctx, in.User.ID)
	if vote == "down" && key == i18n.FeedbackThanks {
		a.openReasonForm(ctx, in, replyID, a.uiLang(ctx, in.Channel.ID, user.Locale)) // reason.go
	}
	msg := bots.Message{Key: bots.ConversationKey{Platform: bots.Slack, Team: in.Team.ID, Channel: in.Channel.ID, Thread: in.Message.ThreadTS},
		UserID: in.User.ID}
	a.ephemeral(ctx, msg, in.ResponseURL, i18n.T(a.uiLang(ctx, in.Channel.ID, user.Locale), key))
}
