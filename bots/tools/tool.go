// Package tools is the domain of the tools the model may call: what a tool
// is (its exposed name, schema, read-only hint and approval policy), the
// port a source of tools implements (Provider: an MCP server, the built-in
// fetch_url and read_history), the Origin of the question a call serves
// (origin.go: which conversation a tool may read), and the Toolbox the
// engine uses to list the tools of a channel, decide whether a call needs
// approval and run it within a time budget with a bounded result. It
// imports no third-party package and starts no goroutine.
package tools

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// Approval is the approval policy of a tool.
type Approval string

// The approval policies. Auto asks unless the server marks the tool
// read-only (MCP's readOnlyHint).
const (
	ApprovalAuto   Approval = "auto"
	ApprovalAlways Approval = "always"
	ApprovalNever  Approval = "never"
)

// ParseApproval accepts always, never, auto and "" (auto).
func ParseApproval(s string) (Approval, error) {
	switch a := Approval(strings.ToLower(strings.TrimSpace(s))); a {
	case "":
		return ApprovalAuto, nil
	case ApprovalAuto, ApprovalAlways, ApprovalNever:
		return a, nil
	}
	return "", fmt.Errorf("unknown approval %q (want always, never or auto)", s)
}

// Tool is one tool as the model sees it.
type Tool struct {
	// Name is what the model calls: unique in a Toolbox and valid for
	// the model APIs (see ValidName). MCP tools are "<server>__<tool>".
	Name string
	// Provider is the name of the Provider serving the tool.
	Provider string
	// Remote is the tool's own name at its provider.
	Remote string
	// Description is shown to the model.
	Description string
	// Schema is the JSON schema object of the arguments.
	Schema json.RawMessage
	// ReadOnly is the provider's hint that the tool changes nothing. A
	// hint only: it matters for ApprovalAuto, and an operator who does
	// not trust a server sets its approval to always.
	ReadOnly bool
	// Approval is the policy resolved from the configuration.
	Approval Approval
}

// NeedsApproval reports whether a call of t must be approved by a person
// before it runs.
func (t Tool) NeedsApproval() bool {
	switch t.Approval {
	case ApprovalNever:
		return false
	case ApprovalAlways:
		return true
	}
	return !t.ReadOnly
}

// MaxNameLen is the longest function name the model APIs accept.
const MaxNameLen = 64

// validName is the function-name rule of the chat-completions APIs:
// Mistral's OpenAPI spec says "Must be a-z,A-Z,0-9 or contain underscores
// and dashes, with a maximum length of 64"
// (https://docs.rs/crate/mistral-rouille/latest/source/docs/ChatCompletionRequestFunctionCallToolsInnerFunction.md),
// OpenAI's API refuses names not matching ^[a-zA-Z0-9_-]{1,64}$
// (https://portkey.ai/error-library/input-validation-error-10046).
var validName = regexp.MustCompile(`^[a-zA-Z0-9_-]{1,64}$`)

// ValidName reports whether name is acceptable as a function name.
func ValidName(name string) bool { return validName.MatchString(name) }

// ExposedName returns the name the model sees for a provider's tool:
// "<prefix>__<tool>" with every character the APIs refuse replaced by "_";
// a name longer than MaxNameLen keeps its start and ends with a hash of
// the whole, so two long names stay distinct. An empty prefix exposes the
// tool under its own (cleaned) name.
func ExposedName(prefix, tool string) string {
	full := tool
	if prefix != "" {
		full = prefix + "__" + tool
	}
	clean := []byte(full)
	for i, c := range clean {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			clean[i] = '_'
		}
	}
	if len(clean) == 0 {
		return "_"
	}
	if len(clean) <= MaxNameLen && string(clean) == full {
		return full
	}
	if len(clean) <= MaxNameLen {
		return string(clean)
	}
	sum := sha256.Sum256([]byte(full))
	suffix := "_" + hex.EncodeToString(sum[:4])
	return string(clean[:MaxNameLen-len(suffix)]) + suffix
}
