package slack

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
	"mistralbot/bots/i18n"
	"mistralbot/bots/pace"
	"mistralbot/bots/stream"
	"mistralbot/internal/cache"
	"mistralbot/internal/wait"
)

// Slack's limits on one message.
const (
	// updateLimit is chat.update's limit on text, in characters; the
	// post+update path renders mrkdwn and splits parts below it.
	updateLimit = 4000
	// markdownLimit is the limit of markdown_text (native streaming).
	markdownLimit = 12000
)

// workspace holds the call budgets shared by every reply in flight in one
// Slack workspace (Slack's limits are per workspace and method).
type workspace struct {
	updates  *pace.SharedBudget // chat.update (Tier 3)
	appends  *pace.Bucket       // chat.appendStream (Tier 4)
	streams  *pace.Bucket       // chat.startStream + chat.stopStream (Tier 2)
	statuses *pace.Bucket       // assistant.threads.setStatus
	posts    *cache.Cache[string, *pace.Bucket]
	// reads budgets conversations.history and .replies for summaries
	// (span.go), one bucket per method.
	reads map[string]*pace.Bucket

	mu        sync.Mutex
	nativeOff time.Time // native streaming refused until then
}

func (a *Adapter) workspace(team string) *workspace {
	if w, found := a.teams.Load(team); found {
		return w.(*workspace)
	}
	w, _ := a.teams.LoadOrStore(team, &workspace{
		updates:  newEditBudget(a.opts.UpdatesPerMinute, a.now),
		appends:  pace.NewBucketClock(a.opts.AppendsPerMinute, time.Minute, a.now),
		streams:  pace.NewBucketClock(a.opts.StreamsPerMinute, time.Minute, a.now),
		statuses: pace.NewBucketClock(statusPerMinute, time.Minute, a.now),
		posts:    cache.New[string, *pace.Bucket](2000, 10*time.Minute, a.now),
		reads:    a.readBudgets(),
	})
	return w.(*workspace)
}

// postBucket paces chat.postMessage in one channel: Slack allows about one
// message per second per channel, with short bursts.
func (w *workspace) postBucket(channel string) *pace.Bucket {
	if b, found := w.posts.Get(channel); found {
		return b
	}
	b := pace.NewBucket(5, 5*time.Second)
	w.posts.Put(channel, b)
	return b
}

func (w *workspace) nativeAllowed(now time.Time) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return now.After(w.nativeOff)
}

func (w *workspace) refuseNative(until time.Time) {
	w.mu.Lock()
	w.nativeOff = until
	w.mu.Unlock()
}

// OpenReply implements bots.Conversations. In a thread it shows Slack's
// "is thinking…" status (assistant.threads.setStatus, which now works in
// channel threads with chat:write) while the answer is generated; the
// status clears when the first text is posted. It returns at once: the
// status call runs concurrently and the first post waits for it, so the
// status can never arrive after the answer. The status is skipped when
// the workspace's status budget is spent.
func (a *Adapter) OpenReply(ctx context.Context, key bots.ConversationKey, to bots.Message) (bots.Reply, error) {
	return a.openReply(ctx, key, asker{to: to})
}

// openReply opens a reply to who; a command's reply knows its
// response_url (a last path for a notice).
func (a *Adapter) openReply(ctx context.Context, key bots.ConversationKey, who asker) (bots.Reply, error) {
	to := who.to
	if key.Platform != bots.Slack || key.Channel == "" {
		return nil, fmt.Errorf("slack: open reply: not a Slack conversation: %s", key)
	}
	ws := a.workspace(key.Team)
	st := a.startStatus(ctx, ws, key, to)
	sink := &threadSink{a: a, ws: ws, channel: key.Channel, thread: key.Thread, status: st,
		replyID: newReplyID(), after: to.ID, asker: who}
	native := a.opts.NativeStreaming && key.Thread != "" && ws.nativeAllowed(a.now())
	var out stream.Sink = sink
	if !native {
		out = a.controls(sink) // the Stop button (controls.go)
	}
	fallback := stream.NewStreamer(out, stream.StreamOptions{
		Limit:       updateLimit,
		Render:      Mrkdwn,
		Throttle:    ws.updates,
		MinInterval: a.opts.EditInterval,
		Logger:      a.log,
	})
	if native {
		return a.newNativeReply(ws, key, to, st, sink, fallback), nil
	}
	return &streamReply{Streamer: fallback, sink: sink, status: st, controlled: out != stream.Sink(sink)}, nil
}

var _ bots.Reopener = (*Adapter)(nil)

// Reopen implements bots.Reopener: a reply a killed process left half
// written is regenerated into the messages it had posted (chat.update);
// parts beyond them are posted, and those the new answer does not need
// are deleted. Recovered replies use post+update even with native
// streaming: a stream the dead process left open cannot be appended to
// (it is stopped first, see stopStale).
//
// The first message is looked up first (conversations.replies): when it
// was deleted, Reopen fails instead of letting the writer post its part
// again, so a Regenerate click on a deleted answer changes nothing (the
// clicker is told, regenerate.go) and a recovered reply is answered anew,
// as on Discord. conversations.replies answers thread_not_found for a ts
// that is not there ("Value for ts was missing or invalid",
// https://docs.slack.dev/reference/methods/conversations.replies);
// fetchMessage says message_not_found when the thread holds no such
// message. Any other failure of the look-up (a 429, a network error) is
// not taken for a deletion: the messages are rewritten as before.
func (a *Adapter) Reopen(ctx context.Context, key bots.ConversationKey, to bots.Message, ids []string) (bots.Reply, error) {
	if len(ids) == 0 {
		return a.OpenReply(ctx, key, to)
	}
	if key.Platform != bots.Slack || key.Channel == "" {
		return nil, fmt.Errorf("slack: reopen reply: not a Slack conversation: %s", key)
	}
	if _, err := a.fetchMessage(ctx, key.Channel, ids[0]); errors.Is(err, bots.ErrMessageGone) || errorCode(err) == "thread_not_found" {
		return nil, fmt.Errorf("slack: reopen reply: the first message %s is gone: %w", ids[0], err)
	}
	a.stopStale(ctx, key.Channel, ids[0])
	ws := a.workspace(key.Team)
	st := &statusOp{a: a, done: make(chan struct{})}
	close(st.done) // the thread already shows the partial answer
	// The reply will edit the messages it has: it holds a final edit's
	// reserve without admission (the sink releases it).
	sink := &threadSink{a: a, ws: ws, channel: key.Channel, thread: key.Thread, status: st, held: true,
		replyID: newReplyID(), after: to.ID, asker: asker{to: to}}
	ws.updates.Hold()
	out := a.controls(sink) // a regenerated answer has its controls too
	s := stream.NewStreamer(out, stream.StreamOptions{
		Limit: updateLimit, Render: Mrkdwn, Throttle: ws.updates, MinInterval: a.opts.EditInterval,
		Logger: a.log, Existing: ids,
	})
	return &streamReply{Streamer: s, sink: sink, status: st, existing: ids, controlled: out != stream.Sink(sink)}, nil
}

// streamReply is the post+update reply: a stream.Streamer that also clears
// the status when nothing was posted and, for a reopened reply, deletes
// the old messages the new answer did not need.
type streamReply struct {
	*stream.Streamer
	sink     *threadSink
	status   *statusOp
	existing []string
	// controlled: its messages show the Stop button (controls.go).
	controlled bool
}

// Finish implements bots.Reply.
func (r *streamReply) Finish(ctx context.Context, text string) error {
	err := r.Streamer.Finish(ctx, text)
	if err == nil && len(r.existing) > 0 {
		r.sink.deleteUnused(ctx, r.Streamer.Unused())
	}
	r.sink.done()
	r.status.end(ctx, len(r.Streamer.IDs()) > 0)
	r.sink.undelivered(ctx, err)
	return err
}

// deleteUnused deletes the reopened messages the regenerated answer did not
// need, as the Streamer that wrote it counted them.
func (s *threadSink) deleteUnused(ctx context.Context, unused []string) {
	for _, id := range unused {
		if _, _, err := s.a.api.DeleteMessageContext(ctx, s.channel, id); err != nil {
			_ = s.a.logCallErr(ctx, "chat.delete", s.channel, s.a.apiErr(ctx, "chat.delete", err, nil))
		}
	}
}

// threadSink posts and edits the messages of one reply (stream.Sink).
type threadSink struct {
	a       *Adapter
	ws      *workspace
	channel string
	thread  string
	status  *statusOp
	// replyID and after identify this reply's posts in the metadata and
	// bound the read-back (PostOnce): posts come after the message
	// answered.
	replyID string
	after   string
	asker   asker

	mu       sync.Mutex
	held     bool // holds a slot of the edit reserve (a reopened reply)
	finished bool
	lastEdit time.Time    // of this reply
	unsure   map[int]bool // parts whose post may have happened (PostOnce)
	// regen: the finished answer shows the Regenerate button (regenerate.go).
	regen atomic.Bool
}

// done releases the edit reserve Reopen held for the reply. The Streamer
// releases its own admission.
func (s *threadSink) done() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held && !s.finished {
		s.ws.updates.Release()
	}
	s.finished = true
}

// Post implements stream.Sink with chat.postMessage in the reply's thread.
// parse=none and no link_names: plain "@here" text never notifies. Link
// previews stay off unless Options.LinkPreviews: a link the model was
// made to write (prompt injection) must not fetch a URL carrying data out
// of the conversation.
func (s *threadSink) Post(ctx context.Context, text string) (string, error) {
	return s.post(ctx, text, -1)
}

// post posts text; part >= 0 tags the message with this reply's metadata
// (PostOnce finds it again by it).
func (s *threadSink) post(ctx context.Context, text string, part int, extra ...slackgo.MsgOption) (string, error) {
	s.status.wait(ctx)
	if err := s.ws.postBucket(s.channel).Wait(ctx); err != nil {
		return "", err
	}
	opts := append(s.a.postOptions(), slackgo.MsgOptionText(text, false))
	if s.thread != "" {
		opts = append(opts, slackgo.MsgOptionTS(s.thread))
	}
	if part >= 0 {
		opts = append(opts, slackgo.MsgOptionMetadata(s.metadata(part)))
	}
	opts = append(opts, extra...)
	tctx, w := traced(ctx)
	_, ts, err := s.a.api.PostMessageContext(tctx, s.channel, opts...)
	if err != nil {
		return "", s.a.logCallErr(ctx, "chat.postMessage", s.channel, s.a.apiErr(ctx, "chat.postMessage", err, w))
	}
	return ts, nil
}

// postOptions are the options of every message the bot posts: no markup
// parsing, no @name linking, and link previews only when enabled.
func (a *Adapter) postOptions() []slackgo.MsgOption {
	opts := []slackgo.MsgOption{slackgo.MsgOptionParse(false), slackgo.MsgOptionLinkNames(false)}
	if !a.opts.LinkPreviews {
		opts = append(opts, slackgo.MsgOptionDisableLinkUnfurl(), slackgo.MsgOptionDisableMediaUnfurl())
	}
	return opts
}

// Edit implements stream.Sink with chat.update, at most once per
// EditInterval per reply (the Streamer paces intermediate edits; this
// also spaces a final edit from the one before). A 429 pauses the
// workspace's update budget for every reply, not only this one. A
// deleted message (message_not_found) wraps bots.ErrMessageGone: the
// writer posts that part again.
func (s *threadSink) Edit(ctx context.Context, id, text string) error {
	return s.edit(ctx, id, text)
}

// edit is Edit with extra options (the answer's controls, see controls.go).
func (s *threadSink) edit(ctx context.Context, id, text string, extra ...slackgo.MsgOption) error {
	s.mu.Lock()
	due := s.a.opts.EditInterval - s.a.now().Sub(s.lastEdit)
	s.mu.Unlock()
	if due > 0 {
		if err := wait.Sleep(ctx, due); err != nil {
			return err
		}
	}
	defer func() {
		s.mu.Lock()
		s.lastEdit = s.a.now()
		s.mu.Unlock()
	}()
	tctx, w := traced(ctx)
	opts := append([]slackgo.MsgOption{slackgo.MsgOptionText(text, false),
		slackgo.MsgOptionParse(false), slackgo.MsgOptionLinkNames(false)}, extra...)
	_, _, _, err := s.a.api.UpdateMessageContext(tctx, s.channel, id, opts...)
	if err != nil {
		err = s.a.apiErr(ctx, "chat.update", err, w)
		var ce *CallError
		if errors.As(err, &ce) && ce.rateLimited() {
			s.ws.updates.Pause(ce.RetryAfter())
		}
		return s.a.logCallErr(ctx, "chat.update", s.channel, err)
	}
	return nil
}

// logCallErr logs a failed reply call with one line naming the call, the
// status, Slack's error code and the class (never the token), and
// returns err.
func (a *Adapter) logCallErr(ctx context.Context, method, channel string, err error) error {
	args := []any{"method", method, "channel", channel, "class", bots.ClassOf(err).String(), "err", err}
	var ce *CallError
	if errors.As(err, &ce) {
		args = append(args, "status", ce.Status, "code", ce.Code)
	}
	switch {
	case errors.Is(err, ErrRateLimited):
		a.log.InfoContext(ctx, "slack rate limit; waiting as asked", args...)
	case errors.Is(err, ErrNotInChannel), errors.Is(err, ErrChannelNotFound):
		a.log.WarnContext(ctx, "cannot post: the bot is not in the channel (invite it)", args...)
	case errors.Is(err, ErrArchived):
		a.log.WarnContext(ctx, "cannot post: the channel is archived", args...)
	case errors.Is(err, ErrInvalidAuth):
		a.log.ErrorContext(ctx, "slack refused the bot token (slack.bot_token)", args...)
	case errors.Is(err, ErrMsgTooLong):
		a.log.ErrorContext(ctx, "message over Slack's limit", args...)
	default:
		a.log.WarnContext(ctx, "slack call failed", args...)
	}
	return err
}

// statusOp is the "is thinking…" status of one reply, set concurrently
// with the model request.
type statusOp struct {
	a       *Adapter
	ws      *workspace
	channel string
	thread  string
	set     bool // the status call was made (within the budget)
	done    chan struct{}
}

// statusTimeout bounds the status call: the first post waits for it.
const statusTimeout = 3 * time.Second

func (a *Adapter) startStatus(ctx context.Context, ws *workspace, key bots.ConversationKey, to bots.Message) *statusOp {
	st := &statusOp{a: a, ws: ws, channel: key.Channel, thread: key.Thread, done: make(chan struct{})}
	if key.Thread == "" {
		close(st.done)
		return st
	}
	if !ws.statuses.Allow() {
		a.log.DebugContext(ctx, "status budget spent; no thinking status", "channel", key.Channel)
		close(st.done)
		return st
	}
	st.set = true
	lang := a.uiLang(ctx, key.Channel, to.Locale)
	text := i18n.T(lang, i18n.Thinking)
	// Slack rotates loading_messages (at most 10) in the indicator while
	// the status shows.
	// https://docs.slack.dev/reference/methods/assistant.threads.setStatus/
	loading := []string{i18n.T(lang, i18n.Loading1), i18n.T(lang, i18n.Loading2),
		i18n.T(lang, i18n.Loading3), i18n.T(lang, i18n.Loading4)}
	// The call outlives OpenReply's caller (a command handler returns as
	// soon as the answer is queued); statusTimeout bounds it.
	ctx = context.WithoutCancel(ctx)
	go func() {
		defer close(st.done)
		ctx, cancel := context.WithTimeout(ctx, statusTimeout)
		defer cancel()
		err := a.api.SetAssistantThreadsStatusContext(ctx, slackgo.AssistantThreadsSetStatusParameters{
			ChannelID: key.Channel, ThreadTS: key.Thread, Status: text, LoadingMessages: loading})
		if err != nil {
			a.statusFailed(ctx, ws, key.Channel, "cannot set thinking status", err)
		}
	}()
	return st
}

// wait blocks until the status call is over (bounded by statusTimeout).
func (st *statusOp) wait(ctx context.Context) {
	select {
	case <-st.done:
	case <-ctx.Done():
	}
}

// end waits for the status call and clears the status when one was set
// and the reply posted nothing (a posted message clears it by itself),
// budget permitting.
func (st *statusOp) end(ctx context.Context, posted bool) {
	st.wait(ctx)
	if posted || !st.set {
		return
	}
	if !st.ws.statuses.Allow() {
		st.a.log.DebugContext(ctx, "status budget spent; status not cleared", "channel", st.channel)
		return
	}
	ctx, cancel := context.WithTimeout(ctx, statusTimeout)
	defer cancel()
	if err := st.a.api.SetAssistantThreadsStatusContext(ctx, slackgo.AssistantThreadsSetStatusParameters{
		ChannelID: st.channel, ThreadTS: st.thread, Status: ""}); err != nil {
		st.a.statusFailed(ctx, st.ws, st.channel, "cannot clear status", err)
	}
}

// statusFailed logs a failed status call at debug level (a status is a
// courtesy) and, on 429, pauses the workspace's status budget.
func (a *Adapter) statusFailed(ctx context.Context, ws *workspace, channel, msg string, err error) {
	err = a.apiErr(ctx, "assistant.threads.setStatus", err, nil)
	var ce *CallError
	if errors.As(err, &ce) && ce.rateLimited() {
		ws.statuses.Pause(ce.RetryAfter())
	}
	a.log.DebugContext(ctx, msg, "channel", channel, "err", err)
}
