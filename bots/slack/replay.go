package slack

import "context"

// firstDelivery claims a slash command's or interaction's trigger_id
// through the Engine's delivery claim and reports whether this is its
// first delivery. Events carry an event_id that the Engine deduplicates;
// commands and interactions do not, so a captured request, validly signed,
// replayed inside the 5-minute signature window would otherwise post and
// call the model again (and a replayed /usage would show the victim's
// usage to the replayer). Slack generates a trigger_id per invocation ("a
// temporary ID generated for the interaction",
// https://api.slack.com/reference/interaction-payloads/shortcuts; also
// sent with every slash command,
// https://api.slack.com/interactivity/slash-commands), so two requests
// with the same one are the same invocation. The HTTP request was already
// acknowledged with an empty 200 (nothing visible); a replay gets nothing
// more. A payload without trigger_id is handled (never seen from Slack).
func (a *Adapter) firstDelivery(ctx context.Context, what, triggerID string) bool {
	if triggerID == "" {
		return true
	}
	if a.opts.Engine.ClaimDelivery(ctx, "slack:trigger:"+triggerID) {
		return true
	}
	a.log.InfoContext(ctx, "replayed "+what+" ignored", "trigger_id", triggerID)
	return false
}
