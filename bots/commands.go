package bots

// Command is a slash command, message shortcut or reaction, normalized.
type Command struct {
	// Name is the canonical name: ask, code, explain, review, translate,
	// lang, prompt, usage, help.
	Name string
	// Text is the free-text argument (the question, the code, the text to
	// translate, the language code for /lang, the prompt for /prompt).
	Text string
	// Options are named options: "language" (programming language for
	// /code), "target" (target language for /translate), "action" (show,
	// set or clear for /prompt), "prefix" (command prefix shown by /help).
	Options map[string]string
	// Msg says who asked and where; Msg.Key is where a streamed answer goes
	// unless the adapter opens another Reply. Msg.Attachments carry files
	// for /explain and /review.
	Msg Message
	// Delivery identifies the invocation for replay protection (a Slack
	// trigger_id, a Discord interaction id, prefixed by the adapter:
	// "slack:trigger:..."): Engine.Command claims it, in the same store
	// round trip as the settings and the limits, and answers a delivery
	// claimed before with Response.Replayed. "" = not claimed.
	Delivery string
}

// Response is the immediate outcome of a command.
type Response struct {
	// Text is a short Markdown answer shown only to the asker (help, usage,
	// lang, prompt, refusals). Empty when Ask is set.
	Text string
	// Ask is non-nil when the command needs the model: the adapter opens the
	// place the answer goes (a thread, an interaction response) and passes
	// it to Engine.Answer.
	Ask *Ask
	// Summary is non-nil for a summary to run: the adapter passes it to
	// Engine.Summarize with the SummaryOutput of the request (span.go).
	Summary *SummaryJob
	// Replayed is true when Command.Delivery was claimed before: the same
	// invocation replayed (or delivered twice). Nothing ran; the adapter
	// answers nothing more.
	Replayed bool
}

// Ask is a prepared model request produced by a command. Allow-lists and
// limits were checked when it was made.
type Ask struct {
	// Title is a one-line summary of the question, for thread names and the
	// message the adapter posts to start a thread.
	Title string
	// Question is the asker's text as it will be shown in the thread (the
	// text, or the code, or the text to translate).
	Question string
	// Cmd, Turn, Task and AnswerIn are the Engine's: the command that made
	// the Ask, the question as one turn, the task line of the system
	// message and the language to answer in ("" = the channel's). An
	// adapter passes the Ask back to the Engine's Answer unchanged.
	Cmd      Command
	Turn     Turn
	Task     string
	AnswerIn string
}
