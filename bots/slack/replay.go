package slack

import "context"

// triggerPrefix prefixes a trigger_id in the Engine's delivery claims.
const triggerPrefix = "slack:trigger:"

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
//
// Slash commands and message shortcuts do not call it: their trigger_id
// goes to Engine.Command as bots.Command.Delivery (delivered in
// commands.go), claimed there in the same store round trip as the
// settings and the limits (issue 12), and a replay comes back as
// Response.Replayed.
func (a *Adapter) firstDelivery(ctx context.Context, what, triggerID string) bool {
	if triggerID == "" {
		return true
	}
	if a.opts.Engine.ClaimDelivery(ctx, triggerPrefix+triggerID) {
		return true
	}
	a.log.InfoContext(ctx, "replayed "+what+" ignored", "trigger_id", triggerID)
	return false
}
