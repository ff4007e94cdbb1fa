package slack

import (
	"context"
	"errors"
)

// Crash recovery: the Engine journals the ids of a reply's messages
// (stream.Streamer and stream.Appender tell them) and, after a restart, hands
// them to Reopen (reply.go), which rewrites them with chat.update.

// stopStale ends the native stream a dead process may have left open on
// ts, so that chat.update can rewrite the message. A message that is not
// streaming (post+update, or a stream that was stopped) is refused with
// message_not_in_streaming_state: nothing to do.
func (a *Adapter) stopStale(ctx context.Context, channel, ts string) {
	_, _, err := a.api.StopStreamContext(ctx, channel, ts)
	if err == nil {
		a.log.InfoContext(ctx, "stopped a stream left open by a dead process", "channel", channel, "ts", ts)
		return
	}
	if err = a.apiErr(ctx, "chat.stopStream", err, nil); errorCode(err) != "message_not_in_streaming_state" && !errors.Is(err, context.Canceled) {
		a.log.DebugContext(ctx, "cannot stop a stream left open", "channel", channel, "ts", ts, "err", err)
	}
}
