package slack

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"time"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/stream"
)

// nativeRefusal is how long a workspace that refused chat.startStream is
// served by post+update before native streaming is tried again.
const nativeRefusal = 10 * time.Minute

// nativeReply streams an answer with chat.startStream, chat.appendStream
// and chat.stopStream (markdown_text, so Slack renders the Markdown
// itself), written by the one writer's append-only mode (stream.Appender)
// over nativeSink: the writer paces the appends (EditInterval per reply,
// the workspace's Tier 4 budget), takes start+stop as a pair from the
// Tier 2 budget, appends only a stable prefix (a "<" that could become a
// token waits), reads the message back after an append whose outcome is
// unknown, and sends the last text with stopStream. When Slack refuses
// streaming, the budget is spent, or the answer outgrows one streamed
// message (12,000 characters of Markdown), the rest goes through the
// post+update Streamer (4,000 characters of mrkdwn per part).
type nativeReply struct {
	*stream.Appender
	a      *Adapter
	sink   *threadSink
	status *statusOp
	ns     *nativeSink
}

var (
	_ bots.Reply       = (*nativeReply)(nil)
	_ bots.MessageIDs  = (*nativeReply)(nil)
	_ bots.FirstPoster = (*nativeReply)(nil)
)

func (a *Adapter) newNativeReply(ws *workspace, key bots.ConversationKey, to bots.Message, st *statusOp, sink *threadSink, fallback *stream.Streamer) *nativeReply {
	ns := &nativeSink{a: a, ws: ws, key: key, to: to, status: st, sink: sink}
	r := &nativeReply{a: a, sink: sink, status: st, ns: ns}
	r.Appender = stream.NewAppender(ns, stream.AppendOptions{
		Limit:       markdownLimit,
		Render:      neutralizeMarkdown,
		Stable:      func(text string, from int) int { return max(from, stablePrefix(text)) },
		Opens:       ws.streams,
		Appends:     ws.appends,
		MinInterval: a.opts.EditInterval,
		Continue:    fallback,
		OnSideOff:   ns.tasksToStatus,
		Logger:      a.log,
		Now:         a.now,
	})
	return r
}

// Finish implements bots.Reply: it delivers the final text and returns the
// error that prevented it (after which the asker gets one notice).
func (r *nativeReply) Finish(ctx context.Context, text string) error {
	err := r.Appender.Finish(ctx, text)
	r.sink.done()
	r.status.end(ctx, len(r.IDs()) > 0)
	r.sink.undelivered(ctx, err)
	return err
}

// nativeSink is a Slack thread's streamed message as a stream.AppendSink:
// each method is one Web API call, its error classified (errors.go).
type nativeSink struct {
	a      *Adapter
	ws     *workspace
	key    bots.ConversationKey
	to     bots.Message
	status *statusOp
	sink   *threadSink
	rated  atomic.Bool // OfferFeedback was called (controls.go)
}

var (
	_ stream.AppendSink  = (*nativeSink)(nil)
	_ stream.ReadBacker  = (*nativeSink)(nil)
	_ stream.StartFinder = (*nativeSink)(nil)
	_ stream.SideSink    = (*nativeSink)(nil)
)

// Start implements stream.AppendSink with chat.startStream, after the
// thread's status call (so the status never arrives after the answer).
// A refusal that is not a hiccup turns native streaming off in the
// workspace for nativeRefusal.
func (s *nativeSink) Start(ctx context.Context, text string) (string, error) {
	s.status.wait(ctx)
	tctx, w := traced(ctx)
	_, ts, err := s.a.api.StartStreamContext(tctx, s.key.Channel, slackgo.MsgOptionTS(s.key.Thread),
		slackgo.MsgOptionMarkdownText(text), slackgo.MsgOptionRecipientUserID(s.to.UserID),
		slackgo.MsgOptionRecipientTeamID(s.key.Team))
	if err == nil {
		return ts, nil
	}
	err = s.a.apiErr(ctx, "chat.startStream", err, w)
	switch bots.ClassOf(err) {
	case bots.Transient, bots.Uncertain:
		// A hiccup or a 429, not a refusal: this reply falls back (or,
		// Uncertain, goes on in the stream FindStarted finds), the next
		// one streams again.
		_ = s.a.logCallErr(ctx, "chat.startStream", s.key.Channel, err)
	default:
		s.ws.refuseNative(s.a.now().Add(nativeRefusal))
		s.a.log.WarnContext(ctx, "slack refused native streaming; using chat.postMessage + chat.update",
			"channel", s.key.Channel, "code", errorCode(err), "err", err, "retry_in", nativeRefusal)
	}
	return "", err
}

// Append implements stream.AppendSink with chat.appendStream. Refused
// with stopped_by_user, the answer is stopped as a Stop click would
// (nativestop.go) and the refusal says the stream is closed already.
func (s *nativeSink) Append(ctx context.Context, ts, text string) error {
	tctx, w := traced(ctx)
	_, _, err := s.a.api.AppendStreamContext(tctx, s.key.Channel, ts, slackgo.MsgOptionMarkdownText(text))
	if err == nil {
		return nil
	}
	err = s.a.logCallErr(ctx, "chat.appendStream", s.key.Channel, s.a.apiErr(ctx, "chat.appendStream", err, w))
	if bots.ClassOf(err) == bots.Permanent && s.stoppedByUser(ctx, err) {
		return errors.Join(err, stream.ErrClosed)
	}
	return err
}

// Stop implements stream.AppendSink with chat.stopStream; the answer's
// last message carries the feedback (and Regenerate) buttons.
func (s *nativeSink) Stop(ctx context.Context, ts, text string, last bool) error {
	var opts []slackgo.MsgOption
	if last {
		opts = s.feedbackBlocks(ctx)
	}
	if text != "" {
		opts = append(opts, slackgo.MsgOptionMarkdownText(text))
	}
	tctx, w := traced(ctx)
	if _, _, err := s.a.api.StopStreamContext(tctx, s.key.Channel, ts, opts...); err != nil {
		return s.a.logCallErr(ctx, "chat.stopStream", s.key.Channel, s.a.apiErr(ctx, "chat.stopStream", err, w))
	}
	return nil
}

// ReadBack implements stream.ReadBacker: the streamed message's text (its
// markdown comes back as text).
func (s *nativeSink) ReadBack(ctx context.Context, ts string) (string, error) {
	m, err := s.a.fetchMessage(ctx, s.key.Channel, ts)
	if err != nil {
		return "", err
	}
	return messageBody(m), nil
}

// FindStarted implements stream.StartFinder: the bot's newest message in
// the thread whose text is chunk. "" when there is none (or the thread
// cannot be read: then a second message is the lesser harm than
// silence).
func (s *nativeSink) FindStarted(ctx context.Context, chunk string) string {
	msgs, _, _, err := s.a.api.GetConversationRepliesContext(ctx, &slackgo.GetConversationRepliesParameters{
		ChannelID: s.key.Channel, Timestamp: s.key.Thread, Oldest: s.to.ID, Limit: 100})
	if err != nil {
		s.a.log.WarnContext(ctx, "cannot read the thread back after an unclear chat.startStream", "channel", s.key.Channel,
			"err", s.a.apiErr(ctx, "conversations.replies", err, nil))
		return ""
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Timestamp != s.key.Thread && s.a.isOwn(m.User, m.BotID) && strings.TrimSpace(messageBody(m)) == strings.TrimSpace(chunk) {
			return m.Timestamp
		}
	}
	return ""
}

// messageBody is what a message shows: its text (a streamed message's
// markdown comes back as text).
func messageBody(m slackgo.Message) string { return m.Text }
