package bots

// Regenerable is an optional Reply capability: the finished answer can
// show a Regenerate control beside its feedback buttons, naming it by its
// ReplyID (Controlled). The Engine calls OfferRegenerate before Finish,
// and before OfferFeedback, on an answer that is complete (ok or length)
// and whose messages it can write again (MessageIDs, and for a chat
// answer or a translation an adapter that is a Reopener, for a command's
// answer a Reply that is Reopenable).
type Regenerable interface {
	OfferRegenerate()
}

// Reopenable is an optional capability of a Reply an adapter opened
// itself for a command's answer (the Engine's Answer): the adapter that
// can write into its messages again and the conversation they are in
// (the one follow-ups of the answer are asked in: on Slack the thread the
// command's answer started). Without it a command's answer shows no
// Regenerate control.
type Reopenable interface {
	ReopenWith() (Reopener, ConversationKey)
}

// RegenerateResult is what a Regenerate click did.
type RegenerateResult int

// Regenerate results.
const (
	// RegenerateQueued: a new answer to the same question, with the same
	// context minus the old answer, is being written into the old one's
	// messages.
	RegenerateQueued RegenerateResult = iota
	// RegenerateNotAllowed: the clicker is neither the asker nor an admin;
	// nothing changed.
	RegenerateNotAllowed
	// RegenerateGone: the answer is not known here (already regenerated,
	// answered before a restart or by another replica, long ago); nothing
	// changed.
	RegenerateGone
	// RegenerateBusy: a newer question of the conversation is waiting or
	// was answered, the answer is still being written, or the queue is
	// full: only the latest finished answer is regenerated; nothing
	// changed.
	RegenerateBusy
)
