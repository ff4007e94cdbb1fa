package slack

import (
	"context"
	"errors"
	"strings"
	"time"

	slackgo "github.com/slack-go/slack"

	"mistralbot/bots"
)

// Tool calls as task cards in a native stream (issue 16): each call is a
// task_update chunk of chat.appendStream, in_progress when it starts and
// complete or error when it ends, named by the call's key and titled with
// the tool's name (never its arguments). Chunk fields (id, title, status
// pending/in_progress/complete/error, details, output, sources):
// https://docs.slack.dev/reference/methods/chat.appendStream/ ("Using the
// chunks parameter") and
// https://docs.slack.dev/tools/node-slack-sdk/reference/types/interfaces/TaskUpdateChunk
//
// The chunks go through the native loop (the only one that owns the
// stream): ToolTask queues them, the loop sends them on the appends'
// Tier 4 budget, after settling a markdown append whose outcome is
// unknown (an append is not idempotent: the text would be doubled).
// A task_update itself names its task by id, so sending one again after
// an unclear outcome sets the same state and it is simply resent.
// Without a stream (none started yet, post+update after a refusal or an
// overflow) ToolTask says so and the Engine shows the thread's status,
// as it does for a post+update reply. A stream that refuses the chunks
// (invalid_chunks, or any other lasting error) serves the rest of the
// reply with the status instead, logged once.

var _ bots.ToolTasks = (*nativeReply)(nil)

// errNoTaskStream: the reply has no stream to show tasks in.
var errNoTaskStream = errors.New("slack: no native stream for tool tasks")

// ToolTask implements bots.ToolTasks; it never blocks on Slack.
func (r *nativeReply) ToolTask(_ context.Context, t bots.ToolTask) error {
	r.mu.Lock()
	// Blank text opens no stream (step waits for some): the status serves.
	if !r.started || r.final || r.tasksOff || strings.TrimSpace(r.text) == "" {
		r.mu.Unlock()
		return errNoTaskStream
	}
	r.tasks = append(r.tasks, t)
	r.mu.Unlock()
	select {
	case r.kick <- struct{}{}:
	default:
	}
	return nil
}

// taskChunk is t as a task_update chunk.
func taskChunk(t bots.ToolTask) slackgo.TaskUpdateChunk {
	c := slackgo.NewTaskUpdateChunk(t.ID, t.Title)
	switch t.State {
	case bots.ToolTaskDone:
		c.Status = slackgo.TaskCardStatusComplete
	case bots.ToolTaskFailed:
		c.Status = slackgo.TaskCardStatusError
	default:
		c.Status = slackgo.TaskCardStatusInProgress
	}
	return c
}

// flushTasks sends the queued tasks in one append; it returns when to try
// again (0: nothing to wait for). Loop-owned.
func (r *nativeReply) flushTasks(ctx context.Context, text string) time.Duration {
	r.mu.Lock()
	tasks := append([]bots.ToolTask(nil), r.tasks...)
	r.mu.Unlock()
	if len(tasks) == 0 {
		return 0
	}
	if r.useFallback || r.contActive {
		r.tasksToStatus(ctx, tasks)
		return 0
	}
	if r.ts == "" {
		return 0 // sent once the stream has started
	}
	if !r.ws.appends.Allow() {
		return 250 * time.Millisecond
	}
	if err := r.settle(ctx, text); err != nil {
		return retryDelay(err)
	}
	chunks := make([]slackgo.StreamChunk, len(tasks))
	for i, t := range tasks {
		chunks[i] = taskChunk(t)
	}
	tctx, w := traced(ctx)
	_, _, err := r.a.api.AppendStreamContext(tctx, r.key.Channel, r.ts, slackgo.MsgOptionChunks(chunks...))
	r.lastCall = r.a.now()
	if err != nil {
		err = r.a.apiErr(ctx, "chat.appendStream", err, w)
		switch bots.ClassOf(err) {
		case bots.Transient:
			if ce := (*CallError)(nil); errors.As(err, &ce) && ce.rateLimited() {
				r.ws.appends.Pause(ce.RetryAfter())
			}
			return retryDelay(err)
		case bots.Uncertain:
			return retryDelay(err) // resent: a task_update is idempotent
		}
		r.a.log.WarnContext(ctx, "slack refused the tool task chunks; showing tool progress as the thread status for this reply",
			"channel", r.key.Channel, "code", errorCode(err), "err", err)
		r.tasksToStatus(ctx, tasks)
		return 0
	}
	r.mu.Lock()
	r.tasks = r.tasks[len(tasks):]
	r.mu.Unlock()
	return 0
}

// tasksToStatus turns tasks off for the rest of the reply and shows the
// newest queued one as the thread's status (a finished one shows none:
// the Engine clears the status after the tools).
func (r *nativeReply) tasksToStatus(ctx context.Context, tasks []bots.ToolTask) {
	r.mu.Lock()
	r.tasksOff = true
	if len(r.tasks) > 0 {
		tasks = r.tasks // with any queued since
	}
	r.tasks = nil
	r.mu.Unlock()
	if last := tasks[len(tasks)-1]; last.Status != "" {
		_ = r.sink.toolStatus(ctx, last.Status)
	}
}
