package slack

import (
	"context"
	"errors"

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
// The chunks go through the writer that owns the stream (the Appender's
// side items, stream.SideSink): ToolTask queues them, the writer sends
// them on the appends' Tier 4 budget, after settling a markdown append
// whose outcome is unknown (an append is not idempotent: the text would
// be doubled). A task_update itself names its task by id, so sending one
// again after an unclear outcome sets the same state and it is simply
// resent. Without a stream (none started yet, post+update after a
// refusal or an overflow) ToolTask says so and the Engine shows the
// thread's status, as it does for a post+update reply. A stream that
// refuses the chunks (invalid_chunks, or any other lasting error) serves
// the rest of the reply with the status instead, logged once.

var _ bots.ToolTasks = (*nativeReply)(nil)

// errNoTaskStream: the reply has no stream to show tasks in.
var errNoTaskStream = errors.New("slack: no native stream for tool tasks")

// ToolTask implements bots.ToolTasks; it never blocks on Slack.
func (r *nativeReply) ToolTask(_ context.Context, t bots.ToolTask) error {
	if err := r.Side(t); err != nil {
		return errNoTaskStream
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

// AppendSide implements stream.SideSink: the queued tasks as task_update
// chunks of one chat.appendStream.
func (s *nativeSink) AppendSide(ctx context.Context, ts string, items []any) error {
	chunks := make([]slackgo.StreamChunk, 0, len(items))
	for _, it := range items {
		if t, ok := it.(bots.ToolTask); ok {
			chunks = append(chunks, taskChunk(t))
		}
	}
	tctx, w := traced(ctx)
	if _, _, err := s.a.api.AppendStreamContext(tctx, s.key.Channel, ts, slackgo.MsgOptionChunks(chunks...)); err != nil {
		err = s.a.apiErr(ctx, "chat.appendStream", err, w)
		if bots.ClassOf(err) == bots.Permanent {
			s.a.log.WarnContext(ctx, "slack refused the tool task chunks; showing tool progress as the thread status for this reply",
				"channel", s.key.Channel, "code", errorCode(err), "err", err)
		}
		return err
	}
	return nil
}

// tasksToStatus (stream.AppendOptions.OnSideOff: tasks are off for the
// rest of the reply) shows the newest queued one as the thread's status (a finished one shows none:
// the Engine clears the status after the tools).
func (s *nativeSink) tasksToStatus(ctx context.Context, items []any) {
	if len(items) == 0 {
		return
	}
	if last, ok := items[len(items)-1].(bots.ToolTask); ok && last.Status != "" {
		_ = s.sink.toolStatus(ctx, last.Status)
	}
}
