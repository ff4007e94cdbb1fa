package bots

// Controlled is an optional Reply capability: the reply shows a Stop
// control (a button) that names it by ReplyID, an id the adapter chose and
// gets back with the click. The Engine registers such a reply while its
// model request runs, so that Engine.Stop can cancel it.
type Controlled interface {
	ReplyID() string
}

// StopResult is what a Stop click did.
type StopResult int

// Stop results.
const (
	// StopDone: the model request is cancelled; the answer ends with the
	// text so far and the Stopped notice.
	StopDone StopResult = iota
	// StopNotAllowed: the clicker is neither the asker nor an admin;
	// nothing changed.
	StopNotAllowed
	// StopOver: the answer is already finished or already stopped (a
	// click after the end, or delivered twice); nothing changed.
	StopOver
)
