package slack

import (
	"context"

	"mistralbot/bots"
)

// Stop on a natively streamed answer. chat.startStream and
// chat.appendStream take no blocks (their arguments are markdown_text and
// chunks, https://docs.slack.dev/reference/methods/chat.startStream,
// https://docs.slack.dev/reference/methods/chat.appendStream), and what
// is streamed stays: a Stop button appended as a blocks chunk could not be
// taken away when the answer ends (chat.stopStream's blocks are only
// "rendered at the bottom of the finalized message",
// https://docs.slack.dev/reference/methods/chat.stopStream). So the Stop
// control of a native stream is Slack's own, shown to the stream's
// recipient (the asker: recipient_user_id in channels, the DM's user
// otherwise). Slack tells the app only by refusing the next append with
// stopped_by_user (Actual-Chat/actual-chat#4720: "chat.appendStream
// returns stopped_by_user once a reader has stopped the stream"; no event
// is subscribable, agentconnect-md/agentconnect#1494). That refusal goes
// through the same path as a Stop click: Engine.Stop for the asker, which
// cancels the model request; the answer then ends with the text so far
// and the Stopped notice (what the stream had not carried, and the notice,
// in a message after it).

// stoppedByUserCode is chat.appendStream's refusal once the recipient
// stopped the stream.
const stoppedByUserCode = "stopped_by_user"

// stoppedByUser reports whether err is that refusal, and if so stops the
// answer as the asker's click would.
func (s *nativeSink) stoppedByUser(ctx context.Context, err error) bool {
	if errorCode(err) != stoppedByUserCode {
		return false
	}
	id := s.replyID()
	if id == "" {
		s.a.log.InfoContext(ctx, "native stream stopped by its reader; the answer goes on (Stop is off)", "channel", s.key.Channel)
		return true
	}
	res, serr := s.a.opts.Engine.Stop(ctx, bots.Slack, id, s.to.UserID, false)
	if serr != nil {
		s.a.log.WarnContext(ctx, "stop from Slack's stream control refused", "err", serr)
	} else {
		s.a.log.InfoContext(ctx, "native stream stopped by its reader", "channel", s.key.Channel, "result", int(res))
	}
	return true
}
