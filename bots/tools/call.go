package tools

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// Call is one tool call asked for by the model.
type Call struct {
	// ID is the model's tool_call_id, echoed in the result message.
	ID string
	// Key is the idempotency key of the call: the same for every attempt
	// to run this call, across restarts and replicas, so the approval
	// journal and the Toolbox can make it execute exactly once. Build it
	// with CallKey from what identifies the call durably.
	Key string
	// Name is the tool's exposed name.
	Name string
	// Arguments is the JSON the model wrote, not yet trusted.
	Arguments json.RawMessage
}

// CallKey derives a call's idempotency key from the answer it belongs to
// (the journal's id of the reply), the round of the tool loop and the
// model's call id. The model's id alone is not enough: Mistral's ids are 9
// characters and are only unique within a response.
func CallKey(answerID string, round int, callID string) string {
	h := sha256.New()
	for _, part := range []string{answerID, strconv.Itoa(round), callID} {
		h.Write([]byte(strconv.Itoa(len(part))))
		h.Write([]byte{':'})
		h.Write([]byte(part))
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// Failure says why a call gave no normal result.
type Failure int

// The failures. The engine maps them to localized notes for the user; the
// model gets Result.Text.
const (
	FailureNone        Failure = iota
	FailureTool                // the tool ran and reported an error
	FailureUnknown             // no such tool, or not allowed in the channel
	FailureArguments           // the arguments are not a JSON object
	FailureTimeout             // no answer within tools.timeout
	FailureUnavailable         // the server is down or the connection broke
	FailureDenied              // a person denied the call, or its approval expired
	FailureInternal            // a bug in a provider (recovered panic)
	FailureCanceled            // the answer was stopped or its budget ran out
)

// String names the failure for logs and metrics.
func (f Failure) String() string {
	switch f {
	case FailureNone:
		return "none"
	case FailureTool:
		return "tool_error"
	case FailureUnknown:
		return "unknown_tool"
	case FailureArguments:
		return "invalid_arguments"
	case FailureTimeout:
		return "timeout"
	case FailureUnavailable:
		return "unavailable"
	case FailureDenied:
		return "denied"
	case FailureInternal:
		return "internal"
	case FailureCanceled:
		return "canceled"
	}
	return "failure(" + strconv.Itoa(int(f)) + ")"
}

// Result is the outcome of one call: Text goes to the model as the tool
// message, once; Note (when the call failed) is a short English line for
// the user, which the engine may replace by a localized one chosen by
// Failure.
type Result struct {
	CallID string
	Key    string
	// Tool is the exposed name of the tool called.
	Tool string
	Text string
	// Failure is FailureNone for a normal result.
	Failure Failure
	// Truncated is true when Text was cut to tools.max_result_bytes.
	Truncated bool
	// Sources are the URLs or names of what the tool read, for the
	// answer's list of sources.
	Sources []string
	Note    string
}

// Failed reports whether the call gave no normal result.
func (r Result) Failed() bool { return r.Failure != FailureNone }
