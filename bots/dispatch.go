package bots

// Disposition says what Dispatch did with a message.
type Disposition int

// Dispositions.
const (
	// Ignored: not for the bot (no mention, a thread it never joined, empty).
	Ignored Disposition = iota
	// Duplicate: another delivery of a message already claimed.
	Duplicate
	// Refused: silently refused (allow-lists, channel disabled, a limit
	// whose notice the asker was given within the last minute).
	Refused
	// Notified: refused with a notice finished in a reply (a limit, busy).
	Notified
	// Queued: an answer is queued; a reply will be opened and finished.
	Queued
)

// String names the disposition for logs.
func (d Disposition) String() string {
	switch d {
	case Duplicate:
		return "duplicate"
	case Refused:
		return "refused"
	case Notified:
		return "notified"
	case Queued:
		return "queued"
	}
	return "ignored"
}
