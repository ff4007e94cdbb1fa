package bots

import (
	"context"
)

// Reopener is implemented by adapters that can resume a reply a previous
// process left unfinished.
type Reopener interface {
	// Reopen returns a Reply to `to` in conversation key that writes into
	// the messages ids, which an earlier attempt posted (in order): it edits
	// them instead of posting, posts only parts beyond them, and clears
	// those the new answer does not need. With no ids it opens the reply as
	// OpenReply would have for the interrupted question. It may look the
	// messages up but does not wait on rate limits. An error means they
	// cannot be reached; the Engine then answers through OpenReply.
	Reopen(ctx context.Context, key ConversationKey, to Message, ids []string) (Reply, error)
}
