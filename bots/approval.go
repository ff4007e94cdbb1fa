package bots

import (
	"context"
	"time"
)

// Approvals of tool calls (issue 16): a call whose tool needs a person's
// consent waits for the asker (or an admin) to click Approve or Deny on a
// prompt. The pending approval lives in the store (ApprovalStore), so a
// restarted process or another replica can resume the answer waiting on
// it, and its state machine makes the call run exactly once:
//
//	pending -> approved -> running -> done
//	pending -> denied | expired
//
// Every move is a compare-and-swap on the state (SwapApproval): two
// clicks, two replicas or a click racing the expiry move it once.

// ApprovalState is where an approval is in its life.
type ApprovalState string

// Approval states.
const (
	ApprovalPending  ApprovalState = "pending"
	ApprovalApproved ApprovalState = "approved"
	ApprovalDenied   ApprovalState = "denied"
	ApprovalExpired  ApprovalState = "expired"
	// ApprovalRunning: the call is claimed for its one execution. A
	// record left running by a process that died says the call may or
	// may not have had its effect: it is never run again.
	ApprovalRunning ApprovalState = "running"
	// ApprovalDone: the call ran; Result is what the model got.
	ApprovalDone ApprovalState = "done"
)

// Approval is one tool call waiting for (or past) a person's decision.
type Approval struct {
	// Key is the call's idempotency key (tools.CallKey).
	Key string `json:"key"`
	// Answer is the reply's journal id; Round and CallID place the call
	// in its tool loop.
	Answer string `json:"answer"`
	Round  int    `json:"round"`
	CallID string `json:"call_id"`
	// Platform, Channel (settings id, "slack:C1") and Asker (platform
	// user id) say who may decide.
	Platform Platform `json:"platform"`
	Channel  string   `json:"channel"`
	Asker    string   `json:"asker"`
	// Lang is the catalog language of the answer's texts.
	Lang string `json:"lang,omitempty"`
	// Tool and Arguments are the call as the model wrote it.
	Tool      string        `json:"tool"`
	Arguments string        `json:"arguments"`
	State     ApprovalState `json:"state"`
	// Decider is the user id who approved or denied.
	Decider string    `json:"decider,omitempty"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	// Prompt is the platform message id of the prompt.
	Prompt string `json:"prompt,omitempty"`
	// Loop is the answer's tool rounds so far (the messages after the
	// prompt the Engine builds, up to this call's round with the results
	// given before it): what a resumed answer continues from.
	Loop []ModelMessage `json:"loop,omitempty"`
	// Result is the call's result once done.
	Result string `json:"result,omitempty"`
}

// ApprovalStore is an optional Store capability (store.Memory, store.Bolt
// and store.Redis have it): without it no call needing approval runs.
// Methods block on the store and return wrapped errors.
type ApprovalStore interface {
	// PutApproval stores a new approval. When one of a.Key exists it is
	// left unchanged and returned, with created false (a resumed answer
	// finds the approval it asked for before).
	PutApproval(ctx context.Context, a Approval) (stored Approval, created bool, err error)
	// GetApproval returns the approval of key; found is false when none.
	GetApproval(ctx context.Context, key string) (a Approval, found bool, err error)
	// SwapApproval replaces the approval of next.Key by next if its
	// stored state is from; it reports whether it did (false when the
	// state was another, or no such approval).
	SwapApproval(ctx context.Context, from ApprovalState, next Approval) (bool, error)
	// Approvals returns the approvals of an answer, by Round then
	// Created.
	Approvals(ctx context.Context, answer string) ([]Approval, error)
	// DropApprovals removes the approvals of an answer (it ended).
	DropApprovals(ctx context.Context, answer string) error
}

// ApprovalPrompt is what a prompt shows.
type ApprovalPrompt struct {
	// Key names the approval; it comes back with the click.
	Key string
	// Text is the localized question with the tool and its arguments
	// (standard Markdown).
	Text string
	// Approve and Deny are the buttons' labels.
	Approve, Deny string
	// Asker is the platform user id of the asker (to address them).
	Asker string
}

// ApprovalPrompter is an optional Reply capability: it posts approval
// prompts in the reply's conversation. Without it a call needing
// approval is refused.
type ApprovalPrompter interface {
	// AskApproval posts the prompt with its Approve and Deny buttons and
	// returns the message id.
	AskApproval(ctx context.Context, p ApprovalPrompt) (string, error)
	// CloseApproval replaces the prompt messageID by text, without
	// buttons (expired, or decided where the click was not answered by
	// an edit).
	CloseApproval(ctx context.Context, messageID, text string) error
}

// ApprovalOutcome is what a click on a prompt did.
type ApprovalOutcome int

// Approval outcomes.
const (
	// ApprovalDecided: the click approved or denied the call; Text is the
	// prompt's new text (without buttons).
	ApprovalDecided ApprovalOutcome = iota
	// ApprovalNotAllowed: the clicker is neither the asker nor an admin;
	// Text is the ephemeral refusal.
	ApprovalNotAllowed
	// ApprovalOver: decided already (a replayed click), expired or
	// unknown; Text is the ephemeral answer.
	ApprovalOver
)

// ApprovalResult is the Engine's answer to a click.
type ApprovalResult struct {
	Outcome ApprovalOutcome
	Text    string
}
