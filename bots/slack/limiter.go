package slack

import (
	"time"

	"mistralbot/bots/pace"
)

// statusPerMinute budgets assistant.threads.setStatus per workspace: Slack
// documents no tier for it, our fake models Tier 4 (100 per minute); 80
// leaves headroom for calls made outside this budget. A status is a
// courtesy: when the budget is spent the call is skipped, not queued.
const statusPerMinute = 80

// newEditBudget returns the chat.update budget of one workspace as a
// pace.Pacer shared by every reply in flight there: a reply is admitted to
// post its first intermediate text only while a token for its final edit
// can be reserved, intermediate edits never eat into the reserve and are
// spread evenly (Share), and a final edit (Wait) goes before any of them.
func newEditBudget(perMinute int, now func() time.Time) *pace.SharedBudget {
	return pace.NewSharedBudget(pace.NewBucketClock(perMinute, time.Minute, now))
}
