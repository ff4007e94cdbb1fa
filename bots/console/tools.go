package console

import (
	"context"
	"strings"

	"mistralbot/bots"
)

// Tools in the terminal (issue 16): the console shows what the tools do
// on lines of their own, and asks approval for a call on the terminal:
// the next line typed ("y"/"yes" approves; anything else denies) decides
// it. Input that ends while a call waits denies it, so piped input never
// hangs until the approval expires.

// Approver is the Engine's DecideApproval, an optional capability of
// Options.Engine (the Engine has it; cmd/mistralbot asserts it): without
// it a call waiting for approval is denied.
type Approver interface {
	DecideApproval(ctx context.Context, p bots.Platform, key, userID, userName string, admin, approve bool) (bots.ApprovalResult, error)
}

var (
	_ bots.ApprovalPrompter = (*reply)(nil)
	_ bots.ToolProgress     = (*reply)(nil)
)

// ToolStatus implements bots.ToolProgress.
func (r *reply) ToolStatus(ctx context.Context, status string) error {
	if status == "" {
		return nil
	}
	// The text so far goes out whole first (a block a renderer held
	// back, a half-written line); what follows starts a new text.
	_ = r.Restart(ctx) // a failed write is the reply's: Finish returns it
	r.c.print("\n… " + status + "\n")
	return nil
}

// AskApproval implements bots.ApprovalPrompter: the prompt, then the
// console's input waits for y or n (Console.wait).
func (r *reply) AskApproval(_ context.Context, p bots.ApprovalPrompt) (string, error) {
	r.c.mu.Lock()
	r.c.approval = p.Key
	r.c.mu.Unlock()
	r.c.print("\n" + p.Text + "\n[y = " + p.Approve + " / n = " + p.Deny + "] ")
	select {
	case r.c.asked <- struct{}{}:
	default:
	}
	return p.Key, nil
}

// CloseApproval implements bots.ApprovalPrompter.
func (r *reply) CloseApproval(_ context.Context, id, text string) error {
	r.c.mu.Lock()
	if r.c.approval == id {
		r.c.approval = ""
	}
	r.c.mu.Unlock()
	r.c.println("\n" + text)
	return nil
}

// wait waits for an answer, reading the lines that decide its approvals.
func (c *Console) wait(ctx context.Context, done chan struct{}) {
	for {
		var lines <-chan string
		c.mu.Lock()
		pending, over := c.approval != "", c.lines == nil
		if pending {
			lines = c.lines
		}
		c.mu.Unlock()
		if pending && over {
			c.decide(ctx, false)
			continue
		}
		select {
		case <-done:
			return
		case <-ctx.Done():
			return
		case <-c.asked:
		case line, ok := <-lines:
			answer := strings.ToLower(strings.TrimSpace(line))
			c.decide(ctx, ok && (answer == "y" || answer == "yes"))
			if !ok {
				c.mu.Lock()
				c.lines = nil // input is over: later prompts are denied at once (decide)
				c.mu.Unlock()
			}
		}
	}
}

// decide answers the pending approval.
func (c *Console) decide(ctx context.Context, approve bool) {
	c.mu.Lock()
	key := c.approval
	c.approval = ""
	c.mu.Unlock()
	if key == "" {
		return
	}
	ap, ok := c.opts.Engine.(Approver)
	if !ok {
		return
	}
	res, err := ap.DecideApproval(ctx, bots.Console, key, "local", c.opts.UserName, true, approve)
	if err != nil {
		c.println("error: " + err.Error())
		return
	}
	c.println(res.Text)
}
